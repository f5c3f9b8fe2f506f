// SPDX-License-Identifier: GPL-2.0
/*
 * src_procfs.c - count the `st` column of /proc/net/tcp{,6}:
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr ...
 *    0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 ...
 *
 * Only the header and the first four fields of each row are looked at
 * (five with --ports: the local port, and rx_queue, which is a listener's
 * accept queue length); nothing is kept per socket.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"
#include "source.h"
#include "src_procfs.h"
#include "tok.h"

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
	const char *s = line, *end = line + len, *tok[6];
	size_t tlen[6];

	for (int i = 0; i < 4; i++) {
		if (!next_tok(&s, end, &tok[i], &tlen[i]))
			goto bad;
	}
	if (!tok_is(tok[0], tlen[0], "sl") ||
	    !tok_is(tok[1], tlen[1], "local_address") ||
	    !(tok_is(tok[2], tlen[2], "rem_address") ||
	      tok_is(tok[2], tlen[2], "remote_address")) ||
	    !tok_is(tok[3], tlen[3], "st"))
		goto bad;
	if (!p->ports)
		return 0;
	/* --ports reads the next field too: it must be where it was */
	for (int i = 4; i < 6; i++) {
		if (!next_tok(&s, end, &tok[i], &tlen[i]))
			goto bad_queue;
	}
	if (tok_is(tok[4], tlen[4], "tx_queue") && tok_is(tok[5], tlen[5], "rx_queue"))
		return 0;
bad_queue:
	return parse_err_set(&p->err, ln,
			     "not a /proc/net/tcp header (expected \"sl local_address rem_address st tx_queue rx_queue ...\")");
bad:
	return parse_err_set(&p->err, ln,
			     "not a /proc/net/tcp header (expected \"sl local_address rem_address st ...\")");
}

/* @len hex digits (1..8) as a number, or -1. */
static int64_t hex_u32(const char *s, size_t len)
{
	uint32_t v = 0;

	if (len < 1 || len > 8)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	return v;
}

/* "0100007F:0277" (IPv4, 8 hex digits) or 32 hex digits (IPv6), ':', 4 for the port */
static int32_t local_port(const char *tok, size_t len)
{
	const char *colon = memchr(tok, ':', len);
	size_t alen;

	if (!colon)
		return -1;
	alen = (size_t)(colon - tok);
	if ((alen != 8 && alen != 32) || len - alen - 1 != 4)
		return -1;
	for (size_t i = 0; i < alen; i++) {
		if (hexval(tok[i]) < 0)
			return -1;
	}
	return (int32_t)hex_u32(colon + 1, 4);
}

/* "tx_queue:rx_queue": the rx_queue, or -1 if the field is malformed */
static int64_t rx_queue(const char *tok, size_t len)
{
	const char *colon = memchr(tok, ':', len);
	size_t tx;

	if (!colon)
		return -1;
	tx = (size_t)(colon - tok);
	if (hex_u32(tok, tx) < 0)
		return -1;
	return hex_u32(colon + 1, len - tx - 1);
}

static int row(void *ctx, const char *line, size_t len, unsigned long ln)
{
	struct procfs_parser *p = ctx;
	const char *s = line, *end = line + len, *tok, *local = NULL;
	size_t tlen, local_len = 0;
	char q[QUOTE_BUF];
	int hi, lo, idx;
	int32_t port;
	int64_t queue;

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
		if (i == 0) {
			local = tok;
			local_len = tlen;
		}
	}
	hi = tlen == 2 ? hexval(tok[0]) : -1;
	lo = tlen == 2 ? hexval(tok[1]) : -1;
	if (hi < 0 || lo < 0)
		return parse_err_set(&p->err, ln,
				     "bad st field %s, expected 2 hex digits",
				     quote_token(q, sizeof(q), tok, tlen));
	idx = TCPSTAT_STATE_INDEX(hi * 16 + lo);
	if (p->ports) {
		port = local_port(local, local_len);
		if (port < 0)
			return parse_err_set(&p->err, ln,
					     "bad local_address field %s, expected hex ADDRESS:PORT",
					     quote_token(q, sizeof(q), local, local_len));
		if (!next_tok(&s, end, &tok, &tlen))
			return parse_err_set(&p->err, ln, "row has no tx_queue:rx_queue field");
		queue = rx_queue(tok, tlen);
		if (queue < 0)
			return parse_err_set(&p->err, ln,
					     "bad tx_queue:rx_queue field %s, expected 2 hex numbers",
					     quote_token(q, sizeof(q), tok, tlen));
		/* a listener's limit is not in /proc/net/tcp: 0, reported as unknown */
		if (idx >= 0)
			port_table_add(p->ports, (uint16_t)port, idx, (uint32_t)queue, 0);
	}
	if (idx >= 0)
		p->n[idx]++;
	return 0;
}

