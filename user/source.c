// SPDX-License-Identifier: GPL-2.0
/*
 * source.c - one sample through the backend's ops table (backend.h), the
 * auto selection over the registry, and network namespaces. Nothing here
 * knows which backend it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"

int backend_parse(const char *name, const struct backend_ops **b)
{
	if (strcmp(name, "auto") == 0) {
		*b = NULL;
		return 0;
	}
	*b = backend_find(name);
	return *b ? 0 : -1;
}

int source_init(struct source *s, const struct source_opts *o,
		struct tcpstat_err *e)
{
	memset(s, 0, sizeof(*s));
	s->ops = o->backend;
	s->mode = o->mode;
	s->self_ns = -1;
	s->filter = o->filter;
	s->run_netns = o->run_netns ? o->run_netns : "/run/netns";
	if (strlen(o->proc) >= sizeof(s->proc)) {
		tcpstat_err_set(e, "%s: %s", o->proc, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(s->proc, o->proc);
	s->counters = o->counters;
	s->bufsize = SOURCE_BUF_SIZE;
	s->buf = malloc(s->bufsize);
	if (!s->buf) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	if (s->mode == SOURCE_ALL_NETNS) {
		if (cgid_cache_init(&s->cgid, s->proc, e))
			return -1;
		s->cgid_ready = true;
	}
	return 0;
}

static enum backend_avail backend_probe(struct source *s, struct tcpstat_err *why)
{
	s->path[0] = '\0';
	s->probed = true;
	return s->ops->probe(s, why);
}

static void backend_close(struct source *s)
{
	if (s->probed && s->ops->close)
		s->ops->close(s);
	s->probed = false;
	s->priv = NULL;
}

void source_free(struct source *s)
{
	if (s->ops)
		backend_close(s);
	free(s->buf);
	s->buf = NULL;
	if (s->ports) {
		port_table_free(s->ports);
		free(s->ports);
		s->ports = NULL;
	}
	if (s->self_ns >= 0)
		close(s->self_ns);
	s->self_ns = -1;
	netns_names_free(&s->names);
	nsrefs_free(&s->refs);
	if (s->cgid_ready)
		cgid_cache_free(&s->cgid);
	s->cgid_ready = false;
}

int source_port_table(struct source *s, struct tcpstat_err *e)
{
	if (s->ports)
		return 0;
	s->ports = malloc(sizeof(*s->ports));
	if (!s->ports || port_table_init(s->ports)) {
		free(s->ports);
		s->ports = NULL;
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* ---- every namespace ---- */

