// SPDX-License-Identifier: GPL-2.0
/*
 * test_httpd.c - Accept negotiation, --listen parsing, and the server on
 * 127.0.0.1 with an ephemeral port, scraped with libcurl.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "httpd.h"

/* ---- Accept ---- */

static void test_negotiate(void **state)
{
	static const struct {
		const char *accept;
		enum httpd_format want;
	} t[] = {
		{ NULL, HTTPD_FMT_PROMETHEUS },
		{ "", HTTPD_FMT_PROMETHEUS },
		{ "*/*", HTTPD_FMT_PROMETHEUS },
		{ "text/plain", HTTPD_FMT_PROMETHEUS },
		{ "application/openmetrics-text", HTTPD_FMT_OPENMETRICS },
		{ "application/openmetrics-text; version=1.0.0; charset=utf-8", HTTPD_FMT_OPENMETRICS },
		{ "Application/OpenMetrics-Text;Version=1.0.0", HTTPD_FMT_OPENMETRICS },
		/* Prometheus 2.x */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
		  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", HTTPD_FMT_OPENMETRICS },
		/* Prometheus 2.x with OpenMetrics off (the default before 2.49) */
		{ "text/plain;version=0.0.4;q=1,*/*;q=0.1", HTTPD_FMT_PROMETHEUS },
		/* Prometheus 3 */
		{ "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
		  "application/openmetrics-text;version=0.0.1;q=0.4,"
		  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
		  "text/plain;version=0.0.4;q=0.2,*/*;q=0.1", HTTPD_FMT_OPENMETRICS },
		/* Prometheus 3 with scrape_protocols: [PrometheusText1.0.0, PrometheusText0.0.4] */
		{ "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1",
		  HTTPD_FMT_PROMETHEUS },
		/* q decides, not the order */
		{ "text/plain;q=0.4, application/openmetrics-text;q=0.6", HTTPD_FMT_OPENMETRICS },
		{ "application/openmetrics-text;q=0.4, text/plain;q=0.6", HTTPD_FMT_PROMETHEUS },
		/* equal q: the more specific range, then Prometheus text */
		{ "application/openmetrics-text;version=1.0.0;q=0.5, text/*;q=0.5", HTTPD_FMT_OPENMETRICS },
		{ "application/openmetrics-text, text/plain", HTTPD_FMT_PROMETHEUS },
		{ "application/*", HTTPD_FMT_OPENMETRICS },
		{ "text/*;q=0.2, application/*;q=0.3", HTTPD_FMT_OPENMETRICS },
		/* the most specific range sets an offer's q: text/plain is refused */
		{ "text/plain;q=0, */*", HTTPD_FMT_OPENMETRICS },
		{ "application/openmetrics-text;q=0, */*;q=0.8", HTTPD_FMT_PROMETHEUS },
		/* versions we do not serve match nothing */
		{ "application/openmetrics-text;version=0.0.1", HTTPD_FMT_PROMETHEUS },
		{ "application/openmetrics-text;version=2.0.0, text/plain;q=0.1", HTTPD_FMT_PROMETHEUS },
		{ "application/openmetrics-text;version=\"1.0.0\";q=0.9, text/plain;q=0.8",
		  HTTPD_FMT_OPENMETRICS },
		/* nothing acceptable: Prometheus text anyway */
		{ "application/json", HTTPD_FMT_PROMETHEUS },
		{ "text/plain;q=0, application/openmetrics-text;q=0", HTTPD_FMT_PROMETHEUS },
		/* malformed ranges are skipped, the rest still counts */
		{ "garbage, application/openmetrics-text", HTTPD_FMT_OPENMETRICS },
		{ "application/openmetrics-text;q=2, text/plain;q=0.1", HTTPD_FMT_PROMETHEUS },
		{ "application/openmetrics-text;q=0.1234", HTTPD_FMT_PROMETHEUS },
		{ "application/openmetrics-text;q=x", HTTPD_FMT_PROMETHEUS },
		{ "application/openmetrics-text;version", HTTPD_FMT_PROMETHEUS },
		{ "/openmetrics-text, application/", HTTPD_FMT_PROMETHEUS },
		{ "  application/openmetrics-text  ;  q=0.9  ,  text/plain ; q=0.5 ", HTTPD_FMT_OPENMETRICS },
		{ "application/openmetrics-text;foo=\"a,b;c\";q=0.9,text/plain;q=0.1", HTTPD_FMT_OPENMETRICS },
		{ ",,,", HTTPD_FMT_PROMETHEUS },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum httpd_format got = httpd_negotiate(t[i].accept);

		if (got != t[i].want)
			fail_msg("Accept: %s -> %d, want %d", t[i].accept ? t[i].accept : "(none)",
				 got, t[i].want);
	}
}

