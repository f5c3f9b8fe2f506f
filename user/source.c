// SPDX-License-Identifier: GPL-2.0
/* source.c - backend dispatch, auto selection, network namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"
#include "src_kmod.h"
#include "src_netlink.h"
#include "src_procfs.h"

static const char *const names[] = {
	[BACKEND_AUTO] = "auto",
	[BACKEND_KMOD] = "kmod",
	[BACKEND_NETLINK] = "netlink",
	[BACKEND_PROCFS] = "procfs",
};

const char *backend_name(enum backend b)
{
	return names[b];
}

int backend_parse(const char *name, enum backend *b)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*b = (enum backend)i;
			return 0;
		}
	}
	return -1;
}

int source_init(struct source *s, const struct source_opts *o,
		struct tcpstat_err *e)
{
	static const char *const file[] = {
		[SOURCE_COUNTS] = TCPSTAT_DATA_FILE,
		[SOURCE_PORTS] = TCPSTAT_PORTS_FILE,
		[SOURCE_ALL_NETNS] = TCPSTAT_NETNS_FILE,
	};

	memset(s, 0, sizeof(*s));
	s->backend = o->backend;
	s->mode = o->mode;
	s->self_ns = -1;
	s->filter = o->filter;
	s->run_netns = o->run_netns ? o->run_netns : "/run/netns";
	if (strlen(o->proc) >= sizeof(s->proc)) {
		tcpstat_err_set(e, "%s: %s", o->proc, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(s->proc, o->proc);
	snprintf(s->kmod_path, sizeof(s->kmod_path), "%s/net/%s", s->proc,
		 file[s->mode]);
	/* in another namespace, /proc/self/net is that namespace's */
	snprintf(s->procfs_name, sizeof(s->procfs_name), "%s/%s/tcp", s->proc,
		 s->mode == SOURCE_ALL_NETNS ? "self/net" : "net");
	s->bufsize = SOURCE_BUF_SIZE;
	s->buf = malloc(s->bufsize);
	if (!s->buf) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

