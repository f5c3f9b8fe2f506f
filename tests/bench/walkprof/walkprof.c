// SPDX-License-Identifier: GPL-2.0
/*
 * walkprof - take tcpstat's established-table walk apart, for the
 * benchmark only (never installed). Reading /proc/net/walkprof runs every
 * variant over the reader's namespace, in rounds (module parameter runs,
 * default five; each variant once per round), and prints the best time of
 * each, "walkprof <variant> <ns>" (in User-Mode Linux, the host's CPU
 * time, see walkprof_now):
 *   chase   follow every chain, touch nothing else, no lock
 *   locks   lock and unlock every non-empty bucket, nothing else
 *   locked  chase under the bucket locks
 *   full    the whole count (the fields tcpstat reads, under the locks)
 * The differences give what each part costs: the chain chase is the
 * floor of any method that looks at every socket. With the module
 * parameter variants=1, also the experiments toward a faster exact walk
 * (every one under the same lock rules as full):
 *   scan       only the test of every bucket head for emptiness
 *   pf<N>      full, prefetching both cache lines the walk reads of the
 *              first socket of the bucket N ahead (its chain link and its
 *              sock_common head), from a lockless peek at that bucket
 *   pf16node, pf16sk   only one of those two lines
 *   pf16head   pf16, plus the bucket heads prefetched 32 ahead
 *   batch, pf16batch   full and pf16 yielding (cond_resched) every 64
 *              buckets instead of after each locked one
 *   pf2nd<N>   pf<2N> for the first socket, and the second socket of the
 *              bucket N ahead too: its address read under that bucket's
 *              lock (a second short hold), then prefetched
 *   ring<N>    a cursor ahead of the walk peeks at the heads, prefetches
 *              the first socket of each non-empty bucket it finds and
 *              queues the bucket, keeping N queued: N sockets in flight
 *              whatever the share of empty buckets
 *   pf128, pf256   pf<N> farther ahead (for sparse tables)
 *   scan8      scan with the heads tested eight (a cache line) at a time,
 *              a bit mask of the non-empty ones, no branch per bucket
 *   pf16scan8, pf2nd16scan8   pf16 and pf2nd16 over that scan
 * Every exact variant also prints the counts of its last walk,
 * "walkcount <variant> ipv4 <11 counts> ipv6 <11 counts>" (state order
 * ESTABLISHED..CLOSING, as tcpstat_data), so a test can check that each
 * equals the module at quiescence.
 * Then one more full walk times every bucket lock hold and prints their
 * distribution (log2 histogram: hold_p50, hold_p99, hold_p999 are upper
 * bounds of a power-of-2 bucket; hold_max exact), to tell a slow walk
 * from one long preemption.
 */
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prefetch.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/inet_timewait_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"

#ifdef CONFIG_UML
#include <asm/unistd.h>
#include <os.h> /* long syscall(long number, ...): the host libc's */

/*
 * In User-Mode Linux every kernel clock is the host's wall clock, which
 * runs on while the host runs its other processes: time the walks by the
 * host's CPU time of the thread that runs UML's kernel instead.
 */
static u64 walkprof_now(void)
{
	struct {
		long sec, nsec;
	} ts;

	if (syscall(__NR_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts))
		return ktime_get_ns();
	return (u64)ts.sec * NSEC_PER_SEC + ts.nsec;
}
#else
static u64 walkprof_now(void)
{
	return ktime_get_ns();
}
#endif

/*
 * What a walk does, as flags: each variant is its own function, the
 * flags constant in it, so the compiler keeps only the code it runs.
 */
#define WP_LOCK		0x01	/* spin_lock_bh each non-empty bucket */
#define WP_CHASE	0x02	/* follow the chain */
#define WP_COUNT	0x04	/* read each socket's namespace, family, state */
#define WP_PF_NODE	0x08	/* prefetch the chain link of a bucket's first socket ahead */
#define WP_PF_SK	0x10	/* prefetch its sock_common head (state, family, net) */
#define WP_PF_HEAD	0x20	/* prefetch the bucket heads twice as far ahead */
#define WP_RESCHED_BATCH 0x40	/* cond_resched every WP_RESCHED_EVERY buckets only */
#define WP_SECOND	0x80	/* the second socket too: its link read under its lock */
#define WP_SCAN8	0x100	/* test the heads eight (a cache line) at a time */
#define WP_RING		0x200	/* a cursor ahead queues the next non-empty buckets, prefetched */
#define WP_RESCHED_EVERY 64

