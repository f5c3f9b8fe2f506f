// SPDX-License-Identifier: GPL-2.0
/* lines.c - chunked line splitting with a bounded carry-over. */
#include <string.h>

#include "lines.h"

void lines_init(struct lines *l, size_t max, lines_cb cb, void *ctx,
		struct parse_err *err)
{
	l->cb = cb;
	l->ctx = ctx;
	l->err = err;
	l->max = max < LINES_MAX ? max : LINES_MAX;
	l->lineno = 0;
	l->carry_len = 0;
}

static int too_long(struct lines *l)
{
	return parse_err_set(l->err, l->lineno + 1,
			     "line longer than %zu bytes", l->max);
}

int lines_feed(struct lines *l, const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n;

	/* Finish a line begun in an earlier chunk. */
	if (l->carry_len) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t take = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (take > l->max - l->carry_len)
			return too_long(l);
		memcpy(l->carry + l->carry_len, p, take);
		l->carry_len += take;
		if (!nl)
			return 0;
		p = nl + 1;
		l->lineno++;
		if (l->cb(l->ctx, l->carry, l->carry_len, l->lineno))
			return -1;
		l->carry_len = 0;
	}

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl) {
			size_t rest = (size_t)(end - p);

			if (rest > l->max)
				return too_long(l);
			memcpy(l->carry, p, rest);
			l->carry_len = rest;
			return 0;
		}
		if ((size_t)(nl - p) > l->max)
			return too_long(l);
		l->lineno++;
		if (l->cb(l->ctx, p, (size_t)(nl - p), l->lineno))
			return -1;
		p = nl + 1;
	}
	return 0;
}
