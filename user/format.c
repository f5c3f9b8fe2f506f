// SPDX-License-Identifier: GPL-2.0
/* format.c - JSON (json-c), Prometheus and Influx writers. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "format.h"

int format_rfc3339(char buf[RFC3339_LEN], const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	if (!gmtime_r(&t, &tm))
		return -1;
	if (snprintf(buf, RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000) >= RFC3339_LEN)
		return -1;
	return 0;
}

/* A "host" tag, if given, names the host instead of gethostname(). */
static const char *host_of(const struct format_opts *o, bool *from_tag)
{
	for (size_t i = 0; i < o->ntags; i++) {
		if (strcmp(o->tags[i].key, "host") == 0) {
			*from_tag = true;
			return o->tags[i].value;
		}
	}
	*from_tag = false;
	return o->host ? o->host : "";
}

/* ---- JSON, the ndctl way: check every allocation, add consumes ---- */

static int json_add(struct json_object *obj, const char *key,
		    struct json_object *val)
{
	if (!val)
		return -1;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

static struct json_object *json_states(const uint64_t v[TCPSTAT_NSTATES])
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (json_add(o, tcpstat_state_upper[s], json_object_new_uint64(v[s]))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static int json_sample(struct json_object *root, const struct format_opts *o,
		       const struct tcpstat_counts *c, const struct timespec *now)
{
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (json_add(root, tcpstat_state_upper[s],
			     json_object_new_uint64(tcpstat_total(c, s))))
			return -1;
	}
	if (o->family) {
		for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
			if (json_add(root, tcpstat_family_name[f], json_states(c->n[f])))
				return -1;
		}
	}
	if (o->meta) {
		char ts[RFC3339_LEN];
		bool from_tag;
		const char *host = host_of(o, &from_tag);

		if (format_rfc3339(ts, now) ||
		    json_add(root, "timestamp", json_object_new_string(ts)) ||
		    json_add(root, "host", json_object_new_string(host)))
			return -1;
	}
	if (o->ntags) {
		struct json_object *tags = json_object_new_object();

		if (json_add(root, "tags", tags))
			return -1;
		for (size_t i = 0; i < o->ntags; i++) {
			if (json_add(tags, o->tags[i].key,
				     json_object_new_string(o->tags[i].value)))
				return -1;
		}
	}
	return 0;
}

static int format_json(struct strbuf *sb, const struct format_opts *o,
		       const struct tcpstat_counts *c, const struct timespec *now)
{
	struct json_object *root = json_object_new_object();
	const char *s;
	int ret = -1;

	if (!root)
		return -1;
	if (json_sample(root, o, c, now))
		goto out;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || sb_puts(sb, s) || sb_add(sb, "\n", 1))
		goto out;
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

/* ---- Prometheus text exposition format 0.0.4 ---- */

static int prom_value(struct strbuf *sb, const char *v)
{
	for (const char *p = v; *p; p++) {
		int r;

		switch (*p) {
		case '\\':
			r = sb_add(sb, "\\\\", 2);
			break;
		case '"':
			r = sb_add(sb, "\\\"", 2);
			break;
		case '\n':
			r = sb_add(sb, "\\n", 2);
			break;
		default:
			r = sb_add(sb, p, 1);
		}
		if (r)
			return -1;
	}
	return 0;
}

static int prom_label(struct strbuf *sb, const char *k, const char *v)
{
	if (sb_printf(sb, ",%s=\"", k) || prom_value(sb, v) || sb_add(sb, "\"", 1))
		return -1;
	return 0;
}

static int format_prometheus(struct strbuf *sb, const struct format_opts *o,
			     const struct tcpstat_counts *c)
{
	bool from_tag;
	const char *host = host_of(o, &from_tag);

	if (sb_puts(sb, "# HELP tcpstat_connections TCP connections by address family and state.\n"
		    "# TYPE tcpstat_connections gauge\n"))
		return -1;
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		for (int s = 0; s < TCPSTAT_NSTATES; s++) {
			if (sb_printf(sb, "tcpstat_connections{family=\"%s\",state=\"%s\"",
				      tcpstat_family_name[f], tcpstat_state_lower[s]))
				return -1;
			if ((o->meta || from_tag) && prom_label(sb, "host", host))
				return -1;
			for (size_t i = 0; i < o->ntags; i++) {
				if (strcmp(o->tags[i].key, "host") &&
				    prom_label(sb, o->tags[i].key, o->tags[i].value))
					return -1;
			}
			if (sb_printf(sb, "} %" PRIu64 "\n", c->n[f][s]))
				return -1;
		}
	}
	return 0;
}

/* ---- Influx line protocol ---- */

/* Tag keys and values: escape comma, equals sign, space (and backslash). */
static int influx_escape(struct strbuf *sb, const char *v)
{
	for (const char *p = v; *p; p++) {
		if ((*p == ',' || *p == '=' || *p == ' ' || *p == '\\') &&
		    sb_add(sb, "\\", 1))
			return -1;
		if (sb_add(sb, p, 1))
			return -1;
	}
	return 0;
}

static int influx_tag(struct strbuf *sb, const char *k, const char *v)
{
	if (sb_add(sb, ",", 1) || influx_escape(sb, k) || sb_add(sb, "=", 1) ||
	    influx_escape(sb, v))
		return -1;
	return 0;
}

static int format_influx(struct strbuf *sb, const struct format_opts *o,
			 const struct tcpstat_counts *c, const struct timespec *now)
{
	bool from_tag;
	const char *host = host_of(o, &from_tag);
	long long ns = (long long)now->tv_sec * 1000000000LL + now->tv_nsec;

	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		if (sb_puts(sb, "tcpstat") ||
		    influx_tag(sb, "family", tcpstat_family_name[f]))
			return -1;
		/* a tag value may not be empty in line protocol */
		if (*host && influx_tag(sb, "host", host))
			return -1;
		for (size_t i = 0; i < o->ntags; i++) {
			if (strcmp(o->tags[i].key, "host") &&
			    influx_tag(sb, o->tags[i].key, o->tags[i].value))
				return -1;
		}
		for (int s = 0; s < TCPSTAT_NSTATES; s++) {
			if (sb_printf(sb, "%c%s=%" PRIu64 "i", s ? ',' : ' ',
				      tcpstat_state_lower[s], c->n[f][s]))
				return -1;
		}
		if (sb_printf(sb, " %lld\n", ns))
			return -1;
	}
	return 0;
}

int format_sample(struct strbuf *sb, const struct format_opts *o,
		  const struct tcpstat_counts *c, const struct timespec *now)
{
	size_t start = sb->len;
	int ret;

	switch (o->format) {
	case TCPSTAT_FMT_PROMETHEUS:
		ret = format_prometheus(sb, o, c);
		break;
	case TCPSTAT_FMT_INFLUX:
		ret = format_influx(sb, o, c, now);
		break;
	default:
		ret = format_json(sb, o, c, now);
		break;
	}
	if (ret) { /* never leave half a sample */
		sb->len = start;
		if (sb->data)
			sb->data[start] = '\0';
	}
	return ret;
}
