// SPDX-License-Identifier: GPL-2.0
/* test_format.c - exact JSON, Prometheus and Influx output. */
#include "unit.h"

#include "format.h"

/* 2026-11-23T10:00:00.123456789Z */
static const struct timespec now = { .tv_sec = 1795428000, .tv_nsec = 123456789 };

static struct tcpstat_counts sample(void)
{
	struct tcpstat_counts c = { .n = {
		[TCPSTAT_FAM_IPV4] = { 6, 1, 1, 1, 1, 0, 1, 1, 1, 2, 1 },
		[TCPSTAT_FAM_IPV6] = { 94, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0 },
	} };
	return c;
}

static void expect(const struct format_opts *o, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct tcpstat_counts c = sample();

	assert_int_equal(format_sample(&sb, o, &c, &now), 0);
	assert_string_equal(sb.data, want);
	assert_int_equal(sb.len, strlen(want));
	sb_free(&sb);
}

#define TOTALS "\"ESTABLISHED\":100,\"SYN_SENT\":1,\"SYN_RECV\":1,\"FIN_WAIT1\":1,\"FIN_WAIT2\":1,\"TIME_WAIT\":1,\"CLOSE\":1,\"CLOSE_WAIT\":1,\"LAST_ACK\":1,\"LISTEN\":4,\"CLOSING\":1"
#define V4 "{\"ESTABLISHED\":6,\"SYN_SENT\":1,\"SYN_RECV\":1,\"FIN_WAIT1\":1,\"FIN_WAIT2\":1,\"TIME_WAIT\":0,\"CLOSE\":1,\"CLOSE_WAIT\":1,\"LAST_ACK\":1,\"LISTEN\":2,\"CLOSING\":1}"
#define V6 "{\"ESTABLISHED\":94,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":1,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":2,\"CLOSING\":0}"

static void test_json_default(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .host = "web1" };

	(void)state;
	expect(&o, "{" TOTALS "}\n");
}

static void test_json_zeros(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON };
	struct strbuf sb = STRBUF_INIT;
	struct tcpstat_counts c = { 0 };

	(void)state;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_string_equal(sb.data, "{\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":0,\"CLOSING\":0}\n");
	/* appending a second sample keeps the first */
	c.n[0][0] = UINT64_MAX;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_contains(sb.data, "}\n{\"ESTABLISHED\":18446744073709551615,");
	sb_free(&sb);
}

static void test_json_family(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .family = true };

	(void)state;
	expect(&o, "{" TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6 "}\n");
}

static void test_json_meta_tags(void **state)
{
	static const struct tcpstat_tag tags[] = {
		{ "dc", "fra/1" },
		{ "role", "db \"primary\" \\ ü" },
	};
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .family = true,
				 .meta = true, .tags = tags, .ntags = 2,
				 .host = "web1" };

	(void)state;
	expect(&o, "{" TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6
	       ",\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\","
	       "\"tags\":{\"dc\":\"fra/1\",\"role\":\"db \\\"primary\\\" \\\\ ü\"}}\n");
}

static void test_json_host_tag(void **state)
{
	static const struct tcpstat_tag tags[] = { { "host", "override" } };
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .meta = true,
				 .tags = tags, .ntags = 1, .host = "web1" };

	(void)state;
	expect(&o, "{" TOTALS ",\"timestamp\":\"2026-11-23T10:00:00.123Z\","
	       "\"host\":\"override\",\"tags\":{\"host\":\"override\"}}\n");
}

#define PROM_HEAD "# HELP tcpstat_connections TCP connections by address family and state.\n" \
		  "# TYPE tcpstat_connections gauge\n"

static void test_prometheus(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .host = "web1" };

	(void)state;
	expect(&o, PROM_HEAD
	       "tcpstat_connections{family=\"ipv4\",state=\"established\"} 6\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"syn_sent\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"syn_recv\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"fin_wait1\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"fin_wait2\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"time_wait\"} 0\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"close\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"close_wait\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"last_ack\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"listen\"} 2\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"closing\"} 1\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"established\"} 94\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"syn_sent\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"syn_recv\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"fin_wait1\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"fin_wait2\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"time_wait\"} 1\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"close\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"close_wait\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"last_ack\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"listen\"} 2\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"closing\"} 0\n");
	/* --family changes nothing in prometheus */
	o.family = true;
	expect(&o, PROM_HEAD
	       "tcpstat_connections{family=\"ipv4\",state=\"established\"} 6\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"syn_sent\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"syn_recv\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"fin_wait1\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"fin_wait2\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"time_wait\"} 0\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"close\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"close_wait\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"last_ack\"} 1\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"listen\"} 2\n"
	       "tcpstat_connections{family=\"ipv4\",state=\"closing\"} 1\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"established\"} 94\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"syn_sent\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"syn_recv\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"fin_wait1\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"fin_wait2\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"time_wait\"} 1\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"close\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"close_wait\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"last_ack\"} 0\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"listen\"} 2\n"
	       "tcpstat_connections{family=\"ipv6\",state=\"closing\"} 0\n");
}

