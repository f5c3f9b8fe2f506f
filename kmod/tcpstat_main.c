// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat - count TCP connections per state inside the kernel.
 *
 * In every network namespace:
 *   /proc/net/tcpstat       11 lines "%-12s: %u\n", for people
 *   /proc/net/tcpstat_data  the same walk with the IPv4/IPv6 split, for
 *                           programs (format in tcpstat_format.h)
 * and /proc/tcpstat -> net/tcpstat, which resolves to the reader's own
 * namespace exactly like /proc/net does.
 *
 * Each read of a file does one walk (tcpstat_walk.c) into counters on
 * the stack, then formats them with no lock held.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>

#include "tcpstat.h"

#define TCPSTAT_NAME_STR(name, lower, num) #name,
static const char *const tcpstat_state_names[TCPSTAT_NSTATES] = {
	TCPSTAT_STATES(TCPSTAT_NAME_STR)
};

static const char *const tcpstat_family_names[TCPSTAT_NFAMILIES] = {
	[TCPSTAT_FAM_IPV4] = "ipv4",
	[TCPSTAT_FAM_IPV6] = "ipv6",
};

static struct proc_dir_entry *tcpstat_link;

static int tcpstat_human_show(struct seq_file *seq, void *v)
{
	struct tcpstat_counts c;
	int s;

	tcpstat_walk(seq_file_single_net(seq), &c);
	for (s = 0; s < TCPSTAT_NSTATES; s++)
		seq_printf(seq, "%-12s: %u\n", tcpstat_state_names[s],
			   c.n[TCPSTAT_FAM_IPV4][s] + c.n[TCPSTAT_FAM_IPV6][s]);
	return 0;
}

static int tcpstat_data_show(struct seq_file *seq, void *v)
{
	struct tcpstat_counts c;
	int f, s;

	tcpstat_walk(seq_file_single_net(seq), &c);
	seq_printf(seq, "%s %d %s\n", TCPSTAT_FORMAT_MAGIC, TCPSTAT_FORMAT_VERSION,
		   TCPSTAT_VERSION);
	seq_puts(seq, TCPSTAT_SECTION_STATES " family");
	for (s = 0; s < TCPSTAT_NSTATES; s++)
		seq_printf(seq, " %s", tcpstat_state_names[s]);
	seq_putc(seq, '\n');
	for (f = 0; f < TCPSTAT_NFAMILIES; f++) {
		seq_printf(seq, "%s %s", TCPSTAT_SECTION_STATES, tcpstat_family_names[f]);
		for (s = 0; s < TCPSTAT_NSTATES; s++)
			seq_printf(seq, " %u", c.n[f][s]);
		seq_putc(seq, '\n');
	}
	seq_puts(seq, TCPSTAT_END "\n");
	return 0;
}

static int __net_init tcpstat_net_init(struct net *net)
{
	if (!proc_create_net_single(TCPSTAT_HUMAN_FILE, 0444, net->proc_net,
				    tcpstat_human_show, NULL))
		goto err_human;
	if (!proc_create_net_single(TCPSTAT_DATA_FILE, 0444, net->proc_net,
				    tcpstat_data_show, NULL))
		goto err_data;
	return 0;

err_data:
	remove_proc_entry(TCPSTAT_HUMAN_FILE, net->proc_net);
err_human:
	return -ENOMEM;
}

static void __net_exit tcpstat_net_exit(struct net *net)
{
	/* Waits for readers still inside a show callback. */
	remove_proc_entry(TCPSTAT_DATA_FILE, net->proc_net);
	remove_proc_entry(TCPSTAT_HUMAN_FILE, net->proc_net);
}

static struct pernet_operations tcpstat_net_ops = {
	.init = tcpstat_net_init,
	.exit = tcpstat_net_exit,
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
