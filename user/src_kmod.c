// SPDX-License-Identifier: GPL-2.0
/*
 * src_kmod.c - parse the module's machine files strictly:
 *
 *   tcpstat 1 <module version>
 *   states family ESTABLISHED SYN_SENT ... CLOSING
 *   states ipv4 <11 counts>
 *   states ipv6 <11 counts>
 *   ports port listeners accept_queue backlog fullest_queue fullest_backlog ESTABLISHED ... CLOSING
 *   ports <port> ...
 *   netns inode family ESTABLISHED ... CLOSING
 *   netns <inode> ipv4 <11 counts>
 *   end
 *
 * Fields are separated by exactly one space. Columns are mapped by the
 * header's names. A read wants some sections (tcpstat_data: states;
 * tcpstat_ports: states and ports; tcpstat_netns: netns); sections it
 * does not want are skipped after checking that every row has as many
 * fields as their header. In "ports" and "netns", columns with another
 * lower-case name are skipped too (their values must be numbers), so a
 * later module can add columns; an upper-case column must be a state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"
#include "source.h"
#include "src_kmod.h"

enum {
	KMOD_STAGE_MAGIC,	/* expecting "tcpstat <format> <version>" */
	KMOD_STAGE_BODY,	/* sections */
	KMOD_STAGE_END,		/* "end" seen: nothing may follow */
};

/* A field iterator over a line already checked by count_fields(). */
struct fit {
	const char *p, *end;
};

static int fit_next(struct fit *it, const char **tok, size_t *len)
{
	const char *sp;

	if (it->p > it->end) {
		*tok = it->end;
		*len = 0;
		return 0;
	}
	sp = memchr(it->p, ' ', (size_t)(it->end - it->p));
	if (!sp)
		sp = it->end;
	*tok = it->p;
	*len = (size_t)(sp - it->p);
	it->p = sp + 1;
	return 1;
}

/* Number of fields, or 0 if a field is empty (leading, trailing, double space). */
static size_t count_fields(const char *line, size_t len)
{
	size_t n = 1;

	if (!len || line[0] == ' ' || line[len - 1] == ' ')
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (line[i] == ' ') {
			if (line[i - 1] == ' ')
				return 0;
			n++;
		}
	}
	return n;
}

static bool tok_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(tok, word, len) == 0;
}

/* 0 ok, -1 not a number, -2 negative, -3 overflow. */
static int parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	if (len && s[0] == '-')
		return -2;
	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -3;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int magic_line(struct kmod_parser *p, const char *line, size_t len,
		      unsigned long ln)
{
	char q[QUOTE_BUF];
	struct fit it = { line, line + len };
	const char *tok;
	size_t tlen, n = count_fields(line, len);
	uint64_t ver;

	if (!len)
		return parse_err_set(&p->err, ln, "empty line, expected \"%s %d <version>\"",
				     TCPSTAT_FORMAT_MAGIC, TCPSTAT_FORMAT_VERSION);
	fit_next(&it, &tok, &tlen);
	if (!tok_is(tok, tlen, TCPSTAT_FORMAT_MAGIC))
		return parse_err_set(&p->err, ln,
				     "not a tcpstat data file (first word %s, expected \"%s\")",
				     quote_token(q, sizeof(q), tok, tlen),
				     TCPSTAT_FORMAT_MAGIC);
	if (!n)
		return parse_err_set(&p->err, ln,
				     "empty field (fields are separated by one space)");
	if (n < 2)
		return parse_err_set(&p->err, ln, "missing format version");
	fit_next(&it, &tok, &tlen);
	if (parse_u64(tok, tlen, &ver) || ver != TCPSTAT_FORMAT_VERSION)
		return parse_err_set(&p->err, ln,
				     "unsupported format version %s (this reader knows %d)",
				     quote_token(q, sizeof(q), tok, tlen),
				     TCPSTAT_FORMAT_VERSION);
	if (n != 3)
		return parse_err_set(&p->err, ln,
				     "first line has %zu fields, expected 3 (\"%s %d <version>\")",
				     n, TCPSTAT_FORMAT_MAGIC, TCPSTAT_FORMAT_VERSION);
	p->stage = KMOD_STAGE_BODY;
	return 0;
}

