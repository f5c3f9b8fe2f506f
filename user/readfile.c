// SPDX-License-Identifier: GPL-2.0
/* readfile.c - one open, read() until EOF, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "readfile.h"

int read_file_chunks(const char *path, char *buf, size_t bufsize,
		     chunk_cb feed, void *ctx)
{
	int fd, ret = 0;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return errno;
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = errno;
			break;
		}
		if (n == 0)
			break;
		if (feed(ctx, buf, (size_t)n)) {
			ret = -1;
			break;
		}
	}
	close(fd);
	return ret;
}
