// SPDX-License-Identifier: GPL-2.0
/*
 * src_procfs.c - count the `st` column of /proc/net/tcp{,6}:
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr ...
 *    0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 ...
 *
 * Only the header and the first four fields of each row are looked at;
 * nothing is kept per socket.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "readfile.h"
#include "src_procfs.h"

/* Next run of non-blanks in [*p, end). */
static bool next_tok(const char **p, const char *end, const char **tok,
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

static bool tok_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(tok, word, len) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int header(struct procfs_parser *p, const char *line, size_t len,
		  unsigned long ln)
{
	const char *s = line, *end = line + len, *tok[4];
	size_t tlen[4];

	for (int i = 0; i < 4; i++) {
		if (!next_tok(&s, end, &tok[i], &tlen[i]))
			goto bad;
	}
	if (tok_is(tok[0], tlen[0], "sl") &&
	    tok_is(tok[1], tlen[1], "local_address") &&
	    (tok_is(tok[2], tlen[2], "rem_address") ||
	     tok_is(tok[2], tlen[2], "remote_address")) &&
	    tok_is(tok[3], tlen[3], "st"))
		return 0;
bad:
	return parse_err_set(&p->err, ln,
			     "not a /proc/net/tcp header (expected \"sl local_address rem_address st ...\")");
}

static int row(void *ctx, const char *line, size_t len, unsigned long ln)
{
	struct procfs_parser *p = ctx;
	const char *s = line, *end = line + len, *tok;
	size_t tlen;
	char q[QUOTE_BUF];
	int hi, lo, idx;

	if (ln == 1)
		return header(p, line, len, ln);

	/* "N:" slot number */
	if (!next_tok(&s, end, &tok, &tlen))
		return parse_err_set(&p->err, ln, "empty line");
	if (tlen < 2 || tok[tlen - 1] != ':')
		return parse_err_set(&p->err, ln, "bad slot field %s, expected \"N:\"",
				     quote_token(q, sizeof(q), tok, tlen));
	for (size_t i = 0; i + 1 < tlen; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return parse_err_set(&p->err, ln,
					     "bad slot field %s, expected \"N:\"",
					     quote_token(q, sizeof(q), tok, tlen));
	}
	/* local and remote address, then st */
	for (int i = 0; i < 3; i++) {
		if (!next_tok(&s, end, &tok, &tlen))
			return parse_err_set(&p->err, ln, "row has no st field");
	}
	hi = tlen == 2 ? hexval(tok[0]) : -1;
	lo = tlen == 2 ? hexval(tok[1]) : -1;
	if (hi < 0 || lo < 0)
		return parse_err_set(&p->err, ln,
				     "bad st field %s, expected 2 hex digits",
				     quote_token(q, sizeof(q), tok, tlen));
	idx = TCPSTAT_STATE_INDEX(hi * 16 + lo);
	if (idx >= 0)
		p->n[idx]++;
	return 0;
}

void procfs_parser_init(struct procfs_parser *p)
{
	memset(p->n, 0, sizeof(p->n));
	memset(&p->err, 0, sizeof(p->err));
	lines_init(&p->lines, PROCFS_LINE_MAX, row, p, &p->err);
}

int procfs_parser_feed(struct procfs_parser *p, const char *buf, size_t n)
{
	return lines_feed(&p->lines, buf, n);
}

int procfs_parser_finish(struct procfs_parser *p, uint64_t out[TCPSTAT_NSTATES])
{
	if (lines_pending(&p->lines))
		return parse_err_set(&p->err, p->lines.lineno + 1,
				     "truncated: last line has no newline");
	if (!p->lines.lineno)
		return parse_err_set(&p->err, 1, "empty file (no header line)");
	memcpy(out, p->n, sizeof(p->n));
	return 0;
}

int procfs_parse(const char *buf, size_t n, uint64_t out[TCPSTAT_NSTATES],
		 struct parse_err *err)
{
	struct procfs_parser p;
	int ret;

	procfs_parser_init(&p);
	ret = procfs_parser_feed(&p, buf, n);
	if (!ret)
		ret = procfs_parser_finish(&p, out);
	if (ret)
		*err = p.err;
	return ret;
}

static int feed_cb(void *ctx, const char *buf, size_t n)
{
	return procfs_parser_feed(ctx, buf, n);
}

/* One family's file. 0, 1 if missing and @optional, -1 on error. */
static int read_one(const char *path, bool optional, char *buf, size_t bufsize,
		    uint64_t out[TCPSTAT_NSTATES], struct tcpstat_err *e)
{
	struct procfs_parser p;
	int ret;

	procfs_parser_init(&p);
	ret = read_file_chunks(path, buf, bufsize, feed_cb, &p);
	if (ret == ENOENT && optional)
		return 1;
	if (ret > 0) {
		tcpstat_err_set(e, "%s: %s", path, strerror(ret));
		return -1;
	}
	if (!ret)
		ret = procfs_parser_finish(&p, out);
	if (ret) {
		tcpstat_err_set(e, "%s:%lu: %s", path, p.err.line, p.err.what);
		return -1;
	}
	return 0;
}

int procfs_read(const char *proc, char *buf, size_t bufsize,
		struct tcpstat_counts *out, struct tcpstat_err *e)
{
	char path[PATH_MAX];
	struct tcpstat_counts c = { 0 };
	int ret;

	if (bufsize > PROCFS_READ_SIZE)
		bufsize = PROCFS_READ_SIZE;
	snprintf(path, sizeof(path), "%s/net/tcp", proc);
	if (read_one(path, false, buf, bufsize, c.n[TCPSTAT_FAM_IPV4], e))
		return -1;
	snprintf(path, sizeof(path), "%s/net/tcp6", proc);
	ret = read_one(path, true, buf, bufsize, c.n[TCPSTAT_FAM_IPV6], e);
	if (ret < 0)
		return -1;
	*out = c;
	return 0;
}