static int self_ns_get(struct source *s, struct tcpstat_err *e)
{
	char path[PATH_MAX];

	if (s->self_ns >= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/self/ns/net", s->proc);
	s->self_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (s->self_ns < 0) {
		tcpstat_err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int source_prepare(struct source *s, struct tcpstat_err *e)
{
	if (!s->ops)
		return 0; /* auto: source_resolve() probes */
	switch (backend_probe(s, e)) {
	case BACKEND_UNUSABLE:
		return -1;
	case BACKEND_INEXACT:
		err_print("%s", e->msg); /* asked for by name: it answers, said once */
		break;
	default:
		break;
	}
	if (s->mode != SOURCE_ALL_NETNS || s->ops->all_netns)
		return 0;
	if (self_ns_get(s, e))
		return -1;
	/* entering our own namespace needs the same capability as any other */
	if (setns(s->self_ns, CLONE_NEWNET)) {
		int err = errno;

		if (err == EPERM)
			tcpstat_err_set(e, "--all-netns: setns: %s (the %s backend enters every network namespace, which needs CAP_SYS_ADMIN: run as root)",
					strerror(err), s->ops->name);
		else
			tcpstat_err_set(e, "--all-netns: setns: %s", strerror(err));
		return -1;
	}
	return 0;
}

/*
 * --counters: those of the namespace this thread is in. The sampling
 * thread is the thread-group leader, so <proc>/net (/proc/self/net) is
 * its namespace, also after a setns().
 */
static int read_counters(struct source *s, struct tcp_counters *c, struct tcpstat_err *e)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/net", s->proc);
	return counters_read(dir, s->buf, s->bufsize, c, e);
}

/* netns_each() calls this inside each namespace. */
static int count_here(void *ctx, struct netns_row *row, struct tcpstat_err *e)
{
	struct source *s = ctx;

	if (s->ops->counts(s, &row->c, e))
		return -1;
	if (s->counters) {
		if (read_counters(s, &row->counters, e))
			return -1;
		row->has_counters = true;
	}
	return 0;
}

/* Find every namespace's processes and names again (once per sample). */
static int rescan(struct source *s, struct tcpstat_err *e)
{
	s->scanned = true;
	return netns_enumerate(s->proc, &s->names, &s->refs, e);
}

/* netns_visit() calls this inside the namespace of s->visit. */
static int counters_here(void *ctx, struct tcpstat_err *e)
{
	struct source *s = ctx;

	return read_counters(s, &s->visit->counters, e);
}

/*
 * A backend that read every namespace at once (kmod): enter each to read
 * its counters, through the files found by an earlier sample's scan of
 * the processes while they still lead there, scanning again when one
 * does not.
 */
static int rows_counters(struct source *s, struct netns_list *l, struct tcpstat_err *e)
{
	if (self_ns_get(s, e))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct netns_row *row = &l->row[i];
		int ret;

		s->visit = row;
		for (;;) {
			ret = netns_visit(s->proc, &s->names, &s->refs, s->self_ns, row->inode,
					  counters_here, s, e);
			if (ret != 0 || s->scanned)
				break;
			if (rescan(s, e))
				return -1;
		}
		if (ret == NETNS_FATAL)
			s->fatal = true;
		if (ret < 0)
			return -1;
		row->has_counters = ret == 1; /* 0: gone meanwhile */
	}
	return 0;
}

/*
 * The cache asks only for a namespace not seen before: the processes of
 * this sample's scan, or (kmod) of one made now.
 */
static uint32_t pid_of(void *ctx, uint64_t inode, size_t k)
{
	struct source *s = ctx;
	struct tcpstat_err e;

	if (!s->scanned && rescan(s, &e))
		err_print("%s", e.msg);
	return nsrefs_pid(&s->refs, inode, k);
}

/* Each namespace's container identity; a cgroup that cannot be read is said once. */
static int rows_identity(struct source *s, struct netns_list *l, struct tcpstat_err *e)
{
	int ret = 0;

	cgid_cache_begin(&s->cgid);
	for (size_t i = 0; i < l->n && !ret; i++) {
		struct tcpstat_err why;
		int r = cgid_cache_lookup(&s->cgid, l->row[i].inode, pid_of, s, &l->row[i].id,
					  &why);

		if (r > 0)
			err_print("netns %" PRIu64 ": %s (its container is not named)",
				  l->row[i].inode, why.msg);
		if (r < 0) {
			*e = why;
			ret = -1;
		}
	}
	cgid_cache_end(&s->cgid);
	return ret;
}

static int read_all_netns(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	int ret;

	s->scanned = false;
	if (s->ops->all_netns) {
		if (s->ops->all_netns(s, &out->netns, e) ||
		    netns_names_load(&s->names, s->run_netns, e) ||
		    (s->counters && rows_counters(s, &out->netns, e)))
			return -1;
	} else {
		if (self_ns_get(s, e) || netns_names_load(&s->names, s->run_netns, e) ||
		    rescan(s, e))
			return -1;
		ret = netns_each(s->proc, &s->names, &s->refs, s->self_ns, &out->netns,
				 count_here, s, e);
		if (ret == NETNS_FATAL)
			s->fatal = true;
		if (ret)
			return -1;
	}
	for (size_t i = 0; i < out->netns.n; i++)
		out->netns.row[i].name = netns_names_find(&s->names, out->netns.row[i].inode);
	return rows_identity(s, &out->netns, e);
}

static int read_backend(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	switch (s->mode) {
	case SOURCE_PORTS:
		return s->ops->ports(s, out, e);
	case SOURCE_ALL_NETNS:
		return read_all_netns(s, out, e);
	default:
		return s->ops->counts(s, &out->c, e);
	}
}

/* After the backend's read: the counters of the namespace sampled. */
static int read_rest(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	out->has_counters = false;
	if (!s->counters || s->mode == SOURCE_ALL_NETNS)
		return 0;
	if (read_counters(s, &out->counters, e))
		return -1;
	out->has_counters = true;
	return 0;
}

int source_read(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	if (!s->ops) {
		tcpstat_err_set(e, "internal error: backend not resolved");
		return -1;
	}
	if (!s->probed && backend_probe(s, e) == BACKEND_UNUSABLE)
		return -1;
	return read_backend(s, out, e) || read_rest(s, out, e) ? -1 : 0;
}

int source_resolve(struct source *s, struct sample *out)
{
	struct tcpstat_err errs[BACKENDS_MAX];
	bool avail[BACKENDS_MAX];
	size_t n;

	for (n = 0; n < BACKENDS_MAX && tcpstat_backends[n]; n++) {
		s->ops = tcpstat_backends[n];
		avail[n] = backend_probe(s, &errs[n]) == BACKEND_AVAILABLE;
		if (avail[n] && !read_backend(s, out, &errs[n])) {
			/* One that is there but failed is worth a word. */
			for (size_t k = 0; k < n; k++) {
				if (avail[k])
					err_print("%s; using the %s backend", errs[k].msg,
						  s->ops->name);
			}
			if (read_rest(s, out, &errs[n])) {
				err_print("%s", errs[n].msg);
				return -1; /* the backend stays: a stream goes on with it */
			}
			return 0;
		}
		backend_close(s);
		if (s->fatal) {
			err_print("%s", errs[n].msg);
			s->ops = NULL;
			return -1;
		}
	}
	s->ops = NULL;
	for (size_t k = 0; k < n; k++)
		err_print("%s", errs[k].msg);
	err_print("no backend works (tried %s)", backend_list());
	return -1;
}

const char *source_name(const struct source *s)
{
	return s->path;
}

const char *source_backend(const struct source *s)
{
	return s->ops ? s->ops->name : NULL;
}

int netns_enter(const char *path, struct tcpstat_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		tcpstat_err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(fd);
		if (err == EINVAL)
			tcpstat_err_set(e, "%s: not a network namespace", path);
		else
			tcpstat_err_set(e, "%s: setns: %s", path, strerror(err));
		return -1;
	}
	close(fd);
	return 0;
}
