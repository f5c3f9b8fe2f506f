// SPDX-License-Identifier: GPL-2.0
/* test_format.c - exact JSON, Prometheus and Influx output. */
#include "unit.h"

#include "format.h"

/* 2026-11-23T10:00:00.123456789Z */
static const struct timespec now = { .tv_sec = 1795428000, .tv_nsec = 123456789 };

static struct sample counts_fixture(void)
{
	struct sample s = { .c = { .n = {
		[TCPSTAT_FAM_IPV4] = { 6, 1, 1, 1, 1, 0, 1, 1, 1, 2, 1 },
		[TCPSTAT_FAM_IPV6] = { 94, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0 },
	} } };
	return s;
}

static void expect_sample(const struct format_opts *o, const struct sample *s,
			  const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(format_sample(&sb, o, s, &now), 0);
	assert_string_equal(sb.data ? sb.data : "", want);
	assert_int_equal(sb.len, strlen(want));
	sb_free(&sb);
}

static void expect(const struct format_opts *o, const char *want)
{
	struct sample s = counts_fixture();

	expect_sample(o, &s, want);
}

#define TOTALS "\"ESTABLISHED\":100,\"SYN_SENT\":1,\"SYN_RECV\":1,\"FIN_WAIT1\":1,\"FIN_WAIT2\":1,\"TIME_WAIT\":1,\"CLOSE\":1,\"CLOSE_WAIT\":1,\"LAST_ACK\":1,\"LISTEN\":4,\"CLOSING\":1"
#define V4 "{\"ESTABLISHED\":6,\"SYN_SENT\":1,\"SYN_RECV\":1,\"FIN_WAIT1\":1,\"FIN_WAIT2\":1,\"TIME_WAIT\":0,\"CLOSE\":1,\"CLOSE_WAIT\":1,\"LAST_ACK\":1,\"LISTEN\":2,\"CLOSING\":1}"
/* the self-metrics of a sample the tests build: version "", backend unset */
#define JSON_SELF ",\"up\":1,\"sample_duration_seconds\":0,\"build_info\":{\"version\":\"\",\"backend\":\"none\"}"
#define V6 "{\"ESTABLISHED\":94,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":1,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":2,\"CLOSING\":0}"

static void test_json_default(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .host = "web1" };

	(void)state;
	expect(&o, "{" TOTALS JSON_SELF "}\n");
}

static void test_json_zeros(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON };
	struct strbuf sb = STRBUF_INIT;
	struct sample c = { 0 };

	(void)state;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_string_equal(sb.data, "{\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":0,\"CLOSING\":0" JSON_SELF "}\n");
	/* appending a second sample keeps the first */
	c.c.n[0][0] = UINT64_MAX;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_contains(sb.data, "}\n{\"ESTABLISHED\":18446744073709551615,");
	sb_free(&sb);
}

static void test_json_family(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .family = true };

	(void)state;
	expect(&o, "{" TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6 JSON_SELF "}\n");
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
	expect(&o, "{" TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6 JSON_SELF
	       ",\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\","
	       "\"tags\":{\"dc\":\"fra/1\",\"role\":\"db \\\"primary\\\" \\\\ ü\"}}\n");
}

static void test_json_host_tag(void **state)
{
	static const struct tcpstat_tag tags[] = { { "host", "override" } };
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .meta = true,
				 .tags = tags, .ntags = 1, .host = "web1" };

	(void)state;
	expect(&o, "{" TOTALS JSON_SELF ",\"timestamp\":\"2026-11-23T10:00:00.123Z\","
	       "\"host\":\"override\",\"tags\":{\"host\":\"override\"}}\n");
}

#define PROM_HEAD "# HELP tcpstat_connections TCP connections by address family and state.\n" \
		  "# TYPE tcpstat_connections gauge\n"

/* The self-metrics: @l the labels of tcpstat_up ("{...}" or ""), @bl
 * those of tcpstat_build_info after its own (",..." or "") */
#define PROM_SELF_UP(l, bl, up) \
	"# HELP tcpstat_up 1 if this sample was read from the source, 0 if the source failed (the sample then has no counts).\n" \
	"# TYPE tcpstat_up gauge\n" \
	"tcpstat_up" l " " up "\n" \
	"# HELP tcpstat_sample_duration_seconds How long reading this sample from the source took.\n" \
	"# TYPE tcpstat_sample_duration_seconds gauge\n" \
	"tcpstat_sample_duration_seconds" l " 0\n" \
	"# HELP tcpstat_build_info The version of tcpstat and the backend that answered (always 1).\n" \
	"# TYPE tcpstat_build_info gauge\n" \
	"tcpstat_build_info{version=\"\",backend=\"none\"" bl "} 1\n"
#define PROM_SELF(l, bl) PROM_SELF_UP(l, bl, "1")

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
	       "tcpstat_connections{family=\"ipv6\",state=\"closing\"} 0\n"
	       PROM_SELF("", ""));
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
	       "tcpstat_connections{family=\"ipv6\",state=\"closing\"} 0\n"
	       PROM_SELF("", ""));
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
	struct sample c = counts_fixture();

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
	struct sample c = counts_fixture();

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
	       "tcpstat,family=ipv6,host=web1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
	       "tcpstat_sample,backend=none,host=web1 up=1i,duration_seconds=0 1795428000123456789\n");
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
	       "tcpstat,family=ipv6,host=my\\ host,dc=a\\ b\\,c\\=d\\\\e established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
	       "tcpstat_sample,backend=none,host=my\\ host,dc=a\\ b\\,c\\=d\\\\e up=1i,duration_seconds=0 1795428000123456789\n");
}

