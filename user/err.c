// SPDX-License-Identifier: GPL-2.0
/* err.c - error message helpers. */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

void tcpstat_err_set(struct tcpstat_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int parse_err_set(struct parse_err *pe, unsigned long line, const char *fmt,
		  ...)
{
	va_list ap;

	pe->line = line;
	va_start(ap, fmt);
	vsnprintf(pe->what, sizeof(pe->what), fmt, ap);
	va_end(ap);
	return -1;
}

const char *quote_token(char *dst, size_t dstlen, const char *tok, size_t len)
{
	size_t o = 0, max = dstlen > 4 ? dstlen - 4 : 0;
	int cut = 0;

	if (len > 40) {
		len = 40;
		cut = 1;
	}
	if (dstlen < 3) {
		if (dstlen)
			dst[0] = '\0';
		return dst;
	}
	dst[o++] = '"';
	for (size_t i = 0; i < len && o < max; i++) {
		unsigned char ch = (unsigned char)tok[i];

		dst[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (cut && o < max)
		dst[o++] = '.';
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}
