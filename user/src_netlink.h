/* SPDX-License-Identifier: GPL-2.0 */
/*
 * src_netlink.h - the netlink backend: a NETLINK_SOCK_DIAG
 * SOCK_DIAG_BY_FAMILY dump per family, counted as it arrives.
 */
#ifndef TCPSTAT_SRC_NETLINK_H
#define TCPSTAT_SRC_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "err.h"
#include "ports.h"

#define NETLINK_RECV_SIZE (64 * 1024)
#define NETLINK_RCVBUF (1024 * 1024)
#define NETLINK_TIMEOUT_S 5

/* One family's dump, fed one received datagram at a time. */
struct nl_dump {
	uint8_t family;		/* AF_INET or AF_INET6 */
	unsigned int seq;	/* of our request; 0: do not check */
	unsigned int portid;	/* our socket's; 0: do not check */
	bool done;		/* NLMSG_DONE seen */
	int error;		/* errno of the failure */
	char what[128];		/* what failed */
	uint64_t n[TCPSTAT_NSTATES];
	/*
	 * --ports: every socket is also counted on its local port
	 * (idiag_sport); a listener adds its accept queue (idiag_rqueue) and
	 * its limit (idiag_wqueue). NULL: no per-port view.
	 */
	struct port_table *ports;
};

void nl_dump_init(struct nl_dump *d, uint8_t family, unsigned int seq,
		  unsigned int portid);
/*
 * Count the messages of one datagram. Returns 1 when more datagrams are
 * expected, 0 when the dump is complete (NLMSG_DONE), -1 on error with
 * d->error and d->what set.
 */
int nl_dump_feed(struct nl_dump *d, const void *buf, size_t len);

/*
 * Dump both families. With @ports, the per-port view is counted into it
 * too (port_table_begin() is called here). 0, or -1 with *e filled.
 */
int netlink_read(void *buf, size_t bufsize, struct tcpstat_counts *out,
		 struct port_table *ports, struct tcpstat_err *e);

#endif /* TCPSTAT_SRC_NETLINK_H */
