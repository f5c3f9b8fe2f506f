// SPDX-License-Identifier: GPL-2.0
/* test_procfs.c - counting the st column of /proc/net/tcp{,6}. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "src_procfs.h"

#define HDR4 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
#define HDR6 "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define ROW(n, st) "   " #n ": 0100007F:9E5D 00000000:0000 " st " 00000000:00000000 00:00000000 00000000     0        0 46545 1 00000000d2a6073b 100 0 0 10 0                     \n"
#define ROW6(n, st) "   " #n ": 00000000000000000000000001000000:8837 00000000000000000000000000000000:0000 " st " 00000000:00000000 00:00000000 00000000     0        0 46546 1 000000000b017ed5 100 0 0 10 0\n"

static int parse_all_ways(const char *in, uint64_t out[TCPSTAT_NSTATES],
			  struct parse_err *err)
{
	size_t len = strlen(in);
	int ret = procfs_parse(in, len, out, err);
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 149, 150, 151, 4096 };

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		size_t chunk = chunks[i];
		struct procfs_parser p;
		uint64_t n[TCPSTAT_NSTATES];
		int r = 0;

		procfs_parser_init(&p);
		for (size_t off = 0; off < len && !r; off += chunk)
			r = procfs_parser_feed(&p, in + off,
					       len - off < chunk ? len - off : chunk);
		if (!r)
			r = procfs_parser_finish(&p, n);
		assert_int_equal(r, ret);
		if (ret) {
			assert_int_equal(p.err.line, err->line);
			assert_string_equal(p.err.what, err->what);
		} else {
			assert_memory_equal(n, out, sizeof(n));
		}
	}
	return ret;
}

static void expect_error(const char *in, unsigned long line, const char *what)
{
	uint64_t n[TCPSTAT_NSTATES];
	struct parse_err err;

	memset(&err, 0, sizeof(err));
	if (parse_all_ways(in, n, &err) == 0)
		fail_msg("parsed, expected line %lu: %s", line, what);
	if (err.line != line)
		fail_msg("error on line %lu (%s), expected line %lu", err.line,
			 err.what, line);
	assert_contains(err.what, what);
}

static void test_every_state(void **state)
{
	const char *in = HDR4 ROW(0, "0A") ROW(1, "01") ROW(2, "02") ROW(3, "03")
		ROW(4, "04") ROW(5, "05") ROW(6, "06") ROW(7, "07") ROW(8, "08")
		ROW(9, "09") ROW(10, "0A") ROW(11, "0B") ROW(12, "01") ROW(13, "0a")
		ROW(14, "0b");
	uint64_t n[TCPSTAT_NSTATES];
	static const uint64_t want[TCPSTAT_NSTATES] = { 2, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2 };
	struct parse_err err;

	(void)state;
	assert_int_equal(parse_all_ways(in, n, &err), 0);
	assert_memory_equal(n, want, sizeof(want));
}

static void test_other_states_ignored(void **state)
{
	const char *in = HDR4 ROW(0, "00") ROW(1, "0C") ROW(2, "0D") ROW(3, "FF")
		ROW(4, "10") ROW(5, "01");
	uint64_t n[TCPSTAT_NSTATES];
	struct parse_err err;

	(void)state;
	assert_int_equal(parse_all_ways(in, n, &err), 0);
	assert_int_equal(n[0], 1);
	for (int s = 1; s < TCPSTAT_NSTATES; s++)
		assert_int_equal(n[s], 0);
}

static void test_tcp6_and_header_only(void **state)
{
	uint64_t n[TCPSTAT_NSTATES];
	struct parse_err err;

	(void)state;
	assert_int_equal(parse_all_ways(HDR6 ROW6(0, "0A") ROW6(1, "06"), n, &err), 0);
	assert_int_equal(n[9], 1);
	assert_int_equal(n[5], 1);
	assert_int_equal(parse_all_ways(HDR4, n, &err), 0);
	for (int s = 0; s < TCPSTAT_NSTATES; s++)
		assert_int_equal(n[s], 0);
}

static void test_bad_header(void **state)
{
	(void)state;
	expect_error("", 1, "empty file");
	expect_error(ROW(0, "0A"), 1, "not a /proc/net/tcp header");
	expect_error("  sl  local_address rem_address   state tx_queue\n", 1,
		     "not a /proc/net/tcp header");
	expect_error("  sl  local_address\n", 1, "not a /proc/net/tcp header");
	expect_error("\n" ROW(0, "0A"), 1, "not a /proc/net/tcp header");
}

static void test_bad_rows(void **state)
{
	(void)state;
	expect_error(HDR4 ROW(0, "0A") "\n", 3, "empty line");
	expect_error(HDR4 ROW(0, "0A") "      \n", 3, "empty line");
	expect_error(HDR4 "   0 0100007F:9E5D 00000000:0000 0A 00000000:00000000\n", 2,
		     "bad slot field \"0\", expected \"N:\"");
	expect_error(HDR4 "   x: 0100007F:9E5D 00000000:0000 0A 00000000:00000000\n", 2,
		     "bad slot field \"x:\"");
	expect_error(HDR4 "   : 0100007F:9E5D 00000000:0000 0A 00000000:00000000\n", 2,
		     "bad slot field \":\"");
	expect_error(HDR4 ROW(0, "0A") "   1: 0100007F:9E5D 00000000:0000\n", 3,
		     "row has no st field");
	expect_error(HDR4 ROW(0, "A"), 2, "bad st field \"A\", expected 2 hex digits");
	expect_error(HDR4 ROW(0, "00A"), 2, "bad st field \"00A\"");
	expect_error(HDR4 ROW(0, "0G"), 2, "bad st field \"0G\"");
	expect_error(HDR4 ROW(0, "-1"), 2, "bad st field \"-1\"");
	expect_error(HDR4 ROW(0, "01") ROW(1, "01") ROW(2, "x1"), 4, "bad st field \"x1\"");
}

static void test_truncated(void **state)
{
	(void)state;
	expect_error(HDR4 ROW(0, "0A") "   1: 0100007F:9E5D 00000000:0000 0A", 3,
		     "truncated: last line has no newline");
	expect_error("  sl  local_address rem_address   st", 1,
		     "truncated: last line has no newline");
}

static void test_long_line(void **state)
{
	char *in = malloc(2048);
	size_t hl = strlen(HDR4);

	(void)state;
	assert_non_null(in);
	/* a row of exactly PROCFS_LINE_MAX bytes is fine */
	strcpy(in, HDR4 "   0: 0100007F:9E5D 00000000:0000 0A ");
	memset(in + strlen(in), 'z', hl + PROCFS_LINE_MAX - strlen(in));
	strcpy(in + hl + PROCFS_LINE_MAX, "\n");
	{
		uint64_t n[TCPSTAT_NSTATES];
		struct parse_err err;

		assert_int_equal(parse_all_ways(in, n, &err), 0);
		assert_int_equal(n[9], 1);
	}
	strcpy(in + hl + PROCFS_LINE_MAX, "z\n");
	expect_error(in, 2, "line longer than 512 bytes");
	free(in);
}

