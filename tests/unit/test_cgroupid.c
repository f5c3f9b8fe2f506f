// SPDX-License-Identifier: GPL-2.0
/* test_cgroupid.c - containers, pods and units from cgroup paths; the cache. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupid.h"

/* container ids and pod uids in the shapes the runtimes make them */
#define ID "3f1c9e2b7a4d5c6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a"
#define ID2 "aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233"
#define UID "0b7632a2-a56e-4278-987a-22de18008dbe"
#define UID_ "0b7632a2_a56e_4278_987a_22de18008dbe"
#define STATIC_UID "e8b2c9b3a5d8d0c6f0e1d2c3b4a59687"

struct want {
	const char *path;
	const char *runtime;
	const char *container_id;
	const char *pod_uid;
	const char *unit;
};

static void check_id(const char *what, const struct cgroup_id *id, const struct want *w)
{
	if (strcmp(cgid_runtime_name(id->runtime), w->runtime) ||
	    strcmp(id->container_id, w->container_id) ||
	    strcmp(id->pod_uid, w->pod_uid) || strcmp(id->unit, w->unit))
		fail_msg("%s:\n  got runtime \"%s\" id \"%s\" pod \"%s\" unit \"%s\"\n"
			 "  want runtime \"%s\" id \"%s\" pod \"%s\" unit \"%s\"",
			 what, cgid_runtime_name(id->runtime), id->container_id,
			 id->pod_uid, id->unit, w->runtime, w->container_id,
			 w->pod_uid, w->unit);
}

static void check_paths(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cgroup_id id;

		memset(&id, 0x5a, sizeof(id));
		cgroup_path_identify(w[i].path, strlen(w[i].path), &id);
		check_id(w[i].path, &id, &w[i]);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_docker(void **state)
{
	static const struct want w[] = {
		/* systemd cgroup driver (the default on cgroup v2) */
		{ "/system.slice/docker-" ID ".scope", "docker", ID, "", "" },
		/* cgroupfs driver */
		{ "/docker/" ID, "docker", ID, "", "" },
		/* rootless, under the user's manager */
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID ".scope",
		  "docker", ID, "", "" },
		/* Docker in Docker: the inner container */
		{ "/system.slice/docker-" ID ".scope/docker/" ID2, "docker", ID2, "", "" },
		{ "/docker/" ID "/docker/" ID2, "docker", ID2, "", "" },
		/* systemd inside a container: the container, and its service */
		{ "/system.slice/docker-" ID ".scope/system.slice/nginx.service",
		  "docker", ID, "", "nginx.service" },
		/* the daemon itself is a service */
		{ "/system.slice/docker.service", "systemd", "", "", "docker.service" },
	};

	(void)state;
	check_paths(w, N(w));
}

static void test_kubernetes(void **state)
{
	static const struct want w[] = {
		/* containerd, systemd driver: burstable, best-effort, guaranteed */
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		  ".slice/cri-containerd-" ID ".scope", "containerd", ID, UID, "" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		  ".slice/cri-containerd-" ID ".scope", "containerd", ID, UID, "" },
		{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope",
		  "containerd", ID, UID, "" },
		/* a static (mirror) pod's uid is 32 hex digits */
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
		  ".slice/cri-containerd-" ID ".scope", "containerd", ID, STATIC_UID, "" },
		/* kind: kubelet inside a node container */
		{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
		  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope",
		  "containerd", ID, UID, "" },
		/* kubelet's cgroupfs driver */
		{ "/kubepods/burstable/pod" UID "/" ID, "containerd", ID, UID, "" },
		{ "/kubepods/besteffort/pod" UID "/" ID, "containerd", ID, UID, "" },
		{ "/kubepods/pod" UID "/" ID, "containerd", ID, UID, "" },
		/* cri-dockerd with the systemd driver */
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		  ".slice/docker-" ID ".scope", "docker", ID, UID, "" },
		/* CRI-O, systemd driver, and crun's "container" sub-cgroup */
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		  ".slice/crio-" ID ".scope", "cri-o", ID, UID, "" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		  ".slice/crio-" ID ".scope/container", "cri-o", ID, UID, "" },
		/* CRI-O, cgroupfs driver */
		{ "/kubepods/besteffort/pod" UID "/crio-" ID, "cri-o", ID, UID, "" },
		/* conmon watches from the host's namespace: no container */
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		  ".slice/crio-conmon-" ID ".scope", "", "", UID, "" },
		{ "/system.slice/crio-conmon-" ID ".scope", "", "", "", "" },
		/* a plain CRI-O container outside Kubernetes */
		{ "/machine.slice/crio-" ID ".scope", "cri-o", ID, "", "" },
	};

	(void)state;
	check_paths(w, N(w));
}

