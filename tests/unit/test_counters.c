// SPDX-License-Identifier: GPL-2.0
/* test_counters.c - the Tcp: and TcpExt: counters of /proc/net/{snmp,netstat}. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "readfile.h"

#define FIX TCPSTAT_FIXTURES "/proc-counters-"

/* A well-formed snmp with every value distinct, to build bad ones from. */
#define TCP_H "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
#define TCP_V "Tcp: 1 200 120000 -1 11 12 13 14 15 16 17 18 19 20 0\n"
#define UDP "Udp: InDatagrams NoPorts\nUdp: 5 6\n"
#define EXT_H "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPHPHits\n"
#define EXT_V "TcpExt: 1 21 22 4\n"

static void read_ok(const char *ver, struct tcp_counters *c)
{
	char dir[256], *buf = malloc(COUNTERS_FILE_MAX);
	struct tcpstat_err e;

	assert_non_null(buf);
	snprintf(dir, sizeof(dir), FIX "%s/net", ver);
	if (counters_read(dir, buf, COUNTERS_FILE_MAX, c, &e))
		fail_msg("%s: %s", ver, e.msg);
	free(buf);
}

/* The values captured from each kernel (a listener, a connection, three refused). */
static void test_real_kernels(void **state)
{
	static const struct {
		const char *ver;
		uint64_t v[TCPC_NCOUNTERS];
	} want[] = {
		{ "5.10", { 4, 1, 3, 0, 0, 0, 0 } },
		{ "6.1", { 4, 1, 3, 0, 0, 0, 0 } },
		{ "6.12", { 4, 1, 3, 0, 0, 0, 0 } },
		{ "7.2", { 4, 1, 3, 0, 0, 0, 0 } },
		{ "6.18", { 663, 260, 2, 0, 0, 0, 0 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct tcp_counters c;

		memset(&c, 0xff, sizeof(c));
		read_ok(want[i].ver, &c);
		assert_memory_equal(c.v, want[i].v, sizeof(c.v));
		assert_int_equal(c.curr_estab, 0);
	}
}

/*
 * The same files with the k-th value of every line of values replaced by
 * 1000 + k: each counter must come from its named column. The columns
 * move between kernels (7.x has four new TcpExt fields before
 * ListenOverflows).
 */
static char *renumber(const char *path, size_t *outlen)
{
	char *in = malloc(COUNTERS_FILE_MAX), *out = malloc(2 * COUNTERS_FILE_MAX);
	size_t len, o = 0;
	unsigned long ln = 0;

	assert_non_null(in);
	assert_non_null(out);
	assert_int_equal(read_file_all(path, in, COUNTERS_FILE_MAX, &len), 0);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t l = (size_t)(nl - (in + i));

		assert_non_null(nl);
		if (ln++ % 2 == 0) {
			memcpy(out + o, in + i, l + 1);
			o += l + 1;
		} else {
			const char *colon = memchr(in + i, ':', l);
			size_t fields = 0;

			memcpy(out + o, in + i, (size_t)(colon - (in + i)) + 1);
			o += (size_t)(colon - (in + i)) + 1;
			for (const char *s = colon + 1; s < nl; s++)
				fields += *s == ' ';
			for (size_t k = 0; k < fields; k++)
				o += (size_t)sprintf(out + o, " %zu", 1000 + k);
			out[o++] = '\n';
		}
		i += l + 1;
	}
	free(in);
	*outlen = o;
	return out;
}

static void test_columns_by_name(void **state)
{
	static const struct {
		const char *ver;
		uint64_t overflows, drops;
	} k[] = {
		{ "5.10", 1018, 1019 },
		{ "6.1", 1018, 1019 },
		{ "6.12", 1018, 1019 },
		{ "7.2", 1022, 1023 },
		{ "6.18", 1022, 1023 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct tcp_counters c = { 0 };
		struct parse_err pe;
		char path[256];
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), FIX "%s/net/snmp", k[i].ver);
		buf = renumber(path, &len);
		if (counters_parse(COUNTERS_SNMP, buf, len, &c, &pe))
			fail_msg("%s:%lu: %s", path, pe.line, pe.what);
		free(buf);
		snprintf(path, sizeof(path), FIX "%s/net/netstat", k[i].ver);
		buf = renumber(path, &len);
		if (counters_parse(COUNTERS_NETSTAT, buf, len, &c, &pe))
			fail_msg("%s:%lu: %s", path, pe.line, pe.what);
		free(buf);
		assert_int_equal(c.v[TCPC_ACTIVE_OPENS], 1004);
		assert_int_equal(c.v[TCPC_PASSIVE_OPENS], 1005);
		assert_int_equal(c.v[TCPC_ATTEMPT_FAILS], 1006);
		assert_int_equal(c.v[TCPC_ESTAB_RESETS], 1007);
		assert_int_equal(c.curr_estab, 1008);
		assert_int_equal(c.v[TCPC_RETRANS_SEGS], 1011);
		assert_int_equal(c.v[TCPC_LISTEN_OVERFLOWS], k[i].overflows);
		assert_int_equal(c.v[TCPC_LISTEN_DROPS], k[i].drops);
	}
}

