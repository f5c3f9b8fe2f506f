// SPDX-License-Identifier: GPL-2.0
/* test_kmod.c - the strict parser of the module files: tcpstat_data, tcpstat_ports, tcpstat_netns. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "src_kmod.h"

#define MAGIC "tcpstat 1 0.1.0\n"
#define HDR "states family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
#define ROW4 "states ipv4 6 1 1 1 1 0 1 1 1 2 1\n"
#define ROW6 "states ipv6 4 0 0 0 0 1 0 0 0 2 0\n"
#define END "end\n"
#define GOOD MAGIC HDR ROW4 ROW6 END

static const uint64_t want4[TCPSTAT_NSTATES] = { 6, 1, 1, 1, 1, 0, 1, 1, 1, 2, 1 };
static const uint64_t want6[TCPSTAT_NSTATES] = { 4, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0 };

static void assert_good_counts(const struct tcpstat_counts *c)
{
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		assert_int_equal(c->n[TCPSTAT_FAM_IPV4][s], want4[s]);
		assert_int_equal(c->n[TCPSTAT_FAM_IPV6][s], want6[s]);
	}
}

/* Parse @in whole, then fed in chunks of every size 1..8: same result. */
static int parse_all_ways(const char *in, struct tcpstat_counts *out,
			  struct parse_err *err)
{
	size_t len = strlen(in);
	int ret = kmod_parse(in, len, out, err);

	for (size_t chunk = 1; chunk <= 8; chunk++) {
		struct kmod_parser p;
		struct tcpstat_counts c;
		int r = 0;

		kmod_parser_init(&p);
		for (size_t off = 0; off < len && !r; off += chunk)
			r = kmod_parser_feed(&p, in + off,
					     len - off < chunk ? len - off : chunk);
		if (!r)
			r = kmod_parser_finish(&p, &c);
		assert_int_equal(r, ret);
		if (ret) {
			assert_int_equal(p.err.line, err->line);
			assert_string_equal(p.err.what, err->what);
		} else {
			assert_memory_equal(&c, out, sizeof(c));
		}
	}
	return ret;
}

static void expect_error(const char *in, unsigned long line, const char *what)
{
	struct tcpstat_counts c;
	struct parse_err err;

	memset(&err, 0, sizeof(err));
	if (parse_all_ways(in, &c, &err) == 0)
		fail_msg("parsed, expected line %lu: %s", line, what);
	if (err.line != line)
		fail_msg("error on line %lu (%s), expected line %lu", err.line,
			 err.what, line);
	assert_contains(err.what, what);
}

static void test_valid(void **state)
{
	struct tcpstat_counts c;
	struct parse_err err;

	(void)state;
	assert_int_equal(parse_all_ways(GOOD, &c, &err), 0);
	assert_good_counts(&c);
}

static void test_rows_any_order(void **state)
{
	struct tcpstat_counts c;
	struct parse_err err;

	(void)state;
	assert_int_equal(parse_all_ways(MAGIC HDR ROW6 ROW4 END, &c, &err), 0);
	assert_good_counts(&c);
}

static void test_columns_by_name(void **state)
{
	struct tcpstat_counts c;
	struct parse_err err;
	const char *in = MAGIC
		"states family CLOSING LISTEN LAST_ACK CLOSE_WAIT CLOSE TIME_WAIT FIN_WAIT2 FIN_WAIT1 SYN_RECV SYN_SENT ESTABLISHED\n"
		"states ipv4 1 2 1 1 1 0 1 1 1 1 6\n"
		"states ipv6 0 2 0 0 0 1 0 0 0 0 4\n" END;

	(void)state;
	assert_int_equal(parse_all_ways(in, &c, &err), 0);
	assert_good_counts(&c);
}

static void test_unknown_section_skipped(void **state)
{
	struct tcpstat_counts c;
	struct parse_err err;
	const char *in = MAGIC
		"ports family port LISTEN ESTABLISHED accept_queue\n"
		"ports ipv4 22 1 4 0\n"
		"ports ipv6 443 1 2 0\n"
		HDR ROW4 ROW6
		"x\n"
		"x\n"
		"future a b\n" END;

	(void)state;
	assert_int_equal(parse_all_ways(in, &c, &err), 0);
	assert_good_counts(&c);
}

