// SPDX-License-Identifier: GPL-2.0
/* test_args.c - --interval, --count, --tag and --port values. */
#include "unit.h"

#include <getopt.h>

#include "args.h"
#include "err.h"

static void test_interval(void **state)
{
	uint64_t ns;

	(void)state;
	assert_int_equal(parse_interval("10", &ns), 0);
	assert_int_equal(ns, 10000000000ULL);
	assert_int_equal(parse_interval("0.5", &ns), 0);
	assert_int_equal(ns, 500000000ULL);
	assert_int_equal(parse_interval(".25", &ns), 0);
	assert_int_equal(ns, 250000000ULL);
	assert_int_equal(parse_interval("1.", &ns), -1);
	assert_int_equal(parse_interval("0.000000001", &ns), 0);
	assert_int_equal(ns, 1);
	assert_int_equal(parse_interval("86400", &ns), 0);
	assert_int_equal(ns, 86400000000000ULL);
	assert_int_equal(parse_interval("86400.0", &ns), 0);

	assert_int_equal(parse_interval("86400.1", &ns), -1);
	assert_int_equal(parse_interval("86401", &ns), -1);
	assert_int_equal(parse_interval("99999999999999999999999", &ns), -1);
	assert_int_equal(parse_interval("0", &ns), -1);
	assert_int_equal(parse_interval("0.0", &ns), -1);
	assert_int_equal(parse_interval("0.0000000001", &ns), -1);
	assert_int_equal(parse_interval("", &ns), -1);
	assert_int_equal(parse_interval(".", &ns), -1);
	assert_int_equal(parse_interval("-1", &ns), -1);
	assert_int_equal(parse_interval("+1", &ns), -1);
	assert_int_equal(parse_interval("1s", &ns), -1);
	assert_int_equal(parse_interval("1e3", &ns), -1);
	assert_int_equal(parse_interval(" 1", &ns), -1);
	assert_int_equal(parse_interval("1 ", &ns), -1);
	assert_int_equal(parse_interval("0x10", &ns), -1);
}

static void test_count(void **state)
{
	uint64_t n;

	(void)state;
	assert_int_equal(parse_count("1", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(parse_count("18446744073709551615", &n), 0);
	assert_int_equal(n, UINT64_MAX);
	assert_int_equal(parse_count("18446744073709551616", &n), -1);
	assert_int_equal(parse_count("0", &n), -1);
	assert_int_equal(parse_count("", &n), -1);
	assert_int_equal(parse_count("-3", &n), -1);
	assert_int_equal(parse_count("3x", &n), -1);
	assert_int_equal(parse_count("99999999999999999999999", &n), -1);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid(""));
	assert_true(utf8_valid("plain ascii"));
	assert_true(utf8_valid("gr\xc3\xbc\xc3\x9f"));		/* grüß */
	assert_true(utf8_valid("\xe2\x82\xac"));		/* € */
	assert_true(utf8_valid("\xf0\x9f\x98\x80"));		/* U+1F600 */
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	assert_false(utf8_valid("\xc3"));			/* cut short */
	assert_false(utf8_valid("\xc3x"));
	assert_false(utf8_valid("\x80"));			/* lone continuation */
	assert_false(utf8_valid("\xc0\xaf"));			/* overlong */
	assert_false(utf8_valid("\xe0\x80\xaf"));		/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80"));		/* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80"));		/* > U+10FFFF */
	assert_false(utf8_valid("\xff"));
}

static void test_label_name(void **state)
{
	(void)state;
	assert_true(label_name_valid("a"));
	assert_true(label_name_valid("_a"));
	assert_true(label_name_valid("dc_1"));
	assert_true(label_name_valid("Zone"));
	assert_false(label_name_valid(""));
	assert_false(label_name_valid("1a"));
	assert_false(label_name_valid("__name__"));
	assert_false(label_name_valid("__"));
	assert_false(label_name_valid("a-b"));
	assert_false(label_name_valid("a.b"));
	assert_false(label_name_valid("a b"));
	assert_false(label_name_valid("\xc3\xbc"));
}

static void expect_tag_error(const char *arg, const struct tcpstat_tag *tags,
			     size_t ntags, const char *why)
{
	char buf[256], msg[128];
	struct tcpstat_tag t;

	snprintf(buf, sizeof(buf), "%s", arg);
	assert_int_equal(parse_tag(buf, &t, tags, ntags, msg, sizeof(msg)), -1);
	assert_contains(msg, why);
	assert_string_equal(buf, arg); /* left as it was */
}