static void test_each_file_fills_its_own(void **state)
{
	const char *snmp = "Ip: Forwarding\nIp: 2\n" TCP_H TCP_V UDP;
	const char *netstat = EXT_H EXT_V "IpExt: InNoRoutes\nIpExt: 0\n";
	struct tcp_counters c;
	struct parse_err pe;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.v[TCPC_LISTEN_DROPS] = 77;
	assert_int_equal(counters_parse(COUNTERS_SNMP, snmp, strlen(snmp), &c, &pe), 0);
	assert_int_equal(c.v[TCPC_ACTIVE_OPENS], 11);
	assert_int_equal(c.v[TCPC_PASSIVE_OPENS], 12);
	assert_int_equal(c.v[TCPC_ATTEMPT_FAILS], 13);
	assert_int_equal(c.v[TCPC_ESTAB_RESETS], 14);
	assert_int_equal(c.curr_estab, 15);
	assert_int_equal(c.v[TCPC_RETRANS_SEGS], 18);
	assert_int_equal(c.v[TCPC_LISTEN_OVERFLOWS], 0);
	assert_int_equal(c.v[TCPC_LISTEN_DROPS], 77);
	assert_int_equal(counters_parse(COUNTERS_NETSTAT, netstat, strlen(netstat), &c, &pe), 0);
	assert_int_equal(c.v[TCPC_LISTEN_OVERFLOWS], 21);
	assert_int_equal(c.v[TCPC_LISTEN_DROPS], 22);
	assert_int_equal(c.v[TCPC_ACTIVE_OPENS], 11);
}

static void test_limits(void **state)
{
	const char *max = "TcpExt: ListenOverflows ListenDrops\nTcpExt: 18446744073709551615 0\n";
	struct tcp_counters c = { 0 };
	struct parse_err pe;

	(void)state;
	assert_int_equal(counters_parse(COUNTERS_NETSTAT, max, strlen(max), &c, &pe), 0);
	assert_true(c.v[TCPC_LISTEN_OVERFLOWS] == UINT64_MAX);
}

