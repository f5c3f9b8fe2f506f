// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat - count TCP connections per state inside the kernel.
 *
 * In every network namespace:
 *   /proc/net/tcpstat        11 lines "%-12s: %u\n", for people
 *   /proc/net/tcpstat_data   the same walk with the IPv4/IPv6 split, for
 *                            programs (format in tcpstat_format.h)
 *   /proc/net/tcpstat_ports  the per-port view (tcpstat_ports.c)
 * in the initial namespace only:
 *   /proc/net/tcpstat_netns  every namespace's counts (tcpstat_netns.c)
 * and /proc/tcpstat -> net/tcpstat, which resolves to the reader's own
 * namespace exactly like /proc/net does.
 *
 * Each read from the start of a file does one walk (tcpstat_walk.c) into
 * counters allocated before it, then formats them with no lock held.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "tcpstat.h"

static bool tcpstat_lock_stats;
module_param_named(lock_stats, tcpstat_lock_stats, bool, 0644);
MODULE_PARM_DESC(lock_stats, "Measure the longest bucket lock hold of each walk (walk section of tcpstat_data)");

static struct proc_dir_entry *tcpstat_link;
static unsigned int tcpstat_net_id;

struct tcpstat_pernet *tcpstat_pernet(const struct net *net)
{
	return net_generic(net, tcpstat_net_id);
}

/* Format into a buffer, then hand it to the seq_file in one piece. */
static int tcpstat_seq_emit(struct seq_file *seq, struct tcpstat_buf *b)
{
	int err = b->err;

	if (!err)
		seq_write(seq, b->data, b->len);
	tcpstat_buf_free(b);
	return err;
}

static int tcpstat_human_show(struct seq_file *seq, void *v)
{
	struct tcpstat_buf b = {};
	struct tcpstat_counts c;
	struct tcpstat_walk w;
	int s;

	tcpstat_walk_init(&w, seq_file_single_net(seq), &c);
	tcpstat_walk_net(&w);
	for (s = 0; s < TCPSTAT_NSTATES; s++)
		tcpstat_buf_printf(&b, "%-12s: %u\n", tcpstat_state_names[s],
				   c.n[TCPSTAT_FAM_IPV4][s] + c.n[TCPSTAT_FAM_IPV6][s]);
	return tcpstat_seq_emit(seq, &b);
}

/*
 * The walk section describes the shared tables, whose buckets hold every
 * namespace's sockets: only the initial namespace shows it, so nothing a
 * container reads depends on another namespace's sockets.
 */
static int tcpstat_data_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	bool host = net_eq(net, &init_net);
	struct tcpstat_buf b = {};
	struct tcpstat_counts c;
	struct tcpstat_walk w;

	tcpstat_walk_init(&w, net, &c);
	w.lock_stats = host && READ_ONCE(tcpstat_lock_stats);
	tcpstat_walk_net(&w);
	tcpstat_print_header(&b);
	tcpstat_print_states(&b, &c);
	if (host)
		tcpstat_print_walk(&b, &w.st);
	tcpstat_buf_printf(&b, TCPSTAT_END "\n");
	return tcpstat_seq_emit(seq, &b);
}

static int __net_init tcpstat_net_init(struct net *net)
{
	struct proc_dir_entry *netns_file = NULL;

	if (!proc_create_net_single(TCPSTAT_HUMAN_FILE, 0444, net->proc_net,
				    tcpstat_human_show, NULL))
		goto err_human;
	if (!proc_create_net_single(TCPSTAT_DATA_FILE, 0444, net->proc_net,
				    tcpstat_data_show, NULL))
		goto err_data;
	if (!proc_create_data(TCPSTAT_PORTS_FILE, 0444, net->proc_net, &tcpstat_ports_ops, net))
		goto err_ports;
	/* Every namespace's counts: the host's view, for root only. */
	if (net_eq(net, &init_net)) {
		netns_file = proc_create_data(TCPSTAT_NETNS_FILE, 0400, net->proc_net,
					      &tcpstat_netns_ops, net);
		if (!netns_file)
			goto err_netns;
	}
	return 0;

err_netns:
	remove_proc_entry(TCPSTAT_PORTS_FILE, net->proc_net);
err_ports:
	remove_proc_entry(TCPSTAT_DATA_FILE, net->proc_net);
err_data:
	remove_proc_entry(TCPSTAT_HUMAN_FILE, net->proc_net);
err_human:
	return -ENOMEM;
}

static void __net_exit tcpstat_net_exit(struct net *net)
{
	/* Each waits for readers still inside the file's callbacks. */
	if (net_eq(net, &init_net))
		remove_proc_entry(TCPSTAT_NETNS_FILE, net->proc_net);
	remove_proc_entry(TCPSTAT_PORTS_FILE, net->proc_net);
	remove_proc_entry(TCPSTAT_DATA_FILE, net->proc_net);
	remove_proc_entry(TCPSTAT_HUMAN_FILE, net->proc_net);
}

static struct pernet_operations tcpstat_net_ops = {
	.init = tcpstat_net_init,
	.exit = tcpstat_net_exit,
	.id = &tcpstat_net_id,
	.size = sizeof(struct tcpstat_pernet),
};

static int __init tcpstat_init(void)
{
	int err;

	err = register_pernet_subsys(&tcpstat_net_ops);
	if (err)
		goto err_pernet;
	tcpstat_link = proc_symlink(TCPSTAT_HUMAN_FILE, NULL, "net/" TCPSTAT_HUMAN_FILE);
	if (!tcpstat_link) {
		err = -ENOMEM;
		goto err_link;
	}
	return 0;

err_link:
	unregister_pernet_subsys(&tcpstat_net_ops);
err_pernet:
	return err;
}

/* The ports parameter is freed by the module core (its ops' .free). */
static void __exit tcpstat_exit(void)
{
	proc_remove(tcpstat_link);
	unregister_pernet_subsys(&tcpstat_net_ops);
}

module_init(tcpstat_init);
module_exit(tcpstat_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The tcpstat developers");
MODULE_DESCRIPTION("Per-state TCP connection counts per network namespace, counted in the kernel");
MODULE_VERSION(TCPSTAT_VERSION);
