/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroupid.h - which container, pod or systemd unit a network namespace
 * belongs to, from the cgroup of a process in it (/proc/PID/cgroup), and a
 * cache of the answers keyed by namespace inode.
 *
 * Recognised cgroup path shapes (cgroup v2 "0::PATH" and v1 "N:ctrl:PATH"):
 *
 *   docker      .../docker-<id>.scope                 (systemd driver)
 *               .../docker/<id>                       (cgroupfs driver)
 *   containerd  .../kubepods...-pod<uid>.slice/cri-containerd-<id>.scope
 *               .../kubepods/[<qos>/]pod<uid>/<id>    (kubelet's cgroupfs driver)
 *   cri-o       .../crio-<id>.scope, .../kubepods/.../crio-<id>
 *   podman      .../libpod-<id>.scope, /libpod_parent/.../libpod-<id>
 *   systemd-nspawn  machine.slice/systemd-nspawn@<name>.service,
 *               machine.slice/machine-<name>.scope
 *   systemd     <unit>.service (the innermost), when no container matched
 *
 * <id> is exactly 64 lower-case hex digits; <uid> a Kubernetes pod UID,
 * 8-4-4-4-12 hex digits joined by '-' (cgroupfs) or '_' (systemd slices),
 * or the 32 hex digits of a static pod. Anything else is no match, so a
 * path that merely looks similar is never taken for a container. The
 * innermost container in a path wins (Docker in Docker, Docker in an
 * nspawn machine). A conmon scope (crio-conmon-<id>, libpod-conmon-<id>)
 * is not a container: the monitor runs in the host's namespace.
 */
#ifndef TCPSTAT_CGROUPID_H
#define TCPSTAT_CGROUPID_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum cgid_runtime {
	CGID_RT_NONE,
	CGID_RT_DOCKER,
	CGID_RT_CONTAINERD,
	CGID_RT_CRIO,
	CGID_RT_PODMAN,
	CGID_RT_NSPAWN,
	CGID_RT_SYSTEMD,	/* a systemd service, no container */
};

/* "docker", "containerd", "cri-o", "podman", "systemd-nspawn", "systemd"; "" for none. */
const char *cgid_runtime_name(enum cgid_runtime rt);

#define CGID_ID_MAX 64		/* a container id (64 hex) or a machine name */
#define CGID_UID_MAX 36		/* 8-4-4-4-12 */
#define CGID_UNIT_MAX 255	/* systemd's longest unit name */

/* Each string is "" when not known; all are printable ASCII. */
struct cgroup_id {
	enum cgid_runtime runtime;
	/* 64 hex digits; systemd-nspawn: the machine's name (unescaped) */
	char container_id[CGID_ID_MAX + 1];
	/* Kubernetes pods: the pod UID, dashed (or 32 hex for a static pod) */
	char pod_uid[CGID_UID_MAX + 1];
	/* a systemd service: with a container, the innermost one inside it */
	char unit[CGID_UNIT_MAX + 1];
};

/* The keys cgid_labels() can give: container_id, pod_uid, runtime, unit. */
#define CGID_LABELS 4

/*
 * The known keys of @id (none when @id is NULL), in that order, with
 * their values: the JSON keys and the Prometheus and Influx labels of a
 * namespace's container identity. Returns how many (at most CGID_LABELS).
 */
size_t cgid_labels(const struct cgroup_id *id, const char *key[CGID_LABELS],
		   const char *val[CGID_LABELS]);

static inline bool cgroup_id_empty(const struct cgroup_id *id)
{
	return id->runtime == CGID_RT_NONE && !id->pod_uid[0] && !id->unit[0];
}

/* Identify one cgroup path ("/system.slice/docker-<id>.scope", @len bytes). */
void cgroup_path_identify(const char *path, size_t len, struct cgroup_id *id);

