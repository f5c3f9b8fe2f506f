// SPDX-License-Identifier: GPL-2.0
/* format.c - JSON (json-c), Prometheus and Influx writers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A JSON null: a value that exists but is not known. */
static int json_add_null(struct json_object *obj, const char *key)
{
	return json_object_object_add(obj, key, NULL) ? -1 : 0;
}

static int json_add_states(struct json_object *o, const uint64_t v[TCPSTAT_NSTATES])
{
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (json_add(o, tcpstat_state_upper[s], json_object_new_uint64(v[s])))
			return -1;
	}
	return 0;
}

static struct json_object *json_states(const uint64_t v[TCPSTAT_NSTATES])
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_add_states(o, v)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The totals of both families, then with --family each family. */
static int json_counts(struct json_object *o, const struct format_opts *opts,
		       const struct tcpstat_counts *c)
{
	uint64_t total[TCPSTAT_NSTATES];

	for (int s = 0; s < TCPSTAT_NSTATES; s++)
		total[s] = tcpstat_total(c, s);
	if (json_add_states(o, total))
		return -1;
	if (opts->family) {
		for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
			if (json_add(o, tcpstat_family_name[f], json_states(c->n[f])))
				return -1;
		}
	}
	return 0;
}

/* "counters": {"active_opens": N, ...} (snake_case, without "_total") */
static int json_counters(struct json_object *o, const struct tcp_counters *c)
{
	struct json_object *co = json_object_new_object();

	if (json_add(o, "counters", co))
		return -1;
	for (int i = 0; i < TCPC_NCOUNTERS; i++) {
		if (json_add(co, tcp_counter_desc[i].json, json_object_new_uint64(c->v[i])))
			return -1;
	}
	return 0;
}

/* A namespace's container identity: each key that is known. */
static int json_identity(struct json_object *o, const struct cgroup_id *id)
{
	const char *key[CGID_LABELS], *val[CGID_LABELS];
	size_t n = cgid_labels(id, key, val);

	for (size_t i = 0; i < n; i++) {
		if (json_add(o, key[i], json_object_new_string(val[i])))
			return -1;
	}
	return 0;
}

static struct json_object *json_port(const struct port_row *r, bool backlog_known)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_add(o, "port", json_object_new_uint64(r->port)) ||
	    json_add(o, "listeners", json_object_new_uint64(r->listeners)) ||
	    json_add(o, "accept_queue", json_object_new_uint64(r->accept_queue)))
		goto err;
	if (backlog_known) {
		if (json_add(o, "backlog", json_object_new_uint64(r->backlog)) ||
		    json_add(o, "fullest_queue", json_object_new_uint64(r->fullest_queue)) ||
		    json_add(o, "fullest_backlog", json_object_new_uint64(r->fullest_backlog)) ||
		    json_add(o, "saturated", json_object_new_boolean(port_row_saturated(r))))
			goto err;
	} else if (json_add_null(o, "backlog") || json_add_null(o, "fullest_queue") ||
		   json_add_null(o, "fullest_backlog") || json_add_null(o, "saturated")) {
		goto err;
	}
	if (json_add(o, "states", json_states(r->n)))
		goto err;
	return o;
err:
	json_object_put(o);
	return NULL;
}

static int json_ports(struct json_object *root, const struct port_list *l)
{
	struct json_object *a = json_object_new_array();

	if (json_add(root, "ports", a))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct json_object *p = json_port(&l->row[i], l->backlog_known);

		if (!p)
			return -1;
		if (json_object_array_add(a, p)) {
			json_object_put(p);
			return -1;
		}
	}
	return 0;
}

static int json_netns(struct json_object *root, const struct format_opts *o,
		      const struct netns_list *l)
{
	struct json_object *a = json_object_new_array();

	if (json_add(root, "netns", a))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct netns_row *r = &l->row[i];
		struct json_object *e = json_object_new_object();

		if (!e)
			return -1;
		if (json_object_array_add(a, e)) {
			json_object_put(e);
			return -1;
		}
		if (json_add(e, "inode", json_object_new_uint64(r->inode)) ||
		    (r->name && json_add(e, "name", json_object_new_string(r->name))) ||
		    json_identity(e, r->id) || json_counts(e, o, &r->c) ||
		    (r->has_counters && json_counters(e, &r->counters)))
			return -1;
	}
	return 0;
}

static int json_meta(struct json_object *root, const struct format_opts *o,
		     const struct timespec *now)
{
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

static double seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}

static const char *backend_of(const struct sample *smp)
{
	return smp->backend ? smp->backend : "none";
}

