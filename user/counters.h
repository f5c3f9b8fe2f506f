/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters.h - --counters: the namespace's cumulative TCP counters, from
 * the "Tcp:" pair of lines of <proc>/net/snmp and the "TcpExt:" pair of
 * <proc>/net/netstat. Both files are a fixed size whatever the number of
 * sockets (O(1) per sample). Each is a sequence of line pairs, a header
 * naming the columns and a line of values with the same prefix:
 *
 *   Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens ...
 *   Tcp: 1 200 120000 -1 663 260 ...
 *
 * Columns are found by their names in the header, never by position (the
 * sets differ between kernels). Every pair of the file is checked: same
 * prefix, as many values as names, every value a decimal integer.
 */
#ifndef TCPSTAT_COUNTERS_H
#define TCPSTAT_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum tcp_counter {
	TCPC_ACTIVE_OPENS,
	TCPC_PASSIVE_OPENS,
	TCPC_ATTEMPT_FAILS,
	TCPC_ESTAB_RESETS,
	TCPC_RETRANS_SEGS,
	TCPC_LISTEN_OVERFLOWS,
	TCPC_LISTEN_DROPS,
	TCPC_NCOUNTERS
};

/* What the formats print for one counter, and where it is read. */
struct tcp_counter_desc {
	const char *json;	/* JSON key and Influx field: "active_opens" */
	const char *prom;	/* Prometheus counter: "tcpstat_active_opens_total" */
	const char *help;	/* Prometheus HELP text (no '\\' or newline) */
	const char *file;	/* "snmp" or "netstat", under <proc>/net */
	const char *section;	/* "Tcp" or "TcpExt" */
	const char *field;	/* the column's name: "ActiveOpens" */
};

/* Indexed by enum tcp_counter, in the order the formats print them. */
extern const struct tcp_counter_desc tcp_counter_desc[TCPC_NCOUNTERS];

struct tcp_counters {
	uint64_t v[TCPC_NCOUNTERS];	/* cumulative, by enum tcp_counter */
	uint64_t curr_estab;		/* Tcp: CurrEstab, a gauge (cross-checks) */
};

enum counters_file {
	COUNTERS_SNMP,		/* <proc>/net/snmp: the Tcp: pair */
	COUNTERS_NETSTAT,	/* <proc>/net/netstat: the TcpExt: pair */
};

/*
 * Parse the whole text of one file (@n bytes, not NUL-terminated) and
 * fill the fields of @out that it holds (snmp: the five Tcp counters and
 * curr_estab; netstat: the two TcpExt ones); the others are not touched.
 * 0, or -1 with *pe filled: pe->line is the line of the fault (0 when it
 * is about the whole file, such as a missing section).
 */
int counters_parse(enum counters_file f, const char *buf, size_t n,
		   struct tcp_counters *out, struct parse_err *pe);

/* The largest file counters_read() accepts (6.18's netstat is 4 KiB). */
#define COUNTERS_FILE_MAX (64 * 1024)

/*
 * Read <netdir>/snmp and <netdir>/netstat (netdir: "<proc>/net", or
 * "<proc>/self/net" after entering another namespace) into @out, using
 * @buf (@bufsize bytes, at most COUNTERS_FILE_MAX of it is used; a file
 * that does not fit is an error). All or nothing: 0 with *out filled, or
 * -1 with *e naming the file (and line) and the reason, *out untouched.
 */
int counters_read(const char *netdir, char *buf, size_t bufsize,
		  struct tcp_counters *out, struct tcpstat_err *e);

#endif /* TCPSTAT_COUNTERS_H */