static void test_tag(void **state)
{
	char a[] = "dc=fra 1=x", c[] = "k=a=b";
	struct tcpstat_tag tags[4] = { { NULL, NULL } };
	char why[128];

	(void)state;
	assert_int_equal(parse_tag(a, &tags[0], tags, 0, why, sizeof(why)), 0);
	assert_string_equal(tags[0].key, "dc");
	assert_string_equal(tags[0].value, "fra 1=x");
	assert_int_equal(parse_tag(c, &tags[1], tags, 1, why, sizeof(why)), 0);
	assert_string_equal(tags[1].key, "k");
	assert_string_equal(tags[1].value, "a=b");

	expect_tag_error("dc=other", tags, 2, "duplicate key \"dc\"");
	expect_tag_error("nokey", tags, 2, "expected KEY=VALUE");
	expect_tag_error("=v", tags, 2, "key must match");
	expect_tag_error("__x=v", tags, 2, "key must match");
	expect_tag_error("a-b=v", tags, 2, "key must match");
	expect_tag_error("family=v", tags, 2, "reserved");
	expect_tag_error("state=v", tags, 2, "reserved");
	expect_tag_error("port=v", tags, 2, "key \"port\" is reserved");
	expect_tag_error("netns=v", tags, 2, "key \"netns\" is reserved");
	expect_tag_error("netns_name=v", tags, 2, "key \"netns_name\" is reserved");
	expect_tag_error("version=1", tags, 2, "key \"version\" is reserved");
	expect_tag_error("backend=x", tags, 2, "key \"backend\" is reserved");
	/* no format may carry them raw: line protocol cannot at all */
	expect_tag_error("x=a\nb", tags, 2, "control character U+000A");
	expect_tag_error("t=a\tb", tags, 2, "control character U+0009");
	expect_tag_error("t=a\rb", tags, 2, "control character U+000D");
	expect_tag_error("t=\x01", tags, 2, "control character U+0001");
	expect_tag_error("t=a\x7f", tags, 2, "control character U+007F");
	expect_tag_error("t=a\xc2\x9b", tags, 2, "control character U+009B");
	expect_tag_error("x=\xc3", tags, 2, "UTF-8");
	expect_tag_error("e=", tags, 2, "empty value");
}

static void test_printable(void **state)
{
	(void)state;
	assert_true(text_printable(""));
	assert_true(text_printable("web-1.example"));
	assert_true(text_printable("\xc3\xbc \xe2\x82\xac"));
	assert_false(text_printable("a\tb"));
	assert_false(text_printable("a\x1b[31m"));
	assert_false(text_printable("\x7f"));
	assert_false(text_printable("\xc2\x80"));
	assert_false(text_printable("\xff"));
}

/* Messages: what a terminal could take for a command never gets there raw. */
static void test_escape(void **state)
{
	char out[256], q[QUOTE_BUF];
	char long_tok[64];

	(void)state;
	assert_string_equal(escape_text(out, sizeof(out), "plain /proc/net/tcp: ok"),
			    "plain /proc/net/tcp: ok");
	assert_string_equal(escape_text(out, sizeof(out),
					"a\x1b[31mb\tc\xff\xc3\xbc\xc2\x9b\\"),
			    "a\\x1b[31mb\\x09c\\xff\xc3\xbc\\xc2\\x9b\\");
	/* cut, never in the middle of an escape */
	assert_string_equal(escape_text(out, 6, "ab\x01" "cd"), "ab");
	assert_string_equal(escape_text(out, 7, "ab\x01" "cd"), "ab\\x01");

	assert_string_equal(quote_token(q, sizeof(q), "1\r", 2), "\"1\\x0d\"");
	assert_string_equal(quote_token(q, sizeof(q), "a\"b\\", 4), "\"a\\\"b\\\\\"");
	assert_string_equal(quote_token(q, sizeof(q), "\0\xc3\xbc", 3), "\"\\x00\\xc3\\xbc\"");
	memset(long_tok, '\x1b', sizeof(long_tok));
	quote_token(q, sizeof(q), long_tok, sizeof(long_tok));
	assert_int_equal(strlen(q), 2 + 40 * 4 + 1); /* 40 escaped bytes and "." */
	assert_true(q[strlen(q) - 2] == '.');
}

