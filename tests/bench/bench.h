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

/* Around a sample: its start, nothing without a clock (@c NULL). */
static int cpuclock_start(const struct cpuclock *c, long long *k0, long long *u0)
{
	return c ? cpuclock_read(c, k0, u0) : 0;
}

/*
 * Its end: with a clock, the sample's kernel part in *kernel and kernel
 * and user together in *cpu, less one reading of the clock; without one,
 * *cpu as measured by the caller and *kernel 0.
 */
static int cpuclock_stop(const struct cpuclock *c, long long k0, long long u0, long long *kernel,
			 long long *cpu)
{
	long long k1, u1;

	*kernel = 0;
	if (!c)
		return 0;
	if (cpuclock_read(c, &k1, &u1))
		return -1;
	*kernel = k1 - k0 - c->overhead;
	if (*kernel < 0)
		*kernel = 0;
	*cpu = *kernel + (u1 - u0);
	return 0;
}

/* The samples of a run: wall, CPU and kernel CPU times (ns), and the clock. */
struct bench_samples {
	long long *wall, *cpu, *kcpu;
	struct cpuclock clock, *clk; /* clk: &clock with an outside clock, or NULL */
};

/* Room for @runs samples and the outside clock, if @clock_path; -1 with a
 * message on stderr (prefixed @prog) if either fails. */
static int bench_setup(struct bench_samples *s, int runs, const char *clock_path, const char *prog)
{
	s->wall = calloc(runs, sizeof(*s->wall));
	s->cpu = calloc(runs, sizeof(*s->cpu));
	s->kcpu = calloc(runs, sizeof(*s->kcpu));
	s->clk = NULL;
	if (!s->wall || !s->cpu || !s->kcpu) {
		fprintf(stderr, "%s: calloc: %s\n", prog, strerror(errno));
		return -1;
	}
	if (clock_path) {
		if (cpuclock_open(&s->clock, clock_path))
			return -1;
		s->clk = &s->clock;
	}
	return 0;
}

/*
 * The result line of @runs samples (sorted here): "runs=N wall_med_us=..
 * wall_p95_us=.. cpu_med_us=.. cpu_p95_us=.. maxrss_kb=..", and with an
 * outside clock "kcpu_med_us=.. kcpu_p95_us=.." too; the samples freed.
 */
static void bench_print(struct bench_samples *s, int runs, long maxrss)
{
	qsort(s->wall, runs, sizeof(*s->wall), cmp_ll);
	qsort(s->cpu, runs, sizeof(*s->cpu), cmp_ll);
	qsort(s->kcpu, runs, sizeof(*s->kcpu), cmp_ll);
	printf("runs=%d wall_med_us=%lld wall_p95_us=%lld cpu_med_us=%lld cpu_p95_us=%lld maxrss_kb=%ld",
	       runs, pct(s->wall, runs, 50) / 1000, pct(s->wall, runs, 95) / 1000,
	       pct(s->cpu, runs, 50) / 1000, pct(s->cpu, runs, 95) / 1000, maxrss);
	if (s->clk)
		printf(" kcpu_med_us=%lld kcpu_p95_us=%lld", pct(s->kcpu, runs, 50) / 1000,
		       pct(s->kcpu, runs, 95) / 1000);
	printf("\n");
	free(s->wall);
	free(s->cpu);
	free(s->kcpu);
}

#endif /* TCPSTAT_BENCH_H */
