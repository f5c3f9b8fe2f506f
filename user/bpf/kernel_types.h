/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel_types.h - the few kernel types and constants tcpstat.bpf.c uses,
 * written by hand instead of a vmlinux.h dumped from the build machine's
 * BTF: the build needs no BTF and gives the same object everywhere.
 *
 * The structures carry only the members the program reads, under their
 * kernel names. preserve_access_index makes clang record each access by
 * name (CO-RE), and libbpf rewrites the offsets for the running kernel
 * from its BTF (/sys/kernel/btf/vmlinux) when it loads the program; a
 * member the kernel keeps in an anonymous struct or union (skc_num) is
 * found there by name. Layouts checked against Linux 5.10, 6.1, 6.12
 * and 7.x.
 */
#ifndef TCPSTAT_BPF_KERNEL_TYPES_H
#define TCPSTAT_BPF_KERNEL_TYPES_H

/* What bpf_helper_defs.h (libbpf) expects, as vmlinux.h would give it. */
typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

/* include/uapi/linux/bpf.h */
enum {
	BPF_MAP_TYPE_ARRAY = 2,
};
#define BPF_F_MMAPABLE (1U << 10)

/* include/linux/socket.h */
#define AF_INET 2
#define AF_INET6 10

/* include/net/tcp_states.h */
#define TCP_SYN_RECV 3
#define TCP_TIME_WAIT 6
#define TCP_LISTEN 10
#define TCP_NEW_SYN_RECV 12

#define __core __attribute__((preserve_access_index))

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} __core;

/* Full sockets, timewait and request socks all begin with it. */
struct sock_common {
	__u16 skc_num;			/* local port, host order */
	unsigned short skc_family;
	volatile unsigned char skc_state;
} __core;

struct sock {
	__u32 sk_ack_backlog;		/* a listener's accept queue */
	__u32 sk_max_ack_backlog;	/* and its limit */
} __core;

struct inet_sock {
	struct sock sk;
} __core;

struct inet_connection_sock {
	struct inet_sock icsk_inet;
} __core;

struct tcp_sock {
	struct inet_connection_sock inet_conn;
} __core;

struct inet_timewait_sock {
	volatile unsigned char tw_substate;
} __core;

struct tcp_timewait_sock {
	struct inet_timewait_sock tw_sk;
} __core;

/*
 * The program's context (net/ipv4/tcp_ipv4.c). Its layout is the
 * iterator's ABI (the verifier checks each access against it), so it is
 * not relocated.
 */
struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
	__u32 uid;
} __attribute__((aligned(8)));

#endif /* TCPSTAT_BPF_KERNEL_TYPES_H */
