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
};

/*
 * Write all of @buf to @fd, looping on short writes and EINTR, waiting
 * for POLLOUT on a non-blocking descriptor. If *stop becomes set while
 * nothing has been written yet, give up with OUT_STOPPED; once a byte is
 * out, the rest follows (never half a line). Returns 0 or an errno
 * (EPIPE included), or -OUT_STOPPED.
 */
int write_all(int fd, const char *buf, size_t len,
	      const volatile sig_atomic_t *stop);

/* @buf to standard output. OUT_OK, OUT_EPIPE, OUT_STOPPED or OUT_ERROR. */
int output_stdout(const char *buf, size_t len,
		  const volatile sig_atomic_t *stop, struct tcpstat_err *e);

/*
 * Replace @path atomically with @buf: a temporary file in the same
 * directory (mkostemp, O_CLOEXEC), written fully, fsync, fchmod 0644,
 * rename over @path. On failure the temporary file is removed, @path is
 * left as it was, and OUT_ERROR is returned with *e filled.
 */
int output_file(const char *path, const char *buf, size_t len,
		struct tcpstat_err *e);

#endif /* TCPSTAT_OUTPUT_H */