void source_free(struct source *s)
{
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

/* ---- one namespace: counts, and the per-port view with --ports ---- */

static int read_counts(struct source *s, enum backend b, struct tcpstat_counts *c,
		       struct tcpstat_err *e, bool *missing)
{
	switch (b) {
	case BACKEND_KMOD:
		return kmod_read(s->kmod_path, s->buf, KMOD_READ_SIZE, c, e, missing);
	case BACKEND_NETLINK:
		return netlink_read(s->buf, NETLINK_RECV_SIZE, c, NULL, e);
	case BACKEND_PROCFS:
		return procfs_read(s->proc, s->buf, PROCFS_READ_SIZE, c, e);
	default:
		tcpstat_err_set(e, "internal error: backend not resolved");
		return -1;
	}
}

static int port_table_get(struct source *s, struct tcpstat_err *e)
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

static int read_ports_kmod(struct source *s, struct sample *out,
			   struct tcpstat_err *e, bool *missing)
{
	char data[PATH_MAX];
	int sys_err;

	if (!kmod_read_want(s->kmod_path, s->buf, KMOD_READ_SIZE, KMOD_WANT_PORTS,
			    &out->c, &out->ports, NULL, e, &sys_err)) {
		port_list_filter(&out->ports, s->filter);
		return 0;
	}
	if (sys_err != ENOENT)
		return -1;
	*missing = true;
	snprintf(data, sizeof(data), "%s/net/%s", s->proc, TCPSTAT_DATA_FILE);
	if (access(data, F_OK) == 0)
		tcpstat_err_set(e, "%s: %s (the loaded tcpstat module has no per-port view; --ports needs a newer one)",
				s->kmod_path, strerror(ENOENT));
	else
		tcpstat_err_set(e, "%s: %s (is the tcpstat module loaded? try: modprobe tcpstat)",
				s->kmod_path, strerror(ENOENT));
	return -1;
}

static int read_ports(struct source *s, enum backend b, struct sample *out,
		      struct tcpstat_err *e, bool *missing)
{
	char dir[PATH_MAX];
	int ret;

	if (b == BACKEND_KMOD)
		return read_ports_kmod(s, out, e, missing);
	if (port_table_get(s, e))
		return -1;
	if (b == BACKEND_NETLINK) {
		ret = netlink_read(s->buf, NETLINK_RECV_SIZE, &out->c, s->ports, e);
	} else if (b == BACKEND_PROCFS) {
		snprintf(dir, sizeof(dir), "%s/net", s->proc);
		ret = procfs_read_dir(dir, s->buf, PROCFS_READ_SIZE, &out->c, s->ports, e);
	} else {
		tcpstat_err_set(e, "internal error: backend not resolved");
		return -1;
	}
	if (ret)
		return -1;
	/* /proc/net/tcp has no listener's limit: backlog and fullest unknown */
	if (port_table_collect(s->ports, s->filter, b == BACKEND_NETLINK, &out->ports)) {
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
	if (s->mode != SOURCE_ALL_NETNS ||
	    (s->backend != BACKEND_NETLINK && s->backend != BACKEND_PROCFS))
		return 0;
	if (self_ns_get(s, e))
		return -1;
	/* entering our own namespace needs the same capability as any other */
	if (setns(s->self_ns, CLONE_NEWNET)) {
		int err = errno;

		if (err == EPERM)
			tcpstat_err_set(e, "--all-netns: setns: %s (the %s backend enters every network namespace, which needs CAP_SYS_ADMIN: run as root)",
					strerror(err), backend_name(s->backend));
		else
			tcpstat_err_set(e, "--all-netns: setns: %s", strerror(err));
		return -1;
	}
	return 0;
}

static int count_netlink(void *ctx, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	struct source *s = ctx;

	return netlink_read(s->buf, NETLINK_RECV_SIZE, c, NULL, e);
}

static int count_procfs(void *ctx, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	struct source *s = ctx;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/self/net", s->proc);
	return procfs_read_dir(dir, s->buf, PROCFS_READ_SIZE, c, NULL, e);
}

static int read_all_netns(struct source *s, enum backend b, struct sample *out,
			  struct tcpstat_err *e, bool *missing)
{
	int sys_err, ret;

	if (b == BACKEND_KMOD) {
		if (kmod_read_want(s->kmod_path, s->buf, KMOD_READ_SIZE, KMOD_WANT_NETNS,
				   NULL, NULL, &out->netns, e, &sys_err)) {
			*missing = sys_err == ENOENT;
			if (sys_err == ENOENT)
				tcpstat_err_set(e, "%s: %s (--all-netns with the kmod backend needs the tcpstat module, and runs in the initial network namespace)",
						s->kmod_path, strerror(sys_err));
			else if (sys_err == EACCES || sys_err == EPERM)
				tcpstat_err_set(e, "%s: %s (--all-netns reads a file only root can read: run as root)",
						s->kmod_path, strerror(sys_err));
			return -1;
		}
	} else if (b == BACKEND_NETLINK || b == BACKEND_PROCFS) {
		if (self_ns_get(s, e) || netns_names_load(&s->names, s->run_netns, e) ||
		    netns_enumerate(s->proc, &s->names, &s->refs, e))
			return -1;
		ret = netns_each(s->proc, &s->names, &s->refs, s->self_ns, &out->netns,
				 b == BACKEND_NETLINK ? count_netlink : count_procfs, s, e);
		if (ret == NETNS_FATAL)
			s->fatal = true;
		if (ret)
			return -1;
	} else {
		tcpstat_err_set(e, "internal error: backend not resolved");
		return -1;
	}
	if (b == BACKEND_KMOD && netns_names_load(&s->names, s->run_netns, e))
		return -1;
	for (size_t i = 0; i < out->netns.n; i++)
		out->netns.row[i].name = netns_names_find(&s->names, out->netns.row[i].inode);
	return 0;
}

static int read_backend(struct source *s, enum backend b, struct sample *out,
			struct tcpstat_err *e, bool *missing)
{
	*missing = false;
	switch (s->mode) {
	case SOURCE_PORTS:
		return read_ports(s, b, out, e, missing);
	case SOURCE_ALL_NETNS:
		return read_all_netns(s, b, out, e, missing);
	default:
		return read_counts(s, b, &out->c, e, missing);
	}
}

int source_read(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	bool missing;

	return read_backend(s, s->backend, out, e, &missing);
}

int source_resolve(struct source *s, struct sample *out)
{
	static const enum backend order[] = {
		BACKEND_KMOD, BACKEND_NETLINK, BACKEND_PROCFS,
	};
	struct tcpstat_err errs[3];
	bool missing[3];

	for (size_t i = 0; i < 3; i++) {
		if (!read_backend(s, order[i], out, &errs[i], &missing[i])) {
			s->backend = order[i];
			/* A module that is loaded but unreadable is worth a word. */
			if (i > 0 && !missing[0])
				err_print("%s; using the %s backend",
					  errs[0].msg, backend_name(order[i]));
			return 0;
		}
		if (s->fatal) {
			err_print("%s", errs[i].msg);
			return -1;
		}
	}
	for (size_t i = 0; i < 3; i++)
		err_print("%s", errs[i].msg);
	err_print("no backend works (tried kmod, netlink, procfs)");
	return -1;
}

const char *source_name(const struct source *s)
{
	switch (s->backend) {
	case BACKEND_KMOD:
		return s->kmod_path;
	case BACKEND_PROCFS:
		return s->procfs_name;
	default:
		return "netlink";
	}
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
