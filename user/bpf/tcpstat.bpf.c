// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat.bpf.c - count TCP sockets per family and state in the kernel,
 * on the BPF iterator over TCP sockets (iter/tcp, Linux 5.9+), without
 * the module. The kernel shows the program every socket of the namespace
 * the iterator was opened in: listeners, then the established table
 * (full sockets, timewait and request socks). The program only adds to
 * counters; when the walk is over it writes their totals, one record,
 * to the iterator's file. Nothing per socket leaves the kernel.
 *
 * The mapping is the module's (kmod/tcpstat_walk.c, tcpstat_visit) and
 * /proc/net/tcp's: a request sock (TCP_NEW_SYN_RECV) is SYN_RECV, a
 * timewait sock counts as its tw_substate (TIME_WAIT or FIN_WAIT2), and
 * a state outside the 11 is counted nowhere.
 *
 * With want_ports, every socket is also counted on its local port's
 * accumulator in the "ports" map (65536 entries then, one otherwise),
 * and a listener adds its accept queue and limit and marks its port in
 * "listening": the module's per-port view (kmod/tcpstat_walk.c,
 * tcpstat_port_visit), which user space reads from the mmap()ed map.
 *
 * User space zeroes totals and listening and bumps gen before each walk
 * (one walk at a time per loaded program: one reporter process).
 */
#include "kernel_types.h"

#include <bpf/bpf_helpers.h>

#include "tcpstat_bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before the load: the verifier drops what is unused. */
const volatile __u32 want_ports = 0;

struct tcpstat_bpf_totals totals = {};
__u32 gen = 0;
__u64 listening[TCPSTAT_BPF_NPORTS / 64] = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* TCPSTAT_BPF_NPORTS with want_ports */
	__type(key, __u32);
	__type(value, struct tcpstat_bpf_port);
} ports SEC(".maps");

/*
 * Is queue q of limit m fuller than queue fq of limit fm? The module's
 * total order (tcpstat_fuller), so the fullest listener does not depend
 * on the order of the walk.
 */
static __always_inline int fuller(__u32 q, __u32 m, __u32 fq, __u32 fm)
{
	__u64 a = (__u64)q * (fm ? fm : 1), b = (__u64)fq * (m ? m : 1);

	return a > b || (a == b && (q > fq || (q == fq && m > fm)));
}

static __always_inline void count_port(struct sock_common *skc, __u32 idx)
{
	__u32 port = skc->skc_num;
	struct tcpstat_bpf_port *p;
	struct tcp_sock *tp;
	__u32 q, m;

	p = bpf_map_lookup_elem(&ports, &port);
	if (!p)
		return;
	if (p->gen != gen) {
		__builtin_memset(p, 0, sizeof(*p));
		p->gen = gen;
	}
	p->n[idx]++;
	if (idx != TCP_LISTEN - 1)
		return;
	/* a listener is a full socket: its queue and limit are in struct sock */
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp) {
		totals.unresolved++;
		return;
	}
	q = tp->inet_conn.icsk_inet.sk.sk_ack_backlog;
	m = tp->inet_conn.icsk_inet.sk.sk_max_ack_backlog;
	if (!p->listeners || fuller(q, m, p->fullest_queue, p->fullest_backlog)) {
		p->fullest_queue = q;
		p->fullest_backlog = m;
	}
	p->listeners++;
	p->queue += q;
	p->backlog += m;
	listening[(port / 64) % (TCPSTAT_BPF_NPORTS / 64)] |= 1ULL << (port % 64);
}

SEC("iter/tcp")
int tcpstat_count(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_timewait_sock *tw;
	__u32 fam, state, idx;

	if (!skc) {
		/* the end of the walk */
		bpf_seq_write(ctx->meta->seq, &totals, sizeof(totals));
		return 0;
	}
	totals.objects++;
	switch (skc->skc_family) {
	case AF_INET:
		fam = TCPSTAT_FAM_IPV4;
		break;
	case AF_INET6:
		fam = TCPSTAT_FAM_IPV6;
		break;
	default:
		return 0;
	}
	state = skc->skc_state;
	if (state == TCP_TIME_WAIT) {
		tw = bpf_skc_to_tcp_timewait_sock(skc);
		if (!tw) {
			totals.unresolved++;
			return 0;
		}
		state = tw->tw_sk.tw_substate;
	} else if (state == TCP_NEW_SYN_RECV) {
		state = TCP_SYN_RECV;
	}
	idx = state - 1;	/* TCPSTAT_STATE_INDEX, unsigned for the verifier */
	if (idx >= TCPSTAT_NSTATES)
		return 0;
	totals.n[fam][idx]++;
	if (want_ports)
		count_port(skc, idx);
	return 0;
}