/* ---- --listen ---- */

static void test_parse_listen(void **state)
{
	static const struct {
		const char *arg, *why;
	} bad[] = {
		{ "", "--listen : the port must be a number from 0 to 65535" },
		{ "65536", "the port must be a number from 0 to 65535" },
		{ "127.0.0.1:", "the port must be" },
		{ "127.0.0.1:-1", "the port must be" },
		{ "127.0.0.1:100000", "the port must be" },
		{ "127.0.0.1:91 00", "the port must be" },
		{ "localhost:9100", "--listen localhost:9100: \"localhost\" is not an IPv4 address (a name is not looked up; IPv6 goes in brackets)" },
		{ "256.0.0.1:9100", "is not an IPv4 address" },
		{ "::1:9100", "an IPv6 address goes in brackets, [ADDR]:PORT" },
		{ "[::1]9100", "expected [IPV6]:PORT" },
		{ "[::1", "expected [IPV6]:PORT" },
		{ "[127.0.0.1]:80", "not an IPv6 address in brackets" },
		{ "[]:80", "not an IPv6 address in brackets" },
	};
	struct httpd_addr a;
	struct tcpstat_err e;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(httpd_parse_listen("9100", &a, &e), 0);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_true(a.any);
	assert_int_equal(ntohs(s6->sin6_port), 9100);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr));
	assert_int_equal(httpd_parse_listen("127.0.0.1:9100", &a, &e), 0);
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_false(a.any);
	assert_int_equal(ntohs(s4->sin_port), 9100);
	assert_string_equal(inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf)), "127.0.0.1");
	assert_int_equal(httpd_parse_listen("[::1]:0", &a, &e), 0);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_false(a.any);
	assert_int_equal(ntohs(s6->sin6_port), 0);
	assert_string_equal(inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf)), "::1");
	assert_int_equal(httpd_parse_listen("[::]:65535", &a, &e), 0);
	assert_int_equal(ntohs(s6->sin6_port), 65535);
	assert_int_equal(httpd_parse_listen("0.0.0.0:80", &a, &e), 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (httpd_parse_listen(bad[i].arg, &a, &e) != -1)
			fail_msg("--listen %s parsed", bad[i].arg);
		assert_contains(e.msg, bad[i].why);
	}
}

/* ---- the server ---- */

struct fake {
	struct httpd *h;
	pthread_mutex_t lock;
	unsigned samples;
	unsigned wait_for;	/* sample() waits until this many scrapes wait */
	bool fail;
	pthread_t serve;
	int serve_ret;
};

static unsigned samples_of(struct fake *f)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = f->samples;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static int fake_sample(void *ctx, struct tcpstat_err *e)
{
	struct fake *f = ctx;

	unsigned wait_for = __atomic_load_n(&f->wait_for, __ATOMIC_SEQ_CST);

	if (wait_for) {
		/* every scrape of the flight is in before it completes */
		for (int i = 0; i < 2000 && httpd_get_stats(f->h).waiting < wait_for; i++)
			usleep(5000);
	}
	pthread_mutex_lock(&f->lock);
	f->samples++;
	pthread_mutex_unlock(&f->lock);
	if (__atomic_load_n(&f->fail, __ATOMIC_SEQ_CST)) {
		tcpstat_err_set(e, "/proc/net/tcp: No such file or directory");
		return -1;
	}
	return 0;
}

