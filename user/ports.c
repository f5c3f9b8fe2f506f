// SPDX-License-Identifier: GPL-2.0
/* ports.c - per-port accumulators for the backends that count in user space. */
#include <stdlib.h>
#include <string.h>

#include "ports.h"

#define LISTEN_IDX TCPSTAT_STATE_INDEX(10)

int port_table_init(struct port_table *t)
{
	memset(t, 0, sizeof(*t));
	/* calloc of this size maps zero pages: only touched ports cost memory */
	t->acc = calloc(TCPSTAT_NPORTS, sizeof(*t->acc));
	return t->acc ? 0 : -1;
}

void port_table_free(struct port_table *t)
{
	free(t->acc);
	t->acc = NULL;
}

void port_table_begin(struct port_table *t)
{
	if (++t->gen == 0) { /* wrapped: every entry could look current */
		memset(t->acc, 0, TCPSTAT_NPORTS * sizeof(*t->acc));
		t->gen = 1;
	}
	memset(t->listening, 0, sizeof(t->listening));
}

void port_table_add(struct port_table *t, uint16_t port, int idx, uint32_t queue,
		    uint32_t limit)
{
	struct port_acc *a = &t->acc[port];

	if (a->gen != t->gen) {
		memset(a, 0, sizeof(*a));
		a->gen = t->gen;
	}
	a->n[idx]++;
	if (idx != LISTEN_IDX)
		return;
	if (!a->listeners || port_fuller(queue, limit, a->fullest_queue, a->fullest_backlog)) {
		a->fullest_queue = queue;
		a->fullest_backlog = limit;
	}
	a->listeners++;
	a->queue += queue;
	a->backlog += limit;
	t->listening[port / 64] |= 1ULL << (port % 64);
}

int port_acc_collect(const struct port_acc *acc, const uint64_t *listening,
		     const struct port_filter *f, bool backlog_known, struct port_list *out)
{
	out->n = 0;
	out->backlog_known = backlog_known;
	for (uint32_t w = 0; w < TCPSTAT_NPORTS / 64; w++) {
		uint64_t bits = listening[w];

		while (bits) {
			uint32_t port = w * 64 + (uint32_t)__builtin_ctzll(bits);
			const struct port_acc *a = &acc[port];
			struct port_row *r;

			bits &= bits - 1;
			/* port 0 is never a listener's; skip it all the same */
			if (!port || !port_filter_has(f, port))
				continue;
			r = port_list_add(out);
			if (!r)
				return -1;
			r->port = port;
			r->listeners = a->listeners;
			r->accept_queue = a->queue;
			if (backlog_known) {
				r->backlog = a->backlog;
				r->fullest_queue = a->fullest_queue;
				r->fullest_backlog = a->fullest_backlog;
			}
			for (int s = 0; s < TCPSTAT_NSTATES; s++)
				r->n[s] = a->n[s];
		}
	}
	return 0;
}

int port_table_collect(const struct port_table *t, const struct port_filter *f,
		       bool backlog_known, struct port_list *out)
{
	return port_acc_collect(t->acc, t->listening, f, backlog_known, out);
}
