/* SPDX-License-Identifier: GPL-2.0 */
/* args.h - strict parsing and checking of command-line values. */
#ifndef TCPSTAT_ARGS_H
#define TCPSTAT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "sample.h"

#define INTERVAL_MAX_S 86400

/*
 * "SECONDS" with an optional decimal fraction of up to 9 digits, > 0
 * and <= INTERVAL_MAX_S: "10", "0.5", ".25". 0 and *ns set, or -1.
 */
int parse_interval(const char *s, uint64_t *ns);

/* A positive decimal integer. 0 and *n set, or -1. */
int parse_count(const char *s, uint64_t *n);

/* Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s);

/*
 * Text that every format can carry as it is: well-formed UTF-8 without
 * a control character (C0, DEL or C1).
 */
bool text_printable(const char *s);

/* A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__". */
bool label_name_valid(const char *s);

/*
 * Split "KEY=VALUE" in place (the '=' becomes NUL) and check both halves,
 * including that KEY is not reserved (a label tcpstat writes itself:
 * family, state, port, netns, netns_name, version, backend, container_id,
 * pod_uid, runtime, unit) and not
 * already in @tags[0..ntags), and that VALUE is non-empty printable text
 * (text_printable()). 0, or -1 with @why (a short reason) filled.
 */
int parse_tag(char *arg, struct tcpstat_tag *tag, const struct tcpstat_tag *tags,
	      size_t ntags, char *why, size_t whylen);

/*
 * "80,443,8080": ports 1-65535, separated by commas (duplicates are
 * fine), added to @f. 0, or -1 with @bad (at most @badlen bytes) set to
 * the item that is not a port.
 */
int parse_port_list(const char *s, struct port_filter *f, char *bad, size_t badlen);

struct option;

/*
 * What getopt_long(), run with @opts and an optstring beginning "+:",
 * refused: it returned @c ('?' or ':') with optopt @opt, and @arg is the
 * element it was looking at (argv[optind - 1]). One line for the user in
 * @msg: "option '--format' needs a value", "option '--ports' takes no
 * value", "option '--po' is ambiguous (could be --port or --ports)",
 * "unknown option '--frobnicate'".
 */
void option_problem(const struct option *opts, int c, int opt, const char *arg,
		    char *msg, size_t len);

#endif /* TCPSTAT_ARGS_H */