static void test_max_count(void **state)
{
	struct tcpstat_counts c;
	struct parse_err err;
	const char *in = MAGIC HDR
		"states ipv4 18446744073709551615 0 0 0 0 0 0 0 0 0 007\n" ROW6 END;

	(void)state;
	assert_int_equal(parse_all_ways(in, &c, &err), 0);
	assert_int_equal(c.n[TCPSTAT_FAM_IPV4][0], UINT64_MAX);
	assert_int_equal(c.n[TCPSTAT_FAM_IPV4][10], 7);
}

static void test_bad_magic(void **state)
{
	(void)state;
	expect_error("", 1, "empty file");
	expect_error("tcpstats 1 0.1.0\n" HDR ROW4 ROW6 END, 1,
		     "not a tcpstat data file");
	expect_error("\n" HDR ROW4 ROW6 END, 1, "empty line");
	expect_error("tcpstat 2 0.1.0\n" HDR ROW4 ROW6 END, 1,
		     "unsupported format version \"2\"");
	expect_error("tcpstat x 0.1.0\n" HDR ROW4 ROW6 END, 1,
		     "unsupported format version");
	expect_error("tcpstat\n" HDR ROW4 ROW6 END, 1, "missing format version");
	expect_error("tcpstat 1\n" HDR ROW4 ROW6 END, 1, "first line has 2 fields");
	expect_error("tcpstat 1 0.1 x\n" HDR ROW4 ROW6 END, 1,
		     "first line has 4 fields");
	expect_error(HDR ROW4 ROW6 END, 1, "not a tcpstat data file");
}

static void test_missing_or_duplicate_row(void **state)
{
	(void)state;
	expect_error(MAGIC HDR ROW4 END, 4, "missing states row ipv6");
	expect_error(MAGIC HDR ROW6 END, 4, "missing states row ipv4");
	expect_error(MAGIC HDR END, 3, "missing states row ipv4");
	expect_error(MAGIC HDR ROW4 ROW4 ROW6 END, 4, "duplicate states row ipv4");
	expect_error(MAGIC HDR ROW4 ROW6 ROW6 END, 5, "duplicate states row ipv6");
	expect_error(MAGIC END, 2, "missing \"states\" section");
	expect_error(MAGIC HDR ROW4 ROW6 "other a\n" HDR END, 6,
		     "duplicate \"states\" section");
	expect_error(MAGIC HDR "states ipv5 0 0 0 0 0 0 0 0 0 0 0\n" ROW6 END, 3,
		     "unknown family \"ipv5\"");
}

static void test_bad_header(void **state)
{
	(void)state;
	expect_error(MAGIC "states family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN FOO\n"
		     ROW4 ROW6 END, 2, "unknown state \"FOO\"");
	expect_error(MAGIC "states family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN\n"
		     ROW4 ROW6 END, 2, "missing state CLOSING");
	expect_error(MAGIC "states family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING LISTEN\n"
		     ROW4 ROW6 END, 2, "duplicate state LISTEN");
	expect_error(MAGIC "states fam ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
		     ROW4 ROW6 END, 2, "second column must be \"family\"");
	expect_error(MAGIC "states\n" ROW4 ROW6 END, 2,
		     "second column must be \"family\"");
	expect_error(MAGIC "states family established SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
		     ROW4 ROW6 END, 2, "unknown state \"established\"");
}

