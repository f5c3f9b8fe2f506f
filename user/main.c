// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstat - report TCP connections per state as JSON/NDJSON, Prometheus
 * text exposition or Influx line protocol, from the tcpstat kernel module,
 * a sock_diag netlink dump or /proc/net/tcp{,6}; per listening port
 * (--ports) or for every network namespace (--all-netns).
 *
 * main.c: options, the single sample and the interval loop.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "err.h"
#include "format.h"
#include "output.h"
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
	enum backend backend;
	const char *proc;
	const char *netns;
	const char *run_netns;	/* NULL: /run/netns */
	struct port_filter filter;	/* --port */
};

static volatile sig_atomic_t stop;
/* The deadline the stream sleeps to; the signal handler moves it to 0. */
static struct timespec sleep_until;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	/*
	 * If the signal lands after the loop checked `stop` but before
	 * clock_nanosleep() read its argument, a deadline in the past makes
	 * the sleep return at once instead of one interval later.
	 */
	sleep_until.tv_sec = 0;
	sleep_until.tv_nsec = 0;
}

static void usage(FILE *f)
{
	fprintf(f,
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
"                      not starting with __, not family, state, port, netns\n"
"                      or netns_name; host=NAME replaces the system host\n"
"                      name. VALUE: non-empty UTF-8, no newline\n"
"  --interval SECONDS  sample every SECONDS (decimal, > 0, <= %d) until\n"
"                      SIGINT/SIGTERM: NDJSON for json, one exposition or\n"
"                      line group per sample otherwise\n"
"  --count N           with --interval: stop after N samples\n"
"  --output FILE       replace FILE atomically with each sample instead of\n"
"                      writing to stdout\n"
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
"                      file; netlink and procfs enter each namespace)\n"
"  --run-netns DIR     with --all-netns: take namespace names from DIR instead\n"
"                      of /run/netns\n"
"\n"
"Source:\n"
"  --backend NAME      kmod (the tcpstat module's /proc/net/tcpstat_data,\n"
"                      tcpstat_ports or tcpstat_netns), netlink (sock_diag\n"
"                      dump), procfs (/proc/net/tcp{,6}) or auto (default:\n"
"                      the first that works, in that order)\n"
"  --proc DIR          read DIR instead of /proc (kmod and procfs backends,\n"
"                      and where --all-netns looks for processes)\n"
"  --netns PATH        enter the network namespace PATH (/proc/PID/ns/net,\n"
"                      /run/netns/NAME) before reading\n"
"\n"
"  --help              show this help and exit\n"
"  --version           show the version and exit\n"
"\n"
"Exit status:\n"
"  0  success (also when the reader of stdout goes away, or a stream is\n"
"     stopped by SIGINT/SIGTERM)\n"
"  1  internal error (out of memory)\n"
"  2  usage error\n"
"  3  source error: cannot read or parse the counts, enter --netns, or (for\n"
"     --all-netns) read the module's root-only file or enter namespaces\n"
"  4  output error: cannot write stdout or --output FILE\n"
"\n"
"See tcpstat(8).\n", INTERVAL_MAX_S);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'tcpstat --help' for more information.\n", stderr);
	return TCPSTAT_EXIT_USAGE;
}

