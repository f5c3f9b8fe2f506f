// SPDX-License-Identifier: GPL-2.0
/*
 * walkprof - take tcpstat's established-table walk apart, for the
 * benchmark only (never installed). Reading /proc/net/walkprof runs each
 * variant five times over the reader's namespace and prints the best time
 * of each:
 *   chase   follow every chain, touch nothing else, no lock
 *   locks   lock and unlock every non-empty bucket, nothing else
 *   locked  chase under the bucket locks
 *   full    the whole count (the fields tcpstat reads, under the locks)
 * The differences give what each part costs: the chain chase is the
 * floor of any method that looks at every socket. Then one more full walk
 * times every bucket lock hold and prints their distribution (log2
 * histogram: hold_p50, hold_p99, hold_p999 are upper bounds of a power-of-2
 * bucket; hold_max exact), to tell a slow walk from one long preemption.
 */
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/inet_timewait_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"

enum { CHASE, LOCKS, LOCKED, FULL, NMODES };
static const char *const walkprof_modes[NMODES] = { "chase", "locks", "locked", "full" };

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

static void walkprof_count(struct walkprof_counts *c, const struct sock *sk)
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

static void walkprof_walk(struct net *net, struct inet_hashinfo *h, int mode,
			  struct walkprof_counts *c, struct walkprof_holds *holds)
{
	unsigned long i;

	for (i = 0; i <= h->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		bool lock = mode != CHASE;
		struct hlist_nulls_node *node;
		spinlock_t *l;
		struct sock *sk;
		u64 t0 = 0;

		if (hlist_nulls_empty(&head->chain))
			continue;
		l = inet_ehash_lockp(h, i);
		if (lock)
			spin_lock_bh(l);
		if (holds)
			t0 = ktime_get_ns();
		if (mode != LOCKS) {
			sk_nulls_for_each(sk, node, &head->chain) {
				if (mode != FULL)
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
		if (lock)
			spin_unlock_bh(l);
		cond_resched();
	}
}

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
	walkprof_walk(net, h, FULL, &c, holds);
	if (holds->n) {
		seq_printf(seq, "walkprof hold_p50 %llu\n", walkprof_quantile(holds, 500));
		seq_printf(seq, "walkprof hold_p99 %llu\n", walkprof_quantile(holds, 990));
		seq_printf(seq, "walkprof hold_p999 %llu\n", walkprof_quantile(holds, 999));
		seq_printf(seq, "walkprof hold_max %llu\n", holds->max);
	}
	mutex_unlock(&walkprof_mutex);
}

static int walkprof_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct inet_hashinfo *h = tcpstat_hashinfo(net);
	int mode, r;

	for (mode = 0; mode < NMODES; mode++) {
		struct walkprof_counts c;
		u64 best = U64_MAX;

		for (r = 0; r < 5; r++) {
			u64 t0 = ktime_get_ns();

			memset(&c, 0, sizeof(c));
			walkprof_walk(net, h, mode, &c, NULL);
			best = min(best, ktime_get_ns() - t0);
		}
		seq_printf(seq, "walkprof %s %llu\n", walkprof_modes[mode], best);
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