static void test_podman_nspawn(void **state)
{
	static const struct want w[] = {
		/* rootful, systemd driver (crun adds "container") */
		{ "/machine.slice/libpod-" ID ".scope", "podman", ID, "", "" },
		{ "/machine.slice/libpod-" ID ".scope/container", "podman", ID, "", "" },
		/* rootless */
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
		  ".scope/container", "podman", ID, "", "" },
		/* in a pod: a slice under machine.slice, not a machine */
		{ "/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID ".scope/container",
		  "podman", ID, "", "" },
		/* cgroupfs driver */
		{ "/libpod_parent/libpod-" ID, "podman", ID, "", "" },
		{ "/libpod_parent/" ID2 "/libpod-" ID, "podman", ID, "", "" },
		/* conmon */
		{ "/machine.slice/libpod-conmon-" ID ".scope", "", "", "", "" },
		/* systemd-nspawn: machinectl start (the template service) ... */
		{ "/machine.slice/systemd-nspawn@web.service/payload", "systemd-nspawn", "web", "", "" },
		{ "/machine.slice/systemd-nspawn@web.service/payload/system.slice/nginx.service",
		  "systemd-nspawn", "web", "", "nginx.service" },
		{ "/machine.slice/systemd-nspawn@my\\x2dbox.service", "systemd-nspawn", "my-box", "", "" },
		/* ... and systemd-nspawn -M NAME (a scope registered by machined) */
		{ "/machine.slice/machine-my\\x2dbox.scope/payload/init.scope",
		  "systemd-nspawn", "my-box", "", "" },
		{ "/machine.slice/machine-deb12.scope", "systemd-nspawn", "deb12", "", "" },
		/* Docker inside a machine: the innermost container */
		{ "/machine.slice/machine-deb12.scope/payload/system.slice/docker-" ID ".scope",
		  "docker", ID, "", "" },
		/* libvirt registers its guests too: not nspawn */
		{ "/machine.slice/machine-qemu\\x2d1\\x2ddebian.scope/libvirt/emulator", "", "", "", "" },
		{ "/machine.slice/machine-lxc\\x2d4242\\x2dweb.scope", "", "", "", "" },
	};

	(void)state;
	check_paths(w, N(w));
}

static void test_systemd_units(void **state)
{
	static const struct want w[] = {
		{ "/system.slice/nginx.service", "systemd", "", "", "nginx.service" },
		{ "/system.slice/system-getty.slice/getty@tty1.service", "systemd", "", "",
		  "getty@tty1.service" },
		/* the innermost service */
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo.service",
		  "systemd", "", "", "app-foo.service" },
		{ "/system.slice/nginx.service/worker", "systemd", "", "", "nginx.service" },
		{ "/system.slice/systemd-nspawn\\x2dlike.service", "systemd", "", "",
		  "systemd-nspawn\\x2dlike.service" },
		/* not services */
		{ "/init.scope", "", "", "", "" },
		{ "/", "", "", "", "" },
		{ "", "", "", "", "" },
		{ "/user.slice/user-1000.slice/session-3.scope", "", "", "", "" },
		{ "/system.slice/foo bar.service", "", "", "", "" },
		{ "/system.slice/.service", "", "", "", "" },
		{ "/process_api/83768c293057b15ad817d045312980b9", "", "", "", "" },
		/* seen from inside a cgroup namespace */
		{ "/../../system.slice/nginx.service", "systemd", "", "", "nginx.service" },
	};

	(void)state;
	check_paths(w, N(w));
}

