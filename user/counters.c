// SPDX-License-Identifier: GPL-2.0
/* counters.c - the Tcp: and TcpExt: counters of /proc/net/{snmp,netstat}. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "readfile.h"
#include "tok.h"

const struct tcp_counter_desc tcp_counter_desc[TCPC_NCOUNTERS] = {
	[TCPC_ACTIVE_OPENS] = {
		.json = "active_opens",
		.prom = "tcpstat_active_opens_total",
		.help = "TCP connections opened actively (SYN_SENT from CLOSED), Tcp: ActiveOpens of /proc/net/snmp.",
		.file = "snmp", .section = "Tcp", .field = "ActiveOpens",
	},
	[TCPC_PASSIVE_OPENS] = {
		.json = "passive_opens",
		.prom = "tcpstat_passive_opens_total",
		.help = "TCP connections opened passively (SYN_RECV from LISTEN), Tcp: PassiveOpens of /proc/net/snmp.",
		.file = "snmp", .section = "Tcp", .field = "PassiveOpens",
	},
	[TCPC_ATTEMPT_FAILS] = {
		.json = "attempt_fails",
		.prom = "tcpstat_attempt_fails_total",
		.help = "TCP connection attempts that failed (SYN_SENT or SYN_RECV to CLOSED, SYN_RECV to LISTEN), Tcp: AttemptFails of /proc/net/snmp.",
		.file = "snmp", .section = "Tcp", .field = "AttemptFails",
	},
	[TCPC_ESTAB_RESETS] = {
		.json = "estab_resets",
		.prom = "tcpstat_estab_resets_total",
		.help = "TCP connections reset in ESTABLISHED or CLOSE_WAIT, Tcp: EstabResets of /proc/net/snmp.",
		.file = "snmp", .section = "Tcp", .field = "EstabResets",
	},
	[TCPC_RETRANS_SEGS] = {
		.json = "retrans_segs",
		.prom = "tcpstat_retrans_segs_total",
		.help = "TCP segments retransmitted, Tcp: RetransSegs of /proc/net/snmp.",
		.file = "snmp", .section = "Tcp", .field = "RetransSegs",
	},
	[TCPC_LISTEN_OVERFLOWS] = {
		.json = "listen_overflows",
		.prom = "tcpstat_listen_overflows_total",
		.help = "Connections a listener could not take because its accept queue was full, TcpExt: ListenOverflows of /proc/net/netstat.",
		.file = "netstat", .section = "TcpExt", .field = "ListenOverflows",
	},
	[TCPC_LISTEN_DROPS] = {
		.json = "listen_drops",
		.prom = "tcpstat_listen_drops_total",
		.help = "Connection requests dropped at a listener for any reason (overflows included), TcpExt: ListenDrops of /proc/net/netstat.",
		.file = "netstat", .section = "TcpExt", .field = "ListenDrops",
	},
};

/* A column to find in a section, and where its value goes. */
struct want {
	const char *field;
	uint64_t *dst;
	bool found;
};

#define MAX_WANTS 8

/*
 * The "Name:" that starts every line: its length without the colon, with
 * *rest after the colon. 0 if the line does not start that way.
 */
static size_t prefix(const char *line, size_t len, const char **rest)
{
	size_t i = 0;

	while (i < len && ((line[i] >= 'A' && line[i] <= 'Z') ||
			   (line[i] >= 'a' && line[i] <= 'z') ||
			   (line[i] >= '0' && line[i] <= '9')))
		i++;
	if (i == 0 || i == len || line[i] != ':' ||
	    (i + 1 < len && line[i + 1] != ' '))
		return 0;
	*rest = line + i + 1;
	return i;
}

/* A decimal integer, optionally negative (Tcp: MaxConn is -1). */
static bool is_integer(const char *tok, size_t len)
{
	size_t i = tok[0] == '-' ? 1 : 0;

	if (i == len)
		return false;
	for (; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
	}
	return true;
}

/* A counter: non-negative and within 64 bits. */
static const char *to_u64(const char *tok, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	if (tok[0] == '-')
		return "is negative";
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(tok[i] - '0');

		if (x > (UINT64_MAX - d) / 10)
			return "is out of range";
		x = x * 10 + d;
	}
	*v = x;
	return NULL;
}

struct section {
	const char *name;		/* "Tcp" */
	struct want want[MAX_WANTS];
	size_t nwant;
	unsigned long line;		/* of its header; 0: not seen */
};