static unsigned ticks;

static long fake_tick(void *ctx)
{
	(void)ctx;
	__atomic_add_fetch(&ticks, 1, __ATOMIC_SEQ_CST);
	return 1;
}

static int fake_render(void *ctx, enum httpd_format fmt, struct strbuf *sb)
{
	struct fake *f = ctx;

	return sb_printf(sb, "# TYPE tcpstat_sample gauge\ntcpstat_sample{fmt=\"%s\"} %u\n",
			 fmt == HTTPD_FMT_OPENMETRICS ? "om" : "prom", samples_of(f));
}

static void *serve_thread(void *arg)
{
	struct fake *f = arg;
	struct tcpstat_err e;

	f->serve_ret = httpd_serve(f->h, &e);
	return NULL;
}

static void fake_start(struct fake *f, const char *listen)
{
	struct httpd_ops ops = { fake_sample, fake_render, NULL, f };
	struct httpd_addr a;
	struct tcpstat_err e;

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(httpd_parse_listen(listen, &a, &e), 0);
	f->h = httpd_start(&a, &ops, &e);
	if (!f->h)
		fail_msg("httpd_start %s: %s", listen, e.msg);
	assert_int_not_equal(httpd_port(f->h), 0);
	assert_int_equal(pthread_create(&f->serve, NULL, serve_thread, f), 0);
}

static void fake_stop(struct fake *f)
{
	httpd_stop(f->h);
	assert_int_equal(pthread_join(f->serve, NULL), 0);
	assert_int_equal(f->serve_ret, 0);
	httpd_free(f->h);
	pthread_mutex_destroy(&f->lock);
}

struct reply {
	long status;
	char type[128];
	char allow[64];
	struct strbuf body;
	curl_off_t length;	/* Content-Length, -1 if none */
	CURLcode rc;
	char error[CURL_ERROR_SIZE];
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;

