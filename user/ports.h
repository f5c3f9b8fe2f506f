/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ports.h - the per-port view computed in user space (netlink and procfs
 * backends): one accumulator per possible local port, allocated once, so
 * a socket is counted in O(1) whatever order the sockets come in (a dump
 * may show a port's connections before its listeners, or its IPv6
 * listener after its IPv4 connections). Nothing is kept per socket.
 */
#ifndef TCPSTAT_PORTS_H
#define TCPSTAT_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "sample.h"

/*
 * One local port's sockets. 32-bit counters, as in the module: a port
 * cannot hold 2^32 sockets; the queue sums are 64-bit (every listener's
 * limit can be near 2^32).
 */
struct port_acc {
	uint32_t gen;			/* the sample that last touched it */
	uint32_t listeners;
	uint32_t fullest_queue, fullest_backlog;
	uint64_t queue, backlog;
	uint32_t n[TCPSTAT_NSTATES];
};

struct port_table {
	struct port_acc *acc;			/* TCPSTAT_NPORTS entries */
	uint64_t listening[TCPSTAT_NPORTS / 64];	/* ports with a listener */
	uint32_t gen;
};

/* -1 when out of memory (about 5 MiB of address space, touched sparsely). */
int port_table_init(struct port_table *t);
void port_table_free(struct port_table *t);

/* Start a sample: forget every count, in O(1) (plus 8 KiB). */
void port_table_begin(struct port_table *t);

/*
 * Count one socket with local port @port in state index @idx (0..10).
 * For a LISTEN socket, @queue and @limit are its accept queue length and
 * limit (ignored otherwise).
 */
void port_table_add(struct port_table *t, uint16_t port, int idx, uint32_t queue,
		    uint32_t limit);

/*
 * The ports with a listener that @f keeps, ascending, into @out (emptied
 * first). -1 when out of memory.
 */
int port_table_collect(const struct port_table *t, const struct port_filter *f,
		       bool backlog_known, struct port_list *out);
/*
 * The same from accumulators kept elsewhere (the bpf backend's map):
 * @acc has TCPSTAT_NPORTS entries, @listening TCPSTAT_NPORTS / 64 words.
 */
int port_acc_collect(const struct port_acc *acc, const uint64_t *listening,
		     const struct port_filter *f, bool backlog_known, struct port_list *out);

/*
 * Is queue @q of limit @m fuller than queue @fq of limit @fm: q/m > fq/fm
 * (a limit of 0 counts as 1), or as full with a longer queue, or as full
 * and as long with a larger limit? The module's order (a total order, so
 * the fullest listener does not depend on the order sockets come in).
 */
static inline bool port_fuller(uint32_t q, uint32_t m, uint32_t fq, uint32_t fm)
{
	uint64_t a = (uint64_t)q * (fm ? fm : 1), b = (uint64_t)fq * (m ? m : 1);

	return a > b || (a == b && (q > fq || (q == fq && m > fm)));
}

#endif /* TCPSTAT_PORTS_H */
