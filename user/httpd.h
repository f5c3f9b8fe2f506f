/* SPDX-License-Identifier: GPL-2.0 */
/*
 * httpd.h - --listen: serve /metrics over HTTP (libmicrohttpd).
 *
 *   GET /metrics   Prometheus text 0.0.4, or OpenMetrics 1.0.0 (ending
 *                  "# EOF") when the Accept header prefers it; HEAD the
 *                  same headers without the body (a sample all the same)
 *   GET /          a small HTML page linking to /metrics
 *   other paths    404; methods other than GET and HEAD: 405
 *
 * Samples are taken on the thread that calls httpd_serve() (the main
 * thread: the backends, setns() and their buffers stay single-threaded);
 * libmicrohttpd's threads only wait for them. Single flight: a scrape
 * that arrives while a sample is pending or being taken waits for that
 * one and gets the same body; a scrape after it completed asks for a new
 * one. N concurrent scrapes cost one sample.
 */
#ifndef TCPSTAT_HTTPD_H
#define TCPSTAT_HTTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"
#include "strbuf.h"

enum httpd_format {
	HTTPD_FMT_PROMETHEUS,	/* text/plain; version=0.0.4 */
	HTTPD_FMT_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
	HTTPD_NFORMATS
};

/* The Content-Type header of each format. */
extern const char *const httpd_content_type[HTTPD_NFORMATS];

/*
 * The format to answer a request with, from its Accept header (NULL: no
 * header), as RFC 9110 12.5.1 says: each format gets the q-value of the
 * most specific media range that matches it (most specific first:
 * "application/openmetrics-text; version=1.0.0", then the same without a
 * version, then the type's wildcard "application/" + "*", then the full
 * wildcard; likewise "text/plain; version=0.0.4"). A range with another
 * version (openmetrics-text 0.0.1, Prometheus 3's text/plain 1.0.0)
 * matches neither. The higher q wins, a tie goes to the more specific
 * match, then to Prometheus text. Nothing acceptable, or a range that
 * cannot be parsed (skipped): Prometheus text, as exporters do.
 */
enum httpd_format httpd_negotiate(const char *accept);

/* Where to listen: --listen [ADDR:]PORT. */
struct httpd_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool any;		/* PORT alone: every address, IPv6 and IPv4 */
};

/*
 * Parse "PORT" (every address), "IPV4:PORT" or "[IPV6]:PORT", numeric
 * addresses only; PORT 0..65535 (0: the kernel picks one, see
 * httpd_port()). 0, or -1 with *e saying what is wrong with @arg.
 */
int httpd_parse_listen(const char *arg, struct httpd_addr *a, struct tcpstat_err *e);

struct httpd_ops {
	/*
	 * Take one sample, on the httpd_serve() thread. 0, or -1 with *e
	 * filled: the waiting scrapes get 503 and the message. (A caller
	 * that reports failures in the body, as tcpstat_up 0, returns 0.)
	 */
	int (*sample)(void *ctx, struct tcpstat_err *e);
	/*
	 * Write the sample just taken as @fmt to @sb (empty on entry). For
	 * OpenMetrics without the final "# EOF\n", which httpd appends.
	 * Called for both formats after each successful sample(). 0, or -1
	 * when out of memory (503).
	 */
	int (*render)(void *ctx, enum httpd_format fmt, struct strbuf *sb);
	/*
	 * Optional (NULL: none): called on the httpd_serve() thread before
	 * each wait; returns the most milliseconds to wait before it is
	 * called again, or -1 for no limit. For the systemd watchdog
	 * (sdnotify_watchdog()'s return value fits).
	 */
	long (*tick)(void *ctx);
	void *ctx;
};

struct httpd;

/* Limits (libmicrohttpd options and the scrape's own wait). */
#define HTTPD_MAX_CONNECTIONS 32
#define HTTPD_IDLE_SECONDS 30	/* an idle connection is closed */
#define HTTPD_WAIT_SECONDS 60	/* a scrape waits this long for a sample, then 503 */
#define HTTPD_DRAIN_SECONDS 5	/* httpd_free() lets answers begun go out this long */

/*
 * Bind and listen on @a (SO_REUSEADDR; for "any", an IPv6 socket that
 * accepts IPv4 too, or IPv4 alone where the host has no IPv6), start
 * libmicrohttpd's threads with every signal blocked (signals go to the
 * caller's thread). NULL with *e filled ("bind [::]:9100: Address
 * already in use").
 */
struct httpd *httpd_start(const struct httpd_addr *a, const struct httpd_ops *ops,
			  struct tcpstat_err *e);

/* The port listened on (the one the kernel chose for port 0). */
uint16_t httpd_port(const struct httpd *h);

/*
 * Take the samples scrapes ask for until httpd_stop(). Returns 0 after
 * a stop (the scrapes still waiting get 503), or -1 with *e filled if
 * waiting failed.
 */
int httpd_serve(struct httpd *h, struct tcpstat_err *e);

/* Make httpd_serve() return. Async-signal-safe: call it from SIGTERM's handler. */
void httpd_stop(struct httpd *h);

/*
 * After httpd_serve() returned (or without it): no new connection is
 * accepted, the scrapes still waiting get 503, the answers begun go out
 * (for up to HTTPD_DRAIN_SECONDS), then libmicrohttpd stops (joins its
 * threads, closes idle connections), the socket is closed and everything
 * freed. NULL is fine.
 */
void httpd_free(struct httpd *h);

struct httpd_stats {
	uint64_t scrapes;	/* /metrics requests answered */
	uint64_t samples;	/* sample() calls */
	unsigned waiting;	/* scrapes waiting for a sample now */
};

struct httpd_stats httpd_get_stats(struct httpd *h);

#endif /* TCPSTAT_HTTPD_H */
