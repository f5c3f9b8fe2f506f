// SPDX-License-Identifier: GPL-2.0
/*
 * src_kmod.c - parse the module's machine file strictly:
 *
 *   tcpstat 1 <module version>
 *   states family ESTABLISHED SYN_SENT ... CLOSING
 *   states ipv4 <11 counts>
 *   states ipv6 <11 counts>
 *   end
 *
 * Fields are separated by exactly one space. Count columns are mapped by
 * the header's names. Sections this reader does not know are skipped
 * after checking that every row has as many fields as their header.
 */
#include <errno.h>
#include <string.h>

#include "readfile.h"
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

static int states_header(struct kmod_parser *p, struct fit *it, size_t n,
			 unsigned long ln)
{
	char q[QUOTE_BUF];
	const char *tok;
	size_t tlen;
	unsigned seen = 0;

	if (p->states_seen)
		return parse_err_set(&p->err, ln, "duplicate \"%s\" section",
				     TCPSTAT_SECTION_STATES);
	p->states_seen = true;
	p->in_states = true;
	if (n < 2 || (fit_next(it, &tok, &tlen), !tok_is(tok, tlen, "family")))
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

static int end_line(struct kmod_parser *p, size_t n, unsigned long ln)
{
	if (n != 1)
		return parse_err_set(&p->err, ln, "\"%s\" line has %zu fields, expected 1",
				     TCPSTAT_END, n);
	if (!p->states_seen)
		return parse_err_set(&p->err, ln, "missing \"%s\" section",
				     TCPSTAT_SECTION_STATES);
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		if (!p->row_seen[f])
			return parse_err_set(&p->err, ln, "missing states row %s",
					     tcpstat_family_name[f]);
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
		if (p->in_states)
			return states_row(p, &it, n, ln);
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
	if (nlen >= sizeof(p->section))
		return parse_err_set(&p->err, ln, "section name %s longer than %zu bytes",
				     quote_token(q, sizeof(q), name, nlen),
				     sizeof(p->section) - 1);
	memcpy(p->section, name, nlen);
	p->section_len = nlen;
	p->section_fields = n;
	p->in_states = false;
	if (tok_is(name, nlen, TCPSTAT_SECTION_STATES))
		return states_header(p, &it, n, ln);
	return 0;
}

void kmod_parser_init(struct kmod_parser *p)
{
	memset(p, 0, offsetof(struct kmod_parser, lines));
	p->stage = KMOD_STAGE_MAGIC;
	lines_init(&p->lines, KMOD_LINE_MAX, body_line, p, &p->err);
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
	*out = p->counts;
	return 0;
}

int kmod_parse(const char *buf, size_t n, struct tcpstat_counts *out,
	       struct parse_err *err)
{
	struct kmod_parser p;
	int ret;

	kmod_parser_init(&p);
	ret = kmod_parser_feed(&p, buf, n);
	if (!ret)
		ret = kmod_parser_finish(&p, out);
	if (ret)
		*err = p.err;
	return ret;
}

static int kmod_feed_cb(void *ctx, const char *buf, size_t n)
{
	return kmod_parser_feed(ctx, buf, n);
}

int kmod_read(const char *path, char *buf, size_t bufsize,
	      struct tcpstat_counts *out, struct tcpstat_err *e, bool *missing)
{
	struct kmod_parser p;
	int ret;

	*missing = false;
	kmod_parser_init(&p);
	ret = read_file_chunks(path, buf, bufsize, kmod_feed_cb, &p);
	if (ret > 0) {
		*missing = ret == ENOENT;
		tcpstat_err_set(e, "%s: %s%s", path, strerror(ret),
				ret == ENOENT ? " (is the tcpstat module loaded? try: modprobe tcpstat)" : "");
		return -1;
	}
	if (!ret)
		ret = kmod_parser_finish(&p, out);
	if (ret) {
		tcpstat_err_set(e, "%s:%lu: %s", path, p.err.line, p.err.what);
		return -1;
	}
	return 0;
}
