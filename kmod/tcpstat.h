/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TCPSTAT_H
#define TCPSTAT_H

#include <net/net_namespace.h>
#include "tcpstat_format.h"

/* Counts of one walk: [address family][state index]. */
struct tcpstat_counts {
	unsigned int n[TCPSTAT_NFAMILIES][TCPSTAT_NSTATES];
};

void tcpstat_walk(struct net *net, struct tcpstat_counts *c);

#endif /* TCPSTAT_H */
