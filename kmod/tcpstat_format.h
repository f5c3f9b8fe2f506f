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
 *
 * checkpatch: COMPLEX_MACRO MACRO_ARG_REUSE an X-macro: the list is
 * expanded by each user (a macro X per column it wants), in initialisers.
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

/*
 * Index of a kernel state number, or -1 for a state tcpstat does not report.
 * checkpatch: MACRO_ARG_REUSE a constant expression (user/ uses it in
 * constants); no caller passes an expression with side effects.
 */
#define TCPSTAT_STATE_INDEX(s) (((s) >= 1 && (s) <= TCPSTAT_NSTATES) ? (s) - 1 : -1)

/* Address families, the rows of the "states" section. */
#define TCPSTAT_FAM_IPV4 0
#define TCPSTAT_FAM_IPV6 1
#define TCPSTAT_NFAMILIES 2
#define TCPSTAT_FAMILY_IPV4 "ipv4"
#define TCPSTAT_FAMILY_IPV6 "ipv6"
#define TCPSTAT_COLUMN_FAMILY "family"

/*
 * The human file, /proc/net/tcpstat (and /proc/tcpstat): one line per
 * state, "%-12s: %u\n", in the order above.
 */
#define TCPSTAT_HUMAN_FILE "tcpstat"

/*
 * The machine files share one layout:
 *
 *   tcpstat <format> <module version>
 *   <section> <header: the names of the columns>
 *   <section> <row>
 *   ...
 *   end
 *
 * Every line is space separated. The first line names the format (this is
 * format 1). A section is a run of lines that start with the section's
 * name; its first line is the header naming the columns, the others are
 * rows with as many fields as the header. Numbers are unsigned decimal.
 * The last line is "end", so a truncated read is detected. Readers skip
 * sections they do not know, after checking their shape.
 *
 * /proc/net/tcpstat_data (every netns): the sections
 *   states family ESTABLISHED ... CLOSING         one row per family:
 *   states ipv4 <11 counts>                       that family's sockets
 *   states ipv6 <11 counts>
 *   walk table buckets locked max_lock_ns         one row per table:
 *   walk listen <n> <n> <ns>                      buckets in the table,
 *   walk established <n> <n> <ns>                 buckets locked (not
 *                                                 empty), longest lock
 *                                                 hold (0 unless the
 *                                                 lock_stats parameter);
 *                                                 in the initial netns
 *                                                 only (the tables hold
 *                                                 every netns's sockets)
 * /proc/net/tcpstat_ports (every netns): "states" as above, then
 *   ports port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED ... CLOSING
 *   ports <port> ...                              one row per listening
 *                                                 port, ascending
 *   listeners: listening sockets on the port (IPv4 and IPv6, every
 *   SO_REUSEPORT member); accept_queue, backlog: the sums of their
 *   accept-queue lengths and limits; fullest_queue, fullest_backlog: the
 *   queue and limit of the listener whose queue is fullest relative to its
 *   limit (full when queue > limit); the states: every socket whose local
 *   port is the port (LISTEN = listeners).
 * /proc/net/tcpstat_netns (initial netns only, root only):
 *   netns inode family ESTABLISHED ... CLOSING    two rows per network
 *   netns <inode> ipv4 <11 counts>                namespace with TCP
 *   netns <inode> ipv6 <11 counts>                sockets, ascending
 *   inode: the namespace's inode number, as in readlink /proc/PID/ns/net.
 */
#define TCPSTAT_DATA_FILE "tcpstat_data"
#define TCPSTAT_PORTS_FILE "tcpstat_ports"
#define TCPSTAT_NETNS_FILE "tcpstat_netns"
#define TCPSTAT_FORMAT_MAGIC "tcpstat"
#define TCPSTAT_FORMAT_VERSION 1
#define TCPSTAT_SECTION_STATES "states"
#define TCPSTAT_SECTION_WALK "walk"
#define TCPSTAT_SECTION_PORTS "ports"
#define TCPSTAT_SECTION_NETNS "netns"
#define TCPSTAT_END "end"
/*
 * The key and figure columns of the ports and netns sections (the state
 * columns follow them).
 */
#define TCPSTAT_PORTS_COLUMNS "port listeners accept_queue backlog fullest_queue fullest_backlog"
#define TCPSTAT_COLUMN_INODE "inode"

#endif /* TCPSTAT_FORMAT_H */
