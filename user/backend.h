/* SPDX-License-Identifier: GPL-2.0 */
/*
 * backend.h - what every backend provides, as one ops table (the way the
 * kernel has file_operations and inet_diag_handler), and the registry:
 * a backend is one src_*.c file and one line in backends.c. source.c
 * dispatches only through these tables and never asks which backend it
 * holds.
 */
#ifndef TCPSTAT_BACKEND_H
#define TCPSTAT_BACKEND_H

#include <stddef.h>

#include "counts.h"
#include "err.h"
#include "sample.h"

struct source;

/* What a probe found. */
enum backend_avail {
	BACKEND_AVAILABLE,
	/*
	 * Not here now, but it may come (the module is not loaded, sock_diag
	 * has no TCP handler): auto passes over it quietly; named on the
	 * command line, every sample reports why until it comes.
	 */
	BACKEND_ABSENT,
	/*
	 * Cannot work in this process (a privilege or a kernel feature is
	 * missing): auto passes over it quietly; named on the command line,
	 * the reason is the one error and tcpstat exits 3 before any sample.
	 */
	BACKEND_UNUSABLE,
	/*
	 * Answers, but this kernel can make its counts short (*why says
	 * how): auto passes over it quietly, to an exact backend; named on
	 * the command line it is used, and the reason is said once.
	 */
	BACKEND_INEXACT,
};

struct backend_ops {
	const char *name;	/* --backend NAME */
	/*
	 * Can it answer here, in s->mode? Fills s->path (what the messages
	 * name) and sets up what reads need (s->priv); on anything but
	 * BACKEND_AVAILABLE, *why says why. Called once before the first
	 * read; close() undoes it.
	 */
	enum backend_avail (*probe)(struct source *s, struct tcpstat_err *why);
	/* SOURCE_COUNTS: the current namespace's counts. 0, or -1 with *e filled. */
	int (*counts)(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e);
	/* SOURCE_PORTS: the counts and the per-port view into *out. */
	int (*ports)(struct source *s, struct sample *out, struct tcpstat_err *e);
	/*
	 * SOURCE_ALL_NETNS: every namespace's counts in one read (without
	 * names), into *out. NULL: the backend sees only the namespace it
	 * runs in, so source.c enters each namespace (CAP_SYS_ADMIN) and
	 * calls counts() there.
	 */
	int (*all_netns)(struct source *s, struct netns_list *out, struct tcpstat_err *e);
	/* Free s->priv, if the backend keeps anything there. May be NULL. */
	void (*close)(struct source *s);
};

/*
 * The registry (backends.c), in the order auto tries them; NULL-terminated,
 * at most BACKENDS_MAX.
 */
#define BACKENDS_MAX 8
extern const struct backend_ops *const tcpstat_backends[];

/* The backend called @name, or NULL (also for "auto"). */
const struct backend_ops *backend_find(const char *name);
/* "kmod, netlink, ...": the registry's names, in auto's order. */
const char *backend_list(void);
/* "auto, kmod, ...": every name --backend takes. */
const char *backend_names(void);

/* Each backend's table, defined in its own src_*.c. */
extern const struct backend_ops kmod_backend;
extern const struct backend_ops bpf_backend;
extern const struct backend_ops netlink_backend;
extern const struct backend_ops procfs_backend;

#endif /* TCPSTAT_BACKEND_H */
