// SPDX-License-Identifier: GPL-2.0
/*
 * test_push.c - samples to a collector: a receiver on 127.0.0.1 (an
 * in-process libmicrohttpd server that records every request, answers
 * with the status it is told, and is stopped and started again on the
 * same port to play a collector that dies and comes back).
 */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>

#include "push.h"
#include "strbuf.h"

/* ---- the receiver ---- */

struct got {
	char method[8];
	char url[128];
	char type[128];
	char *body;
};

struct receiver {
	struct MHD_Daemon *mhd;
	uint16_t port;
	pthread_mutex_t lock;
	unsigned status;	/* answer with this */
	struct got got[512];
	unsigned n;
};

static void receiver_clear(struct receiver *r)
{
	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < r->n; i++)
		free(r->got[i].body);
	r->n = 0;
	pthread_mutex_unlock(&r->lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *data, size_t *size, void **req_cls)
{
	struct receiver *r = cls;
	struct strbuf *body = *req_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *type, *query;
	struct got *g;

	(void)version;
	if (!body) {
		body = calloc(1, sizeof(*body));
		assert_non_null(body);
		*req_cls = body;
		return MHD_YES;
	}
	if (*size) {
		assert_int_equal(sb_add(body, data, *size), 0);
		*size = 0;
		return MHD_YES;
	}
	type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	query = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "db");
	pthread_mutex_lock(&r->lock);
	assert_true(r->n < 512);
	g = &r->got[r->n++];
	snprintf(g->method, sizeof(g->method), "%s", method);
	snprintf(g->url, sizeof(g->url), "%s%s%s", url, query ? "?db=" : "", query ? query : "");
	snprintf(g->type, sizeof(g->type), "%s", type ? type : "");
	g->body = strndup(body->data ? body->data : "", body->len);
	resp = MHD_create_response_from_buffer(r->status >= 400 ? 15 : 0,
					       (void *)"{\"error\":\"no\"}\n", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, r->status, resp);
	pthread_mutex_unlock(&r->lock);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct strbuf *body = *req_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (body) {
		sb_free(body);
		free(body);
		*req_cls = NULL;
	}
}

/* Listen on @port (0: any); r->port is the one it got. */
static void receiver_up(struct receiver *r, uint16_t port)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, port,
				  NULL, NULL, on_request, r,
				  MHD_OPTION_SOCK_ADDR, &sa,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
				  MHD_OPTION_NOTIFY_COMPLETED, on_done, r,
				  MHD_OPTION_END);
	assert_non_null(r->mhd);
	info = MHD_get_daemon_info(r->mhd, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	r->port = info->port;
}

static void receiver_down(struct receiver *r)
{
	MHD_stop_daemon(r->mhd);
	r->mhd = NULL;
}

static void receiver_init(struct receiver *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->status = 204;
	receiver_up(r, 0);
}

static void receiver_free(struct receiver *r)
{
	if (r->mhd)
		receiver_down(r);
	receiver_clear(r);
	pthread_mutex_destroy(&r->lock);
}

static void answer_with(struct receiver *r, unsigned status)
{
	pthread_mutex_lock(&r->lock);
	r->status = status;
	pthread_mutex_unlock(&r->lock);
}

static unsigned received(struct receiver *r)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* ---- the reports ---- */

struct reports {
	pthread_mutex_t lock;
	char line[16][1024];
	unsigned n;
};

static void on_report(void *ctx, const char *msg)
{
	struct reports *rep = ctx;

	pthread_mutex_lock(&rep->lock);
	if (rep->n < 16)
		snprintf(rep->line[rep->n], sizeof(rep->line[0]), "%s", msg);
	rep->n++;
	pthread_mutex_unlock(&rep->lock);
}

