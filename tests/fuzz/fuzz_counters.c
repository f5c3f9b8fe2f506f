// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_counters.c - libFuzzer target for the /proc/net/snmp and
 * /proc/net/netstat parser (user/counters.c). The first byte picks the
 * file, the rest is its text. A failure names a reason and leaves the
 * counters untouched; a success writes exactly the file's own counters,
 * each of them a number that is in the text.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool in_text(const char *in, size_t size, uint64_t v)
{
	char num[24];
	size_t len = (size_t)snprintf(num, sizeof(num), "%" PRIu64, v);

	for (size_t i = 0; i + len <= size; i++) {
		if (memcmp(in + i, num, len) == 0)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum counters_file f;
	struct tcp_counters c, before;
	struct parse_err pe = { 0, "" };
	const char *in;

	if (size < 1)
		return 0;
	f = data[0] & 1 ? COUNTERS_NETSTAT : COUNTERS_SNMP;
	in = (const char *)data + 1;
	size--;
	memset(&c, 0xa5, sizeof(c));
	before = c;
	if (counters_parse(f, in, size, &c, &pe)) {
		if (pe.what[0] == '\0' || memcmp(&c, &before, sizeof(c)))
			abort();
		return 0;
	}
	for (int i = 0; i < TCPC_NCOUNTERS; i++) {
		bool ours = strcmp(tcp_counter_desc[i].file,
				   f == COUNTERS_SNMP ? "snmp" : "netstat") == 0;

		if (ours ? !in_text(in, size, c.v[i]) : c.v[i] != before.v[i])
			abort();
	}
	if (f == COUNTERS_SNMP ? !in_text(in, size, c.curr_estab) : c.curr_estab != before.curr_estab)
		abort();
	return 0;
}