static void test_influx_no_host(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .host = "" };
	struct strbuf sb = STRBUF_INIT;
	struct sample c = counts_fixture();

	(void)state;
	assert_int_equal(format_sample(&sb, &o, &c, &now), 0);
	assert_contains(sb.data, "tcpstat,family=ipv4 established=6i,");
	sb_free(&sb);
}

/* ---- --ports ---- */

static struct port_row port_rows[] = {
	{ .port = 80, .listeners = 2, .accept_queue = 5, .backlog = 6,
	  .fullest_queue = 3, .fullest_backlog = 2,
	  .n = { 120, 0, 4, 0, 0, 35, 0, 0, 0, 2, 0 } },
	{ .port = 8080, .listeners = 1, .accept_queue = 1, .backlog = 3,
	  .fullest_queue = 1, .fullest_backlog = 3,
	  .n = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 } },
	{ .port = 65535, .listeners = 1, .accept_queue = 1, .backlog = 0,
	  .fullest_queue = 1, .fullest_backlog = 0,
	  .n = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 } },
};

static struct sample ports_fixture(bool backlog_known)
{
	struct sample s = counts_fixture();

	s.ports.row = port_rows;
	s.ports.n = 3;
	s.ports.cap = 3;
	s.ports.backlog_known = backlog_known;
	return s;
}

#define S80 "{\"ESTABLISHED\":120,\"SYN_SENT\":0,\"SYN_RECV\":4,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":35,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":2,\"CLOSING\":0}"
#define S1 "{\"ESTABLISHED\":1,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0}"
#define S0 "{\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0}"

static void test_json_ports(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .ports = true, .meta = true,
				 .host = "web1" };
	struct sample s = ports_fixture(true);

	(void)state;
	expect_sample(&o, &s, "{" TOTALS ",\"ports\":["
		      "{\"port\":80,\"listeners\":2,\"accept_queue\":5,\"backlog\":6,"
		      "\"fullest_queue\":3,\"fullest_backlog\":2,\"saturated\":true,\"states\":" S80 "},"
		      "{\"port\":8080,\"listeners\":1,\"accept_queue\":1,\"backlog\":3,"
		      "\"fullest_queue\":1,\"fullest_backlog\":3,\"saturated\":false,\"states\":" S1 "},"
		      "{\"port\":65535,\"listeners\":1,\"accept_queue\":1,\"backlog\":0,"
		      "\"fullest_queue\":1,\"fullest_backlog\":0,\"saturated\":true,\"states\":" S0 "}]"
		      JSON_SELF ",\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\"}\n");
	/* --family: the family objects come before "ports" */
	o.meta = false;
	o.family = true;
	s.ports.n = 1;
	expect_sample(&o, &s, "{" TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6 ",\"ports\":["
		      "{\"port\":80,\"listeners\":2,\"accept_queue\":5,\"backlog\":6,"
		      "\"fullest_queue\":3,\"fullest_backlog\":2,\"saturated\":true,\"states\":" S80 "}]" JSON_SELF "}\n");
	/* no listening port: an empty list */
	o.family = false;
	s.ports.n = 0;
	expect_sample(&o, &s, "{" TOTALS ",\"ports\":[]" JSON_SELF "}\n");
}

static void test_json_ports_no_backlog(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .ports = true };
	struct sample s = ports_fixture(false);

	(void)state;
	s.ports.n = 2;
	expect_sample(&o, &s, "{" TOTALS ",\"ports\":["
		      "{\"port\":80,\"listeners\":2,\"accept_queue\":5,\"backlog\":null,"
		      "\"fullest_queue\":null,\"fullest_backlog\":null,\"saturated\":null,\"states\":" S80 "},"
		      "{\"port\":8080,\"listeners\":1,\"accept_queue\":1,\"backlog\":null,"
		      "\"fullest_queue\":null,\"fullest_backlog\":null,\"saturated\":null,\"states\":" S1 "}]" JSON_SELF "}\n");
}

#define PROM_V4V6 \
	"tcpstat_connections{family=\"ipv4\",state=\"established\"} 6\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"syn_sent\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"syn_recv\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"fin_wait1\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"fin_wait2\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"time_wait\"} 0\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"close\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"close_wait\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"last_ack\"} 1\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"listen\"} 2\n" \
	"tcpstat_connections{family=\"ipv4\",state=\"closing\"} 1\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"established\"} 94\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"syn_sent\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"syn_recv\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"fin_wait1\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"fin_wait2\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"time_wait\"} 1\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"close\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"close_wait\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"last_ack\"} 0\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"listen\"} 2\n" \
	"tcpstat_connections{family=\"ipv6\",state=\"closing\"} 0\n"

#define PORT_STATES(p, l, a, b, c, d, e, f, g, h, i, j, k) \
	"tcpstat_port_connections{port=\"" p "\",state=\"established\"" l "} " a "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"syn_sent\"" l "} " b "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"syn_recv\"" l "} " c "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"fin_wait1\"" l "} " d "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"fin_wait2\"" l "} " e "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"time_wait\"" l "} " f "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"close\"" l "} " g "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"close_wait\"" l "} " h "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"last_ack\"" l "} " i "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"listen\"" l "} " j "\n" \
	"tcpstat_port_connections{port=\"" p "\",state=\"closing\"" l "} " k "\n"

#define PROM_PORT_HEAD "# HELP tcpstat_port_connections TCP sockets whose local port is a listening port, by state (its listeners included).\n" \
	"# TYPE tcpstat_port_connections gauge\n"
#define PROM_LISTENERS "# HELP tcpstat_listeners Listening sockets on the port (IPv4 and IPv6, every SO_REUSEPORT member).\n" \
	"# TYPE tcpstat_listeners gauge\n"
