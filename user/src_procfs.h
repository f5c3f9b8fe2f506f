/* SPDX-License-Identifier: GPL-2.0 */
/*
 * src_procfs.h - the procfs backend: the `st` column of <proc>/net/tcp
 * (IPv4) and <proc>/net/tcp6 (IPv6), counted while streaming; with
 * --ports also the local port and, for a listener, its accept queue
 * (rx_queue). /proc/net/tcp does not show a listener's backlog limit.
 */
#ifndef TCPSTAT_SRC_PROCFS_H
#define TCPSTAT_SRC_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counts.h"
#include "err.h"
#include "lines.h"
#include "ports.h"

#define PROCFS_LINE_MAX 512
#define PROCFS_READ_SIZE (256 * 1024)

struct procfs_parser {
	struct parse_err err;
	uint64_t n[TCPSTAT_NSTATES];
	struct port_table *ports;	/* --ports: NULL otherwise */
	struct lines lines;
};

void procfs_parser_init(struct procfs_parser *p);
/*
 * With @ports (not NULL), each row is also counted on its local port:
 * the local_address and tx_queue:rx_queue fields are then checked too.
 * The caller calls port_table_begin() once per sample, before tcp.
 */
void procfs_parser_init_ports(struct procfs_parser *p, struct port_table *ports);
/* 0, or -1 with p->err filled. */
int procfs_parser_feed(struct procfs_parser *p, const char *buf, size_t n);
/* At end of input: 0 and @out (one family's 11 counts) filled, or -1. */
int procfs_parser_finish(struct procfs_parser *p, uint64_t out[TCPSTAT_NSTATES]);

int procfs_parse(const char *buf, size_t n, uint64_t out[TCPSTAT_NSTATES],
		 struct parse_err *err);

/*
 * Count <proc>/net/tcp and <proc>/net/tcp6 (a missing tcp6 counts as no
 * IPv6 socket). 0, or -1 with *e filled.
 */
int procfs_read(const char *proc, char *buf, size_t bufsize,
		struct tcpstat_counts *out, struct tcpstat_err *e);

/*
 * The same for <dir>/tcp and <dir>/tcp6 (<proc>/net, or <proc>/self/net
 * after entering another namespace), with the per-port view counted into
 * @ports when not NULL (port_table_begin() is called here).
 */
int procfs_read_dir(const char *dir, char *buf, size_t bufsize,
		    struct tcpstat_counts *out, struct port_table *ports,
		    struct tcpstat_err *e);

#endif /* TCPSTAT_SRC_PROCFS_H */
