// SPDX-License-Identifier: GPL-2.0
/* netns.c - namespace names, finding namespaces, counting inside each. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "args.h"
#include "netns.h"
#include "sample.h"

static int name_cmp(const void *a, const void *b)
{
	const struct netns_name *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void names_clear(struct netns_names *nn)
{
	for (size_t i = 0; i < nn->n; i++)
		free(nn->ent[i].name);
	nn->n = 0;
}

void netns_names_free(struct netns_names *nn)
{
	names_clear(nn);
	free(nn->ent);
	nn->ent = NULL;
	nn->cap = 0;
}

int netns_names_load(struct netns_names *nn, const char *dir, struct tcpstat_err *e)
{
	struct dirent *de;
	DIR *d;

	names_clear(nn);
	if (strlen(dir) >= sizeof(nn->dir)) {
		tcpstat_err_set(e, "%s: %s", dir, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(nn->dir, dir);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0; /* no namespace has a name */
		tcpstat_err_set(e, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		char path[PATH_MAX];
		struct statfs fs;
		struct stat st;
		void *p = nn->ent;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		/* a namespace file, not one `ip netns` left behind unmounted */
		if (statfs(path, &fs) || fs.f_type != NSFS_MAGIC || stat(path, &st))
			continue;
		if (array_grow(&p, &nn->cap, nn->n, sizeof(*nn->ent)))
			goto nomem;
		nn->ent = p;
		nn->ent[nn->n].name = strdup(de->d_name);
		if (!nn->ent[nn->n].name)
			goto nomem;
		nn->ent[nn->n].inode = st.st_ino;
		nn->ent[nn->n].label = text_printable(de->d_name);
		nn->n++;
	}
	if (errno) {
		tcpstat_err_set(e, "%s: readdir: %s", dir, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	if (nn->n) /* qsort() takes no NULL, even for none */
		qsort(nn->ent, nn->n, sizeof(*nn->ent), name_cmp);
	return 0;
nomem:
	closedir(d);
	tcpstat_err_set(e, "%s", strerror(ENOMEM));
	return -1;
}

const char *netns_names_find(const struct netns_names *nn, uint64_t inode)
{
	size_t lo = 0, hi = nn->n;

	while (lo < hi) { /* the first entry with this inode */
		size_t mid = lo + (hi - lo) / 2;

		if (nn->ent[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nn->n && nn->ent[lo].inode == inode; lo++) {
		if (nn->ent[lo].label)
			return nn->ent[lo].name;
	}
	return NULL;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct nsref *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	/* a name first (it outlives processes), then the lowest pid */
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int ref_add(struct nsrefs *refs, uint64_t inode, uint32_t pid, uint32_t idx)
{
	void *p = refs->ref;

	if (array_grow(&p, &refs->cap, refs->n, sizeof(*refs->ref)))
		return -1;
	refs->ref = p;
	refs->ref[refs->n++] = (struct nsref){ .inode = inode, .pid = pid, .idx = idx };
	return 0;
}

void nsrefs_free(struct nsrefs *refs)
{
	free(refs->ref);
	refs->ref = NULL;
	refs->n = refs->cap = 0;
}

static bool pid_name(const char *s, uint32_t *pid)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*pid = (uint32_t)v;
	return v != 0;
}

int netns_enumerate(const char *proc, const struct netns_names *nn,
		    struct nsrefs *refs, struct tcpstat_err *e)
{
	struct dirent *de;
	DIR *d;

	refs->n = 0;
	d = opendir(proc);
	if (!d) {
		tcpstat_err_set(e, "%s: %s", proc, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		uint32_t pid;

		if (!pid_name(de->d_name, &pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/net", proc, de->d_name);
		/* gone meanwhile, or not ours to look at: left out */
		if (stat(path, &st))
			continue;
		if (ref_add(refs, st.st_ino, pid, 0))
			goto nomem;
	}
	if (errno) {
		tcpstat_err_set(e, "%s: readdir: %s", proc, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	for (size_t i = 0; i < nn->n; i++) {
		if (ref_add(refs, nn->ent[i].inode, 0, (uint32_t)i))
			goto nomem_open;
	}
	if (refs->n)
		qsort(refs->ref, refs->n, sizeof(*refs->ref), ref_cmp);
	return 0;
nomem:
	closedir(d);
nomem_open:
	tcpstat_err_set(e, "%s", strerror(ENOMEM));
	return -1;
}

/* The file of @r; false if the path is too long. */
static bool ref_path(char *buf, size_t len, const char *proc,
		     const struct netns_names *nn, const struct nsref *r)
{
	int n;

	if (r->pid)
		n = snprintf(buf, len, "%s/%" PRIu32 "/ns/net", proc, r->pid);
	else if (r->idx < nn->n) /* refs kept from an earlier sample's names */
		n = snprintf(buf, len, "%s/%s", nn->dir, nn->ent[r->idx].name);
	else
		return false;
	return n >= 0 && (size_t)n < len;
}

static bool counts_empty(const struct tcpstat_counts *c)
{
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		for (int s = 0; s < TCPSTAT_NSTATES; s++) {
			if (c->n[f][s])
				return false;
		}
	}
	return true;
}

/*
 * Enter namespace refs[i..j) (one inode) through the first file that
 * still is it. 1 entered (*path says how), 0 none is left, -1 error.
 */
static int enter_one(const char *proc, const struct netns_names *nn,
		     const struct nsref *r, size_t nrefs, char *path, size_t plen,
		     struct tcpstat_err *e)
{
	for (size_t k = 0; k < nrefs; k++) {
		struct stat st;
		int fd, err;

		if (!ref_path(path, plen, proc, nn, &r[k]))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone */
		if (fstat(fd, &st) || st.st_ino != r[k].inode) {
			close(fd); /* the pid or name is another namespace's now */
			continue;
		}
		if (setns(fd, CLONE_NEWNET) == 0) {
			close(fd);
			return 1;
		}
		err = errno;
		close(fd);
		if (err == EINVAL)
			continue; /* not a network namespace after all */
		if (err == EPERM)
			tcpstat_err_set(e, "%s: setns: %s (--all-netns with the bpf, netlink and procfs backends enters every network namespace, which needs CAP_SYS_ADMIN: run as root)",
					path, strerror(err));
		else
			tcpstat_err_set(e, "%s: setns: %s", path, strerror(err));
		return -1;
	}
	return 0;
}

int netns_each(const char *proc, const struct netns_names *nn,
	       const struct nsrefs *refs, int self_fd, struct netns_list *out,
	       netns_count_fn fn, void *ctx, struct tcpstat_err *e)
{
	out->n = 0;
	for (size_t i = 0, j; i < refs->n; i = j) {
		char path[PATH_MAX];
		struct netns_row tmp = { .inode = refs->ref[i].inode };
		struct tcpstat_err inner;
		struct netns_row *row;
		int ret;

		for (j = i + 1; j < refs->n && refs->ref[j].inode == refs->ref[i].inode; j++)
			;
		ret = enter_one(proc, nn, &refs->ref[i], j - i, path, sizeof(path), e);
		if (ret < 0)
			return NETNS_ERROR;
		if (ret == 0)
			continue; /* went away meanwhile */
		ret = fn(ctx, &tmp, &inner);
		if (setns(self_fd, CLONE_NEWNET)) {
			tcpstat_err_set(e, "setns back to the original network namespace (after %s): %s",
					path, strerror(errno));
			return NETNS_FATAL;
		}
		if (ret) {
			tcpstat_err_set(e, "netns %" PRIu64 " (%s): %s", refs->ref[i].inode,
					path, inner.msg);
			return NETNS_ERROR;
		}
		if (counts_empty(&tmp.c))
			continue; /* as the module: only namespaces with sockets */
		row = netns_list_add(out);
		if (!row) {
			tcpstat_err_set(e, "%s", strerror(ENOMEM));
			return NETNS_ERROR;
		}
		*row = tmp;
	}
	return NETNS_OK;
}

/* The first of @refs' entries for @inode, or refs->n. */
static size_t refs_first(const struct nsrefs *refs, uint64_t inode)
{
	size_t lo = 0, hi = refs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (refs->ref[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int netns_visit(const char *proc, const struct netns_names *nn,
		const struct nsrefs *refs, int self_fd, uint64_t inode,
		netns_visit_fn fn, void *ctx, struct tcpstat_err *e)
{
	size_t i = refs_first(refs, inode), j;
	struct tcpstat_err inner;
	char path[PATH_MAX];
	int ret;

	for (j = i; j < refs->n && refs->ref[j].inode == inode; j++)
		;
	if (i == j)
		return 0;
	ret = enter_one(proc, nn, &refs->ref[i], j - i, path, sizeof(path), e);
	if (ret <= 0)
		return ret < 0 ? NETNS_ERROR : 0;
	ret = fn(ctx, &inner);
	if (setns(self_fd, CLONE_NEWNET)) {
		tcpstat_err_set(e, "setns back to the original network namespace (after %s): %s",
				path, strerror(errno));
		return NETNS_FATAL;
	}
	if (ret) {
		tcpstat_err_set(e, "netns %" PRIu64 " (%s): %s", inode, path, inner.msg);
		return NETNS_ERROR;
	}
	return 1;
}

uint32_t nsrefs_pid(const struct nsrefs *refs, uint64_t inode, size_t k)
{
	for (size_t i = refs_first(refs, inode); i < refs->n && refs->ref[i].inode == inode; i++) {
		if (refs->ref[i].pid && k-- == 0)
			return refs->ref[i].pid;
	}
	return 0;
}
