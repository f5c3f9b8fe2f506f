// SPDX-License-Identifier: GPL-2.0
/*
 * walkprof - take tcpstat's established-table walk apart, for the
 * benchmark only (never installed). Reading /proc/net/walkprof runs each
 * variant five times over the reader's namespace and prints the best time
 * of each, "walkprof <variant> <ns>" (in User-Mode Linux, the host's CPU
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
#define WP_RESCHED_BATCH 0x40	/* cond_resched every WP_RESCHED_EVERY buckets, not each locked one */
#define WP_RESCHED_EVERY 64

struct walkprof_counts {
	unsigned long sockets;
	unsigned int n[2][12];
};

/* Per-hold times of one full walk, when timed (reads are serialised by
 * walkprof_mutex, so one static histogram is enough). */
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

static __always_inline void walkprof_walk(struct net *net, struct inet_hashinfo *h,
					  struct walkprof_counts *c, const unsigned int flags,
					  const unsigned int ahead, struct walkprof_holds *holds)
{
	unsigned long i;

	for (i = 0; i <= h->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		struct hlist_nulls_node *node;
		spinlock_t *l;
		struct sock *sk;
		u64 t0 = 0;

		if (flags & WP_PF_HEAD)
			prefetch(&h->ehash[min_t(unsigned long, i + 2 * ahead, h->ehash_mask)]);
		if (flags & (WP_PF_NODE | WP_PF_SK))
			walkprof_prefetch(h, i + ahead, flags);
		if (hlist_nulls_empty(&head->chain)) {
			if ((flags & WP_RESCHED_BATCH) && i % WP_RESCHED_EVERY == 0)
				cond_resched();
			continue;
		}
		l = inet_ehash_lockp(h, i);
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
		if (!(flags & WP_RESCHED_BATCH) || i % WP_RESCHED_EVERY == 0)
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
};

/* The smallest power of two at or above the hold time of the given
 * fraction (per mille) of all holds. */
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

/* The counts of a variant's last walk, in the layout of tcpstat_data's
 * rows: "walkcount <variant> ipv4 <11 counts> ipv6 <11 counts>". */
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
	const struct walkprof_variant *w;
	int r;

	for (w = walkprof_table; w < walkprof_table + ARRAY_SIZE(walkprof_table); w++) {
		struct walkprof_counts c;
		u64 best = U64_MAX;

		if (w->experimental && !READ_ONCE(walkprof_variants))
			continue;
		for (r = 0; r < 5; r++) {
			u64 t0 = walkprof_now();

			memset(&c, 0, sizeof(c));
			w->walk(net, h, &c);
			best = min(best, walkprof_now() - t0);
		}
		seq_printf(seq, "walkprof %s %llu\n", w->name, best);
		if (w->counts)
			walkprof_print_counts(seq, w->name, &c);
	}
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
