// SPDX-License-Identifier: GPL-2.0
/*
 * src_bpf.c - the bpf backend: counts TCP sockets in the kernel without
 * the module, with the program of bpf/tcpstat.bpf.c on the TCP socket
 * iterator (iter/tcp). The probe loads the program (libbpf, CO-RE against
 * the running kernel's BTF) and attaches it once; each sample then opens
 * an iterator, which walks the namespace this process is in at that
 * moment, and reads the one record of totals the program writes at the
 * end of the walk. The per-port view is read from the program's map,
 * mmap()ed.
 *
 * A read() of an iterator stops after a million sockets: the kernel then
 * returns what was written so far, or fails with EAGAIN if nothing was
 * (bpf_seq_read, MAX_ITER_OBJECTS; both 5.10 and 6.x), and the next read()
 * goes on where the walk stopped. Our program writes only at the end, so
 * every million sockets cost one EAGAIN and one more read().
 *
 * Needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load a tracing
 * program, and the kernel's BTF (/sys/kernel/btf/vmlinux). Without them
 * the backend is unusable, with the reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/types.h>

#include "source.h"
#include "tcpstat_bpf.h"
#include "tcpstat.skel.h"

#define BPF_BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define BPF_WHAT "bpf iter/tcp"
/* read()s that may stop at a million sockets each: 4 billion sockets */
#define BPF_READS_MAX 4096

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* The map's entries are the user-space accumulators, byte for byte. */
#define SAME_MEMBER(m) \
	(offsetof(struct tcpstat_bpf_port, m) == offsetof(struct port_acc, m) && \
	 sizeof(((struct tcpstat_bpf_port *)0)->m) == sizeof(((struct port_acc *)0)->m))
_Static_assert(sizeof(struct tcpstat_bpf_port) == sizeof(struct port_acc) &&
	       SAME_MEMBER(gen) && SAME_MEMBER(listeners) && SAME_MEMBER(fullest_queue) &&
	       SAME_MEMBER(fullest_backlog) && SAME_MEMBER(queue) && SAME_MEMBER(backlog) &&
	       SAME_MEMBER(n), "struct tcpstat_bpf_port and struct port_acc differ");

struct bpf_state {
	struct tcpstat_bpf *skel;
	struct bpf_link *link;
	struct port_acc *ports;		/* the "ports" map, mmap()ed (--ports) */
	size_t ports_len;
	__u32 gen;			/* of the last walk with --ports */
};

/* libbpf's last warning, for the reason of a failed load; nothing printed. */
static char libbpf_msg[256];

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t len;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
	len = strlen(libbpf_msg);
	while (len && (libbpf_msg[len - 1] == '\n' || libbpf_msg[len - 1] == ' '))
		libbpf_msg[--len] = '\0';
	return 0;
}

static bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

/* Does the running kernel have the TCP socket iterator? */
static bool kernel_has_iter_tcp(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool has;

	if (!btf)
		return true; /* cannot tell: let the load's own error speak */
	has = btf__find_by_name_kind(btf, "bpf_iter_tcp", BTF_KIND_FUNC) >= 0;
	btf__free(btf);
	return has;
}

/*
 * Does this kernel's TCP socket iterator resume its walk with
 * tcp_seek_last_pos()? Kernels that batch a bucket at a time (5.15 on)
 * and have no resume by socket cookie yet (that came with union
 * bpf_tcp_iter_batch_item; 6.12.117 has it, 6.1.176 does not) keep
 * st_bucket_done in struct bpf_tcp_iter_state. Their walk falls through
 * from the listening table to the established one with offset -1, and
 * skips every socket of the namespace's first non-empty established
 * bucket when it follows the bucket of the namespace's last listener (or
 * is bucket 0, with no listener): the counts come out short by that
 * bucket (tests/vm/iterskip.sh shows it).
 */