	return sb_add(&r->body, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n;

	if (len > 7 && strncasecmp(p, "Allow: ", 7) == 0)
		snprintf(r->allow, sizeof(r->allow), "%.*s", (int)(len - 9), p + 7);
	return len;
}

/* One request; the reply in *r (free r->body). Any thread. */
static void try_request(const char *url, const char *method, const char *accept,
			struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char *type = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (accept) {
		char line[512];

		snprintf(line, sizeof(line), "Accept: %s", accept);
		hdr = curl_slist_append(hdr, line);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
	rc = curl_easy_perform(c);
	r->rc = rc;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
	if (type)
		snprintf(r->type, sizeof(r->type), "%s", type);
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &r->length);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
}

/* The same on the test's thread: a transfer that fails fails the test. */
static void request(const char *url, const char *method, const char *accept, struct reply *r)
{
	try_request(url, method, accept, r);
	if (r->rc != CURLE_OK)
		fail_msg("%s %s: %s (%s)", method, url, curl_easy_strerror(r->rc), r->error);
}

static const char *body(struct reply *r)
{
	return r->body.data ? r->body.data : "";
}

static void test_routes(void **state)
{
	static const struct {
		const char *path, *method;
		long status;
		const char *type, *has, *allow;
	} routes[] = {
		/* a query string is not part of the path */
		{ "/metrics?x=1", "GET", 200, NULL, "tcpstat_sample", NULL },
		{ "/", "GET", 200, "text/html; charset=utf-8", "<a href=\"/metrics\">", NULL },
		{ "/metricsx", "GET", 404, NULL, "not found", NULL },
		{ "/metrics/", "GET", 404, NULL, NULL, NULL },
		{ "/metrics", "POST", 405, NULL, NULL, "GET, HEAD" },
		{ "/", "DELETE", 405, NULL, NULL, "GET, HEAD" },
	};
	struct fake f;
	struct reply r;
	char url[128];
	unsigned port;
	size_t len;

	(void)state;
	fake_start(&f, "127.0.0.1:0");
	port = httpd_port(f.h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(body(&r), "# TYPE tcpstat_sample gauge\ntcpstat_sample{fmt=\"prom\"} 1\n");
	sb_free(&r.body);
	/* a scrape after the last completed takes a new sample */
	request(url, "GET", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
		&r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_string_equal(body(&r),
			    "# TYPE tcpstat_sample gauge\ntcpstat_sample{fmt=\"om\"} 2\n# EOF\n");
	len = r.body.len;
	sb_free(&r.body);
	/* HEAD: the headers of a GET, no body */
	request(url, "HEAD", "application/openmetrics-text", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	assert_int_equal((size_t)r.length, len);
	assert_string_equal(r.type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
	sb_free(&r.body);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, routes[i].path);
		request(url, routes[i].method, NULL, &r);
		if (r.status != routes[i].status)
			fail_msg("%s %s: %ld, want %ld", routes[i].method, routes[i].path, r.status,
				 routes[i].status);
		if (routes[i].type)
			assert_string_equal(r.type, routes[i].type);
		if (routes[i].has)
			assert_contains(body(&r), routes[i].has);
		if (routes[i].allow)
			assert_string_equal(r.allow, routes[i].allow);
		sb_free(&r.body);
	}
	/* only the GETs and the HEAD sampled */
	assert_int_equal(samples_of(&f), 4);
	assert_int_equal(httpd_get_stats(f.h).samples, 4);
	assert_int_equal(httpd_get_stats(f.h).scrapes, 4);
	fake_stop(&f);
}

struct scraper {
	const char *url;
	const char *accept;
	struct reply r;
	pthread_t t;
};

static void *scrape_thread(void *arg)
{
	struct scraper *s = arg;

	try_request(s->url, "GET", s->accept, &s->r);
	return NULL;
}

/* N scrapes at once: one sample, the same body for all (in its format). */
static void test_single_flight(void **state)
{
	enum { N = 12 };
	struct scraper s[N];
	struct fake f;
	struct reply r;
	char url[128];

	(void)state;
	fake_start(&f, "127.0.0.1:0");
	__atomic_store_n(&f.wait_for, N, __ATOMIC_SEQ_CST);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", httpd_port(f.h));
	for (int i = 0; i < N; i++) {
		s[i].url = url;
		s[i].accept = i % 3 == 0 ? "application/openmetrics-text" : NULL;
		assert_int_equal(pthread_create(&s[i].t, NULL, scrape_thread, &s[i]), 0);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_join(s[i].t, NULL), 0);
	assert_int_equal(samples_of(&f), 1);
	assert_int_equal(httpd_get_stats(f.h).samples, 1);
	assert_int_equal(httpd_get_stats(f.h).scrapes, N);
	for (int i = 0; i < N; i++) {
		if (s[i].r.rc != CURLE_OK)
			fail_msg("scrape %d: %s", i, curl_easy_strerror(s[i].r.rc));
		assert_int_equal(s[i].r.status, 200);
		assert_string_equal(body(&s[i].r), i % 3 == 0 ?
				    "# TYPE tcpstat_sample gauge\ntcpstat_sample{fmt=\"om\"} 1\n# EOF\n" :
				    "# TYPE tcpstat_sample gauge\ntcpstat_sample{fmt=\"prom\"} 1\n");
		sb_free(&s[i].r.body);
	}
	/* the next scrape, after the flight landed: a new sample */
	__atomic_store_n(&f.wait_for, 0, __ATOMIC_SEQ_CST);
	request(url, "GET", NULL, &r);
	assert_string_equal(body(&r), "# TYPE tcpstat_sample gauge\ntcpstat_sample{fmt=\"prom\"} 2\n");
	sb_free(&r.body);
	assert_int_equal(samples_of(&f), 2);
	fake_stop(&f);
}

static void test_sample_fails(void **state)
{
	struct fake f;
	struct reply r;
	char url[128];

	(void)state;
	fake_start(&f, "127.0.0.1:0");
	__atomic_store_n(&f.fail, true, __ATOMIC_SEQ_CST);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", httpd_port(f.h));
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(body(&r), "tcpstat: /proc/net/tcp: No such file or directory\n");
	sb_free(&r.body);
	/* and the next one is tried again */
	__atomic_store_n(&f.fail, false, __ATOMIC_SEQ_CST);
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 200);
	sb_free(&r.body);
	assert_int_equal(samples_of(&f), 2);
	fake_stop(&f);
}

/* Scrapes waiting when the server stops get 503, and nothing leaks. */
static void test_stop_while_waiting(void **state)
{
	enum { N = 8 };
	struct httpd_ops ops = { fake_sample, fake_render, NULL, NULL };
	struct scraper s[N];
	struct httpd_addr a;
	struct tcpstat_err e;
	char url[128];
	struct httpd *h;

	(void)state;
	assert_int_equal(httpd_parse_listen("127.0.0.1:0", &a, &e), 0);
	h = httpd_start(&a, &ops, &e); /* nobody serves: the scrapes wait */
	assert_non_null(h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", httpd_port(h));
	for (int i = 0; i < N; i++) {
		s[i].url = url;
		s[i].accept = NULL;
		assert_int_equal(pthread_create(&s[i].t, NULL, scrape_thread, &s[i]), 0);
	}
	for (int i = 0; i < 2000 && httpd_get_stats(h).waiting < N; i++)
		usleep(5000);
	assert_int_equal(httpd_get_stats(h).waiting, N);
	httpd_free(h);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(s[i].t, NULL), 0);
		if (s[i].r.rc != CURLE_OK)
			fail_msg("scrape %d: %s", i, curl_easy_strerror(s[i].r.rc));
		assert_int_equal(s[i].r.status, 503);
		assert_string_equal(body(&s[i].r), "tcpstat: shutting down\n");
		sb_free(&s[i].r.body);
	}
}

static struct httpd *signalled;

static void on_usr1(int sig)
{
	(void)sig;
	httpd_stop(signalled);
}

/* SIGTERM's way: a signal handler stops httpd_serve(); the port is free again. */
static void test_stop_by_signal(void **state)
{
	struct sigaction sa, old;
	struct httpd_ops ops;
	struct httpd_addr a;
	struct tcpstat_err e;
	struct fake f;
	struct reply r;
	char listen[32], url[128];
	unsigned port;

	(void)state;
	fake_start(&f, "127.0.0.1:0");
	port = httpd_port(f.h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 200);
	sb_free(&r.body);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	signalled = f.h;
	/* to the process: libmicrohttpd's threads block it, another takes it */
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(pthread_join(f.serve, NULL), 0);
	assert_int_equal(f.serve_ret, 0);
	httpd_free(f.h);
	sigaction(SIGUSR1, &old, NULL);
	/* the same port binds again at once (SO_REUSEADDR, socket closed) */
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	ops = (struct httpd_ops){ fake_sample, fake_render, NULL, &f };
	assert_int_equal(httpd_parse_listen(listen, &a, &e), 0);
	f.h = httpd_start(&a, &ops, &e);
	if (!f.h)
		fail_msg("%s", e.msg);
	httpd_free(f.h);
	pthread_mutex_destroy(&f.lock);
}

/* libmicrohttpd's threads block every signal: SIGTERM reaches the caller's. */
static void test_threads_block_signals(void **state)
{
	struct httpd_ops ops = { fake_sample, fake_render, NULL, NULL };
	struct httpd_addr a;
	struct tcpstat_err e;
	struct httpd *h;
	struct dirent *de;
	unsigned others = 0;
	DIR *d;

	(void)state;
	assert_int_equal(httpd_parse_listen("127.0.0.1:0", &a, &e), 0);
	h = httpd_start(&a, &ops, &e);
	assert_non_null(h);
	d = opendir("/proc/self/task");
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300], line[128];
		unsigned long long mask = 0;
		FILE *f;