struct walkprof_counts {
	unsigned long sockets;
	unsigned int n[2][12];
};

/*
 * Per-hold times of one full walk, when timed (reads are serialised by
 * walkprof_mutex, so one static histogram is enough).
 */
struct walkprof_holds {
	u64 hist[64];
	u64 n;
	u64 max;
};

static struct walkprof_holds walkprof_holds;
static DEFINE_MUTEX(walkprof_mutex);

static bool walkprof_variants;
module_param_named(variants, walkprof_variants, bool, 0644);
MODULE_PARM_DESC(variants, "also time the experimental walks (prefetching, batched yields)");

static unsigned int walkprof_runs = 5;
module_param_named(runs, walkprof_runs, uint, 0644);
MODULE_PARM_DESC(runs, "rounds of walks per read (1-100): each variant's best is printed");

static __always_inline void walkprof_count(struct walkprof_counts *c, const struct sock *sk)
{
	int state = READ_ONCE(sk->sk_state);
	int fam = sk->sk_family == AF_INET6;

	if (state == TCP_TIME_WAIT)
		state = READ_ONCE(inet_twsk(sk)->tw_substate);
	else if (state == TCP_NEW_SYN_RECV)
		state = TCP_SYN_RECV;
	if (state >= 1 && state <= 11)
		c->n[fam][state]++;
}

/*
 * Prefetch what the walk will read of bucket j, from a lockless peek at
 * its head (as the empty-bucket test is): the first socket's chain link
 * and/or its sock_common head. The pointer may be stale by the time the
 * walk gets there; a prefetch never faults, and the walk reads the
 * socket for real only under the bucket's lock.
 */
static __always_inline void walkprof_prefetch(struct inet_hashinfo *h, unsigned long j,
					      const unsigned int flags)
{
	struct hlist_nulls_node *first;

	if (j > h->ehash_mask)
		return;
	first = READ_ONCE(h->ehash[j].chain.first);
	if (is_a_nulls(first))
		return;
	if (flags & WP_PF_NODE)
		prefetch(first);
	if (flags & WP_PF_SK)
		prefetch(hlist_nulls_entry(first, struct sock, sk_nulls_node));
}

/*
 * The second socket of bucket j, prefetched: under j's own lock, read the
 * first socket's chain link (the first socket was prefetched earlier, so
 * the read should hit the cache) and prefetch what it points to. A
 * second, short hold of that lock, one lock at a time as always; the
 * pointer is only a prefetch hint by the time the walk reaches bucket j.
 */
static __always_inline void walkprof_prefetch_second(struct inet_hashinfo *h, unsigned long j)
{
	struct hlist_nulls_node *first, *second;
	spinlock_t *l;	/* bucket j's */

	if (j > h->ehash_mask || hlist_nulls_empty(&h->ehash[j].chain))
		return;
	l = inet_ehash_lockp(h, j);
	spin_lock_bh(l);
	first = h->ehash[j].chain.first;
	second = is_a_nulls(first) ? first : first->next;
	spin_unlock_bh(l);
	if (!is_a_nulls(second)) {
		prefetch(second);
		prefetch(hlist_nulls_entry(second, struct sock, sk_nulls_node));
	}
}

/* The prefetches for bucket i of the walk, as the flags say. */
static __always_inline void walkprof_ahead(struct inet_hashinfo *h, unsigned long i,
					   const unsigned int flags, const unsigned int ahead)
{
	if (flags & WP_PF_HEAD)
		prefetch(&h->ehash[min_t(unsigned long, i + 2 * ahead, h->ehash_mask)]);
	if (flags & WP_SECOND) {
		walkprof_prefetch(h, i + 2 * ahead, flags);
		walkprof_prefetch_second(h, i + ahead);
	} else if (flags & (WP_PF_NODE | WP_PF_SK)) {
		walkprof_prefetch(h, i + ahead, flags);
	}
}

