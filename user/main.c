// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat - report TCP connections per state as JSON/NDJSON, Prometheus
 * text exposition or Influx line protocol, from the tcpstat kernel module,
 * a BPF socket iterator, a sock_diag netlink dump or /proc/net/tcp{,6};
 * per listening port
 * (--ports) or for every network namespace (--all-netns); to stdout, a
 * file, an HTTP endpoint (--listen) or a collector (--push).
 *
 * main.c: options, the single sample, the interval loop and the endpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "counts.h"
#include "err.h"
#include "format.h"
#include "httpd.h"
#include "output.h"
#include "push.h"
#include "sdnotify.h"
#include "source.h"
#include "strbuf.h"

#ifndef TCPSTAT_VERSION
#error "build with -DTCPSTAT_VERSION=\"x.y.z\" (user/Makefile takes it from dkms.conf)"
#endif

#define NSEC_PER_SEC 1000000000ULL

struct options {
	struct format_opts fmt;
	struct tcpstat_tag *tags;
	bool stream;
	uint64_t interval_ns;
	uint64_t count;		/* 0: until stopped */
	const char *output;	/* NULL: stdout */
	const struct backend_ops *backend;	/* NULL: auto */
	const char *proc;
	const char *netns;
	const char *run_netns;	/* NULL: /run/netns */
	struct port_filter filter;	/* --port */
	bool format_set;	/* --format given */
	bool counters;		/* --counters */
	const char *listen;	/* --listen [ADDR:]PORT */
	struct httpd_addr listen_addr;
	const char *push;	/* --push URL */
	char push_shown[512];	/* the URL without credentials or query */
};

/* Once asked to stop, a stream is gone within this (a backstop: the
 * write gives up after OUT_STOP_GRACE_MS, a sample being read may not). */
#define STOP_HARD_MS 900
/* --listen: the answers begun get HTTPD_DRAIN_SECONDS, then this backstop. */
#define LISTEN_STOP_HARD_MS ((HTTPD_DRAIN_SECONDS + 2) * 1000)
/* A single sample with --push: how long it may take to deliver it (the
 * sender's PUSH_ATTEMPTS tries, each within PUSH_TIMEOUT_MS, and their
 * backoff); --count's last sample too. */
#define PUSH_LAST_WAIT_MS (PUSH_ATTEMPTS * (PUSH_TIMEOUT_MS + PUSH_BACKOFF_MAX_MS / 10))

static volatile sig_atomic_t stop;
static long stop_hard_ms = STOP_HARD_MS;
/* The deadline the stream sleeps to; the signal handler moves it to 0. */
static struct timespec sleep_until;
/* --listen: the server the signal handler stops. */
static struct httpd *volatile the_httpd;

/*
 * SIGALRM, STOP_HARD_MS after SIGINT/SIGTERM: whatever the stream is
 * blocked in (a netlink receive, a slow file), it ends now. An --output
 * file being written then is an unnamed one (O_TMPFILE), or one
 * output_cleanup() removes at the next start.
 */
static void on_alarm(int sig)
{
	(void)sig;
	_exit(TCPSTAT_EXIT_OK);
}

static void on_signal(int sig)
{
	(void)sig;
	if (!stop) {
		struct itimerval it = {
			.it_value = { .tv_sec = stop_hard_ms / 1000,
				      .tv_usec = stop_hard_ms % 1000 * 1000 },
		};

		setitimer(ITIMER_REAL, &it, NULL);
	}
	stop = 1;
	if (the_httpd)
		httpd_stop(the_httpd);
	/*
	 * If the signal lands after the loop checked `stop` but before
	 * clock_nanosleep() read its argument, a deadline in the past makes
	 * the sleep return at once instead of one interval later.
	 */
	sleep_until.tv_sec = 0;
	sleep_until.tv_nsec = 0;
}

