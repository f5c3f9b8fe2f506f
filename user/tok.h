/* SPDX-License-Identifier: GPL-2.0 */
/* tok.h - the space-separated fields of a procfs line, found in place. */
#ifndef TCPSTAT_TOK_H
#define TCPSTAT_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The next run of non-blanks in [*p, end): *tok, *len, and *p after it. */
static inline bool next_tok(const char **p, const char *end, const char **tok,
			    size_t *len)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	*tok = s;
	while (s < end && *s != ' ')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

/* Is the field [tok, tok + len) @word? */
static inline bool tok_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(tok, word, len) == 0;
}

#endif /* TCPSTAT_TOK_H */