/* One non-empty bucket (as its lockless peek said): lock, walk, unlock. */
static __always_inline void walkprof_bucket(struct net *net, struct inet_hashinfo *h,
					    struct walkprof_counts *c, unsigned long i,
					    const unsigned int flags, struct walkprof_holds *holds)
{
	struct inet_ehash_bucket *head = &h->ehash[i];
	spinlock_t *l = inet_ehash_lockp(h, i);
	struct hlist_nulls_node *node;
	struct sock *sk;
	u64 t0 = 0;

	if (flags & WP_LOCK)
		spin_lock_bh(l);
	if (holds)
		t0 = ktime_get_ns();
	if (flags & WP_CHASE) {
		sk_nulls_for_each(sk, node, &head->chain) {
			if (!(flags & WP_COUNT))
				c->sockets++;
			else if (net_eq(sock_net(sk), net))
				walkprof_count(c, sk);
		}
	}
	if (holds) {
		u64 d = ktime_get_ns() - t0;

		holds->hist[d ? ilog2(d) : 0]++;
		holds->n++;
		holds->max = max(holds->max, d);
	}
	if (flags & WP_LOCK)
		spin_unlock_bh(l);
	if (!(flags & WP_RESCHED_BATCH))
		cond_resched();
}

/*
 * A cursor runs ahead of the walk over the bucket heads (a lockless peek,
 * as the empty-bucket test is), prefetches the first socket of each
 * non-empty bucket it finds and queues the bucket, keeping @ahead (a power
 * of two, at most 64) buckets queued: the sockets in flight are the same
 * whatever the share of empty buckets, and the walk reads each head once.
 * The walk takes the queued buckets in order, each under its lock; a
 * bucket emptied since the peek is found empty there, one filled since is
 * not walked, as with the plain peek.
 */
static __always_inline void walkprof_walk_ring(struct net *net, struct inet_hashinfo *h,
					       struct walkprof_counts *c, const unsigned int flags,
					       const unsigned int ahead)
{
	unsigned long ring[64], j = 0;
	unsigned int first = 0, last = 0;

	BUILD_BUG_ON(ahead > ARRAY_SIZE(ring) || (ahead & (ahead - 1)));
	for (;;) {
		while (last - first < ahead && j <= h->ehash_mask) {
			struct hlist_nulls_node *n = READ_ONCE(h->ehash[j].chain.first);

			if (!is_a_nulls(n)) {
				prefetch(n);
				prefetch(hlist_nulls_entry(n, struct sock, sk_nulls_node));
				ring[last++ % ahead] = j;
			}
			if (++j % WP_RESCHED_EVERY == 0)
				cond_resched();
		}
		if (first == last)
			break;
		walkprof_bucket(net, h, c, ring[first++ % ahead], flags, NULL);
	}
}

static __always_inline void walkprof_walk(struct net *net, struct inet_hashinfo *h,
					  struct walkprof_counts *c, const unsigned int flags,
					  const unsigned int ahead, struct walkprof_holds *holds)
{
	unsigned long i, k;

	if (flags & WP_RING) {
		walkprof_walk_ring(net, h, c, flags, ahead);
		return;
	}

	if (flags & WP_SCAN8) {
		/*
		 * The heads of a cache line of buckets at once: a bit mask of
		 * the non-empty ones, then only those (one unpredictable branch
		 * per group, not per bucket).
		 */
		for (i = 0; i <= h->ehash_mask; i += 8) {
			unsigned long n = min_t(unsigned long, 8, h->ehash_mask + 1 - i);
			unsigned int full = 0;

			for (k = 0; k < n; k++) {
				walkprof_ahead(h, i + k, flags, ahead);
				full |= !is_a_nulls(READ_ONCE(h->ehash[i + k].chain.first)) << k;
			}
			while (full) {
				k = __ffs(full);
				full &= full - 1;
				walkprof_bucket(net, h, c, i + k, flags, holds);
			}
			if ((flags & WP_RESCHED_BATCH) && i % WP_RESCHED_EVERY == 0)
				cond_resched();
		}
		return;
	}
	for (i = 0; i <= h->ehash_mask; i++) {
		walkprof_ahead(h, i, flags, ahead);
		if (!hlist_nulls_empty(&h->ehash[i].chain))
			walkprof_bucket(net, h, c, i, flags, holds);
		if ((flags & WP_RESCHED_BATCH) && i % WP_RESCHED_EVERY == 0)
			cond_resched();
	}
}

#define WALKPROF_VARIANT(name, flags, ahead)                                                   \
	static noinline void walkprof_##name(struct net *net, struct inet_hashinfo *h,         \
					     struct walkprof_counts *c)                        \
	{                                                                                      \
		walkprof_walk(net, h, c, flags, ahead, NULL);                                  \
	}

