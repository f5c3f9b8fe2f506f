// SPDX-License-Identifier: GPL-2.0
/* counts.c - state and family names, generated from tcpstat_format.h. */
#include <stddef.h>
#include <string.h>

#include "counts.h"

#define TCPSTAT_UPPER(name, lower, num) [(num) - 1] = #name,
#define TCPSTAT_LOWER(name, lower, num) [(num) - 1] = lower,

const char *const tcpstat_state_upper[TCPSTAT_NSTATES] = {
	TCPSTAT_STATES(TCPSTAT_UPPER)
};

const char *const tcpstat_state_lower[TCPSTAT_NSTATES] = {
	TCPSTAT_STATES(TCPSTAT_LOWER)
};

const char *const tcpstat_family_name[TCPSTAT_NFAMILIES] = {
	[TCPSTAT_FAM_IPV4] = "ipv4",
	[TCPSTAT_FAM_IPV6] = "ipv6",
};

int tcpstat_state_lookup(const char *name, size_t len)
{
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (strlen(tcpstat_state_upper[s]) == len &&
		    memcmp(tcpstat_state_upper[s], name, len) == 0)
			return s;
	}
	return -1;
}
