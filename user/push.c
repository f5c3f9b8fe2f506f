// SPDX-License-Identifier: GPL-2.0
/* push.c - each sample to a collector by HTTP (libcurl), from a sender thread. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "push.h"
#include "strbuf.h"

const char *push_method(enum push_format f)
{
	return f == PUSH_PROMETHEUS ? "PUT" : "POST";
}

const char *push_content_type(enum push_format f)
{
	switch (f) {
	case PUSH_NDJSON:
		return "application/x-ndjson";
	case PUSH_PROMETHEUS:
		return "text/plain; version=0.0.4; charset=utf-8";
	case PUSH_INFLUX:
		break;
	}
	return "text/plain; charset=utf-8";
}

int push_check_url(const char *url, char *shown, size_t len, struct tcpstat_err *e)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLUcode uc;
	CURLU *u;
	int ret = -1;

	u = curl_url();
	if (!u) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc) {
		tcpstat_err_set(e, "--push %s: %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		tcpstat_err_set(e, "--push %s: only http:// and https:// URLs", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) || !*host) {
		tcpstat_err_set(e, "--push %s: no host", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0))
		port = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0))
		path = NULL;
	if (shown)
		snprintf(shown, len, "%s://%s%s%s%s", scheme, host, port ? ":" : "",
			 port ? port : "", path ? path : "/");
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

struct push {
	struct push_opts o;
	char *url;
	char shown[512];
	CURL *curl;
	struct curl_slist *headers;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct strbuf waiting;		/* the newest sample not yet taken */
	struct strbuf sending;		/* the sample being sent or retried */
	bool has_waiting;
	bool busy;			/* a sample is being sent or retried */
	bool stop;
	struct timespec next_try;	/* the outage's pace: no attempt before */
	long backoff;			/* ms; 0: not backing off */
	uint64_t lost_at_outage;	/* dropped + replaced when the outage began */
	struct push_stats stats;
	char errbuf[CURL_ERROR_SIZE];
	char resp[256];			/* the head of the collector's answer */
	size_t resp_len;
};

static void report(struct push *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct push *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->o.report)
		p->o.report(p->o.report_ctx, msg);
	else
		fprintf(stderr, "tcpstat: %s\n", msg);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct push *p = ctx;
	size_t len = size * n, room = sizeof(p->resp) - 1 - p->resp_len;

	memcpy(p->resp + p->resp_len, data, len < room ? len : room);
	p->resp_len += len < room ? len : room;
	return len;
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct push *p = ctx;
	bool stop;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	pthread_mutex_lock(&p->lock);
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop; /* non-zero aborts the transfer */
}

/* The first line of the collector's answer, printable, for a message. */
static const char *answer(struct push *p)
{
	size_t i;

	p->resp[p->resp_len] = '\0';
	for (i = 0; i < p->resp_len && p->resp[i] != '\n' && p->resp[i] != '\r'; i++) {
		if ((unsigned char)p->resp[i] < 0x20 || (unsigned char)p->resp[i] >= 0x7f)
			p->resp[i] = '?';
	}
	p->resp[i] = '\0';
	return p->resp;
}

/*
 * One attempt at p->sending, without the lock. 0 delivered; 1 failed and
 * worth retrying; 2 refused (a 4xx other than 408 and 429: retrying the
 * same body will not help). @why says what failed.
 */
static int attempt(struct push *p, char *why, size_t len)
{
	CURLcode rc;
	long code = 0;

	p->resp_len = 0;
	p->errbuf[0] = '\0';
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, p->sending.data ? p->sending.data : "");
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->sending.len);
	rc = curl_easy_perform(p->curl);
	if (rc != CURLE_OK) {
		snprintf(why, len, "%s", p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		return 1;
	}
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300)
		return 0;
	snprintf(why, len, "HTTP %ld%s%s", code, p->resp_len ? ": " : "", answer(p));
	if (code == 408 || code == 429 || code >= 500)
		return 1;
	return 2;
}