static const char *section_name(unsigned sec)
{
	switch (sec) {
	case KMOD_SEC_STATES:
		return TCPSTAT_SECTION_STATES;
	case KMOD_SEC_PORTS:
		return TCPSTAT_SECTION_PORTS;
	default:
		return TCPSTAT_SECTION_NETNS;
	}
}

static unsigned section_of(const char *name, size_t len)
{
	if (tok_is(name, len, TCPSTAT_SECTION_STATES))
		return KMOD_SEC_STATES;
	if (tok_is(name, len, TCPSTAT_SECTION_PORTS))
		return KMOD_SEC_PORTS;
	if (tok_is(name, len, TCPSTAT_SECTION_NETNS))
		return KMOD_SEC_NETNS;
	return 0;
}

static int states_header(struct kmod_parser *p, struct fit *it, size_t n,
			 unsigned long ln)
{
	char q[QUOTE_BUF];
	const char *tok;
	size_t tlen;
	unsigned seen = 0;

	if (n < 2 || (fit_next(it, &tok, &tlen), !tok_is(tok, tlen, TCPSTAT_COLUMN_FAMILY)))
		return parse_err_set(&p->err, ln,
				     "states header: second column must be \"family\"");
	for (size_t col = 0; fit_next(it, &tok, &tlen); col++) {
		int s = tcpstat_state_lookup(tok, tlen);

		if (s < 0)
			return parse_err_set(&p->err, ln,
					     "states header: unknown state %s",
					     quote_token(q, sizeof(q), tok, tlen));
		if (seen & (1u << s))
			return parse_err_set(&p->err, ln,
					     "states header: duplicate state %s",
					     tcpstat_state_upper[s]);
		seen |= 1u << s;
		p->colmap[col] = (signed char)s;
	}
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (!(seen & (1u << s)))
			return parse_err_set(&p->err, ln,
					     "states header: missing state %s",
					     tcpstat_state_upper[s]);
	}
	return 0;
}

static int states_row(struct kmod_parser *p, struct fit *it, size_t n,
		      unsigned long ln)
{
	char q[QUOTE_BUF];
	const char *tok;
	size_t tlen;
	int fam;

	if (n != p->section_fields)
		return parse_err_set(&p->err, ln,
				     "states row has %zu fields, its header has %zu",
				     n, p->section_fields);
	fit_next(it, &tok, &tlen);
	if (tok_is(tok, tlen, tcpstat_family_name[TCPSTAT_FAM_IPV4]))
		fam = TCPSTAT_FAM_IPV4;
	else if (tok_is(tok, tlen, tcpstat_family_name[TCPSTAT_FAM_IPV6]))
		fam = TCPSTAT_FAM_IPV6;
	else
		return parse_err_set(&p->err, ln, "states row: unknown family %s",
				     quote_token(q, sizeof(q), tok, tlen));
	if (p->row_seen[fam])
		return parse_err_set(&p->err, ln, "duplicate states row %s",
				     tcpstat_family_name[fam]);
	p->row_seen[fam] = true;
	for (size_t col = 0; fit_next(it, &tok, &tlen); col++) {
		int s = p->colmap[col];
		uint64_t v;

		switch (parse_u64(tok, tlen, &v)) {
		case 0:
			p->counts.n[fam][s] = v;
			break;
		case -2:
			return parse_err_set(&p->err, ln, "states %s %s: negative count %s",
					     tcpstat_family_name[fam], tcpstat_state_upper[s],
					     quote_token(q, sizeof(q), tok, tlen));
		case -3:
			return parse_err_set(&p->err, ln, "states %s %s: count %s overflows",
					     tcpstat_family_name[fam], tcpstat_state_upper[s],
					     quote_token(q, sizeof(q), tok, tlen));
		default:
			return parse_err_set(&p->err, ln,
					     "states %s %s: count %s is not a decimal number",
					     tcpstat_family_name[fam], tcpstat_state_upper[s],
					     quote_token(q, sizeof(q), tok, tlen));
		}
	}
	return 0;
}