static void test_bad_row(void **state)
{
	(void)state;
	expect_error(MAGIC HDR "states ipv4 6 1 1 1 1 0 1 1 1 2 1 9\n" ROW6 END, 3,
		     "states row has 14 fields, its header has 13");
	expect_error(MAGIC HDR "states ipv4 6 1 1 1 1 0 1 1 1 2\n" ROW6 END, 3,
		     "states row has 12 fields, its header has 13");
	expect_error(MAGIC HDR "states ipv4\n" ROW6 END, 3,
		     "states row has 2 fields");
	expect_error(MAGIC HDR ROW4 "states ipv6 4 0 0 0 0 1 0 0 0 2 x\n" END, 4,
		     "states ipv6 CLOSING: count \"x\" is not a decimal number");
	expect_error(MAGIC HDR ROW4 "states ipv6 4 0 0 0 0 1 0 0 0 2 1x\n" END, 4,
		     "is not a decimal number");
	expect_error(MAGIC HDR ROW4 "states ipv6 +4 0 0 0 0 1 0 0 0 2 0\n" END, 4,
		     "states ipv6 ESTABLISHED: count \"+4\" is not a decimal number");
	expect_error(MAGIC HDR ROW4 "states ipv6 4 0 0 -1 0 1 0 0 0 2 0\n" END, 4,
		     "states ipv6 FIN_WAIT1: negative count \"-1\"");
	expect_error(MAGIC HDR "states ipv4 18446744073709551616 1 1 1 1 0 1 1 1 2 1\n" ROW6 END, 3,
		     "states ipv4 ESTABLISHED: count \"18446744073709551616\" overflows");
	expect_error(MAGIC HDR "states ipv4 99999999999999999999999 1 1 1 1 0 1 1 1 2 1\n" ROW6 END, 3,
		     "overflows");
	expect_error(MAGIC HDR "states ipv4 6 1 1 1 1 0 1 1 1 2 1\r\n" ROW6 END, 3,
		     "CLOSING: count \"1\\x0d\" is not a decimal number");
}

static void test_whitespace(void **state)
{
	(void)state;
	expect_error(MAGIC HDR "states ipv4 6  1 1 1 1 0 1 1 1 2 1\n" ROW6 END, 3,
		     "empty field");
	expect_error(MAGIC HDR "states ipv4 6 1 1 1 1 0 1 1 1 2 1 \n" ROW6 END, 3,
		     "empty field");
	expect_error(MAGIC HDR " states ipv4 6 1 1 1 1 0 1 1 1 2 1\n" ROW6 END, 3,
		     "empty field");
	expect_error(MAGIC HDR "\n" ROW4 ROW6 END, 3, "empty line");
	expect_error("tcpstat  1 0.1.0\n" HDR ROW4 ROW6 END, 1, "empty field");
	expect_error(" tcpstat 1 0.1.0\n" HDR ROW4 ROW6 END, 1,
		     "not a tcpstat data file (first word \"\"");
}

static void test_end(void **state)
{
	(void)state;
	expect_error(MAGIC HDR ROW4 ROW6, 5, "truncated: no \"end\" line");
	expect_error(MAGIC HDR ROW4 ROW6 "end", 5, "truncated: last line has no newline");
	expect_error(MAGIC HDR ROW4 "states ipv6 4 0 0", 4,
		     "truncated: last line has no newline");
	expect_error(MAGIC, 2, "truncated: no \"end\" line");
	expect_error(GOOD "x\n", 6, "data after \"end\"");
	expect_error(GOOD "\n", 6, "data after \"end\"");
	expect_error(GOOD "junk", 6, "data after \"end\"");
	expect_error(GOOD END, 6, "data after \"end\"");
	expect_error(MAGIC HDR ROW4 ROW6 "end now\n", 5,
		     "\"end\" line has 2 fields, expected 1");
}

static void test_unknown_section_shape(void **state)
{
	(void)state;
	expect_error(MAGIC "ports family port LISTEN\n"
		     "ports ipv4 22 1\n"
		     "ports ipv4 22 1 5\n" HDR ROW4 ROW6 END, 4,
		     "section \"ports\": row has 5 fields, its header has 4");
	expect_error(MAGIC HDR ROW4 ROW6 "ports a b\nports a\n" END, 6,
		     "row has 2 fields, its header has 3");
}

static void test_long_lines(void **state)
{
	char *in = malloc(KMOD_LINE_MAX + 1024);
	char name[KMOD_SECTION_MAX + 8];

	(void)state;
	assert_non_null(in);
	/* a section name one byte too long */
	memset(name, 'a', sizeof(name) - 1);
	name[KMOD_SECTION_MAX] = '\0';
	snprintf(in, KMOD_LINE_MAX + 1024, MAGIC "%s x\n" HDR ROW4 ROW6 END, name);
	expect_error(in, 2, "longer than 63 bytes");
	/* a line of KMOD_LINE_MAX bytes is fine, one more is not */
	strcpy(in, MAGIC "long ");
	memset(in + strlen(in), 'b', KMOD_LINE_MAX - 5);
	in[strlen(MAGIC) + KMOD_LINE_MAX] = '\0';
	strcat(in, "\n" HDR ROW4 ROW6 END);
	{
		struct tcpstat_counts c;
		struct parse_err err;

		assert_int_equal(parse_all_ways(in, &c, &err), 0);
		assert_good_counts(&c);
	}
	strcpy(in, MAGIC "long ");
	memset(in + strlen(in), 'b', KMOD_LINE_MAX - 4);
	in[strlen(MAGIC) + KMOD_LINE_MAX + 1] = '\0';
	strcat(in, "\n" HDR ROW4 ROW6 END);
	expect_error(in, 2, "line longer than 4096 bytes");
	free(in);
}

