/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TCPSTAT_H
#define TCPSTAT_H

#include <linux/types.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include "tcpstat_format.h"

/* Counts of one walk: [address family][state index]. */
struct tcpstat_counts {
	unsigned int n[TCPSTAT_NFAMILIES][TCPSTAT_NSTATES];
};

/* One listening port of the per-port view (tcpstat_ports.c): 72 bytes. */
struct tcpstat_port {
	u64 queue;		/* sum of their accept queues */
	u64 backlog;		/* sum of their backlog limits (u32 each) */
	u32 listeners;		/* listening sockets on the port */
	u32 fullest_queue;	/* the listener whose queue is fullest */
	u32 fullest_backlog;	/*   relative to its limit: queue, limit */
	u32 n[TCPSTAT_NSTATES];	/* every socket with this local port */
};

#define TCPSTAT_NPORTS 65536

struct tcpstat_ports {
	u16 *slot;			/* [port]: 0, or 1 + index in port[] */
	struct tcpstat_port *port;	/* in order of discovery */
	unsigned int nports, capacity;
	bool overflow;			/* more listening ports than capacity */
	const u16 *filter;		/* sorted ports to report, or NULL: all */
	unsigned int nfilter;
};

/* One network namespace of the all-namespaces view (tcpstat_netns.c). */
struct tcpstat_nsent {
	struct net *net;	/* a reference is held for the whole walk */
	unsigned int inum;
	struct tcpstat_counts c;
};

struct tcpstat_nsmap {
	struct tcpstat_nsent *ent;
	unsigned int n;
	u32 *hash;		/* open addressing: 0 or 1 + index in ent[] */
	unsigned int hbits;
};

enum { TCPSTAT_TABLE_LISTEN, TCPSTAT_TABLE_ESTABLISHED, TCPSTAT_NTABLES };

struct tcpstat_walk_stats {
	unsigned long buckets[TCPSTAT_NTABLES];
	unsigned long locked[TCPSTAT_NTABLES];
	u64 max_lock_ns[TCPSTAT_NTABLES];
};

/*
 * What one walk counts. Either @net and @c (one namespace) or @nsmap
 * (every namespace in the map); @ports adds the per-port view.
 */
struct tcpstat_walk {
	struct net *net;
	struct tcpstat_counts *c;
	struct tcpstat_nsmap *nsmap;
	struct tcpstat_ports *ports;
	bool lock_stats;		/* time every bucket lock hold (off by default) */
	struct tcpstat_walk_stats st;
};

void tcpstat_walk_init(struct tcpstat_walk *w, struct net *net, struct tcpstat_counts *c);
void tcpstat_walk_listeners(struct tcpstat_walk *w);
void tcpstat_walk_established(struct tcpstat_walk *w, struct inet_hashinfo *h);
void tcpstat_walk_net(struct tcpstat_walk *w);
struct inet_hashinfo *tcpstat_net_hashinfo(const struct net *net);

/*
 * Memory a reader makes the module allocate: charged to the reader's
 * memory cgroup; when that (or the host) is short of memory the read fails
 * with -ENOMEM rather than wake the OOM killer, and quietly (a reader must
 * not be able to fill the kernel log).
 */
#define TCPSTAT_GFP_READER (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* A growable text buffer for the files (tcpstat_file.c). */
struct tcpstat_buf {
	char *data;
	size_t len, cap;
	int err;		/* the first allocation failure, if any */
};

extern const char *const tcpstat_state_names[TCPSTAT_NSTATES];
extern const char *const tcpstat_family_names[TCPSTAT_NFAMILIES];

__printf(2, 3) void tcpstat_buf_printf(struct tcpstat_buf *b, const char *fmt, ...);
void tcpstat_buf_trim(struct tcpstat_buf *b);
void tcpstat_buf_free(struct tcpstat_buf *b);
void tcpstat_print_header(struct tcpstat_buf *b);
void tcpstat_print_state_columns(struct tcpstat_buf *b);
void tcpstat_print_counts(struct tcpstat_buf *b, const unsigned int *n);
void tcpstat_print_states(struct tcpstat_buf *b, const struct tcpstat_counts *c);
void tcpstat_print_walk(struct tcpstat_buf *b, const struct tcpstat_walk_stats *st);

/*
 * Snapshot files: created with proc_create_data(..., net); a read from
 * offset 0 runs fill (one walk) and the content is then read from memory.
 */
int tcpstat_snapfile_open(struct inode *inode, struct file *file,
			  int (*fill)(struct net *net, struct tcpstat_buf *b));
ssize_t tcpstat_snapfile_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos);
int tcpstat_snapfile_release(struct inode *inode, struct file *file);

/* What the module keeps per network namespace (tcpstat_main.c). */
struct tcpstat_pernet {
	/* Listening ports of the last per-port walk: the next one's first guess. */
	unsigned int ports_hint;
};

struct tcpstat_pernet *tcpstat_pernet(const struct net *net);

/* The per-port view (tcpstat_ports.c). */
extern const struct proc_ops tcpstat_ports_ops;

/* The all-namespaces view (tcpstat_netns.c). */
extern const struct proc_ops tcpstat_netns_ops;

#endif /* TCPSTAT_H */
