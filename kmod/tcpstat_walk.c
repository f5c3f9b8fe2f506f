// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_walk.c - count TCP sockets per state, in one pass over the
 * kernel's listener and established tables.
 *
 * Lock rules (a mistake here takes a production host down):
 *  - one bucket lock at a time, the same flavour the kernel's own readers
 *    take (spin_lock for listener buckets, spin_lock_bh for ehash);
 *  - under a lock only reads of the socket's fields and increments of
 *    counters in memory allocated before the walk: no allocation, no
 *    printing, no sleeping;
 *  - empty buckets are skipped without locking (a lockless peek, as
 *    /proc/net/tcp does: a socket hashed just after the peek is simply not
 *    part of this point-in-time view of the bucket);
 *  - cond_resched() only with no lock held.
 *
 * Each hashed object is seen exactly once: it lives in one bucket for its
 * whole life (its hash is fixed by its 4-tuple or port), and every
 * insert/remove/replace of a chain happens under that bucket's lock.
 */
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/prefetch.h>
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
 * The established-table walk keeps this many non-empty buckets queued
 * ahead of it, the first socket of each prefetched. With about one
 * socket per bucket (a large server's table) every socket is a cache
 * miss, and the walk used to wait for each in turn; with the misses in
 * flight together it costs 30-40% less at a million sockets and 70% less
 * at 100k (docs/performance.md, walkprof's ring16). A power of two.
 */
#define TCPSTAT_AHEAD 16

struct inet_hashinfo *tcpstat_net_hashinfo(const struct net *net)
{
	return tcpstat_hashinfo(net);
}

void tcpstat_walk_init(struct tcpstat_walk *w, struct net *net, struct tcpstat_counts *c)
{
	memset(w, 0, sizeof(*w));
	w->net = net;
	w->c = c;
	if (c)
		memset(c, 0, sizeof(*c));
}

/* The counters of @net in the map, or NULL if it is not in the map. */
static struct tcpstat_counts *tcpstat_nsmap_find(const struct tcpstat_nsmap *m,
						 const struct net *net)
{
	u32 i = hash_ptr((void *)net, m->hbits);
	u32 mask = (1U << m->hbits) - 1;
	u32 e;

	while ((e = m->hash[i]) != 0) {
		if (m->ent[e - 1].net == net)
			return &m->ent[e - 1].c;
		i = (i + 1) & mask;
	}
	return NULL;
}

static bool tcpstat_port_wanted(const struct tcpstat_ports *p, u16 port)
{
	unsigned int lo = 0, hi = p->nfilter;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (p->filter[mid] == port)
			return true;
		if (p->filter[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Is queue q of limit m fuller than queue fq of limit fm: q/m > fq/fm
 * (a limit of 0 counts as 1), or as full with a longer queue, or as full
 * and as long with a larger limit? A total order, so the fullest listener
 * of a port does not depend on the order of the walk.
 */
static bool tcpstat_fuller(u32 q, u32 m, u32 fq, u32 fm)
{
	u64 a = (u64)q * max(fm, 1U), b = (u64)fq * max(m, 1U);

	return a > b || (a == b && (q > fq || (q == fq && m > fm)));
}

/*
 * The per-port view. Listeners come first (the listener table is walked
 * before the established one), each giving its port a slot; every other
 * socket is then counted on its local port's slot, if any. The slots are
 * in memory allocated before the walk; when they run out, the walk notes
 * the overflow and the caller walks the listeners again with room for
 * every port.
 */
static void tcpstat_port_visit(struct tcpstat_ports *p, const struct sock *sk, int idx,
			       bool listener)
{
	struct tcpstat_port *e;
	unsigned int s;
	u16 port;

	port = sk->sk_num;
	s = p->slot[port];

	if (listener && !s) {
		if (p->filter && !tcpstat_port_wanted(p, port))
			return;
		if (p->nports == p->capacity) {
			p->overflow = true;
			return;
		}
		s = ++p->nports;
		p->slot[port] = s;
	}
	if (!s)
		return;
	e = &p->port[s - 1];
	e->n[idx]++;
	if (listener) {
		/* Listeners are full sockets: these fields exist. */
		u32 q = READ_ONCE(sk->sk_ack_backlog);
		u32 m = READ_ONCE(sk->sk_max_ack_backlog);

		if (!e->listeners || tcpstat_fuller(q, m, e->fullest_queue, e->fullest_backlog)) {
			e->fullest_queue = q;
			e->fullest_backlog = m;
		}
		e->listeners++;
		e->queue += q;
		e->backlog += m;
	}
}

/*
 * Count one hashed object. The state, family, namespace and local port
 * are in struct sock_common, valid for full sockets, timewait and request
 * socks alike. The mapping is the one /proc/net/tcp and ss use: a request
 * sock is SYN_RECV, a timewait sock counts as its tw_substate (TIME_WAIT
 * or FIN_WAIT2). A state outside the reported range is counted nowhere.
 */
static __always_inline void tcpstat_visit(struct tcpstat_walk *w, const struct sock *sk,
					  bool listener)
{
	struct tcpstat_counts *c = w->c;
	int state, fam, idx;

	if (w->nsmap) {
		c = tcpstat_nsmap_find(w->nsmap, sock_net(sk));
		if (!c)
			return;
	} else if (!net_eq(sock_net(sk), w->net)) {
		return;
	}
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
	state = READ_ONCE(sk->sk_state);
	if (state == TCP_TIME_WAIT)
		state = READ_ONCE(inet_twsk(sk)->tw_substate);
	else if (state == TCP_NEW_SYN_RECV)
		state = TCP_SYN_RECV;
	idx = TCPSTAT_STATE_INDEX(state);
	if (idx < 0)
		return;
	c->n[fam][idx]++;
	if (w->ports)
		tcpstat_port_visit(w->ports, sk, idx, listener);
}

static void tcpstat_lock_time(struct tcpstat_walk *w, int table, u64 t0)
{
	u64 t = ktime_get_ns() - t0;

	if (t > w->st.max_lock_ns[table])
		w->st.max_lock_ns[table] = t;
}

/*
 * The listener table is one for every namespace: the initial namespace's
 * (since 6.1 a private established table shares the global listener
 * table; before, every table was global).
 */
void tcpstat_walk_listeners(struct tcpstat_walk *w)
{
	struct inet_hashinfo *h = tcpstat_hashinfo(&init_net);
	unsigned long i, size = tcpstat_lhash_size(h);

	w->st.buckets[TCPSTAT_TABLE_LISTEN] += size;
	for (i = 0; i < size; i++) {
		struct inet_listen_hashbucket *ilb = tcpstat_lhash_bucket(h, i);
		struct hlist_nulls_node *node;
		struct sock *sk;
		u64 t0 = 0;

		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		spin_lock(&ilb->lock);
		if (w->lock_stats)
			t0 = ktime_get_ns();
		sk_nulls_for_each(sk, node, &ilb->nulls_head)
			tcpstat_visit(w, sk, true);
		if (w->lock_stats)
			tcpstat_lock_time(w, TCPSTAT_TABLE_LISTEN, t0);
		spin_unlock(&ilb->lock);
		w->st.locked[TCPSTAT_TABLE_LISTEN]++;
		cond_resched();
	}
}

void tcpstat_walk_established(struct tcpstat_walk *w, struct inet_hashinfo *h)
{
	unsigned long queue[TCPSTAT_AHEAD], i, j = 0, mask = h->ehash_mask;
	unsigned int first = 0, last = 0;

	w->st.buckets[TCPSTAT_TABLE_ESTABLISHED] += mask + 1;
	for (;;) {
		struct hlist_nulls_node *node;
		spinlock_t *lock;	/* the bucket's, shared with others */
		struct sock *sk;
		u64 t0 = 0;

		/*
		 * A cursor ahead of the walk peeks at the bucket heads without
		 * locking (an empty bucket is skipped as before) and queues the
		 * non-empty ones, prefetching their first socket: the chain link
		 * and the sock_common head, the two cache lines tcpstat_visit()
		 * reads. The pointer may be stale by the time the walk takes the
		 * bucket; a prefetch never faults, and the socket is read for
		 * real only under the bucket's lock, from the chain as it is then.
		 */
		while (last - first < TCPSTAT_AHEAD && j <= mask) {
			node = READ_ONCE(h->ehash[j].chain.first);
			if (!is_a_nulls(node)) {
				prefetch(node);
				prefetch(hlist_nulls_entry(node, struct sock, sk_nulls_node));
				queue[last++ % TCPSTAT_AHEAD] = j;
			}
			if (++j % TCPSTAT_RESCHED_EVERY == 0)
				cond_resched();
		}
		if (first == last)
			break;
		i = queue[first++ % TCPSTAT_AHEAD];
		lock = inet_ehash_lockp(h, i);
		spin_lock_bh(lock);
		if (w->lock_stats)
			t0 = ktime_get_ns();
		sk_nulls_for_each(sk, node, &h->ehash[i].chain)
			tcpstat_visit(w, sk, false);
		if (w->lock_stats)
			tcpstat_lock_time(w, TCPSTAT_TABLE_ESTABLISHED, t0);
		spin_unlock_bh(lock);
		w->st.locked[TCPSTAT_TABLE_ESTABLISHED]++;
		cond_resched();
	}
}

/*
 * Walk the tables of w->net: listeners first (the per-port view needs
 * them first), then the established table (the global one, or the
 * namespace's own since 6.1). The caller holds a reference on the
 * namespace (procfs does while the file is open), which keeps a per-netns
 * established table alive.
 */
void tcpstat_walk_net(struct tcpstat_walk *w)
{
	tcpstat_walk_listeners(w);
	tcpstat_walk_established(w, tcpstat_hashinfo(w->net));
}
