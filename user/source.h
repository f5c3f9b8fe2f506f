/* SPDX-License-Identifier: GPL-2.0 */
/*
 * source.h - one sample from whichever backend (backend.h) was named or
 * found first, and entering a network namespace.
 */
#ifndef TCPSTAT_SOURCE_H
#define TCPSTAT_SOURCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "cgroupid.h"
#include "counters.h"
#include "counts.h"
#include "err.h"
#include "netns.h"
#include "ports.h"
#include "sample.h"

/* What a sample holds. */
enum source_mode {
	SOURCE_COUNTS,		/* the namespace's counts */
	SOURCE_PORTS,		/* and the per-port view (--ports) */
	SOURCE_ALL_NETNS,	/* every namespace's counts (--all-netns) */
};

#define PROC_DIR_MAX (PATH_MAX - 32) /* room for "/net/tcpstat_data" */

struct source_opts {
	const struct backend_ops *backend;	/* NULL: auto */
	enum source_mode mode;
	const char *proc;		/* "/proc" */
	const char *run_netns;		/* SOURCE_ALL_NETNS: "/run/netns" */
	const struct port_filter *filter; /* SOURCE_PORTS: NULL keeps all */
	bool counters;			/* --counters */
};

struct source {
	const struct backend_ops *ops;	/* NULL until auto resolved it */
	enum source_mode mode;
	char proc[PROC_DIR_MAX];
	char path[PATH_MAX];	/* what the backend reads, for messages (its probe sets it) */
	char *buf;		/* the one read buffer, SOURCE_BUF_SIZE bytes */
	size_t bufsize;
	const char *run_netns;
	const struct port_filter *filter;
	struct port_table *ports;	/* per-port view counted here; on first use */
	void *priv;		/* the backend's own state, freed by its close() */
	bool probed;		/* ops->probe() was called (close() is due) */
	int self_ns;		/* --all-netns: our namespace, to come back to; -1 */
	bool fatal;		/* could not come back: stop */
	struct netns_names names;
	struct nsrefs refs;		/* where each namespace can be entered */
	bool scanned;			/* refs were made in this sample */
	bool counters;			/* --counters */
	struct netns_row *visit;	/* the row netns_visit() reads for */
	struct cgid_cache cgid;		/* --all-netns: each namespace's container */
	bool cgid_ready;
};

#define SOURCE_BUF_SIZE (256 * 1024)
#define KMOD_READ_SIZE (64 * 1024)

/* -1 and *e filled if the proc directory is too long or out of memory. */
int source_init(struct source *s, const struct source_opts *o,
		struct tcpstat_err *e);
void source_free(struct source *s);

/*
 * Before the first sample, with a backend named on the command line:
 * probe it (a backend that cannot work in this process fails here, with
 * its reason), and with --all-netns and a backend that enters each
 * namespace, check that namespaces can be entered at all
 * (CAP_SYS_ADMIN), so a stream does not start only to fail. 0, or -1
 * with *e filled.
 */
int source_prepare(struct source *s, struct tcpstat_err *e);

/*
 * One sample into *out (its lists are reused). 0, or -1 with *e filled;
 * then s->fatal says whether the process must stop (it could not return
 * to its own network namespace).
 *
 * With --counters, the counters of the namespace being sampled from
 * <proc>/net/snmp and netstat: for SOURCE_COUNTS and SOURCE_PORTS after
 * the backend's read, in the namespace the process is in (--netns); for
 * SOURCE_ALL_NETNS inside each namespace, which backends without their
 * own all_netns() enter anyway, and for one with it (kmod: one walk of
 * every namespace) entered for that alone, through a process or a name
 * of each (the process scan that finds them runs again only when one is
 * not found). A namespace gone before its counters were read has none.
 * With SOURCE_ALL_NETNS, each namespace's container identity: from the
 * cache, or for a namespace not seen before, from a process in it.
 */
int source_read(struct source *s, struct sample *out, struct tcpstat_err *e);

/*
 * For auto: take the first backend that works, in the registry's order
 * (backends.c), and keep its sample in *out. 0, or -1 with every
 * backend's error printed to stderr.
 */
int source_resolve(struct source *s, struct sample *out);

/* What the source reads, for messages: a file name or "netlink". */
const char *source_name(const struct source *s);
/* The name of the backend that answers ("kmod", ...); NULL before auto resolved it. */
const char *source_backend(const struct source *s);

/* "auto" -> 0 and *b = NULL; a backend's name -> 0 and *b; else -1. */
int backend_parse(const char *name, const struct backend_ops **b);

/*
 * For the backends: the per-port accumulators, allocated on first use.
 * 0, or -1 with *e filled.
 */
int source_port_table(struct source *s, struct tcpstat_err *e);

/* open(@path) and setns(CLONE_NEWNET). 0, or -1 with *e filled. */
int netns_enter(const char *path, struct tcpstat_err *e);

#endif /* TCPSTAT_SOURCE_H */