/* --ports: the local port, and a listener's accept queue in rx_queue */
static int parse_ports(const char *in, size_t chunk, struct port_table *t,
		       uint64_t n[TCPSTAT_NSTATES], struct parse_err *err)
{
	static struct procfs_parser p;
	size_t len = strlen(in);
	int r = 0;

	procfs_parser_init_ports(&p, t);
	for (size_t off = 0; off < len && !r; off += chunk)
		r = procfs_parser_feed(&p, in + off, len - off < chunk ? len - off : chunk);
	if (!r)
		r = procfs_parser_finish(&p, n);
	*err = p.err;
	return r;
}

#define LROW(n, port, st, q) "   " #n ": 0100007F:" port " 00000000:0000 " st " 00000000:" q " 00:00000000 00000000     0        0 46545 1 00000000d2a6073b 100 0 0 10 0\n"
#define LROW6(n, port, st, q) "   " #n ": 00000000000000000000000001000000:" port " 00000000000000000000000000000000:0000 " st " 00000000:" q " 00:00000000 00000000     0        0 46546 1 000000000b017ed5 100 0 0 10 0\n"

static void test_ports(void **state)
{
	static struct port_table t;
	static const size_t chunks[] = { 1, 7, 64, 4096 };
	const char *v4 = HDR4 LROW(0, "0050", "0A", "00000003") LROW(1, "0050", "01", "0000001F")
		LROW(2, "C350", "01", "00000000") LROW(3, "0050", "03", "00000000")
		LROW(4, "0016", "0A", "00000000");
	const char *v6 = HDR6 LROW6(0, "0050", "0A", "00000001") LROW6(1, "0050", "06", "00000000")
		LROW6(2, "FFFF", "0a", "0000000a");
	struct port_list l = { 0 };
	struct parse_err err;
	uint64_t n[TCPSTAT_NSTATES];

	(void)state;
	assert_int_equal(port_table_init(&t), 0);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		port_table_begin(&t);
		assert_int_equal(parse_ports(v4, chunks[i], &t, n, &err), 0);
		assert_int_equal(n[9], 2);
		assert_int_equal(parse_ports(v6, chunks[i], &t, n, &err), 0);
		assert_int_equal(port_table_collect(&t, NULL, false, &l), 0);
		assert_int_equal(l.n, 3);
		assert_int_equal(l.row[0].port, 22);
		assert_int_equal(l.row[1].port, 80);
		assert_int_equal(l.row[1].listeners, 2);
		assert_int_equal(l.row[1].accept_queue, 4); /* 3 + 1, rx_queue of the listeners */
		assert_int_equal(l.row[1].n[0], 1);	/* the ESTABLISHED rx_queue is not a queue */
		assert_int_equal(l.row[1].n[2], 1);
		assert_int_equal(l.row[1].n[5], 1);
		assert_int_equal(l.row[2].port, 65535);
		assert_int_equal(l.row[2].accept_queue, 10);
	}
	free(l.row);
	port_table_free(&t);
}

