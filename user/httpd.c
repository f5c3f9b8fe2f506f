// SPDX-License-Identifier: GPL-2.0
/* httpd.c - /metrics over libmicrohttpd, one sample per flight of scrapes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "httpd.h"

const char *const httpd_content_type[HTTPD_NFORMATS] = {
	[HTTPD_FMT_PROMETHEUS] = "text/plain; version=0.0.4; charset=utf-8",
	[HTTPD_FMT_OPENMETRICS] = "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/* ---- Accept ---- */

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* [s, e) without surrounding blanks. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_ows(**s))
		(*s)++;
	while (*e > *s && is_ows((*e)[-1]))
		(*e)--;
}

static bool span_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && strncasecmp(s, word, n) == 0;
}

/* "q=" value: 0, 0.x.., 1, 1.000 (RFC 9110 qvalue), in thousandths; -1 if bad. */
static int qvalue(const char *s, const char *e)
{
	int q, digits = 0;

	if (s == e || (*s != '0' && *s != '1'))
		return -1;
	q = (*s - '0') * 1000;
	s++;
	if (s == e)
		return q;
	if (*s++ != '.')
		return -1;
	for (int scale = 100; s < e; s++, scale /= 10) {
		if (*s < '0' || *s > '9' || ++digits > 3)
			return -1;
		q += (*s - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

struct offer {
	const char *type, *subtype, *version;
};

static const struct offer offers[HTTPD_NFORMATS] = {
	[HTTPD_FMT_PROMETHEUS] = { "text", "plain", "0.0.4" },
	[HTTPD_FMT_OPENMETRICS] = { "application", "openmetrics-text", "1.0.0" },
};

/*
 * How specifically the range [ts,te)/[ss,se) with version [vs,ve) (vs
 * NULL: none) names offer @o: 3 type, subtype and version, 2 type and
 * subtype, 1 type/wildcard, 0 full wildcard; -1 no match.
 */
static int specificity(const struct offer *o, const char *ts, const char *te,
		       const char *ss, const char *se, const char *vs, const char *ve)
{
	if (span_is(ts, te, "*"))
		return span_is(ss, se, "*") ? 0 : -1;
	if (!span_is(ts, te, o->type))
		return -1;
	if (span_is(ss, se, "*"))
		return 1;
	if (!span_is(ss, se, o->subtype))
		return -1;
	if (!vs)
		return 2;
	return (size_t)(ve - vs) == strlen(o->version) &&
	       memcmp(vs, o->version, (size_t)(ve - vs)) == 0 ? 3 : -1;
}

/* The end of the element or parameter starting at @s: the next @stop outside quotes. */
static const char *scan(const char *s, const char *end, const char *stop)
{
	bool quoted = false;

	for (; s < end; s++) {
		if (quoted && *s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && strchr(stop, *s))
			break;
	}
	return s;
}

/* One media range [s, e): its q (thousandths) and its specificity per offer. */
static void media_range(const char *s, const char *e, int best_spec[], int q_of[])
{
	const char *slash, *pend = scan(s, e, ";"), *ts = s, *te, *ss, *se;
	const char *vs = NULL, *ve = NULL;
	int q = 1000;

	te = pend;
	trim(&ts, &te);
	slash = memchr(ts, '/', (size_t)(te - ts));
	if (!slash)
		return;
	ss = slash + 1;
	se = te;
	te = slash;
	if (ts == te || ss == se)
		return;
	while (pend < e) {
		const char *ps = pend + 1, *pe = scan(ps, e, ";"), *eq, *ns, *ne, *vs2, *ve2;

		pend = pe;
		trim(&ps, &pe);
		eq = memchr(ps, '=', (size_t)(pe - ps));
		if (!eq)
			return; /* a parameter without a value: not a valid range */
		ns = ps;
		ne = eq;
		vs2 = eq + 1;
		ve2 = pe;
		trim(&ns, &ne);
		trim(&vs2, &ve2);
		if (ve2 - vs2 >= 2 && *vs2 == '"' && ve2[-1] == '"') {
			vs2++;
			ve2--;
		}
		if (span_is(ns, ne, "q")) {
			q = qvalue(vs2, ve2);
			if (q < 0)
				return;
			break; /* what follows q are accept-extensions */
		}
		if (span_is(ns, ne, "version")) {
			vs = vs2;
			ve = ve2;
		}
	}
	for (int f = 0; f < HTTPD_NFORMATS; f++) {
		int sp = specificity(&offers[f], ts, te, ss, se, vs, ve);

		if (sp > best_spec[f]) {
			best_spec[f] = sp;
			q_of[f] = q;
		}
	}
}

enum httpd_format httpd_negotiate(const char *accept)
{
	int spec[HTTPD_NFORMATS] = { -1, -1 }, q[HTTPD_NFORMATS] = { 0, 0 };
	enum httpd_format best = HTTPD_FMT_PROMETHEUS;
	const char *s, *end;

	if (!accept)
		return HTTPD_FMT_PROMETHEUS;
	end = accept + strlen(accept);
	for (s = accept; s < end;) {
		const char *e = scan(s, end, ",");

		media_range(s, e, spec, q);
		s = e + 1;
	}
	for (int f = 0; f < HTTPD_NFORMATS; f++) {
		if (spec[f] < 0 || q[f] == 0)
			continue;
		if (spec[best] < 0 || q[best] == 0 || q[f] > q[best] ||
		    (q[f] == q[best] && spec[f] > spec[best]))
			best = (enum httpd_format)f;
	}
	return best;
}

/* ---- --listen ---- */

int httpd_parse_listen(const char *arg, struct httpd_addr *a, struct tcpstat_err *e)
{
	const char *colon, *port;
	char host[INET6_ADDRSTRLEN + 1];
	unsigned long p = 0;
	size_t hl;

	memset(a, 0, sizeof(*a));
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':') {
			tcpstat_err_set(e, "--listen %s: expected [IPV6]:PORT", arg);
			return -1;
		}
		hl = (size_t)(close - arg - 1);
		if (hl >= sizeof(host))
			goto bad_addr6;
		memcpy(host, arg + 1, hl);
		host[hl] = '\0';
		port = close + 2;
	} else {
		colon = strrchr(arg, ':');
		port = colon ? colon + 1 : arg;
		hl = colon ? (size_t)(colon - arg) : 0;
		if (colon && (hl >= sizeof(host) || memchr(arg, ':', hl))) {
			tcpstat_err_set(e, "--listen %s: an IPv6 address goes in brackets, [ADDR]:PORT", arg);
			return -1;
		}
		memcpy(host, arg, hl);
		host[hl] = '\0';
	}
	if (!*port || strlen(port) > 5)
		goto bad_port;
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9')
			goto bad_port;
		p = p * 10 + (unsigned long)(*c - '0');
	}
	if (p > 65535)
		goto bad_port;
	if (arg[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad_addr6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		a->len = sizeof(*s6);
	} else if (hl) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			tcpstat_err_set(e, "--listen %s: \"%s\" is not an IPv4 address (a name is not looked up; IPv6 goes in brackets)",
					arg, host);
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		a->len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons((uint16_t)p);
		a->len = sizeof(*s6);
		a->any = true;
	}
	return 0;
bad_port:
	tcpstat_err_set(e, "--listen %s: the port must be a number from 0 to 65535", arg);
	return -1;
bad_addr6:
	tcpstat_err_set(e, "--listen %s: not an IPv6 address in brackets", arg);
	return -1;
}

