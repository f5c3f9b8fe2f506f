/* SPDX-License-Identifier: GPL-2.0 */
/* unit.h - what every cmocka test of the reporter includes. */
#ifndef TCPSTAT_UNIT_H
#define TCPSTAT_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* assert that @hay contains @needle, printing both when it does not */
#define assert_contains(hay, needle)                                      \
	do {                                                              \
		const char *h_ = (hay), *n_ = (needle);                   \
		if (!strstr(h_, n_))                                      \
			fail_msg("\"%s\" does not contain \"%s\"", h_, n_); \
	} while (0)

#ifndef TCPSTAT_FIXTURES
#define TCPSTAT_FIXTURES "tests/fixtures"
#endif

#endif /* TCPSTAT_UNIT_H */
