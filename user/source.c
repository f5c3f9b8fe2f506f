// SPDX-License-Identifier: GPL-2.0
/*
 * source.c - one sample through the backend's ops table (backend.h), the
 * auto selection over the registry, and network namespaces. Nothing here
 * knows which backend it holds.
 */
#include <errno.h>
#include <fcntl.h>
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
	s->bufsize = SOURCE_BUF_SIZE;
	s->buf = malloc(s->bufsize);
	if (!s->buf) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
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
	if (backend_probe(s, e) == BACKEND_UNUSABLE)
		return -1;
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

/* netns_each() calls this inside each namespace. */
static int count_here(void *ctx, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	struct source *s = ctx;

	return s->ops->counts(s, c, e);
}

static int read_all_netns(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	int ret;

	if (s->ops->all_netns) {
		if (s->ops->all_netns(s, &out->netns, e) ||
		    netns_names_load(&s->names, s->run_netns, e))
			return -1;
	} else {
		if (self_ns_get(s, e) || netns_names_load(&s->names, s->run_netns, e) ||
		    netns_enumerate(s->proc, &s->names, &s->refs, e))
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
	return 0;
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

int source_read(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	if (!s->ops) {
		tcpstat_err_set(e, "internal error: backend not resolved");
		return -1;
	}
	if (!s->probed && backend_probe(s, e) == BACKEND_UNUSABLE)
		return -1;
	return read_backend(s, out, e);
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
