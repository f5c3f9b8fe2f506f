// SPDX-License-Identifier: GPL-2.0
/*
 * measure - run a command repeatedly and report the distribution of its
 * cost: wall time, CPU time (user + system, of the command and its
 * children) and peak resident memory.
 *
 *   measure [-n RUNS] [-w WARMUP] [-k CLOCK] [-o] -- command [args...]
 *   measure [-n RUNS] [-w WARMUP] [-k CLOCK] -f FILE [-f FILE]...
 *
 * Prints one line:
 *   runs=N wall_med_us=.. wall_p95_us=.. cpu_med_us=.. cpu_p95_us=.. maxrss_kb=..
 * -o sends the command's stdout to /dev/null (default: inherited).
 * -f times open + read to EOF + close of FILE inside this process (no
 * process start): for /proc files, the cost of the kernel producing them.
 * With several -f, one run reads each FILE in turn.
 * -k CLOCK takes the CPU time from an outside clock instead (bench.h:
 * in User-Mode Linux, /proc/umlclock, the host's CPU time of the UML
 * kernel and of its exited processes): cpu_* is then kernel and user
 * together, and two more fields, kcpu_med_us=.. kcpu_p95_us=.., give the
 * kernel's part.
 * Exit 0, or 1 if any run fails (non-zero status or a signal): a failing
 * method must not be reported as a fast one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* One open/read/close of each of the @nfiles @paths; the CPU time is
 * this thread's. */
static int read_once(char **paths, int nfiles, long long *wall, long long *cpu)
{
	static char buf[1 << 20];
	struct timespec c0, c1;
	long long t0 = now_ns(CLOCK_MONOTONIC);
	ssize_t n;
	int fd, i;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	for (i = 0; i < nfiles; i++) {
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "measure: %s: %s\n", paths[i], strerror(errno));
			return -1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0) {
			fprintf(stderr, "measure: read %s: %s\n", paths[i], strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	*wall = now_ns(CLOCK_MONOTONIC) - t0;
	*cpu = (c1.tv_sec - c0.tv_sec) * 1000000000LL + (c1.tv_nsec - c0.tv_nsec);
	return 0;
}

static int run_once(char **argv, int quiet, long long *wall, long long *cpu, long *rss)
{
	struct rusage ru;
	long long t0 = now_ns(CLOCK_MONOTONIC);
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("measure: fork");
		return -1;
	}
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "measure: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("measure: wait4");
		return -1;
	}
	*wall = now_ns(CLOCK_MONOTONIC) - t0;
	*cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	*rss = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "measure: %s: exited with status 0x%x\n", argv[0], status);
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: measure [-n RUNS] [-w WARMUP] [-k CLOCK] [-o] -- command...\n"
			"       measure [-n RUNS] [-w WARMUP] [-k CLOCK] -f FILE [-f FILE]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	int runs = 20, warmup = 2, quiet = 0, nfiles = 0, opt, i;
	char **files = calloc(argc, sizeof(*files));
	struct bench_samples s;
	const char *clock_path = NULL;
	long maxrss = 0;

	if (!files) {
		perror("measure: calloc");
		return 1;
	}
	while ((opt = getopt(argc, argv, "+n:w:of:k:")) != -1) {
		switch (opt) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 'o':
			quiet = 1;
			break;
		case 'f':
			files[nfiles++] = optarg;
			break;
		case 'k':
			clock_path = optarg;
			break;
		default:
			return usage();
		}
	}
	if ((!nfiles && optind >= argc) || (nfiles && optind < argc) || runs < 1 || warmup < 0) {
		return usage();
	}
	if (bench_setup(&s, runs, clock_path, "measure"))
		return 1;
	for (i = -warmup; i < runs; i++) {
		long long w, c, k, k0 = 0, u0 = 0;
		long rss = 0;

		if (cpuclock_start(s.clk, &k0, &u0) ||
		    (nfiles ? read_once(files, nfiles, &w, &c) :
			      run_once(argv + optind, quiet, &w, &c, &rss)) ||
		    cpuclock_stop(s.clk, k0, u0, &k, &c))
			return 1;
		if (i < 0)
			continue;
		s.wall[i] = w;
		s.cpu[i] = c;
		s.kcpu[i] = k;
		if (rss > maxrss)
			maxrss = rss;
	}
	bench_print(&s, runs, maxrss);
	free(files);
	return 0;
}
