/* SPDX-License-Identifier: GPL-2.0 */
/* output.h - write a sample to stdout, or replace a file atomically. */
#ifndef TCPSTAT_OUTPUT_H
#define TCPSTAT_OUTPUT_H

#include <signal.h>
#include <stddef.h>

#include "err.h"

enum {
	OUT_OK = 0,
	OUT_ERROR = -1,		/* reported in *e */
	OUT_EPIPE = 1,		/* the reader went away: end quietly */
	OUT_STOPPED = 2,	/* a signal asked to stop before a byte was written */
	OUT_CUT = 3,		/* a signal asked to stop; the reader did not take
				 * the rest within OUT_STOP_GRACE_MS: cut */
};

/* How long a sample begun may take to finish once a stop is asked. */
#define OUT_STOP_GRACE_MS 500

/*
 * Write all of @buf to @fd, looping on short writes and EINTR.
 *
 * Without @stop (a file): plain write() calls, waiting for POLLOUT on a
 * non-blocking descriptor.
 *
 * With @stop (standard output): poll() for POLLOUT, then write at most
 * PIPE_BUF bytes, which a pipe or socket that polls writable takes
 * without blocking; so a signal that sets *stop is seen however long the
 * reader stalls. If *stop is set before the first byte, nothing is
 * written (-OUT_STOPPED); once a byte is out, the rest gets
 * OUT_STOP_GRACE_MS to follow, then the write gives up (-OUT_CUT: the
 * reader holds a part of the sample, without its last newline).
 *
 * Returns 0 or an errno (EPIPE included), or -OUT_STOPPED / -OUT_CUT.
 */
int write_all(int fd, const char *buf, size_t len,
	      const volatile sig_atomic_t *stop);

/*
 * At start: descriptors 0, 1 and 2 that are closed are opened on
 * /dev/null, so that no file or socket opened later becomes "standard
 * output"; a closed standard output is remembered, and output_stdout()
 * then fails with EBADF as a write to it would have.
 */
void output_guard_std_fds(void);

/*
 * @buf to standard output. OUT_OK, OUT_EPIPE, OUT_STOPPED, OUT_CUT or
 * OUT_ERROR ("stdout: write: <reason>" in *e).
 */
int output_stdout(const char *buf, size_t len,
		  const volatile sig_atomic_t *stop, struct tcpstat_err *e);

/*
 * Where @path leads: @path itself, or if it is a symbolic link, the
 * file at the end of its chain of links (relative links resolved from
 * the link's directory), which need not exist yet. 0, or -1 with *e
 * filled (ELOOP after 40 links, or a name too long).
 */
int output_target(const char *path, char *target, size_t size,
		  struct tcpstat_err *e);

/*
 * Replace the file @path leads to (output_target: a symbolic link is
 * followed and kept) atomically with @buf: an unnamed file in the
 * target's directory (O_TMPFILE; where the file system cannot, or no
 * /proc is mounted to link it, a file named ".<name>.tcpstat-XXXXXX"),
 * locked with flock() while it exists,
 * written fully, fsync, fchmod 0644, given a temporary name of that
 * pattern (linkat) and renamed over the target. On failure the temporary
 * file is removed, the target is left as it was, and OUT_ERROR is
 * returned with *e filled.
 */
int output_file(const char *path, const char *buf, size_t len,
		struct tcpstat_err *e);

/*
 * Remove the temporary files an earlier tcpstat killed at the wrong
 * moment (SIGKILL, a crash) left next to @path's target: the entries
 * ".<name>.tcpstat-XXXXXX" (6 letters or digits) that are regular files
 * of this user and that no process holds locked. Best effort and quiet;
 * returns how many were removed.
 */
int output_cleanup(const char *path);

#endif /* TCPSTAT_OUTPUT_H */