enum {
	OPT_FORMAT = 256, OPT_FAMILY, OPT_META, OPT_TAG, OPT_INTERVAL,
	OPT_COUNT, OPT_OUTPUT, OPT_BACKEND, OPT_PROC, OPT_NETNS, OPT_HELP,
	OPT_VERSION, OPT_PORTS, OPT_PORT, OPT_ALL_NETNS, OPT_RUN_NETNS,
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
		fprintf(stderr, "tcpstat: %s\n", strerror(ENOMEM));
		return TCPSTAT_EXIT_INTERNAL;
	}
	o->fmt.tags = o->tags;

	while ((c = getopt_long(argc, argv, "+", long_opts, NULL)) != -1) {
		char why[128];

		switch (c) {
		case OPT_FORMAT:
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
				return usage_error("--backend: unknown backend '%s' (auto, kmod, netlink, procfs)",
						   optarg);
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
		case OPT_HELP:
			usage(stdout);
			return fflush(stdout) || ferror(stdout) ? TCPSTAT_EXIT_OUTPUT
								: TCPSTAT_EXIT_OK;
		case OPT_VERSION:
			printf("tcpstat %s\n", TCPSTAT_VERSION);
			return fflush(stdout) || ferror(stdout) ? TCPSTAT_EXIT_OUTPUT
								: TCPSTAT_EXIT_OK;
		default:
			if (optopt)
				return usage_error("option '%s' needs a value", argv[optind - 1]);
			return usage_error("unknown option '%s'", argv[optind - 1]);
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
	struct strbuf sb;
	bool source_down;	/* an error was reported, no recovery yet */
	bool output_down;
	char output_err[sizeof(((struct tcpstat_err *)0)->msg)];
};

enum sample_result {
	SAMPLE_OK,
	SAMPLE_SOURCE_ERROR,
	SAMPLE_OUTPUT_ERROR,
	SAMPLE_END_QUIET,	/* EPIPE, or stopped before writing */
	SAMPLE_NOMEM,
	SAMPLE_FATAL,		/* the source cannot go on (not back in our netns) */
};

/*
 * Format @c and write it. In a stream, a --output failure is reported
 * once per distinct error and the stream goes on.
 */
static enum sample_result emit(struct run *r, const struct timespec *now)
{
	struct tcpstat_err e;
	int ret;

	sb_reset(&r->sb);
	if (format_sample(&r->sb, &r->o->fmt, &r->smp, now)) {
		fprintf(stderr, "tcpstat: %s\n", strerror(ENOMEM));
		return SAMPLE_NOMEM;
	}
	if (!r->o->output) {
		ret = output_stdout(r->sb.data, r->sb.len, &stop, &e);
		if (ret == OUT_EPIPE || ret == OUT_STOPPED)
			return SAMPLE_END_QUIET;
		if (ret == OUT_ERROR) {
			fprintf(stderr, "tcpstat: %s\n", e.msg);
			return SAMPLE_OUTPUT_ERROR;
		}
		return SAMPLE_OK;
	}
	if (output_file(r->o->output, r->sb.data, r->sb.len, &e) == OUT_ERROR) {
		if (!r->o->stream || strcmp(e.msg, r->output_err) != 0)
			fprintf(stderr, "tcpstat: %s\n", e.msg);
		snprintf(r->output_err, sizeof(r->output_err), "%s", e.msg);
		r->output_down = true;
		return SAMPLE_OUTPUT_ERROR;
	}
	if (r->output_down)
		fprintf(stderr, "tcpstat: %s: recovered\n", r->o->output);
	r->output_down = false;
	r->output_err[0] = '\0';
	return SAMPLE_OK;
}

/* Read one sample (unless @have: r->smp already holds it) and emit it. */
static enum sample_result sample(struct run *r, bool have)
{
	struct tcpstat_err e;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!have && source_read(&r->src, &r->smp, &e)) {
		if (!r->o->stream || !r->source_down || r->src.fatal)
			fprintf(stderr, "tcpstat: %s\n", e.msg);
		r->source_down = true;
		return r->src.fatal ? SAMPLE_FATAL : SAMPLE_SOURCE_ERROR;
	}
	if (r->source_down)
		fprintf(stderr, "tcpstat: %s: recovered\n", source_name(&r->src));
	r->source_down = false;
	return emit(r, &now);
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

static void install_signals(bool stream)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* A reader that goes away is seen as EPIPE, never as a signal. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (!stream)
		return;
	/* No SA_RESTART: a blocked write or sleep returns EINTR. */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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
		uint64_t deadline, now;

		res = sample(r, first);
		first = false;
		taken++;
		if (res == SAMPLE_END_QUIET)
			return TCPSTAT_EXIT_OK;
		if (res == SAMPLE_NOMEM || res == SAMPLE_FATAL ||
		    (res == SAMPLE_OUTPUT_ERROR && !r->o->output))
			return exit_code(res);
		if (stop)
			return TCPSTAT_EXIT_OK;
		if (r->o->count && taken >= r->o->count)
			return exit_code(res);

		now = mono_ns();
		k++;
		if (now - start > k * iv) {
			k = (now - start) / iv + 1;
			if (!warned) {
				fprintf(stderr, "tcpstat: fell behind: a sample took longer than the interval; skipping missed samples\n");
				warned = true;
			}
		}
		deadline = start + k * iv;
		sleep_until.tv_sec = (time_t)(deadline / NSEC_PER_SEC);
		sleep_until.tv_nsec = (long)(deadline % NSEC_PER_SEC);
		atomic_signal_fence(memory_order_seq_cst);
		while (!stop) {
			int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						  &sleep_until, NULL);

			if (err != EINTR)
				break;
		}
		if (stop)
			return TCPSTAT_EXIT_OK;
	}
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

	memset(&o, 0, sizeof(o));
	ret = parse_options(argc, argv, &o);
	if (ret >= 0)
		goto out_opts;

	memset(&r, 0, sizeof(r));
	r.o = &o;
	install_signals(o.stream);

	if (o.netns && netns_enter(o.netns, &e)) {
		fprintf(stderr, "tcpstat: %s\n", e.msg);
		ret = TCPSTAT_EXIT_SOURCE;
		goto out_opts;
	}
	if (gethostname(host, sizeof(host)) == 0)
		host[sizeof(host) - 1] = '\0';
	else
		host[0] = '\0';
	o.fmt.host = host;

	memset(&so, 0, sizeof(so));
	so.backend = o.backend;
	so.mode = o.fmt.all_netns ? SOURCE_ALL_NETNS :
		  o.fmt.ports ? SOURCE_PORTS : SOURCE_COUNTS;
	so.proc = o.proc;
	so.run_netns = o.run_netns;
	so.filter = &o.filter;
	if (source_init(&r.src, &so, &e)) {
		fprintf(stderr, "tcpstat: %s\n", e.msg);
		ret = TCPSTAT_EXIT_INTERNAL;
		goto out_src;
	}
	if (source_prepare(&r.src, &e)) {
		fprintf(stderr, "tcpstat: %s\n", e.msg);
		ret = TCPSTAT_EXIT_SOURCE;
		goto out_src;
	}
	if (o.backend == BACKEND_AUTO) {
		/* resolved once; the read that picked the backend is sample 0 */
		if (source_resolve(&r.src, &r.smp)) {
			ret = TCPSTAT_EXIT_SOURCE;
			goto out_src;
		}
		have = true;
	}
	if (o.stream)
		ret = stream(&r, have);
	else
		ret = exit_code(sample(&r, have));
out_src:
	source_free(&r.src);
	sample_free(&r.smp);
	sb_free(&r.sb);
out_opts:
	free(o.tags);
	return ret;
}
