// SPDX-License-Identifier: GPL-2.0
/*
 * pushcat.c - user/push.c driven from stdin, for tests/host/push.sh until
 * the reporter has --push: each record of stdin (lines up to an empty
 * line, or EOF) is one sample, handed to push_submit() as it completes.
 * At EOF the sender is flushed (30 s at most) and one line of counts is
 * printed:
 *
 *   submitted=N sent=N dropped=N replaced=N failures=N max_memory=BYTES
 *
 * The outage and recovery lines go to stderr as tcpstat prints them.
 *
 *   pushcat [-b BACKOFF_MS] [-B BACKOFF_MAX_MS] influx|ndjson|prometheus URL
 *
 * Exit 0, 1 if the last sample could not be flushed, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "push.h"
#include "strbuf.h"

static size_t max_memory;

static int submit(struct push *p, struct strbuf *rec)
{
	struct push_stats st;

	if (!rec->len)
		return 0;
	if (push_submit(p, rec->data, rec->len)) {
		fprintf(stderr, "pushcat: out of memory\n");
		return -1;
	}
	st = push_get_stats(p);
	if (st.memory > max_memory)
		max_memory = st.memory;
	sb_reset(rec);
	return 0;
}

int main(int argc, char **argv)
{
	struct push_opts o = { 0 };
	struct strbuf rec = STRBUF_INIT;
	struct push_stats st;
	struct tcpstat_err e;
	char *line = NULL;
	size_t cap = 0;
	struct push *p;
	ssize_t n;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "b:B:")) != -1) {
		switch (c) {
		case 'b':
			o.backoff_ms = atol(optarg);
			break;
		case 'B':
			o.backoff_max_ms = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: pushcat [-b MS] [-B MS] influx|ndjson|prometheus URL\n");
		return 2;
	}
	if (strcmp(argv[optind], "influx") == 0)
		o.format = PUSH_INFLUX;
	else if (strcmp(argv[optind], "ndjson") == 0)
		o.format = PUSH_NDJSON;
	else if (strcmp(argv[optind], "prometheus") == 0)
		o.format = PUSH_PROMETHEUS;
	else
		return 2;
	o.url = argv[optind + 1];
	p = push_start(&o, &e);
	if (!p) {
		fprintf(stderr, "tcpstat: %s\n", e.msg);
		return 2;
	}
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (n == 1 && line[0] == '\n') {
			if (submit(p, &rec))
				ret = 1;
			continue;
		}
		if (sb_add(&rec, line, (size_t)n))
			ret = 1;
	}
	if (submit(p, &rec))
		ret = 1;
	if (push_flush(p, 30000))
		ret = 1;
	st = push_get_stats(p);
	printf("submitted=%lu sent=%lu dropped=%lu replaced=%lu failures=%lu max_memory=%zu\n",
	       (unsigned long)st.submitted, (unsigned long)st.sent, (unsigned long)st.dropped,
	       (unsigned long)st.replaced, (unsigned long)st.failures, max_memory);
	push_free(p);
	sb_free(&rec);
	free(line);
	return ret;
}
