// SPDX-License-Identifier: GPL-2.0
/* cgroupid.c - a namespace's container, pod or unit from a process's cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupid.h"
#include "readfile.h"

const char *cgid_runtime_name(enum cgid_runtime rt)
{
	switch (rt) {
	case CGID_RT_DOCKER:
		return "docker";
	case CGID_RT_CONTAINERD:
		return "containerd";
	case CGID_RT_CRIO:
		return "cri-o";
	case CGID_RT_PODMAN:
		return "podman";
	case CGID_RT_NSPAWN:
		return "systemd-nspawn";
	case CGID_RT_SYSTEMD:
		return "systemd";
	case CGID_RT_NONE:
		break;
	}
	return "";
}

size_t cgid_labels(const struct cgroup_id *id, const char *key[CGID_LABELS],
		   const char *val[CGID_LABELS])
{
	size_t n = 0;

	if (!id)
		return 0;
	if (id->container_id[0]) {
		key[n] = "container_id";
		val[n++] = id->container_id;
	}
	if (id->pod_uid[0]) {
		key[n] = "pod_uid";
		val[n++] = id->pod_uid;
	}
	if (id->runtime != CGID_RT_NONE) {
		key[n] = "runtime";
		val[n++] = cgid_runtime_name(id->runtime);
	}
	if (id->unit[0]) {
		key[n] = "unit";
		val[n++] = id->unit;
	}
	return n;
}

/* ---- one path ---- */

/* A component of a path: [s, s + len). */
struct comp {
	const char *s;
	size_t len;
};

#define MAX_COMPS 64

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool all_lhex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_lhex(s[i]))
			return false;
	}
	return true;
}

static bool comp_is(const struct comp *c, const char *word)
{
	return c->len == strlen(word) && memcmp(c->s, word, c->len) == 0;
}

/* @c is @pre, 64 hex digits, @suf. */
static bool id_between(const struct comp *c, const char *pre, const char *suf,
		       char id[CGID_ID_MAX + 1])
{
	size_t pl = strlen(pre), sl = strlen(suf);

	if (c->len != pl + CGID_ID_MAX + sl || memcmp(c->s, pre, pl) ||
	    memcmp(c->s + pl + CGID_ID_MAX, suf, sl) ||
	    !all_lhex(c->s + pl, CGID_ID_MAX))
		return false;
	memcpy(id, c->s + pl, CGID_ID_MAX);
	id[CGID_ID_MAX] = '\0';
	return true;
}

/*
 * A pod UID of @len bytes at @s, with @sep between its groups (8-4-4-4-12
 * hex digits), or the 32 hex digits of a static pod's. Copied dashed.
 */
static bool pod_uid(const char *s, size_t len, char sep, char uid[CGID_UID_MAX + 1])
{
	if (len == 32 && all_lhex(s, len)) {
		memcpy(uid, s, len);
		uid[len] = '\0';
		return true;
	}
	if (len != CGID_UID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !is_lhex(s[i]))
			return false;
		uid[i] = dash ? '-' : s[i];
	}
	uid[len] = '\0';
	return true;
}

static bool has_ancestor(const struct comp *cs, size_t i, const char *word)
{
	while (i--) {
		if (comp_is(&cs[i], word))
			return true;
	}
	return false;
}

/* "pod<uid>" below "kubepods": a pod's cgroup with kubelet's cgroupfs driver. */
static bool cgroupfs_pod(const struct comp *cs, size_t i, char uid[CGID_UID_MAX + 1])
{
	const struct comp *c = &cs[i];

	return c->len > 3 && memcmp(c->s, "pod", 3) == 0 &&
	       pod_uid(c->s + 3, c->len - 3, '-', uid) && has_ancestor(cs, i, "kubepods");
}

/*
 * "...kubepods...-pod<uid>.slice", the uid's dashes as '_': a pod's cgroup
 * with the systemd driver ("kubepods-burstable-pod<uid>.slice",
 * "kubepods-pod<uid>.slice" for a guaranteed pod, kind's
 * "kubelet-kubepods-besteffort-pod<uid>.slice").
 */