static struct push *start(const char *url, enum push_format f, struct reports *rep,
			  long timeout_ms)
{
	struct push_opts o = {
		.url = url,
		.format = f,
		.timeout_ms = timeout_ms,
		.backoff_ms = 10,
		.backoff_max_ms = 40,
		.report = on_report,
		.report_ctx = rep,
	};
	struct tcpstat_err e;
	struct push *p;

	memset(rep, 0, sizeof(*rep));
	pthread_mutex_init(&rep->lock, NULL);
	p = push_start(&o, &e);
	if (!p)
		fail_msg("push_start %s: %s", url, e.msg);
	return p;
}

/* Every test runs under a watchdog: a push_*() call that blocks fails it. */
static void on_alarm(int sig)
{
	static const char msg[] = "test_push: watchdog: something blocked\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static int watchdog(void **state)
{
	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(60);
	return 0;
}

static int no_watchdog(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

/* A receiver answering @status, and a sender to its @path. */
static struct push *start_with(struct receiver *r, unsigned status, const char *path,
			       struct reports *rep)
{
	char url[128];

	receiver_init(r);
	answer_with(r, status);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", r->port, path);
	return start(url, PUSH_INFLUX, rep, 0);
}

/* ---- tests ---- */

static void test_check_url(void **state)
{
	struct tcpstat_err e;
	char shown[256];

	(void)state;
	assert_int_equal(push_check_url("http://127.0.0.1:8428/write", shown, sizeof(shown), &e), 0);
	assert_string_equal(shown, "http://127.0.0.1:8428/write");
	/* credentials in the user part or InfluxDB's query are not shown */
	assert_int_equal(push_check_url("https://u:secret@influx.example:8086/write?db=tcp&u=me&p=pw",
					shown, sizeof(shown), &e), 0);
	assert_string_equal(shown, "https://influx.example:8086/write");
	assert_int_equal(push_check_url("http://[::1]:9091/metrics/job/tcpstat", shown,
					sizeof(shown), &e), 0);
	assert_string_equal(shown, "http://[::1]:9091/metrics/job/tcpstat");
	assert_int_equal(push_check_url("http://collector", shown, sizeof(shown), &e), 0);
	assert_string_equal(shown, "http://collector/");
	assert_int_equal(push_check_url("ftp://collector/x", shown, sizeof(shown), &e), -1);
	assert_string_equal(e.msg, "--push ftp://collector/x: only http:// and https:// URLs");
	assert_int_equal(push_check_url("collector:8428/write", NULL, 0, &e), -1);
	assert_contains(e.msg, "--push collector:8428/write: ");
	assert_int_equal(push_check_url("http://", NULL, 0, &e), -1);
	assert_contains(e.msg, "--push http://: ");
	assert_int_equal(push_check_url("http://a b/", NULL, 0, &e), -1);
	assert_int_equal(push_check_url("", NULL, 0, &e), -1);
	assert_string_equal(push_method(PUSH_PROMETHEUS), "PUT");
	assert_string_equal(push_method(PUSH_INFLUX), "POST");
	assert_string_equal(push_method(PUSH_NDJSON), "POST");
}

/* Each format: the method, the content type, the path, and the values exactly. */
static void test_values_arrive(void **state)
{
	static const struct {
		enum push_format f;
		const char *path, *method, *type;
		const char *body[3];
	} t[] = {
		{ PUSH_INFLUX, "/write?db=tcpstat", "POST", "text/plain; charset=utf-8",
		  { "tcpstat,family=ipv4 established=3i,listen=2i 1700000000000000000\n",
		    "tcpstat,family=ipv4 established=4i,listen=2i 1700000001000000000\n",
		    "tcpstat,family=ipv4 established=0i,listen=0i 1700000002000000000\n" } },
		{ PUSH_NDJSON, "/ingest", "POST", "application/x-ndjson",
		  { "{\"ESTABLISHED\":3,\"LISTEN\":2}\n", "{\"ESTABLISHED\":4,\"LISTEN\":2}\n",
		    "{\"ESTABLISHED\":18446744073709551615,\"LISTEN\":0}\n" } },
		{ PUSH_PROMETHEUS, "/metrics/job/tcpstat/instance/h1", "PUT",
		  "text/plain; version=0.0.4; charset=utf-8",
		  { "# TYPE tcpstat_connections gauge\ntcpstat_connections{state=\"established\"} 3\n",
		    "# TYPE tcpstat_connections gauge\ntcpstat_connections{state=\"established\"} 4\n",
		    "" } },
	};
	struct receiver r;

	(void)state;
	receiver_init(&r);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct reports rep;
		struct push_stats st;
		char url[256];
		struct push *p;

		snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", r.port, t[i].path);
		p = start(url, t[i].f, &rep, 0);
		for (int k = 0; k < 3; k++) {
			assert_int_equal(push_submit(p, t[i].body[k], strlen(t[i].body[k])), 0);
			assert_int_equal(push_flush(p, 10000), 0);
		}
		st = push_get_stats(p);
		assert_int_equal(st.submitted, 3);
		assert_int_equal(st.sent, 3);
		assert_int_equal(st.failures + st.dropped + st.replaced, 0);
		assert_false(st.down);
		push_free(p);
		assert_int_equal(rep.n, 0);
		assert_int_equal(received(&r), 3);
		for (int k = 0; k < 3; k++) {
			assert_string_equal(r.got[k].method, t[i].method);
			assert_string_equal(r.got[k].url, t[i].path);
			assert_string_equal(r.got[k].type, t[i].type);
			assert_string_equal(r.got[k].body, t[i].body[k]);
		}
		receiver_clear(&r);
		pthread_mutex_destroy(&rep.lock);
	}
	receiver_free(&r);
}

/* A collector that fails: `attempts` tries per sample, one report each way. */
static void test_retries_bounded(void **state)
{
	struct push_stats st;
	struct reports rep;
	struct receiver r;
	char want[512];
	struct push *p;

	(void)state;
	p = start_with(&r, 503, "/write?db=x&u=me&p=secret", &rep);
	assert_int_equal(push_submit(p, "a v=1i\n", 7), 0);
	assert_int_equal(push_flush(p, 10000), 0);
	st = push_get_stats(p);
	assert_int_equal(received(&r), PUSH_ATTEMPTS);
	assert_int_equal(st.failures, PUSH_ATTEMPTS);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.sent, 0);
	assert_true(st.down);
	/* a second sample while down: tried again, no second report */
	assert_int_equal(push_submit(p, "a v=2i\n", 7), 0);
	assert_int_equal(push_flush(p, 10000), 0);
	assert_int_equal(received(&r), 2 * PUSH_ATTEMPTS);
	assert_int_equal(rep.n, 1);
	snprintf(want, sizeof(want),
		 "push http://127.0.0.1:%u/write: HTTP 503: {\"error\":\"no\"}; retrying with backoff, only the newest sample kept until it answers",
		 r.port);
	assert_string_equal(rep.line[0], want);
	/* it answers again: the next sample goes, one line says so */
	answer_with(&r, 204);
	assert_int_equal(push_submit(p, "a v=3i\n", 7), 0);
	assert_int_equal(push_flush(p, 10000), 0);
	st = push_get_stats(p);
	assert_int_equal(st.sent, 1);
	assert_false(st.down);
	assert_int_equal(rep.n, 2);
	snprintf(want, sizeof(want), "push http://127.0.0.1:%u/write: delivering again (2 samples lost meanwhile)",
		 r.port);
	assert_string_equal(rep.line[1], want);
	assert_string_equal(r.got[received(&r) - 1].body, "a v=3i\n");
	push_free(p);
	receiver_free(&r);
	pthread_mutex_destroy(&rep.lock);
}

