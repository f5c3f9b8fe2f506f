// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_procfs.c - libFuzzer target for the /proc/net/tcp{,6} parser:
 * whole and chunked parses must agree, and the counts can never exceed
 * the number of lines. Then again with the per-port view (--ports): if
 * that parses, so does the plain one with the same counts, and the ports'
 * counts are a part of them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"
#include "src_procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ports(const char *in, size_t size, int plain_ret,
			const uint64_t plain[TCPSTAT_NSTATES])
{
	static struct procfs_parser p;
	static struct port_table t;
	static struct port_list l;
	uint64_t n[TCPSTAT_NSTATES], sum[TCPSTAT_NSTATES] = { 0 };

	if (!t.acc && port_table_init(&t))
		abort();
	port_table_begin(&t);
	procfs_parser_init_ports(&p, &t);
	if (procfs_parser_feed(&p, in, size) || procfs_parser_finish(&p, n)) {
		if (p.err.line == 0 || p.err.what[0] == '\0')
			abort();
		return;
	}
	/* stricter, never looser, and the same counts */
	if (plain_ret != 0 || memcmp(n, plain, sizeof(n)) != 0)
		abort();
	if (port_table_collect(&t, NULL, false, &l))
		abort();
	for (size_t i = 0; i < l.n; i++) {
		if (l.row[i].listeners == 0 || l.row[i].n[9] != l.row[i].listeners ||
		    l.row[i].backlog || (i && l.row[i].port <= l.row[i - 1].port))
			abort();
		for (int s = 0; s < TCPSTAT_NSTATES; s++)
			sum[s] += l.row[i].n[s];
	}
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (sum[s] > n[s])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct procfs_parser p;
	const char *in = (const char *)data;
	uint64_t whole[TCPSTAT_NSTATES], chunked[TCPSTAT_NSTATES], sum = 0;
	struct parse_err err;
	size_t chunk = size ? (size_t)data[0] % 211 + 1 : 1;
	int r1, r2 = 0;

	r1 = procfs_parse(in, size, whole, &err);

	procfs_parser_init(&p);
	for (size_t off = 0; off < size && !r2; off += chunk)
		r2 = procfs_parser_feed(&p, in + off, size - off < chunk ? size - off : chunk);
	if (!r2)
		r2 = procfs_parser_finish(&p, chunked);

	if (r1 != r2)
		abort();
	if (r1 == 0) {
		if (memcmp(whole, chunked, sizeof(whole)) != 0)
			abort();
		for (int s = 0; s < TCPSTAT_NSTATES; s++)
			sum += whole[s];
		if (sum >= p.lines.lineno + (p.lines.lineno == 0))
			abort(); /* the header is never counted */
	} else if (err.line != p.err.line || strcmp(err.what, p.err.what) != 0 ||
		   err.line == 0) {
		abort();
	}
	check_ports(in, size, r1, whole);
	return 0;
}