static bool slice_pod(const struct comp *c, char uid[CGID_UID_MAX + 1])
{
	static const char slice[] = ".slice";
	const size_t sl = sizeof(slice) - 1;
	size_t body, at;

	if (c->len <= sl || memcmp(c->s + c->len - sl, slice, sl))
		return false;
	body = c->len - sl;
	/* the uid follows the last "-pod" */
	for (at = body; at >= 4; at--) {
		if (memcmp(c->s + at - 4, "-pod", 4) == 0)
			break;
	}
	if (at < 4 || !pod_uid(c->s + at, body - at, '_', uid))
		return false;
	/* one of the dash-separated words before it is "kubepods" */
	for (size_t w = 0, end; w < at - 4; w = end + 1) {
		for (end = w; end < at - 4 && c->s[end] != '-'; end++)
			;
		if (end - w == 8 && memcmp(c->s + w, "kubepods", 8) == 0)
			return true;
	}
	return false;
}

/* systemd's unit name escaping (\xNN) undone into a machine name. */
static bool machine_name(const char *s, size_t len, char out[CGID_ID_MAX + 1])
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\\') {
			static const char digits[] = "0123456789abcdef";
			const char *hi, *lo;

			if (i + 3 >= len || s[i + 1] != 'x')
				return false;
			hi = memchr(digits, s[i + 2], 16);
			lo = memchr(digits, s[i + 3], 16);
			if (!hi || !lo)
				return false;
			ch = (char)((hi - digits) << 4 | (lo - digits));
			i += 3;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return false;
		if (o == CGID_ID_MAX)
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	return o > 0;
}

/* libvirt registers its guests with machined too: "qemu-N-name", "lxc-N-name". */
static bool libvirt_machine(const char *name)
{
	static const char *const drivers[] = { "qemu-", "lxc-" };

	for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++) {
		size_t l = strlen(drivers[d]), n = 0;

		if (strncmp(name, drivers[d], l))
			continue;
		while (name[l + n] >= '0' && name[l + n] <= '9')
			n++;
		if (n && name[l + n] == '-')
			return true;
	}
	return false;
}

static bool unit_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == ':' || ch == '-' || ch == '_' ||
	       ch == '.' || ch == '\\' || ch == '@';
}

/* "<name>.service", in systemd's alphabet. */
static bool service_comp(const struct comp *c)
{
	static const char svc[] = ".service";
	const size_t sl = sizeof(svc) - 1;

	if (c->len <= sl || c->len > CGID_UNIT_MAX ||
	    memcmp(c->s + c->len - sl, svc, sl))
		return false;
	for (size_t i = 0; i < c->len; i++) {
		if (!unit_char(c->s[i]))
			return false;
	}
	return true;
}

/* Is component @i a container? Its runtime and id. */
static enum cgid_runtime container_comp(const struct comp *cs, size_t i,
					char id[CGID_ID_MAX + 1])
{
	const struct comp *c = &cs[i];
	char uid[CGID_UID_MAX + 1];

	if (id_between(c, "docker-", ".scope", id))
		return CGID_RT_DOCKER;
	if (id_between(c, "cri-containerd-", ".scope", id))
		return CGID_RT_CONTAINERD;
	if (id_between(c, "crio-", ".scope", id) || id_between(c, "crio-", "", id))
		return CGID_RT_CRIO;
	if (id_between(c, "libpod-", ".scope", id) ||
	    (id_between(c, "libpod-", "", id) && has_ancestor(cs, i, "libpod_parent")))
		return CGID_RT_PODMAN;
	if (i > 0 && id_between(c, "", "", id)) {
		if (comp_is(&cs[i - 1], "docker"))
			return CGID_RT_DOCKER;
		if (cgroupfs_pod(cs, i - 1, uid))
			return CGID_RT_CONTAINERD;
		return CGID_RT_NONE;
	}
	if (c->len > 15 + 8 && memcmp(c->s, "systemd-nspawn@", 15) == 0 &&
	    service_comp(c) && machine_name(c->s + 15, c->len - 15 - 8, id))
		return CGID_RT_NSPAWN;
	if (i > 0 && comp_is(&cs[i - 1], "machine.slice") && c->len > 8 + 6 &&
	    memcmp(c->s, "machine-", 8) == 0 &&
	    memcmp(c->s + c->len - 6, ".scope", 6) == 0 &&
	    machine_name(c->s + 8, c->len - 8 - 6, id) && !libvirt_machine(id))
		return CGID_RT_NSPAWN;
	return CGID_RT_NONE;
}

