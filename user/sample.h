/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sample.h - what one sample holds besides the state counts: the
 * per-port view (--ports) and the per-namespace view (--all-netns), and
 * the --port filter. The lists are reused from sample to sample.
 */
#ifndef TCPSTAT_SAMPLE_H
#define TCPSTAT_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroupid.h"
#include "counters.h"
#include "counts.h"

/*
 * Room for one more element of @size in *@p, which holds @n of @cap (the
 * array doubles, from 16). 0, or -1 when out of memory or on overflow;
 * *@p is then unchanged.
 */
int array_grow(void **p, size_t *cap, size_t n, size_t size);

#define TCPSTAT_NPORTS 65536

/* One listening port: every socket whose local port it is. */
struct port_row {
	uint32_t port;
	uint64_t listeners;		/* LISTEN sockets (= n[LISTEN]) */
	uint64_t accept_queue;		/* the sum of their accept queues */
	uint64_t backlog;		/* the sum of their limits */
	uint64_t fullest_queue;		/* the listener whose queue is fullest */
	uint64_t fullest_backlog;	/*   relative to its limit */
	uint64_t n[TCPSTAT_NSTATES];
};

struct port_list {
	struct port_row *row;		/* ascending port */
	size_t n, cap;
	/* false (procfs): backlog and fullest_* are not known */
	bool backlog_known;
};

/* One network namespace. */
struct netns_row {
	uint64_t inode;
	const char *name;		/* from --run-netns; NULL: none */
	struct tcpstat_counts c;
	/* --counters: the namespace's own, when it could still be read */
	bool has_counters;
	struct tcp_counters counters;
	/* its container, pod or unit (the cgroupid cache's); NULL: none known */
	const struct cgroup_id *id;
};

struct netns_list {
	struct netns_row *row;		/* ascending inode */
	size_t n, cap;
};

struct sample {
	struct tcpstat_counts c;	/* the namespace's counts (not --all-netns) */
	bool has_counters;		/* --counters (not --all-netns) */
	struct tcp_counters counters;
	struct port_list ports;		/* --ports */
	struct netns_list netns;	/* --all-netns */
	/* about the sample itself (set by the caller, not by the source) */
	bool failed;			/* the source failed: no counts */
	uint64_t duration_ns;		/* how long reading it took */
	const char *backend;		/* the backend that answered ("none") */
};

/* Append a zeroed row. NULL when out of memory (the list is unchanged). */
struct port_row *port_list_add(struct port_list *l);
struct netns_row *netns_list_add(struct netns_list *l);
void sample_free(struct sample *s);

/* The ports --port keeps; inactive keeps every port. */
struct port_filter {
	bool active;
	uint64_t bits[TCPSTAT_NPORTS / 64];
};

static inline bool port_filter_has(const struct port_filter *f, uint32_t port)
{
	if (!f || !f->active)
		return true;
	return port < TCPSTAT_NPORTS && (f->bits[port / 64] >> (port % 64)) & 1;
}

static inline void port_filter_set(struct port_filter *f, uint32_t port)
{
	f->active = true;
	f->bits[port / 64] |= 1ULL << (port % 64);
}

/*
 * Check that every number the formats print fits: a total of both
 * families (JSON) fits 64 bits, and with @int64 (Influx integers) every
 * count, port and queue figure and every counter is at most INT64_MAX. 0, or -1 with @why
 * (what does not fit) filled.
 */
int sample_check(const struct sample *s, bool int64, char *why, size_t whylen);

/* Drop the rows @f does not keep, in place. */
void port_list_filter(struct port_list *l, const struct port_filter *f);

/*
 * The kernel drops new connections to a listener whose accept queue is
 * longer than its limit (sk_acceptq_is_full: ack_backlog > max_ack_backlog).
 */
static inline bool port_row_saturated(const struct port_row *r)
{
	return r->fullest_queue > r->fullest_backlog;
}

#endif /* TCPSTAT_SAMPLE_H */