static void expect_ports_error(const char *in, unsigned long line, const char *what)
{
	static struct port_table t;
	uint64_t n[TCPSTAT_NSTATES];
	struct parse_err err;

	assert_int_equal(port_table_init(&t), 0);
	port_table_begin(&t);
	for (size_t chunk = 1; chunk <= 200; chunk += 199) {
		if (parse_ports(in, chunk, &t, n, &err) == 0)
			fail_msg("parsed, expected line %lu: %s", line, what);
		if (err.line != line)
			fail_msg("error on line %lu (%s), expected line %lu", err.line, err.what, line);
		assert_contains(err.what, what);
	}
	port_table_free(&t);
}

static void test_ports_errors(void **state)
{
	uint64_t n[TCPSTAT_NSTATES];
	struct parse_err err;

	(void)state;
	/* --ports reads tx_queue:rx_queue: the header must say where it is */
	expect_ports_error("  sl  local_address rem_address   st\n", 1,
			   "expected \"sl local_address rem_address st tx_queue rx_queue ...\"");
	expect_ports_error("  sl  local_address rem_address   st rx_queue tx_queue\n", 1,
			   "not a /proc/net/tcp header");
	expect_ports_error(HDR4 "   0: 0100007F:9E5D 00000000:0000 0A\n", 2,
			   "row has no tx_queue:rx_queue field");
	expect_ports_error(HDR4 LROW(0, "9E5", "0A", "00000000"), 2,
			   "bad local_address field \"0100007F:9E5\", expected hex ADDRESS:PORT");
	expect_ports_error(HDR4 LROW(0, "9E5DD", "0A", "00000000"), 2, "bad local_address field");
	expect_ports_error(HDR4 LROW(0, "9E5G", "0A", "00000000"), 2, "bad local_address field");
	expect_ports_error(HDR4 "   0: 0100007:9E5D 00000000:0000 0A 00000000:00000000\n", 2,
			   "bad local_address field \"0100007:9E5D\"");
	expect_ports_error(HDR4 "   0: 0100007F9E5D 00000000:0000 0A 00000000:00000000\n", 2,
			   "bad local_address field");
	expect_ports_error(HDR4 "   0: 0100X07F:9E5D 00000000:0000 0A 00000000:00000000\n", 2,
			   "bad local_address field");
	expect_ports_error(HDR4 LROW(0, "9E5D", "0A", "000000000"), 2,
			   "bad tx_queue:rx_queue field \"00000000:000000000\", expected 2 hex numbers");
	expect_ports_error(HDR4 LROW(0, "9E5D", "0A", ""), 2, "bad tx_queue:rx_queue field");
	expect_ports_error(HDR4 LROW(0, "9E5D", "0A", "-1"), 2, "bad tx_queue:rx_queue field");
	expect_ports_error(HDR4 "   0: 0100007F:9E5D 00000000:0000 0A 00000000\n", 2,
			   "bad tx_queue:rx_queue field \"00000000\"");
	/* without --ports those rows count as before */
	{
		const char *in = HDR4 "   0: 0100007F:9E5 00000000:0000 0A\n";

		assert_int_equal(procfs_parse(in, strlen(in), n, &err), 0);
	}
	assert_int_equal(n[9], 1);
}

