/* SPDX-License-Identifier: GPL-2.0 */
/*
 * src_kmod.h - the kmod backend: the module's machine file
 * <proc>/net/tcpstat_data (format in kmod/tcpstat_format.h).
 */
#ifndef TCPSTAT_SRC_KMOD_H
#define TCPSTAT_SRC_KMOD_H

#include <stdbool.h>
#include <stddef.h>

#include "counts.h"
#include "err.h"
#include "lines.h"

#define KMOD_LINE_MAX 4096
#define KMOD_SECTION_MAX 64

/* A streaming parser: feed chunks of any size, then finish. */
struct kmod_parser {
	struct parse_err err;
	int stage;			/* KMOD_STAGE_* (src_kmod.c) */
	size_t section_len;		/* current section name, 0: none */
	char section[KMOD_SECTION_MAX];
	size_t section_fields;		/* fields in its header */
	bool in_states;
	bool states_seen;
	bool row_seen[TCPSTAT_NFAMILIES];
	signed char colmap[TCPSTAT_NSTATES]; /* count column -> state index */
	struct tcpstat_counts counts;
	struct lines lines;
};

void kmod_parser_init(struct kmod_parser *p);
/* 0, or -1 with p->err filled (line number and what is wrong). */
int kmod_parser_feed(struct kmod_parser *p, const char *buf, size_t n);
/* At end of input: 0 and *out filled, or -1 with p->err filled. */
int kmod_parser_finish(struct kmod_parser *p, struct tcpstat_counts *out);

/* Parse a whole buffer. 0, or -1 with *err filled. */
int kmod_parse(const char *buf, size_t n, struct tcpstat_counts *out,
	       struct parse_err *err);

/*
 * Read and parse @path with one open and read() calls into @buf until
 * EOF. 0, or -1 with *e filled and *missing set when the file does not
 * exist (the module is not loaded).
 */
int kmod_read(const char *path, char *buf, size_t bufsize,
	      struct tcpstat_counts *out, struct tcpstat_err *e, bool *missing);

#endif /* TCPSTAT_SRC_KMOD_H */
