// SPDX-License-Identifier: GPL-2.0
/*
 * test_backends.c - the registry of backends and the dispatch of source.c
 * through their ops tables: names, the auto order, every table complete,
 * and what source_prepare/source_read/source_resolve do with a probe's
 * answer.
 */
#include "unit.h"

#include <stdlib.h>

#include "source.h"

static void test_registry_order(void **state)
{
	char got[128] = "";

	(void)state;
	for (size_t i = 0; tcpstat_backends[i]; i++) {
		const struct backend_ops *b = tcpstat_backends[i];

		/* every table is complete but for the optional members */
		assert_non_null(b->name);
		assert_non_null(b->probe);
		assert_non_null(b->counts);
		assert_non_null(b->ports);
		assert_ptr_equal(backend_find(b->name), b);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? " " : "", b->name);
	}
	assert_string_equal(got, "kmod bpf netlink procfs");
	assert_string_equal(backend_names(), "auto, kmod, bpf, netlink, procfs");
	/* only the module reads every namespace at once */
	assert_non_null(kmod_backend.all_netns);
	assert_null(bpf_backend.all_netns);
	assert_null(netlink_backend.all_netns);
	assert_null(procfs_backend.all_netns);
}

static void test_parse(void **state)
{
	const struct backend_ops *b = &kmod_backend;

	(void)state;
	assert_int_equal(backend_parse("auto", &b), 0);
	assert_null(b);
	assert_int_equal(backend_parse("procfs", &b), 0);
	assert_ptr_equal(b, &procfs_backend);
	assert_int_equal(backend_parse("kmod", &b), 0);
	assert_ptr_equal(b, &kmod_backend);
	assert_int_equal(backend_parse("bpf", &b), 0);
	assert_ptr_equal(b, &bpf_backend);
	assert_int_equal(backend_parse("", &b), -1);
	assert_int_equal(backend_parse("Kmod", &b), -1);
	assert_int_equal(backend_parse("auto ", &b), -1);
}

static void open_source(struct source *s, const struct backend_ops *b, const char *proc,
			enum source_mode mode)
{
	struct source_opts o = { .backend = b, .mode = mode, .proc = proc };
	struct tcpstat_err e;

	if (source_init(s, &o, &e))
		fail_msg("source_init: %s", e.msg);
}

static void test_auto_picks_kmod(void **state)
{
	struct sample smp = { 0 };
	struct source s;

	(void)state;
	open_source(&s, NULL, TCPSTAT_FIXTURES "/proc-basic", SOURCE_COUNTS);
	assert_int_equal(source_resolve(&s, &smp), 0);
	assert_ptr_equal(s.ops, &kmod_backend);
	assert_string_equal(source_name(&s), TCPSTAT_FIXTURES "/proc-basic/net/tcpstat_data");
	assert_int_equal(smp.c.n[TCPSTAT_FAM_IPV4][0], 6);
	assert_int_equal(smp.c.n[TCPSTAT_FAM_IPV6][0], 4);
	source_free(&s);
	sample_free(&smp);
}

