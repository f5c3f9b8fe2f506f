// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_netns.c - libFuzzer target for the /proc/net/tcpstat_netns parser.
 * Whole and chunked parses must agree; namespaces that parsed come once
 * each, by ascending inode, never inode 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src_kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmod_parser p;
	static struct netns_list whole_rows, chunk_rows;
	const char *in = (const char *)data;
	struct parse_err err;
	size_t chunk = size ? (size_t)data[0] % 97 + 1 : 1;
	int r1, r2 = 0;

	r1 = kmod_parse_want(in, size, KMOD_WANT_NETNS, NULL, NULL, &whole_rows, &err);

	kmod_parser_init_want(&p, KMOD_WANT_NETNS, NULL, &chunk_rows);
	for (size_t off = 0; off < size && !r2; off += chunk)
		r2 = kmod_parser_feed(&p, in + off, size - off < chunk ? size - off : chunk);
	if (!r2)
		r2 = kmod_parser_finish(&p, NULL);

	if (r1 != r2)
		abort();
	if (r1 != 0) {
		if (err.line != p.err.line || strcmp(err.what, p.err.what) != 0 ||
		    err.line == 0 || err.what[0] == '\0')
			abort();
		return 0;
	}
	if (whole_rows.n != chunk_rows.n ||
	    (whole_rows.n && memcmp(whole_rows.row, chunk_rows.row,
				    whole_rows.n * sizeof(*whole_rows.row)) != 0))
		abort();
	for (size_t i = 0; i < whole_rows.n; i++) {
		const struct netns_row *r = &whole_rows.row[i];

		if (r->inode == 0 || (i && r->inode <= r[-1].inode) || r->name)
			abort();
	}
	return 0;
}