/* "up", "sample_duration_seconds", "build_info": {"version", "backend"} */
static int json_self(struct json_object *root, const struct format_opts *o,
		     const struct sample *smp)
{
	struct json_object *bi;
	char d[DOUBLE_LEN];

	format_double(d, seconds(smp->duration_ns));
	if (json_add(root, "up", json_object_new_int(smp->failed ? 0 : 1)) ||
	    json_add(root, "sample_duration_seconds",
		     json_object_new_double_s(seconds(smp->duration_ns), d)))
		return -1;
	bi = json_object_new_object();
	if (json_add(root, "build_info", bi) ||
	    json_add(bi, "version", json_object_new_string(o->version ? o->version : "")) ||
	    json_add(bi, "backend", json_object_new_string(backend_of(smp))))
		return -1;
	return 0;
}

static int json_sample(struct json_object *root, const struct format_opts *o,
		       const struct sample *smp, const struct timespec *now)
{
	if (smp->failed) {
		/* no counts: a failed sample is never an old number */
	} else if (o->all_netns) {
		if (json_netns(root, o, &smp->netns))
			return -1;
	} else {
		if (json_counts(root, o, &smp->c))
			return -1;
		if (smp->has_counters && json_counters(root, &smp->counters))
			return -1;
		if (o->ports && json_ports(root, &smp->ports))
			return -1;
	}
	if (json_self(root, o, smp))
		return -1;
	return json_meta(root, o, now);
}

static int format_json(struct strbuf *sb, const struct format_opts *o,
		       const struct sample *smp, const struct timespec *now)
{
	struct json_object *root = json_object_new_object();
	const char *s;
	int ret = -1;

	if (!root)
		return -1;
	if (json_sample(root, o, smp, now))
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

void format_double(char buf[DOUBLE_LEN], double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, DOUBLE_LEN, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

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

/* The host label (--meta or a host tag) and the tags, then the value. */
static int prom_end(struct strbuf *sb, const struct format_opts *o, const char *value)
{
	bool from_tag;
	const char *host = host_of(o, &from_tag);

	if ((o->meta || from_tag) && prom_label(sb, "host", host))
		return -1;
	for (size_t i = 0; i < o->ntags; i++) {
		if (strcmp(o->tags[i].key, "host") &&
		    prom_label(sb, o->tags[i].key, o->tags[i].value))
			return -1;
	}
	return sb_printf(sb, "} %s\n", value);
}

static int prom_end_u64(struct strbuf *sb, const struct format_opts *o, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return prom_end(sb, o, num);
}

/*
 * A namespace's labels: netns, netns_name (always, empty when unknown:
 * the same labels on every sample), then its container's, where known.
 */
static int prom_ns_labels(struct strbuf *sb, const struct netns_row *ns)
{
	const char *key[CGID_LABELS], *val[CGID_LABELS];
	size_t n = cgid_labels(ns->id, key, val);

	if (sb_printf(sb, "netns=\"%" PRIu64 "\"", ns->inode) ||
	    prom_label(sb, "netns_name", ns->name ? ns->name : ""))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (prom_label(sb, key[i], val[i]))
			return -1;
	}
	return 0;
}

static int prom_family_counts(struct strbuf *sb, const struct format_opts *o,
			      const struct tcpstat_counts *c, const struct netns_row *ns)
{
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		for (int s = 0; s < TCPSTAT_NSTATES; s++) {
			if (sb_puts(sb, "tcpstat_connections{"))
				return -1;
			if (ns && (prom_ns_labels(sb, ns) || sb_add(sb, ",", 1)))
				return -1;
			if (sb_printf(sb, "family=\"%s\",state=\"%s\"",
				      tcpstat_family_name[f], tcpstat_state_lower[s]) ||
			    prom_end_u64(sb, o, c->n[f][s]))
				return -1;
		}
	}
	return 0;
}

/* One gauge per port: "NAME{port="P"" and the rest. */
static int prom_port_gauge(struct strbuf *sb, const struct format_opts *o,
			   const struct port_list *l, const char *name, const char *help,
			   int (*value)(struct strbuf *, const struct format_opts *,
					const struct port_row *))
{
	if (sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		if (sb_printf(sb, "%s{port=\"%" PRIu32 "\"", name, l->row[i].port) ||
		    value(sb, o, &l->row[i]))
			return -1;
	}
	return 0;
}

static int pv_listeners(struct strbuf *sb, const struct format_opts *o, const struct port_row *r)
{
	return prom_end_u64(sb, o, r->listeners);
}