static void test_explicit_procfs_equals_kmod(void **state)
{
	struct sample a = { 0 }, b = { 0 };
	struct tcpstat_err e;
	struct source s;

	(void)state;
	open_source(&s, &kmod_backend, TCPSTAT_FIXTURES "/proc-basic", SOURCE_COUNTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	if (source_read(&s, &a, &e))
		fail_msg("kmod: %s", e.msg);
	source_free(&s);
	open_source(&s, &procfs_backend, TCPSTAT_FIXTURES "/proc-basic", SOURCE_COUNTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	if (source_read(&s, &b, &e))
		fail_msg("procfs: %s", e.msg);
	assert_string_equal(source_name(&s), TCPSTAT_FIXTURES "/proc-basic/net/tcp");
	source_free(&s);
	assert_memory_equal(&a.c, &b.c, sizeof(a.c));
}

/* An absent backend named on the command line: no error before the first
 * sample (a stream waits for it), then every read says why. */
static void test_explicit_absent(void **state)
{
	struct sample smp = { 0 };
	struct tcpstat_err e;
	struct source s;

	(void)state;
	open_source(&s, &kmod_backend, TCPSTAT_FIXTURES "/proc-empty", SOURCE_PORTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	assert_int_equal(source_read(&s, &smp, &e), -1);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-empty/net/tcpstat_ports: No such file or directory (is the tcpstat module loaded? try: modprobe tcpstat)");
	source_free(&s);
	open_source(&s, &kmod_backend, TCPSTAT_FIXTURES "/proc-basic", SOURCE_PORTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	assert_int_equal(source_read(&s, &smp, &e), -1);
	assert_contains(e.msg, "the loaded tcpstat module has no per-port view");
	source_free(&s);
	sample_free(&smp);
}

/* A backend of the test's own, to see what source.c does with each answer. */
static enum backend_avail fake_avail;
static int fake_reads, fake_closed;

static enum backend_avail fake_probe(struct source *s, struct tcpstat_err *why)
{
	snprintf(s->path, sizeof(s->path), "fake");
	s->priv = &fake_reads;
	if (fake_avail != BACKEND_AVAILABLE)
		tcpstat_err_set(why, "fake: not here");
	return fake_avail;
}

static int fake_counts(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	assert_ptr_equal(s->priv, &fake_reads);
	(void)e;
	memset(c, 0, sizeof(*c));
	c->n[TCPSTAT_FAM_IPV6][9] = 7;
	fake_reads++;
	return 0;
}

static int fake_ports(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	return fake_counts(s, &out->c, e);
}

static void fake_close(struct source *s)
{
	assert_ptr_equal(s->priv, &fake_reads);
	fake_closed++;
}

static const struct backend_ops fake_backend = {
	.name = "fake",
	.probe = fake_probe,
	.counts = fake_counts,
	.ports = fake_ports,
	.close = fake_close,
};

static void test_probe_answers(void **state)
{
	struct sample smp = { 0 };
	struct tcpstat_err e;
	struct source s;

	(void)state;
	/* unusable: source_prepare fails with the reason, nothing is read */
	fake_avail = BACKEND_UNUSABLE;
	fake_reads = fake_closed = 0;
	open_source(&s, &fake_backend, "/proc", SOURCE_COUNTS);
	assert_int_equal(source_prepare(&s, &e), -1);
	assert_string_equal(e.msg, "fake: not here");
	source_free(&s);
	assert_int_equal(fake_reads, 0);
	assert_int_equal(fake_closed, 1);

	/* absent: prepared, and read (it may have come meanwhile) */
	fake_avail = BACKEND_ABSENT;
	open_source(&s, &fake_backend, "/proc", SOURCE_COUNTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	assert_int_equal(source_read(&s, &smp, &e), 0);
	assert_int_equal(fake_reads, 1);
	source_free(&s);
	assert_int_equal(fake_closed, 2);

	/* inexact, named: prepared (the reason said once on stderr) and read */
	fake_avail = BACKEND_INEXACT;
	open_source(&s, &fake_backend, "/proc", SOURCE_COUNTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	assert_int_equal(source_read(&s, &smp, &e), 0);
	assert_int_equal(fake_reads, 2);
	source_free(&s);
	assert_int_equal(fake_closed, 3);
	fake_reads = 1;
	fake_closed = 2;

	/* available: the mode picks the operation; one probe for many reads */
	fake_avail = BACKEND_AVAILABLE;
	open_source(&s, &fake_backend, "/proc", SOURCE_PORTS);
	assert_int_equal(source_prepare(&s, &e), 0);
	assert_int_equal(source_read(&s, &smp, &e), 0);
	assert_int_equal(source_read(&s, &smp, &e), 0);
	assert_int_equal(smp.c.n[TCPSTAT_FAM_IPV6][9], 7);
	assert_string_equal(source_name(&s), "fake");
	assert_int_equal(fake_reads, 3);
	source_free(&s);
	assert_int_equal(fake_closed, 3);
	sample_free(&smp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_order),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_auto_picks_kmod),
		cmocka_unit_test(test_explicit_procfs_equals_kmod),
		cmocka_unit_test(test_explicit_absent),
		cmocka_unit_test(test_probe_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
