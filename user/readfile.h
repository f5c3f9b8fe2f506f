/* SPDX-License-Identifier: GPL-2.0 */
/* readfile.h - stream a file through a parser with one open and large read()s. */
#ifndef TCPSTAT_READFILE_H
#define TCPSTAT_READFILE_H

#include <stddef.h>

/* Consume @n bytes: 0 to go on, -1 to stop (the parser holds the error). */
typedef int (*chunk_cb)(void *ctx, const char *buf, size_t n);

/*
 * open(@path, O_RDONLY | O_CLOEXEC), then read() into @buf (@bufsize
 * bytes) until EOF, handing each chunk to @feed. Returns 0 at EOF, -1 if
 * @feed stopped, or a positive errno if open or read failed.
 */
int read_file_chunks(const char *path, char *buf, size_t bufsize,
		     chunk_cb feed, void *ctx);

#endif /* TCPSTAT_READFILE_H */