static void test_nul_byte(void **state)
{
	static const char in[] = MAGIC HDR "states ipv4 6 1 1 1 1 0 1 1 1 2 \0001\n" ROW6 END;
	struct tcpstat_counts c;
	struct parse_err err;

	(void)state;
	assert_int_equal(kmod_parse(in, sizeof(in) - 1, &c, &err), -1);
	assert_int_equal(err.line, 3);
	assert_contains(err.what, "CLOSING: count \"\\x001\" is not a decimal number");
}

static void test_read_fixtures(void **state)
{
	char buf[64 * 1024];
	struct tcpstat_counts c;
	struct tcpstat_err e;
	bool missing;

	(void)state;
	assert_int_equal(kmod_read(TCPSTAT_FIXTURES "/proc-basic/net/tcpstat_data",
				   buf, sizeof(buf), &c, &e, &missing), 0);
	assert_good_counts(&c);
	/* a tiny buffer: many read()s, lines split across them */
	assert_int_equal(kmod_read(TCPSTAT_FIXTURES "/proc-future/net/tcpstat_data",
				   buf, 7, &c, &e, &missing), 0);
	assert_good_counts(&c);

	assert_int_equal(kmod_read(TCPSTAT_FIXTURES "/proc-empty/net/tcpstat_data",
				   buf, sizeof(buf), &c, &e, &missing), -1);
	assert_true(missing);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-empty/net/tcpstat_data: "
			    "No such file or directory (is the tcpstat module loaded? try: modprobe tcpstat)");

	assert_int_equal(kmod_read(TCPSTAT_FIXTURES "/proc-kmod-truncated/net/tcpstat_data",
				   buf, sizeof(buf), &c, &e, &missing), -1);
	assert_false(missing);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-kmod-truncated/net/tcpstat_data:4: "
			    "truncated: last line has no newline");

	/* a directory: refused before any read() */
	assert_int_equal(kmod_read(TCPSTAT_FIXTURES, buf, sizeof(buf), &c, &e,
				   &missing), -1);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES ": not a regular file (a FIFO, device, socket or directory)");
}

/* ---- the real tcpstat_data layout of the module, with "walk" ---- */

static void test_walk_section_skipped(void **state)
{
	struct tcpstat_counts c;
	struct parse_err err;
	const char *in = MAGIC HDR ROW4 ROW6
		"walk table buckets locked max_lock_ns\n"
		"walk listen 32 2 0\n"
		"walk established 65536 5 1834\n" END;

	(void)state;
	assert_int_equal(parse_all_ways(in, &c, &err), 0);
	assert_good_counts(&c);
	/* its shape is still checked */
	expect_error(MAGIC HDR ROW4 ROW6 "walk table buckets locked max_lock_ns\n"
		     "walk listen 32 2\n" END, 6,
		     "section \"walk\": row has 4 fields, its header has 5");
}

/* ---- tcpstat_ports and tcpstat_netns ---- */

#define PHDR "ports port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
#define P22 "ports 22 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n"
#define P80 "ports 80 2 3 4096 3 2048 120 0 4 0 0 35 0 0 0 2 0\n"
#define NHDR "netns inode family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
#define NA4 "netns 4026531840 ipv4 6 1 1 1 1 0 1 1 1 2 1\n"
#define NA6 "netns 4026531840 ipv6 4 0 0 0 0 1 0 0 0 2 0\n"
#define NB4 "netns 4026532301 ipv4 40 0 1 0 0 7 0 0 0 2 0\n"
#define NB6 "netns 4026532301 ipv6 0 0 0 0 0 0 0 0 0 0 0\n"

