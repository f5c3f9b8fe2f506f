// SPDX-License-Identifier: GPL-2.0
/* args.c - command-line value checks, kept apart from main() for tests. */
#include <stdio.h>
#include <string.h>

#include "args.h"

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

bool utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s, need, min, cp;

		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1, min = 0x80, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, min = 0x800, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return false;
		}
		s++;
		for (unsigned i = 0; i < need; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
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
	if (strchr(tag->value, '\n')) {
		snprintf(why, whylen, "value contains a newline");
		return -1;
	}
	if (!utf8_valid(tag->value)) {
		snprintf(why, whylen, "value is not valid UTF-8");
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
