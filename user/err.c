// SPDX-License-Identifier: GPL-2.0
/* err.c - error message helpers. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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
	size_t o = 0;
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
	/* room for the longest escape, a "." and the closing quote */
	for (size_t i = 0; i < len && o + 4 + 2 < dstlen; i++) {
		unsigned char ch = (unsigned char)tok[i];

		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch >= 0x20 && ch < 0x7f) {
			dst[o++] = (char)ch;
		} else {
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", ch);
		}
	}
	if (cut && o + 2 < dstlen)
		dst[o++] = '.';
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

size_t utf8_next(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0], need, min;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		need = 1, min = 0x80, v = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2, min = 0x800, v = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3, min = 0x10000, v = c & 0x07;
	} else {
		return 0;
	}
	for (unsigned i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* the NUL too */
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need + 1;
}

char *escape_text(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;

	if (!dstlen)
		return dst;
	while (*src) {
		uint32_t cp;
		size_t n = utf8_next(src, &cp);
		bool raw = n && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f);
		size_t need = raw ? n : 4;

		if (o + need >= dstlen)
			break;
		if (raw) {
			memcpy(dst + o, src, n);
		} else {
			snprintf(dst + o, dstlen - o, "\\x%02x", (unsigned char)*src);
			n = 1;
		}
		o += need;
		src += n;
	}
	dst[o] = '\0';
	return dst;
}

void err_print(const char *fmt, ...)
{
	char msg[sizeof(((struct tcpstat_err *)0)->msg) + 256];
	char out[sizeof(msg) * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tcpstat: %s\n", escape_text(out, sizeof(out), msg));
}
