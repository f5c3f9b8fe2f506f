// SPDX-License-Identifier: GPL-2.0
/* strbuf.c - growable output buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static int grow(struct strbuf *sb, size_t need)
{
	size_t cap;
	char *p;

	if (need < sb->len || need == (size_t)-1) /* overflow */
		return -1;
	if (need + 1 <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 1024;
	while (cap < need + 1) {
		if (cap > (size_t)-1 / 2)
			return -1;
		cap *= 2;
	}
	p = realloc(sb->data, cap);
	if (!p)
		return -1;
	sb->data = p;
	sb->cap = cap;
	return 0;
}

int sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (grow(sb, sb->len + n))
		return -1;
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
	return 0;
}

int sb_puts(struct strbuf *sb, const char *s)
{
	return sb_add(sb, s, strlen(s));
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(sb, sb->len + (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}