void cgroup_path_identify(const char *path, size_t len, struct cgroup_id *id)
{
	struct comp cs[MAX_COMPS];
	size_t n = 0, inner = 0;
	const char *p = path, *end = path + len;

	memset(id, 0, sizeof(*id));
	while (p < end) {
		const char *s = p;

		while (p < end && *p != '/')
			p++;
		if (p > s) {
			if (n == MAX_COMPS)
				return; /* deeper than any runtime nests: no guess */
			cs[n++] = (struct comp){ s, (size_t)(p - s) };
		}
		if (p < end)
			p++;
	}
	/* the innermost container */
	for (size_t i = n; i-- > 0;) {
		char cid[CGID_ID_MAX + 1];
		enum cgid_runtime rt = container_comp(cs, i, cid);

		if (rt != CGID_RT_NONE) {
			id->runtime = rt;
			memcpy(id->container_id, cid, sizeof(cid));
			inner = i + 1;
			break;
		}
	}
	/* its pod (or the pod of a process outside any container) */
	for (size_t i = id->runtime ? inner - 1 : n; i-- > 0;) {
		char uid[CGID_UID_MAX + 1];

		if (cgroupfs_pod(cs, i, uid) || slice_pod(&cs[i], uid)) {
			memcpy(id->pod_uid, uid, sizeof(uid));
			break;
		}
	}
	/* the innermost service, inside the container if there is one */
	for (size_t i = n; i-- > inner;) {
		if (service_comp(&cs[i])) {
			memcpy(id->unit, cs[i].s, cs[i].len);
			id->unit[cs[i].len] = '\0';
			if (id->runtime == CGID_RT_NONE)
				id->runtime = CGID_RT_SYSTEMD;
			break;
		}
	}
}

/* ---- a /proc/PID/cgroup file ---- */

enum { RANK_V2, RANK_SYSTEMD, RANK_MEMORY, RANK_PIDS, NRANKS };

/* Does the comma-separated list @ctl of @len bytes hold @name? */
static bool has_controller(const char *ctl, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t w = 0, e; w <= len; w = e + 1) {
		for (e = w; e < len && ctl[e] != ','; e++)
			;
		if (e - w == nl && memcmp(ctl + w, name, nl) == 0)
			return true;
	}
	return false;
}

/* How much an identity says: a container or pod 2, a unit 1, nothing 0. */
static int weight(const struct cgroup_id *id)
{
	if ((id->runtime != CGID_RT_NONE && id->runtime != CGID_RT_SYSTEMD) ||
	    id->pod_uid[0])
		return 2;
	return id->unit[0] ? 1 : 0;
}