/*
 * Parse the whole text of a /proc/PID/cgroup (@n bytes) and identify it.
 * Of the lines, the v2 line ("0::PATH") and on cgroup v1 the name=systemd,
 * memory and pids hierarchies are looked at, in that order; a container
 * or pod found in any of them wins over a systemd unit found in another
 * (on a hybrid host, Docker's cgroupfs driver places containers in the v1
 * hierarchies only). A path's " (deleted)" suffix (v2, a dying cgroup) is
 * ignored. 0, or -1 with *pe filled (line 0: about the whole file).
 */
int cgroup_file_parse(const char *buf, size_t n, struct cgroup_id *id,
		      struct parse_err *pe);

/* The largest /proc/PID/cgroup read. */
#define CGID_FILE_MAX (64 * 1024)

enum {
	CGID_OK = 0,
	CGID_GONE = 1,		/* the process is gone, or in another netns now */
	CGID_ERROR = -1,	/* *e filled */
};

/*
 * Identify process @pid of @proc ("/proc") if it still is in network
 * namespace @netns_inode: <proc>/<pid>/ns/net is checked through a
 * descriptor of the process's directory before and after its cgroup file
 * is read (lookups through it fail once the process is gone), so a reused
 * pid is never misattributed. @buf (@bufsize bytes) holds the file, read
 * with read_file_all()'s rules (a regular file, bounded in time).
 */
int cgroup_id_of_pid(const char *proc, uint32_t pid, uint64_t netns_inode,
		     char *buf, size_t bufsize, struct cgroup_id *id,
		     struct tcpstat_err *e);

/*
 * The cache: one entry per network namespace inode, resolved once, kept
 * as long as the namespace is in every sample, evicted from the first
 * sample it is missing from. Per sample:
 *
 *   cgid_cache_begin(c);
 *   for each namespace of the sample: cgid_cache_lookup(c, inode, ...);
 *   cgid_cache_end(c);           evicts the namespaces not looked up
 *
 * The entries looked up stay valid (same address) until the next
 * cgid_cache_end() that evicts them, so rows may point at them.
 */

/*
 * The @k-th process (k = 0, 1, ...) in network namespace @inode, 0 when
 * there is none left. Called only for a namespace not in the cache.
 */
typedef uint32_t (*cgid_pid_fn)(void *ctx, uint64_t inode, size_t k);

/* At most this many processes are tried for one new namespace. */
#define CGID_MAX_TRIES 8

struct cgid_entry {
	uint64_t inode;
	uint64_t gen;		/* the sample it was last looked up in */
	struct cgroup_id id;
};

struct cgid_cache {
	char proc[PATH_MAX];
	struct cgid_entry **slot;	/* open addressing, linear probing */
	size_t cap;			/* a power of two, or 0 */
	size_t n;
	uint64_t gen;
	char *buf;			/* CGID_FILE_MAX bytes */
	/* what it cost, for tests and self-metrics */
	uint64_t resolved;		/* namespaces resolved (not from the cache) */
	uint64_t tries;			/* processes tried (cgroup_id_of_pid calls) */
	uint64_t evicted;
};

/* 0, or -1 with *e filled (out of memory, @proc too long). */
int cgid_cache_init(struct cgid_cache *c, const char *proc, struct tcpstat_err *e);
void cgid_cache_free(struct cgid_cache *c);

void cgid_cache_begin(struct cgid_cache *c);

/*
 * The identity of namespace @inode in this sample: from the cache, or for
 * a namespace not seen before, from the first of @pid_of's processes
 * (at most CGID_MAX_TRIES) that is still in it (empty if none is).
 * Returns 0 with *out set; 1 with *out set to an empty identity and *e
 * saying why the new namespace's cgroup could not be read or parsed (it
 * is cached as empty: reported once, not per sample); -1 when out of
 * memory, *e filled and *out NULL.
 */
int cgid_cache_lookup(struct cgid_cache *c, uint64_t inode, cgid_pid_fn pid_of,
		      void *ctx, const struct cgroup_id **out, struct tcpstat_err *e);

/* Evict the namespaces not looked up since cgid_cache_begin(); how many. */
size_t cgid_cache_end(struct cgid_cache *c);

#endif /* TCPSTAT_CGROUPID_H */
