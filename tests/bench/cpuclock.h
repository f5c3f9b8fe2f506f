/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuclock.h - the outside CPU clock of tests/bench/measure and nldiag
 * (-k FILE): a file whose every read gives "<kernel ns> <user ns>", the
 * CPU time its host spent so far running a User-Mode Linux's kernel and
 * its (exited) user processes (tests/bench/umlclock, /proc/umlclock).
 * A sample's cost is the difference of two reads around it, less what
 * one read of the clock costs (the smallest difference of two reads in a
 * row, measured when the clock is opened).
 */
#ifndef TCPSTAT_CPUCLOCK_H
#define TCPSTAT_CPUCLOCK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct cpuclock {
	const char *path;
	int fd;
	long long overhead; /* of one read, on the kernel clock */
};

/* One reading; -1 with a message on stderr if the file cannot be read. */
static int cpuclock_read(const struct cpuclock *c, long long *kernel, long long *user)
{
	char buf[128];
	ssize_t n = pread(c->fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0) {
		fprintf(stderr, "%s: read: %s\n", c->path, n < 0 ? strerror(errno) : "empty");
		return -1;
	}
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", kernel, user) != 2) {
		fprintf(stderr, "%s: not \"<kernel ns> <user ns>\"\n", c->path);
		return -1;
	}
	return 0;
}

static int cpuclock_open(struct cpuclock *c, const char *path)
{
	long long k0, k1, u;
	int i;

	c->path = path;
	c->overhead = -1;
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < 20; i++) {
		if (cpuclock_read(c, &k0, &u) || cpuclock_read(c, &k1, &u))
			return -1;
		if (c->overhead < 0 || k1 - k0 < c->overhead)
			c->overhead = k1 - k0;
	}
	return 0;
}

/* The cost of a sample between readings (k0, u0) and (k1, u1): its
 * kernel part in *kernel, kernel and user together in *total. */
static void cpuclock_cost(const struct cpuclock *c, long long k0, long long u0, long long k1,
			  long long u1, long long *kernel, long long *total)
{
	*kernel = k1 - k0 - c->overhead;
	if (*kernel < 0)
		*kernel = 0;
	*total = *kernel + (u1 - u0);
}

#endif /* TCPSTAT_CPUCLOCK_H */
