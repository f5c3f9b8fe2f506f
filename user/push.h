/* SPDX-License-Identifier: GPL-2.0 */
/*
 * push.h - --push URL: send each sample to a collector over HTTP (libcurl),
 * from a thread of its own, so the sampling loop never waits for the
 * network:
 *
 *   influx      POST, text/plain: InfluxDB 1.x /write?db=..., VictoriaMetrics /write
 *   ndjson      POST, application/x-ndjson: any HTTP collector (Vector, Fluent Bit, ...)
 *   prometheus  PUT, text/plain; version=0.0.4: a Pushgateway's
 *               /metrics/job/<job>[/instance/<instance>]. PUT replaces the
 *               whole group, so a series that is gone from a sample (a
 *               namespace, a port) is gone from the gateway too; POST
 *               would keep it forever.
 *
 * At most one sample waits per destination: a newer one replaces it, so
 * nothing grows while the collector is down. A sample is tried at most
 * `attempts` times; between failures the sender waits, from `backoff_ms`
 * doubling up to `backoff_max_ms`, and keeps that pace while the collector
 * stays down (a newer sample takes the place of the one being retried).
 * The first failure of an outage is reported once, its end once.
 */
#ifndef TCPSTAT_PUSH_H
#define TCPSTAT_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum push_format {
	PUSH_INFLUX,
	PUSH_NDJSON,
	PUSH_PROMETHEUS,
};

/* "POST"/"PUT" and the Content-Type header of each format. */
const char *push_method(enum push_format f);
const char *push_content_type(enum push_format f);

struct push_opts {
	const char *url;		/* http:// or https:// (copied) */
	enum push_format format;
	long connect_timeout_ms;	/* 0: PUSH_CONNECT_TIMEOUT_MS */
	long timeout_ms;		/* the whole request; 0: PUSH_TIMEOUT_MS */
	unsigned attempts;		/* per sample; 0: PUSH_ATTEMPTS */
	long backoff_ms;		/* 0: PUSH_BACKOFF_MS */
	long backoff_max_ms;		/* 0: PUSH_BACKOFF_MAX_MS */
	/*
	 * Where the outage and recovery lines go (one line, without the
	 * "tcpstat: " prefix or newline), from the sender's thread, which
	 * holds the destination's lock: it must not call push_*(). NULL:
	 * "tcpstat: <msg>\n" on stderr.
	 */
	void (*report)(void *ctx, const char *msg);
	void *report_ctx;
};

#define PUSH_CONNECT_TIMEOUT_MS 3000
#define PUSH_TIMEOUT_MS 10000
#define PUSH_ATTEMPTS 3
#define PUSH_BACKOFF_MS 500
#define PUSH_BACKOFF_MAX_MS 30000

/*
 * Check a --push URL: http or https, a host. 0, or -1 with *e saying why.
 * @shown (may be NULL, @len bytes) gets the URL as messages show it:
 * scheme, host, port and path, without user, password or query (which
 * may hold InfluxDB's u= and p=).
 */
int push_check_url(const char *url, char *shown, size_t len, struct tcpstat_err *e);

struct push;

/*
 * Start the sender for one destination (a thread with every signal
 * blocked). NULL with *e filled (a bad URL, out of memory).
 */
struct push *push_start(const struct push_opts *o, struct tcpstat_err *e);

/*
 * Hand one sample (@len bytes, copied) to the sender; a sample still
 * waiting is replaced (counted in stats.replaced). Never waits for the
 * network. 0, or -1 when out of memory (the sample is not sent).
 */
int push_submit(struct push *p, const char *body, size_t len);

/*
 * Wait until nothing waits or is being sent (delivered, or given up),
 * at most @timeout_ms: before exiting after the last sample. 0, or -1
 * on timeout.
 */
int push_flush(struct push *p, long timeout_ms);

/* Stop the sender (a transfer in progress is aborted) and free. NULL is fine. */
void push_free(struct push *p);

struct push_stats {
	uint64_t submitted;	/* push_submit() calls */
	uint64_t sent;		/* samples the collector took (2xx) */
	uint64_t replaced;	/* waiting samples a newer one replaced */
	uint64_t dropped;	/* given up after `attempts`, or refused (4xx) */
	uint64_t failures;	/* failed attempts */
	bool down;		/* in an outage now */
	size_t memory;		/* bytes held for samples (bounded: two samples) */
};

struct push_stats push_get_stats(struct push *p);

#endif /* TCPSTAT_PUSH_H */