/* ---- the "ports" and "netns" sections: columns mapped by name ---- */

/* What a column of "ports" or "netns" holds: 0..10 are the states. */
enum {
	COL_SKIP = -1,		/* an unknown lower-case column */
	COL_PORT = TCPSTAT_NSTATES,
	COL_LISTENERS,
	COL_QUEUE,
	COL_BACKLOG,
	COL_FQ,
	COL_FB,
	COL_INODE,
	COL_FAMILY,
	COL_MAX,
};
_Static_assert(COL_MAX <= 32, "column bits fit in a u32");
/* a header of the longest line ("x a b c ...") fits the column map */
_Static_assert(KMOD_FIELDS_MAX >= KMOD_LINE_MAX / 2 + 1 && KMOD_LINE_MAX <= LINES_MAX,
	       "cols[] holds every column of a line");

static const char *const col_name[COL_MAX] = {
	[COL_PORT] = "port",
	[COL_LISTENERS] = "listeners",
	[COL_QUEUE] = "accept_queue",
	[COL_BACKLOG] = "backlog",
	[COL_FQ] = "fullest_queue",
	[COL_FB] = "fullest_backlog",
	[COL_INODE] = "inode",
	[COL_FAMILY] = TCPSTAT_COLUMN_FAMILY,
};

static const char *column_name(int c)
{
	return c < TCPSTAT_NSTATES ? tcpstat_state_upper[c] : col_name[c];
}

/* [a-z_][a-z0-9_]*: a name a later module may add */
static bool lower_name(const char *s, size_t len)
{
	if (!len || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return false;
	}
	return true;
}

/* [A-Z0-9_]+: where the states are */
static bool upper_name(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return false;
	}
	return true;
}

static int table_header(struct kmod_parser *p, struct fit *it, unsigned sec,
			unsigned long ln)
{
	const char *sname = section_name(sec);
	int first = sec == KMOD_SEC_PORTS ? COL_PORT : COL_INODE;
	int last = sec == KMOD_SEC_PORTS ? COL_FB : COL_FAMILY;
	char q[QUOTE_BUF];
	const char *tok;
	size_t tlen;
	uint32_t seen = 0;

	for (size_t col = 0; fit_next(it, &tok, &tlen); col++) {
		int c = tcpstat_state_lookup(tok, tlen);

		for (int k = first; c < 0 && k <= last; k++) {
			if (tok_is(tok, tlen, col_name[k]))
				c = k;
		}
		if (c < 0) {
			if (upper_name(tok, tlen))
				return parse_err_set(&p->err, ln, "%s header: unknown state %s",
						     sname, quote_token(q, sizeof(q), tok, tlen));
			if (!lower_name(tok, tlen))
				return parse_err_set(&p->err, ln, "%s header: bad column name %s",
						     sname, quote_token(q, sizeof(q), tok, tlen));
			p->cols[col] = COL_SKIP;
			continue;
		}
		if (seen & (1u << c))
			return parse_err_set(&p->err, ln, "%s header: duplicate column %s",
					     sname, column_name(c));
		seen |= 1u << c;
		p->cols[col] = (signed char)c;
	}
	for (int k = first; k <= last; k++) {
		if (!(seen & (1u << k)))
			return parse_err_set(&p->err, ln, "%s header: missing column %s",
					     sname, col_name[k]);
	}
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (!(seen & (1u << s)))
			return parse_err_set(&p->err, ln, "%s header: missing state %s",
					     sname, tcpstat_state_upper[s]);
	}
	return 0;
}