/* Shapes that only look like a runtime's: no guess. */
static void test_strict_shapes(void **state)
{
	static const struct want w[] = {
		/* 63 and 65 digits, upper case, not hex */
		{ "/system.slice/docker-" "3f1c9e2b7a4d5c6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5"
		  ".scope", "", "", "", "" },
		{ "/system.slice/docker-" ID "a.scope", "", "", "", "" },
		{ "/docker/3F1C9E2B7A4D5C6E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9A0B1C2D3E4F5A",
		  "", "", "", "" },
		{ "/docker/3g1c9e2b7a4d5c6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a",
		  "", "", "", "" },
		/* the right id in the wrong place */
		{ "/system.slice/docker-" ID ".service", "systemd", "", "", "docker-" ID ".service" },
		{ "/notdocker/" ID, "", "", "", "" },
		{ "/" ID, "", "", "", "" },
		{ "/docker/" ID "/extra", "docker", ID, "", "" },
		{ "/libpod-" ID, "", "", "", "" },
		{ "/system.slice/machine-deb12.scope", "", "", "", "" },
		{ "/machine.slice/machine-.scope", "", "", "", "" },
		{ "/machine.slice/machine-a/b.scope", "", "", "", "" },
		{ "/machine.slice/machine-bad\\x2.scope", "", "", "", "" },
		{ "/machine.slice/machine-sp\\x20ace.scope", "", "", "", "" },
		/* a name that unescapes to a control character: a plain service (fuzz_cgroup) */
		{ "/machine.slice/systemd-nspawn@my\\x1dbox.service", "systemd", "", "",
		  "systemd-nspawn@my\\x1dbox.service" },
		/* pods: no kubepods above, dashes in a slice, a short uid */
		{ "/pods/burstable/pod" UID "/" ID, "", "", "", "" },
		{ "/kubepods/burstable/pod" UID_ "/" ID, "", "", "", "" },
		{ "/kubepods/burstable/pod0b7632a2-a56e-4278-987a-22de18008db/" ID, "", "", "", "" },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID
		  ".slice/cri-containerd-" ID ".scope", "containerd", ID, "", "" },
		{ "/foo.slice/foo-pod" UID_ ".slice/cri-containerd-" ID ".scope",
		  "containerd", ID, "", "" },
		{ "/kubepods.slice/kubepodsx-pod" UID_ ".slice/cri-containerd-" ID ".scope",
		  "containerd", ID, "", "" },
		/* a pod outside the container does not count from inside it */
		{ "/kubepods/burstable/pod" UID, "", "", UID, "" },
	};

	(void)state;
	check_paths(w, N(w));
}

static void test_deep_path(void **state)
{
	char path[1024] = "";
	struct cgroup_id id;

	(void)state;
	for (int i = 0; i < 64; i++)
		strcat(path, "/a");
	strcat(path, "/docker-" ID ".scope");
	cgroup_path_identify(path, strlen(path), &id);
	assert_true(cgroup_id_empty(&id));
	/* 64 components are still looked at */
	cgroup_path_identify(path + 2, strlen(path + 2), &id);
	assert_string_equal(id.container_id, ID);
}

static void parse_ok(const char *file, const struct want *w)
{
	struct cgroup_id id;
	struct parse_err pe;

	memset(&id, 0x5a, sizeof(id));
	if (cgroup_file_parse(file, strlen(file), &id, &pe))
		fail_msg("line %lu: %s", pe.line, pe.what);
	check_id(file, &id, w);
}