static int usage(struct strbuf *sb)
{
	return sb_printf(sb,
"Usage: tcpstat [OPTION]...\n"
"Report the number of TCP sockets in each state (IPv4 and IPv6).\n"
"\n"
"Output:\n"
"  --format FMT        json (default), prometheus or influx\n"
"  --family            json: add \"ipv4\" and \"ipv6\" objects (prometheus and\n"
"                      influx always split by family; --family changes nothing)\n"
"  --meta              add the time and host name (json: \"timestamp\", \"host\";\n"
"                      prometheus: a host label; influx always has a host tag)\n"
"  --tag KEY=VALUE     add a tag (json: \"tags\" object; prometheus: a label;\n"
"                      influx: a tag). Repeatable. KEY: [a-zA-Z_][a-zA-Z0-9_]*,\n"
"                      not starting with __, not family, state, port, netns,\n"
"                      netns_name, version, backend, container_id, pod_uid,\n"
"                      runtime or unit; host=NAME replaces the system host\n"
"                      name. VALUE: non-empty UTF-8 without control\n"
"                      characters (tab, newline, ...)\n"
"  --interval SECONDS  sample every SECONDS (decimal, > 0, <= %d) until\n"
"                      SIGINT/SIGTERM: NDJSON for json, one exposition (each\n"
"                      ending with \"# EOF\" on stdout) or line group per\n"
"                      sample otherwise\n"
"  --count N           with --interval: stop after N samples\n"
"  --output FILE       replace FILE atomically with each sample instead of\n"
"                      writing to stdout (a symbolic link: its target)\n"
"  --listen [ADDR:]PORT  serve GET /metrics over HTTP instead: one sample per\n"
"                      scrape (concurrent scrapes share one), Prometheus text\n"
"                      or OpenMetrics as the scraper's Accept header asks;\n"
"                      PORT alone: every address (IPv6 and IPv4); ADDR is\n"
"                      numeric, IPv6 in brackets. Runs until SIGINT/SIGTERM.\n"
"                      Not with --interval, --output, --push, or a --format\n"
"                      other than prometheus\n"
"  --push URL          send each sample to URL (http or https) instead of\n"
"                      stdout: json as NDJSON (POST), influx as line protocol\n"
"                      (POST: InfluxDB 1.x or VictoriaMetrics /write),\n"
"                      prometheus text (PUT: a Pushgateway's\n"
"                      /metrics/job/NAME). Without --interval the one sample\n"
"                      is delivered before exit (or exit 4); a collector that\n"
"                      is down is retried with backoff, the newest sample\n"
"                      kept, its outage and its end said once. Not with\n"
"                      --output\n"
"\n"
"Every sample ends with its self-metrics: tcpstat_up (1, or 0 when the source\n"
"failed: then no counts), tcpstat_sample_duration_seconds and\n"
"tcpstat_build_info (json: \"up\", \"sample_duration_seconds\", \"build_info\";\n"
"influx: a tcpstat_sample line).\n"
"\n"
"Views:\n"
"  --ports             add every listening port: its listeners, accept queue,\n"
"                      backlog, fullest listener and sockets by state (json:\n"
"                      \"ports\"; prometheus: tcpstat_port_connections,\n"
"                      tcpstat_listeners, tcpstat_listen_queue, ..._backlog,\n"
"                      ..._queue_fullest_ratio; influx: tcpstat_port). procfs\n"
"                      cannot see a listener's backlog: null or left out\n"
"  --port LIST         --ports for these ports only (comma-separated, 1-65535,\n"
"                      repeatable)\n"
"  --all-netns         every network namespace with TCP sockets instead (json:\n"
"                      \"netns\"; prometheus and influx: netns and netns_name\n"
"                      labels/tags); needs root (kmod: the module's root-only\n"
"                      file; bpf, netlink and procfs enter each namespace);\n"
"                      each namespace's container where its processes' cgroup\n"
"                      says (json: \"container_id\", \"pod_uid\", \"runtime\",\n"
"                      \"unit\"; prometheus and influx: labels and tags of\n"
"                      those names)\n"
"  --run-netns DIR     with --all-netns: take namespace names from DIR instead\n"
"                      of /run/netns\n"
"  --counters          add the namespace's cumulative TCP counters from\n"
"                      /proc/net/snmp and /proc/net/netstat (json: \"counters\";\n"
"                      prometheus: tcpstat_active_opens_total and\n"
"                      ..._passive_opens, _attempt_fails, _estab_resets,\n"
"                      _retrans_segs, _listen_overflows, _listen_drops _total;\n"
"                      influx: a tcpstat_counters line); with --all-netns,\n"
"                      each namespace's\n"
"\n"
"Source:\n"
"  --backend NAME      kmod (the tcpstat module's /proc/net/tcpstat_data,\n"
"                      tcpstat_ports or tcpstat_netns), bpf (a BPF program\n"
"                      on the kernel's TCP socket iterator: needs BTF and\n"
"                      CAP_BPF and CAP_PERFMON, or root), netlink (sock_diag\n"
"                      dump), procfs (/proc/net/tcp{,6}) or auto (default:\n"
"                      the first that works, in that order)\n"
"  --proc DIR          read DIR instead of /proc (kmod and procfs backends,\n"
"                      and where --all-netns looks for processes)\n"
"  --netns PATH        enter the network namespace PATH (/proc/PID/ns/net,\n"
"                      /run/netns/NAME) before reading\n"
"\n"
"  -h, --help          show this help and exit\n"
"  --version           show the version and exit\n"
"\n"
"SIGINT and SIGTERM end a stream within a second; a sample the reader has\n"
"not taken within 0.5 s is then cut (its last line has no newline); they\n"
"end --listen once the answers begun are out (at most %d s). SIGHUP is\n"
"ignored. Under systemd (Type=notify): READY=1 once the first sample is out\n"
"(--listen: once listening); WATCHDOG=1 at half of WatchdogSec=, and before a\n"
"sample once a second has passed: a sample may take WatchdogSec= minus 1 s.\n"
"\n"
"Exit status:\n"
"  0  success (also when the reader of stdout goes away, or a stream is\n"
"     stopped by SIGINT/SIGTERM)\n"
"  1  internal error (out of memory)\n"
"  2  usage error (also: a host name the output needs is not printable)\n"
"  3  source error: cannot read or parse the counts, a count does not fit,\n"
"     cannot enter --netns, or (for --all-netns) read the module's root-only\n"
"     file or enter namespaces\n"
"  4  output error: cannot write stdout or --output FILE, cannot listen on\n"
"     --listen's address, or the one sample --push sends was not delivered\n"
"\n"
"See tcpstat(8).\n", INTERVAL_MAX_S, HTTPD_DRAIN_SECONDS);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_print("%s", msg);
	fputs("Try 'tcpstat --help' for more information.\n", stderr);
	return TCPSTAT_EXIT_USAGE;
}