		if (de->d_name[0] == '.' || atoi(de->d_name) == gettid())
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			sscanf(line, "SigBlk: %llx", &mask);
		fclose(f);
		if (!(mask & 1ULL << (SIGTERM - 1)) || !(mask & 1ULL << (SIGINT - 1)) ||
		    !(mask & 1ULL << (SIGHUP - 1)))
			fail_msg("thread %s does not block SIGTERM/SIGINT/SIGHUP: %llx",
				 de->d_name, mask);
		others++;
	}
	closedir(d);
	assert_true(others >= 1);
	/* and the caller's mask is as it was */
	{
		sigset_t now;

		pthread_sigmask(SIG_SETMASK, NULL, &now);
		assert_false(sigismember(&now, SIGTERM));
	}
	httpd_free(h);
}

/* tick() bounds each wait: the serving thread comes back without a scrape. */
static void test_tick(void **state)
{
	struct httpd_ops ops = { fake_sample, fake_render, fake_tick, NULL };
	struct httpd_addr a;
	struct tcpstat_err e;
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	pthread_mutex_init(&f.lock, NULL);
	ops.ctx = &f;
	assert_int_equal(httpd_parse_listen("127.0.0.1:0", &a, &e), 0);
	f.h = httpd_start(&a, &ops, &e);
	assert_non_null(f.h);
	__atomic_store_n(&ticks, 0, __ATOMIC_SEQ_CST);
	assert_int_equal(pthread_create(&f.serve, NULL, serve_thread, &f), 0);
	for (int i = 0; i < 2000 && __atomic_load_n(&ticks, __ATOMIC_SEQ_CST) < 5; i++)
		usleep(5000);
	assert_true(__atomic_load_n(&ticks, __ATOMIC_SEQ_CST) >= 5);
	assert_int_equal(samples_of(&f), 0);
	fake_stop(&f);
}