#define PROM_QUEUE "# HELP tcpstat_listen_queue Connections waiting to be accepted on the port: the sum of its listeners' accept queues.\n" \
	"# TYPE tcpstat_listen_queue gauge\n"
#define PROM_BACKLOG "# HELP tcpstat_listen_backlog Accept queue limits (listen backlog) of the port's listeners, summed.\n" \
	"# TYPE tcpstat_listen_backlog gauge\n"
#define PROM_RATIO "# HELP tcpstat_listen_queue_fullest_ratio Accept queue length over max(limit, 1) of the port's fullest listener; the kernel drops new connections to a listener whose queue is longer than its limit.\n" \
	"# TYPE tcpstat_listen_queue_fullest_ratio gauge\n"

static void test_prometheus_ports(void **state)
{
	static const struct tcpstat_tag tags[] = { { "dc", "fra1" } };
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .ports = true,
				 .tags = tags, .ntags = 1, .host = "web1" };
	struct sample s = ports_fixture(true);

	(void)state;
	expect_sample(&o, &s, PROM_HEAD
		      "tcpstat_connections{family=\"ipv4\",state=\"established\",dc=\"fra1\"} 6\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"syn_sent\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"syn_recv\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"fin_wait1\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"fin_wait2\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"time_wait\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"close\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"close_wait\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"last_ack\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"listen\",dc=\"fra1\"} 2\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"closing\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"established\",dc=\"fra1\"} 94\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"syn_sent\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"syn_recv\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"fin_wait1\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"fin_wait2\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"time_wait\",dc=\"fra1\"} 1\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"close\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"close_wait\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"last_ack\",dc=\"fra1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"listen\",dc=\"fra1\"} 2\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"closing\",dc=\"fra1\"} 0\n"
		      PROM_PORT_HEAD
		      PORT_STATES("80", ",dc=\"fra1\"", "120", "0", "4", "0", "0", "35", "0", "0", "0", "2", "0")
		      PORT_STATES("8080", ",dc=\"fra1\"", "1", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0")
		      PORT_STATES("65535", ",dc=\"fra1\"", "0", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0")
		      PROM_LISTENERS
		      "tcpstat_listeners{port=\"80\",dc=\"fra1\"} 2\n"
		      "tcpstat_listeners{port=\"8080\",dc=\"fra1\"} 1\n"
		      "tcpstat_listeners{port=\"65535\",dc=\"fra1\"} 1\n"
		      PROM_QUEUE
		      "tcpstat_listen_queue{port=\"80\",dc=\"fra1\"} 5\n"
		      "tcpstat_listen_queue{port=\"8080\",dc=\"fra1\"} 1\n"
		      "tcpstat_listen_queue{port=\"65535\",dc=\"fra1\"} 1\n"
		      PROM_BACKLOG
		      "tcpstat_listen_backlog{port=\"80\",dc=\"fra1\"} 6\n"
		      "tcpstat_listen_backlog{port=\"8080\",dc=\"fra1\"} 3\n"
		      "tcpstat_listen_backlog{port=\"65535\",dc=\"fra1\"} 0\n"
		      PROM_RATIO
		      "tcpstat_listen_queue_fullest_ratio{port=\"80\",dc=\"fra1\"} 1.5\n"
		      "tcpstat_listen_queue_fullest_ratio{port=\"8080\",dc=\"fra1\"} 0.3333333333333333\n"
		      "tcpstat_listen_queue_fullest_ratio{port=\"65535\",dc=\"fra1\"} 1\n"
		      PROM_SELF("{dc=\"fra1\"}", ",dc=\"fra1\""));
}

static void test_prometheus_ports_no_backlog(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .ports = true,
				 .meta = true, .host = "web1" };
	struct sample s = ports_fixture(false);
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	s.ports.n = 1;
	assert_int_equal(format_sample(&sb, &o, &s, &now), 0);
	/* the series /proc/net/tcp cannot give are left out, not zero */
	assert_contains(sb.data,
			"tcpstat_connections{family=\"ipv6\",state=\"closing\",host=\"web1\"} 0\n"
			PROM_PORT_HEAD
			PORT_STATES("80", ",host=\"web1\"", "120", "0", "4", "0", "0", "35", "0", "0", "0", "2", "0")
			PROM_LISTENERS
			"tcpstat_listeners{port=\"80\",host=\"web1\"} 2\n"
			PROM_QUEUE
			"tcpstat_listen_queue{port=\"80\",host=\"web1\"} 5\n");
	assert_true(sb.data[sb.len - 1] == '\n');
	assert_null(strstr(sb.data, "backlog"));
	assert_null(strstr(sb.data, "fullest_ratio"));
	assert_contains(sb.data + sb.len - strlen("tcpstat_listen_queue{port=\"80\",host=\"web1\"} 5\n"
						  PROM_SELF("{host=\"web1\"}", ",host=\"web1\"")),
			"tcpstat_listen_queue{port=\"80\",host=\"web1\"} 5\n"
			PROM_SELF("{host=\"web1\"}", ",host=\"web1\""));
	sb_free(&sb);

	/* no listening port: no port family at all */
	s.ports.n = 0;
	expect_sample(&o, &s, PROM_HEAD
		      "tcpstat_connections{family=\"ipv4\",state=\"established\",host=\"web1\"} 6\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"syn_sent\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"syn_recv\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"fin_wait1\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"fin_wait2\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"time_wait\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"close\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"close_wait\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"last_ack\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"listen\",host=\"web1\"} 2\n"
		      "tcpstat_connections{family=\"ipv4\",state=\"closing\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"established\",host=\"web1\"} 94\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"syn_sent\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"syn_recv\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"fin_wait1\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"fin_wait2\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"time_wait\",host=\"web1\"} 1\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"close\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"close_wait\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"last_ack\",host=\"web1\"} 0\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"listen\",host=\"web1\"} 2\n"
		      "tcpstat_connections{family=\"ipv6\",state=\"closing\",host=\"web1\"} 0\n"
		      PROM_SELF("{host=\"web1\"}", ",host=\"web1\""));
	/* without --ports, the port view is not written even if present */
	o.ports = false;
	o.meta = false;
	s.ports.n = 3;
	expect_sample(&o, &s, PROM_HEAD PROM_V4V6 PROM_SELF("", ""));
}

