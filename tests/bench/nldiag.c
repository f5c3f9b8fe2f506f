// SPDX-License-Identifier: GPL-2.0
/*
 * nldiag - count TCP sockets per state from a sock_diag dump that asks
 * for INET_DIAG_INFO (struct tcp_info per socket), the request
 * node_exporter's tcpstat collector makes. A benchmark baseline: the
 * kernel fills ~300 bytes per socket, user space walks every message.
 *
 *   nldiag          prints "ipv4 <11 counts>" and "ipv6 <11 counts>"
 *   nldiag -x       the same from a dump without extensions (only the
 *                   inet_diag_msg per socket, what the reporter's netlink
 *                   backend asks)
 *   nldiag [-x] -n RUNS [-w WARMUP] [-k CLOCK]
 *                   times RUNS dumps of both families inside this process
 *                   (after WARMUP, default 1; no process start, one socket)
 *                   and prints, as tests/bench/measure -f does,
 *                   "runs=N wall_med_us=.. wall_p95_us=.. cpu_med_us=..
 *                   cpu_p95_us=.. maxrss_kb=0" (CPU: this thread's, or
 *                   with -k the outside clock's, bench.h, and then
 *                   "kcpu_med_us=.. kcpu_p95_us=.." too, as measure), and
 *                   on stderr "nldiag: <R> recvmsg calls per sample".
 * Exit 0, 1 on a netlink error, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "bench.h"

struct dump {
	unsigned long n[12];
	int family;
	unsigned long recvs;
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) || m->idiag_family != d->family)
		return MNL_CB_ERROR;
	if (m->idiag_state >= 1 && m->idiag_state <= 11)
		d->n[m->idiag_state]++;
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, int family, int ext, struct dump *d)
{
	static char buf[1 << 16];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *r;
	unsigned int seq = (unsigned int)time(NULL) + (unsigned int)family;
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t len;
	int ret;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = (unsigned char)family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_states = 0xFFE;
	r->idiag_ext = ext ? 1 << (INET_DIAG_INFO - 1) : 0;
	memset(d, 0, sizeof(*d));
	d->family = family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		d->recvs++;
		ret = mnl_cb_run(buf, (size_t)len, seq, portid, data_cb, d);
		if (ret <= MNL_CB_STOP)
			return ret == MNL_CB_STOP ? 0 : -1;
	}
	return -1;
}

/* One sample: a dump of each family; the recvmsg calls it took. */
static int sample(struct mnl_socket *nl, int ext, struct dump d[2], unsigned long *recvs)
{
	int f;

	*recvs = 0;
	for (f = 0; f < 2; f++) {
		if (dump(nl, f ? AF_INET6 : AF_INET, ext, &d[f])) {
			fprintf(stderr, "nldiag: dump: %s\n", strerror(errno));
			return -1;
		}
		*recvs += d[f].recvs;
	}
	return 0;
}

static int timed(struct mnl_socket *nl, int ext, int runs, int warmup, const char *clock_path)
{
	unsigned long recvs = 0;
	struct bench_samples s;
	struct dump d[2];
	int i;

	if (bench_setup(&s, runs, clock_path, "nldiag"))
		return 1;
	for (i = -warmup; i < runs; i++) {
		long long w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		long long c, k, k0 = 0, u0 = 0;

		if (cpuclock_start(s.clk, &k0, &u0) || sample(nl, ext, d, &recvs))
			return 1;
		c = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (cpuclock_stop(s.clk, k0, u0, &k, &c))
			return 1;
		if (i < 0)
			continue;
		s.cpu[i] = c;
		s.kcpu[i] = k;
		s.wall[i] = now_ns(CLOCK_MONOTONIC) - w0;
	}
	bench_print(&s, runs, 0);
	fprintf(stderr, "nldiag: %lu recvmsg calls per sample\n", recvs);
	return 0;
}

int main(int argc, char **argv)
{
	int ext = 1, runs = 0, warmup = 1, opt, f, i, ret;
	const char *clock_path = NULL;
	struct mnl_socket *nl;
	unsigned long recvs;
	struct dump d[2];

	while ((opt = getopt(argc, argv, "xn:w:k:")) != -1) {
		switch (opt) {
		case 'x':
			ext = 0;
			break;
		case 'n':
			runs = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 'k':
			clock_path = optarg;
			break;
		default:
			runs = -1;
		}
	}
	if (optind < argc || runs < 0 || warmup < 0) {
		fprintf(stderr, "usage: nldiag [-x] [-n RUNS [-w WARMUP] [-k CLOCK]]\n");
		return 2;
	}
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "nldiag: netlink: %s\n", strerror(errno));
		return 1;
	}
	if (runs > 0) {
		ret = timed(nl, ext, runs, warmup, clock_path);
	} else {
		ret = sample(nl, ext, d, &recvs) ? 1 : 0;
		for (f = 0; !ret && f < 2; f++) {
			printf("ipv%d", f ? 6 : 4);
			for (i = 1; i <= 11; i++)
				printf(" %lu", d[f].n[i]);
			printf("\n");
		}
	}
	mnl_socket_close(nl);
	return ret;
}
