/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what tests/bench/measure and nldiag share: clocks, the
 * percentiles of their output line, and the outside CPU clock (-k FILE).
 *
 * The outside clock is a file whose every read gives "<kernel ns> <user ns>", the
 * CPU time its host spent so far running a User-Mode Linux's kernel and
 * its (exited) user processes (tests/bench/umlclock, /proc/umlclock).
 * A sample's cost is the difference of two reads around it, less what
 * one read of the clock costs (the smallest difference of two reads in a
 * row, measured when the clock is opened).
 */
#ifndef TCPSTAT_BENCH_H
#define TCPSTAT_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static long long pct(const long long *v, int n, int p)
{
	int rank = (p * n + 99) / 100;

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

/*
 * The result line of @runs samples (ns, sorted here): "runs=N
 * wall_med_us=.. wall_p95_us=.. cpu_med_us=.. cpu_p95_us=.. maxrss_kb=..",
 * and with an outside clock "kcpu_med_us=.. kcpu_p95_us=.." too.
 */
static void bench_print(int runs, long long *wall, long long *cpu, long long *kcpu, long maxrss,
			int outside_clock)
{
	qsort(wall, runs, sizeof(*wall), cmp_ll);
	qsort(cpu, runs, sizeof(*cpu), cmp_ll);
	qsort(kcpu, runs, sizeof(*kcpu), cmp_ll);
	printf("runs=%d wall_med_us=%lld wall_p95_us=%lld cpu_med_us=%lld cpu_p95_us=%lld maxrss_kb=%ld",
	       runs, pct(wall, runs, 50) / 1000, pct(wall, runs, 95) / 1000,
	       pct(cpu, runs, 50) / 1000, pct(cpu, runs, 95) / 1000, maxrss);
	if (outside_clock)
		printf(" kcpu_med_us=%lld kcpu_p95_us=%lld", pct(kcpu, runs, 50) / 1000,
		       pct(kcpu, runs, 95) / 1000);
	printf("\n");
}

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

#endif /* TCPSTAT_BENCH_H */