/* A 4xx is the sample's fault, not the collector's: no retry. */
static void test_refused(void **state)
{
	struct push_stats st;
	struct reports rep;
	struct receiver r;
	struct push *p;

	(void)state;
	p = start_with(&r, 400, "/write", &rep);
	assert_int_equal(push_submit(p, "bad line\n", 9), 0);
	assert_int_equal(push_flush(p, 10000), 0);
	st = push_get_stats(p);
	assert_int_equal(received(&r), 1);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(rep.n, 1);
	assert_contains(rep.line[0], ": HTTP 400: {\"error\":\"no\"}; the sample dropped, the next ones tried");
	/* 429 and 408 are worth retrying */
	answer_with(&r, 429);
	assert_int_equal(push_submit(p, "x\n", 2), 0);
	assert_int_equal(push_flush(p, 10000), 0);
	assert_int_equal(received(&r), 1 + PUSH_ATTEMPTS);
	push_free(p);
	receiver_free(&r);
	pthread_mutex_destroy(&rep.lock);
}

/*
 * The collector dies mid-stream and comes back on the same port: the
 * samples before and after arrive exactly and in order, one line reports
 * the outage and one its end, memory stays at two samples.
 */
static void test_collector_restarts(void **state)
{
	enum { N = 120, DOWN_AT = 30, UP_AT = 90 };
	struct push_stats st;
	struct reports rep;
	struct receiver r;
	char url[128], body[N][64];
	size_t max_memory = 0;
	unsigned k, got;
	struct push *p;

	(void)state;
	receiver_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/write", r.port);
	p = start(url, PUSH_INFLUX, &rep, 0);
	for (int i = 0; i < N; i++) {
		snprintf(body[i], sizeof(body[i]), "tcpstat established=%di,listen=%di %d000000000\n",
			 i * 7, i % 5, 1700000000 + i);
		if (i == DOWN_AT)
			receiver_down(&r);
		if (i == UP_AT)
			receiver_up(&r, r.port);
		assert_int_equal(push_submit(p, body[i], strlen(body[i])), 0);
		st = push_get_stats(p);
		if (st.memory > max_memory)
			max_memory = st.memory;
		if (i < DOWN_AT || i >= UP_AT)
			assert_int_equal(push_flush(p, 10000), 0); /* the collector is there */
		else
			usleep(2000); /* a stream while it is not */
	}
	st = push_get_stats(p);
	push_free(p);
	got = received(&r);
	/* before: every sample, exactly */
	assert_true(got >= DOWN_AT + (N - UP_AT));
	for (k = 0; k < DOWN_AT; k++)
		assert_string_equal(r.got[k].body, body[k]);
	/* during: at most the one waiting when it came back */
	assert_true(got - DOWN_AT - (N - UP_AT) <= 1);
	if (got - DOWN_AT - (N - UP_AT) == 1) {
		bool found = false;

		for (int i = DOWN_AT; i < UP_AT; i++)
			found |= strcmp(r.got[DOWN_AT].body, body[i]) == 0;
		assert_true(found);
	}
	/* after: every sample, exactly, in order */
	for (unsigned i = 0; i < N - UP_AT; i++)
		assert_string_equal(r.got[got - (N - UP_AT) + i].body, body[UP_AT + i]);
	assert_int_equal(st.submitted, N);
	assert_int_equal(st.sent, got);
	assert_int_equal(st.sent + st.dropped + st.replaced, N);
	assert_true(st.failures >= 1);
	/* one line for the outage, one for its end */
	assert_int_equal(rep.n, 2);
	assert_contains(rep.line[0], "Failed to connect to 127.0.0.1 port");
	assert_contains(rep.line[0], "retrying with backoff");
	assert_contains(rep.line[1], "delivering again (");
	/* two sample buffers at most (strbuf starts at 1 KiB) */
	assert_true(max_memory <= 2 * 1024);
	receiver_free(&r);
	pthread_mutex_destroy(&rep.lock);
}