static void test_files_v2(void **state)
{
	static const struct want docker = { NULL, "docker", ID, "", "" };
	static const struct want pod = { NULL, "containerd", ID, UID, "" };
	static const struct want none = { NULL, "", "", "", "" };

	(void)state;
	parse_ok("0::/system.slice/docker-" ID ".scope\n", &docker);
	parse_ok("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		 ".slice/cri-containerd-" ID ".scope\n", &pod);
	/* a dying cgroup */
	parse_ok("0::/system.slice/docker-" ID ".scope (deleted)\n", &docker);
	parse_ok("0::/\n", &none);
	parse_ok("0::/init.scope\n", &none);
}

static void test_files_v1(void **state)
{
	static const struct want docker = { NULL, "docker", ID, "", "" };
	static const struct want kube = { NULL, "docker", ID, UID, "" };
	static const struct want svc = { NULL, "systemd", "", "", "cron.service" };
	static const struct want none = { NULL, "", "", "", "" };

	(void)state;
	/* Docker, cgroupfs driver, on a hybrid host: the v2 line names the shim's service */
	parse_ok("12:cpuset:/docker/" ID "\n11:hugetlb:/docker/" ID "\n10:pids:/docker/" ID
		 "\n9:devices:/docker/" ID "\n8:memory:/docker/" ID "\n7:net_cls,net_prio:/docker/"
		 ID "\n6:cpu,cpuacct:/docker/" ID "\n5:freezer:/docker/" ID "\n4:blkio:/docker/" ID
		 "\n3:perf_event:/docker/" ID "\n2:rdma:/\n1:name=systemd:/docker/" ID
		 "\n0::/system.slice/containerd.service\n", &docker);
	/* Docker, systemd driver, legacy hierarchy only */
	parse_ok("11:memory:/system.slice/docker-" ID ".scope\n"
		 "10:cpu,cpuacct:/system.slice/docker-" ID ".scope\n"
		 "1:name=systemd:/system.slice/docker-" ID ".scope\n", &docker);
	/* dockershim-era Kubernetes on v1 (CentOS 7) */
	parse_ok("11:memory:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		 ".slice/docker-" ID ".scope\n"
		 "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		 ".slice/docker-" ID ".scope\n", &kube);
	/* only the memory hierarchy tells (no name=systemd line) */
	parse_ok("4:memory:/docker/" ID "\n3:cpuset:/\n", &docker);
	parse_ok("4:pids:/docker/" ID "\n3:cpuset:/\n", &docker);
	/* a controller not looked at */
	parse_ok("4:cpuset:/docker/" ID "\n", &none);
	/* a service on name=systemd, nothing in memory */
	parse_ok("4:memory:/\n1:name=systemd:/system.slice/cron.service\n0::/\n", &svc);
	/* this host's own file (hybrid, a memory cgroup of its own) */
	parse_ok("9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
		 "4:memory:/process_api/83768c293057b15ad817d045312980b9\n3:cpuset:/\n"
		 "2:cpuacct:/\n1:cpu:/\n0::/\n", &none);
}

static void expect_error(const char *in, unsigned long line, const char *what)
{
	struct cgroup_id id;
	struct parse_err pe;

	memset(&pe, 0, sizeof(pe));
	if (cgroup_file_parse(in, strlen(in), &id, &pe) == 0)
		fail_msg("parsed \"%s\", expected line %lu: %s", in, line, what);
	if (pe.line != line)
		fail_msg("error on line %lu (%s), expected line %lu", pe.line, pe.what, line);
	assert_contains(pe.what, what);
}

static void test_files_malformed(void **state)
{
	(void)state;
	expect_error("", 1, "empty file");
	expect_error("0::/", 1, "truncated: last line has no newline");
	expect_error("4:memory:/\n0::/", 2, "truncated");
	expect_error("0:/\n", 1, "expected \"ID:CONTROLLERS:PATH\", got \"0:/\"");
	expect_error("\n", 1, "expected \"ID:CONTROLLERS:PATH\"");
	expect_error("x::/\n", 1, "bad hierarchy ID \"x\"");
	expect_error("::/\n", 1, "bad hierarchy ID \"\"");
	expect_error("12345678901::/\n", 1, "bad hierarchy ID");
	expect_error("0::system.slice\n", 1, "the path \"system.slice\" is not absolute");
	expect_error("0::\n", 1, "the path \"\" is not absolute");
	expect_error("0::/\n0::/a\n", 2, "a second line for the v2 hierarchy");
	expect_error("4:memory:/\n5:memory:/a\n", 2, "a second line for the memory hierarchy");
}

/* ---- cgroup_id_of_pid and the cache, on a fake /proc ---- */

struct fakeproc {
	char dir[64];
};

/* <dir>/<pid>/ns/net (a plain file: its inode stands for the namespace) and cgroup. */
static uint64_t add_proc(struct fakeproc *fp, uint32_t pid, const char *cgroup)
{
	char path[256];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", fp->dir, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%u/ns", fp->dir, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%u/ns/net", fp->dir, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	if (cgroup) {
		snprintf(path, sizeof(path), "%s/%u/cgroup", fp->dir, pid);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(cgroup, f);
		fclose(f);
	}
	return st.st_ino;
}

static void fakeproc_free(struct fakeproc *fp)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fp->dir);
	assert_int_equal(system(cmd), 0);
}