static void test_influx_ports(void **state)
{
	static const struct tcpstat_tag tags[] = { { "dc", "fra 1" } };
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .ports = true,
				 .tags = tags, .ntags = 1, .host = "web1" };
	struct sample s = ports_fixture(true);

	(void)state;
	s.ports.n = 2;
	expect_sample(&o, &s,
		      "tcpstat,family=ipv4,host=web1,dc=fra\\ 1 established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
		      "tcpstat,family=ipv6,host=web1,dc=fra\\ 1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_port,port=80,host=web1,dc=fra\\ 1 listeners=2i,accept_queue=5i,backlog=6i,fullest_queue=3i,fullest_backlog=2i,established=120i,syn_sent=0i,syn_recv=4i,fin_wait1=0i,fin_wait2=0i,time_wait=35i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_port,port=8080,host=web1,dc=fra\\ 1 listeners=1i,accept_queue=1i,backlog=3i,fullest_queue=1i,fullest_backlog=3i,established=1i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=1i,closing=0i 1795428000123456789\n"
		      "tcpstat_sample,backend=none,host=web1,dc=fra\\ 1 up=1i,duration_seconds=0 1795428000123456789\n");
	/* procfs: the fields it cannot know are left out */
	s.ports.backlog_known = false;
	s.ports.n = 1;
	o.ntags = 0;
	expect_sample(&o, &s,
		      "tcpstat,family=ipv4,host=web1 established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
		      "tcpstat,family=ipv6,host=web1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_port,port=80,host=web1 listeners=2i,accept_queue=5i,established=120i,syn_sent=0i,syn_recv=4i,fin_wait1=0i,fin_wait2=0i,time_wait=35i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_sample,backend=none,host=web1 up=1i,duration_seconds=0 1795428000123456789\n");
}

/* ---- --all-netns ---- */

static struct netns_row netns_rows[] = {
	{ .inode = 4026531840, .name = NULL, .c = { .n = {
		[TCPSTAT_FAM_IPV4] = { 6, 1, 1, 1, 1, 0, 1, 1, 1, 2, 1 },
		[TCPSTAT_FAM_IPV6] = { 94, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0 } } } },
	{ .inode = 4026532301, .name = "blue team", .c = { .n = {
		[TCPSTAT_FAM_IPV4] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 } } } },
};

static struct sample netns_fixture(void)
{
	struct sample s = { .c = { .n = { { 99 } } } }; /* never printed */

	s.netns.row = netns_rows;
	s.netns.n = 2;
	s.netns.cap = 2;
	return s;
}

#define BLUE_TOTALS "\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0"
#define ZERO "{\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":0,\"CLOSING\":0}"

static void test_json_netns(void **state)
{
	static const struct tcpstat_tag tags[] = { { "dc", "fra1" } };
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .all_netns = true,
				 .host = "web1" };
	struct sample s = netns_fixture();

	(void)state;
	expect_sample(&o, &s, "{\"netns\":[{\"inode\":4026531840," TOTALS "},"
		      "{\"inode\":4026532301,\"name\":\"blue team\"," BLUE_TOTALS "}]" JSON_SELF "}\n");
	o.family = true;
	o.meta = true;
	o.tags = tags;
	o.ntags = 1;
	expect_sample(&o, &s, "{\"netns\":[{\"inode\":4026531840," TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6 "},"
		      "{\"inode\":4026532301,\"name\":\"blue team\"," BLUE_TOTALS
		      ",\"ipv4\":{" BLUE_TOTALS "},\"ipv6\":" ZERO "}]" JSON_SELF
		      ",\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\",\"tags\":{\"dc\":\"fra1\"}}\n");
	/* --ports is refused with --all-netns; the format ignores it */
	o.family = o.meta = false;
	o.ntags = 0;
	o.ports = true;
	s.netns.n = 0;
	expect_sample(&o, &s, "{\"netns\":[]" JSON_SELF "}\n");
}

#define NS_STATES(pre, f, a, b, c, d, e, g, h, i, j, k, l, post) \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"established\"" post "} " a "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"syn_sent\"" post "} " b "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"syn_recv\"" post "} " c "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"fin_wait1\"" post "} " d "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"fin_wait2\"" post "} " e "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"time_wait\"" post "} " g "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"close\"" post "} " h "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"close_wait\"" post "} " i "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"last_ack\"" post "} " j "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"listen\"" post "} " k "\n" \
	"tcpstat_connections{" pre ",family=\"" f "\",state=\"closing\"" post "} " l "\n"

