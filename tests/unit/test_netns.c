// SPDX-License-Identifier: GPL-2.0
/*
 * test_netns.c - namespace names from a --run-netns directory, finding
 * namespaces in a (fake) /proc, and entering each one and coming back.
 * The namespace files are symbolic links to /proc/self/ns/net: stat()
 * and open() follow them to the real nsfs inode of our own namespace.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

static char dir[64];
static uint64_t self_ino;

static void path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", dir, rel);
}

static void mk(const char *rel)
{
	char p[256];

	path(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void link_ns(const char *rel)
{
	char p[256];

	path(p, sizeof(p), rel);
	assert_int_equal(symlink("/proc/self/ns/net", p), 0);
}

static void touch(const char *rel)
{
	char p[256];
	int fd;

	path(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static int setup(void **state)
{
	struct stat st;

	(void)state;
	if (unit_tmpdir(dir) || stat("/proc/self/ns/net", &st))
		return -1;
	self_ino = st.st_ino;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return unit_rmtree(dir);
}

static void test_names(void **state)
{
	struct netns_names nn = { .n = 0 };
	struct tcpstat_err e;
	char p[256];

	(void)state;
	mk("run");
	link_ns("run/blue");
	link_ns("run/a-first");
	link_ns("run/\xff-not-utf8");
	link_ns("run/tab\there");
	touch("run/stale");	/* left by `ip netns add` without its mount */
	mk("run/subdir");
	path(p, sizeof(p), "run");
	assert_int_equal(netns_names_load(&nn, p, &e), 0);
	/* every namespace file counts (it is a way in), the others not */
	assert_int_equal(nn.n, 4);
	for (size_t i = 0; i < nn.n; i++)
		assert_int_equal(nn.ent[i].inode, self_ino);
	/* the first printable name in byte order */
	assert_string_equal(netns_names_find(&nn, self_ino), "a-first");
	assert_null(netns_names_find(&nn, self_ino + 1));
	assert_null(netns_names_find(&nn, 0));

	/* only names that cannot be printed: no name */
	mk("run2");
	link_ns("run2/\x01x");
	link_ns("run2/\xc3\x28");
	link_ns("run2/c1-\xc2\x9b");	/* a C1 control character */
	path(p, sizeof(p), "run2");
	assert_int_equal(netns_names_load(&nn, p, &e), 0);
	assert_int_equal(nn.n, 3);
	assert_null(netns_names_find(&nn, self_ino));

	/* an empty directory, nothing loaded before: no names */
	netns_names_free(&nn);
	mk("run3");
	path(p, sizeof(p), "run3");
	assert_int_equal(netns_names_load(&nn, p, &e), 0);
	assert_int_equal(nn.n, 0);

	/* a missing directory: no names; a file: an error */
	path(p, sizeof(p), "no-such-dir");
	assert_int_equal(netns_names_load(&nn, p, &e), 0);
	assert_int_equal(nn.n, 0);
	path(p, sizeof(p), "run/stale");
	assert_int_equal(netns_names_load(&nn, p, &e), -1);
	assert_contains(e.msg, "run/stale: Not a directory");
	netns_names_free(&nn);
}

static void test_enumerate(void **state)
{
	struct netns_names nn = { .n = 0 };
	struct nsrefs refs = { 0 };
	struct tcpstat_err e;
	char proc[256], run[256];

	(void)state;
	mk("proc");
	mk("proc/123");
	mk("proc/123/ns");
	link_ns("proc/123/ns/net");
	mk("proc/77");
	mk("proc/77/ns");
	link_ns("proc/77/ns/net");
	mk("proc/9");		/* a process that went away */
	mk("proc/0");		/* not a pid */
	mk("proc/self");	/* not a pid */
	mk("proc/12a");
	mk("names");
	link_ns("names/green");
	path(proc, sizeof(proc), "proc");
	path(run, sizeof(run), "names");
	assert_int_equal(netns_names_load(&nn, run, &e), 0);
	assert_int_equal(netns_enumerate(proc, &nn, &refs, &e), 0);
	assert_int_equal(refs.n, 3);
	/* by inode; a name first, then the processes by pid */
	assert_int_equal(refs.ref[0].pid, 0);
	assert_int_equal(refs.ref[0].idx, 0);
	assert_int_equal(refs.ref[1].pid, 77);
	assert_int_equal(refs.ref[2].pid, 123);
	for (size_t i = 0; i < refs.n; i++)
		assert_int_equal(refs.ref[i].inode, self_ino);

	path(proc, sizeof(proc), "no-proc");
	assert_int_equal(netns_enumerate(proc, &nn, &refs, &e), -1);
	assert_contains(e.msg, "no-proc: No such file or directory");
	nsrefs_free(&refs);
	netns_names_free(&nn);
}

struct counter {
	int calls;
	int fail;
	struct tcpstat_counts c;
};

static int count_cb(void *ctx, struct netns_row *row, struct tcpstat_err *e)
{
	struct counter *k = ctx;

	k->calls++;
	if (k->fail) {
		tcpstat_err_set(e, "netlink: it broke");
		return -1;
	}
	row->c = k->c;
	row->has_counters = true;
	row->counters.v[TCPC_LISTEN_DROPS] = row->inode;
	return 0;
}