static void fakeproc_init(struct fakeproc *fp)
{
	strcpy(fp->dir, "/tmp/tcpstat-cgroupid.XXXXXX");
	assert_non_null(mkdtemp(fp->dir));
}

static void test_of_pid(void **state)
{
	struct fakeproc fp;
	char *buf = malloc(CGID_FILE_MAX), want[512];
	struct cgroup_id id;
	struct tcpstat_err e;
	uint64_t ns;

	(void)state;
	assert_non_null(buf);
	fakeproc_init(&fp);
	ns = add_proc(&fp, 10, "0::/system.slice/docker-" ID ".scope\n");
	assert_int_equal(cgroup_id_of_pid(fp.dir, 10, ns, buf, CGID_FILE_MAX, &id, &e), CGID_OK);
	assert_string_equal(id.container_id, ID);
	/* the pid is in another namespace now (reused) */
	assert_int_equal(cgroup_id_of_pid(fp.dir, 10, ns + 1, buf, CGID_FILE_MAX, &id, &e),
			 CGID_GONE);
	/* gone, or gone between ns/net and cgroup */
	assert_int_equal(cgroup_id_of_pid(fp.dir, 11, ns, buf, CGID_FILE_MAX, &id, &e), CGID_GONE);
	ns = add_proc(&fp, 12, NULL);
	assert_int_equal(cgroup_id_of_pid(fp.dir, 12, ns, buf, CGID_FILE_MAX, &id, &e), CGID_GONE);
	/* a malformed file: named, with its line */
	ns = add_proc(&fp, 13, "0::/\n1:name=systemd\n");
	assert_int_equal(cgroup_id_of_pid(fp.dir, 13, ns, buf, CGID_FILE_MAX, &id, &e), CGID_ERROR);
	snprintf(want, sizeof(want), "%s/13/cgroup:2: expected \"ID:CONTROLLERS:PATH\", got \"1:name=systemd\"",
		 fp.dir);
	assert_string_equal(e.msg, want);
	/* a FIFO for a cgroup file: refused, not waited on */
	ns = add_proc(&fp, 15, NULL);
	snprintf(want, sizeof(want), "%s/15/cgroup", fp.dir);
	assert_int_equal(mkfifo(want, 0600), 0);
	assert_int_equal(cgroup_id_of_pid(fp.dir, 15, ns, buf, CGID_FILE_MAX, &id, &e), CGID_ERROR);
	assert_contains(e.msg, "/15/cgroup: not a regular file");
	/* too large for the buffer */
	ns = add_proc(&fp, 14, "0::/system.slice/docker-" ID ".scope\n");
	assert_int_equal(cgroup_id_of_pid(fp.dir, 14, ns, buf, 16, &id, &e), CGID_ERROR);
	snprintf(want, sizeof(want), "%s/14/cgroup: larger than 16 bytes", fp.dir);
	assert_string_equal(e.msg, want);
	fakeproc_free(&fp);
	free(buf);
}

/* pid_of for the tests: a list of (inode, pid) pairs; counts its calls. */
struct pidmap {
	struct {
		uint64_t inode;
		uint32_t pid;
	} p[32];
	size_t n;
	unsigned calls;
	uint32_t endless;	/* this pid, for every k (never runs out) */
};

static uint32_t pid_of(void *ctx, uint64_t inode, size_t k)
{
	struct pidmap *m = ctx;

	m->calls++;
	if (m->endless)
		return m->endless;
	for (size_t i = 0; i < m->n; i++) {
		if (m->p[i].inode == inode && k-- == 0)
			return m->p[i].pid;
	}
	return 0;
}