static void test_prometheus_netns(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .all_netns = true,
				 .meta = true, .host = "web1" };
	struct sample s = netns_fixture();

	(void)state;
	expect_sample(&o, &s,
		      "# HELP tcpstat_connections TCP connections by network namespace, address family and state.\n"
		      "# TYPE tcpstat_connections gauge\n"
		      NS_STATES("netns=\"4026531840\",netns_name=\"\"", "ipv4",
				"6", "1", "1", "1", "1", "0", "1", "1", "1", "2", "1", ",host=\"web1\"")
		      NS_STATES("netns=\"4026531840\",netns_name=\"\"", "ipv6",
				"94", "0", "0", "0", "0", "1", "0", "0", "0", "2", "0", ",host=\"web1\"")
		      NS_STATES("netns=\"4026532301\",netns_name=\"blue team\"", "ipv4",
				"0", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0", ",host=\"web1\"")
		      NS_STATES("netns=\"4026532301\",netns_name=\"blue team\"", "ipv6",
				"0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", ",host=\"web1\"")
		      PROM_SELF("{host=\"web1\"}", ",host=\"web1\""));
	/* no namespace with sockets: the self-metrics only */
	s.netns.n = 0;
	expect_sample(&o, &s, PROM_SELF("{host=\"web1\"}", ",host=\"web1\""));
}

static void test_influx_netns(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .all_netns = true,
				 .host = "web1" };
	struct sample s = netns_fixture();

	(void)state;
	expect_sample(&o, &s,
		      "tcpstat,netns=4026531840,family=ipv4,host=web1 established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
		      "tcpstat,netns=4026531840,family=ipv6,host=web1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat,netns=4026532301,netns_name=blue\\ team,family=ipv4,host=web1 established=0i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=1i,closing=0i 1795428000123456789\n"
		      "tcpstat,netns=4026532301,netns_name=blue\\ team,family=ipv6,host=web1 established=0i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=0i,closing=0i 1795428000123456789\n"
		      "tcpstat_sample,backend=none,host=web1 up=1i,duration_seconds=0 1795428000123456789\n");
	s.netns.n = 0;
	expect_sample(&o, &s, "tcpstat_sample,backend=none,host=web1 up=1i,duration_seconds=0 1795428000123456789\n");
}

/* ---- --counters, and the container identity of --all-netns ---- */

static const struct tcp_counters counters_fixture = { .v = { 11, 22, 33, 44, 55, 66, 77 } };

#define JSON_COUNTERS "\"counters\":{\"active_opens\":11,\"passive_opens\":22,\"attempt_fails\":33,\"estab_resets\":44,\"retrans_segs\":55,\"listen_overflows\":66,\"listen_drops\":77}"

/* The seven counter families: @fam(name) the name HELP and TYPE give, @l the labels and @v0.. the values. */
#define HELP_AO "TCP connections opened actively (SYN_SENT from CLOSED), Tcp: ActiveOpens of /proc/net/snmp."
#define HELP_PO "TCP connections opened passively (SYN_RECV from LISTEN), Tcp: PassiveOpens of /proc/net/snmp."
#define HELP_AF "TCP connection attempts that failed (SYN_SENT or SYN_RECV to CLOSED, SYN_RECV to LISTEN), Tcp: AttemptFails of /proc/net/snmp."
#define HELP_ER "TCP connections reset in ESTABLISHED or CLOSE_WAIT, Tcp: EstabResets of /proc/net/snmp."
#define HELP_RS "TCP segments retransmitted, Tcp: RetransSegs of /proc/net/snmp."
#define HELP_LO "Connections a listener could not take because its accept queue was full, TcpExt: ListenOverflows of /proc/net/netstat."
#define HELP_LD "Connection requests dropped at a listener for any reason (overflows included), TcpExt: ListenDrops of /proc/net/netstat."
#define PROM_COUNTER(name, sfx, help, lines) \
	"# HELP tcpstat_" name sfx " " help "\n# TYPE tcpstat_" name sfx " counter\n" lines
#define PROM_COUNTERS(sfx, l, a, b, c, d, e, f, g) \
	PROM_COUNTER("active_opens", sfx, HELP_AO, "tcpstat_active_opens_total" l " " a "\n") \
	PROM_COUNTER("passive_opens", sfx, HELP_PO, "tcpstat_passive_opens_total" l " " b "\n") \
	PROM_COUNTER("attempt_fails", sfx, HELP_AF, "tcpstat_attempt_fails_total" l " " c "\n") \
	PROM_COUNTER("estab_resets", sfx, HELP_ER, "tcpstat_estab_resets_total" l " " d "\n") \
	PROM_COUNTER("retrans_segs", sfx, HELP_RS, "tcpstat_retrans_segs_total" l " " e "\n") \
	PROM_COUNTER("listen_overflows", sfx, HELP_LO, "tcpstat_listen_overflows_total" l " " f "\n") \
	PROM_COUNTER("listen_drops", sfx, HELP_LD, "tcpstat_listen_drops_total" l " " g "\n")

static void test_json_counters(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .host = "web1" };
	struct sample s = counts_fixture();
	struct port_row r = { .port = 80, .listeners = 1, .n = { [9] = 1 } };

	(void)state;
	s.has_counters = true;
	s.counters = counters_fixture;
	expect_sample(&o, &s, "{" TOTALS "," JSON_COUNTERS JSON_SELF "}\n");
	/* after the families, before the ports */
	o.family = true;
	o.ports = true;
	s.ports.row = &r;
	s.ports.n = 1;
	s.ports.backlog_known = false;
	expect_sample(&o, &s, "{" TOTALS ",\"ipv4\":" V4 ",\"ipv6\":" V6 "," JSON_COUNTERS
		      ",\"ports\":[{\"port\":80,\"listeners\":1,\"accept_queue\":0,\"backlog\":null,"
		      "\"fullest_queue\":null,\"fullest_backlog\":null,\"saturated\":null,\"states\":"
		      "{\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0}}]"
		      JSON_SELF "}\n");
	/* a failed sample has no counters either */
	s.failed = true;
	expect_sample(&o, &s, "{\"up\":0,\"sample_duration_seconds\":0,\"build_info\":{\"version\":\"\",\"backend\":\"none\"}}\n");
}