static bool kernel_iter_skips(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_member *m;
	const struct btf_type *t;
	bool skips = false;
	int id;

	if (!btf)
		return false; /* the program loaded: the kernel's BTF was read once */
	id = btf__find_by_name_kind(btf, "bpf_tcp_iter_state", BTF_KIND_STRUCT);
	t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	m = t ? btf_members(t) : NULL;
	for (unsigned int i = 0; m && i < btf_vlen(t); i++) {
		if (strcmp(btf__name_by_offset(btf, m[i].name_off), "st_bucket_done") == 0)
			skips = true;
	}
	btf__free(btf);
	return skips;
}

static enum backend_avail load_failed(int err, struct tcpstat_err *why)
{
	if (err == EPERM || err == EACCES) {
		/* the capabilities are there (bpf_probe checked) */
		tcpstat_err_set(why, "bpf: loading the iter/tcp program: %s (kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK: raise it, ulimit -l or LimitMEMLOCK=16M; or the capabilities are not the initial user namespace's; or a security module refuses)",
				strerror(err));
	} else if (!kernel_has_iter_tcp()) {
		tcpstat_err_set(why, "bpf: this kernel has no TCP socket iterator (iter/tcp: Linux 5.9 or newer)");
	} else {
		tcpstat_err_set(why, "bpf: loading the iter/tcp program: %s%s%s%s", strerror(err),
				libbpf_msg[0] ? " (libbpf: " : "", libbpf_msg,
				libbpf_msg[0] ? ")" : "");
	}
	return BACKEND_UNUSABLE;
}

static enum backend_avail bpf_probe(struct source *s, struct tcpstat_err *why)
{
	struct bpf_state *st;
	int err;

	snprintf(s->path, sizeof(s->path), BPF_WHAT);
	/* the kernel checks these in the initial user namespace; we look here */
	if (!have_cap(CAP_SYS_ADMIN) && (!have_cap(CAP_BPF) || !have_cap(CAP_PERFMON))) {
		tcpstat_err_set(why, "bpf: the bpf backend needs CAP_BPF and CAP_PERFMON, or root (it loads a BPF program)");
		return BACKEND_UNUSABLE;
	}
	if (access(BPF_BTF_VMLINUX, R_OK)) {
		tcpstat_err_set(why, "bpf: %s: %s (the bpf backend needs a kernel built with BTF, CONFIG_DEBUG_INFO_BTF)",
				BPF_BTF_VMLINUX, strerror(errno));
		return BACKEND_UNUSABLE;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		tcpstat_err_set(why, "%s", strerror(ENOMEM));
		return BACKEND_UNUSABLE;
	}
	s->priv = st;
	libbpf_set_print(libbpf_log);
	libbpf_msg[0] = '\0';
	st->skel = tcpstat_bpf__open();
	if (!st->skel) {
		tcpstat_err_set(why, "bpf: opening the iter/tcp program: %s", strerror(errno));
		return BACKEND_UNUSABLE;
	}
	if (s->mode == SOURCE_PORTS) {
		st->skel->rodata->want_ports = 1;
		if (bpf_map__set_max_entries(st->skel->maps.ports, TCPSTAT_BPF_NPORTS)) {
			tcpstat_err_set(why, "bpf: sizing the ports map: %s", strerror(errno));
			return BACKEND_UNUSABLE;
		}
	}
	err = tcpstat_bpf__load(st->skel);
	if (err)
		return load_failed(-err, why);
	st->link = bpf_program__attach_iter(st->skel->progs.tcpstat_count, NULL);
	if (!st->link)
		return load_failed(errno, why);
	if (s->mode == SOURCE_PORTS) {
		st->ports_len = TCPSTAT_BPF_NPORTS * sizeof(struct port_acc);
		st->ports = mmap(NULL, st->ports_len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 bpf_map__fd(st->skel->maps.ports), 0);
		if (st->ports == MAP_FAILED) {
			st->ports = NULL;
			tcpstat_err_set(why, "bpf: mmap of the ports map: %s", strerror(errno));
			return BACKEND_UNUSABLE;
		}
	}
	if (kernel_iter_skips()) {
		tcpstat_err_set(why, "bpf: this kernel's TCP socket iterator can skip the sockets of one hash bucket in a walk (it resumes with tcp_seek_last_pos(): Linux 5.15 to 6.11 without the fix; see tcpstat(8)), so these counts may be short; the kmod and netlink backends are exact");
		return BACKEND_INEXACT;
	}
	return BACKEND_AVAILABLE;
}

