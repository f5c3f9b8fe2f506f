// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_ports.c - the per-port view, /proc/net/tcpstat_ports: for
 * every port with a listening socket in the reader's namespace, its
 * listeners, their accept queues and limits, and every socket on the port
 * by state, from the same single walk as the state counts.
 *
 * Memory is allocated before the walk and bounded by the number of ports
 * (a 128 KiB port index and at most 65535 entries of 72 bytes); nothing
 * grows with the number of connections.
 *
 * The module parameter "ports" restricts the view to a list of ports.
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "compat.h"
#include "tcpstat.h"

#define TCPSTAT_FILTER_MAX 1024

static DEFINE_MUTEX(tcpstat_filter_lock);
static u16 *tcpstat_filter;		/* sorted, unique; NULL: every port */
static unsigned int tcpstat_nfilter;
/* Listening ports seen by the last walk: the first guess of the room needed. */
static unsigned int tcpstat_ports_hint;

static int tcpstat_cmp_u16(const void *a, const void *b)
{
	return (int)*(const u16 *)a - (int)*(const u16 *)b;
}

/*
 * "80,443,8080" (spaces allowed around commas, a trailing newline as
 * echo writes it) or "" for every port. On any error the previous list
 * stays and the writer gets -EINVAL, with the reason in the kernel log.
 */
static int tcpstat_ports_set(const char *val, const struct kernel_param *kp)
{
	int vlen = strcspn(val, "\n");	/* for the messages */
	char *buf, *cur, *tok;
	u16 *list = NULL;
	unsigned int n = 0, i, out;
	int err = 0;

	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = strim(buf);
	if (*cur) {
		list = kcalloc(TCPSTAT_FILTER_MAX, sizeof(*list), GFP_KERNEL);
		if (!list) {
			err = -ENOMEM;
			goto out;
		}
	} else {
		cur = NULL;	/* the empty list: every port */
	}
	while ((tok = strsep(&cur, ",")) != NULL) {
		u16 port;

		tok = strim(tok);
		if (kstrtou16(tok, 10, &port) || port == 0) {
			pr_warn("ports=%.*s refused: '%s' is not a port number (1-65535); the list stays as it was\n",
				vlen, val, tok);
			err = -EINVAL;
			goto out;
		}
		if (n == TCPSTAT_FILTER_MAX) {
			pr_warn("ports=%.*s refused: more than %d ports; the list stays as it was\n",
				vlen, val, TCPSTAT_FILTER_MAX);
			err = -EINVAL;
			goto out;
		}
		list[n++] = port;
	}
	if (list) {
		sort(list, n, sizeof(*list), tcpstat_cmp_u16, NULL);
		for (i = 1, out = 1; i < n; i++)
			if (list[i] != list[out - 1])
				list[out++] = list[i];
		n = out;
	}
	mutex_lock(&tcpstat_filter_lock);
	swap(tcpstat_filter, list);
	tcpstat_nfilter = n;
	mutex_unlock(&tcpstat_filter_lock);
out:
	kfree(list);
	kfree(buf);
	return err;
}

static int tcpstat_ports_get(char *buffer, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	mutex_lock(&tcpstat_filter_lock);
	for (i = 0; i < tcpstat_nfilter && len < PAGE_SIZE - 8; i++)
		len += scnprintf(buffer + len, PAGE_SIZE - len, "%s%u", i ? "," : "",
				 tcpstat_filter[i]);
	mutex_unlock(&tcpstat_filter_lock);
	len += scnprintf(buffer + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops tcpstat_ports_param_ops = {
	.set = tcpstat_ports_set,
	.get = tcpstat_ports_get,
};
module_param_cb(ports, &tcpstat_ports_param_ops, NULL, 0644);
MODULE_PARM_DESC(ports, "Report only these listening ports in tcpstat_ports (comma-separated, at most 1024; empty: all)");

void tcpstat_ports_param_exit(void)
{
	kfree(tcpstat_filter);
	tcpstat_filter = NULL;
	tcpstat_nfilter = 0;
}

static int tcpstat_filter_copy(struct tcpstat_ports *p)
{
	int err = 0;

	mutex_lock(&tcpstat_filter_lock);
	if (tcpstat_filter) {
		p->filter = kmemdup(tcpstat_filter, tcpstat_nfilter * sizeof(u16), GFP_KERNEL);
		p->nfilter = tcpstat_nfilter;
		if (!p->filter)
			err = -ENOMEM;
	}
	mutex_unlock(&tcpstat_filter_lock);
	return err;
}

static void tcpstat_print_ports(struct tcpstat_buf *b, const struct tcpstat_ports *p)
{
	unsigned int port;

	tcpstat_buf_printf(b, TCPSTAT_SECTION_PORTS " " TCPSTAT_PORTS_COLUMNS);
	tcpstat_print_state_columns(b);
	for (port = 1; port < TCPSTAT_NPORTS; port++) {
		const struct tcpstat_port *e;

		if (!p->slot[port])
			continue;
		e = &p->port[p->slot[port] - 1];
		tcpstat_buf_printf(b, TCPSTAT_SECTION_PORTS " %u %u %llu %llu %u %u", port, e->listeners,
				   e->queue, e->backlog, e->fullest_queue, e->fullest_backlog);
		tcpstat_print_counts(b, e->n);
	}
}

static int tcpstat_ports_fill(struct net *net, struct tcpstat_buf *b)
{
	struct tcpstat_ports p = {};
	struct tcpstat_counts c;
	struct tcpstat_walk w;
	unsigned int cap = clamp(READ_ONCE(tcpstat_ports_hint) * 2, 64U, TCPSTAT_NPORTS - 1U);
	int err = -ENOMEM;

	p.slot = kvcalloc(TCPSTAT_NPORTS, sizeof(*p.slot), GFP_KERNEL);
	if (!p.slot)
		goto out;
	err = tcpstat_filter_copy(&p);
	if (err)
		goto out;
	for (;;) {
		err = -ENOMEM;
		p.port = kvcalloc(cap, sizeof(*p.port), GFP_KERNEL);
		if (!p.port)
			goto out;
		p.capacity = cap;
		tcpstat_walk_init(&w, net, &c);
		w.ports = &p;
		tcpstat_walk_net(&w);
		if (!p.overflow)
			break;
		/* More listening ports than room: again, with room for all. */
		kvfree(p.port);
		p.port = NULL;
		memset(p.slot, 0, TCPSTAT_NPORTS * sizeof(*p.slot));
		p.nports = 0;
		p.overflow = false;
		cap = TCPSTAT_NPORTS - 1;
	}
	WRITE_ONCE(tcpstat_ports_hint, p.nports);
	tcpstat_print_header(b);
	tcpstat_print_states(b, &c);
	tcpstat_print_ports(b, &p);
	tcpstat_buf_printf(b, TCPSTAT_END "\n");
	err = 0;
out:
	kvfree(p.port);
	kvfree(p.slot);
	kfree(p.filter);
	return err;
}

static int tcpstat_ports_open(struct inode *inode, struct file *file)
{
	return tcpstat_snapfile_open(inode, file, tcpstat_ports_fill);
}

const struct proc_ops tcpstat_ports_ops = {
	.proc_open = tcpstat_ports_open,
	.proc_read = tcpstat_snapfile_read,
	.proc_lseek = default_llseek,
	.proc_release = tcpstat_snapfile_release,
};
