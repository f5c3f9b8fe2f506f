/* SPDX-License-Identifier: GPL-2.0 */
/* unit.h - what every cmocka test of the reporter includes. */
#ifndef TCPSTAT_UNIT_H
#define TCPSTAT_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* assert that @hay contains @needle, printing both when it does not */
#define assert_contains(hay, needle)                                      \
	do {                                                              \
		const char *h_ = (hay), *n_ = (needle);                   \
		if (!strstr(h_, n_))                                      \
			fail_msg("\"%s\" does not contain \"%s\"", h_, n_); \
	} while (0)

/* A fresh directory "/tmp/tcpstat-unit-XXXXXX" into @dir; 0 or -1. */
static inline int unit_tmpdir(char dir[64])
{
	strcpy(dir, "/tmp/tcpstat-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

/* Remove @dir and everything in it; 0 or -1. */
static inline int unit_rmtree(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#ifndef TCPSTAT_FIXTURES
#define TCPSTAT_FIXTURES "tests/fixtures"
#endif

#endif /* TCPSTAT_UNIT_H */
