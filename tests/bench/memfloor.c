// SPDX-License-Identifier: GPL-2.0
/*
 * memfloor - what this machine's memory allows a walk over a million
 * sockets, measured in user space: the floor under any exact walk of the
 * established table (docs/performance.md, make bench-native).
 *
 *   memfloor [-m MiB] [-s STRIDE] [-d DISTANCE] [-4]
 *
 * Lays out objects STRIDE bytes apart (default 2304, about a tcp_sock) in
 * MiB of memory (default 2560: a million of them), in 2 MiB pages unless
 * -4 asks for 4 KiB ones, and visits them in a random order, as the walk
 * visits the sockets of a hash table. Prints one line per test,
 * "memfloor <test> <ns per object>" (best of three):
 *   chase   a random cycle through the objects, each object's link at
 *           offset 104 (where sock_common's chain link is): one dependent
 *           cache miss per object, the latency (a long hash chain)
 *   one     an array of the objects' addresses in random order (the bucket
 *           heads), one line read per object, prefetched DISTANCE objects
 *           ahead (default 32): independent misses, the throughput
 *   two     the same reading two lines per object (offsets 16 and 104,
 *           the state and the chain link): what one socket per bucket
 *           costs at best
 *   seq     a sequential read of the whole area, per object: the
 *           bandwidth, for scale
 *   lock    per object, an uncontended lock and unlock of one of 1024
 *           lock words (as the kernel's ehash locks: a compare-and-swap
 *           to take, a release store to drop), what an SMP kernel's
 *           spin_lock/spin_unlock cost per bucket at least
 * Exit 0, 1 on an allocation failure, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define LINK 104  /* offsetof(struct sock_common, skc_nulls_node) on x86_64 */
#define STATE 16  /* skc_family, skc_state */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	size_t mib = 2560, stride = 2304, dist = 32, n, i, size;
	double t, best[5] = { 1e30, 1e30, 1e30, 1e30, 1e30 };
	static int locks[1024];
	int huge = 1, opt, r;
	char **obj;
	char *mem;

	while ((opt = getopt(argc, argv, "m:s:d:4")) != -1) {
		switch (opt) {
		case 'm':
			mib = strtoul(optarg, NULL, 10);
			break;
		case 's':
			stride = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dist = strtoul(optarg, NULL, 10);
			break;
		case '4':
			huge = 0;
			break;
		default:
			fprintf(stderr, "usage: memfloor [-m MiB] [-s STRIDE] [-d DISTANCE] [-4]\n");
			return 2;
		}
	}
	if (optind < argc || !mib || stride < 128 || stride % 64) {
		fprintf(stderr, "memfloor: want -m > 0 and a STRIDE of 128 or more, a multiple of 64\n");
		return 2;
	}
	size = mib << 20;
	n = size / stride;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	obj = malloc(n * sizeof(*obj));
	if (mem == MAP_FAILED || !obj) {
		perror("memfloor: mmap");
		return 1;
	}
	madvise(mem, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(mem, 1, size);
	for (i = 0; i < n; i++)
		obj[i] = mem + i * stride;
	for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
		size_t j = next_rand() % (i + 1);
		char *x = obj[i];

		obj[i] = obj[j];
		obj[j] = x;
	}
	for (i = 0; i < n; i++) /* the cycle, in the same random order */
		*(char **)(obj[i] + LINK) = obj[(i + 1) % n];

	for (r = 0; r < 3; r++) {
		uint64_t s = 0;
		char *p = obj[0];

		t = now_ns();
		for (i = 0; i < n; i++)
			p = *(char **)(p + LINK);
		t = now_ns() - t;
		sink = (uintptr_t)p;
		if (t < best[0])
			best[0] = t;

		t = now_ns();
		for (i = 0; i < n; i++) {
			if (i + dist < n)
				__builtin_prefetch(obj[i + dist] + LINK);
			s += *(uint64_t *)(obj[i] + LINK);
		}
		t = now_ns() - t;
		if (t < best[1])
			best[1] = t;

		t = now_ns();
		for (i = 0; i < n; i++) {
			if (i + dist < n) {
				__builtin_prefetch(obj[i + dist] + LINK);
				__builtin_prefetch(obj[i + dist] + STATE);
			}
			s += *(uint64_t *)(obj[i] + LINK) + *(uint8_t *)(obj[i] + STATE + 2);
		}
		t = now_ns() - t;
		if (t < best[2])
			best[2] = t;

		t = now_ns();
		for (i = 0; i < size / 8; i += 8)
			s += ((uint64_t *)mem)[i];
		t = now_ns() - t;
		if (t < best[3])
			best[3] = t;

		t = now_ns();
		for (i = 0; i < n; i++) {
			int *l = &locks[i & 1023], unlocked = 0;

			while (!__atomic_compare_exchange_n(l, &unlocked, 1, 0, __ATOMIC_ACQUIRE,
							    __ATOMIC_RELAXED))
				unlocked = 0;
			__atomic_store_n(l, 0, __ATOMIC_RELEASE);
		}
		t = now_ns() - t;
		if (t < best[4])
			best[4] = t;
		sink = s;
	}
	printf("memfloor chase %.1f\n", best[0] / n);
	printf("memfloor one %.1f\n", best[1] / n);
	printf("memfloor two %.1f\n", best[2] / n);
	printf("memfloor seq %.1f\n", best[3] / n);
	printf("memfloor lock %.1f\n", best[4] / n);
	return 0;
}
