/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstat_bpf.h - what the BPF program (tcpstat.bpf.c) and the bpf
 * backend (src_bpf.c) share: the totals a walk writes to its iterator's
 * file and the per-port accumulators user space reads from the mmap()ed
 * "ports" map. Fixed-width types only: __u32/__u64 come from
 * kernel_types.h in the program and <linux/types.h> in user space.
 */
#ifndef TCPSTAT_BPF_H
#define TCPSTAT_BPF_H

#include "tcpstat_format.h"

#define TCPSTAT_BPF_NPORTS 65536

/* The one record a walk writes, when it has seen every socket. */
struct tcpstat_bpf_totals {
	__u64 n[TCPSTAT_NFAMILIES][TCPSTAT_NSTATES];
	__u64 objects;		/* sockets the walk was shown */
	/*
	 * Timewait sockets (and listeners, with the per-port view) whose
	 * type the kernel would not confirm, so whose sub-state (queue) the
	 * program could not read: never counted. Always 0 on kernels with
	 * IPv6 built in; user space refuses a sample where it is not.
	 */
	__u64 unresolved;
};

/*
 * One local port, as the module's tcpstat_ports row: every socket whose
 * local port it is, by state, and its listeners' queues. Valid only when
 * gen is the walk's: an entry from an older walk counts as zero.
 */
struct tcpstat_bpf_port {
	__u32 gen;
	__u32 listeners;
	__u32 fullest_queue;	/* the listener whose queue is fullest */
	__u32 fullest_backlog;	/*   relative to its limit */
	__u64 queue;		/* the sum of the listeners' accept queues */
	__u64 backlog;		/* and of their limits */
	__u32 n[TCPSTAT_NSTATES];
	__u32 pad;
};

#endif /* TCPSTAT_BPF_H */