/* Parse @in for @want whole and in chunks of 1..8: the same everywhere. */
static int parse_want_all_ways(const char *in, unsigned want, struct tcpstat_counts *c,
			       struct port_list *ports, struct netns_list *netns,
			       struct parse_err *err)
{
	size_t len = strlen(in);
	int ret = kmod_parse_want(in, len, want, c, ports, netns, err);

	for (size_t chunk = 1; chunk <= 8; chunk++) {
		static struct kmod_parser p;
		struct port_list pl = { 0 };
		struct netns_list nl = { 0 };
		struct tcpstat_counts c2;
		int r = 0;

		kmod_parser_init_want(&p, want, &pl, &nl);
		for (size_t off = 0; off < len && !r; off += chunk)
			r = kmod_parser_feed(&p, in + off, len - off < chunk ? len - off : chunk);
		if (!r)
			r = kmod_parser_finish(&p, &c2);
		assert_int_equal(r, ret);
		if (ret) {
			assert_int_equal(p.err.line, err->line);
			assert_string_equal(p.err.what, err->what);
		} else {
			if (want & KMOD_SEC_STATES)
				assert_memory_equal(&c2, c, sizeof(c2));
			if (ports) {
				assert_int_equal(pl.n, ports->n);
				if (pl.n)
					assert_memory_equal(pl.row, ports->row, pl.n * sizeof(*pl.row));
			}
			if (netns) {
				assert_int_equal(nl.n, netns->n);
				if (nl.n)
					assert_memory_equal(nl.row, netns->row, nl.n * sizeof(*nl.row));
			}
		}
		free(pl.row);
		free(nl.row);
	}
	return ret;
}

static void expect_want_error(const char *in, unsigned want, unsigned long line,
			      const char *what)
{
	struct tcpstat_counts c;
	struct port_list pl = { 0 };
	struct netns_list nl = { 0 };
	struct parse_err err;

	memset(&err, 0, sizeof(err));
	if (parse_want_all_ways(in, want, &c, &pl, &nl, &err) == 0)
		fail_msg("parsed, expected line %lu: %s", line, what);
	if (err.line != line)
		fail_msg("error on line %lu (%s), expected line %lu", err.line,
			 err.what, line);
	assert_contains(err.what, what);
	free(pl.row);
	free(nl.row);
}

#define expect_ports_error(in, line, what) expect_want_error(in, KMOD_WANT_PORTS, line, what)
#define expect_netns_error(in, line, what) expect_want_error(in, KMOD_WANT_NETNS, line, what)

static void test_ports_valid(void **state)
{
	static const uint64_t n80[TCPSTAT_NSTATES] = { 120, 0, 4, 0, 0, 35, 0, 0, 0, 2, 0 };
	struct tcpstat_counts c;
	struct port_list pl = { 0 };
	struct parse_err err;

	(void)state;
	/* the module's layout: states, then ports, ascending */
	assert_int_equal(parse_want_all_ways(MAGIC HDR ROW4 ROW6 PHDR P22 P80 END,
					     KMOD_WANT_PORTS, &c, &pl, NULL, &err), 0);
	assert_good_counts(&c);
	assert_true(pl.backlog_known);
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.row[0].port, 22);
	assert_int_equal(pl.row[0].backlog, 128);
	assert_int_equal(pl.row[1].port, 80);
	assert_int_equal(pl.row[1].listeners, 2);
	assert_int_equal(pl.row[1].accept_queue, 3);
	assert_int_equal(pl.row[1].backlog, 4096);
	assert_int_equal(pl.row[1].fullest_queue, 3);
	assert_int_equal(pl.row[1].fullest_backlog, 2048);
	assert_memory_equal(pl.row[1].n, n80, sizeof(n80));

	/* sections in another order, columns by name, unknown ones skipped */
	assert_int_equal(parse_want_all_ways(MAGIC
		"ports CLOSING LISTEN LAST_ACK CLOSE_WAIT CLOSE TIME_WAIT FIN_WAIT2 FIN_WAIT1 SYN_RECV SYN_SENT ESTABLISHED drops fullest_backlog fullest_queue backlog accept_queue listeners port\n"
		"ports 0 1 0 0 0 0 0 0 0 0 2 7 128 0 128 0 1 22\n"
		"ports 0 2 0 0 0 35 0 0 4 0 120 0 2048 3 4096 3 2 80\n"
		"walk table buckets locked max_lock_ns\n"
		"walk listen 32 2 0\n"
		HDR ROW6 ROW4 END, KMOD_WANT_PORTS, &c, &pl, NULL, &err), 0);
	assert_good_counts(&c);
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.row[1].fullest_backlog, 2048);
	assert_memory_equal(pl.row[1].n, n80, sizeof(n80));

	/* no listening port: a header without rows */
	assert_int_equal(parse_want_all_ways(MAGIC HDR ROW4 ROW6 PHDR END,
					     KMOD_WANT_PORTS, &c, &pl, NULL, &err), 0);
	assert_int_equal(pl.n, 0);

	/* the extremes */
	assert_int_equal(parse_want_all_ways(MAGIC HDR ROW4 ROW6 PHDR
		"ports 1 1 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 1 0\n"
		"ports 65535 1 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0\n" END,
		KMOD_WANT_PORTS, &c, &pl, NULL, &err), 0);
	assert_int_equal(pl.n, 2);
	assert_int_equal(pl.row[0].accept_queue, UINT64_MAX);
	assert_int_equal(pl.row[1].port, 65535);

	/* a tcpstat_data reader skips a ports section (shape checked) */
	assert_int_equal(parse_all_ways(MAGIC HDR ROW4 ROW6 PHDR P22 P80 END, &c, &err), 0);
	assert_good_counts(&c);
	free(pl.row);
}