/* While down, a thousand samples: one waits, the rest were replaced. */
static void test_nothing_grows(void **state)
{
	struct push_stats st;
	struct reports rep;
	struct receiver r;
	char url[128], body[8192];
	struct push *p;

	(void)state;
	receiver_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/write", r.port);
	receiver_down(&r);
	p = start(url, PUSH_NDJSON, &rep, 0);
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\n';
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(push_submit(p, body, sizeof(body)), 0);
		st = push_get_stats(p);
		assert_true(st.memory <= 2 * 16384);
		/* the first one meets the closed port before the others come */
		for (int w = 0; i == 0 && w < 2000 && !push_get_stats(p).failures; w++)
			usleep(5000);
	}
	st = push_get_stats(p);
	assert_int_equal(st.submitted, 1000);
	assert_true(st.failures >= 1);
	assert_true(st.replaced >= 1000 - 2 - st.failures);
	receiver_up(&r, r.port);
	assert_int_equal(push_flush(p, 10000), 0);
	st = push_get_stats(p);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.sent + st.dropped + st.replaced, 1000);
	assert_int_equal(received(&r), 1);
	assert_int_equal(strlen(r.got[0].body), sizeof(body));
	push_free(p);
	assert_int_equal(rep.n, 2);
	receiver_free(&r);
	pthread_mutex_destroy(&rep.lock);
}