static void deadline_in(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Make the waiting sample the one to send. Under the lock. */
static void take_waiting(struct push *p)
{
	struct strbuf t = p->sending;

	p->sending = p->waiting;
	p->waiting = t;
	sb_reset(&p->waiting);
	p->has_waiting = false;
}

static void *sender(void *arg)
{
	struct push *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		unsigned tries = 0;

		while (!p->stop && !p->has_waiting)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		take_waiting(p);
		p->busy = true;
		for (;;) {
			struct timespec now;
			char why[512];
			int r;

			/* while backing off: a newer sample takes this one's place */
			for (;;) {
				clock_gettime(CLOCK_MONOTONIC, &now);
				if (p->stop || !before(&now, &p->next_try))
					break;
				pthread_cond_timedwait(&p->cond, &p->lock, &p->next_try);
				if (p->has_waiting) {
					take_waiting(p);
					p->stats.replaced++;
					tries = 0;
				}
			}
			if (p->stop)
				break;
			pthread_mutex_unlock(&p->lock);
			r = attempt(p, why, sizeof(why));
			pthread_mutex_lock(&p->lock);
			if (r == 0) {
				p->stats.sent++;
				if (p->stats.down)
					report(p, "push %s: delivering again (%" PRIu64 " samples lost meanwhile)",
					       p->shown, p->stats.dropped + p->stats.replaced -
					       p->lost_at_outage);
				p->stats.down = false;
				p->backoff = 0;
				p->next_try = (struct timespec){ 0, 0 };
				break;
			}
			if (p->stop)
				break; /* aborted: not a failure of the collector */
			p->stats.failures++;
			tries++;
			if (!p->stats.down) {
				p->stats.down = true;
				p->lost_at_outage = p->stats.dropped + p->stats.replaced;
				report(p, r == 2 ?
				       "push %s: %s; the sample dropped, the next ones tried with backoff until one is taken" :
				       "push %s: %s; retrying with backoff, only the newest sample kept until it answers",
				       p->shown, why);
			}
			p->backoff = p->backoff ? p->backoff * 2 : p->o.backoff_ms;
			if (p->backoff > p->o.backoff_max_ms)
				p->backoff = p->o.backoff_max_ms;
			deadline_in(&p->next_try, p->backoff);
			if (r == 2 || tries >= p->o.attempts) {
				p->stats.dropped++;
				break;
			}
		}
		p->busy = false;
		pthread_cond_broadcast(&p->cond); /* push_flush() */
		if (p->stop)
			break;
	}
	p->busy = false;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int setup_curl(struct push *p, struct tcpstat_err *e)
{
	char ctype[128], agent[64];
	CURLcode rc = CURLE_OK;

	p->curl = curl_easy_init();
	if (!p->curl) {
		tcpstat_err_set(e, "push %s: curl_easy_init failed", p->shown);
		return -1;
	}
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", push_content_type(p->o.format));
	snprintf(agent, sizeof(agent), "tcpstat/%s", TCPSTAT_VERSION);
	p->headers = curl_slist_append(NULL, ctype);
	/* no "Expect: 100-continue" round trip for large samples */
	if (p->headers && !curl_slist_append(p->headers, "Expect:")) {
		curl_slist_free_all(p->headers);
		p->headers = NULL;
	}
	if (!p->headers) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
#define SET(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(p->curl, opt, val); } while (0)
	SET(CURLOPT_URL, p->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, p->o.connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, p->o.timeout_ms);
	SET(CURLOPT_HTTPHEADER, p->headers);
	SET(CURLOPT_USERAGENT, agent);
	SET(CURLOPT_ERRORBUFFER, p->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, p);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, p);
	SET(CURLOPT_NOPROGRESS, 0L);
	if (p->o.format == PUSH_PROMETHEUS)
		SET(CURLOPT_CUSTOMREQUEST, "PUT");
	SET(CURLOPT_POST, 1L);
#undef SET
	if (rc != CURLE_OK) {
		tcpstat_err_set(e, "push %s: %s", p->shown, curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

static void free_fields(struct push *p)
{
	if (p->curl)
		curl_easy_cleanup(p->curl);
	curl_slist_free_all(p->headers);
	sb_free(&p->waiting);
	sb_free(&p->sending);
	free(p->url);
	free(p);
	curl_global_cleanup();
}

struct push *push_start(const struct push_opts *o, struct tcpstat_err *e)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	struct push *p;
	int err;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		tcpstat_err_set(e, "push %s: curl_global_init failed", o->url);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		curl_global_cleanup();
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return NULL;
	}
	p->o = *o;
	p->o.url = NULL;
	if (!p->o.connect_timeout_ms)
		p->o.connect_timeout_ms = PUSH_CONNECT_TIMEOUT_MS;
	if (!p->o.timeout_ms)
		p->o.timeout_ms = PUSH_TIMEOUT_MS;
	if (!p->o.attempts)
		p->o.attempts = PUSH_ATTEMPTS;
	if (!p->o.backoff_ms)
		p->o.backoff_ms = PUSH_BACKOFF_MS;
	if (!p->o.backoff_max_ms)
		p->o.backoff_max_ms = PUSH_BACKOFF_MAX_MS;
	if (push_check_url(o->url, p->shown, sizeof(p->shown), e))
		goto err;
	p->url = strdup(o->url);
	if (!p->url) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		goto err;
	}
	if (setup_curl(p, e))
		goto err;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* the sender inherits this mask: signals reach the sampling thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&p->thread, NULL, sender, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		tcpstat_err_set(e, "push %s: pthread_create: %s", p->shown, strerror(err));
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		goto err;
	}
	return p;
err:
	free_fields(p);
	return NULL;
}

int push_submit(struct push *p, const char *body, size_t len)
{
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	p->stats.submitted++;
	if (p->has_waiting)
		p->stats.replaced++;
	sb_reset(&p->waiting);
	if (sb_add(&p->waiting, body, len)) {
		p->has_waiting = false;
		p->stats.dropped++;
		ret = -1;
	} else {
		p->has_waiting = true;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int push_flush(struct push *p, long timeout_ms)
{
	struct timespec until;
	int ret = 0;

	deadline_in(&until, timeout_ms);
	pthread_mutex_lock(&p->lock);
	while (p->has_waiting || p->busy) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT &&
		    (p->has_waiting || p->busy)) {
			ret = -1;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void push_free(struct push *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free_fields(p);
}

struct push_stats push_get_stats(struct push *p)
{
	struct push_stats s;

	pthread_mutex_lock(&p->lock);
	s = p->stats;
	s.memory = p->waiting.cap + p->sending.cap;
	pthread_mutex_unlock(&p->lock);
	return s;
}
