// SPDX-License-Identifier: GPL-2.0
/* args.c - command-line value checks, kept apart from main() for tests. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "err.h"

int parse_interval(const char *s, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	int ndig = 0, nfrac = 0;

	for (; *s >= '0' && *s <= '9'; s++, ndig++) {
		sec = sec * 10 + (uint64_t)(*s - '0');
		if (sec > INTERVAL_MAX_S)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac == 9)
				return -1; /* finer than a nanosecond */
			frac = frac * 10 + (uint64_t)(*s - '0');
		}
		if (!nfrac)
			return -1;
		for (int i = nfrac; i < 9; i++)
			frac *= 10;
	}
	if (*s || (!ndig && !nfrac))
		return -1;
	if ((!sec && !frac) || (sec == INTERVAL_MAX_S && frac))
		return -1;
	*ns = sec * 1000000000ULL + frac;
	return 0;
}

int parse_count(const char *s, uint64_t *n)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (!v)
		return -1;
	*n = v;
	return 0;
}

bool utf8_valid(const char *s)
{
	while (*s) {
		uint32_t cp;
		size_t n = utf8_next(s, &cp);

		if (!n)
			return false;
		s += n;
	}
	return true;
}

/* The first control character of @s (C0, DEL, C1), or 0. */
static uint32_t control_char(const char *s)
{
	while (*s) {
		uint32_t cp;
		size_t n = utf8_next(s, &cp);

		if (!n)
			return 0; /* not UTF-8: utf8_valid() says so */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return cp;
		s += n;
	}
	return 0;
}

bool text_printable(const char *s)
{
	return utf8_valid(s) && !control_char(s);
}

static bool is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool label_name_valid(const char *s)
{
	if (!is_alpha_(s[0]) || (s[0] == '_' && s[1] == '_'))
		return false;
	for (s++; *s; s++) {
		if (!is_alpha_(*s) && !(*s >= '0' && *s <= '9'))
			return false;
	}
	return true;
}

static int check_tag(const struct tcpstat_tag *tag, const struct tcpstat_tag *tags,
		     size_t ntags, char *why, size_t whylen)
{
	if (!label_name_valid(tag->key)) {
		snprintf(why, whylen,
			 "key must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
		return -1;
	}
	static const char *const reserved[] = {
		"family", "state", "port", "netns", "netns_name",
		"version", "backend",	/* tcpstat_build_info's labels */
		/* a namespace's container (--all-netns) */
		"container_id", "pod_uid", "runtime", "unit",
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (strcmp(tag->key, reserved[i]) == 0) {
			snprintf(why, whylen, "key \"%s\" is reserved", tag->key);
			return -1;
		}
	}
	for (size_t i = 0; i < ntags; i++) {
		if (strcmp(tags[i].key, tag->key) == 0) {
			snprintf(why, whylen, "duplicate key \"%s\"", tag->key);
			return -1;
		}
	}
	if (!*tag->value) {
		snprintf(why, whylen, "empty value");
		return -1;
	}
	if (!utf8_valid(tag->value)) {
		snprintf(why, whylen, "value is not valid UTF-8");
		return -1;
	}
	if (control_char(tag->value)) {
		snprintf(why, whylen, "value contains the control character U+%04X",
			 (unsigned)control_char(tag->value));
		return -1;
	}
	return 0;
}

int parse_tag(char *arg, struct tcpstat_tag *tag, const struct tcpstat_tag *tags,
	      size_t ntags, char *why, size_t whylen)
{
	char *eq = strchr(arg, '=');

	if (!eq) {
		snprintf(why, whylen, "expected KEY=VALUE");
		return -1;
	}
	*eq = '\0';
	tag->key = arg;
	tag->value = eq + 1;
	if (check_tag(tag, tags, ntags, why, whylen)) {
		*eq = '='; /* leave the argument as it was, for the message */
		return -1;
	}
	return 0;
}

int parse_port_list(const char *s, struct port_filter *f, char *bad, size_t badlen)
{
	struct port_filter add = { .active = false };

	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		uint32_t v = 0;
		size_t i;

		for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			v = v * 10 + (uint32_t)(s[i] - '0');
			if (v >= TCPSTAT_NPORTS)
				break;
		}
		if (!len || i != len || v == 0) {
			snprintf(bad, badlen, "%.*s", (int)(len > 64 ? 64 : len), s);
			return -1;
		}
		port_filter_set(&add, v);
		if (!end)
			break;
		s = end + 1;
	}
	/* all or nothing: a bad item leaves @f as it was */
	for (size_t w = 0; w < TCPSTAT_NPORTS / 64; w++)
		f->bits[w] |= add.bits[w];
	f->active = true;
	return 0;
}

/* The long option whose val is @val, or NULL. */
static const struct option *option_by_val(const struct option *opts, int val)
{
	for (; opts->name; opts++) {
		if (opts->val == val)
			return opts;
	}
	return NULL;
}

void option_problem(const struct option *opts, int c, int opt, const char *arg,
		    char *msg, size_t len)
{
	const struct option *o = opt >= 256 ? option_by_val(opts, opt) : NULL;
	const char *name, *eq;
	size_t nlen, n = 0, cand = 0;

	if (c == ':') {
		if (o)
			snprintf(msg, len, "option '--%s' needs a value", o->name);
		else
			snprintf(msg, len, "option '-%c' needs a value", opt);
		return;
	}
	if (o) { /* "--ports=1" */
		snprintf(msg, len, "option '--%s' takes no value", o->name);
		return;
	}
	if (opt) {
		snprintf(msg, len, "unknown option '-%c'", opt);
		return;
	}
	if (strncmp(arg, "--", 2)) {
		snprintf(msg, len, "unknown option '%s'", arg);
		return;
	}
	name = arg + 2;
	eq = strchr(name, '=');
	nlen = eq ? (size_t)(eq - name) : strlen(name);
	for (const struct option *p = opts; p->name; p++)
		cand += nlen && strncmp(p->name, name, nlen) == 0;
	if (cand < 2) {
		snprintf(msg, len, "unknown option '%.*s'", (int)(nlen + 2), arg);
		return;
	}
	n = (size_t)snprintf(msg, len, "option '%.*s' is ambiguous (could be", (int)(nlen + 2), arg);
	for (const struct option *p = opts; p->name && n < len; p++) {
		if (strncmp(p->name, name, nlen))
			continue;
		n += (size_t)snprintf(msg + n, len - n, "%s --%s", --cand ? "" : " or",
				      p->name);
		if (cand > 1 && n < len)
			n += (size_t)snprintf(msg + n, len - n, ",");
	}
	if (n < len)
		snprintf(msg + n, len - n, ")");
}
