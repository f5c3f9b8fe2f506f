// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_procfs.c - libFuzzer target for the /proc/net/tcp{,6} parser:
 * whole and chunked parses must agree, and the counts can never exceed
 * the number of lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src_procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