static int pv_queue(struct strbuf *sb, const struct format_opts *o, const struct port_row *r)
{
	return prom_end_u64(sb, o, r->accept_queue);
}

static int pv_backlog(struct strbuf *sb, const struct format_opts *o, const struct port_row *r)
{
	return prom_end_u64(sb, o, r->backlog);
}

static int pv_ratio(struct strbuf *sb, const struct format_opts *o, const struct port_row *r)
{
	char num[DOUBLE_LEN];

	format_double(num, (double)r->fullest_queue /
			   (double)(r->fullest_backlog ? r->fullest_backlog : 1));
	return prom_end(sb, o, num);
}

static int prom_ports(struct strbuf *sb, const struct format_opts *o,
		      const struct port_list *l)
{
	if (!l->n)
		return 0; /* no listening port: no sample, no family */
	if (sb_puts(sb, "# HELP tcpstat_port_connections TCP sockets whose local port is a listening port, by state (its listeners included).\n"
		    "# TYPE tcpstat_port_connections gauge\n"))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		for (int s = 0; s < TCPSTAT_NSTATES; s++) {
			if (sb_printf(sb, "tcpstat_port_connections{port=\"%" PRIu32 "\",state=\"%s\"",
				      l->row[i].port, tcpstat_state_lower[s]) ||
			    prom_end_u64(sb, o, l->row[i].n[s]))
				return -1;
		}
	}
	if (prom_port_gauge(sb, o, l, "tcpstat_listeners",
			    "Listening sockets on the port (IPv4 and IPv6, every SO_REUSEPORT member).",
			    pv_listeners) ||
	    prom_port_gauge(sb, o, l, "tcpstat_listen_queue",
			    "Connections waiting to be accepted on the port: the sum of its listeners' accept queues.",
			    pv_queue))
		return -1;
	if (!l->backlog_known)
		return 0; /* procfs: /proc/net/tcp does not show the limits */
	if (prom_port_gauge(sb, o, l, "tcpstat_listen_backlog",
			    "Accept queue limits (listen backlog) of the port's listeners, summed.",
			    pv_backlog) ||
	    prom_port_gauge(sb, o, l, "tcpstat_listen_queue_fullest_ratio",
			    "Accept queue length over max(limit, 1) of the port's fullest listener; the kernel drops new connections to a listener whose queue is longer than its limit.",
			    pv_ratio))
		return -1;
	return 0;
}

/* NAME, with the host and tag labels if any, and @value. */
static int prom_plain(struct strbuf *sb, const struct format_opts *o, const char *name,
		      const char *value)
{
	size_t open;

	if (sb_printf(sb, "%s{", name))
		return -1;
	open = sb->len;
	if (prom_end(sb, o, value))
		return -1;
	/* prom_end() wrote ",label=..." or nothing before the "}" */
	if (sb->data[open] == ',') {
		memmove(sb->data + open, sb->data + open + 1, sb->len - open);
		sb->len--;
	} else {
		memmove(sb->data + open - 1, sb->data + open + 1, sb->len - open);
		sb->len -= 2;
	}
	return 0;
}

static int prom_self(struct strbuf *sb, const struct format_opts *o,
		     const struct sample *smp)
{
	char d[DOUBLE_LEN];

	format_double(d, seconds(smp->duration_ns));
	if (sb_puts(sb, "# HELP tcpstat_up 1 if this sample was read from the source, 0 if the source failed (the sample then has no counts).\n"
		    "# TYPE tcpstat_up gauge\n") ||
	    prom_plain(sb, o, "tcpstat_up", smp->failed ? "0" : "1") ||
	    sb_puts(sb, "# HELP tcpstat_sample_duration_seconds How long reading this sample from the source took.\n"
		    "# TYPE tcpstat_sample_duration_seconds gauge\n") ||
	    prom_plain(sb, o, "tcpstat_sample_duration_seconds", d) ||
	    sb_puts(sb, "# HELP tcpstat_build_info The version of tcpstat and the backend that answered (always 1).\n"
		    "# TYPE tcpstat_build_info gauge\n"
		    "tcpstat_build_info{version=\"") ||
	    prom_value(sb, o->version ? o->version : "") ||
	    sb_puts(sb, "\",backend=\"") || prom_value(sb, backend_of(smp)) ||
	    sb_puts(sb, "\"") || prom_end(sb, o, "1"))
		return -1;
	return 0;
}

/*
 * --counters: one counter family each, every namespace's sample in it.
 * OpenMetrics names the family without "_total"; the 0.0.4 text format
 * names it as its sample.
 */