/* "127.0.0.1:9100", "[::1]:9100" */
static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/* ---- the server ---- */

/* One sample and the scrapes that share it. */
struct flight {
	unsigned refs;		/* the scrapes holding it, and the sampler */
	bool done;
	int status;		/* MHD_HTTP_OK, or the error's */
	struct strbuf body[HTTPD_NFORMATS];
	char err[sizeof(((struct tcpstat_err *)0)->msg) + 16];
};

struct httpd {
	struct MHD_Daemon *mhd;
	int listen_fd;
	int wake_fd;			/* eventfd: a flight is pending, or stop */
	uint16_t port;
	struct httpd_ops ops;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct flight *pending;		/* asked for, not yet started */
	struct flight *running;		/* being sampled */
	atomic_bool stop;		/* set by httpd_stop(), maybe in a signal handler */
	bool stopped;			/* the sampler has left: no more flights */
	unsigned requests;		/* begun and not yet completed (sent or aborted) */
	struct httpd_stats stats;
};

static void flight_put(struct flight *f)
{
	if (--f->refs)
		return;
	for (int i = 0; i < HTTPD_NFORMATS; i++)
		sb_free(&f->body[i]);
	free(f);
}

static void wake(struct httpd *h)
{
	uint64_t one = 1;
	ssize_t n;

	do
		n = write(h->wake_fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
	/* EAGAIN: the counter is already non-zero, the sampler will wake */
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status,
				 const char *type, const char *body, size_t len,
				 const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_plain(struct MHD_Connection *conn, unsigned status,
				  const char *msg, const char *allow)
{
	return send_text(conn, status, "text/plain; charset=utf-8", msg, strlen(msg), allow);
}

static const char index_html[] =
	"<!DOCTYPE html>\n"
	"<html><head><meta charset=\"utf-8\"><title>tcpstat</title></head>\n"
	"<body><h1>tcpstat " TCPSTAT_VERSION "</h1>\n"
	"<p>TCP connections by state: <a href=\"/metrics\">/metrics</a></p>\n"
	"</body></html>\n";

/*
 * Join the flight in progress or ask for one; wait for it. NULL with errno
 * ETIMEDOUT (no sample in time) or ENOMEM, or 0 (stopping).
 */
static struct flight *join_flight(struct httpd *h)
{
	struct flight *f;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += HTTPD_WAIT_SECONDS;
	pthread_mutex_lock(&h->lock);
	if (h->stopped) {
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	f = h->running ? h->running : h->pending;
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f) {
			pthread_mutex_unlock(&h->lock);
			errno = ENOMEM;
			return NULL;
		}
		f->refs = 1; /* the sampler's */
		h->pending = f;
		wake(h);
	}
	f->refs++;
	h->stats.waiting++;
	while (!f->done) {
		if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT &&
		    !f->done) {
			h->stats.waiting--;
			flight_put(f);
			pthread_mutex_unlock(&h->lock);
			errno = ETIMEDOUT;
			return NULL;
		}
	}
	h->stats.waiting--;
	h->stats.scrapes++;
	pthread_mutex_unlock(&h->lock);
	return f;
}

