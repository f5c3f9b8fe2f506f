/* SPDX-License-Identifier: GPL-2.0 */
/* strbuf.h - a growable output buffer, reused from sample to sample. */
#ifndef TCPSTAT_STRBUF_H
#define TCPSTAT_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *data;	/* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

/* Each returns 0, or -1 when out of memory (the buffer is unchanged). */
int sb_add(struct strbuf *sb, const char *s, size_t n);
int sb_puts(struct strbuf *sb, const char *s);
int sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}
void sb_free(struct strbuf *sb);

#endif /* TCPSTAT_STRBUF_H */