static int prom_counters(struct strbuf *sb, const struct format_opts *o,
			 const struct sample *smp)
{
	for (int i = 0; i < TCPC_NCOUNTERS; i++) {
		const char *name = tcp_counter_desc[i].prom;
		int flen = (int)strlen(name) - (o->openmetrics ? (int)strlen("_total") : 0);
		bool any = !o->all_netns && smp->has_counters;

		for (size_t n = 0; o->all_netns && n < smp->netns.n; n++)
			any |= smp->netns.row[n].has_counters;
		if (!any)
			continue; /* no sample, no family */
		if (sb_printf(sb, "# HELP %.*s %s\n# TYPE %.*s counter\n", flen, name,
			      tcp_counter_desc[i].help, flen, name))
			return -1;
		if (!o->all_netns) {
			char num[24];

			snprintf(num, sizeof(num), "%" PRIu64, smp->counters.v[i]);
			if (prom_plain(sb, o, name, num))
				return -1;
			continue;
		}
		for (size_t n = 0; n < smp->netns.n; n++) {
			const struct netns_row *r = &smp->netns.row[n];

			if (!r->has_counters)
				continue;
			if (sb_printf(sb, "%s{", name) || prom_ns_labels(sb, r) ||
			    prom_end_u64(sb, o, r->counters.v[i]))
				return -1;
		}
	}
	return 0;
}

static int prom_counts(struct strbuf *sb, const struct format_opts *o,
		       const struct sample *smp)
{
	if (o->all_netns) {
		if (!smp->netns.n)
			return 0; /* no namespace with sockets: no sample, no family */
		if (sb_puts(sb, "# HELP tcpstat_connections TCP connections by network namespace, address family and state.\n"
			    "# TYPE tcpstat_connections gauge\n"))
			return -1;
		for (size_t i = 0; i < smp->netns.n; i++) {
			if (prom_family_counts(sb, o, &smp->netns.row[i].c, &smp->netns.row[i]))
				return -1;
		}
		return prom_counters(sb, o, smp);
	}
	if (sb_puts(sb, "# HELP tcpstat_connections TCP connections by address family and state.\n"
		    "# TYPE tcpstat_connections gauge\n") ||
	    prom_family_counts(sb, o, &smp->c, NULL) || prom_counters(sb, o, smp))
		return -1;
	if (o->ports && prom_ports(sb, o, &smp->ports))
		return -1;
	return 0;
}

static int format_prometheus(struct strbuf *sb, const struct format_opts *o,
			     const struct sample *smp)
{
	if ((!smp->failed && prom_counts(sb, o, smp)) || prom_self(sb, o, smp))
		return -1;
	/* OpenMetrics' end marker, a comment to the 0.0.4 parser */
	if (o->eof && sb_puts(sb, "# EOF\n"))
		return -1;
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

/* The host tag and the --tag tags. */
static int influx_tags(struct strbuf *sb, const struct format_opts *o)
{
	bool from_tag;
	const char *host = host_of(o, &from_tag);

	/* a tag value may not be empty in line protocol */
	if (*host && influx_tag(sb, "host", host))
		return -1;
	for (size_t i = 0; i < o->ntags; i++) {
		if (strcmp(o->tags[i].key, "host") &&
		    influx_tag(sb, o->tags[i].key, o->tags[i].value))
			return -1;
	}
	return 0;
}

static int influx_states(struct strbuf *sb, const uint64_t n[TCPSTAT_NSTATES], char first)
{
	for (int s = 0; s < TCPSTAT_NSTATES; s++) {
		if (sb_printf(sb, "%c%s=%" PRIu64 "i", s ? ',' : first,
			      tcpstat_state_lower[s], n[s]))
			return -1;
	}
	return 0;
}

/* A namespace's tags: netns, and netns_name and its container's where known. */
static int influx_ns_tags(struct strbuf *sb, const struct netns_row *ns)
{
	const char *key[CGID_LABELS], *val[CGID_LABELS];
	size_t n = cgid_labels(ns->id, key, val);
	char inode[24];

	snprintf(inode, sizeof(inode), "%" PRIu64, ns->inode);
	if (influx_tag(sb, "netns", inode) ||
	    (ns->name && influx_tag(sb, "netns_name", ns->name)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (influx_tag(sb, key[i], val[i]))
			return -1;
	}
	return 0;
}

static int influx_families(struct strbuf *sb, const struct format_opts *o,
			   const struct tcpstat_counts *c, const struct netns_row *ns,
			   long long ns_time)
{
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		if (sb_puts(sb, "tcpstat"))
			return -1;
		if (ns && influx_ns_tags(sb, ns))
			return -1;
		if (influx_tag(sb, "family", tcpstat_family_name[f]) ||
		    influx_tags(sb, o) || influx_states(sb, c->n[f], ' ') ||
		    sb_printf(sb, " %lld\n", ns_time))
			return -1;
	}
	return 0;
}

/* tcpstat_counters[,netns...],host=H active_opens=1i,... <ns> */
static int influx_counters(struct strbuf *sb, const struct format_opts *o,
			   const struct tcp_counters *c, const struct netns_row *ns,
			   long long ns_time)
{
	if (sb_puts(sb, "tcpstat_counters") || (ns && influx_ns_tags(sb, ns)) ||
	    influx_tags(sb, o))
		return -1;
	for (int i = 0; i < TCPC_NCOUNTERS; i++) {
		if (sb_printf(sb, "%c%s=%" PRIu64 "i", i ? ',' : ' ',
			      tcp_counter_desc[i].json, c->v[i]))
			return -1;
	}
	return sb_printf(sb, " %lld\n", ns_time);
}

static int influx_ports(struct strbuf *sb, const struct format_opts *o,
			const struct port_list *l, long long ns_time)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct port_row *r = &l->row[i];
		char port[12];

		snprintf(port, sizeof(port), "%" PRIu32, r->port);
		if (sb_puts(sb, "tcpstat_port") || influx_tag(sb, "port", port) ||
		    influx_tags(sb, o) ||
		    sb_printf(sb, " listeners=%" PRIu64 "i,accept_queue=%" PRIu64 "i",
			      r->listeners, r->accept_queue))
			return -1;
		if (l->backlog_known &&
		    sb_printf(sb, ",backlog=%" PRIu64 "i,fullest_queue=%" PRIu64
			      "i,fullest_backlog=%" PRIu64 "i",
			      r->backlog, r->fullest_queue, r->fullest_backlog))
			return -1;
		if (influx_states(sb, r->n, ',') || sb_printf(sb, " %lld\n", ns_time))
			return -1;
	}
	return 0;
}