static void expect_error(enum counters_file f, const char *in, unsigned long line,
			 const char *what)
{
	struct tcp_counters c, before;
	struct parse_err pe;

	memset(&c, 0x5a, sizeof(c));
	before = c;
	memset(&pe, 0, sizeof(pe));
	if (counters_parse(f, in, strlen(in), &c, &pe) == 0)
		fail_msg("parsed, expected line %lu: %s", line, what);
	if (pe.line != line)
		fail_msg("error on line %lu (%s), expected line %lu", pe.line, pe.what, line);
	assert_contains(pe.what, what);
	/* nothing half-filled */
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error(COUNTERS_SNMP, "", 1, "empty file");
	expect_error(COUNTERS_SNMP, TCP_H "Tcp: 1 200", 2, "truncated: last line has no newline");
	expect_error(COUNTERS_SNMP, UDP TCP_H, 3, "header \"Tcp:\" has no line of values after it");
	expect_error(COUNTERS_SNMP, UDP "Udp: 1\n" TCP_H TCP_V, 4,
		     "the values of \"Udp\" are headed \"Tcp\"");
	expect_error(COUNTERS_SNMP, TCP_H UDP, 2, "the values of \"Tcp\" are headed \"Udp\"");
	expect_error(COUNTERS_SNMP, "\n\n", 1, "expected a header line \"Name: field ...\", got \"\"");
	expect_error(COUNTERS_SNMP, "Tcp RtoAlgorithm\nTcp 1\n", 1, "expected a header line");
	expect_error(COUNTERS_SNMP, TCP_H "Tcp:1 200\n", 2, "expected the values of \"Tcp:\"");
	/* field counts */
	expect_error(COUNTERS_SNMP, TCP_H "Tcp: 1 200 120000 -1 11 12 13 14 15 16 17 18 19 20\n", 2,
		     "Tcp: 15 names on line 1 but 14 values");
	expect_error(COUNTERS_SNMP, UDP TCP_H "Tcp: 1 200 120000 -1 11 12 13 14 15 16 17 18 19 20 0 9\n", 4,
		     "Tcp: 15 names on line 3 but 16 values");
	expect_error(COUNTERS_SNMP, "Udp: InDatagrams NoPorts\nUdp: 5\n" TCP_H TCP_V, 2,
		     "Udp: 2 names on line 1 but 1 values");
	/* numbers */
	expect_error(COUNTERS_SNMP, TCP_H "Tcp: 1 200 120000 -1 1x 12 13 14 15 16 17 18 19 20 0\n", 2,
		     "Tcp: \"ActiveOpens\": \"1x\" is not a number");
	expect_error(COUNTERS_SNMP, "Udp: InDatagrams NoPorts\nUdp: 5 -\n" TCP_H TCP_V, 2,
		     "Udp: \"NoPorts\": \"-\" is not a number");
	expect_error(COUNTERS_SNMP, TCP_H "Tcp: 1 200 120000 -1 11 -12 13 14 15 16 17 18 19 20 0\n", 2,
		     "Tcp: PassiveOpens: \"-12\" is negative");
	expect_error(COUNTERS_NETSTAT, "TcpExt: ListenOverflows ListenDrops\nTcpExt: 18446744073709551616 0\n", 2,
		     "TcpExt: ListenOverflows: \"18446744073709551616\" is out of range");
	/* sections and fields */
	expect_error(COUNTERS_SNMP, UDP, 0, "no \"Tcp:\" lines");
	expect_error(COUNTERS_NETSTAT, TCP_H TCP_V, 0, "no \"TcpExt:\" lines");
	expect_error(COUNTERS_SNMP, "Tcp: ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab\n"
		     "Tcp: 1 2 3 4 5\n", 1, "Tcp: no field RetransSegs");
	expect_error(COUNTERS_NETSTAT, "TcpExt: ListenOverflows TCPHPHits\nTcpExt: 1 2\n", 1,
		     "TcpExt: no field ListenDrops");
	expect_error(COUNTERS_SNMP, TCP_H TCP_V UDP TCP_H TCP_V, 5,
		     "a second \"Tcp:\" header (the first is on line 1)");
	expect_error(COUNTERS_NETSTAT, "TcpExt: ListenDrops ListenOverflows ListenDrops\nTcpExt: 1 2 3\n", 1,
		     "TcpExt: field ListenDrops named twice");
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_read_errors(void **state)
{
	char *buf = malloc(COUNTERS_FILE_MAX);
	char tmp[] = "/tmp/tcpstat-counters.XXXXXX", path[256];
	struct tcp_counters c, before;
	struct tcpstat_err e;

	(void)state;
	assert_non_null(buf);
	assert_non_null(mkdtemp(tmp));
	memset(&c, 0x5a, sizeof(c));
	before = c;
	/* no snmp */
	assert_int_equal(counters_read(tmp, buf, COUNTERS_FILE_MAX, &c, &e), -1);
	snprintf(path, sizeof(path), "%s/snmp: %s", tmp, strerror(ENOENT));
	assert_string_equal(e.msg, path);
	/* a good snmp, a bad netstat: named with its line, nothing filled */
	write_file(tmp, "snmp", TCP_H TCP_V);
	write_file(tmp, "netstat", EXT_H "TcpExt: 1 2 3\n");
	assert_int_equal(counters_read(tmp, buf, COUNTERS_FILE_MAX, &c, &e), -1);
	snprintf(path, sizeof(path), "%s/netstat:2: TcpExt: 4 names on line 1 but 3 values", tmp);
	assert_string_equal(e.msg, path);
	assert_memory_equal(&c, &before, sizeof(c));
	/* a file larger than the buffer */
	assert_int_equal(counters_read(tmp, buf, 100, &c, &e), -1);
	snprintf(path, sizeof(path), "%s/snmp: larger than 100 bytes", tmp);
	assert_contains(e.msg, path);
	/* and all of it once it fits */
	/* a FIFO where a file should be: refused, not waited on */
	snprintf(path, sizeof(path), "%s/netstat", tmp);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(counters_read(tmp, buf, COUNTERS_FILE_MAX, &c, &e), -1);
	snprintf(path, sizeof(path), "%s/netstat: not a regular file", tmp);
	assert_contains(e.msg, path);
	snprintf(path, sizeof(path), "%s/netstat", tmp);
	unlink(path);
	write_file(tmp, "netstat", EXT_H EXT_V);
	assert_int_equal(counters_read(tmp, buf, strlen(TCP_H TCP_V), &c, &e), 0);
	assert_int_equal(c.v[TCPC_RETRANS_SEGS], 18);
	assert_int_equal(c.v[TCPC_LISTEN_DROPS], 22);
	snprintf(path, sizeof(path), "%s/netstat", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/snmp", tmp);
	unlink(path);
	rmdir(tmp);
	free(buf);
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < TCPC_NCOUNTERS; i++) {
		const struct tcp_counter_desc *d = &tcp_counter_desc[i];
		char prom[64];

		snprintf(prom, sizeof(prom), "tcpstat_%s_total", d->json);
		assert_string_equal(d->prom, prom);
		assert_true(strlen(d->help) > 10);
		assert_null(strpbrk(d->help, "\\\n"));
		assert_contains(d->help, d->field);
		for (const char *s = d->json; *s; s++)
			assert_true((*s >= 'a' && *s <= 'z') || *s == '_');
	}
	assert_string_equal(tcp_counter_desc[TCPC_LISTEN_OVERFLOWS].prom,
			    "tcpstat_listen_overflows_total");
	assert_string_equal(tcp_counter_desc[TCPC_RETRANS_SEGS].json, "retrans_segs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_kernels),
		cmocka_unit_test(test_columns_by_name),
		cmocka_unit_test(test_each_file_fills_its_own),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
