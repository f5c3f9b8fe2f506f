// SPDX-License-Identifier: GPL-2.0
/* output.c - stdout and atomic file replacement. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

/* The temporary files: ".<name>" TMP_MARK "XXXXXX" */
#define TMP_MARK ".tcpstat-"
#define TMP_RANDOM 6
#define LINKS_MAX 40

static bool stdout_closed;

/* Milliseconds until @end on CLOCK_MONOTONIC (<= 0: passed). */
static long ms_until(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(end->tv_sec - now.tv_sec) * 1000 +
	       (end->tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * Wait until @fd takes a write. -1: until a signal; otherwise the
 * milliseconds left. 1 writable, 0 timed out or interrupted, or -errno.
 */
static int wait_writable(int fd, int timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r = poll(&pfd, 1, timeout);

	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r;
}

int write_all(int fd, const char *buf, size_t len,
	      const volatile sig_atomic_t *stop)
{
	struct timespec give_up = { 0, 0 };
	bool stopping = false;
	size_t done = 0;

	if (fd < 0 && len)
		return EBADF; /* poll() would ignore it and wait for ever */
	while (done < len) {
		size_t chunk = len - done;
		ssize_t n;

		if (stop) {
			int timeout = -1, r;

			if (*stop) {
				long left;

				if (!done)
					return -OUT_STOPPED;
				if (!stopping) {
					clock_gettime(CLOCK_MONOTONIC, &give_up);
					give_up.tv_sec += OUT_STOP_GRACE_MS / 1000;
					give_up.tv_nsec += (OUT_STOP_GRACE_MS % 1000) * 1000000L;
					if (give_up.tv_nsec >= 1000000000L) {
						give_up.tv_sec++;
						give_up.tv_nsec -= 1000000000L;
					}
					stopping = true;
				}
				left = ms_until(&give_up);
				if (left <= 0)
					return -OUT_CUT;
				timeout = (int)left;
			}
			r = wait_writable(fd, timeout);
			if (r < 0)
				return -r;
			if (!r)
				continue; /* a signal, or the grace is over: look again */
			if (chunk > PIPE_BUF)
				chunk = PIPE_BUF;
		}
		n = write(fd, buf + done, chunk);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		if (!stop) {
			int r = wait_writable(fd, -1);

			if (r < 0)
				return -r;
		}
	}
	return 0;
}

void output_guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free descriptor: this one */
		if (open("/dev/null", O_RDWR) != fd)
			break;
		if (fd == STDOUT_FILENO)
			stdout_closed = true;
	}
}

int output_stdout(const char *buf, size_t len,
		  const volatile sig_atomic_t *stop, struct tcpstat_err *e)
{
	int err = stdout_closed ? EBADF : write_all(STDOUT_FILENO, buf, len, stop);

	if (err == -OUT_STOPPED)
		return OUT_STOPPED;
	if (err == -OUT_CUT)
		return OUT_CUT;
	if (err == EPIPE)
		return OUT_EPIPE;
	if (err) {
		tcpstat_err_set(e, "stdout: write: %s", strerror(err));
		return OUT_ERROR;
	}
	return OUT_OK;
}

int output_target(const char *path, char *target, size_t size,
		  struct tcpstat_err *e)
{
	char link[PATH_MAX], next[PATH_MAX];

	if (strlen(path) >= size) {
		tcpstat_err_set(e, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(target, path);
	for (int hops = 0;; hops++) {
		ssize_t n = readlink(target, link, sizeof(link) - 1);
		const char *slash;
		int len;

		/* not a link, or not there yet: the file to write */
		if (n < 0)
			return 0;
		if (hops == LINKS_MAX) {
			tcpstat_err_set(e, "%s: %s", path, strerror(ELOOP));
			return -1;
		}
		link[n] = '\0';
		slash = strrchr(target, '/');
		if (link[0] == '/' || !slash)
			len = snprintf(next, sizeof(next), "%s", link);
		else
			len = snprintf(next, sizeof(next), "%.*s%s",
				       (int)(slash - target + 1), target, link);
		if (len < 0 || (size_t)len >= size || (size_t)len >= sizeof(next)) {
			tcpstat_err_set(e, "%s: %s", path, strerror(ENAMETOOLONG));
			return -1;
		}
		strcpy(target, next);
	}
}

/* "<dir>/" (or "" in the current directory) and the name of @target. */
static void split_path(const char *target, int *dirlen, const char **base)
{
	const char *slash = strrchr(target, '/');

	*dirlen = slash ? (int)(slash - target + 1) : 0;
	*base = slash ? slash + 1 : target;
}

static void random_name(char *x)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[TMP_RANDOM];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		unsigned long v;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
		for (int i = 0; i < TMP_RANDOM; i++, v = v * 2654435761UL + 1)
			r[i] = (unsigned char)(v >> 24);
	}
	for (int i = 0; i < TMP_RANDOM; i++)
		x[i] = set[r[i] % (sizeof(set) - 1)];
}

