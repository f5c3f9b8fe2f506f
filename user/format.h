/* SPDX-License-Identifier: GPL-2.0 */
/*
 * format.h - write one sample as JSON, Prometheus text exposition 0.0.4
 * or Influx line protocol. The wall-clock time of the sample is passed
 * in, so tests get deterministic output.
 */
#ifndef TCPSTAT_FORMAT_OUT_H
#define TCPSTAT_FORMAT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "counts.h"
#include "sample.h"
#include "strbuf.h"

enum tcpstat_format {
	TCPSTAT_FMT_JSON,
	TCPSTAT_FMT_PROMETHEUS,
	TCPSTAT_FMT_INFLUX,
};

struct tcpstat_tag {
	const char *key;
	const char *value;
};

struct format_opts {
	enum tcpstat_format format;
	bool family;			/* json: add "ipv4" and "ipv6" objects */
	bool meta;			/* json: timestamp and host; prometheus: host label */
	const struct tcpstat_tag *tags;	/* validated by args.c */
	size_t ntags;
	const char *host;		/* gethostname(); a "host" tag overrides it */
	bool ports;			/* add the per-port view (--ports) */
	bool all_netns;			/* every namespace instead (--all-netns) */
	const char *version;		/* tcpstat's, for tcpstat_build_info */
	bool eof;			/* prometheus: end with "# EOF" (streams) */
	/*
	 * prometheus: as OpenMetrics 1.0.0 (a counter's family is named
	 * without its "_total", which its samples keep); no "# EOF" unless
	 * @eof
	 */
	bool openmetrics;
};

/*
 * Append one sample (json: one line; prometheus: a whole exposition;
 * influx: one line per family, port and namespace) to @sb, then its
 * self-metrics: up, sample duration, version and backend (json: "up",
 * "sample_duration_seconds", "build_info"; prometheus: tcpstat_up,
 * tcpstat_sample_duration_seconds, tcpstat_build_info; influx: a
 * tcpstat_sample line). A sample that is not up has no counts, only
 * those. The counters of a sample or namespace that has them (--counters)
 * follow its counts (json: "counters"; prometheus: tcpstat_*_total;
 * influx: a tcpstat_counters line); a namespace's container identity
 * (--all-netns) is in its object, labels and tags. 0, or -1 when out of
 * memory.
 */
int format_sample(struct strbuf *sb, const struct format_opts *o,
		  const struct sample *smp, const struct timespec *now);

/* The shortest "%.Ng" that reads back as @v (Prometheus float values). */
#define DOUBLE_LEN 32
void format_double(char buf[DOUBLE_LEN], double v);

/* "2026-11-23T10:00:00.123Z" (UTC, milliseconds, truncated). */
#define RFC3339_LEN 32
int format_rfc3339(char buf[RFC3339_LEN], const struct timespec *ts);

#endif /* TCPSTAT_FORMAT_OUT_H */