static int ports_row(struct kmod_parser *p, const uint64_t *v, unsigned long ln)
{
	struct port_row *r;
	uint32_t port;

	if (v[COL_PORT] == 0 || v[COL_PORT] >= TCPSTAT_NPORTS)
		return parse_err_set(&p->err, ln, "ports: port %" PRIu64 " out of range (1-65535)",
				     v[COL_PORT]);
	port = (uint32_t)v[COL_PORT];
	if (p->last_port && port == p->last_port)
		return parse_err_set(&p->err, ln, "ports: duplicate port %" PRIu32, port);
	if (p->last_port && port < p->last_port)
		return parse_err_set(&p->err, ln,
				     "ports: port %" PRIu32 " after port %" PRIu32
				     " (rows must be in ascending port order)",
				     port, p->last_port);
	if (!v[COL_LISTENERS])
		return parse_err_set(&p->err, ln,
				     "ports %" PRIu32 ": listeners is 0 (every row is a listening port)",
				     port);
	if (v[TCPSTAT_STATE_INDEX(10)] != v[COL_LISTENERS])
		return parse_err_set(&p->err, ln,
				     "ports %" PRIu32 ": LISTEN %" PRIu64 " differs from listeners %" PRIu64,
				     port, v[TCPSTAT_STATE_INDEX(10)], v[COL_LISTENERS]);
	p->last_port = port;
	if (!p->ports)
		return 0;
	r = port_list_add(p->ports);
	if (!r)
		return parse_err_set(&p->err, ln, "%s", strerror(ENOMEM));
	r->port = port;
	r->listeners = v[COL_LISTENERS];
	r->accept_queue = v[COL_QUEUE];
	r->backlog = v[COL_BACKLOG];
	r->fullest_queue = v[COL_FQ];
	r->fullest_backlog = v[COL_FB];
	memcpy(r->n, v, sizeof(r->n));
	return 0;
}

/* The namespace being read is complete: both families, then kept. */
static int netns_close(struct kmod_parser *p, unsigned long ln)
{
	struct netns_row *r;

	if (!p->ns_fams)
		return 0;
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		if (!(p->ns_fams & (1u << f)))
			return parse_err_set(&p->err, ln, "netns %" PRIu64 ": missing %s row",
					     p->ns.inode, tcpstat_family_name[f]);
	}
	p->last_inode = p->ns.inode;
	p->ns_fams = 0;
	if (!p->netns)
		return 0;
	r = netns_list_add(p->netns);
	if (!r)
		return parse_err_set(&p->err, ln, "%s", strerror(ENOMEM));
	*r = p->ns;
	return 0;
}

static int netns_row(struct kmod_parser *p, const uint64_t *v, int fam,
		     unsigned long ln)
{
	uint64_t inode = v[COL_INODE];

	if (!inode)
		return parse_err_set(&p->err, ln, "netns: inode 0");
	if (p->ns_fams && inode == p->ns.inode) {
		if (p->ns_fams & (1u << fam))
			return parse_err_set(&p->err, ln, "netns %" PRIu64 ": duplicate %s row",
					     inode, tcpstat_family_name[fam]);
	} else {
		if (netns_close(p, ln))
			return -1;
		if (p->last_inode && inode <= p->last_inode)
			return parse_err_set(&p->err, ln,
					     "netns: inode %" PRIu64 " after inode %" PRIu64
					     " (rows must be in ascending inode order, each namespace's together)",
					     inode, p->last_inode);
		memset(&p->ns, 0, sizeof(p->ns));
		p->ns.inode = inode;
	}
	p->ns_fams |= 1u << fam;
	memcpy(p->ns.c.n[fam], v, sizeof(p->ns.c.n[fam]));
	return 0;
}

static int value_error(struct kmod_parser *p, unsigned long ln, const char *sname,
		       int c, size_t field, const char *tok, size_t tlen, int why)
{
	char q[QUOTE_BUF], where[48];

	if (c == COL_SKIP)
		snprintf(where, sizeof(where), "field %zu", field);
	else
		snprintf(where, sizeof(where), "%s", column_name(c));
	quote_token(q, sizeof(q), tok, tlen);
	if (why == -2)
		return parse_err_set(&p->err, ln, "%s %s: negative value %s", sname, where, q);
	if (why == -3)
		return parse_err_set(&p->err, ln, "%s %s: value %s overflows", sname, where, q);
	return parse_err_set(&p->err, ln, "%s %s: value %s is not a decimal number",
			     sname, where, q);
}

