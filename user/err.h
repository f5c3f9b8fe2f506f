/* SPDX-License-Identifier: GPL-2.0 */
/* err.h - exit codes and error messages shared by every part of tcpstat. */
#ifndef TCPSTAT_ERR_H
#define TCPSTAT_ERR_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes, documented in --help and tcpstat(8). */
enum {
	TCPSTAT_EXIT_OK = 0,
	TCPSTAT_EXIT_INTERNAL = 1, /* out of memory, a bug */
	TCPSTAT_EXIT_USAGE = 2,    /* bad command line */
	TCPSTAT_EXIT_SOURCE = 3,   /* cannot read or parse the counts */
	TCPSTAT_EXIT_OUTPUT = 4,   /* cannot write stdout or --output FILE */
};

/*
 * A complete message for the user, without the "tcpstat: " prefix:
 * "<file or call>: <reason>".
 */
struct tcpstat_err {
	char msg[768];
};

void tcpstat_err_set(struct tcpstat_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A parse error: the line it was found on (1-based) and what is wrong.
 * Parsers fill it; the I/O wrapper names the file.
 */
struct parse_err {
	unsigned long line;
	char what[256];
};

int parse_err_set(struct parse_err *pe, unsigned long line, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/*
 * Quote an untrusted token for an error message: at most 40 bytes of it,
 * in double quotes, a byte outside printable ASCII as \xNN, a double
 * quote and a backslash escaped with a backslash, "." after a cut.
 */
const char *quote_token(char *dst, size_t dstlen, const char *tok, size_t len);
#define QUOTE_BUF (2 + 40 * 4 + 2)

/*
 * The UTF-8 sequence at @s (NUL-terminated): its length in bytes and
 * *@cp, or 0 if it is not well-formed (an overlong form, a surrogate,
 * above U+10FFFF, cut short). @s must not point at the NUL.
 */
size_t utf8_next(const char *s, uint32_t *cp);

/*
 * Copy @src into @dst (@dstlen bytes, NUL-terminated, cut if need be)
 * with every byte a terminal could take for a command escaped as \xNN:
 * control characters (C0, DEL, and C1 as UTF-8), and bytes that are not
 * part of valid UTF-8. Returns @dst.
 */
char *escape_text(char *dst, size_t dstlen, const char *src);

/*
 * Print "tcpstat: <message>\n" on stderr, the message escaped with
 * escape_text(): file names, option values and the bytes of a garbled
 * file never reach the terminal raw.
 */
void err_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TCPSTAT_ERR_H */