static void bpf_close(struct source *s)
{
	struct bpf_state *st = s->priv;

	if (!st)
		return;
	if (st->ports)
		munmap(st->ports, st->ports_len);
	bpf_link__destroy(st->link);
	tcpstat_bpf__destroy(st->skel);
	free(st);
	s->priv = NULL;
}

/*
 * One walk of the current namespace: the totals into *t. The program
 * writes exactly one record, at the end; anything else is an error.
 */
static int bpf_walk(struct bpf_state *st, struct tcpstat_bpf_totals *t, struct tcpstat_err *e)
{
	char buf[sizeof(*t) + 1];
	size_t got = 0;
	int fd, reads = 0;

	memset(&st->skel->bss->totals, 0, sizeof(st->skel->bss->totals));
	fd = bpf_iter_create(bpf_link__fd(st->link));
	if (fd < 0) {
		tcpstat_err_set(e, BPF_WHAT ": bpf_iter_create: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - got);

		if (n < 0) {
			int err = errno;

			/* a million sockets shown, nothing written yet: go on */
			if ((err == EAGAIN && ++reads < BPF_READS_MAX) || err == EINTR)
				continue;
			close(fd);
			tcpstat_err_set(e, BPF_WHAT ": read: %s", strerror(err));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf))
			break;
	}
	close(fd);
	if (got != sizeof(*t)) {
		tcpstat_err_set(e, BPF_WHAT ": the walk wrote %s%zu bytes, not one record of %zu",
				got == sizeof(buf) ? "more than " : "", got, sizeof(*t));
		return -1;
	}
	memcpy(t, buf, sizeof(*t));
	if (t->unresolved) {
		tcpstat_err_set(e, BPF_WHAT ": the kernel would not confirm the type of %llu sockets, so their state is unknown (bpf_skc_to_tcp_timewait_sock and bpf_skc_to_tcp_sock see IPv6 sockets only when IPv6 is built in)",
				(unsigned long long)t->unresolved);
		return -1;
	}
	return 0;
}

static void totals_to_counts(const struct tcpstat_bpf_totals *t, struct tcpstat_counts *c)
{
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		for (int i = 0; i < TCPSTAT_NSTATES; i++)
			c->n[f][i] = t->n[f][i];
	}
}

static int bpf_counts(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	struct tcpstat_bpf_totals t;

	if (bpf_walk(s->priv, &t, e))
		return -1;
	totals_to_counts(&t, c);
	return 0;
}

static int bpf_ports(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	struct bpf_state *st = s->priv;
	struct tcpstat_bpf_totals t;

	if (++st->gen == 0) { /* wrapped: every entry could look current */
		memset(st->ports, 0, st->ports_len);
		st->gen = 1;
	}
	st->skel->bss->gen = st->gen;
	memset(st->skel->bss->listening, 0, sizeof(st->skel->bss->listening));
	if (bpf_walk(st, &t, e))
		return -1;
	totals_to_counts(&t, &out->c);
	if (port_acc_collect(st->ports, (const uint64_t *)st->skel->bss->listening, s->filter,
			     true, &out->ports)) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/*
 * No all_netns: an iterator walks the namespace of the process that
 * opens it, so source.c enters each namespace and calls bpf_counts().
 */
const struct backend_ops bpf_backend = {
	.name = "bpf",
	.probe = bpf_probe,
	.counts = bpf_counts,
	.ports = bpf_ports,
	.close = bpf_close,
};