static int table_row(struct kmod_parser *p, struct fit *it, size_t n,
		     unsigned long ln)
{
	const char *sname = section_name(p->cur);
	uint64_t v[COL_MAX] = { 0 };
	char q[QUOTE_BUF];
	const char *tok;
	size_t tlen;
	int fam = -1;

	if (n != p->section_fields)
		return parse_err_set(&p->err, ln, "%s row has %zu fields, its header has %zu",
				     sname, n, p->section_fields);
	for (size_t col = 0; fit_next(it, &tok, &tlen); col++) {
		int c = p->cols[col], r;
		uint64_t x;

		if (c == COL_FAMILY) {
			if (tok_is(tok, tlen, tcpstat_family_name[TCPSTAT_FAM_IPV4]))
				fam = TCPSTAT_FAM_IPV4;
			else if (tok_is(tok, tlen, tcpstat_family_name[TCPSTAT_FAM_IPV6]))
				fam = TCPSTAT_FAM_IPV6;
			else
				return parse_err_set(&p->err, ln, "%s row: unknown family %s",
						     sname, quote_token(q, sizeof(q), tok, tlen));
			continue;
		}
		r = parse_u64(tok, tlen, &x);
		if (r)
			return value_error(p, ln, sname, c, col + 2, tok, tlen, r);
		if (c >= 0)
			v[c] = x;
	}
	if (p->cur == KMOD_SEC_PORTS)
		return ports_row(p, v, ln);
	return netns_row(p, v, fam, ln);
}

/* The current section ends (another begins, or "end"). */
static int section_close(struct kmod_parser *p, unsigned long ln)
{
	if (p->cur == KMOD_SEC_NETNS)
		return netns_close(p, ln);
	return 0;
}

static int end_line(struct kmod_parser *p, size_t n, unsigned long ln)
{
	if (n != 1)
		return parse_err_set(&p->err, ln, "\"%s\" line has %zu fields, expected 1",
				     TCPSTAT_END, n);
	if (section_close(p, ln))
		return -1;
	p->cur = 0;
	for (unsigned sec = KMOD_SEC_STATES; sec <= KMOD_SEC_NETNS; sec <<= 1) {
		if ((p->want & sec) && !(p->seen & sec))
			return parse_err_set(&p->err, ln, "missing \"%s\" section",
					     section_name(sec));
		if (sec != KMOD_SEC_STATES || !(p->want & sec))
			continue;
		for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
			if (!p->row_seen[f])
				return parse_err_set(&p->err, ln, "missing states row %s",
						     tcpstat_family_name[f]);
		}
	}
	p->stage = KMOD_STAGE_END;
	return 0;
}

static int body_line(void *ctx, const char *line, size_t len, unsigned long ln)
{
	struct kmod_parser *p = ctx;
	char q[QUOTE_BUF];
	struct fit it = { line, line + len };
	const char *name;
	size_t nlen, n;
	unsigned sec;

	if (p->stage == KMOD_STAGE_MAGIC)
		return magic_line(p, line, len, ln);
	if (p->stage == KMOD_STAGE_END)
		return parse_err_set(&p->err, ln, "data after \"%s\"", TCPSTAT_END);
	if (!len)
		return parse_err_set(&p->err, ln, "empty line");
	n = count_fields(line, len);
	if (!n)
		return parse_err_set(&p->err, ln,
				     "empty field (fields are separated by one space)");
	fit_next(&it, &name, &nlen);

	/* A row of the current section? */
	if (p->section_len && nlen == p->section_len &&
	    memcmp(name, p->section, nlen) == 0) {
		if (p->cur == KMOD_SEC_STATES)
			return states_row(p, &it, n, ln);
		if (p->cur)
			return table_row(p, &it, n, ln);
		if (n != p->section_fields)
			return parse_err_set(&p->err, ln,
					     "section %s: row has %zu fields, its header has %zu",
					     quote_token(q, sizeof(q), name, nlen), n,
					     p->section_fields);
		return 0;
	}

	if (tok_is(name, nlen, TCPSTAT_END))
		return end_line(p, n, ln);

	/* A new section: this line is its header. */
	if (section_close(p, ln))
		return -1;
	if (nlen >= sizeof(p->section))
		return parse_err_set(&p->err, ln, "section name %s longer than %zu bytes",
				     quote_token(q, sizeof(q), name, nlen),
				     sizeof(p->section) - 1);
	memcpy(p->section, name, nlen);
	p->section_len = nlen;
	p->section_fields = n;
	p->cur = 0;
	sec = section_of(name, nlen) & p->want;
	if (!sec)
		return 0; /* skipped: only its shape is checked */
	if (p->seen & sec)
		return parse_err_set(&p->err, ln, "duplicate \"%s\" section",
				     section_name(sec));
	p->seen |= sec;
	p->cur = sec;
	if (sec == KMOD_SEC_STATES)
		return states_header(p, &it, n, ln);
	return table_header(p, &it, sec, ln);
}