#define WP_FULL (WP_LOCK | WP_CHASE | WP_COUNT)
#define WP_PF (WP_FULL | WP_PF_NODE | WP_PF_SK)
/* The walk taken apart. */
WALKPROF_VARIANT(scan, 0, 0)
WALKPROF_VARIANT(chase, WP_CHASE, 0)
WALKPROF_VARIANT(locks, WP_LOCK, 0)
WALKPROF_VARIANT(locked, WP_LOCK | WP_CHASE, 0)
WALKPROF_VARIANT(full, WP_FULL, 0)
/* Experiments: prefetching the first socket of the bucket N ahead. */
WALKPROF_VARIANT(pf4, WP_PF, 4)
WALKPROF_VARIANT(pf8, WP_PF, 8)
WALKPROF_VARIANT(pf16, WP_PF, 16)
WALKPROF_VARIANT(pf32, WP_PF, 32)
WALKPROF_VARIANT(pf64, WP_PF, 64)
WALKPROF_VARIANT(pf16node, WP_FULL | WP_PF_NODE, 16)
WALKPROF_VARIANT(pf16sk, WP_FULL | WP_PF_SK, 16)
WALKPROF_VARIANT(pf16head, WP_PF | WP_PF_HEAD, 16)
/* Experiments: yielding every WP_RESCHED_EVERY buckets. */
WALKPROF_VARIANT(batch, WP_FULL | WP_RESCHED_BATCH, 0)
WALKPROF_VARIANT(pf16batch, WP_PF | WP_RESCHED_BATCH, 16)
/* Experiments: the second socket too, from under its bucket's lock. */
WALKPROF_VARIANT(pf2nd8, WP_PF | WP_SECOND, 8)
WALKPROF_VARIANT(pf2nd16, WP_PF | WP_SECOND, 16)
WALKPROF_VARIANT(pf2nd32, WP_PF | WP_SECOND, 32)
/* Experiments: a cursor ahead queues the next N non-empty buckets. */
WALKPROF_VARIANT(ring8, WP_FULL | WP_RING, 8)
WALKPROF_VARIANT(ring16, WP_FULL | WP_RING, 16)
WALKPROF_VARIANT(ring32, WP_FULL | WP_RING, 32)
WALKPROF_VARIANT(ring64, WP_FULL | WP_RING, 64)
WALKPROF_VARIANT(pf128, WP_PF, 128)
WALKPROF_VARIANT(pf256, WP_PF, 256)
/* Experiments: the heads tested a cache line at a time. */
WALKPROF_VARIANT(scan8, WP_SCAN8 | WP_RESCHED_BATCH, 0)
WALKPROF_VARIANT(pf16scan8, WP_PF | WP_SCAN8 | WP_RESCHED_BATCH, 16)
WALKPROF_VARIANT(pf2nd16scan8, WP_PF | WP_SECOND | WP_SCAN8 | WP_RESCHED_BATCH, 16)

struct walkprof_variant {
	const char *name;
	void (*walk)(struct net *net, struct inet_hashinfo *h, struct walkprof_counts *c);
	bool counts;		/* an exact count: its counts are printed */
	bool experimental;	/* only with variants=1 */
};

#define WP(n, counts, exp) { #n, walkprof_##n, counts, exp }
static const struct walkprof_variant walkprof_table[] = {
	WP(chase, false, false),
	WP(locks, false, false),
	WP(locked, false, false),
	WP(full, true, false),
	WP(scan, false, true),
	WP(pf4, true, true),
	WP(pf8, true, true),
	WP(pf16, true, true),
	WP(pf32, true, true),
	WP(pf64, true, true),
	WP(pf16node, true, true),
	WP(pf16sk, true, true),
	WP(pf16head, true, true),
	WP(batch, true, true),
	WP(pf16batch, true, true),
	WP(pf2nd8, true, true),
	WP(pf2nd16, true, true),
	WP(pf2nd32, true, true),
	WP(ring8, true, true),
	WP(ring16, true, true),
	WP(ring32, true, true),
	WP(ring64, true, true),
	WP(pf128, true, true),
	WP(pf256, true, true),
	WP(scan8, false, true),
	WP(pf16scan8, true, true),
	WP(pf2nd16scan8, true, true),
};

/*
 * The smallest power of two at or above the hold time of the given
 * fraction (per mille) of all holds.
 */