static enum MHD_Result metrics(struct httpd *h, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	enum httpd_format fmt = httpd_negotiate(accept);
	struct flight *f;
	enum MHD_Result ret;

	errno = 0;
	f = join_flight(h);
	if (!f)
		return send_plain(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  errno == ETIMEDOUT ? "tcpstat: timed out waiting for a sample\n" :
				  errno == ENOMEM ? "tcpstat: out of memory\n" :
				  "tcpstat: shutting down\n", NULL);
	if (f->status == MHD_HTTP_OK)
		ret = send_text(conn, MHD_HTTP_OK, httpd_content_type[fmt],
				f->body[fmt].data ? f->body[fmt].data : "", f->body[fmt].len, NULL);
	else
		ret = send_plain(conn, (unsigned)f->status, f->err, NULL);
	pthread_mutex_lock(&h->lock);
	flight_put(f);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	struct httpd *h = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (!*req_cls) {
		/* counted until completed(): httpd_free() lets the answers go out */
		*req_cls = h;
		pthread_mutex_lock(&h->lock);
		h->requests++;
		pthread_mutex_unlock(&h->lock);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_plain(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "tcpstat: only GET and HEAD\n", "GET, HEAD");
	if (strcmp(url, "/metrics") == 0)
		return metrics(h, conn);
	if (strcmp(url, "/") == 0)
		return send_text(conn, MHD_HTTP_OK, "text/html; charset=utf-8", index_html,
				 sizeof(index_html) - 1, NULL);
	return send_plain(conn, MHD_HTTP_NOT_FOUND, "tcpstat: not found; the metrics are at /metrics\n",
			  NULL);
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;

	(void)conn;
	(void)toe;
	if (!*req_cls)
		return;
	*req_cls = NULL;
	pthread_mutex_lock(&h->lock);
	h->requests--;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

static int listen_on(const struct httpd_addr *a, struct httpd_addr *bound,
		     struct tcpstat_err *e)
{
	struct httpd_addr v4;
	char text[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, zero = 0;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && a->any && errno == EAFNOSUPPORT) {
		/* no IPv6 on this host: every IPv4 address */
		struct sockaddr_in *s4 = (struct sockaddr_in *)&v4.ss;

		memset(&v4, 0, sizeof(v4));
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = ((const struct sockaddr_in6 *)&a->ss)->sin6_port;
		v4.len = sizeof(*s4);
		a = &v4;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	addr_text(&a->ss, text, sizeof(text));
	if (fd < 0) {
		tcpstat_err_set(e, "socket for %s: %s", text, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (a->any && a->ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)))) {
		tcpstat_err_set(e, "setsockopt for %s: %s", text, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len)) {
		tcpstat_err_set(e, "bind %s: %s", text, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 64)) {
		tcpstat_err_set(e, "listen %s: %s", text, strerror(errno));
		close(fd);
		return -1;
	}
	bound->len = sizeof(bound->ss);
	if (getsockname(fd, (struct sockaddr *)&bound->ss, &bound->len)) {
		tcpstat_err_set(e, "getsockname %s: %s", text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct httpd *httpd_start(const struct httpd_addr *a, const struct httpd_ops *ops,
			  struct tcpstat_err *e)
{
	struct httpd_addr bound;
	sigset_t all, old;
	struct httpd *h;
	pthread_condattr_t ca;

	h = calloc(1, sizeof(*h));
	if (!h) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return NULL;
	}
	h->ops = *ops;
	h->wake_fd = -1;
	h->listen_fd = listen_on(a, &bound, e);
	if (h->listen_fd < 0)
		goto err_free;
	h->port = ntohs(bound.ss.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&bound.ss)->sin6_port :
			((struct sockaddr_in *)&bound.ss)->sin_port);
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->wake_fd < 0) {
		tcpstat_err_set(e, "eventfd: %s", strerror(errno));
		goto err_close;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* libmicrohttpd's threads inherit this mask: signals reach the caller only */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->mhd = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
				  MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC,
				  0, NULL, NULL, handle, h,
				  MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_IDLE_SECONDS,
				  MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->mhd) {
		tcpstat_err_set(e, "libmicrohttpd: cannot start the HTTP server on port %u",
				h->port);
		goto err_sync;
	}
	return h;
err_sync:
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	close(h->wake_fd);
	/* some of libmicrohttpd's failures close it already (single-threaded here) */
	if (fcntl(h->listen_fd, F_GETFD) < 0)
		goto err_free;
err_close:
	close(h->listen_fd);
err_free:
	free(h);
	return NULL;
}

uint16_t httpd_port(const struct httpd *h)
{
	return h->port;
}

/* Take the pending flight's sample and render it; publish it. */
static void fly(struct httpd *h, struct flight *f)
{
	struct tcpstat_err e;
	int status = MHD_HTTP_OK;

	h->stats.samples++;
	if (h->ops.sample(h->ops.ctx, &e)) {
		snprintf(f->err, sizeof(f->err), "tcpstat: %s\n", e.msg);
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	for (int i = 0; i < HTTPD_NFORMATS && status == MHD_HTTP_OK; i++) {
		if (h->ops.render(h->ops.ctx, (enum httpd_format)i, &f->body[i]) ||
		    (i == HTTPD_FMT_OPENMETRICS && sb_puts(&f->body[i], "# EOF\n"))) {
			snprintf(f->err, sizeof(f->err), "tcpstat: %s\n", strerror(ENOMEM));
			status = MHD_HTTP_SERVICE_UNAVAILABLE;
		}
	}
	pthread_mutex_lock(&h->lock);
	f->status = status;
	f->done = true;
	h->running = NULL;
	pthread_cond_broadcast(&h->cond);
	flight_put(f);
	pthread_mutex_unlock(&h->lock);
}

/* No more flights: the waiting scrapes get 503. */
static void shut(struct httpd *h)
{
	struct flight *f;

	pthread_mutex_lock(&h->lock);
	h->stopped = true;
	f = h->pending;
	h->pending = NULL;
	if (f) {
		snprintf(f->err, sizeof(f->err), "tcpstat: shutting down\n");
		f->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		f->done = true;
		pthread_cond_broadcast(&h->cond);
		flight_put(f);
	}
	pthread_mutex_unlock(&h->lock);
}

int httpd_serve(struct httpd *h, struct tcpstat_err *e)
{
	while (!atomic_load(&h->stop)) {
		struct pollfd p = { .fd = h->wake_fd, .events = POLLIN };
		long wait = h->ops.tick ? h->ops.tick(h->ops.ctx) : -1;
		struct flight *f;
		uint64_t n;

		if (wait > INT_MAX)
			wait = INT_MAX;
		if (poll(&p, 1, wait < 0 ? -1 : (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			tcpstat_err_set(e, "poll: %s", strerror(errno));
			shut(h);
			return -1;
		}
		if (read(h->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN && errno != EINTR) {
			tcpstat_err_set(e, "read eventfd: %s", strerror(errno));
			shut(h);
			return -1;
		}
		if (atomic_load(&h->stop))
			break;
		pthread_mutex_lock(&h->lock);
		f = h->pending;
		h->pending = NULL;
		h->running = f;
		pthread_mutex_unlock(&h->lock);
		if (f)
			fly(h, f);
	}
	shut(h);
	return 0;
}

void httpd_stop(struct httpd *h)
{
	uint64_t one = 1;
	int saved = errno;

	atomic_store(&h->stop, true); /* lock-free: async-signal-safe */
	/* write() is async-signal-safe; EAGAIN: already awake */
	if (write(h->wake_fd, &one, sizeof(one)) < 0)
		errno = saved;
	errno = saved;
}

void httpd_free(struct httpd *h)
{
	struct timespec until;
	MHD_socket fd;

	if (!h)
		return;
	shut(h);
	/* no new connection; the requests begun get their answers out */
	fd = MHD_quiesce_daemon(h->mhd);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += HTTPD_DRAIN_SECONDS;
	pthread_mutex_lock(&h->lock);
	while (h->requests &&
	       pthread_cond_timedwait(&h->cond, &h->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&h->lock);
	/* joins its threads (idle keep-alive connections are closed) */
	MHD_stop_daemon(h->mhd);
	/* quiesced: the listening socket is ours to close */
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	close(h->wake_fd);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

struct httpd_stats httpd_get_stats(struct httpd *h)
{
	struct httpd_stats s;

	pthread_mutex_lock(&h->lock);
	s = h->stats;
	pthread_mutex_unlock(&h->lock);
	return s;
}