void kmod_parser_init_want(struct kmod_parser *p, unsigned want,
			   struct port_list *ports, struct netns_list *netns)
{
	memset(p, 0, offsetof(struct kmod_parser, lines));
	p->stage = KMOD_STAGE_MAGIC;
	p->want = want;
	p->ports = (want & KMOD_SEC_PORTS) ? ports : NULL;
	p->netns = (want & KMOD_SEC_NETNS) ? netns : NULL;
	if (p->ports) {
		p->ports->n = 0;
		p->ports->backlog_known = true;
	}
	if (p->netns)
		p->netns->n = 0;
	lines_init(&p->lines, KMOD_LINE_MAX, body_line, p, &p->err);
}

void kmod_parser_init(struct kmod_parser *p)
{
	kmod_parser_init_want(p, KMOD_WANT_DATA, NULL, NULL);
}

int kmod_parser_feed(struct kmod_parser *p, const char *buf, size_t n)
{
	return lines_feed(&p->lines, buf, n);
}

int kmod_parser_finish(struct kmod_parser *p, struct tcpstat_counts *out)
{
	unsigned long next = p->lines.lineno + 1;

	if (lines_pending(&p->lines)) {
		if (p->stage == KMOD_STAGE_END)
			return parse_err_set(&p->err, next, "data after \"%s\"",
					     TCPSTAT_END);
		return parse_err_set(&p->err, next,
				     "truncated: last line has no newline");
	}
	if (p->stage == KMOD_STAGE_MAGIC)
		return parse_err_set(&p->err, next, "empty file");
	if (p->stage != KMOD_STAGE_END)
		return parse_err_set(&p->err, next, "truncated: no \"%s\" line",
				     TCPSTAT_END);
	if (out && (p->want & KMOD_SEC_STATES))
		*out = p->counts;
	return 0;
}

int kmod_parse_want(const char *buf, size_t n, unsigned want,
		    struct tcpstat_counts *out, struct port_list *ports,
		    struct netns_list *netns, struct parse_err *err)
{
	struct kmod_parser *p = malloc(sizeof(*p));
	int ret;

	if (!p) {
		parse_err_set(err, 0, "%s", strerror(ENOMEM));
		return -1;
	}
	kmod_parser_init_want(p, want, ports, netns);
	ret = kmod_parser_feed(p, buf, n);
	if (!ret)
		ret = kmod_parser_finish(p, out);
	if (ret)
		*err = p->err;
	free(p);
	return ret;
}

int kmod_parse(const char *buf, size_t n, struct tcpstat_counts *out,
	       struct parse_err *err)
{
	return kmod_parse_want(buf, n, KMOD_WANT_DATA, out, NULL, NULL, err);
}

static int kmod_feed_cb(void *ctx, const char *buf, size_t n)
{
	return kmod_parser_feed(ctx, buf, n);
}

int kmod_read_want(const char *path, char *buf, size_t bufsize, unsigned want,
		   struct tcpstat_counts *out, struct port_list *ports,
		   struct netns_list *netns, struct tcpstat_err *e, int *sys_err)
{
	struct kmod_parser *p = malloc(sizeof(*p));
	int ret;