static void test_bind_errors(void **state)
{
	struct httpd_ops ops = { fake_sample, fake_render, NULL, NULL };
	struct httpd_addr a;
	struct tcpstat_err e;
	char listen[32], want[96];
	struct fake f;

	(void)state;
	fake_start(&f, "127.0.0.1:0");
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", httpd_port(f.h));
	assert_int_equal(httpd_parse_listen(listen, &a, &e), 0);
	assert_null(httpd_start(&a, &ops, &e));
	snprintf(want, sizeof(want), "bind %s: %s", listen, strerror(EADDRINUSE));
	assert_string_equal(e.msg, want);
	fake_stop(&f);
	/* an address this host does not have */
	assert_int_equal(httpd_parse_listen("192.0.2.1:0", &a, &e), 0);
	assert_null(httpd_start(&a, &ops, &e));
	snprintf(want, sizeof(want), "bind 192.0.2.1:0: %s", strerror(EADDRNOTAVAIL));
	assert_string_equal(e.msg, want);
}

/* PORT alone: IPv6 and IPv4 clients both. */
static void test_any_address(void **state)
{
	struct fake f;
	struct reply r;
	char url[128];

	(void)state;
	fake_start(&f, "0");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", httpd_port(f.h));
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 200);
	sb_free(&r.body);
	snprintf(url, sizeof(url), "http://[::1]:%u/metrics", httpd_port(f.h));
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 200);
	sb_free(&r.body);
	fake_stop(&f);
	fake_start(&f, "[::1]:0");
	snprintf(url, sizeof(url), "http://[::1]:%u/", httpd_port(f.h));
	request(url, "GET", NULL, &r);
	assert_int_equal(r.status, 200);
	sb_free(&r.body);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_single_flight),
		cmocka_unit_test(test_sample_fails),
		cmocka_unit_test(test_stop_while_waiting),
		cmocka_unit_test(test_stop_by_signal),
		cmocka_unit_test(test_threads_block_signals),
		cmocka_unit_test(test_tick),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_any_address),
	};
	int ret;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return ret;
}
