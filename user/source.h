/* SPDX-License-Identifier: GPL-2.0 */
/* source.h - the three backends behind one call, and entering a netns. */
#ifndef TCPSTAT_SOURCE_H
#define TCPSTAT_SOURCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "counts.h"
#include "err.h"

enum backend {
	BACKEND_AUTO,
	BACKEND_KMOD,
	BACKEND_NETLINK,
	BACKEND_PROCFS,
};

#define PROC_DIR_MAX (PATH_MAX - 32) /* room for "/net/tcpstat_data" */

struct source {
	enum backend backend;	/* never AUTO once resolved */
	char proc[PROC_DIR_MAX];
	char kmod_path[PATH_MAX];
	char procfs_name[PATH_MAX];
	char *buf;		/* the one read buffer, SOURCE_BUF_SIZE bytes */
	size_t bufsize;
};

#define SOURCE_BUF_SIZE (256 * 1024)
#define KMOD_READ_SIZE (64 * 1024)

/* -1 and *e filled if @proc is too long or out of memory. */
int source_init(struct source *s, enum backend b, const char *proc,
		struct tcpstat_err *e);
void source_free(struct source *s);

/* One sample. 0, or -1 with *e filled. */
int source_read(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e);

/*
 * For BACKEND_AUTO: take the first backend that works, in the order
 * kmod, netlink, procfs, and keep its sample in *c. 0, or -1 with every
 * backend's error printed to stderr.
 */
int source_resolve(struct source *s, struct tcpstat_counts *c);

/* What the source reads, for messages: a file name or "netlink". */
const char *source_name(const struct source *s);

const char *backend_name(enum backend b);
/* "auto", "kmod", "netlink", "procfs" -> 0 and *b, or -1. */
int backend_parse(const char *name, enum backend *b);

/* open(@path) and setns(CLONE_NEWNET). 0, or -1 with *e filled. */
int netns_enter(const char *path, struct tcpstat_err *e);

#endif /* TCPSTAT_SOURCE_H */
