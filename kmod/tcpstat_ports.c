// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat_ports.c - the per-port view, /proc/net/tcpstat_ports: for
 * every port with a listening socket in the reader's namespace, its
 * listeners, their accept queues and limits, and every socket on the port
 * by state, from the same single walk as the state counts.
 *
 * Memory is allocated before the walk, charged to the reader and freed
 * once the text is made; it is bounded by the number of ports (a 128 KiB
 * port index and at most 65535 entries of 72 bytes); nothing grows with
 * the number of connections.
 *
 * The module parameter "ports" restricts the view to a list of ports.
 */
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "compat.h"
#include "tcpstat.h"

/*
 * At most this many ports, so that the list as the parameter reads back
 * ("65535," each) always fits the page sysfs gives it: what was read can
 * be written back unchanged.
 */
#define TCPSTAT_FILTER_MAX 512

static_assert(sizeof(struct tcpstat_port) == 72);

/* The value of the "ports" parameter. */
struct tcpstat_filter {
	struct mutex lock;	/* taken by set, get and every per-port walk */
	u16 *list;		/* sorted, unique; NULL: every port */
	unsigned int n;
};

static struct tcpstat_filter tcpstat_filter = {
	.lock = __MUTEX_INITIALIZER(tcpstat_filter.lock),
};

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
	struct tcpstat_filter *f = kp->arg;
	int vlen = strcspn(val, "\n");	/* for the messages */
	unsigned int n = 0, i, out;
	char *buf, *cur, *tok;
	u16 *list = NULL;
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
	mutex_lock(&f->lock);
	swap(f->list, list);
	f->n = n;
	mutex_unlock(&f->lock);
out:
	kfree(list);
	kfree(buf);
	return err;
}

static int tcpstat_ports_get(char *buffer, const struct kernel_param *kp)
{
	struct tcpstat_filter *f = kp->arg;
	unsigned int i;
	int len = 0;

	mutex_lock(&f->lock);
	for (i = 0; i < f->n; i++)
		len += scnprintf(buffer + len, PAGE_SIZE - len, "%s%u", i ? "," : "", f->list[i]);
	mutex_unlock(&f->lock);
	len += scnprintf(buffer + len, PAGE_SIZE - len, "\n");
	return len;
}

/*
 * Called by the module core once the parameter's sysfs file is gone
 * (after the module's exit, or when loading fails), so no set can run
 * concurrently or after it.
 */
static void tcpstat_ports_free(void *arg)
{
	struct tcpstat_filter *f = arg;

	kfree(f->list);
	f->list = NULL;
	f->n = 0;
}

static const struct kernel_param_ops tcpstat_ports_param_ops = {
	.set = tcpstat_ports_set,
	.get = tcpstat_ports_get,
	.free = tcpstat_ports_free,
};

module_param_cb(ports, &tcpstat_ports_param_ops, &tcpstat_filter, 0644);
MODULE_PARM_DESC(ports, "Report only these listening ports in tcpstat_ports (comma-separated, at most 512; empty: all)");

/* A copy of the filter for one walk, charged to the reader. */
static int tcpstat_filter_copy(struct tcpstat_ports *p)
{
	struct tcpstat_filter *f = &tcpstat_filter;
	int err = 0;

	mutex_lock(&f->lock);
	if (f->list) {
		p->filter = kmemdup(f->list, f->n * sizeof(u16), TCPSTAT_GFP_READER);
		p->nfilter = f->n;
		if (!p->filter)
			err = -ENOMEM;
	}
	mutex_unlock(&f->lock);
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
		tcpstat_buf_printf(b, TCPSTAT_SECTION_PORTS " %u %u %llu %llu %u %u", port,
				   e->listeners, e->queue, e->backlog, e->fullest_queue,
				   e->fullest_backlog);
		tcpstat_print_counts(b, e->n);
	}
}

/*
 * The listener pass into room for @cap ports. Every other socket is
 * counted on a port only if a listener gave the port a slot, so an
 * overflow can only happen here: the pass is redone with room for every
 * port, before the established table is walked once.
 */
static int tcpstat_ports_listeners(struct tcpstat_walk *w, struct tcpstat_ports *p,
				   unsigned int cap)
{
	for (;;) {
		p->port = kvcalloc(cap, sizeof(*p->port), TCPSTAT_GFP_READER);
		if (!p->port)
			return -ENOMEM;
		p->capacity = cap;
		tcpstat_walk_listeners(w);
		if (!p->overflow)
			return 0;
		/* More listening ports than room: again, with room for all. */
		kvfree(p->port);
		p->port = NULL;
		memset(p->slot, 0, TCPSTAT_NPORTS * sizeof(*p->slot));
		memset(w->c, 0, sizeof(*w->c));
		memset(&w->st, 0, sizeof(w->st));
		p->nports = 0;
		p->overflow = false;
		cap = TCPSTAT_NPORTS - 1;
	}
}

static int tcpstat_ports_fill(struct net *net, struct tcpstat_buf *b)
{
	struct tcpstat_pernet *pn = tcpstat_pernet(net);
	struct tcpstat_ports p = {};
	struct tcpstat_counts c;
	struct tcpstat_walk w;
	int err = -ENOMEM;
	unsigned int cap;

	/* Room for twice this namespace's last count, at least 64 ports. */
	cap = clamp(READ_ONCE(pn->ports_hint) * 2, 64U, TCPSTAT_NPORTS - 1U);

	p.slot = kvcalloc(TCPSTAT_NPORTS, sizeof(*p.slot), TCPSTAT_GFP_READER);
	if (!p.slot)
		goto out;
	err = tcpstat_filter_copy(&p);
	if (err)
		goto out;
	tcpstat_walk_init(&w, net, &c);
	w.ports = &p;
	err = tcpstat_ports_listeners(&w, &p, cap);
	if (err)
		goto out;
	tcpstat_walk_established(&w, tcpstat_net_hashinfo(net));
	WRITE_ONCE(pn->ports_hint, p.nports);
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