/*
 * Give the unnamed file @fd (O_TMPFILE) the name @tmp, whose last
 * TMP_RANDOM bytes are replaced until one is free. 0 or an errno.
 */
static int link_tmpfile(int fd, char *tmp)
{
	char proc[64];
	char *x = tmp + strlen(tmp) - TMP_RANDOM;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int tries = 0; tries < 100; tries++) {
		random_name(x);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST)
			return errno;
	}
	return EEXIST;
}

int output_file(const char *path, const char *buf, size_t len,
		struct tcpstat_err *e)
{
	char target[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX];
	const char *base, *step;
	bool named = false, tmpfile;
	int dirlen, fd, lockfd = -1, err;

	if (output_target(path, target, sizeof(target), e))
		return OUT_ERROR;
	split_path(target, &dirlen, &base);
	if (!*base) {
		tcpstat_err_set(e, "%s: not a file name", path);
		return OUT_ERROR;
	}
	snprintf(dir, sizeof(dir), "%.*s", dirlen ? dirlen : 1, dirlen ? target : ".");
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s" TMP_MARK "XXXXXX", dirlen, target,
		     base) >= (int)sizeof(tmp)) {
		tcpstat_err_set(e, "%s: %s", path, strerror(ENAMETOOLONG));
		return OUT_ERROR;
	}
	/* an unnamed file is linked through /proc/self/fd (link_tmpfile) */
	tmpfile = access("/proc/self/fd", X_OK) == 0;
	fd = tmpfile ? open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644) : -1;
	if (!tmpfile || (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR ||
				    errno == EINVAL))) {
		/* a file system without O_TMPFILE, or no /proc: named at once */
		fd = mkostemp(tmp, O_CLOEXEC);
		named = fd >= 0;
	}
	if (fd < 0) {
		err = errno;
		tcpstat_err_set(e, "%s: cannot create a temporary file in %s: %s",
				path, dir, strerror(err));
		return OUT_ERROR;
	}
	/* held while the file has a name, so output_cleanup() leaves it */
	step = "flock";
	err = flock(fd, LOCK_EX) ? errno : 0;
	if (!err) {
		step = "write";
		err = write_all(fd, buf, len, NULL);
	}
	if (!err) {
		step = "fsync";
		err = fsync(fd) ? errno : 0;
	}
	if (!err) {
		step = "fchmod";
		err = fchmod(fd, 0644) ? errno : 0;
	}
	if (!err) {
		/* the lock lives on in the duplicate; close() reports errors */
		step = "dup";
		lockfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		err = lockfd < 0 ? errno : 0;
	}
	if (close(fd) && !err) {
		step = "close";
		err = errno;
	}
	if (!err && !named) {
		step = "linkat";
		err = link_tmpfile(lockfd, tmp);
		named = !err;
	}
	if (!err) {
		step = "rename";
		err = rename(tmp, target) ? errno : 0;
	}
	if (err && named)
		unlink(tmp);
	if (lockfd >= 0)
		close(lockfd);
	if (err) {
		if (strcmp(path, target))
			tcpstat_err_set(e, "%s (-> %s): %s: %s (file left unchanged)",
					path, target, step, strerror(err));
		else
			tcpstat_err_set(e, "%s: %s: %s (file left unchanged)", path,
					step, strerror(err));
		return OUT_ERROR;
	}
	return OUT_OK;
}

/* ".<base>.tcpstat-" and TMP_RANDOM letters or digits */
static bool tmp_name_of(const char *name, const char *base)
{
	size_t blen = strlen(base), mlen = strlen(TMP_MARK);

	if (name[0] != '.' || strncmp(name + 1, base, blen) ||
	    strncmp(name + 1 + blen, TMP_MARK, mlen))
		return false;
	name += 1 + blen + mlen;
	for (int i = 0; i < TMP_RANDOM; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return name[TMP_RANDOM] == '\0';
}

/* Remove @name in @dfd if it is a stale temporary file of ours. */
static bool remove_stale(int dfd, const char *name)
{
	struct stat st, now;
	bool gone = false;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* a regular file of ours that no living writer holds */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    !flock(fd, LOCK_EX | LOCK_NB) &&
	    !fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) &&
	    now.st_dev == st.st_dev && now.st_ino == st.st_ino)
		gone = !unlinkat(dfd, name, 0);
	close(fd);
	return gone;
}

int output_cleanup(const char *path)
{
	char target[PATH_MAX], dir[PATH_MAX];
	struct tcpstat_err e;
	struct dirent *de;
	const char *base;
	int dirlen, dfd, removed = 0;
	DIR *d;

	if (output_target(path, target, sizeof(target), &e))
		return 0;
	split_path(target, &dirlen, &base);
	if (!*base)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", dirlen ? dirlen : 1, dirlen ? target : ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (tmp_name_of(de->d_name, base) && remove_stale(dirfd(d), de->d_name))
			removed++;
	}
	closedir(d);
	return removed;
}