int cgroup_file_parse(const char *buf, size_t n, struct cgroup_id *id,
		      struct parse_err *pe)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	struct comp path[NRANKS] = { { NULL, 0 } };
	const char *p = buf, *end = buf + n;
	unsigned long ln = 0;
	char q[QUOTE_BUF];
	int best = -1;

	if (n == 0)
		return parse_err_set(pe, 1, "empty file");
	while (p < end) {
		const char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
		const char *c1, *c2, *ctl;
		size_t len, clen, plen, hlen;
		const char *hier;
		int rank = -1;

		ln++;
		if (!nl)
			return parse_err_set(pe, ln, "truncated: last line has no newline");
		len = (size_t)(nl - line);
		p = nl + 1;
		c1 = memchr(line, ':', len);
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
		if (!c2)
			return parse_err_set(pe, ln, "expected \"ID:CONTROLLERS:PATH\", got %s",
					     quote_token(q, sizeof(q), line, len));
		hier = line;
		hlen = (size_t)(c1 - line);
		ctl = c1 + 1;
		clen = (size_t)(c2 - ctl);
		plen = (size_t)(line + len - c2 - 1);
		if (!hlen || hlen > 10)
			goto bad_id;
		for (size_t i = 0; i < hlen; i++) {
			if (hier[i] < '0' || hier[i] > '9')
				goto bad_id;
		}
		if (!plen || c2[1] != '/')
			return parse_err_set(pe, ln, "the path %s is not absolute",
					     quote_token(q, sizeof(q), c2 + 1, plen));
		if (plen > dl && memcmp(c2 + 1 + plen - dl, deleted, dl) == 0)
			plen -= dl;
		if (hlen == 1 && hier[0] == '0' && clen == 0)
			rank = RANK_V2;
		else if (has_controller(ctl, clen, "name=systemd"))
			rank = RANK_SYSTEMD;
		else if (has_controller(ctl, clen, "memory"))
			rank = RANK_MEMORY;
		else if (has_controller(ctl, clen, "pids"))
			rank = RANK_PIDS;
		if (rank >= 0 && path[rank].s)
			return parse_err_set(pe, ln, "a second line for the %s hierarchy",
					     rank == RANK_V2 ? "v2" : rank == RANK_SYSTEMD ?
					     "name=systemd" : rank == RANK_MEMORY ?
					     "memory" : "pids");
		if (rank >= 0)
			path[rank] = (struct comp){ c2 + 1, plen };
		continue;
bad_id:
		return parse_err_set(pe, ln, "bad hierarchy ID %s",
				     quote_token(q, sizeof(q), hier, hlen));
	}
	memset(id, 0, sizeof(*id));
	for (int r = 0; r < NRANKS; r++) {
		struct cgroup_id cand;

		if (!path[r].s)
			continue;
		cgroup_path_identify(path[r].s, path[r].len, &cand);
		if (weight(&cand) > best && weight(&cand) > 0) {
			*id = cand;
			best = weight(&cand);
		}
	}
	return 0;
}

/* Is process directory @dfd still in namespace @inode? 1 yes, 0 gone or elsewhere, -1 error. */
static int still_in(int dfd, uint64_t inode, const char *dir, struct tcpstat_err *e)
{
	struct stat st;

	if (fstatat(dfd, "ns/net", &st, 0)) {
		if (errno == ENOENT || errno == ESRCH)
			return 0;
		tcpstat_err_set(e, "%s/ns/net: %s", dir, strerror(errno));
		return -1;
	}
	return st.st_ino == inode;
}

int cgroup_id_of_pid(const char *proc, uint32_t pid, uint64_t netns_inode,
		     char *buf, size_t bufsize, struct cgroup_id *id,
		     struct tcpstat_err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct parse_err pe;
	int dfd, in, ret = 0;
	size_t len = 0;

	if (snprintf(dir, sizeof(dir), "%s/%" PRIu32, proc, pid) >= (int)sizeof(dir)) {
		tcpstat_err_set(e, "%s: %s", proc, strerror(ENAMETOOLONG));
		return CGID_ERROR;
	}
	snprintf(path, sizeof(path), "%s/cgroup", dir);
	/*
	 * The directory stands for this process: once it is gone (and its
	 * pid maybe another's), lookups through it fail. So the file read by
	 * its path between two checks through it is this process's.
	 */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return CGID_GONE;
		tcpstat_err_set(e, "%s: %s", dir, strerror(errno));
		return CGID_ERROR;
	}
	in = still_in(dfd, netns_inode, dir, e);
	if (in == 1) {
		ret = read_file_all(path, buf, bufsize, &len);
		in = still_in(dfd, netns_inode, dir, e);
	}
	close(dfd);
	if (in <= 0)
		return in < 0 ? CGID_ERROR : CGID_GONE;
	if (ret == ENOENT || ret == ESRCH)
		return CGID_GONE;
	if (ret == EFBIG) {
		tcpstat_err_set(e, "%s: larger than %zu bytes", path, bufsize);
		return CGID_ERROR;
	}
	if (ret) {
		tcpstat_err_set(e, "%s: %s", path, readfile_strerror(ret));
		return CGID_ERROR;
	}
	if (cgroup_file_parse(buf, len, id, &pe)) {
		if (pe.line)
			tcpstat_err_set(e, "%s:%lu: %s", path, pe.line, pe.what);
		else
			tcpstat_err_set(e, "%s: %s", path, pe.what);
		return CGID_ERROR;
	}
	return CGID_OK;
}