static void test_ports_errors(void **state)
{
	(void)state;
	/* the sections a per-port read needs */
	expect_ports_error(MAGIC HDR ROW4 ROW6 END, 5, "missing \"ports\" section");
	expect_ports_error(MAGIC PHDR P22 END, 4, "missing \"states\" section");
	expect_ports_error(MAGIC HDR ROW4 PHDR P22 END, 6, "missing states row ipv6");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR P22 "x y\n" PHDR END, 8,
			   "duplicate \"ports\" section");
	/* the header */
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port listeners accept_queue backlog fullest_queue ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n" END,
		5, "ports header: missing column fullest_backlog");
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN\n" END,
		5, "ports header: missing state CLOSING");
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n" END,
		5, "ports header: missing column port");
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n" END,
		5, "ports header: duplicate column port");
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING LISTEN\n" END,
		5, "ports header: duplicate column LISTEN");
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING NEW_SYN_RECV\n" END,
		5, "ports header: unknown state \"NEW_SYN_RECV\"");
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port Listeners listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n" END,
		5, "ports header: bad column name \"Listeners\"");
	expect_ports_error(MAGIC HDR ROW4 ROW6 "ports\n" END, 5,
			   "ports header: missing column port");
	/* rows */
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1\n" END,
			   6, "ports row has 17 fields, its header has 18");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0 0\n" END,
			   6, "ports row has 19 fields, its header has 18");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 0 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
			   6, "ports: port 0 out of range (1-65535)");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 65536 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
			   6, "ports: port 65536 out of range (1-65535)");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR P22 P22 END, 7, "ports: duplicate port 22");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR P80 P22 END, 7,
			   "ports: port 22 after port 80 (rows must be in ascending port order)");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 0 0 128 0 128 2 0 0 0 0 0 0 0 0 0 0\n" END,
			   6, "ports 22: listeners is 0");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 2 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
			   6, "ports 22: LISTEN 1 differs from listeners 2");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 1 x 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
			   6, "ports accept_queue: value \"x\" is not a decimal number");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 1 0 -128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
			   6, "ports backlog: negative value \"-128\"");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22 1 0 128 0 128 2 0 0 0 0 99999999999999999999 0 0 0 1 0\n" END,
			   6, "ports TIME_WAIT: value \"99999999999999999999\" overflows");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 2x 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
			   6, "ports port: value \"2x\" is not a decimal number");
	/* a skipped column still holds a number */
	expect_ports_error(MAGIC HDR ROW4 ROW6
		"ports port drops listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
		"ports 22 many 1 0 128 0 128 2 0 0 0 0 0 0 0 0 1 0\n" END,
		6, "ports field 3: value \"many\" is not a decimal number");
	/* and the usual */
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR P22, 7, "truncated: no \"end\" line");
	expect_ports_error(MAGIC HDR ROW4 ROW6 PHDR "ports 22  1\n" END, 6, "empty field");
}

