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

int source_init(struct source *s, enum backend b, const char *proc,
		struct tcpstat_err *e)
{
	memset(s, 0, sizeof(*s));
	s->backend = b;
	if (strlen(proc) >= sizeof(s->proc)) {
		tcpstat_err_set(e, "%s: %s", proc, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(s->proc, proc);
	snprintf(s->kmod_path, sizeof(s->kmod_path), "%s/net/%s", s->proc,
		 TCPSTAT_DATA_FILE);
	snprintf(s->procfs_name, sizeof(s->procfs_name), "%s/net/tcp", s->proc);
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
}

static int read_backend(struct source *s, enum backend b,
			struct tcpstat_counts *c, struct tcpstat_err *e,
			bool *missing)
{
	*missing = false;
	switch (b) {
	case BACKEND_KMOD:
		return kmod_read(s->kmod_path, s->buf, KMOD_READ_SIZE, c, e, missing);
	case BACKEND_NETLINK:
		return netlink_read(s->buf, NETLINK_RECV_SIZE, c, e);
	case BACKEND_PROCFS:
		return procfs_read(s->proc, s->buf, PROCFS_READ_SIZE, c, e);
	default:
		tcpstat_err_set(e, "internal error: backend not resolved");
		return -1;
	}
}

int source_read(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	bool missing;

	return read_backend(s, s->backend, c, e, &missing);
}

int source_resolve(struct source *s, struct tcpstat_counts *c)
{
	static const enum backend order[] = {
		BACKEND_KMOD, BACKEND_NETLINK, BACKEND_PROCFS,
	};
	struct tcpstat_err errs[3];
	bool missing[3];

	for (size_t i = 0; i < 3; i++) {
		if (!read_backend(s, order[i], c, &errs[i], &missing[i])) {
			s->backend = order[i];
			/* A module that is loaded but unreadable is worth a word. */
			if (i > 0 && !missing[0])
				fprintf(stderr, "tcpstat: %s; using the %s backend\n",
					errs[0].msg, backend_name(order[i]));
			return 0;
		}
	}
	for (size_t i = 0; i < 3; i++)
		fprintf(stderr, "tcpstat: %s\n", errs[i].msg);
	fprintf(stderr, "tcpstat: no backend works (tried kmod, netlink, procfs)\n");
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
