// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_walk.c - count the TCP sockets of one network namespace per
 * state, in one pass over the kernel's listener and established tables.
 *
 * Lock rules (a mistake here takes a production host down):
 *  - one bucket lock at a time, the same flavour the kernel's own readers
 *    take (spin_lock for listener buckets, spin_lock_bh for ehash);
 *  - under a lock only reads of struct sock_common fields and increments
 *    of counters on our stack: no allocation, no printing, no sleeping;
 *  - empty buckets are skipped without locking (a lockless peek, as
 *    /proc/net/tcp does: a socket hashed just after the peek is simply not
 *    part of this point-in-time view of the bucket);
 *  - cond_resched() only with no lock held.
 *
 * Each hashed object is seen exactly once: it lives in one bucket for its
 * whole life (its hash is fixed by its 4-tuple or port), and every
 * insert/remove/replace of a chain happens under that bucket's lock.
 */
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <net/inet_timewait_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "tcpstat.h"

/*
 * Yield at least every this many buckets even when they are empty: a
 * scan of empty buckets is a few nanoseconds each, and a table can hold
 * millions of them.
 */
#define TCPSTAT_RESCHED_EVERY 256

/*
 * Count one hashed object. Everything read here is in struct
 * sock_common, valid for full sockets, timewait and request socks alike.
 * The mapping is the one /proc/net/tcp and ss use: a request sock is
 * SYN_RECV, a timewait sock counts as its tw_substate (TIME_WAIT or
 * FIN_WAIT2). A state outside the reported range is counted nowhere.
 */
static inline void tcpstat_count_sk(struct tcpstat_counts *c, const struct sock *sk)
{
	int state = READ_ONCE(sk->sk_state);
	int fam, idx;

	switch (sk->sk_family) {
	case AF_INET:
		fam = TCPSTAT_FAM_IPV4;
		break;
	case AF_INET6:
		fam = TCPSTAT_FAM_IPV6;
		break;
	default:
		return;
	}
	if (state == TCP_TIME_WAIT)
		state = READ_ONCE(inet_twsk(sk)->tw_substate);
	else if (state == TCP_NEW_SYN_RECV)
		state = TCP_SYN_RECV;
	idx = TCPSTAT_STATE_INDEX(state);
	if (idx >= 0)
		c->n[fam][idx]++;
}

static void tcpstat_walk_listeners(struct net *net, struct inet_hashinfo *h,
				   struct tcpstat_counts *c)
{
	unsigned long i, size = tcpstat_lhash_size(h);

	for (i = 0; i < size; i++) {
		struct inet_listen_hashbucket *ilb = tcpstat_lhash_bucket(h, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		spin_lock(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head) {
			if (net_eq(sock_net(sk), net))
				tcpstat_count_sk(c, sk);
		}
		spin_unlock(&ilb->lock);
		cond_resched();
	}
}

static void tcpstat_walk_established(struct net *net, struct inet_hashinfo *h,
				     struct tcpstat_counts *c)
{
	unsigned long i, mask = h->ehash_mask;

	for (i = 0; i <= mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		struct hlist_nulls_node *node;
		spinlock_t *lock;
		struct sock *sk;

		if (hlist_nulls_empty(&head->chain)) {
			if (i % TCPSTAT_RESCHED_EVERY == 0)
				cond_resched();
			continue;
		}
		lock = inet_ehash_lockp(h, i);
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &head->chain) {
			if (net_eq(sock_net(sk), net))
				tcpstat_count_sk(c, sk);
		}
		spin_unlock_bh(lock);
		cond_resched();
	}
}

/*
 * Walk the tables of @net. The caller holds a reference on @net (procfs
 * does, for as long as the file is open), which keeps a per-netns
 * established table alive.
 */
void tcpstat_walk(struct net *net, struct tcpstat_counts *c)
{
	struct inet_hashinfo *h = tcpstat_hashinfo(net);

	memset(c, 0, sizeof(*c));
	tcpstat_walk_listeners(net, h, c);
	tcpstat_walk_established(net, h, c);
}