static void test_netns_valid(void **state)
{
	static const uint64_t b4[TCPSTAT_NSTATES] = { 40, 0, 1, 0, 0, 7, 0, 0, 0, 2, 0 };
	struct netns_list nl = { 0 };
	struct parse_err err;

	(void)state;
	assert_int_equal(parse_want_all_ways(MAGIC NHDR NA4 NA6 NB4 NB6 END,
					     KMOD_WANT_NETNS, NULL, NULL, &nl, &err), 0);
	assert_int_equal(nl.n, 2);
	assert_int_equal(nl.row[0].inode, 4026531840ULL);
	assert_null(nl.row[0].name);
	assert_memory_equal(nl.row[0].c.n[TCPSTAT_FAM_IPV4], want4, sizeof(want4));
	assert_memory_equal(nl.row[0].c.n[TCPSTAT_FAM_IPV6], want6, sizeof(want6));
	assert_int_equal(nl.row[1].inode, 4026532301ULL);
	assert_memory_equal(nl.row[1].c.n[TCPSTAT_FAM_IPV4], b4, sizeof(b4));

	/* families in either order, columns by name, other sections skipped */
	assert_int_equal(parse_want_all_ways(MAGIC HDR ROW4 ROW6
		"netns family CLOSING LISTEN LAST_ACK CLOSE_WAIT CLOSE TIME_WAIT FIN_WAIT2 FIN_WAIT1 SYN_RECV SYN_SENT ESTABLISHED net_cookie inode\n"
		"netns ipv6 0 2 0 0 0 1 0 0 0 0 4 1 4026531840\n"
		"netns ipv4 1 2 1 1 1 0 1 1 1 1 6 1 4026531840\n"
		"netns ipv4 0 2 0 0 0 7 0 0 1 0 40 2 4026532301\n"
		"netns ipv6 0 0 0 0 0 0 0 0 0 0 0 2 4026532301\n" END,
		KMOD_WANT_NETNS, NULL, NULL, &nl, &err), 0);
	assert_int_equal(nl.n, 2);
	assert_memory_equal(nl.row[0].c.n[TCPSTAT_FAM_IPV4], want4, sizeof(want4));
	assert_memory_equal(nl.row[0].c.n[TCPSTAT_FAM_IPV6], want6, sizeof(want6));
	assert_memory_equal(nl.row[1].c.n[TCPSTAT_FAM_IPV4], b4, sizeof(b4));

	/* no namespace with sockets */
	assert_int_equal(parse_want_all_ways(MAGIC NHDR END, KMOD_WANT_NETNS, NULL, NULL,
					     &nl, &err), 0);
	assert_int_equal(nl.n, 0);
	free(nl.row);
}