void procfs_parser_init_ports(struct procfs_parser *p, struct port_table *ports)
{
	memset(p->n, 0, sizeof(p->n));
	memset(&p->err, 0, sizeof(p->err));
	p->ports = ports;
	lines_init(&p->lines, PROCFS_LINE_MAX, row, p, &p->err);
}

void procfs_parser_init(struct procfs_parser *p)
{
	procfs_parser_init_ports(p, NULL);
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
		    uint64_t out[TCPSTAT_NSTATES], struct port_table *ports,
		    struct tcpstat_err *e)
{
	struct procfs_parser p;
	int ret;

	procfs_parser_init_ports(&p, ports);
	ret = read_file_chunks(path, buf, bufsize, feed_cb, &p);
	if (ret == ENOENT && optional)
		return 1;
	if (ret > 0) {
		tcpstat_err_set(e, "%s: %s", path, readfile_strerror(ret));
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

int procfs_read_dir(const char *dir, char *buf, size_t bufsize,
		    struct tcpstat_counts *out, struct port_table *ports,
		    struct tcpstat_err *e)
{
	char path[PATH_MAX];
	struct tcpstat_counts c = { 0 };
	int ret;

	if (bufsize > PROCFS_READ_SIZE)
		bufsize = PROCFS_READ_SIZE;
	if (ports)
		port_table_begin(ports);
	snprintf(path, sizeof(path), "%s/tcp", dir);
	if (read_one(path, false, buf, bufsize, c.n[TCPSTAT_FAM_IPV4], ports, e))
		return -1;
	snprintf(path, sizeof(path), "%s/tcp6", dir);
	ret = read_one(path, true, buf, bufsize, c.n[TCPSTAT_FAM_IPV6], ports, e);
	if (ret < 0)
		return -1;
	*out = c;
	return 0;
}

int procfs_read(const char *proc, char *buf, size_t bufsize,
		struct tcpstat_counts *out, struct tcpstat_err *e)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/net", proc);
	return procfs_read_dir(dir, buf, bufsize, out, NULL, e);
}

/* ---- the backend ---- */

/* <proc>/net, or <proc>/self/net inside each namespace of --all-netns. */
static const char *procfs_net(const struct source *s)
{
	return s->mode == SOURCE_ALL_NETNS ? "self/net" : "net";
}

static void procfs_dir(const struct source *s, char *dir, size_t len)
{
	snprintf(dir, len, "%s/%s", s->proc, procfs_net(s));
}

static enum backend_avail procfs_probe(struct source *s, struct tcpstat_err *why)
{
	snprintf(s->path, sizeof(s->path), "%s/%s/tcp", s->proc, procfs_net(s));
	if (access(s->path, F_OK) && errno == ENOENT) {
		tcpstat_err_set(why, "%s: %s", s->path, strerror(ENOENT));
		return BACKEND_ABSENT;
	}
	return BACKEND_AVAILABLE;
}

static int procfs_counts(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	char dir[PATH_MAX];

	procfs_dir(s, dir, sizeof(dir));
	return procfs_read_dir(dir, s->buf, PROCFS_READ_SIZE, c, NULL, e);
}

static int procfs_ports(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	char dir[PATH_MAX];

	procfs_dir(s, dir, sizeof(dir));
	if (source_port_table(s, e) ||
	    procfs_read_dir(dir, s->buf, PROCFS_READ_SIZE, &out->c, s->ports, e))
		return -1;
	/* /proc/net/tcp has no listener's limit: backlog and fullest unknown */
	if (port_table_collect(s->ports, s->filter, false, &out->ports)) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* No all_netns: /proc/net is the namespace of the reader only. */
const struct backend_ops procfs_backend = {
	.name = "procfs",
	.probe = procfs_probe,
	.counts = procfs_counts,
	.ports = procfs_ports,
};
