/* SPDX-License-Identifier: GPL-2.0 */
/* readfile.h - stream a file through a parser with one open and large read()s. */
#ifndef TCPSTAT_READFILE_H
#define TCPSTAT_READFILE_H

#include <stddef.h>

/* Consume @n bytes: 0 to go on, -1 to stop (the parser holds the error). */
typedef int (*chunk_cb)(void *ctx, const char *buf, size_t n);

/* A whole file read (and parsed) may take this long. */
#define READFILE_TIMEOUT_MS 60000

/* Failures that are no errno (readfile_strerror() tells them). */
enum {
	READFILE_NOT_REGULAR = 0x10000,	/* a FIFO, device, socket or directory */
	READFILE_TOO_SLOW,		/* not read to its end in time */
};

/*
 * open(@path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), so that a FIFO does not
 * block the open; refuse anything but a regular file (what every /proc
 * file and fixture is); then read() into @buf (@bufsize bytes) until EOF,
 * handing each chunk to @feed, for at most READFILE_TIMEOUT_MS in all.
 * Returns 0 at EOF, -1 if @feed stopped, or a positive errno or
 * READFILE_* code if the open or a read failed.
 */
int read_file_chunks(const char *path, char *buf, size_t bufsize,
		     chunk_cb feed, void *ctx);

/* The same with @timeout_ms instead of READFILE_TIMEOUT_MS. */
int read_file_chunks_within(const char *path, char *buf, size_t bufsize,
			    chunk_cb feed, void *ctx, unsigned timeout_ms);

/* strerror() for the errors of read_file_chunks(). */
const char *readfile_strerror(int err);

/*
 * Read all of @path into @buf (@bufsize bytes), for small files parsed
 * as a whole (/proc/net/snmp, /proc/PID/cgroup), with read_file_chunks()'s
 * rules (a regular file, READFILE_TIMEOUT_MS). 0 with *@len set, EFBIG if
 * the file does not fit in @bufsize, or read_file_chunks()'s error
 * (readfile_strerror() tells it).
 */
int read_file_all(const char *path, char *buf, size_t bufsize, size_t *len);

#endif /* TCPSTAT_READFILE_H */
