// SPDX-License-Identifier: GPL-2.0
/* test_kmod.c - the strict parser of /proc/net/tcpstat_data. */
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
		     "CLOSING: count \"1?\" is not a decimal number");
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
	assert_contains(err.what, "CLOSING: count \"?1\" is not a decimal number");
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

	/* a directory: read() fails with EISDIR */
	assert_int_equal(kmod_read(TCPSTAT_FIXTURES, buf, sizeof(buf), &c, &e,
				   &missing), -1);
	assert_contains(e.msg, strerror(EISDIR));
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
	};

	return cmocka_run_group_tests_name("kmod", tests, NULL, NULL);
}