/* A collector that takes the connection and never answers. */
static int silent_listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A sender to a silent collector (close *fd after push_free()). */
static struct push *start_silent(struct reports *rep, long timeout_ms, int *fd)
{
	char url[128];
	uint16_t port;

	*fd = silent_listener(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/write", port);
	return start(url, PUSH_INFLUX, rep, timeout_ms);
}

/* The total timeout ends a transfer that hangs; it counts as a failure. */
static void test_timeout(void **state)
{
	struct push_stats st;
	struct reports rep;
	struct push *p;
	int fd;

	(void)state;
	p = start_silent(&rep, 200, &fd);
	assert_int_equal(push_submit(p, "a v=1i\n", 7), 0);
	assert_int_equal(push_flush(p, 20000), 0);
	st = push_get_stats(p);
	assert_int_equal(st.failures, PUSH_ATTEMPTS);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(rep.n, 1);
	assert_contains(rep.line[0], "Operation timed out after");
	push_free(p);
	close(fd);
	pthread_mutex_destroy(&rep.lock);
}

/*
 * With a transfer hanging (a minute's timeout), push_submit() still
 * returns at once and push_free() aborts the transfer (the watchdog fails
 * the test otherwise).
 */
static void test_never_blocks(void **state)
{
	struct push_stats st;
	struct reports rep;
	struct push *p;
	int fd;

	(void)state;
	p = start_silent(&rep, 60000, &fd);
	assert_int_equal(push_submit(p, "a v=1i\n", 7), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(push_submit(p, "a v=2i\n", 7), 0);
	assert_int_equal(push_flush(p, 50), -1);
	st = push_get_stats(p);
	assert_int_equal(st.submitted, 1001);
	assert_int_equal(st.sent, 0);
	push_free(p);
	assert_int_equal(rep.n, 0); /* stopping is not an outage */
	close(fd);
	pthread_mutex_destroy(&rep.lock);
}

/* Nothing to connect to: the reason says so. */
static void test_refused_connection(void **state)
{
	struct reports rep;
	struct receiver r;
	char url[128];
	struct push *p;

	(void)state;
	receiver_init(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/write", r.port);
	receiver_free(&r);
	p = start(url, PUSH_INFLUX, &rep, 0);
	assert_int_equal(push_submit(p, "a v=1i\n", 7), 0);
	assert_int_equal(push_flush(p, 10000), 0);
	assert_int_equal(rep.n, 1);
	assert_contains(rep.line[0], "Failed to connect to 127.0.0.1 port");
	push_free(p);
	pthread_mutex_destroy(&rep.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_url),
		cmocka_unit_test_setup_teardown(test_values_arrive, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_retries_bounded, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_refused, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_collector_restarts, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_nothing_grows, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_timeout, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_never_blocks, watchdog, no_watchdog),
		cmocka_unit_test_setup_teardown(test_refused_connection, watchdog, no_watchdog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