static const struct option opts[] = {
	{ "format", required_argument, NULL, 256 },
	{ "port", required_argument, NULL, 257 },
	{ "ports", no_argument, NULL, 258 },
	{ "proc", required_argument, NULL, 259 },
	{ NULL, 0, NULL, 0 },
};

static void expect_problem(int c, int opt, const char *arg, const char *want)
{
	char msg[256];

	option_problem(opts, c, opt, arg, msg, sizeof(msg));
	assert_string_equal(msg, want);
}

static void test_option_problem(void **state)
{
	(void)state;
	expect_problem(':', 256, "--form", "option '--format' needs a value");
	expect_problem(':', 'x', "-x", "option '-x' needs a value");
	expect_problem('?', 258, "--ports=1", "option '--ports' takes no value");
	expect_problem('?', 'q', "-q", "unknown option '-q'");
	expect_problem('?', 0, "--frob", "unknown option '--frob'");
	expect_problem('?', 0, "--frob=1", "unknown option '--frob'");
	expect_problem('?', 0, "--po", "option '--po' is ambiguous (could be --port or --ports)");
	expect_problem('?', 0, "--p=1", "option '--p' is ambiguous (could be --port, --ports or --proc)");
}

/* getopt_long() itself, as main() runs it */
static void test_option_getopt(void **state)
{
	char a0[] = "tcpstat", a1[] = "--po", a2[] = "--ports=1", a3[] = "--format";
	char *argv[] = { a0, a1, a2, a3, NULL };
	char msg[256];
	int c;

	(void)state;
	opterr = 0;
	optind = 0;
	c = getopt_long(4, argv, "+:h", opts, NULL);
	option_problem(opts, c, optopt, argv[optind - 1], msg, sizeof(msg));
	assert_string_equal(msg, "option '--po' is ambiguous (could be --port or --ports)");
	c = getopt_long(4, argv, "+:h", opts, NULL);
	option_problem(opts, c, optopt, argv[optind - 1], msg, sizeof(msg));
	assert_string_equal(msg, "option '--ports' takes no value");
	c = getopt_long(4, argv, "+:h", opts, NULL);
	assert_int_equal(c, ':');
	option_problem(opts, c, optopt, argv[optind - 1], msg, sizeof(msg));
	assert_string_equal(msg, "option '--format' needs a value");
}

static void expect_port_error(const char *arg, const char *bad)
{
	struct port_filter f = { .active = false };
	char why[128];

	port_filter_set(&f, 7);
	assert_int_equal(parse_port_list(arg, &f, why, sizeof(why)), -1);
	assert_string_equal(why, bad);
	/* all or nothing: nothing of a bad list is added */
	for (uint32_t p = 0; p < TCPSTAT_NPORTS; p++)
		assert_int_equal(port_filter_has(&f, p), p == 7);
}

static void test_port_list(void **state)
{
	struct port_filter f = { .active = false };
	char why[128];

	(void)state;
	assert_true(port_filter_has(&f, 80)); /* inactive: every port */
	assert_int_equal(parse_port_list("80,443,80,0022", &f, why, sizeof(why)), 0);
	assert_true(f.active);
	assert_true(port_filter_has(&f, 80));
	assert_true(port_filter_has(&f, 443));
	assert_true(port_filter_has(&f, 22));
	assert_false(port_filter_has(&f, 8080));
	/* repeated --port options add up */
	assert_int_equal(parse_port_list("1,65535", &f, why, sizeof(why)), 0);
	assert_true(port_filter_has(&f, 1));
	assert_true(port_filter_has(&f, 65535));
	assert_true(port_filter_has(&f, 80));

	expect_port_error("0", "0");
	expect_port_error("65536", "65536");
	expect_port_error("80,99999999999999999999", "99999999999999999999");
	expect_port_error("80,,81", "");
	expect_port_error("", "");
	expect_port_error("80,", "");
	expect_port_error(",80", "");
	expect_port_error("http", "http");
	expect_port_error("80,-1", "-1");
	expect_port_error("+80", "+80");
	expect_port_error(" 80", " 80");
	expect_port_error("80 ,81", "80 ");
	expect_port_error("0x50", "0x50");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_label_name),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_option_problem),
		cmocka_unit_test(test_option_getopt),
		cmocka_unit_test(test_port_list),
	};

	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