/* ---- the cache ---- */

static size_t home(const struct cgid_cache *c, uint64_t inode)
{
	return (size_t)((inode * 0x9E3779B97F4A7C15ULL) >> 32) & (c->cap - 1);
}

int cgid_cache_init(struct cgid_cache *c, const char *proc, struct tcpstat_err *e)
{
	memset(c, 0, sizeof(*c));
	if (strlen(proc) >= sizeof(c->proc)) {
		tcpstat_err_set(e, "%s: %s", proc, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(c->proc, proc);
	c->buf = malloc(CGID_FILE_MAX);
	if (!c->buf) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

void cgid_cache_free(struct cgid_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slot[i]);
	free(c->slot);
	free(c->buf);
	c->slot = NULL;
	c->buf = NULL;
	c->cap = c->n = 0;
}

void cgid_cache_begin(struct cgid_cache *c)
{
	c->gen++;
}

static struct cgid_entry **find_slot(struct cgid_cache *c, uint64_t inode)
{
	size_t i = home(c, inode);

	while (c->slot[i] && c->slot[i]->inode != inode)
		i = (i + 1) & (c->cap - 1);
	return &c->slot[i];
}

/* Keep the table at most half full. 0, or -1 when out of memory. */
static int reserve(struct cgid_cache *c)
{
	struct cgid_entry **old = c->slot;
	size_t oldcap = c->cap, cap = c->cap ? c->cap : 16;

	while (c->n + 1 > cap / 2)
		cap *= 2;
	if (cap == oldcap)
		return 0;
	c->slot = calloc(cap, sizeof(*c->slot));
	if (!c->slot) {
		c->slot = old;
		return -1;
	}
	c->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i])
			*find_slot(c, old[i]->inode) = old[i];
	}
	free(old);
	return 0;
}

int cgid_cache_lookup(struct cgid_cache *c, uint64_t inode, cgid_pid_fn pid_of,
		      void *ctx, const struct cgroup_id **out, struct tcpstat_err *e)
{
	struct cgid_entry *ent, **slot;
	int ret = 0;

	*out = NULL;
	if (c->cap) {
		slot = find_slot(c, inode);
		if (*slot) {
			(*slot)->gen = c->gen;
			*out = &(*slot)->id;
			return 0;
		}
	}
	if (reserve(c))
		goto nomem;
	ent = calloc(1, sizeof(*ent));
	if (!ent)
		goto nomem;
	ent->inode = inode;
	ent->gen = c->gen;
	c->resolved++;
	for (size_t k = 0; k < CGID_MAX_TRIES; k++) {
		uint32_t pid = pid_of(ctx, inode, k);
		int r;

		if (!pid)
			break;
		c->tries++;
		r = cgroup_id_of_pid(c->proc, pid, inode, c->buf, CGID_FILE_MAX,
				     &ent->id, e);
		if (r == CGID_GONE)
			continue;
		if (r == CGID_ERROR) {
			memset(&ent->id, 0, sizeof(ent->id));
			ret = 1;
		}
		break;
	}
	*find_slot(c, inode) = ent;
	c->n++;
	*out = &ent->id;
	return ret;
nomem:
	tcpstat_err_set(e, "%s", strerror(ENOMEM));
	return -1;
}

/* Remove slot @i, moving the entries after it back (linear probing). */
static void remove_slot(struct cgid_cache *c, size_t i)
{
	size_t mask = c->cap - 1, j = i;

	free(c->slot[i]);
	c->slot[i] = NULL;
	c->n--;
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!c->slot[j])
			return;
		k = home(c, c->slot[j]->inode);
		/* stays if its home is cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->slot[i] = c->slot[j];
		c->slot[j] = NULL;
		i = j;
	}
}

size_t cgid_cache_end(struct cgid_cache *c)
{
	size_t gone = 0;

	/*
	 * An entry moved back into a slot already passed (across the wrap)
	 * was looked at there already; one moved into slot i is looked at
	 * again by the while.
	 */
	for (size_t i = 0; i < c->cap; i++) {
		while (c->slot[i] && c->slot[i]->gen != c->gen) {
			remove_slot(c, i);
			gone++;
		}
	}
	c->evicted += gone;
	return gone;
}
