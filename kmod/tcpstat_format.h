/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstat_format.h - the one definition of the TCP states tcpstat reports,
 * their order and the layout of the files, shared by the kernel module
 * (kmod/) and the reporter (user/). Plain C, no includes: it builds in
 * both worlds.
 */
#ifndef TCPSTAT_FORMAT_H
#define TCPSTAT_FORMAT_H

/*
 * The reported states in /proc/tcpstat order. The order is the kernel's
 * own numbering (TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11, stable UAPI in
 * include/net/tcp_states.h), so state s is reported at index s - 1.
 * X(NAME, lower-case name, kernel state number)
 */
#define TCPSTAT_STATES(X)                        \
	X(ESTABLISHED, "established", 1)         \
	X(SYN_SENT, "syn_sent", 2)               \
	X(SYN_RECV, "syn_recv", 3)               \
	X(FIN_WAIT1, "fin_wait1", 4)             \
	X(FIN_WAIT2, "fin_wait2", 5)             \
	X(TIME_WAIT, "time_wait", 6)             \
	X(CLOSE, "close", 7)                     \
	X(CLOSE_WAIT, "close_wait", 8)           \
	X(LAST_ACK, "last_ack", 9)               \
	X(LISTEN, "listen", 10)                  \
	X(CLOSING, "closing", 11)

#define TCPSTAT_NSTATES 11

/* Index of a kernel state number, or -1 for a state tcpstat does not report. */
#define TCPSTAT_STATE_INDEX(s) (((s) >= 1 && (s) <= TCPSTAT_NSTATES) ? (s) - 1 : -1)

/* Address families, the rows of the "states" section. */
#define TCPSTAT_FAM_IPV4 0
#define TCPSTAT_FAM_IPV6 1
#define TCPSTAT_NFAMILIES 2

/*
 * The human file, /proc/net/tcpstat (and /proc/tcpstat): one line per
 * state, "%-12s: %u\n", in the order above.
 */
#define TCPSTAT_HUMAN_FILE "tcpstat"

/*
 * The machine file, /proc/net/tcpstat_data, written from the same walk.
 *
 *   tcpstat <format> <module version>
 *   states family ESTABLISHED SYN_SENT ... CLOSING
 *   states ipv4 <11 counts>
 *   states ipv6 <11 counts>
 *   end
 *
 * Every line is space separated. The first line names the format (this is
 * format 1). A section is a run of lines that start with the section's
 * name; its first line is the header naming the columns, the others are
 * rows with as many fields as the header. Counts are unsigned decimal.
 * The last line is "end", so a truncated read is detected. Readers skip
 * sections they do not know, after checking their shape.
 */
#define TCPSTAT_DATA_FILE "tcpstat_data"
#define TCPSTAT_FORMAT_MAGIC "tcpstat"
#define TCPSTAT_FORMAT_VERSION 1
#define TCPSTAT_SECTION_STATES "states"
#define TCPSTAT_END "end"

#endif /* TCPSTAT_FORMAT_H */
