/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns.h - --all-netns: the names of network namespaces (the entries of
 * /run/netns, as `ip netns` makes them), and for the netlink and procfs
 * backends, finding every namespace and counting inside each one.
 */
#ifndef TCPSTAT_NETNS_H
#define TCPSTAT_NETNS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "err.h"
#include "sample.h"

struct netns_name {
	uint64_t inode;
	char *name;
	bool label;	/* usable in the output: UTF-8, no control character */
};

struct netns_names {
	char dir[PATH_MAX];
	struct netns_name *ent;	/* by inode, then name */
	size_t n, cap;
};

/*
 * Read the names in @dir: each entry that is a namespace file (a bind
 * mount of nsfs, or a symbolic link to one) names the namespace whose
 * inode it has. A missing @dir means no names. 0, or -1 with *e filled
 * (out of memory, or @dir cannot be read).
 */
int netns_names_load(struct netns_names *nn, const char *dir, struct tcpstat_err *e);
void netns_names_free(struct netns_names *nn);

/*
 * The name of namespace @inode: of its names that can be printed, the
 * first in byte order. NULL if none.
 */
const char *netns_names_find(const struct netns_names *nn, uint64_t inode);

/* Where a namespace can be opened: a process, or a name in nn->dir. */
struct nsref {
	uint64_t inode;
	uint32_t pid;		/* 0: the name ent[idx] */
	uint32_t idx;
};

struct nsrefs {
	struct nsref *ref;	/* by inode */
	size_t n, cap;
};

/*
 * Every network namespace in use: that of each process (<proc>/PID/ns/net)
 * and each named one. Processes that go away meanwhile, or whose
 * namespace cannot be looked at, are left out. 0, or -1 with *e filled.
 */
int netns_enumerate(const char *proc, const struct netns_names *nn,
		    struct nsrefs *refs, struct tcpstat_err *e);
void nsrefs_free(struct nsrefs *refs);

/*
 * Fill @row (its inode set, the rest zero) from the current namespace:
 * its counts, and whatever else the caller reads there (counters). 0, or
 * -1 with *e filled.
 */
typedef int (*netns_count_fn)(void *ctx, struct netns_row *row,
			      struct tcpstat_err *e);

enum {
	NETNS_OK = 0,
	NETNS_ERROR = -1,	/* *e filled; back in the original namespace */
	NETNS_FATAL = -2,	/* *e filled; could not return to it */
};

/*
 * For each namespace of @refs, by inode: open one of its files (the next
 * one if a file has gone, or now is another namespace), setns() into it,
 * count with @fn, setns() back to @self_fd. The namespaces with at least
 * one socket are appended to @out (emptied first), ascending inode,
 * without names. A namespace none of whose files can be opened is left
 * out (it went away meanwhile).
 */
int netns_each(const char *proc, const struct netns_names *nn,
	       const struct nsrefs *refs, int self_fd, struct netns_list *out,
	       netns_count_fn fn, void *ctx, struct tcpstat_err *e);

/* Called inside a namespace netns_visit() entered. 0, or -1 with *e filled. */
typedef int (*netns_visit_fn)(void *ctx, struct tcpstat_err *e);

/*
 * Enter namespace @inode through the first of its files in @refs (sorted
 * as netns_enumerate() sorts them, maybe from an earlier sample: a file
 * that is gone or now another namespace's is passed over; names index
 * @nn), call @fn there and setns() back to @self_fd. 1 when @fn ran and
 * succeeded; 0 when none of the namespace's files is left (*e untouched);
 * NETNS_ERROR or NETNS_FATAL (as netns_each()) with *e filled.
 */
int netns_visit(const char *proc, const struct netns_names *nn,
		const struct nsrefs *refs, int self_fd, uint64_t inode,
		netns_visit_fn fn, void *ctx, struct tcpstat_err *e);

/*
 * The @k-th process (k = 0, 1, ...) of namespace @inode in @refs (names
 * are not processes), or 0.
 */
uint32_t nsrefs_pid(const struct nsrefs *refs, uint64_t inode, size_t k);

#endif /* TCPSTAT_NETNS_H */
