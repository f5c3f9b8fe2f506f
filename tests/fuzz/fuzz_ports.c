// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ports.c - libFuzzer target for the /proc/net/tcpstat_ports parser
 * (the "states" and "ports" sections). The input is parsed whole, then
 * again fed in chunks (size from the first byte); both ways must agree on
 * the result, the counts, the rows and the error. Rows that parsed must
 * keep the file's promises: ports 1-65535 ascending once each, at least
 * one listener, LISTEN equal to the listeners.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src_kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmod_parser p;
	static struct port_list whole_rows, chunk_rows;
	const char *in = (const char *)data;
	struct tcpstat_counts whole, chunked;
	struct parse_err err;
	size_t chunk = size ? (size_t)data[0] % 97 + 1 : 1;
	int r1, r2 = 0;

	r1 = kmod_parse_want(in, size, KMOD_WANT_PORTS, &whole, &whole_rows, NULL, &err);

	kmod_parser_init_want(&p, KMOD_WANT_PORTS, &chunk_rows, NULL);
	for (size_t off = 0; off < size && !r2; off += chunk)
		r2 = kmod_parser_feed(&p, in + off, size - off < chunk ? size - off : chunk);
	if (!r2)
		r2 = kmod_parser_finish(&p, &chunked);

	if (r1 != r2)
		abort();
	if (r1 != 0) {
		if (err.line != p.err.line || strcmp(err.what, p.err.what) != 0 ||
		    err.line == 0 || err.what[0] == '\0')
			abort();
		return 0;
	}
	if (memcmp(&whole, &chunked, sizeof(whole)) != 0 || whole_rows.n != chunk_rows.n ||
	    (whole_rows.n && memcmp(whole_rows.row, chunk_rows.row,
				    whole_rows.n * sizeof(*whole_rows.row)) != 0))
		abort();
	for (size_t i = 0; i < whole_rows.n; i++) {
		const struct port_row *r = &whole_rows.row[i];

		if (r->port == 0 || r->port > 65535 || (i && r->port <= r[-1].port))
			abort();
		if (r->listeners == 0 || r->n[TCPSTAT_STATE_INDEX(10)] != r->listeners)
			abort();
	}
	return 0;
}
