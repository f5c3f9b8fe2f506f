/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counts.h - the one sample every backend fills and every format prints:
 * TCP sockets per address family and state, in the tcpstat order of
 * kmod/tcpstat_format.h.
 */
#ifndef TCPSTAT_COUNTS_H
#define TCPSTAT_COUNTS_H

#include <stdint.h>

#include "tcpstat_format.h"

struct tcpstat_counts {
	uint64_t n[TCPSTAT_NFAMILIES][TCPSTAT_NSTATES];
};

/* "ESTABLISHED", ... and "established", ... indexed by state index. */
extern const char *const tcpstat_state_upper[TCPSTAT_NSTATES];
extern const char *const tcpstat_state_lower[TCPSTAT_NSTATES];
/* "ipv4", "ipv6" indexed by TCPSTAT_FAM_*. */
extern const char *const tcpstat_family_name[TCPSTAT_NFAMILIES];

/* Sum of both families for state index @s. */
static inline uint64_t tcpstat_total(const struct tcpstat_counts *c, int s)
{
	return c->n[TCPSTAT_FAM_IPV4][s] + c->n[TCPSTAT_FAM_IPV6][s];
}

/* Index of an upper-case state name of @len bytes, or -1. */
int tcpstat_state_lookup(const char *name, size_t len);

#endif /* TCPSTAT_COUNTS_H */