static void map(struct pidmap *m, uint64_t inode, uint32_t pid)
{
	assert_true(m->n < 32);
	m->p[m->n].inode = inode;
	m->p[m->n].pid = pid;
	m->n++;
}

static const struct cgroup_id *lookup_ok(struct cgid_cache *c, uint64_t ns, struct pidmap *m)
{
	const struct cgroup_id *id;
	struct tcpstat_err e;

	if (cgid_cache_lookup(c, ns, pid_of, m, &id, &e))
		fail_msg("lookup %lu: %s", (unsigned long)ns, e.msg);
	assert_non_null(id);
	return id;
}

static void test_cache(void **state)
{
	const struct cgroup_id *a, *b, *c3, *x, *d;
	struct pidmap m = { .n = 0 };
	struct fakeproc fp;
	struct cgid_cache c;
	struct tcpstat_err e;
	uint64_t nsa, nsb, nsc, nsd, nsbad;
	int ret;

	(void)state;
	fakeproc_init(&fp);
	nsa = add_proc(&fp, 10, "0::/system.slice/docker-" ID ".scope\n");
	nsb = add_proc(&fp, 20, "0::/system.slice/nginx.service\n");
	/* C: the first pid is gone, the second is another namespace's now */
	nsc = add_proc(&fp, 31, "0::/kubepods/burstable/pod" UID "/" ID2 "\n");
	add_proc(&fp, 32, "0::/system.slice/docker-" ID2 ".scope\n");
	nsd = 1234567; /* named only: no process in it */
	nsbad = add_proc(&fp, 40, "0::/\nbad\n");
	map(&m, nsa, 10);
	map(&m, nsb, 20);
	map(&m, nsc, 30);
	map(&m, nsc, 32);
	map(&m, nsc, 31);
	map(&m, nsbad, 40);

	assert_int_equal(cgid_cache_init(&c, fp.dir, &e), 0);
	/* sample 1: everything new */
	cgid_cache_begin(&c);
	a = lookup_ok(&c, nsa, &m);
	b = lookup_ok(&c, nsb, &m);
	c3 = lookup_ok(&c, nsc, &m);
	d = lookup_ok(&c, nsd, &m);
	ret = cgid_cache_lookup(&c, nsbad, pid_of, &m, &x, &e);
	assert_int_equal(ret, 1);
	assert_contains(e.msg, "/40/cgroup:2: expected \"ID:CONTROLLERS:PATH\", got \"bad\"");
	assert_true(cgroup_id_empty(x));
	assert_int_equal(cgid_cache_end(&c), 0);
	assert_string_equal(cgid_runtime_name(a->runtime), "docker");
	assert_string_equal(a->container_id, ID);
	assert_string_equal(b->unit, "nginx.service");
	assert_string_equal(cgid_runtime_name(c3->runtime), "containerd");
	assert_string_equal(c3->container_id, ID2);
	assert_string_equal(c3->pod_uid, UID);
	assert_true(cgroup_id_empty(d));
	assert_int_equal(c.resolved, 5);
	/* a 1, b 1, c 3 (30 gone, 32 elsewhere, 31), d 1 (no pid), bad 1 */
	assert_int_equal(m.calls, 1 + 1 + 3 + 1 + 1);
	assert_int_equal(c.tries, 1 + 1 + 3 + 0 + 1);

	/* sample 2: the same namespaces cost no process lookup, same entries */
	m.calls = 0;
	cgid_cache_begin(&c);
	assert_ptr_equal(lookup_ok(&c, nsc, &m), c3);
	assert_ptr_equal(lookup_ok(&c, nsa, &m), a);
	assert_ptr_equal(lookup_ok(&c, nsb, &m), b);
	assert_ptr_equal(lookup_ok(&c, nsd, &m), d);
	/* the bad one is reported once, then empty */
	assert_ptr_equal(lookup_ok(&c, nsbad, &m), x);
	assert_int_equal(cgid_cache_end(&c), 0);
	assert_int_equal(m.calls, 0);

	/* sample 3: b and the bad one went away; the others stay put */
	cgid_cache_begin(&c);
	assert_ptr_equal(lookup_ok(&c, nsa, &m), a);
	assert_ptr_equal(lookup_ok(&c, nsc, &m), c3);
	assert_ptr_equal(lookup_ok(&c, nsd, &m), d);
	assert_int_equal(cgid_cache_end(&c), 2);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.evicted, 2);
	assert_int_equal(m.calls, 0);

	/* sample 4: b's inode again: resolved again */
	cgid_cache_begin(&c);
	b = lookup_ok(&c, nsb, &m);
	assert_string_equal(b->unit, "nginx.service");
	assert_int_equal(m.calls, 1);
	assert_int_equal(cgid_cache_end(&c), 3);
	assert_int_equal(c.n, 1);

	/* at most CGID_MAX_TRIES processes for one namespace */
	m.calls = 0;
	m.endless = 99; /* never there */
	cgid_cache_begin(&c);
	x = lookup_ok(&c, 777, &m);
	assert_true(cgroup_id_empty(x));
	assert_int_equal(m.calls, CGID_MAX_TRIES);
	cgid_cache_end(&c);

	cgid_cache_free(&c);
	fakeproc_free(&fp);
}

