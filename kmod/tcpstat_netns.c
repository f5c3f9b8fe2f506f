// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_netns.c - the all-namespaces view, /proc/net/tcpstat_netns in
 * the initial namespace only, readable by root only: the counts of every
 * network namespace with TCP sockets, from one pass over the shared
 * tables plus each private established table.
 *
 * The module keeps its own list of namespaces through its pernet hooks.
 * A read takes a reference on every namespace in the list (skipping those
 * already being destroyed), so none can be freed, nor its private table,
 * during the walk; a socket of a namespace that is not in the snapshot is
 * compared by pointer only, never dereferenced through its namespace.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "tcpstat.h"

unsigned int tcpstat_net_id;
static LIST_HEAD(tcpstat_nets);
static DEFINE_MUTEX(tcpstat_nets_lock);
static unsigned int tcpstat_nnets;

void tcpstat_netns_track(struct net *net)
{
	struct tcpstat_pernet *pn = net_generic(net, tcpstat_net_id);

	pn->net = net;
	mutex_lock(&tcpstat_nets_lock);
	list_add_tail(&pn->node, &tcpstat_nets);
	tcpstat_nnets++;
	mutex_unlock(&tcpstat_nets_lock);
}

void tcpstat_netns_untrack(struct net *net)
{
	struct tcpstat_pernet *pn = net_generic(net, tcpstat_net_id);

	mutex_lock(&tcpstat_nets_lock);
	list_del(&pn->node);
	tcpstat_nnets--;
	mutex_unlock(&tcpstat_nets_lock);
}

static void tcpstat_nsmap_free(struct tcpstat_nsmap *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		put_net(m->ent[i].net);
	kvfree(m->ent);
	kvfree(m->hash);
}

/* A referenced snapshot of every live namespace, hashed by pointer. */
static int tcpstat_nsmap_build(struct tcpstat_nsmap *m)
{
	struct tcpstat_pernet *pn;
	unsigned int i, cap;

	memset(m, 0, sizeof(*m));
	mutex_lock(&tcpstat_nets_lock);
	cap = tcpstat_nnets;
	m->hbits = ilog2(roundup_pow_of_two(2 * cap + 2));
	m->ent = kvcalloc(cap, sizeof(*m->ent), GFP_KERNEL);
	m->hash = kvcalloc(1U << m->hbits, sizeof(*m->hash), GFP_KERNEL);
	if (!m->ent || !m->hash) {
		mutex_unlock(&tcpstat_nets_lock);
		tcpstat_nsmap_free(m);
		return -ENOMEM;
	}
	list_for_each_entry(pn, &tcpstat_nets, node) {
		struct net *net = maybe_get_net(pn->net);

		if (!net)	/* being destroyed */
			continue;
		m->ent[m->n].net = net;
		m->ent[m->n].inum = net->ns.inum;
		m->n++;
	}
	mutex_unlock(&tcpstat_nets_lock);
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
	tcpstat_walk_listeners(&w, global);
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
	tcpstat_buf_printf(b, TCPSTAT_SECTION_NETNS " " TCPSTAT_COLUMN_INODE " " TCPSTAT_COLUMN_FAMILY);
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
	return tcpstat_snapfile_open(inode, file, tcpstat_netns_fill);
}

const struct proc_ops tcpstat_netns_ops = {
	.proc_open = tcpstat_netns_open,
	.proc_read = tcpstat_snapfile_read,
	.proc_lseek = default_llseek,
	.proc_release = tcpstat_snapfile_release,
};