static void test_prometheus_labels(void **state)
{
	static const struct tcpstat_tag tags[] = {
		{ "dc", "a\"b\\c\td" },
		{ "zone", "x" },
	};
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .meta = true,
				 .tags = tags, .ntags = 2, .host = "web1" };
	struct strbuf sb = STRBUF_INIT;
	struct tcpstat_counts c = sample();

	(void)state;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_contains(sb.data, PROM_HEAD
			"tcpstat_connections{family=\"ipv4\",state=\"established\",host=\"web1\",dc=\"a\\\"b\\\\c\td\",zone=\"x\"} 6\n"
			"tcpstat_connections{family=\"ipv4\",state=\"syn_sent\",host=\"web1\",dc=\"a\\\"b\\\\c\td\",zone=\"x\"} 1\n");
	assert_contains(sb.data,
			"tcpstat_connections{family=\"ipv6\",state=\"closing\",host=\"web1\",dc=\"a\\\"b\\\\c\td\",zone=\"x\"} 0\n");
	sb_free(&sb);
}

static void test_prometheus_host_tag(void **state)
{
	static const struct tcpstat_tag tags[] = {
		{ "a", "1" }, { "host", "over\nride" },
	};
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .meta = true,
				 .tags = tags, .ntags = 2, .host = "web1" };
	struct strbuf sb = STRBUF_INIT;
	struct tcpstat_counts c = sample();

	(void)state;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	/* one host label, from the tag, newline escaped */
	assert_contains(sb.data,
			"tcpstat_connections{family=\"ipv4\",state=\"established\",host=\"over\\nride\",a=\"1\"} 6\n");
	assert_null(strstr(sb.data, "web1"));
	sb_free(&sb);
}

static void test_influx(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .host = "web1" };

	(void)state;
	expect(&o,
	       "tcpstat,family=ipv4,host=web1 established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
	       "tcpstat,family=ipv6,host=web1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n");
}

static void test_influx_tags(void **state)
{
	static const struct tcpstat_tag tags[] = {
		{ "dc", "a b,c=d\\e" },
		{ "host", "my host" },
	};
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .meta = true,
				 .tags = tags, .ntags = 2, .host = "web1" };

	(void)state;
	expect(&o,
	       "tcpstat,family=ipv4,host=my\\ host,dc=a\\ b\\,c\\=d\\\\e established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
	       "tcpstat,family=ipv6,host=my\\ host,dc=a\\ b\\,c\\=d\\\\e established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n");
}

static void test_influx_no_host(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .host = "" };
	struct strbuf sb = STRBUF_INIT;
	struct tcpstat_counts c = sample();

	(void)state;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_contains(sb.data, "tcpstat,family=ipv4 established=6i,");
	sb_free(&sb);
}

static void test_rfc3339(void **state)
{
	char buf[RFC3339_LEN];
	struct timespec t0 = { 0, 0 }, t1 = { 1795428000, 999999999 },
			t2 = { 951782400, 1000000 }; /* 2000-02-29 */

	(void)state;
	assert_int_equal(format_rfc3339(buf, &t0), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	assert_int_equal(format_rfc3339(buf, &t1), 0);
	assert_string_equal(buf, "2026-11-23T10:00:00.999Z");
	assert_int_equal(format_rfc3339(buf, &t2), 0);
	assert_string_equal(buf, "2000-02-29T00:00:00.001Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_default),
		cmocka_unit_test(test_json_zeros),
		cmocka_unit_test(test_json_family),
		cmocka_unit_test(test_json_meta_tags),
		cmocka_unit_test(test_json_host_tag),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_prometheus_labels),
		cmocka_unit_test(test_prometheus_host_tag),
		cmocka_unit_test(test_influx),
		cmocka_unit_test(test_influx_tags),
		cmocka_unit_test(test_influx_no_host),
		cmocka_unit_test(test_rfc3339),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