/* --help and --version: to stdout, a failure said on stderr (exit 4). */
static int print_info(bool help)
{
	struct strbuf sb = STRBUF_INIT;
	struct tcpstat_err e;
	int ret = TCPSTAT_EXIT_OK;

	if (help ? usage(&sb) : sb_printf(&sb, "tcpstat %s\n", TCPSTAT_VERSION)) {
		err_print("%s", strerror(ENOMEM));
		ret = TCPSTAT_EXIT_INTERNAL;
	} else if (output_stdout(sb.data, sb.len, NULL, &e) == OUT_ERROR) {
		err_print("%s", e.msg);
		ret = TCPSTAT_EXIT_OUTPUT;
	}
	sb_free(&sb);
	return ret;
}

enum {
	OPT_FORMAT = 256, OPT_FAMILY, OPT_META, OPT_TAG, OPT_INTERVAL,
	OPT_COUNT, OPT_OUTPUT, OPT_BACKEND, OPT_PROC, OPT_NETNS, OPT_HELP,
	OPT_VERSION, OPT_PORTS, OPT_PORT, OPT_ALL_NETNS, OPT_RUN_NETNS,
	OPT_COUNTERS, OPT_LISTEN, OPT_PUSH,
};

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "family", no_argument, NULL, OPT_FAMILY },
	{ "meta", no_argument, NULL, OPT_META },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "ports", no_argument, NULL, OPT_PORTS },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "all-netns", no_argument, NULL, OPT_ALL_NETNS },
	{ "run-netns", required_argument, NULL, OPT_RUN_NETNS },
	{ "counters", no_argument, NULL, OPT_COUNTERS },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* -1: go on; otherwise the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int c;

	opterr = 0;
	o->proc = "/proc";
	o->tags = calloc((size_t)argc, sizeof(*o->tags));
	if (!o->tags) {
		err_print("%s", strerror(ENOMEM));
		return TCPSTAT_EXIT_INTERNAL;
	}
	o->fmt.tags = o->tags;

	/* "+": stop at the first non-option; ":": ':' for a missing value */
	while ((c = getopt_long(argc, argv, "+:h", long_opts, NULL)) != -1) {
		char why[256];

		switch (c) {
		case OPT_FORMAT:
			o->format_set = true;
			if (strcmp(optarg, "json") == 0)
				o->fmt.format = TCPSTAT_FMT_JSON;
			else if (strcmp(optarg, "prometheus") == 0)
				o->fmt.format = TCPSTAT_FMT_PROMETHEUS;
			else if (strcmp(optarg, "influx") == 0)
				o->fmt.format = TCPSTAT_FMT_INFLUX;
			else
				return usage_error("--format: unknown format '%s' (json, prometheus, influx)",
						   optarg);
			break;
		case OPT_FAMILY:
			o->fmt.family = true;
			break;
		case OPT_META:
			o->fmt.meta = true;
			break;
		case OPT_TAG:
			if (parse_tag(optarg, &o->tags[o->fmt.ntags], o->tags,
				      o->fmt.ntags, why, sizeof(why)))
				return usage_error("--tag '%s': %s", optarg, why);
			o->fmt.ntags++;
			break;
		case OPT_INTERVAL:
			if (parse_interval(optarg, &o->interval_ns))
				return usage_error("--interval: invalid value '%s' (seconds, > 0 and <= %d, e.g. 10 or 0.5)",
						   optarg, INTERVAL_MAX_S);
			o->stream = true;
			break;
		case OPT_COUNT:
			if (parse_count(optarg, &o->count))
				return usage_error("--count: invalid value '%s' (a positive integer)",
						   optarg);
			break;
		case OPT_OUTPUT:
			if (!*optarg)
				return usage_error("--output: empty file name");
			o->output = optarg;
			break;
		case OPT_BACKEND:
			if (backend_parse(optarg, &o->backend))
				return usage_error("--backend: unknown backend '%s' (%s)",
						   optarg, backend_names());
			break;
		case OPT_PROC:
			if (!*optarg || strlen(optarg) >= PROC_DIR_MAX)
				return usage_error("--proc: empty or too long directory name");
			o->proc = optarg;
			break;
		case OPT_NETNS:
			if (!*optarg)
				return usage_error("--netns: empty path");
			o->netns = optarg;
			break;
		case OPT_PORTS:
			o->fmt.ports = true;
			break;
		case OPT_PORT:
			if (parse_port_list(optarg, &o->filter, why, sizeof(why)))
				return usage_error("--port: '%s' in '%s' is not a port (1-65535)",
						   why, optarg);
			o->fmt.ports = true;
			break;
		case OPT_ALL_NETNS:
			o->fmt.all_netns = true;
			break;
		case OPT_RUN_NETNS:
			if (!*optarg)
				return usage_error("--run-netns: empty directory name");
			o->run_netns = optarg;
			break;
		case OPT_COUNTERS:
			o->counters = true;
			break;
		case OPT_LISTEN: {
			struct tcpstat_err e;

			if (httpd_parse_listen(optarg, &o->listen_addr, &e))
				return usage_error("%s", e.msg);
			o->listen = optarg;
			break;
		}
		case OPT_PUSH: {
			struct tcpstat_err e;

			if (push_check_url(optarg, o->push_shown, sizeof(o->push_shown), &e))
				return usage_error("%s", e.msg);
			o->push = optarg;
			break;
		}
		case 'h':
		case OPT_HELP:
			return print_info(true);
		case OPT_VERSION:
			return print_info(false);
		default:
			option_problem(long_opts, c, optopt, argv[optind - 1], why,
				       sizeof(why));
			return usage_error("%s", why);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->count && !o->stream)
		return usage_error("--count needs --interval");
	if (o->fmt.all_netns && o->netns)
		return usage_error("--all-netns and --netns cannot be used together");
	if (o->fmt.all_netns && o->fmt.ports)
		return usage_error("--ports and --port cannot be used with --all-netns");
	if (o->run_netns && !o->fmt.all_netns)
		return usage_error("--run-netns needs --all-netns");
	if (o->listen) {
		/* each scrape takes its sample and is the only reader */
		if (o->stream)
			return usage_error("--listen cannot be used with --interval (each scrape takes its own sample)");
		if (o->output)
			return usage_error("--listen cannot be used with --output (the samples go to the scrapers)");
		if (o->push)
			return usage_error("--listen cannot be used with --push (run one tcpstat for each)");
		if (o->format_set && o->fmt.format != TCPSTAT_FMT_PROMETHEUS)
			return usage_error("--listen serves Prometheus text or OpenMetrics: --format %s cannot be used with it",
					   o->fmt.format == TCPSTAT_FMT_JSON ? "json" : "influx");
		o->fmt.format = TCPSTAT_FMT_PROMETHEUS;
	}
	if (o->push && o->output)
		return usage_error("--push cannot be used with --output (run one tcpstat for each)");
	return -1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* State carried from sample to sample in a stream. */
struct run {
	struct options *o;
	struct source src;
	struct sample smp;	/* the sample being read and written */
	struct timespec when;	/* its wall-clock time */
	struct strbuf sb;
	struct push *push;	/* --push */
	struct httpd *httpd;	/* --listen */
	struct sdnotify sd;
	bool ready;		/* READY=1 was sent */
	bool repeats;		/* samples follow: an error is said once until it changes */
	bool fatal;		/* --listen: the source cannot go on, stop serving */
	bool source_down;	/* an error was reported, no recovery yet */
	bool output_down;
	char source_err[sizeof(((struct tcpstat_err *)0)->msg)];
	char output_err[sizeof(((struct tcpstat_err *)0)->msg)];
	char watchdog_err[sizeof(((struct tcpstat_err *)0)->msg)];
};

enum sample_result {
	SAMPLE_OK,
	SAMPLE_SOURCE_ERROR,
	SAMPLE_OUTPUT_ERROR,
	SAMPLE_END_QUIET,	/* EPIPE, or stopped before or while writing */
	SAMPLE_NOMEM,
	SAMPLE_FATAL,		/* the source cannot go on (not back in our netns) */
};

/*
 * Format r->smp and write it. In a stream, a --output failure is
 * reported once per distinct error and the stream goes on.
 */
static enum sample_result emit(struct run *r, const struct timespec *now)
{
	struct tcpstat_err e;
	int ret;

	sb_reset(&r->sb);
	if (format_sample(&r->sb, &r->o->fmt, &r->smp, now)) {
		err_print("%s", strerror(ENOMEM));
		return SAMPLE_NOMEM;
	}
	if (r->push) {
		/* never waits for the network: the sender says what becomes of it */
		if (push_submit(r->push, r->sb.data, r->sb.len)) {
			err_print("push %s: %s", r->o->push_shown, strerror(ENOMEM));
			return SAMPLE_NOMEM;
		}
		return SAMPLE_OK;
	}
	if (!r->o->output) {
		ret = output_stdout(r->sb.data, r->sb.len, &stop, &e);
		if (ret == OUT_EPIPE || ret == OUT_STOPPED || ret == OUT_CUT)
			return SAMPLE_END_QUIET;
		if (ret == OUT_ERROR) {
			err_print("%s", e.msg);
			return SAMPLE_OUTPUT_ERROR;
		}
		return SAMPLE_OK;
	}
	if (output_file(r->o->output, r->sb.data, r->sb.len, &e) == OUT_ERROR) {
		if (!r->o->stream || strcmp(e.msg, r->output_err) != 0)
			err_print("%s", e.msg);
		snprintf(r->output_err, sizeof(r->output_err), "%s", e.msg);
		r->output_down = true;
		return SAMPLE_OUTPUT_ERROR;
	}
	if (r->output_down)
		err_print("%s: recovered", r->o->output);
	r->output_down = false;
	r->output_err[0] = '\0';
	return SAMPLE_OK;
}

/* The backend that answered, for tcpstat_build_info. */
static const char *answered(const struct run *r)
{
	const char *b = source_backend(&r->src);

	return b ? b : "none";
}

/* A source error: said once in a stream until it changes or recovers. */
static void source_failed(struct run *r, const struct tcpstat_err *e)
{
	if (!r->repeats || !r->source_down || r->src.fatal ||
	    strcmp(e->msg, r->source_err) != 0)
		err_print("%s", e->msg);
	snprintf(r->source_err, sizeof(r->source_err), "%s", e->msg);
	r->source_down = true;
}

/*
 * The sample failed at the source: with --output, and in a stream, a
 * sample that says so (tcpstat_up 0, no counts) replaces the last one.
 */
static enum sample_result failed(struct run *r, const struct timespec *now)
{
	enum sample_result res = SAMPLE_SOURCE_ERROR;

	r->smp.failed = true;
	r->smp.backend = answered(r);
	if (r->o->output || r->o->stream || r->push) {
		res = emit(r, now);
		if (res == SAMPLE_OK || (res == SAMPLE_OUTPUT_ERROR && r->o->output))
			res = SAMPLE_SOURCE_ERROR;
	}
	return r->src.fatal ? SAMPLE_FATAL : res;
}

/*
 * systemd: a ping that could not be sent is said once (until the reason
 * changes): the loops try again at every wake, and a line each time would
 * flood the journal.
 */
static void watchdog_failed(struct run *r, const struct tcpstat_err *e)
{
	if (strcmp(e->msg, r->watchdog_err) != 0)
		err_print("%s", e->msg);
	snprintf(r->watchdog_err, sizeof(r->watchdog_err), "%s", e->msg);
}

/* systemd: the watchdog's ping when due; the most ms to wait until the next (-1: none). */
static long watchdog(struct run *r)
{
	struct tcpstat_err e;
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = sdnotify_watchdog(&r->sd, &now, &e);
	if (ms == -2) {
		watchdog_failed(r, &e);
		ms = 1000; /* try again later */
	}
	return ms;
}

/*
 * systemd: nothing pings while a sample is read and written, so a ping
 * before it if one is nearly due: a sample may take WatchdogSec= minus a
 * second, whatever the interval (see sdnotify_watchdog_before()).
 */
static void watchdog_before(struct run *r)
{
	struct tcpstat_err e;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (sdnotify_watchdog_before(&r->sd, &now, &e))
		watchdog_failed(r, &e);
}

/*
 * Read one sample into r->smp (unless @have: it holds one already, and
 * its duration) and check it. true if it is up; false if the source
 * failed (said on stderr; r->smp then says so).
 */
static bool take(struct run *r, bool have)
{
	struct tcpstat_err e;
	char why[256];

	if (!have)
		watchdog_before(r);
	clock_gettime(CLOCK_REALTIME, &r->when);
	if (!have) {
		uint64_t t0 = mono_ns();
		int ret = source_read(&r->src, &r->smp, &e);

		r->smp.duration_ns = mono_ns() - t0;
		if (ret) {
			source_failed(r, &e);
			goto failed;
		}
	}
	/* a count no format can print is the source's error, never wrapped */
	if (sample_check(&r->smp, r->o->fmt.format == TCPSTAT_FMT_INFLUX, why, sizeof(why))) {
		tcpstat_err_set(&e, "%s: %s", source_name(&r->src), why);
		source_failed(r, &e);
		goto failed;
	}
	if (r->source_down)
		err_print("%s: recovered", source_name(&r->src));
	r->source_down = false;
	r->source_err[0] = '\0';
	r->smp.failed = false;
	r->smp.backend = answered(r);
	return true;
failed:
	r->smp.failed = true;
	r->smp.backend = answered(r);
	return false;
}

/* Read one sample (take()) and emit it. */
static enum sample_result sample(struct run *r, bool have)
{
	if (!take(r, have))
		return failed(r, &r->when);
	return emit(r, &r->when);
}

static int exit_code(enum sample_result res)
{
	switch (res) {
	case SAMPLE_SOURCE_ERROR:
	case SAMPLE_FATAL:
		return TCPSTAT_EXIT_SOURCE;
	case SAMPLE_OUTPUT_ERROR:
		return TCPSTAT_EXIT_OUTPUT;
	case SAMPLE_NOMEM:
		return TCPSTAT_EXIT_INTERNAL;
	default:
		return TCPSTAT_EXIT_OK;
	}
}

/* --push: let the last sample go out (at most @ms); false if it did not. */
static bool push_last(struct run *r, long ms)
{
	struct push_stats st;
	int flushed;

	if (!r->push)
		return true;
	flushed = push_flush(r->push, ms);
	st = push_get_stats(r->push);
	return flushed == 0 && st.sent > 0 && !st.down;
}

/*
 * No sample could be taken at all (--netns, the backend, the privilege
 * for --all-netns): with --output, the file says so too.
 */
static int start_failed(struct run *r, const struct tcpstat_err *e)
{
	struct timespec now;

	if (e)
		err_print("%s", e->msg);
	if (r->o->output || r->push) {
		clock_gettime(CLOCK_REALTIME, &now);
		r->o->stream = false; /* one sample, its errors said */
		r->repeats = false;
		failed(r, &now);
		if (!push_last(r, PUSH_LAST_WAIT_MS))
			err_print("push %s: the sample was not delivered", r->o->push_shown);
	}
	return TCPSTAT_EXIT_SOURCE;
}

static void install_signals(bool stream)
{
	struct sigaction sa;
	sigset_t unblock;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* A reader that goes away is seen as EPIPE, never as a signal. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Nothing to reopen (--output is a new file at every sample): go on. */
	sigaction(SIGHUP, &sa, NULL);
	if (!stream)
		return;
	/* an inherited signal mask must not hold them back */
	sigemptyset(&unblock);
	sigaddset(&unblock, SIGINT);
	sigaddset(&unblock, SIGTERM);
	sigaddset(&unblock, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &unblock, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	/* No SA_RESTART: a blocked write, poll or sleep returns EINTR. */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* systemd: READY=1 once, with what the service does. */
static void ready(struct run *r, const char *status)
{
	struct tcpstat_err e;

	if (r->ready)
		return;
	r->ready = true;
	if (sdnotify_status(&r->sd, status, &e) || sdnotify_ready(&r->sd, &e))
		err_print("%s", e.msg);
}

static void stopping(struct run *r)
{
	struct tcpstat_err e;

	if (sdnotify_stopping(&r->sd, &e))
		err_print("%s", e.msg);
}

/*
 * Sleep until @deadline (CLOCK_MONOTONIC ns) or a stop, waking for the
 * systemd watchdog's pings meanwhile.
 */
static void sleep_to(struct run *r, uint64_t deadline)
{
	while (!stop) {
		uint64_t now = mono_ns(), wake = deadline;
		long wd;

		if (now >= deadline)
			return;
		wd = watchdog(r);
		if (wd >= 0 && now + (uint64_t)wd * 1000000ULL < wake)
			wake = now + (uint64_t)wd * 1000000ULL;
		sleep_until.tv_sec = (time_t)(wake / NSEC_PER_SEC);
		sleep_until.tv_nsec = (long)(wake % NSEC_PER_SEC);
		/*
		 * If the signal lands after the check of `stop` but before
		 * clock_nanosleep() read its argument, it has moved the
		 * deadline to 0: the sleep returns at once.
		 */
		atomic_signal_fence(memory_order_seq_cst);
		if (stop)
			return;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &sleep_until, NULL);
	}
}

/*
 * Samples at start + k * interval on CLOCK_MONOTONIC (absolute deadlines,
 * so no drift). Deadlines that pass while a sample is read or written are
 * skipped, never queued.
 */
static int stream(struct run *r, bool first)
{
	const uint64_t iv = r->o->interval_ns;
	const uint64_t start = mono_ns();
	uint64_t k = 0, taken = 0;
	enum sample_result res = SAMPLE_OK;
	bool warned = false;

	for (;;) {
		uint64_t now;

		res = sample(r, first);
		first = false;
		taken++;
		if (res == SAMPLE_END_QUIET)
			return TCPSTAT_EXIT_OK;
		if (res == SAMPLE_NOMEM || res == SAMPLE_FATAL ||
		    (res == SAMPLE_OUTPUT_ERROR && !r->o->output))
			return exit_code(res);
		ready(r, "sampling");
		if (stop) {
			push_last(r, OUT_STOP_GRACE_MS);
			return TCPSTAT_EXIT_OK;
		}
		if (r->o->count && taken >= r->o->count) {
			push_last(r, PUSH_LAST_WAIT_MS);
			return exit_code(res);
		}

		now = mono_ns();
		k++;
		if (now - start > k * iv) {
			k = (now - start) / iv + 1;
			if (!warned) {
				err_print("fell behind: a sample took longer than the interval; skipping missed samples");
				warned = true;
			}
		}
		sleep_to(r, start + k * iv);
		if (stop) {
			push_last(r, OUT_STOP_GRACE_MS);
			return TCPSTAT_EXIT_OK;
		}
	}
}

/* ---- --listen: httpd.c's callbacks, on the main thread ---- */

static int listen_sample(void *ctx, struct tcpstat_err *e)
{
	struct run *r = ctx;

	(void)e;
	/* a failed sample is served as tcpstat_up 0 without counts */
	if (!take(r, false) && r->src.fatal) {
		r->fatal = true;
		httpd_stop(r->httpd);
	}
	return 0;
}

static int listen_render(void *ctx, enum httpd_format fmt, struct strbuf *sb)
{
	struct run *r = ctx;
	struct format_opts fo = r->o->fmt;

	fo.format = TCPSTAT_FMT_PROMETHEUS;
	fo.openmetrics = fmt == HTTPD_FMT_OPENMETRICS;
	fo.eof = false; /* httpd.c ends OpenMetrics with its "# EOF" */
	return format_sample(sb, &fo, &r->smp, &r->when);
}

static long listen_tick(void *ctx)
{
	return watchdog(ctx);
}

/* Serve until SIGINT/SIGTERM; 0, or the exit code of what ended it. */
static int serve(struct run *r)
{
	struct tcpstat_err e;
	char status[64];
	int ret;

	snprintf(status, sizeof(status), "serving /metrics on port %u", httpd_port(r->httpd));
	ready(r, status);
	ret = httpd_serve(r->httpd, &e);
	if (ret)
		err_print("%s", e.msg);
	if (r->fatal)
		return TCPSTAT_EXIT_SOURCE;
	return ret ? TCPSTAT_EXIT_INTERNAL : TCPSTAT_EXIT_OK;
}

/*
 * The host name goes into the output (influx always, the others with
 * --meta) unless a host tag replaces it: it must be text every format
 * carries. A usage error otherwise, since --tag host=NAME is the way out.
 */
static int host_check(const struct options *o, const char *host)
{
	bool from_tag = false;

	for (size_t i = 0; i < o->fmt.ntags; i++)
		from_tag |= strcmp(o->tags[i].key, "host") == 0;
	if (from_tag || (!o->fmt.meta && o->fmt.format != TCPSTAT_FMT_INFLUX) ||
	    text_printable(host))
		return -1;
	return usage_error("the host name \"%s\" holds a control character or is not UTF-8; name the host with --tag host=NAME",
			   host);
}

/*
 * --all-netns with the auto backend needs root either way: the module's
 * file is root-only, and the other backends enter namespaces
 * (CAP_SYS_ADMIN). Without either, one line that says so, rather than
 * every backend's refusal. 0 to go on (the backends say what is wrong,
 * if anything), or -1 with *e filled.
 */
static int all_netns_check(const struct source *s, struct tcpstat_err *e)
{
	char self[PATH_MAX], kmod_path[PATH_MAX];
	int fd, kerr, nserr;

	snprintf(kmod_path, sizeof(kmod_path), "%s/net/%s", s->proc, TCPSTAT_NETNS_FILE);
	fd = open(kmod_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	kerr = errno;
	snprintf(self, sizeof(self), "%s/self/ns/net", s->proc);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	nserr = setns(fd, CLONE_NEWNET) ? errno : 0;
	close(fd);
	if (nserr != EPERM)
		return 0;
	if (kerr == EACCES || kerr == EPERM)
		tcpstat_err_set(e, "--all-netns: %s: %s (only root may read it; entering every network namespace instead needs CAP_SYS_ADMIN: run as root)",
				kmod_path, strerror(kerr));
	else
		tcpstat_err_set(e, "--all-netns: setns: %s (without the tcpstat module's %s, --all-netns enters every network namespace, which needs CAP_SYS_ADMIN: run as root)",
				strerror(nserr), kmod_path);
	return -1;
}

int main(int argc, char **argv)
{
	struct options o;
	struct run r;
	struct tcpstat_err e;
	struct source_opts so;
	bool have = false;
	char host[HOST_NAME_MAX + 1] = "";
	int ret;

	output_guard_std_fds();
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	r.o = &o;
	o.fmt.version = TCPSTAT_VERSION;
	ret = parse_options(argc, argv, &o);
	if (ret >= 0)
		goto out_opts;
	/* a stream to stdout frames each exposition, so it can be split */
	o.fmt.eof = o.stream && !o.output && !o.push && o.fmt.format == TCPSTAT_FMT_PROMETHEUS;
	r.repeats = o.stream || o.listen;

	if (gethostname(host, sizeof(host)) == 0)
		host[sizeof(host) - 1] = '\0';
	else
		host[0] = '\0';
	o.fmt.host = host;
	ret = host_check(&o, host);
	if (ret >= 0)
		goto out_opts;

	if (o.listen)
		stop_hard_ms = LISTEN_STOP_HARD_MS;
	install_signals(o.stream || o.listen);
	if (o.output)
		output_cleanup(o.output);

	memset(&so, 0, sizeof(so));
	so.backend = o.backend;
	so.mode = o.fmt.all_netns ? SOURCE_ALL_NETNS :
		  o.fmt.ports ? SOURCE_PORTS : SOURCE_COUNTS;
	so.proc = o.proc;
	so.run_netns = o.run_netns;
	so.filter = &o.filter;
	so.counters = o.counters;
	if (source_init(&r.src, &so, &e)) {
		err_print("%s", e.msg);
		ret = TCPSTAT_EXIT_INTERNAL;
		goto out_src;
	}
	/* the endpoint and the sender stay in tcpstat's own namespace: before --netns */
	if (o.listen) {
		const struct httpd_ops ops = {
			.sample = listen_sample, .render = listen_render,
			.tick = listen_tick, .ctx = &r,
		};

		r.httpd = httpd_start(&o.listen_addr, &ops, &e);
		if (!r.httpd) {
			err_print("--listen %s: %s", o.listen, e.msg);
			ret = TCPSTAT_EXIT_OUTPUT;
			goto out_src;
		}
	}
	if (o.push) {
		const struct push_opts po = {
			.url = o.push,
			.format = o.fmt.format == TCPSTAT_FMT_INFLUX ? PUSH_INFLUX :
				  o.fmt.format == TCPSTAT_FMT_PROMETHEUS ? PUSH_PROMETHEUS :
				  PUSH_NDJSON,
		};

		r.push = push_start(&po, &e);
		if (!r.push) {
			err_print("%s", e.msg);
			ret = TCPSTAT_EXIT_INTERNAL;
			goto out_src;
		}
	}
	if (sdnotify_init(&r.sd, &e))
		err_print("%s (no watchdog pings)", e.msg);
	if (o.netns && netns_enter(o.netns, &e)) {
		ret = start_failed(&r, &e);
		goto out_src;
	}
	if (source_prepare(&r.src, &e) ||
	    (o.fmt.all_netns && !o.backend && all_netns_check(&r.src, &e))) {
		ret = start_failed(&r, &e);
		goto out_src;
	}
	if (!o.backend) {
		/* resolved once; the read that picked the backend is sample 0 */
		uint64_t t0 = mono_ns();

		if (source_resolve(&r.src, &r.smp)) {
			r.smp.duration_ns = mono_ns() - t0;
			ret = start_failed(&r, NULL);
			goto out_src;
		}
		r.smp.duration_ns = mono_ns() - t0;
		have = true;
	}
	if (o.listen) {
		the_httpd = r.httpd;
		if (stop) /* a signal came before the handler could stop it */
			httpd_stop(r.httpd);
		ret = serve(&r);
	} else if (o.stream) {
		ret = stream(&r, have);
	} else {
		ret = exit_code(sample(&r, have));
		/* a failed sample's tcpstat_up 0 is delivered too (exit 3 all the same) */
		if ((ret == TCPSTAT_EXIT_OK || ret == TCPSTAT_EXIT_SOURCE) &&
		    !push_last(&r, PUSH_LAST_WAIT_MS)) {
			err_print("push %s: the sample was not delivered", o.push_shown);
			if (ret == TCPSTAT_EXIT_OK)
				ret = TCPSTAT_EXIT_OUTPUT;
		}
	}
	if (o.listen || o.stream)
		stopping(&r);
out_src:
	the_httpd = NULL;
	httpd_free(r.httpd);
	push_free(r.push);
	source_free(&r.src);
	sample_free(&r.smp);
	sb_free(&r.sb);
out_opts:
	free(o.tags);
	return ret;
}