static void test_netns_errors(void **state)
{
	(void)state;
	expect_netns_error(MAGIC HDR ROW4 ROW6 END, 5, "missing \"netns\" section");
	expect_netns_error(MAGIC NHDR NA4 END, 4, "netns 4026531840: missing ipv6 row");
	expect_netns_error(MAGIC NHDR NA6 END, 4, "netns 4026531840: missing ipv4 row");
	expect_netns_error(MAGIC NHDR NA4 NB4 NA6 NB6 END, 4,
			   "netns 4026531840: missing ipv6 row");
	expect_netns_error(MAGIC NHDR NA4 NA6 NA4 END, 5, "netns 4026531840: duplicate ipv4 row");
	expect_netns_error(MAGIC NHDR NB4 NB6 NA4 NA6 END, 5,
			   "netns: inode 4026531840 after inode 4026532301 (rows must be in ascending inode order");
	expect_netns_error(MAGIC NHDR NA4 NA6 "walk a\nwalk b\n" NHDR END, 7,
			   "duplicate \"netns\" section");
	/* an open namespace is closed by the next section too */
	expect_netns_error(MAGIC NHDR NA4 "walk a\n" END, 4, "netns 4026531840: missing ipv6 row");
	expect_netns_error(MAGIC NHDR "netns 0 ipv4 0 0 0 0 0 0 0 0 0 0 0\n" END, 3, "netns: inode 0");
	expect_netns_error(MAGIC NHDR "netns 4026531840 ipv5 0 0 0 0 0 0 0 0 0 0 0\n" END, 3,
			   "netns row: unknown family \"ipv5\"");
	expect_netns_error(MAGIC NHDR "netns 4026531840 ipv4 0 0 0 0 0 0 0 0 0 0\n" END, 3,
			   "netns row has 13 fields, its header has 14");
	expect_netns_error(MAGIC NHDR "netns -1 ipv4 0 0 0 0 0 0 0 0 0 0 0\n" END, 3,
			   "netns inode: negative value \"-1\"");
	expect_netns_error(MAGIC NHDR "netns 4026531840 ipv4 0 0 0 0 0 0 0 0 0 0 x\n" END, 3,
			   "netns CLOSING: value \"x\" is not a decimal number");
	expect_netns_error(MAGIC
		"netns inode ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n" END,
		2, "netns header: missing column family");
	expect_netns_error(MAGIC
		"netns inode family family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n" END,
		2, "netns header: duplicate column family");
	/* a port column means nothing here: a lower-case name, skipped */
	{
		struct netns_list nl = { 0 };
		struct parse_err err;

		assert_int_equal(parse_want_all_ways(MAGIC
			"netns inode port family ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING\n"
			"netns 7 80 ipv4 0 0 0 0 0 0 0 0 0 1 0\n"
			"netns 7 80 ipv6 0 0 0 0 0 0 0 0 0 0 0\n" END,
			KMOD_WANT_NETNS, NULL, NULL, &nl, &err), 0);
		assert_int_equal(nl.n, 1);
		assert_int_equal(nl.row[0].c.n[TCPSTAT_FAM_IPV4][9], 1);
		free(nl.row);
	}
	expect_netns_error(MAGIC NHDR NA4 NA6, 5, "truncated: no \"end\" line");
}

static void test_read_want_fixtures(void **state)
{
	char buf[64 * 1024];
	struct tcpstat_counts c;
	struct port_list pl = { 0 };
	struct netns_list nl = { 0 };
	struct tcpstat_err e;
	int sys_err;

	(void)state;
	assert_int_equal(kmod_read_want(TCPSTAT_FIXTURES "/proc-ports/net/tcpstat_ports", buf, 5,
					KMOD_WANT_PORTS, &c, &pl, NULL, &e, &sys_err), 0);
	assert_int_equal(pl.n, 3);
	assert_int_equal(kmod_read_want(TCPSTAT_FIXTURES "/proc-netns/net/tcpstat_netns", buf,
					sizeof(buf), KMOD_WANT_NETNS, NULL, NULL, &nl, &e,
					&sys_err), 0);
	assert_true(nl.n >= 2);
	assert_int_equal(kmod_read_want(TCPSTAT_FIXTURES "/proc-basic/net/tcpstat_ports", buf,
					sizeof(buf), KMOD_WANT_PORTS, &c, &pl, NULL, &e, &sys_err), -1);
	assert_int_equal(sys_err, ENOENT);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-basic/net/tcpstat_ports: No such file or directory");
	assert_int_equal(kmod_read_want(TCPSTAT_FIXTURES "/proc-basic/net/tcpstat_data", buf,
					sizeof(buf), KMOD_WANT_PORTS, &c, &pl, NULL, &e, &sys_err), -1);
	assert_int_equal(sys_err, 0);
	assert_string_equal(e.msg, TCPSTAT_FIXTURES "/proc-basic/net/tcpstat_data:5: missing \"ports\" section");
	free(pl.row);
	free(nl.row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_rows_any_order),
		cmocka_unit_test(test_columns_by_name),
		cmocka_unit_test(test_unknown_section_skipped),
		cmocka_unit_test(test_max_count),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_missing_or_duplicate_row),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_row),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_unknown_section_shape),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_read_fixtures),
		cmocka_unit_test(test_walk_section_skipped),
		cmocka_unit_test(test_ports_valid),
		cmocka_unit_test(test_ports_errors),
		cmocka_unit_test(test_netns_valid),
		cmocka_unit_test(test_netns_errors),
		cmocka_unit_test(test_read_want_fixtures),
	};

	return cmocka_run_group_tests_name("kmod", tests, NULL, NULL);
}
