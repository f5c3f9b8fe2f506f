// SPDX-License-Identifier: GPL-2.0
/* output.c - stdout and atomic file replacement. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

int write_all(int fd, const char *buf, size_t len,
	      const volatile sig_atomic_t *stop)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
				errno = EINTR; /* check stop, then retry */
			else
				return errno;
		}
		if (errno != EINTR)
			return errno;
		if (!done && stop && *stop)
			return -OUT_STOPPED;
	}
	return 0;
}

int output_stdout(const char *buf, size_t len,
		  const volatile sig_atomic_t *stop, struct tcpstat_err *e)
{
	int err = write_all(STDOUT_FILENO, buf, len, stop);

	if (err == -OUT_STOPPED)
		return OUT_STOPPED;
	if (err == EPIPE)
		return OUT_EPIPE;
	if (err) {
		tcpstat_err_set(e, "stdout: write: %s", strerror(err));
		return OUT_ERROR;
	}
	return OUT_OK;
}

int output_file(const char *path, const char *buf, size_t len,
		struct tcpstat_err *e)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int fd, err;
	const char *step;

	if (!*base) {
		tcpstat_err_set(e, "%s: not a file name", path);
		return OUT_ERROR;
	}
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", dirlen, path, base) >=
	    (int)sizeof(tmp)) {
		tcpstat_err_set(e, "%s: %s", path, strerror(ENAMETOOLONG));
		return OUT_ERROR;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		tcpstat_err_set(e, "%s: cannot create a temporary file in %.*s: %s",
				path, dirlen ? dirlen : 1, dirlen ? path : ".",
				strerror(err));
		return OUT_ERROR;
	}
	step = "write";
	err = write_all(fd, buf, len, NULL);
	if (!err) {
		step = "fsync";
		err = fsync(fd) ? errno : 0;
	}
	if (!err) {
		step = "fchmod";
		err = fchmod(fd, 0644) ? errno : 0;
	}
	if (close(fd) && !err) {
		step = "close";
		err = errno;
	}
	if (!err) {
		step = "rename";
		err = rename(tmp, path) ? errno : 0;
	}
	if (err) {
		unlink(tmp);
		tcpstat_err_set(e, "%s: %s: %s (file left unchanged)", path, step,
				strerror(err));
		return OUT_ERROR;
	}
	return OUT_OK;
}