static void test_prometheus_counters(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS };
	struct sample s = counts_fixture();

	(void)state;
	s.has_counters = true;
	s.counters = counters_fixture;
	/* 0.0.4: the family is named as its sample */
	expect_sample(&o, &s, PROM_HEAD PROM_V4V6
		      PROM_COUNTERS("_total", "", "11", "22", "33", "44", "55", "66", "77")
		      PROM_SELF("", ""));
	/* OpenMetrics: the family without "_total", the sample with it */
	o.openmetrics = true;
	expect_sample(&o, &s, PROM_HEAD PROM_V4V6
		      PROM_COUNTERS("", "", "11", "22", "33", "44", "55", "66", "77")
		      PROM_SELF("", ""));
	/* the host label */
	o.openmetrics = false;
	o.meta = true;
	o.host = "web1";
	s.counters.v[TCPC_LISTEN_DROPS] = UINT64_MAX;
	{
		struct strbuf sb = STRBUF_INIT;

		assert_int_equal(format_sample(&sb, &o, &s, &now), 0);
		assert_contains(sb.data, "tcpstat_connections{family=\"ipv6\",state=\"closing\",host=\"web1\"} 0\n"
				PROM_COUNTERS("_total", "{host=\"web1\"}", "11", "22", "33", "44", "55", "66",
					      "18446744073709551615")
				PROM_SELF("{host=\"web1\"}", ",host=\"web1\""));
		sb_free(&sb);
	}
	s.failed = true;
	expect_sample(&o, &s, PROM_SELF_UP("{host=\"web1\"}", ",host=\"web1\"", "0"));
}

static void test_influx_counters(void **state)
{
	static const struct tcpstat_tag tags[] = { { "dc", "fra1" } };
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .host = "web1",
				 .tags = tags, .ntags = 1 };
	struct sample s = counts_fixture();

	(void)state;
	s.has_counters = true;
	s.counters = counters_fixture;
	expect_sample(&o, &s,
		      "tcpstat,family=ipv4,host=web1,dc=fra1 established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
		      "tcpstat,family=ipv6,host=web1,dc=fra1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_counters,host=web1,dc=fra1 active_opens=11i,passive_opens=22i,attempt_fails=33i,estab_resets=44i,retrans_segs=55i,listen_overflows=66i,listen_drops=77i 1795428000123456789\n"
		      "tcpstat_sample,backend=none,host=web1,dc=fra1 up=1i,duration_seconds=0 1795428000123456789\n");
}

/* Two namespaces: a Kubernetes pod's with its counters, a service's gone before they were read. */
static const struct cgroup_id pod_id = {
	.runtime = CGID_RT_CONTAINERD,
	.container_id = "3f1c9e2b7a4d5c6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a",
	.pod_uid = "0b7632a2-a56e-4278-987a-22de18008dbe",
};
static const struct cgroup_id unit_id = { .runtime = CGID_RT_SYSTEMD, .unit = "web.service" };

static struct netns_row id_rows[] = {
	{ .inode = 4026532301, .name = "pod", .id = &pod_id, .has_counters = true,
	  .counters = { .v = { 11, 22, 33, 44, 55, 66, 77 } },
	  .c = { .n = { [TCPSTAT_FAM_IPV4] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 } } } },
	{ .inode = 4026532400, .id = &unit_id,
	  .c = { .n = { [TCPSTAT_FAM_IPV6] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0 } } } },
};

static struct sample id_fixture(void)
{
	struct sample s = { .netns = { .row = id_rows, .n = 2, .cap = 2 } };

	return s;
}

#define POD_ID "3f1c9e2b7a4d5c6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a"
#define POD_UID "0b7632a2-a56e-4278-987a-22de18008dbe"

static void test_json_identity(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .all_netns = true };
	struct sample s = id_fixture();

	(void)state;
	expect_sample(&o, &s, "{\"netns\":[{\"inode\":4026532301,\"name\":\"pod\","
		      "\"container_id\":\"" POD_ID "\",\"pod_uid\":\"" POD_UID "\",\"runtime\":\"containerd\","
		      "\"ESTABLISHED\":1,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":1,\"CLOSING\":0,"
		      JSON_COUNTERS "},"
		      "{\"inode\":4026532400,\"runtime\":\"systemd\",\"unit\":\"web.service\","
		      "\"ESTABLISHED\":0,\"SYN_SENT\":0,\"SYN_RECV\":0,\"FIN_WAIT1\":0,\"FIN_WAIT2\":0,\"TIME_WAIT\":0,\"CLOSE\":0,\"CLOSE_WAIT\":0,\"LAST_ACK\":0,\"LISTEN\":2,\"CLOSING\":0}]"
		      JSON_SELF "}\n");
}

#define POD_LABELS "netns=\"4026532301\",netns_name=\"pod\",container_id=\"" POD_ID "\",pod_uid=\"" POD_UID "\",runtime=\"containerd\""
#define UNIT_LABELS "netns=\"4026532400\",netns_name=\"\",runtime=\"systemd\",unit=\"web.service\""