/*
 * Many namespaces coming and going: the table (open addressing, entries
 * moved back on removal) must find exactly the live ones, never resolve a
 * cached one again, and keep every surviving entry where it was.
 */
static uint32_t no_pid(void *ctx, uint64_t inode, size_t k)
{
	unsigned *calls = ctx;

	(void)inode;
	(void)k;
	(*calls)++;
	return 0;
}

/*
 * Inodes at random, so that some share a home slot and clusters wrap
 * around the table's end (nsfs's sequential ones hash too evenly to make
 * clusters); the low 12 bits (i < 4096) keep those alive at one time
 * distinct.
 */
static uint64_t next_inode(unsigned *seed, size_t i)
{
	*seed = *seed * 1103515245 + 12345;
	return ((uint64_t)*seed << 32 | (*seed * 2654435761u)) << 12 | i;
}

static void churn(size_t NS, int ROUNDS, unsigned seed)
{
	const struct cgroup_id **ptr = calloc(NS, sizeof(*ptr));
	bool *live = calloc(NS, sizeof(*live));
	uint64_t *inode = calloc(NS, sizeof(*inode));
	struct cgid_cache c;
	struct tcpstat_err e;

	assert_non_null(ptr);
	assert_non_null(live);
	assert_non_null(inode);
	assert_int_equal(cgid_cache_init(&c, "/nonexistent", &e), 0);
	for (int r = 0; r < ROUNDS; r++) {
		size_t want_n = 0, gone = 0;

		cgid_cache_begin(&c);
		for (size_t i = 0; i < NS; i++) {
			bool keep;
			unsigned calls = 0;
			const struct cgroup_id *id;

			seed = seed * 1103515245 + 12345;
			keep = (seed >> 16) % 4 != 0;
			if (!keep) {
				gone += live[i];
				live[i] = false;
				continue;
			}
			if (!live[i]) /* a new namespace, a new inode */
				inode[i] = next_inode(&seed, i);
			assert_int_equal(cgid_cache_lookup(&c, inode[i], no_pid, &calls, &id, &e), 0);
			if (live[i]) {
				assert_int_equal(calls, 0);
				assert_ptr_equal(id, ptr[i]);
			} else {
				assert_int_equal(calls, 1);
			}
			live[i] = true;
			ptr[i] = id;
			want_n++;
		}
		assert_int_equal(cgid_cache_end(&c), gone);
		assert_int_equal(c.n, want_n);
	}
	cgid_cache_free(&c);
	free(ptr);
	free(live);
	free(inode);
}

static void test_cache_churn(void **state)
{
	(void)state;
	/* a large table, and small ones where clusters wrap around its end often */
	churn(3000, 40, 1);
	churn(20, 3000, 2);
	churn(7, 3000, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_podman_nspawn),
		cmocka_unit_test(test_systemd_units),
		cmocka_unit_test(test_strict_shapes),
		cmocka_unit_test(test_deep_path),
		cmocka_unit_test(test_files_v2),
		cmocka_unit_test(test_files_v1),
		cmocka_unit_test(test_files_malformed),
		cmocka_unit_test(test_of_pid),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