/* One pair: header @h (line @hl) and values @v. */
static int pair(struct section *sec, const char *h, size_t hlen,
		const char *v, size_t vlen, unsigned long hl, struct parse_err *pe)
{
	const char *hrest, *vrest, *hend = h + hlen, *vend = v + vlen;
	size_t plen = prefix(h, hlen, &hrest), vplen, names = 0, values = 0;
	char q[QUOTE_BUF], q2[QUOTE_BUF];
	bool ours;

	if (!plen)
		return parse_err_set(pe, hl, "expected a header line \"Name: field ...\", got %s",
				     quote_token(q, sizeof(q), h, hlen));
	vplen = prefix(v, vlen, &vrest);
	if (!vplen)
		return parse_err_set(pe, hl + 1, "expected the values of \"%.*s:\", got %s",
				     (int)plen, h, quote_token(q, sizeof(q), v, vlen));
	if (vplen != plen || memcmp(h, v, plen))
		return parse_err_set(pe, hl + 1, "the values of %s are headed %s",
				     quote_token(q, sizeof(q), h, plen),
				     quote_token(q2, sizeof(q2), v, vplen));
	ours = tok_is(h, plen, sec->name);
	if (ours && sec->line)
		return parse_err_set(pe, hl, "a second \"%s:\" header (the first is on line %lu)",
				     sec->name, sec->line);
	if (ours)
		sec->line = hl;
	for (;;) {
		const char *name = NULL, *val = NULL;
		size_t nlen = 0, len = 0;
		bool hn = next_tok(&hrest, hend, &name, &nlen);
		bool vn = next_tok(&vrest, vend, &val, &len);

		names += hn;
		values += vn;
		if (!hn || !vn) {
			/* count what is left, for the message */
			while (hn && next_tok(&hrest, hend, &name, &nlen))
				names++;
			while (vn && next_tok(&vrest, vend, &val, &len))
				values++;
			break;
		}
		if (!is_integer(val, len))
			return parse_err_set(pe, hl + 1, "%.*s: %s: %s is not a number",
					     (int)plen, h, quote_token(q, sizeof(q), name, nlen),
					     quote_token(q2, sizeof(q2), val, len));
		if (!ours)
			continue;
		for (size_t w = 0; w < sec->nwant; w++) {
			struct want *wt = &sec->want[w];
			const char *why;

			if (!tok_is(name, nlen, wt->field))
				continue;
			if (wt->found)
				return parse_err_set(pe, hl, "%s: field %s named twice",
						     sec->name, wt->field);
			why = to_u64(val, len, wt->dst);
			if (why)
				return parse_err_set(pe, hl + 1, "%s: %s: %s %s",
						     sec->name, wt->field,
						     quote_token(q, sizeof(q), val, len), why);
			wt->found = true;
		}
	}
	if (names != values)
		return parse_err_set(pe, hl + 1, "%.*s: %zu names on line %lu but %zu values",
				     (int)plen, h, names, hl, values);
	return 0;
}

int counters_parse(enum counters_file f, const char *buf, size_t n,
		   struct tcp_counters *out, struct parse_err *pe)
{
	struct tcp_counters tmp = *out;
	struct section sec = { 0 };
	const char *p = buf, *end = buf + n;
	unsigned long ln = 0;

	if (f == COUNTERS_SNMP) {
		sec.name = "Tcp";
		sec.want[sec.nwant++] = (struct want){ "CurrEstab", &tmp.curr_estab, false };
	} else {
		sec.name = "TcpExt";
	}
	for (int c = 0; c < TCPC_NCOUNTERS; c++) {
		const struct tcp_counter_desc *d = &tcp_counter_desc[c];

		if (strcmp(d->section, sec.name) == 0)
			sec.want[sec.nwant++] = (struct want){ d->field, &tmp.v[c], false };
	}
	if (n == 0)
		return parse_err_set(pe, 1, "empty file");
	if (buf[n - 1] != '\n') {
		for (const char *s = buf; s < end; s++)
			ln += *s == '\n';
		return parse_err_set(pe, ln + 1, "truncated: last line has no newline");
	}
	while (p < end) {
		const char *h = p, *v, *nl = memchr(p, '\n', (size_t)(end - p));
		size_t hlen = (size_t)(nl - h), vlen;

		ln++;
		p = nl + 1;
		if (p == end) {
			const char *rest;
			size_t plen = prefix(h, hlen, &rest);
			char q[QUOTE_BUF];

			return parse_err_set(pe, ln, "header %s has no line of values after it",
					     quote_token(q, sizeof(q), h, plen ? plen + 1 : hlen));
		}
		v = p;
		nl = memchr(p, '\n', (size_t)(end - p));
		vlen = (size_t)(nl - v);
		p = nl + 1;
		if (pair(&sec, h, hlen, v, vlen, ln, pe))
			return -1;
		ln++;
	}
	if (!sec.line)
		return parse_err_set(pe, 0, "no \"%s:\" lines", sec.name);
	for (size_t w = 0; w < sec.nwant; w++) {
		if (!sec.want[w].found)
			return parse_err_set(pe, sec.line, "%s: no field %s",
					     sec.name, sec.want[w].field);
	}
	*out = tmp;
	return 0;
}

static int read_one(const char *netdir, enum counters_file f, char *buf,
		    size_t bufsize, struct tcp_counters *out, struct tcpstat_err *e)
{
	char path[PATH_MAX];
	struct parse_err pe;
	size_t len;
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", netdir,
		     f == COUNTERS_SNMP ? "snmp" : "netstat") >= (int)sizeof(path)) {
		tcpstat_err_set(e, "%s: %s", netdir, strerror(ENAMETOOLONG));
		return -1;
	}
	ret = read_file_all(path, buf, bufsize, &len);
	if (ret == EFBIG) {
		tcpstat_err_set(e, "%s: larger than %zu bytes, not a kernel's MIB file",
				path, bufsize);
		return -1;
	}
	if (ret) {
		tcpstat_err_set(e, "%s: %s", path, readfile_strerror(ret));
		return -1;
	}
	if (counters_parse(f, buf, len, out, &pe)) {
		if (pe.line)
			tcpstat_err_set(e, "%s:%lu: %s", path, pe.line, pe.what);
		else
			tcpstat_err_set(e, "%s: %s", path, pe.what);
		return -1;
	}
	return 0;
}

int counters_read(const char *netdir, char *buf, size_t bufsize,
		  struct tcp_counters *out, struct tcpstat_err *e)
{
	struct tcp_counters c = { 0 };

	if (bufsize > COUNTERS_FILE_MAX)
		bufsize = COUNTERS_FILE_MAX;
	if (read_one(netdir, COUNTERS_SNMP, buf, bufsize, &c, e) ||
	    read_one(netdir, COUNTERS_NETSTAT, buf, bufsize, &c, e))
		return -1;
	*out = c;
	return 0;
}
