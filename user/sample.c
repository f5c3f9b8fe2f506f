// SPDX-License-Identifier: GPL-2.0
/* sample.c - the growable lists of a sample. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

int array_grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > (size_t)-1 / size)
		return -1;
	q = realloc(*p, ncap * size);
	if (!q)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

struct port_row *port_list_add(struct port_list *l)
{
	void *p = l->row;
	struct port_row *r;

	if (array_grow(&p, &l->cap, l->n, sizeof(*l->row)))
		return NULL;
	l->row = p;
	r = &l->row[l->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct netns_row *netns_list_add(struct netns_list *l)
{
	void *p = l->row;
	struct netns_row *r;

	if (array_grow(&p, &l->cap, l->n, sizeof(*l->row)))
		return NULL;
	l->row = p;
	r = &l->row[l->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

void port_list_filter(struct port_list *l, const struct port_filter *f)
{
	size_t out = 0;

	if (!f || !f->active)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (port_filter_has(f, l->row[i].port))
			l->row[out++] = l->row[i];
	}
	l->n = out;
}

/* Both families of @c: their totals fit, and with @int64 each count. */
static int counts_check(const struct tcpstat_counts *c, const char *where, bool int64,
			char *why, size_t whylen)
{
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		uint64_t v4 = c->n[TCPSTAT_FAM_IPV4][s], v6 = c->n[TCPSTAT_FAM_IPV6][s];

		if (v4 > UINT64_MAX - v6) {
			snprintf(why, whylen, "%s%s: the total of ipv4 %" PRIu64 " and ipv6 %"
				 PRIu64 " does not fit in 64 bits", where,
				 tcpstat_state_upper[s], v4, v6);
			return -1;
		}
		for (int f = 0; int64 && f < TCPSTAT_NFAMILIES; f++) {
			if (c->n[f][s] > INT64_MAX) {
				snprintf(why, whylen, "%s%s %s: %" PRIu64
					 " does not fit an Influx integer (at most %" PRId64 ")",
					 where, tcpstat_state_upper[s], tcpstat_family_name[f],
					 c->n[f][s], INT64_MAX);
				return -1;
			}
		}
	}
	return 0;
}

static int port_check(const struct port_row *r, char *why, size_t whylen)
{
	const uint64_t v[] = {
		r->listeners, r->accept_queue, r->backlog, r->fullest_queue,
		r->fullest_backlog,
	};
	uint64_t max = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		max = v[i] > max ? v[i] : max;
	for (int s = 0; s < TCPSTAT_NSTATES; s++)
		max = r->n[s] > max ? r->n[s] : max;
	if (max <= INT64_MAX)
		return 0;
	snprintf(why, whylen, "port %" PRIu32 ": %" PRIu64
		 " does not fit an Influx integer (at most %" PRId64 ")",
		 r->port, max, INT64_MAX);
	return -1;
}

/* The counters, with @int64: at most INT64_MAX (an Influx integer). */
static int counters_check(bool has, const struct tcp_counters *c, const char *where,
			  bool int64, char *why, size_t whylen)
{
	for (int i = 0; has && int64 && i < TCPC_NCOUNTERS; i++) {
		if (c->v[i] > INT64_MAX) {
			snprintf(why, whylen, "%s%s: %" PRIu64
				 " does not fit an Influx integer (at most %" PRId64 ")",
				 where, tcp_counter_desc[i].field, c->v[i], INT64_MAX);
			return -1;
		}
	}
	return 0;
}

int sample_check(const struct sample *s, bool int64, char *why, size_t whylen)
{
	char where[48];

	if (counts_check(&s->c, "", int64, why, whylen) ||
	    counters_check(s->has_counters, &s->counters, "", int64, why, whylen))
		return -1;
	for (size_t i = 0; i < s->netns.n; i++) {
		const struct netns_row *r = &s->netns.row[i];

		snprintf(where, sizeof(where), "netns %" PRIu64 ": ", r->inode);
		if (counts_check(&r->c, where, int64, why, whylen) ||
		    counters_check(r->has_counters, &r->counters, where, int64, why, whylen))
			return -1;
	}
	for (size_t i = 0; int64 && i < s->ports.n; i++) {
		if (port_check(&s->ports.row[i], why, whylen))
			return -1;
	}
	return 0;
}

void sample_free(struct sample *s)
{
	free(s->ports.row);
	free(s->netns.row);
	memset(s, 0, sizeof(*s));
}
