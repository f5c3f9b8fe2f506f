// SPDX-License-Identifier: GPL-2.0
/* readfile.c - one open, read() until EOF, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "readfile.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int read_file_chunks_within(const char *path, char *buf, size_t bufsize,
			    chunk_cb feed, void *ctx, unsigned timeout_ms)
{
	const uint64_t deadline = mono_ms() + timeout_ms;
	struct stat st;
	int fd, ret = 0;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st)) {
		ret = errno;
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return READFILE_NOT_REGULAR;
	}
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
		if (mono_ms() > deadline) {
			ret = READFILE_TOO_SLOW;
			break;
		}
	}
	close(fd);
	return ret;
}

int read_file_chunks(const char *path, char *buf, size_t bufsize,
		     chunk_cb feed, void *ctx)
{
	return read_file_chunks_within(path, buf, bufsize, feed, ctx,
				       READFILE_TIMEOUT_MS);
}

_Static_assert(READFILE_TIMEOUT_MS == 60000, "readfile_strerror() says 60 s");

const char *readfile_strerror(int err)
{
	switch (err) {
	case READFILE_NOT_REGULAR:
		return "not a regular file (a FIFO, device, socket or directory)";
	case READFILE_TOO_SLOW:
		return "not read to its end within 60 s";
	default:
		return strerror(err);
	}
}

struct whole {
	char *dst;
	size_t size, len;
};

static int whole_feed(void *ctx, const char *buf, size_t n)
{
	struct whole *w = ctx;

	if (n > w->size - w->len)
		return -1; /* it does not fit */
	memcpy(w->dst + w->len, buf, n);
	w->len += n;
	return 0;
}

int read_file_all(const char *path, char *buf, size_t bufsize, size_t *len)
{
	struct whole w = { buf, bufsize, 0 };
	char chunk[4096];
	int ret;

	ret = read_file_chunks(path, chunk, sizeof(chunk), whole_feed, &w);
	if (ret == -1)
		return EFBIG;
	if (ret)
		return ret;
	*len = w.len;
	return 0;
}
