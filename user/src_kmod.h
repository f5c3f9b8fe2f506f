/* SPDX-License-Identifier: GPL-2.0 */
/*
 * src_kmod.h - the kmod backend: the module's machine files
 * <proc>/net/tcpstat_data, tcpstat_ports and tcpstat_netns (format in
 * kmod/tcpstat_format.h).
 */
#ifndef TCPSTAT_SRC_KMOD_H
#define TCPSTAT_SRC_KMOD_H

#include <stdbool.h>
#include <stddef.h>

#include "counts.h"
#include "err.h"
#include "lines.h"
#include "sample.h"

#define KMOD_LINE_MAX 4096
#define KMOD_SECTION_MAX 64
/* Fields of a line of KMOD_LINE_MAX bytes: "a b c ..." */
#define KMOD_FIELDS_MAX (KMOD_LINE_MAX / 2 + 1)

/* The sections a read wants; every other section is skipped. */
enum {
	KMOD_SEC_STATES = 1,	/* tcpstat_data, tcpstat_ports */
	KMOD_SEC_PORTS = 2,	/* tcpstat_ports */
	KMOD_SEC_NETNS = 4,	/* tcpstat_netns */
};
#define KMOD_WANT_DATA KMOD_SEC_STATES
#define KMOD_WANT_PORTS (KMOD_SEC_STATES | KMOD_SEC_PORTS)
#define KMOD_WANT_NETNS KMOD_SEC_NETNS

/* A streaming parser: feed chunks of any size, then finish. */
struct kmod_parser {
	struct parse_err err;
	int stage;			/* KMOD_STAGE_* (src_kmod.c) */
	unsigned want;			/* KMOD_SEC_* to parse */
	unsigned seen;			/* KMOD_SEC_* whose header was seen */
	unsigned cur;			/* KMOD_SEC_* of the current section, 0: skipped */
	size_t section_len;		/* current section name, 0: none */
	char section[KMOD_SECTION_MAX];
	size_t section_fields;		/* fields in its header */
	bool row_seen[TCPSTAT_NFAMILIES];
	signed char colmap[TCPSTAT_NSTATES]; /* states: count column -> state index */
	/* ports, netns: column (after the section name) -> field (src_kmod.c) */
	signed char cols[KMOD_FIELDS_MAX];
	struct tcpstat_counts counts;
	struct port_list *ports;	/* KMOD_SEC_PORTS rows go here */
	struct netns_list *netns;	/* KMOD_SEC_NETNS rows go here */
	uint32_t last_port;		/* 0: no row yet */
	struct netns_row ns;		/* the namespace whose rows are being read */
	unsigned ns_fams;		/* its families seen (bits); 0: none open */
	uint64_t last_inode;		/* 0: no namespace yet */
	struct lines lines;
};

/* A parser of tcpstat_data (the states section). */
void kmod_parser_init(struct kmod_parser *p);
/*
 * A parser of the sections in @want (KMOD_WANT_*); the rows of "ports"
 * and "netns" are appended to @ports and @netns (emptied first; either
 * may be NULL when not wanted).
 */
void kmod_parser_init_want(struct kmod_parser *p, unsigned want,
			   struct port_list *ports, struct netns_list *netns);
/* 0, or -1 with p->err filled (line number and what is wrong). */
int kmod_parser_feed(struct kmod_parser *p, const char *buf, size_t n);
/*
 * At end of input: 0 and *out (when wanted and @out not NULL) filled, or
 * -1 with p->err filled.
 */
int kmod_parser_finish(struct kmod_parser *p, struct tcpstat_counts *out);

/* Parse a whole tcpstat_data buffer. 0, or -1 with *err filled. */
int kmod_parse(const char *buf, size_t n, struct tcpstat_counts *out,
	       struct parse_err *err);
/* Parse a whole buffer for the sections in @want. */
int kmod_parse_want(const char *buf, size_t n, unsigned want,
		    struct tcpstat_counts *out, struct port_list *ports,
		    struct netns_list *netns, struct parse_err *err);

/*
 * Read and parse tcpstat_data at @path with one open and read() calls
 * into @buf until EOF. 0, or -1 with *e filled and *missing set when the
 * file does not exist (the module is not loaded).
 */
int kmod_read(const char *path, char *buf, size_t bufsize,
	      struct tcpstat_counts *out, struct tcpstat_err *e, bool *missing);

/*
 * The same for the sections in @want. 0, or -1 with *e filled
 * ("<path>: <reason>" or "<path>:<line>: <what>") and *sys_err the errno
 * of a failed open or read (0 for a parse error).
 */
int kmod_read_want(const char *path, char *buf, size_t bufsize, unsigned want,
		   struct tcpstat_counts *out, struct port_list *ports,
		   struct netns_list *netns, struct tcpstat_err *e, int *sys_err);

#endif /* TCPSTAT_SRC_KMOD_H */