static void test_each(void **state)
{
	struct netns_names nn = { .n = 0 };
	struct nsref r[4] = {
		{ .inode = 5, .pid = 999999 },		/* a process that went away */
		{ .inode = self_ino, .pid = 999999 },	/* gone: the next file */
		{ .inode = self_ino, .pid = (uint32_t)getpid() },
		{ .inode = self_ino + 1, .pid = (uint32_t)getpid() }, /* another namespace now */
	};
	struct nsrefs refs = { .ref = r, .n = 4, .cap = 4 };
	struct netns_list out = { 0 };
	struct counter k = { 0 };
	struct tcpstat_err e;
	struct stat st;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ret;

	(void)state;
	assert_true(self >= 0);
	k.c.n[TCPSTAT_FAM_IPV6][0] = 7;
	ret = netns_each("/proc", &nn, &refs, self, &out, count_cb, &k, &e);
	if (geteuid() != 0) {
		/* setns needs CAP_SYS_ADMIN: said so, nothing counted */
		assert_int_equal(ret, NETNS_ERROR);
		assert_contains(e.msg, "/ns/net: setns: Operation not permitted");
		assert_contains(e.msg, "CAP_SYS_ADMIN");
		assert_int_equal(k.calls, 0);
		close(self);
		skip();
	}
	assert_int_equal(ret, NETNS_OK);
	assert_int_equal(k.calls, 1);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.row[0].inode, self_ino);
	assert_null(out.row[0].name);
	assert_int_equal(out.row[0].c.n[TCPSTAT_FAM_IPV6][0], 7);
	/* what else the callback read there is kept, with the inode it was given */
	assert_true(out.row[0].has_counters);
	assert_int_equal(out.row[0].counters.v[TCPC_LISTEN_DROPS], self_ino);
	/* still in our own namespace */
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(st.st_ino, self_ino);

	/* a namespace without sockets is not listed */
	memset(&k, 0, sizeof(k));
	assert_int_equal(netns_each("/proc", &nn, &refs, self, &out, count_cb, &k, &e), NETNS_OK);
	assert_int_equal(k.calls, 1);
	assert_int_equal(out.n, 0);

	/* a count that fails names the namespace */
	k.fail = 1;
	assert_int_equal(netns_each("/proc", &nn, &refs, self, &out, count_cb, &k, &e), NETNS_ERROR);
	assert_contains(e.msg, "(/proc/");
	assert_contains(e.msg, "/ns/net): netlink: it broke");

	/* no way back: fatal */
	k.fail = 0;
	assert_int_equal(netns_each("/proc", &nn, &refs, -1, &out, count_cb, &k, &e), NETNS_FATAL);
	assert_contains(e.msg, "setns back to the original network namespace");
	close(self);
	free(out.row);
}

static int visit_cb(void *ctx, struct tcpstat_err *e)
{
	struct counter *k = ctx;

	k->calls++;
	if (k->fail) {
		tcpstat_err_set(e, "snmp: it broke");
		return -1;
	}
	return 0;
}

static void test_visit(void **state)
{
	struct netns_names nn = { .n = 0 };
	uint32_t me = (uint32_t)getpid();
	struct nsref r[4] = {
		{ .inode = 5, .pid = 999999 },
		/* a name from an earlier sample's list, which has none now */
		{ .inode = self_ino, .pid = 0, .idx = 3 },
		{ .inode = self_ino, .pid = 999999 },	/* gone */
		{ .inode = self_ino, .pid = me },
	};
	struct nsrefs refs = { .ref = r, .n = 4, .cap = 4 };
	struct counter k = { 0 };
	struct tcpstat_err e;
	struct stat st;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ret;
	char want[64];

	(void)state;
	assert_true(self >= 0);
	/* the processes of a namespace, names passed over */
	assert_int_equal(nsrefs_pid(&refs, self_ino, 0), 999999);
	assert_int_equal(nsrefs_pid(&refs, self_ino, 1), me);
	assert_int_equal(nsrefs_pid(&refs, self_ino, 2), 0);
	assert_int_equal(nsrefs_pid(&refs, 5, 0), 999999);
	assert_int_equal(nsrefs_pid(&refs, 6, 0), 0);

	/* no file of the namespace is left, or none was known: 0, nothing called */
	assert_int_equal(netns_visit("/proc", &nn, &refs, self, 5, visit_cb, &k, &e), 0);
	assert_int_equal(netns_visit("/proc", &nn, &refs, self, 6, visit_cb, &k, &e), 0);
	assert_int_equal(k.calls, 0);

	ret = netns_visit("/proc", &nn, &refs, self, self_ino, visit_cb, &k, &e);
	if (geteuid() != 0) {
		assert_int_equal(ret, NETNS_ERROR);
		assert_contains(e.msg, "CAP_SYS_ADMIN");
		assert_int_equal(k.calls, 0);
		close(self);
		skip();
	}
	assert_int_equal(ret, 1);
	assert_int_equal(k.calls, 1);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(st.st_ino, self_ino);

	/* what fails inside names the namespace and the file that entered it */
	k.fail = 1;
	assert_int_equal(netns_visit("/proc", &nn, &refs, self, self_ino, visit_cb, &k, &e),
			 NETNS_ERROR);
	snprintf(want, sizeof(want), "(/proc/%u/ns/net): snmp: it broke", me);
	assert_contains(e.msg, want);

	/* no way back: fatal */
	k.fail = 0;
	assert_int_equal(netns_visit("/proc", &nn, &refs, -1, self_ino, visit_cb, &k, &e),
			 NETNS_FATAL);
	assert_contains(e.msg, "setns back to the original network namespace");
	close(self);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_enumerate),
		cmocka_unit_test(test_each),
		cmocka_unit_test(test_visit),
	};

	return cmocka_run_group_tests_name("netns", tests, setup, teardown);
}
