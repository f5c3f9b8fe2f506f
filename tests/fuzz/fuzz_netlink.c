// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_netlink.c - libFuzzer target for counting an inet_diag dump.
 *
 * Input: one flags byte (bit 0: check seq/portid, bit 1: AF_INET6, bit 2:
 * the per-port view too), then datagrams, each a little-endian u16 length
 * and that many bytes. Each datagram is copied to an aligned buffer, as
 * recv() would leave it, and fed until the dump completes or fails. The
 * per-port counts are a part of the counts; LISTEN equals the listeners.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "ports.h"
#include "src_netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct nlmsghdr align;
		char buf[NETLINK_RECV_SIZE];
	} dgram;
	static struct port_table t;
	static struct port_list l;
	struct nl_dump d;
	uint64_t msgs = 0, sum = 0, psum[TCPSTAT_NSTATES] = { 0 };
	uint8_t flags;
	size_t off = 1;
	int ret = 1;

	if (size < 1)
		return 0;
	flags = data[0];
	nl_dump_init(&d, (flags & 2) ? AF_INET6 : AF_INET,
		     (flags & 1) ? 1234 : 0, (flags & 1) ? 5678 : 0);
	if (flags & 4) {
		if (!t.acc && port_table_init(&t))
			abort();
		port_table_begin(&t);
		d.ports = &t;
	}
	while (ret == 1 && off + 2 <= size) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		memcpy(dgram.buf, data + off, len);
		off += len;
		msgs += len / NLMSG_HDRLEN;
		ret = nl_dump_feed(&d, dgram.buf, len);
		if (ret < 0 && (d.error == 0 || d.what[0] == '\0'))
			abort();
	}
	for (int s = 0; s < TCPSTAT_NSTATES; s++)
		sum += d.n[s];
	if (sum > msgs)
		abort(); /* at most one count per message */
	if (!(flags & 4))
		return 0;
	if (port_table_collect(&t, NULL, true, &l))
		abort();
	for (size_t i = 0; i < l.n; i++) {
		if (l.row[i].listeners == 0 || l.row[i].n[9] != l.row[i].listeners ||
		    l.row[i].fullest_queue > l.row[i].accept_queue ||
		    l.row[i].fullest_backlog > l.row[i].backlog)
			abort();
		for (int s = 0; s < TCPSTAT_NSTATES; s++)
			psum[s] += l.row[i].n[s];
	}
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (psum[s] > d.n[s])
			abort();
	}
	return 0;
}