static void test_read_fixtures(void **state)
{
	char buf[4096];
	struct tcpstat_counts c;
	struct tcpstat_err e;
	static const uint64_t want4[TCPSTAT_NSTATES] = { 6, 1, 1, 1, 1, 0, 1, 1, 1, 2, 1 };
	static const uint64_t want6[TCPSTAT_NSTATES] = { 4, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	static const uint64_t zero[TCPSTAT_NSTATES];

	(void)state;
	assert_int_equal(procfs_read(TCPSTAT_FIXTURES "/proc-basic", buf, sizeof(buf), &c, &e), 0);
	assert_memory_equal(c.n[TCPSTAT_FAM_IPV4], want4, sizeof(want4));
	assert_memory_equal(c.n[TCPSTAT_FAM_IPV6], want6, sizeof(want6));
	/* reads smaller than a line */
	assert_int_equal(procfs_read(TCPSTAT_FIXTURES "/proc-basic", buf, 13, &c, &e), 0);
	assert_memory_equal(c.n[TCPSTAT_FAM_IPV6], want6, sizeof(want6));

	/* no tcp6: a kernel without IPv6 */
	assert_int_equal(procfs_read(TCPSTAT_FIXTURES "/proc-no-tcp6", buf, sizeof(buf), &c, &e), 0);
	assert_memory_equal(c.n[TCPSTAT_FAM_IPV4], want4, sizeof(want4));
	assert_memory_equal(c.n[TCPSTAT_FAM_IPV6], zero, sizeof(zero));

	assert_int_equal(procfs_read(TCPSTAT_FIXTURES "/proc-empty", buf, sizeof(buf), &c, &e), -1);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-empty/net/tcp: No such file or directory");

	assert_int_equal(procfs_read(TCPSTAT_FIXTURES "/proc-procfs-badst", buf, sizeof(buf), &c, &e), -1);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-procfs-badst/net/tcp:4: "
			    "bad st field \"1\", expected 2 hex digits");
	assert_int_equal(procfs_read(TCPSTAT_FIXTURES "/proc-procfs-bad6", buf, sizeof(buf), &c, &e), -1);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-procfs-bad6/net/tcp6:6: row has no st field");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state),
		cmocka_unit_test(test_other_states_ignored),
		cmocka_unit_test(test_tcp6_and_header_only),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ports_errors),
		cmocka_unit_test(test_read_fixtures),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