static u64 walkprof_quantile(const struct walkprof_holds *holds, u64 permille)
{
	u64 want = div_u64(holds->n * permille + 999, 1000), seen = 0;
	int b;

	for (b = 0; b < 64; b++) {
		seen += holds->hist[b];
		if (seen >= want)
			return b < 63 ? 2ULL << b : U64_MAX;
	}
	return holds->max;
}

static void walkprof_print_holds(struct seq_file *seq, struct net *net,
				 struct inet_hashinfo *h)
{
	struct walkprof_holds *holds = &walkprof_holds;
	struct walkprof_counts c;

	mutex_lock(&walkprof_mutex);
	memset(holds, 0, sizeof(*holds));
	memset(&c, 0, sizeof(c));
	walkprof_walk(net, h, &c, WP_FULL, 0, holds);
	if (holds->n) {
		seq_printf(seq, "walkprof hold_p50 %llu\n", walkprof_quantile(holds, 500));
		seq_printf(seq, "walkprof hold_p99 %llu\n", walkprof_quantile(holds, 990));
		seq_printf(seq, "walkprof hold_p999 %llu\n", walkprof_quantile(holds, 999));
		seq_printf(seq, "walkprof hold_max %llu\n", holds->max);
	}
	mutex_unlock(&walkprof_mutex);
}

/*
 * The counts of a variant's last walk, in the layout of tcpstat_data's
 * rows: "walkcount <variant> ipv4 <11 counts> ipv6 <11 counts>".
 */
static void walkprof_print_counts(struct seq_file *seq, const char *name,
				  const struct walkprof_counts *c)
{
	int fam, s;

	seq_printf(seq, "walkcount %s", name);
	for (fam = 0; fam < 2; fam++) {
		seq_printf(seq, " ipv%d", fam ? 6 : 4);
		for (s = 1; s <= 11; s++)
			seq_printf(seq, " %u", c->n[fam][s]);
	}
	seq_putc(seq, '\n');
}

static int walkprof_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct inet_hashinfo *h = tcpstat_hashinfo(net);
	/* Too large for the stack; reads are serialised by walkprof_mutex. */
	static u64 best[ARRAY_SIZE(walkprof_table)];
	static struct walkprof_counts c[ARRAY_SIZE(walkprof_table)];
	unsigned int runs = clamp(READ_ONCE(walkprof_runs), 1U, 100U);
	const struct walkprof_variant *w;
	unsigned int r, i;

	/*
	 * Round after round, each variant once a round: a slow moment of the
	 * machine weighs on every variant alike. The best of each is kept.
	 */
	mutex_lock(&walkprof_mutex);
	for (i = 0; i < ARRAY_SIZE(walkprof_table); i++)
		best[i] = U64_MAX;
	for (r = 0; r < runs; r++) {
		for (i = 0; i < ARRAY_SIZE(walkprof_table); i++) {
			u64 t0;

			w = &walkprof_table[i];
			if (w->experimental && !READ_ONCE(walkprof_variants))
				continue;
			memset(&c[i], 0, sizeof(c[i]));
			t0 = walkprof_now();
			w->walk(net, h, &c[i]);
			best[i] = min(best[i], walkprof_now() - t0);
		}
	}
	for (i = 0; i < ARRAY_SIZE(walkprof_table); i++) {
		w = &walkprof_table[i];
		if (best[i] == U64_MAX)
			continue;
		seq_printf(seq, "walkprof %s %llu\n", w->name, best[i]);
		if (w->counts)
			walkprof_print_counts(seq, w->name, &c[i]);
	}
	mutex_unlock(&walkprof_mutex);
	seq_printf(seq, "walkprof buckets %lu\n", (unsigned long)h->ehash_mask + 1);
	walkprof_print_holds(seq, net, h);
	return 0;
}

static int __net_init walkprof_net_init(struct net *net)
{
	return proc_create_net_single("walkprof", 0400, net->proc_net, walkprof_show,
				      NULL) ? 0 : -ENOMEM;
}

static void __net_exit walkprof_net_exit(struct net *net)
{
	remove_proc_entry("walkprof", net->proc_net);
}

static struct pernet_operations walkprof_net_ops = {
	.init = walkprof_net_init,
	.exit = walkprof_net_exit,
};

static int __init walkprof_init(void)
{
	return register_pernet_subsys(&walkprof_net_ops);
}

static void __exit walkprof_exit(void)
{
	unregister_pernet_subsys(&walkprof_net_ops);
}

module_init(walkprof_init);
module_exit(walkprof_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpstat benchmark: the established-table walk taken apart");
