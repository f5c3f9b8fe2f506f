// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_kmod.c - libFuzzer target for the /proc/net/tcpstat_data parser.
 * The input is parsed whole, then again fed in chunks (size from the
 * first byte); both ways must agree on the result, the counts and the
 * error's line and text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src_kmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmod_parser p;
	const char *in = (const char *)data;
	struct tcpstat_counts whole, chunked;
	struct parse_err err;
	size_t chunk = size ? (size_t)data[0] % 97 + 1 : 1;
	int r1, r2 = 0;

	r1 = kmod_parse(in, size, &whole, &err);

	kmod_parser_init(&p);
	for (size_t off = 0; off < size && !r2; off += chunk)
		r2 = kmod_parser_feed(&p, in + off, size - off < chunk ? size - off : chunk);
	if (!r2)
		r2 = kmod_parser_finish(&p, &chunked);

	if (r1 != r2)
		abort();
	if (r1 == 0 && memcmp(&whole, &chunked, sizeof(whole)) != 0)
		abort();
	if (r1 != 0 && (err.line != p.err.line || strcmp(err.what, p.err.what) != 0))
		abort();
	if (r1 != 0 && (err.line == 0 || err.what[0] == '\0'))
		abort();
	return 0;
}