static void test_prometheus_identity(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_PROMETHEUS, .all_netns = true,
				 .openmetrics = true };
	struct sample s = id_fixture();

	(void)state;
	/* a counter family holds only the namespaces that have counters */
	expect_sample(&o, &s,
		      "# HELP tcpstat_connections TCP connections by network namespace, address family and state.\n"
		      "# TYPE tcpstat_connections gauge\n"
		      NS_STATES(POD_LABELS, "ipv4", "1", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0", "")
		      NS_STATES(POD_LABELS, "ipv6", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "")
		      NS_STATES(UNIT_LABELS, "ipv4", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "")
		      NS_STATES(UNIT_LABELS, "ipv6", "0", "0", "0", "0", "0", "0", "0", "0", "0", "2", "0", "")
		      PROM_COUNTERS("", "{" POD_LABELS "}", "11", "22", "33", "44", "55", "66", "77")
		      PROM_SELF("", ""));
	/* none has counters: no counter family */
	id_rows[0].has_counters = false;
	s = id_fixture();
	o.openmetrics = false;
	{
		struct strbuf sb = STRBUF_INIT;

		assert_int_equal(format_sample(&sb, &o, &s, &now), 0);
		assert_null(strstr(sb.data, "_total"));
		assert_non_null(strstr(sb.data, "tcpstat_connections{" UNIT_LABELS ",family=\"ipv6\",state=\"listen\"} 2\n"));
		sb_free(&sb);
	}
	id_rows[0].has_counters = true;
}

static void test_influx_identity(void **state)
{
	struct format_opts o = { .format = TCPSTAT_FMT_INFLUX, .all_netns = true, .host = "web1" };
	struct sample s = id_fixture();

	(void)state;
	expect_sample(&o, &s,
		      "tcpstat,netns=4026532301,netns_name=pod,container_id=" POD_ID ",pod_uid=" POD_UID ",runtime=containerd,family=ipv4,host=web1 established=1i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=1i,closing=0i 1795428000123456789\n"
		      "tcpstat,netns=4026532301,netns_name=pod,container_id=" POD_ID ",pod_uid=" POD_UID ",runtime=containerd,family=ipv6,host=web1 established=0i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=0i,closing=0i 1795428000123456789\n"
		      "tcpstat_counters,netns=4026532301,netns_name=pod,container_id=" POD_ID ",pod_uid=" POD_UID ",runtime=containerd,host=web1 active_opens=11i,passive_opens=22i,attempt_fails=33i,estab_resets=44i,retrans_segs=55i,listen_overflows=66i,listen_drops=77i 1795428000123456789\n"
		      "tcpstat,netns=4026532400,runtime=systemd,unit=web.service,family=ipv4,host=web1 established=0i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=0i,closing=0i 1795428000123456789\n"
		      "tcpstat,netns=4026532400,runtime=systemd,unit=web.service,family=ipv6,host=web1 established=0i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=0i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_sample,backend=none,host=web1 up=1i,duration_seconds=0 1795428000123456789\n");
}

/* ---- self-metrics: every format, a sample read and a failed one ---- */

static void test_self_metrics(void **state)
{
	static const struct tcpstat_tag tags[] = { { "dc", "fra1" } };
	struct format_opts o = { .format = TCPSTAT_FMT_JSON, .version = "1.2.3",
				 .meta = true, .tags = tags, .ntags = 1, .host = "web1" };
	struct sample s = counts_fixture();

	(void)state;
	s.backend = "netlink";
	s.duration_ns = 1500000; /* 1.5 ms */
	expect_sample(&o, &s, "{" TOTALS ",\"up\":1,\"sample_duration_seconds\":0.0015,"
		      "\"build_info\":{\"version\":\"1.2.3\",\"backend\":\"netlink\"},"
		      "\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\","
		      "\"tags\":{\"dc\":\"fra1\"}}\n");
	/* failed: no counts at all, never the numbers it still holds */
	s.failed = true;
	s.duration_ns = 2000000000;
	expect_sample(&o, &s, "{\"up\":0,\"sample_duration_seconds\":2,"
		      "\"build_info\":{\"version\":\"1.2.3\",\"backend\":\"netlink\"},"
		      "\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\","
		      "\"tags\":{\"dc\":\"fra1\"}}\n");
	o.ports = true;
	o.family = true;
	expect_sample(&o, &s, "{\"up\":0,\"sample_duration_seconds\":2,"
		      "\"build_info\":{\"version\":\"1.2.3\",\"backend\":\"netlink\"},"
		      "\"timestamp\":\"2026-11-23T10:00:00.123Z\",\"host\":\"web1\","
		      "\"tags\":{\"dc\":\"fra1\"}}\n");

	o.format = TCPSTAT_FMT_PROMETHEUS;
	s.backend = "kmod";
	expect_sample(&o, &s,
		      "# HELP tcpstat_up 1 if this sample was read from the source, 0 if the source failed (the sample then has no counts).\n"
		      "# TYPE tcpstat_up gauge\n"
		      "tcpstat_up{host=\"web1\",dc=\"fra1\"} 0\n"
		      "# HELP tcpstat_sample_duration_seconds How long reading this sample from the source took.\n"
		      "# TYPE tcpstat_sample_duration_seconds gauge\n"
		      "tcpstat_sample_duration_seconds{host=\"web1\",dc=\"fra1\"} 2\n"
		      "# HELP tcpstat_build_info The version of tcpstat and the backend that answered (always 1).\n"
		      "# TYPE tcpstat_build_info gauge\n"
		      "tcpstat_build_info{version=\"1.2.3\",backend=\"kmod\",host=\"web1\",dc=\"fra1\"} 1\n");
	/* a stream frames each exposition */
	o.eof = true;
	o.meta = false;
	o.ntags = 0;
	o.ports = false;
	s.failed = false;
	s.duration_ns = 0;
	s.backend = NULL;
	o.version = NULL;
	expect_sample(&o, &s, PROM_HEAD PROM_V4V6 PROM_SELF("", "") "# EOF\n");
	s.failed = true;
	expect_sample(&o, &s, PROM_SELF_UP("", "", "0") "# EOF\n");

	o.format = TCPSTAT_FMT_INFLUX;
	o.eof = false;
	o.version = "1.2.3";
	s.backend = "procfs";
	s.duration_ns = 123;
	expect_sample(&o, &s, "tcpstat_sample,backend=procfs,version=1.2.3,host=web1 up=0i,duration_seconds=1.23e-07 1795428000123456789\n");
	s.failed = false;
	o.ntags = 1;
	expect_sample(&o, &s,
		      "tcpstat,family=ipv4,host=web1,dc=fra1 established=6i,syn_sent=1i,syn_recv=1i,fin_wait1=1i,fin_wait2=1i,time_wait=0i,close=1i,close_wait=1i,last_ack=1i,listen=2i,closing=1i 1795428000123456789\n"
		      "tcpstat,family=ipv6,host=web1,dc=fra1 established=94i,syn_sent=0i,syn_recv=0i,fin_wait1=0i,fin_wait2=0i,time_wait=1i,close=0i,close_wait=0i,last_ack=0i,listen=2i,closing=0i 1795428000123456789\n"
		      "tcpstat_sample,backend=procfs,version=1.2.3,host=web1,dc=fra1 up=1i,duration_seconds=1.23e-07 1795428000123456789\n");
}

