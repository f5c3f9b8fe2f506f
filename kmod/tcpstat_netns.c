// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_netns.c - the all-namespaces view, /proc/net/tcpstat_netns in
 * the initial namespace only, readable by root only: the counts of every
 * network namespace with TCP sockets, from one pass over the shared
 * tables plus each private established table.
 *
 * A read takes a reference on every namespace that completed its setup
 * (net_namespace_list, below), so none can be freed, nor its private
 * table, during the walk; a socket of a namespace that is not in the
 * snapshot is compared by pointer only, never dereferenced through its
 * namespace.
 */
#include <linux/capability.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "tcpstat.h"

static void tcpstat_nsmap_free(struct tcpstat_nsmap *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		put_net(m->ent[i].net);
	kvfree(m->ent);
	kvfree(m->hash);
	memset(m, 0, sizeof(*m));
}

static unsigned int tcpstat_count_nets(void)
{
	unsigned int n = 0;
	struct net *net;

	rcu_read_lock();
	for_each_net_rcu(net)
		n++;
	rcu_read_unlock();
	return n;
}

/*
 * Take a reference on every namespace on net_namespace_list, at most
 * m->ent's capacity of them. A namespace joins that list only once every
 * pernet init has succeeded (setup_net()); one whose setup fails is never
 * on it, and is freed whatever its reference count. It leaves the list
 * before its pernet exits run, which cleanup_net() starts only after a
 * synchronize_rcu(), so the namespaces seen here under rcu_read_lock() are
 * not freed before maybe_get_net(), which skips those already dying.
 * False if the list held more than the capacity.
 */
static bool tcpstat_nsmap_take(struct tcpstat_nsmap *m, unsigned int cap)
{
	bool all = true;
	struct net *net;

	rcu_read_lock();
	for_each_net_rcu(net) {
		if (m->n == cap) {
			all = false;
			break;
		}
		if (!maybe_get_net(net))
			continue;
		m->ent[m->n].net = net;
		m->ent[m->n].inum = net->ns.inum;
		m->n++;
	}
	rcu_read_unlock();
	return all;
}

/*
 * A referenced snapshot of every live namespace, hashed by pointer. The
 * memory is allocated with no lock held (and charged to the reader), then
 * filled; if namespaces were created in between, again with more room.
 */
static int tcpstat_nsmap_build(struct tcpstat_nsmap *m)
{
	unsigned int i, cap = tcpstat_count_nets() + 16;

	memset(m, 0, sizeof(*m));
	for (;;) {
		m->hbits = ilog2(roundup_pow_of_two(2 * cap + 2));
		m->ent = kvcalloc(cap, sizeof(*m->ent), TCPSTAT_GFP_READER);
		m->hash = kvcalloc(1U << m->hbits, sizeof(*m->hash), TCPSTAT_GFP_READER);
		if (!m->ent || !m->hash) {
			tcpstat_nsmap_free(m);
			return -ENOMEM;
		}
		if (tcpstat_nsmap_take(m, cap))
			break;
		tcpstat_nsmap_free(m);
		cap = max(2 * cap, tcpstat_count_nets() + 16);
	}
	for (i = 0; i < m->n; i++) {
		u32 mask = (1U << m->hbits) - 1;
		u32 h = hash_ptr(m->ent[i].net, m->hbits);

		while (m->hash[h])
			h = (h + 1) & mask;
		m->hash[h] = i + 1;
	}
	return 0;
}

static int tcpstat_nsent_cmp(const void *a, const void *b)
{
	unsigned int x = ((const struct tcpstat_nsent *)a)->inum;
	unsigned int y = ((const struct tcpstat_nsent *)b)->inum;

	return (x > y) - (x < y);
}

static bool tcpstat_counts_empty(const struct tcpstat_counts *c)
{
	int f, s;

	for (f = 0; f < TCPSTAT_NFAMILIES; f++)
		for (s = 0; s < TCPSTAT_NSTATES; s++)
			if (c->n[f][s])
				return false;
	return true;
}

static int tcpstat_netns_fill(struct net *unused, struct tcpstat_buf *b)
{
	struct inet_hashinfo *global = tcpstat_net_hashinfo(&init_net);
	struct tcpstat_nsmap m;
	struct tcpstat_walk w;
	unsigned int i;
	int f, err;

	err = tcpstat_nsmap_build(&m);
	if (err)
		return err;
	/*
	 * The shared tables: every namespace's listeners, and the
	 * established sockets of those without a private table.
	 */
	tcpstat_walk_init(&w, NULL, NULL);
	w.nsmap = &m;
	tcpstat_walk_listeners(&w);
	tcpstat_walk_established(&w, global);
	/* Each private established table (net.ipv4.tcp_child_ehash_entries). */
	for (i = 0; i < m.n; i++) {
		struct inet_hashinfo *h = tcpstat_net_hashinfo(m.ent[i].net);

		if (h == global)
			continue;
		w.nsmap = NULL;
		w.net = m.ent[i].net;
		w.c = &m.ent[i].c;
		tcpstat_walk_established(&w, h);
	}

	sort(m.ent, m.n, sizeof(*m.ent), tcpstat_nsent_cmp, NULL);
	tcpstat_print_header(b);
	tcpstat_buf_printf(b, "%s %s %s", TCPSTAT_SECTION_NETNS, TCPSTAT_COLUMN_INODE,
			   TCPSTAT_COLUMN_FAMILY);
	tcpstat_print_state_columns(b);
	for (i = 0; i < m.n; i++) {
		if (tcpstat_counts_empty(&m.ent[i].c))
			continue;
		for (f = 0; f < TCPSTAT_NFAMILIES; f++) {
			tcpstat_buf_printf(b, TCPSTAT_SECTION_NETNS " %u %s", m.ent[i].inum,
					   tcpstat_family_names[f]);
			tcpstat_print_counts(b, m.ent[i].c.n[f]);
		}
	}
	tcpstat_buf_printf(b, TCPSTAT_END "\n");
	tcpstat_nsmap_free(&m);
	return 0;
}

static int tcpstat_netns_open(struct inode *inode, struct file *file)
{
	/*
	 * Every namespace's counts are for the host's administrator. The
	 * file's mode (0400, root) keeps other users out; this keeps out the
	 * root of a user namespace too, even one whose root is uid 0.
	 */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	return tcpstat_snapfile_open(inode, file, tcpstat_netns_fill);
}

const struct proc_ops tcpstat_netns_ops = {
	.proc_open = tcpstat_netns_open,
	.proc_read = tcpstat_snapfile_read,
	.proc_lseek = default_llseek,
	.proc_release = tcpstat_snapfile_release,
};