	*sys_err = 0;
	if (!p) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	kmod_parser_init_want(p, want, ports, netns);
	ret = read_file_chunks(path, buf, bufsize, kmod_feed_cb, p);
	if (ret > 0) {
		*sys_err = ret;
		tcpstat_err_set(e, "%s: %s", path, readfile_strerror(ret));
		free(p);
		return -1;
	}
	if (!ret)
		ret = kmod_parser_finish(p, out);
	if (ret)
		tcpstat_err_set(e, "%s:%lu: %s", path, p->err.line, p->err.what);
	free(p);
	return ret ? -1 : 0;
}

static const char MODLOAD_HINT[] = "is the tcpstat module loaded? try: modprobe tcpstat";

int kmod_read(const char *path, char *buf, size_t bufsize,
	      struct tcpstat_counts *out, struct tcpstat_err *e, bool *missing)
{
	int sys_err;
	int ret = kmod_read_want(path, buf, bufsize, KMOD_WANT_DATA, out, NULL, NULL,
				 e, &sys_err);

	*missing = sys_err == ENOENT;
	if (ret && sys_err == ENOENT)
		tcpstat_err_set(e, "%s: %s (%s)", path, strerror(ENOENT), MODLOAD_HINT);
	return ret;
}

/* ---- the backend: the module's file of the mode ---- */

static enum backend_avail kmod_probe(struct source *s, struct tcpstat_err *why)
{
	static const char *const file[] = {
		[SOURCE_COUNTS] = TCPSTAT_DATA_FILE,
		[SOURCE_PORTS] = TCPSTAT_PORTS_FILE,
		[SOURCE_ALL_NETNS] = TCPSTAT_NETNS_FILE,
	};
	char data[PATH_MAX];

	snprintf(s->path, sizeof(s->path), "%s/net/%s", s->proc, file[s->mode]);
	if (access(s->path, F_OK) == 0 || errno != ENOENT)
		return BACKEND_AVAILABLE; /* a read tells what else is wrong */
	switch (s->mode) {
	case SOURCE_PORTS:
		snprintf(data, sizeof(data), "%s/net/%s", s->proc, TCPSTAT_DATA_FILE);
		if (access(data, F_OK) == 0) {
			tcpstat_err_set(why, "%s: %s (the loaded tcpstat module has no per-port view; --ports needs a newer one)",
					s->path, strerror(ENOENT));
			break;
		}
		/* fall through */
	case SOURCE_COUNTS:
		tcpstat_err_set(why, "%s: %s (%s)", s->path, strerror(ENOENT), MODLOAD_HINT);
		break;
	case SOURCE_ALL_NETNS:
		tcpstat_err_set(why, "%s: %s (--all-netns with the kmod backend needs the tcpstat module, and runs in the initial network namespace)",
				s->path, strerror(ENOENT));
		break;
	}
	return BACKEND_ABSENT;
}

/* After a failed read: the hint for a missing file, as the probe gives it. */
static int kmod_failed(struct source *s, int sys_err, struct tcpstat_err *e)
{
	if (sys_err == ENOENT)
		kmod_probe(s, e);
	return -1;
}

static int kmod_counts(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	bool missing;

	return kmod_read(s->path, s->buf, KMOD_READ_SIZE, c, e, &missing);
}

static int kmod_ports(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	int sys_err;

	if (kmod_read_want(s->path, s->buf, KMOD_READ_SIZE, KMOD_WANT_PORTS, &out->c,
			   &out->ports, NULL, e, &sys_err))
		return kmod_failed(s, sys_err, e);
	port_list_filter(&out->ports, s->filter);
	return 0;
}

static int kmod_all_netns(struct source *s, struct netns_list *out, struct tcpstat_err *e)
{
	int sys_err;

	if (!kmod_read_want(s->path, s->buf, KMOD_READ_SIZE, KMOD_WANT_NETNS, NULL, NULL,
			    out, e, &sys_err))
		return 0;
	if (sys_err == EACCES || sys_err == EPERM)
		tcpstat_err_set(e, "%s: %s (--all-netns reads a file only root can read: run as root)",
				s->path, strerror(sys_err));
	return kmod_failed(s, sys_err, e);
}

const struct backend_ops kmod_backend = {
	.name = "kmod",
	.probe = kmod_probe,
	.counts = kmod_counts,
	.ports = kmod_ports,
	.all_netns = kmod_all_netns,
};