/* A number a format cannot print is refused, never wrapped. */
static void test_sample_check(void **state)
{
	struct sample s = counts_fixture();
	struct port_row big = { .port = 80, .listeners = 1, .n = { [9] = 1 } };
	char why[256];

	(void)state;
	assert_int_equal(sample_check(&s, false, why, sizeof(why)), 0);
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), 0);
	s.c.n[TCPSTAT_FAM_IPV4][0] = UINT64_MAX;
	s.c.n[TCPSTAT_FAM_IPV6][0] = 5;
	assert_int_equal(sample_check(&s, false, why, sizeof(why)), -1);
	assert_string_equal(why, "ESTABLISHED: the total of ipv4 18446744073709551615 and ipv6 5 does not fit in 64 bits");
	s.c.n[TCPSTAT_FAM_IPV6][0] = 0; /* the total fits, an Influx integer does not */
	assert_int_equal(sample_check(&s, false, why, sizeof(why)), 0);
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), -1);
	assert_string_equal(why, "ESTABLISHED ipv4: 18446744073709551615 does not fit an Influx integer (at most 9223372036854775807)");
	s.c.n[TCPSTAT_FAM_IPV4][0] = INT64_MAX;
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), 0);

	s = netns_fixture();
	netns_rows[1].c.n[TCPSTAT_FAM_IPV6][9] = UINT64_MAX;
	assert_int_equal(sample_check(&s, false, why, sizeof(why)), -1);
	assert_string_equal(why, "netns 4026532301: LISTEN: the total of ipv4 1 and ipv6 18446744073709551615 does not fit in 64 bits");
	netns_rows[1].c.n[TCPSTAT_FAM_IPV6][9] = 0;

	s = counts_fixture();
	s.ports.row = &big;
	s.ports.n = 1;
	big.accept_queue = (uint64_t)INT64_MAX + 1;
	assert_int_equal(sample_check(&s, false, why, sizeof(why)), 0);
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), -1);
	assert_string_equal(why, "port 80: 9223372036854775808 does not fit an Influx integer (at most 9223372036854775807)");

	/* a counter: only Influx has a limit below 2^64 */
	s = counts_fixture();
	s.has_counters = true;
	s.counters.v[TCPC_RETRANS_SEGS] = (uint64_t)INT64_MAX + 1;
	assert_int_equal(sample_check(&s, false, why, sizeof(why)), 0);
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), -1);
	assert_string_equal(why, "RetransSegs: 9223372036854775808 does not fit an Influx integer (at most 9223372036854775807)");
	s.has_counters = false; /* none read: nothing to check */
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), 0);
	s = id_fixture();
	id_rows[0].counters.v[TCPC_LISTEN_DROPS] = UINT64_MAX;
	assert_int_equal(sample_check(&s, true, why, sizeof(why)), -1);
	assert_string_equal(why, "netns 4026532301: ListenDrops: 18446744073709551615 does not fit an Influx integer (at most 9223372036854775807)");
	id_rows[0].counters.v[TCPC_LISTEN_DROPS] = 77;
}

static void test_format_double(void **state)
{
	char buf[DOUBLE_LEN];

	(void)state;
	format_double(buf, 0);
	assert_string_equal(buf, "0");
	format_double(buf, 1.5);
	assert_string_equal(buf, "1.5");
	format_double(buf, 1.0 / 3);
	assert_string_equal(buf, "0.3333333333333333");
	format_double(buf, 4294967295.0);
	assert_string_equal(buf, "4294967295");
	/* saturation by one in 2^31 still shows */
	format_double(buf, 2147483648.0 / 2147483647.0);
	assert_string_equal(buf, "1.0000000004656613");
	format_double(buf, 4096.0 / 4097.0);
	assert_string_equal(buf, "0.9997559189650964");
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
		cmocka_unit_test(test_json_ports),
		cmocka_unit_test(test_json_ports_no_backlog),
		cmocka_unit_test(test_prometheus_ports),
		cmocka_unit_test(test_prometheus_ports_no_backlog),
		cmocka_unit_test(test_influx_ports),
		cmocka_unit_test(test_json_netns),
		cmocka_unit_test(test_prometheus_netns),
		cmocka_unit_test(test_influx_netns),
		cmocka_unit_test(test_json_counters),
		cmocka_unit_test(test_prometheus_counters),
		cmocka_unit_test(test_influx_counters),
		cmocka_unit_test(test_json_identity),
		cmocka_unit_test(test_prometheus_identity),
		cmocka_unit_test(test_influx_identity),
		cmocka_unit_test(test_self_metrics),
		cmocka_unit_test(test_sample_check),
		cmocka_unit_test(test_format_double),
		cmocka_unit_test(test_rfc3339),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
