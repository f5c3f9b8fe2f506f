/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lines.h - split a byte stream, fed in chunks of any size, into lines,
 * with a small bounded carry-over for a line split across two chunks.
 * Complete lines inside a chunk are handed out in place, never copied.
 */
#ifndef TCPSTAT_LINES_H
#define TCPSTAT_LINES_H

#include <stddef.h>

#include "err.h"

#define LINES_MAX 4096 /* the carry-over buffer: the longest line possible */

/*
 * Called once per line, without its '\n'. @line is not NUL-terminated.
 * Return 0 to go on, -1 to stop (after filling the parse_err).
 */
typedef int (*lines_cb)(void *ctx, const char *line, size_t len,
			unsigned long lineno);

struct lines {
	lines_cb cb;
	void *ctx;
	struct parse_err *err;
	size_t max;		/* longest accepted line, <= LINES_MAX */
	unsigned long lineno;	/* lines handed out so far */
	size_t carry_len;
	char carry[LINES_MAX];
};

void lines_init(struct lines *l, size_t max, lines_cb cb, void *ctx,
		struct parse_err *err);
/* Feed the next @n bytes. 0, or -1 with l->err filled. */
int lines_feed(struct lines *l, const char *buf, size_t n);
/* Bytes left over after the last '\n' (a last line without newline). */
static inline size_t lines_pending(const struct lines *l)
{
	return l->carry_len;
}

#endif /* TCPSTAT_LINES_H */