/* tcpstat_sample,backend=B,version=V,host=H up=1i,duration_seconds=D <ns> */
static int influx_self(struct strbuf *sb, const struct format_opts *o,
		       const struct sample *smp, long long ns_time)
{
	char d[DOUBLE_LEN];

	format_double(d, seconds(smp->duration_ns));
	if (sb_puts(sb, "tcpstat_sample") ||
	    influx_tag(sb, "backend", backend_of(smp)) ||
	    (o->version && *o->version && influx_tag(sb, "version", o->version)) ||
	    influx_tags(sb, o) ||
	    sb_printf(sb, " up=%di,duration_seconds=%s %lld\n", smp->failed ? 0 : 1, d, ns_time))
		return -1;
	return 0;
}

static int influx_counts(struct strbuf *sb, const struct format_opts *o,
			 const struct sample *smp, long long ns)
{
	if (o->all_netns) {
		for (size_t i = 0; i < smp->netns.n; i++) {
			const struct netns_row *r = &smp->netns.row[i];

			if (influx_families(sb, o, &r->c, r, ns) ||
			    (r->has_counters && influx_counters(sb, o, &r->counters, r, ns)))
				return -1;
		}
		return 0;
	}
	if (influx_families(sb, o, &smp->c, NULL, ns) ||
	    (smp->has_counters && influx_counters(sb, o, &smp->counters, NULL, ns)))
		return -1;
	if (o->ports && influx_ports(sb, o, &smp->ports, ns))
		return -1;
	return 0;
}

static int format_influx(struct strbuf *sb, const struct format_opts *o,
			 const struct sample *smp, const struct timespec *now)
{
	long long ns = (long long)now->tv_sec * 1000000000LL + now->tv_nsec;

	if (!smp->failed && influx_counts(sb, o, smp, ns))
		return -1;
	return influx_self(sb, o, smp, ns);
}

int format_sample(struct strbuf *sb, const struct format_opts *o,
		  const struct sample *smp, const struct timespec *now)
{
	size_t start = sb->len;
	int ret;

	switch (o->format) {
	case TCPSTAT_FMT_PROMETHEUS:
		ret = format_prometheus(sb, o, smp);
		break;
	case TCPSTAT_FMT_INFLUX:
		ret = format_influx(sb, o, smp, now);
		break;
	default:
		ret = format_json(sb, o, smp, now);
		break;
	}
	if (ret) { /* never leave half a sample */
		sb->len = start;
		if (sb->data)
			sb->data[start] = '\0';
	}
	return ret;
}
