// SPDX-License-Identifier: GPL-2.0
/*
 * sockfarm.c - build known sets of TCP sockets over loopback for the
 * tcpstat tests.
 *
 *   sockfarm build [--family 4|6|both] [--scale K] [--dry-run | --timewait]
 *   sockfarm churn --seconds S [--family 4|6|both] [--linger0] [--phase-file F]
 *   sockfarm fill --conns N [--family 4|6|both] [--listeners L]
 *   sockfarm services
 *
 * "build" makes sockets hold still in every TCP state that can be made to
 * hold, prints how many it made per family and state, prints "ready" and
 * holds them until SIGTERM or SIGINT. "churn" opens and closes connections
 * as fast as it can. "fill" makes many established connections and holds
 * them. "services" builds a few listening services with known per-port
 * figures. See sockfarm.md next to this file.
 *
 * Counts are printed in the tcpstat order, which is the kernel's state
 * numbering 1..11 (kmod/tcpstat_format.h), and in the mapping
 * /proc/net/tcp uses: a request sock counts as SYN_RECV, a TIME_WAIT
 * minisock as its substate (FIN_WAIT2 or TIME_WAIT).
 *
 * Static, libc only: gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_notsent_bytes */

/* Kernel TCP state numbers (include/net/tcp_states.h, stable UAPI). */
enum {
	ST_ESTABLISHED = 1,
	ST_SYN_SENT,
	ST_SYN_RECV,
	ST_FIN_WAIT1,
	ST_FIN_WAIT2,
	ST_TIME_WAIT,
	ST_CLOSE,
	ST_CLOSE_WAIT,
	ST_LAST_ACK,
	ST_LISTEN,
	ST_CLOSING,
	NSTATES = ST_CLOSING,
};

static const char *const state_names[NSTATES + 1] = {
	"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
};

/* Address families, in output order. */
struct fam {
	int af;
	const char *name;
	unsigned bit; /* in a family mask */
};

enum { FAM_IPV4, FAM_IPV6, NFAMS };

static const struct fam fams[NFAMS] = {
	{ AF_INET, "ipv4", 1 },
	{ AF_INET6, "ipv6", 2 },
};

/* Expected counts: [family][state number], index 0 unused. */
typedef unsigned counts_t[NFAMS][NSTATES + 1];

#define WAIT_MS 15000 /* longest wait for any state, times TCPSTAT_TIME_SCALE */
#define MAX_SCALE 1000
#define SMALL_RCVBUF 2048 /* kernel doubles it: a window of a few KB */
#define SENDER_SNDBUF 16384 /* sender queue well above what a peer can take */
#define SYN_RETRIES 127 /* TCP_SYNCNT maximum: SYN_SENT holds for hours */
#define DEFER_SECS 3600 /* TCP_DEFER_ACCEPT: requests hold about an hour */
#define FILL_BATCH 256 /* connects in flight per batch in "fill" */

/*
 * The longest wait for any state. A slow kernel (a debug build under
 * emulation) needs more: TCPSTAT_TIME_SCALE multiplies it.
 */
static int wait_ms = WAIT_MS;

/* ------------------------------------------------------------------ */
/* Errors and small utilities                                          */

static void __attribute__((noreturn, format(printf, 2, 3)))
die(const char *what, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "sockfarm: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* "sockfarm: <what>: <call>: <errno text>" */
static void __attribute__((noreturn)) die_sys(const char *what, const char *call)
{
	die(what, "%s: %s", call, strerror(errno));
}

static void *xcalloc(size_t n, size_t size, const char *what)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die(what, "out of memory");
	return p;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * One step of a polling loop: sleep *step ms, then back off (1 ms up to
 * 50 ms). The callers check their condition before each step, so nothing
 * waits longer than needed.
 */
static void backoff(int *step)
{
	poll(NULL, 0, *step);
	if (*step < 50)
		*step *= 2;
}

/* build and fill block SIGTERM/SIGINT; one pending during setup aborts. */
static void check_interrupted(const char *what)
{
	sigset_t pending;

	if (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
		die(what, "interrupted before ready");
}

static unsigned long parse_ulong(const char *opt, const char *s,
				 unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		die(opt, "want a number from %lu to %lu, got \"%s\"", min, max, s);
	return v;
}

static unsigned parse_family(const char *s)
{
	if (!strcmp(s, "4"))
		return fams[FAM_IPV4].bit;
	if (!strcmp(s, "6"))
		return fams[FAM_IPV6].bit;
	if (!strcmp(s, "both"))
		return fams[FAM_IPV4].bit | fams[FAM_IPV6].bit;
	die("--family", "want 4, 6 or both, got \"%s\"", s);
}

/* Read the first numbers of a /proc/sys file; returns how many were read. */
static int read_sysctl(const char *path, long *a, long *b)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%ld %ld", a, b);
	fclose(f);
	return n < 0 ? 0 : n;
}

/*
 * Raise RLIMIT_NOFILE: the soft limit to the hard one and, if that is
 * below need, both to need (root may go up to fs.nr_open). Returns the
 * soft limit in force.
 */
static rlim_t raise_nofile(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die_sys("sockfarm", "getrlimit(RLIMIT_NOFILE)");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die_sys("sockfarm", "setrlimit(RLIMIT_NOFILE)");
	}
	if (rl.rlim_cur < need) {
		struct rlimit more = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return need;
	}
	return rl.rlim_cur;
}

/* Die unless need file descriptors are available. */
static void need_nofile(rlim_t need, const char *what)
{
	rlim_t have = raise_nofile(need);
	long nr_open = 0, unused;

	if (have >= need)
		return;
	read_sysctl("/proc/sys/fs/nr_open", &nr_open, &unused);
	die(what, "need %llu file descriptors but RLIMIT_NOFILE is %llu and cannot be "
	    "raised (fs.nr_open %ld)", (unsigned long long)need, (unsigned long long)have,
	    nr_open);
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */

/* Socket buffer sizes to set before connect/listen; 0 keeps the default. */
struct bufs {
	int rcv, snd;
};

/* The loopback address of a family: 127.0.0.1 or ::1, port 0. */
static socklen_t loopback_addr(const struct fam *f, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (f->af == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_addr = in6addr_loopback;
	return sizeof(*in6);
}

/* 127.0.<index / 250>.<index % 250 + 1>: one of many IPv4 sources on lo. */
static struct sockaddr_in ipv4_source(unsigned index)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	in.sin_addr.s_addr = htonl(0x7f000000u | (index / 250) << 8 | (index % 250 + 1));
	return in;
}

static void set_opt(int fd, int level, int opt, int val, const char *what,
		    const char *name)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)))
		die_sys(what, name);
}

static int get_opt(int fd, int level, int opt, const char *what, const char *name)
{
	int val = 0;
	socklen_t len = sizeof(val);

	if (getsockopt(fd, level, opt, &val, &len))
		die_sys(what, name);
	return val;
}

static void set_bufs(int fd, const struct bufs *b, const char *what)
{
	if (b && b->rcv)
		set_opt(fd, SOL_SOCKET, SO_RCVBUF, b->rcv, what, "setsockopt(SO_RCVBUF)");
	if (b && b->snd)
		set_opt(fd, SOL_SOCKET, SO_SNDBUF, b->snd, what, "setsockopt(SO_SNDBUF)");
}

static int tcp_socket(int af, int flags, const char *what)
{
	int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	if (fd < 0)
		die_sys(what, "socket");
	return fd;
}

/* TCP_INFO of fd; returns how many bytes the kernel filled in. */
static socklen_t tcp_info_of(int fd, struct tcp_info *ti, const char *what)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len))
		die_sys(what, "getsockopt(TCP_INFO)");
	return len;
}

static int tcp_state(int fd, const char *what)
{
	struct tcp_info ti;

	tcp_info_of(fd, &ti, what);
	return ti.tcpi_state;
}

/*
 * Bytes queued but never sent (a queued FIN counts one), or UINT_MAX when
 * the kernel is too old to say (tcpi_notsent_bytes is 4.6+).
 */
static unsigned notsent_bytes(int fd, const char *what)
{
	struct tcp_info ti;
	socklen_t len = tcp_info_of(fd, &ti, what);

	if (len < offsetof(struct tcp_info, tcpi_notsent_bytes) + sizeof(ti.tcpi_notsent_bytes))
		return UINT_MAX;
	return ti.tcpi_notsent_bytes;
}

/*
 * For a listener, TCP_INFO reports the accept queue length in
 * tcpi_unacked (sk_ack_backlog): connections the kernel completed that
 * nobody accepted yet.
 */
static unsigned accept_queue_len(int fd, const char *what)
{
	struct tcp_info ti;

	tcp_info_of(fd, &ti, what);
	return ti.tcpi_unacked;
}

static const char *state_name(int s)
{
	return s >= 1 && s <= NSTATES ? state_names[s] : "unknown";
}

/* ------------------------------------------------------------------ */
/* The ledger: every socket the farm holds, and what it must hold       */

struct held {
	int fd;
	unsigned char fam; /* FAM_IPV4 or FAM_IPV6 */
	unsigned char want; /* state it must hold; ST_CLOSE: in no table */
	unsigned char fin_queued; /* its FIN must stay behind unsent data */
	int children; /* listener: expected accept queue length, -1: any */
	const char *recipe;
};

struct farm {
	struct held *held;
	size_t nheld, cap;
	counts_t ghosts; /* kernel-side sockets without an fd */
};

/* What a recipe is building now: for error messages and the ledger. */
struct job {
	struct farm *farm;
	const struct fam *fam;
	unsigned famidx;
	const char *recipe;
	unsigned n; /* units to build */
	char tag[48]; /* "<recipe> <family>" */
};

static size_t hold(struct job *j, int fd, int want)
{
	struct farm *fm = j->farm;

	if (fm->nheld == fm->cap) {
		size_t cap = fm->cap ? fm->cap * 2 : 256;
		struct held *h = realloc(fm->held, cap * sizeof(*h));

		if (!h)
			die(j->tag, "out of memory");
		fm->held = h;
		fm->cap = cap;
	}
	fm->held[fm->nheld] = (struct held){
		.fd = fd, .fam = j->famidx, .want = want, .children = -1,
		.recipe = j->recipe,
	};
	return fm->nheld++;
}

/*
 * Hold a socket whose FIN must stay behind unsent data. (Not
 * "held[hold(...)]": hold() may move the array.)
 */
static void hold_stuck(struct job *j, int fd, int want)
{
	size_t k = hold(j, fd, want);

	j->farm->held[k].fin_queued = 1;
}

/* A socket that exists in the kernel's tables without an fd of ours. */
static void ghost(struct job *j, int state, unsigned n)
{
	j->farm->ghosts[j->famidx][state] += n;
}

/* What the farm holds, in the /proc/net/tcp mapping. */
static void farm_counts(const struct farm *fm, counts_t out)
{
	memcpy(out, fm->ghosts, sizeof(counts_t));
	for (size_t i = 0; i < fm->nheld; i++)
		if (fm->held[i].want != ST_CLOSE)
			out[fm->held[i].fam][fm->held[i].want]++;
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */

struct listener {
	int fd;
	struct sockaddr_storage addr;
	socklen_t len;
	size_t slot; /* in the ledger */
};

/*
 * A listener on the loopback address at port (0: an ephemeral one), in an
 * SO_REUSEPORT group if reuseport. Buffer sizes set here are inherited by
 * every socket it accepts. defer > 0 sets TCP_DEFER_ACCEPT (seconds).
 */
static struct listener listen_at(struct job *j, unsigned port, int reuseport, int backlog,
				 const struct bufs *b, int defer)
{
	struct listener l;
	struct sockaddr_storage any;
	socklen_t len = loopback_addr(j->fam, &any);

	l.fd = tcp_socket(j->fam->af, 0, j->tag);
	set_opt(l.fd, SOL_SOCKET, SO_REUSEADDR, 1, j->tag, "setsockopt(SO_REUSEADDR)");
	if (reuseport)
		set_opt(l.fd, SOL_SOCKET, SO_REUSEPORT, 1, j->tag, "setsockopt(SO_REUSEPORT)");
	if (j->fam->af == AF_INET6)
		set_opt(l.fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, j->tag, "setsockopt(IPV6_V6ONLY)");
	set_bufs(l.fd, b, j->tag);
	if (defer > 0)
		set_opt(l.fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer, j->tag,
			"setsockopt(TCP_DEFER_ACCEPT)");
	if (j->fam->af == AF_INET)
		((struct sockaddr_in *)&any)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&any)->sin6_port = htons(port);
	if (bind(l.fd, (struct sockaddr *)&any, len))
		die_sys(j->tag, "bind");
	if (listen(l.fd, backlog))
		die_sys(j->tag, "listen");
	l.len = sizeof(l.addr);
	if (getsockname(l.fd, (struct sockaddr *)&l.addr, &l.len))
		die_sys(j->tag, "getsockname");
	l.slot = hold(j, l.fd, ST_LISTEN);
	return l;
}

static struct listener open_listener(struct job *j, int backlog, const struct bufs *b, int defer)
{
	return listen_at(j, 0, 0, backlog, b, defer);
}

/* Non-blocking connect to l; syncnt > 0 sets TCP_SYNCNT. */
static int start_connect(struct job *j, const struct listener *l,
			 const struct bufs *b, int syncnt)
{
	int fd = tcp_socket(j->fam->af, SOCK_NONBLOCK, j->tag);

	set_bufs(fd, b, j->tag);
	if (syncnt > 0)
		set_opt(fd, IPPROTO_TCP, TCP_SYNCNT, syncnt, j->tag, "setsockopt(TCP_SYNCNT)");
	if (connect(fd, (const struct sockaddr *)&l->addr, l->len) && errno != EINPROGRESS)
		die_sys(j->tag, "connect");
	return fd;
}

static int poll_one(int fd, short events, long long deadline, const char *what,
		    const char *waiting_for)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		long long left = deadline - now_ms();
		int n;

		check_interrupted(what);
		if (left <= 0)
			die(what, "timed out after %d s waiting for %s", wait_ms / 1000,
			    waiting_for);
		n = poll(&p, 1, left > 100 ? 100 : (int)left);
		if (n > 0)
			return p.revents;
		if (n < 0 && errno != EINTR)
			die_sys(what, "poll");
	}
}

static void wait_connected(struct job *j, int fd)
{
	int err;

	poll_one(fd, POLLOUT, now_ms() + wait_ms, j->tag, "connect");
	err = get_opt(fd, SOL_SOCKET, SO_ERROR, j->tag, "getsockopt(SO_ERROR)");
	if (err) {
		errno = err;
		die_sys(j->tag, "connect");
	}
}

static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

/* Accept the connection of client fd c from l (and check it is c's). */
static int accept_peer(struct job *j, const struct listener *l, int c)
{
	struct sockaddr_storage mine, peer;
	socklen_t ml = sizeof(mine), pl = sizeof(peer);
	int s;

	poll_one(l->fd, POLLIN, now_ms() + wait_ms, j->tag, "accept");
	s = accept4(l->fd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
	if (s < 0)
		die_sys(j->tag, "accept");
	if (getsockname(c, (struct sockaddr *)&mine, &ml))
		die_sys(j->tag, "getsockname");
	if (!same_endpoint(&mine, &peer))
		die(j->tag, "accepted a connection from another client");
	return s;
}

/* A connection: client and server side; s < 0 when nobody accepted it. */
struct pair {
	int c, s;
};

/* n connected pairs through l; client buffers set before connect. */
static struct pair *make_pairs(struct job *j, const struct listener *l,
			       const struct bufs *cb)
{
	struct pair *p = xcalloc(j->n, sizeof(*p), j->tag);

	for (unsigned i = 0; i < j->n; i++) {
		p[i].c = start_connect(j, l, cb, 0);
		wait_connected(j, p[i].c);
		p[i].s = accept_peer(j, l, p[i].c);
	}
	return p;
}

/*
 * Poll until the client of every pair is in state wc and the server in ws
 * (0: do not care), at most wait_ms. On timeout name the first laggard.
 */
static void wait_pairs(struct job *j, const struct pair *p, int wc, int ws,
		       const char *step)
{
	long long deadline = now_ms() + wait_ms;
	unsigned done = 0;
	int pause_ms = 1;

	for (;;) {
		int sc = 0, ss = 0;

		for (; done < j->n; done++) {
			sc = wc ? tcp_state(p[done].c, j->tag) : 0;
			ss = ws ? tcp_state(p[done].s, j->tag) : 0;
			if (sc != wc || ss != ws)
				break;
		}
		if (done == j->n)
			return;
		check_interrupted(j->tag);
		if (now_ms() > deadline) {
			int client = sc != wc;

			die(j->tag, "%s: %s %u of %u still in %s, want %s after %d s",
			    step, client ? "client" : "server", done + 1, j->n,
			    state_name(client ? sc : ss),
			    state_name(client ? wc : ws), wait_ms / 1000);
		}
		backoff(&pause_ms);
	}
}

/* Poll until l's accept queue holds exactly want connections. */
static void wait_accept_queue(struct job *j, const struct listener *l, unsigned want)
{
	long long deadline = now_ms() + wait_ms;
	int pause_ms = 1;
	unsigned have;

	while ((have = accept_queue_len(l->fd, j->tag)) != want) {
		check_interrupted(j->tag);
		if (now_ms() > deadline)
			die(j->tag, "accept queue holds %u connections, want %u after %d s",
			    have, want, wait_ms / 1000);
		backoff(&pause_ms);
	}
}

static void half_close(struct job *j, int fd)
{
	if (shutdown(fd, SHUT_WR))
		die_sys(j->tag, "shutdown");
}

/*
 * Queue data on fd until more than 'over' bytes stay unsent. The peer
 * never reads, so its window closes for good once its receive buffer is
 * full; over is set above anything the peer can still take, so what is
 * queued, and a FIN queued behind it, is never sent. The peer keeps
 * answering zero-window probes, which keeps the sender alive (a
 * non-orphan socket probes a live zero window forever, RFC 1122).
 */
static void queue_unsent(struct job *j, int fd, unsigned over)
{
	static const char junk[4096];
	long long deadline = now_ms() + wait_ms;
	int pause_ms = 1;
	unsigned have;

	for (;;) {
		while (send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			die_sys(j->tag, "send");
		have = notsent_bytes(fd, j->tag);
		if (have > over)
			return;
		check_interrupted(j->tag);
		if (now_ms() > deadline)
			die(j->tag, "only %u bytes stay unsent after %d s, need more than %u",
			    have, wait_ms / 1000, over);
		backoff(&pause_ms);
	}
}

/* More than a never-reading peer fd can ever take into its receive queue. */
static unsigned beyond_rcvbuf(struct job *j, int peer)
{
	/* SO_RCVBUF reads back the doubled value the kernel accounts against. */
	return 2 * (unsigned)get_opt(peer, SOL_SOCKET, SO_RCVBUF, j->tag,
				     "getsockopt(SO_RCVBUF)");
}

/* ------------------------------------------------------------------ */
/* Recipes: each builds j->n units for one family                       */

/* Small windows for receivers that never read, a big queue for senders. */
static const struct bufs listener_bufs = { SMALL_RCVBUF, SENDER_SNDBUF };
static const struct bufs sender_bufs = { 0, SENDER_SNDBUF };
static const struct bufs receiver_bufs = { SMALL_RCVBUF, 0 };

/* LISTEN: plain listeners. */
static void build_listen(struct job *j)
{
	for (unsigned i = 0; i < j->n; i++)
		open_listener(j, 16, NULL, 0);
}

/* ESTABLISHED: accepted connections, two sockets each. */
static void build_established(struct job *j)
{
	struct listener l = open_listener(j, 128, NULL, 0);
	struct pair *p = make_pairs(j, &l, NULL);

	for (unsigned i = 0; i < j->n; i++) {
		hold(j, p[i].c, ST_ESTABLISHED);
		hold(j, p[i].s, ST_ESTABLISHED);
	}
	free(p);
}

/*
 * ESTABLISHED, never accepted: the kernel completes the handshake and
 * puts a full child socket, ESTABLISHED, in the listener's accept queue
 * (and in the established hash), so each one is two ESTABLISHED sockets,
 * one without an fd. The listener's TCP_INFO shows the queue length.
 */
#define QUEUE_PER_LISTENER 64
static void build_queued(struct job *j)
{
	for (unsigned done = 0; done < j->n; done += QUEUE_PER_LISTENER) {
		unsigned n = j->n - done < QUEUE_PER_LISTENER ? j->n - done : QUEUE_PER_LISTENER;
		struct listener l = open_listener(j, 128, NULL, 0);

		for (unsigned i = 0; i < n; i++) {
			int c = start_connect(j, &l, NULL, 0);

			wait_connected(j, c);
			hold(j, c, ST_ESTABLISHED);
		}
		wait_accept_queue(j, &l, n);
		j->farm->held[l.slot].children = n;
		ghost(j, ST_ESTABLISHED, n);
	}
}

/*
 * SYN_SENT: a listener whose accept queue is full drops every SYN
 * (tcp_conn_request: sk_acceptq_is_full, which is "queued > backlog").
 * With backlog 1 two queued connections fill it; backlog 1 rather than 0
 * keeps the fillers off the SYN cookie path (the request queue counts as
 * full at backlog 0), so this works with tcp_syncookies=0 too. Further
 * clients retransmit their SYN; TCP_SYNCNT at its maximum keeps them in
 * SYN_SENT for hours. Adds the listener and two ESTABLISHED pairs once.
 */
#define SYN_SENT_FILLERS 2
static void build_syn_sent(struct job *j)
{
	struct listener l = open_listener(j, 1, NULL, 0);
	struct pair *p = xcalloc(j->n, sizeof(*p), j->tag);

	for (unsigned i = 0; i < SYN_SENT_FILLERS; i++) {
		int c = start_connect(j, &l, NULL, 0);

		wait_connected(j, c);
		wait_accept_queue(j, &l, i + 1);
		hold(j, c, ST_ESTABLISHED);
	}
	j->farm->held[l.slot].children = SYN_SENT_FILLERS;
	ghost(j, ST_ESTABLISHED, SYN_SENT_FILLERS);

	for (unsigned i = 0; i < j->n; i++) {
		p[i].c = start_connect(j, &l, NULL, SYN_RETRIES);
		p[i].s = -1;
	}
	wait_pairs(j, p, ST_SYN_SENT, 0, "connect");
	for (unsigned i = 0; i < j->n; i++)
		hold(j, p[i].c, ST_SYN_SENT);
	free(p);
}

/*
 * SYN_RECV: with TCP_DEFER_ACCEPT the listener drops the client's bare
 * ACK (tcp_check_req) and keeps the request sock, which /proc/net/tcp
 * shows as SYN_RECV, until data arrives or the defer period ends. The
 * client is ESTABLISHED and sends nothing. The accept queue stays empty.
 * Few requests per listener keep it off the SYN cookie / syn backlog
 * limits (a cookie would make an ESTABLISHED child instead).
 */
#define REQUESTS_PER_LISTENER 64
static void build_syn_recv(struct job *j)
{
	for (unsigned done = 0; done < j->n; done += REQUESTS_PER_LISTENER) {
		unsigned n = j->n - done < REQUESTS_PER_LISTENER ? j->n - done
								: REQUESTS_PER_LISTENER;
		struct listener l = open_listener(j, 128, NULL, DEFER_SECS);

		j->farm->held[l.slot].children = 0;
		for (unsigned i = 0; i < n; i++) {
			int c = start_connect(j, &l, NULL, 0);

			wait_connected(j, c);
			hold(j, c, ST_ESTABLISHED);
		}
		ghost(j, ST_SYN_RECV, n);
	}
}

/*
 * The client of each pair queues more data than the never-reading server
 * can take, then shuts down: FIN_WAIT1 at once (tcp_close_state), with
 * the FIN appended to the unsent data, so it is never sent.
 */
static struct pair *make_stuck_fins(struct job *j)
{
	struct listener l = open_listener(j, 128, &listener_bufs, 0);
	struct pair *p = make_pairs(j, &l, &sender_bufs);

	for (unsigned i = 0; i < j->n; i++) {
		queue_unsent(j, p[i].c, beyond_rcvbuf(j, p[i].s));
		half_close(j, p[i].c);
	}
	wait_pairs(j, p, ST_FIN_WAIT1, ST_ESTABLISHED, "shutdown");
	return p;
}

/* FIN_WAIT1: a FIN stuck behind refused data; the peer is ESTABLISHED. */
static void build_fin_wait1(struct job *j)
{
	struct pair *p = make_stuck_fins(j);

	for (unsigned i = 0; i < j->n; i++) {
		hold_stuck(j, p[i].c, ST_FIN_WAIT1);
		hold(j, p[i].s, ST_ESTABLISHED);
	}
	free(p);
}

/*
 * CLOSING: as FIN_WAIT1, then the server shuts down too. Its FIN reaches
 * the client while the client's own FIN is unsent: simultaneous close,
 * the client enters CLOSING (tcp_fin) and acks the FIN, so the server
 * goes to FIN_WAIT2. The client's FIN stays stuck, so both hold.
 */
static void build_closing(struct job *j)
{
	struct pair *p = make_stuck_fins(j);

	for (unsigned i = 0; i < j->n; i++)
		half_close(j, p[i].s);
	wait_pairs(j, p, ST_CLOSING, ST_FIN_WAIT2, "peer shutdown");
	for (unsigned i = 0; i < j->n; i++) {
		hold_stuck(j, p[i].c, ST_CLOSING);
		hold(j, p[i].s, ST_FIN_WAIT2);
	}
	free(p);
}

/*
 * LAST_ACK: the client shuts down (client FIN_WAIT2, server CLOSE_WAIT)
 * and never reads. The server queues more than the client can take, then
 * shuts down: LAST_ACK at once, its FIN stuck behind the data, so the
 * client stays in FIN_WAIT2 (a socket with an fd has no FIN_WAIT2 timer).
 */
static void build_last_ack(struct job *j)
{
	struct listener l = open_listener(j, 128, &listener_bufs, 0);
	struct pair *p = make_pairs(j, &l, &receiver_bufs);

	for (unsigned i = 0; i < j->n; i++)
		half_close(j, p[i].c);
	wait_pairs(j, p, ST_FIN_WAIT2, ST_CLOSE_WAIT, "client shutdown");
	for (unsigned i = 0; i < j->n; i++) {
		queue_unsent(j, p[i].s, beyond_rcvbuf(j, p[i].c));
		half_close(j, p[i].s);
	}
	wait_pairs(j, p, ST_FIN_WAIT2, ST_LAST_ACK, "server shutdown");
	for (unsigned i = 0; i < j->n; i++) {
		hold(j, p[i].c, ST_FIN_WAIT2);
		hold_stuck(j, p[i].s, ST_LAST_ACK);
	}
	free(p);
}

/* Pairs whose client has shut down and had its FIN acked. */
static struct pair *make_half_closed(struct job *j)
{
	struct listener l = open_listener(j, 128, NULL, 0);
	struct pair *p = make_pairs(j, &l, NULL);

	for (unsigned i = 0; i < j->n; i++)
		half_close(j, p[i].c);
	wait_pairs(j, p, ST_FIN_WAIT2, ST_CLOSE_WAIT, "client shutdown");
	return p;
}

/*
 * FIN_WAIT2 + CLOSE_WAIT: the client shuts down, the server does not.
 * Both keep their fd; a FIN_WAIT2 socket with an fd never times out.
 */
static void build_fin_wait2(struct job *j)
{
	struct pair *p = make_half_closed(j);

	for (unsigned i = 0; i < j->n; i++) {
		hold(j, p[i].c, ST_FIN_WAIT2);
		hold(j, p[i].s, ST_CLOSE_WAIT);
	}
	free(p);
}

/*
 * FIN_WAIT2 as a minisock: close() of a FIN_WAIT2 socket with nothing
 * unread turns it into a TIME_WAIT minisock with substate FIN_WAIT2
 * right away (tcp_close -> tcp_time_wait(sk, TCP_FIN_WAIT2, ...), when
 * tcp_fin_timeout <= 60 s), shown as FIN_WAIT2 in /proc/net/tcp. It
 * lasts tcp_fin_timeout (60 s). The server stays in CLOSE_WAIT.
 */
static void build_fin_wait2_orphan(struct job *j)
{
	struct pair *p = make_half_closed(j);

	for (unsigned i = 0; i < j->n; i++) {
		close(p[i].c);
		hold(j, p[i].s, ST_CLOSE_WAIT);
	}
	ghost(j, ST_FIN_WAIT2, j->n);
	free(p);
}

/*
 * TIME_WAIT: the client closes first, the server after it saw the EOF.
 * Both use shutdown so we can watch them: when the server's FIN reaches
 * the client in FIN_WAIT2, tcp_fin -> tcp_time_wait() puts a TIME_WAIT
 * minisock in the table and the socket itself goes to CLOSE; the server
 * goes LAST_ACK -> CLOSE on the client's ACK. Both CLOSE means the
 * minisock exists (and nothing else is left). It lasts 60 s.
 */
static void build_time_wait(struct job *j)
{
	struct pair *p = make_half_closed(j);

	for (unsigned i = 0; i < j->n; i++)
		half_close(j, p[i].s);
	wait_pairs(j, p, ST_CLOSE, ST_CLOSE, "server shutdown");
	for (unsigned i = 0; i < j->n; i++) {
		close(p[i].c);
		close(p[i].s);
	}
	ghost(j, ST_TIME_WAIT, j->n);
	free(p);
}

/* ------------------------------------------------------------------ */
/* The plan: recipes, multiplicities and the counts they add up to      */

/* per_listener of a recipe that puts all its units behind one listener */
#define ONE_LISTENER 65535

struct recipe {
	const char *name;
	void (*build)(struct job *j);
	unsigned char mult[NFAMS]; /* units per family at --scale 1 */
	unsigned char unit[NSTATES + 1]; /* sockets one unit adds, by state */
	unsigned short per_listener; /* units per own listener; 0: none */
	unsigned char extra_est; /* ESTABLISHED sockets added once */
};

/*
 * Build order: the minisocks (60 s lifetime) come last so their clock
 * starts as late as possible. The multiplicities are chosen so that at
 * every scale from 1 to 20 every non-zero count of both families differs
 * from every other one (checked at run time, see distinct_counts()).
 */
static const struct recipe recipes[] = {
	{ "listen", build_listen, { 15, 11 },
	  { [ST_LISTEN] = 1 }, 0, 0 },
	{ "established", build_established, { 1, 1 },
	  { [ST_ESTABLISHED] = 2 }, ONE_LISTENER, 0 },
	{ "queued", build_queued, { 1, 1 },
	  { [ST_ESTABLISHED] = 2 }, QUEUE_PER_LISTENER, 0 },
	{ "syn_sent", build_syn_sent, { 5, 4 },
	  { [ST_SYN_SENT] = 1 }, ONE_LISTENER, 2 * SYN_SENT_FILLERS },
	{ "syn_recv", build_syn_recv, { 3, 13 },
	  { [ST_SYN_RECV] = 1, [ST_ESTABLISHED] = 1 }, REQUESTS_PER_LISTENER, 0 },
	{ "fin_wait1", build_fin_wait1, { 8, 2 },
	  { [ST_FIN_WAIT1] = 1, [ST_ESTABLISHED] = 1 }, ONE_LISTENER, 0 },
	{ "closing", build_closing, { 1, 9 },
	  { [ST_CLOSING] = 1, [ST_FIN_WAIT2] = 1 }, ONE_LISTENER, 0 },
	{ "last_ack", build_last_ack, { 10, 11 },
	  { [ST_LAST_ACK] = 1, [ST_FIN_WAIT2] = 1 }, ONE_LISTENER, 0 },
	{ "fin_wait2", build_fin_wait2, { 10, 1 },
	  { [ST_FIN_WAIT2] = 1, [ST_CLOSE_WAIT] = 1 }, ONE_LISTENER, 0 },
	{ "fin_wait2_orphan", build_fin_wait2_orphan, { 5, 13 },
	  { [ST_FIN_WAIT2] = 1, [ST_CLOSE_WAIT] = 1 }, ONE_LISTENER, 0 },
	{ "time_wait", build_time_wait, { 7, 6 },
	  { [ST_TIME_WAIT] = 1 }, ONE_LISTENER, 0 },
};

#define NRECIPES (sizeof(recipes) / sizeof(recipes[0]))

/* What the recipes build at scale for the families in mask. */
static void plan_counts(unsigned scale, unsigned mask, counts_t out)
{
	memset(out, 0, sizeof(counts_t));
	for (unsigned f = 0; f < NFAMS; f++) {
		if (!(mask & fams[f].bit))
			continue;
		for (size_t r = 0; r < NRECIPES; r++) {
			const struct recipe *rc = &recipes[r];
			unsigned n = rc->mult[f] * scale;

			if (!n)
				continue;
			for (int s = 1; s <= NSTATES; s++)
				out[f][s] += n * rc->unit[s];
			if (rc->per_listener)
				out[f][ST_LISTEN] += (n + rc->per_listener - 1) / rc->per_listener;
			out[f][ST_ESTABLISHED] += rc->extra_est;
		}
	}
}

/*
 * Every non-zero count differs from every other, across both families,
 * so swapping any two states (or the families) changes what a reader
 * sees. Returns 0 and names a clash in msg when they do not.
 */
static int distinct_counts(counts_t c, char *msg, size_t len)
{
	for (unsigned a = 0; a < NFAMS * NSTATES; a++) {
		unsigned fa = a / NSTATES, sa = a % NSTATES + 1;

		for (unsigned b = a + 1; b < NFAMS * NSTATES; b++) {
			unsigned fb = b / NSTATES, sb = b % NSTATES + 1;

			if (c[fa][sa] && c[fa][sa] == c[fb][sb]) {
				snprintf(msg, len, "%s %s and %s %s would both be %u",
					 fams[fa].name, state_names[sa], fams[fb].name,
					 state_names[sb], c[fa][sa]);
				return 0;
			}
		}
	}
	return 1;
}

static unsigned total_sockets(counts_t c)
{
	unsigned total = 0;

	for (unsigned f = 0; f < NFAMS; f++)
		for (int s = 1; s <= NSTATES; s++)
			total += c[f][s];
	return total;
}

/*
 * The two count lines, then @extra (a whole line, or NULL), then "ready".
 */
static void print_counts_and(counts_t c, const char *extra)
{
	for (unsigned f = 0; f < NFAMS; f++) {
		printf("%s", fams[f].name);
		for (int s = 1; s <= NSTATES; s++)
			printf(" %u", c[f][s]);
		putchar('\n');
	}
	if (extra)
		fputs(extra, stdout);
	printf("ready\n");
	if (fflush(stdout) || ferror(stdout))
		die("stdout", "write failed");
}

static void print_counts(counts_t c)
{
	print_counts_and(c, NULL);
}

/* Block until SIGTERM or SIGINT (blocked since start, so none is lost). */
static void hold_until_signal(const sigset_t *set)
{
	int sig;

	while (sigwait(set, &sig) != 0)
		;
}

static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		die_sys("sockfarm", "sigprocmask");
}

/* ------------------------------------------------------------------ */
/* Final check of everything held                                       */

/* Why held socket h is not (yet) what it must be, or NULL. */
static const char *held_wrong(const struct held *h, char *buf, size_t len)
{
	struct tcp_info ti;
	socklen_t got = tcp_info_of(h->fd, &ti, h->recipe);

	if (ti.tcpi_state != h->want)
		snprintf(buf, len, "a socket is in %s, want %s", state_name(ti.tcpi_state),
			 state_name(h->want));
	else if (h->children >= 0 && ti.tcpi_unacked != (unsigned)h->children)
		snprintf(buf, len, "listener accept queue holds %u, want %d",
			 ti.tcpi_unacked, h->children);
	else if (h->fin_queued &&
		 got >= offsetof(struct tcp_info, tcpi_notsent_bytes) +
				sizeof(ti.tcpi_notsent_bytes) &&
		 ti.tcpi_notsent_bytes <= 1)
		snprintf(buf, len, "%s socket sent all its data, its FIN is not held back",
			 state_name(h->want));
	else
		return NULL;
	return buf;
}

/*
 * Last check before "ready": every socket with an fd still in its state,
 * listeners with the accept queue length their recipe left, and stuck
 * FINs still behind unsent data.
 */
static void verify_farm(const struct farm *fm)
{
	long long deadline = now_ms() + wait_ms;
	int pause_ms = 1;
	size_t done = 0;
	char why[128], tag[48];
	const char *bad = NULL;

	for (;;) {
		for (; done < fm->nheld; done++)
			if ((bad = held_wrong(&fm->held[done], why, sizeof(why))))
				break;
		if (done == fm->nheld)
			return;
		check_interrupted("build");
		if (now_ms() > deadline) {
			const struct held *h = &fm->held[done];

			snprintf(tag, sizeof(tag), "%s %s", h->recipe, fams[h->fam].name);
			die(tag, "%s after %d s", bad, wait_ms / 1000);
		}
		backoff(&pause_ms);
	}
}

/*
 * Close everything with a reset (SO_LINGER 0): nothing is left behind to
 * time out (orphans with queued data would otherwise keep their network
 * namespace alive for minutes). Minisocks without an fd stay their time.
 */
static void farm_release(struct farm *fm)
{
	const struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };

	for (size_t i = 0; i < fm->nheld; i++) {
		setsockopt(fm->held[i].fd, SOL_SOCKET, SO_LINGER, &abort_close,
			   sizeof(abort_close));
		close(fm->held[i].fd);
	}
	free(fm->held);
}

/*
 * TcpExt TCPTimeWaitOverflow in /proc/net/netstat (this netns): counts
 * sockets the kernel closed without a TIME_WAIT minisock because
 * tcp_max_tw_buckets was reached (a churn in the last minute can do it).
 * Returns -1 when it cannot be read.
 */
static long long tw_overflows(void)
{
	FILE *f = fopen("/proc/net/netstat", "r");
	char *names = NULL, *values = NULL;
	size_t nlen = 0, vlen = 0;
	long long found = -1;

	if (!f)
		return -1;
	while (found < 0 && getline(&names, &nlen, f) > 0 && getline(&values, &vlen, f) > 0) {
		char *ns, *vs, *n = strtok_r(names, " \n", &ns), *v = strtok_r(values, " \n", &vs);

		if (!n || strcmp(n, "TcpExt:"))
			continue;
		while ((n = strtok_r(NULL, " \n", &ns)) && (v = strtok_r(NULL, " \n", &vs)))
			if (!strcmp(n, "TCPTimeWaitOverflow")) {
				found = atoll(v);
				break;
			}
	}
	free(names);
	free(values);
	fclose(f);
	return found;
}

/* ------------------------------------------------------------------ */
/* sockfarm build                                                       */

static void build_all(struct farm *fm, unsigned scale, unsigned mask)
{
	long long overflows = tw_overflows();

	for (size_t r = 0; r < NRECIPES; r++) {
		for (unsigned f = 0; f < NFAMS; f++) {
			struct job j = {
				.farm = fm, .fam = &fams[f], .famidx = f,
				.recipe = recipes[r].name, .n = recipes[r].mult[f] * scale,
			};

			if (!(mask & fams[f].bit) || !j.n)
				continue;
			snprintf(j.tag, sizeof(j.tag), "%s %s", j.recipe, fams[f].name);
			recipes[r].build(&j);
		}
	}
	long long lost = overflows >= 0 ? tw_overflows() - overflows : 0;

	if (lost > 0)
		die("build", "%lld TIME_WAIT/FIN_WAIT2 minisocks were not made: the "
		    "tcp_max_tw_buckets table is full (TCPTimeWaitOverflow)", lost);
}

static int cmd_build(int argc, char **argv)
{
	unsigned mask = fams[FAM_IPV4].bit | fams[FAM_IPV6].bit, scale = 1;
	int dry_run = 0, timewait = 0;
	counts_t plan, built;
	char msg[160], twline[64];
	struct farm fm = { 0 };
	sigset_t sigs;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--family") && i + 1 < argc)
			mask = parse_family(argv[++i]);
		else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
			scale = parse_ulong("--scale", argv[++i], 1, MAX_SCALE);
		else if (!strcmp(argv[i], "--dry-run"))
			dry_run = 1;
		else if (!strcmp(argv[i], "--timewait"))
			timewait = 1;
		else
			die("build", "unknown or incomplete option \"%s\"", argv[i]);
	}
	plan_counts(scale, mask, plan);
	if (!distinct_counts(plan, msg, sizeof(msg)))
		die("--scale", "scale %u makes counts ambiguous: %s", scale, msg);
	if (dry_run && timewait)
		die("build", "--timewait counts the minisocks a build made: not with --dry-run");
	if (dry_run) {
		print_counts(plan);
		return 0;
	}

	block_signals(&sigs);
	need_nofile(total_sockets(plan) + 64, "build"); /* more than the fds it needs */

	build_all(&fm, scale, mask);
	verify_farm(&fm);
	farm_counts(&fm, built);
	if (memcmp(plan, built, sizeof(plan)))
		die("build", "internal error: the sockets built differ from the plan");
	/*
	 * --timewait: the TIME_WAIT minisocks made per family, whatever their
	 * substate (time_wait and fin_wait2_orphan): what the kernel counts
	 * as "tw" in /proc/net/sockstat.
	 */
	snprintf(twline, sizeof(twline), "timewait %u %u\n",
		 fm.ghosts[FAM_IPV4][ST_TIME_WAIT] + fm.ghosts[FAM_IPV4][ST_FIN_WAIT2],
		 fm.ghosts[FAM_IPV6][ST_TIME_WAIT] + fm.ghosts[FAM_IPV6][ST_FIN_WAIT2]);
	print_counts_and(built, timewait ? twline : NULL);

	hold_until_signal(&sigs);
	farm_release(&fm);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sockfarm services                                                    */

/*
 * A few listening services with known per-port figures, printed in the
 * layout of the module's "ports" section:
 *   ports <port> <listeners> <accept_queue> <backlog> <fullest_queue>
 *         <fullest_backlog> <11 counts of sockets with that local port>
 * "fullest" is the listener whose queue is fullest relative to its limit;
 * among equals the one with the longer queue, then the larger limit.
 */
struct svc {
	unsigned port, listeners, queue, backlog, fq, fb;
	unsigned n[NSTATES + 1];
};

static unsigned port_of(const struct listener *l)
{
	if (l->addr.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&l->addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&l->addr)->sin6_port);
}

static int fuller(unsigned q, unsigned m, unsigned fq, unsigned fm)
{
	unsigned long long a = (unsigned long long)q * (fm ? fm : 1);
	unsigned long long b = (unsigned long long)fq * (m ? m : 1);

	return a > b || (a == b && (q > fq || (q == fq && m > fm)));
}

/* A listener of the service, and the queue it will hold when built. */
static struct listener svc_listen(struct job *j, struct svc *v, int reuseport, int backlog,
				  int defer, unsigned queue)
{
	struct listener l = listen_at(j, v->port, reuseport, backlog, NULL, defer);

	v->port = port_of(&l);
	if (!v->listeners || fuller(queue, backlog, v->fq, v->fb)) {
		v->fq = queue;
		v->fb = backlog;
	}
	v->listeners++;
	v->queue += queue;
	v->backlog += backlog;
	v->n[ST_LISTEN]++;
	return l;
}

/* Accept client c's connection from whichever listener of a group has it. */
static int accept_any(struct job *j, const struct listener *ls, unsigned nl, int c)
{
	long long deadline = now_ms() + wait_ms;
	int pause_ms = 1;

	for (;;) {
		for (unsigned i = 0; i < nl; i++)
			if (accept_queue_len(ls[i].fd, j->tag))
				return accept_peer(j, &ls[i], c);
		check_interrupted(j->tag);
		if (now_ms() > deadline)
			die(j->tag, "no listener of the group got the connection after %d s",
			    wait_ms / 1000);
		backoff(&pause_ms);
	}
}

/* n connections accepted by the group, both ends held ESTABLISHED. */
static void svc_established(struct job *j, struct svc *v, const struct listener *ls,
			    unsigned nl, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int c = start_connect(j, &ls[0], NULL, 0);

		wait_connected(j, c);
		hold(j, c, ST_ESTABLISHED);
		hold(j, accept_any(j, ls, nl, c), ST_ESTABLISHED);
	}
	v->n[ST_ESTABLISHED] += n;
}

/*
 * n connections the server closes first: the server ends in a TIME_WAIT
 * minisock on the service's port, the client's socket goes away.
 */
static void svc_time_wait(struct job *j, struct svc *v, const struct listener *ls,
			  unsigned nl, unsigned n)
{
	struct pair *p = xcalloc(n, sizeof(*p), j->tag);
	unsigned saved = j->n;

	for (unsigned i = 0; i < n; i++) {
		p[i].c = start_connect(j, &ls[0], NULL, 0);
		wait_connected(j, p[i].c);
		p[i].s = accept_any(j, ls, nl, p[i].c);
	}
	j->n = n;
	for (unsigned i = 0; i < n; i++)
		half_close(j, p[i].s);
	wait_pairs(j, p, ST_CLOSE_WAIT, ST_FIN_WAIT2, "server shutdown");
	for (unsigned i = 0; i < n; i++)
		half_close(j, p[i].c);
	wait_pairs(j, p, ST_CLOSE, ST_CLOSE, "client shutdown");
	j->n = saved;
	for (unsigned i = 0; i < n; i++) {
		close(p[i].c);
		close(p[i].s);
	}
	ghost(j, ST_TIME_WAIT, n);
	v->n[ST_TIME_WAIT] += n;
	free(p);
}

static struct job svc_job(struct farm *fm, unsigned f, const char *name)
{
	struct job j = { .farm = fm, .fam = &fams[f], .famidx = f, .recipe = name, .n = 1 };

	snprintf(j.tag, sizeof(j.tag), "%s %s", name, fams[f].name);
	return j;
}

/*
 * "web": an SO_REUSEPORT pair on 127.0.0.1 and a listener on ::1, all on
 * one port; connections in both families, some closed by the server.
 */
static void svc_web(struct farm *fm, struct svc *v)
{
	struct job j4 = svc_job(fm, FAM_IPV4, "web"), j6 = svc_job(fm, FAM_IPV6, "web");
	struct listener g[2], l6;

	g[0] = svc_listen(&j4, v, 1, 16, 0, 0);
	g[1] = svc_listen(&j4, v, 1, 32, 0, 0);
	l6 = svc_listen(&j6, v, 0, 8, 0, 0);
	svc_established(&j4, v, g, 2, 5);
	svc_established(&j6, v, &l6, 1, 3);
	svc_time_wait(&j4, v, g, 2, 4);
	svc_time_wait(&j6, v, &l6, 1, 2);
}

/*
 * "db" (IPv6): TCP_DEFER_ACCEPT keeps silent clients as request socks
 * (SYN_RECV on the service's port); clients that send a byte are accepted.
 */
static void svc_db(struct farm *fm, struct svc *v)
{
	struct job j = svc_job(fm, FAM_IPV6, "db");
	struct listener l = svc_listen(&j, v, 0, 64, DEFER_SECS, 0);

	for (unsigned i = 0; i < 6; i++) {
		int c = start_connect(&j, &l, NULL, 0);

		wait_connected(&j, c);
		hold(&j, c, ST_ESTABLISHED);
	}
	ghost(&j, ST_SYN_RECV, 6);
	v->n[ST_SYN_RECV] += 6;
	for (unsigned i = 0; i < 2; i++) {
		int c = start_connect(&j, &l, NULL, 0);

		wait_connected(&j, c);
		if (send(c, "x", 1, MSG_NOSIGNAL) != 1)
			die_sys(j.tag, "send");
		hold(&j, c, ST_ESTABLISHED);
		hold(&j, accept_peer(&j, &l, c), ST_ESTABLISHED);
	}
	v->n[ST_ESTABLISHED] += 2;
}

/*
 * "full" (IPv4): backlog 2 and three connections nobody accepts: the
 * queue (3) is above the limit, so the kernel drops the SYNs of two more
 * clients, which stay in SYN_SENT.
 */
static void svc_full(struct farm *fm, struct svc *v)
{
	struct job j = svc_job(fm, FAM_IPV4, "full");
	struct listener l = svc_listen(&j, v, 0, 2, 0, 3);

	for (unsigned i = 0; i < 3; i++) {
		int c = start_connect(&j, &l, NULL, 0);

		wait_connected(&j, c);
		hold(&j, c, ST_ESTABLISHED);
		wait_accept_queue(&j, &l, i + 1);
	}
	j.farm->held[l.slot].children = 3;
	ghost(&j, ST_ESTABLISHED, 3);
	v->n[ST_ESTABLISHED] += 3;
	for (unsigned i = 0; i < 2; i++)
		hold(&j, start_connect(&j, &l, NULL, SYN_RETRIES), ST_SYN_SENT);
}

static int cmd_services(int argc, char **argv)
{
	void (*const build[])(struct farm *, struct svc *) = { svc_web, svc_db, svc_full };
	struct svc v[3] = { 0 };
	struct farm fm = { 0 };
	counts_t built;
	sigset_t sigs;

	if (argc > 1)
		die("services", "unknown option \"%s\"", argv[1]);
	block_signals(&sigs);
	need_nofile(256, "services");
	for (unsigned i = 0; i < 3; i++)
		build[i](&fm, &v[i]);
	verify_farm(&fm);
	for (unsigned i = 0; i < 3; i++) {
		printf("ports %u %u %u %u %u %u", v[i].port, v[i].listeners, v[i].queue,
		       v[i].backlog, v[i].fq, v[i].fb);
		for (int st = 1; st <= NSTATES; st++)
			printf(" %u", v[i].n[st]);
		putchar('\n');
	}
	farm_counts(&fm, built);
	print_counts(built);
	hold_until_signal(&sigs);
	farm_release(&fm);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sockfarm churn                                                       */

struct churn_end {
	struct listener l;
	unsigned next_src; /* IPv4 source address cycle */
};

/*
 * Blocking calls with a time limit, so churn cannot hang: SO_SNDTIMEO
 * bounds connect(), SO_RCVTIMEO accept() and, inherited by the accepted
 * socket, recv().
 */
static void set_timeout(int fd, int opt, const char *what)
{
	struct timeval tv = { .tv_sec = wait_ms / 1000 };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)))
		die_sys(what, opt == SO_SNDTIMEO ? "setsockopt(SO_SNDTIMEO)"
						 : "setsockopt(SO_RCVTIMEO)");
}

/*
 * Bind an IPv4 client to 127.0.0.x (x cycling over 1..250) with the port
 * left to connect(), which only needs the 4-tuple to be unique: 250 times
 * the ephemeral port range before TIME_WAIT can run it out.
 */
static void bind_ipv4_source(int fd, unsigned index, const char *what)
{
	struct sockaddr_in src = ipv4_source(index);

	set_opt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1, what,
		"setsockopt(IP_BIND_ADDRESS_NO_PORT)");
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)))
		die_sys(what, "bind");
}

/* One connection: connect, accept, one byte, close (client first). */
static int churn_once(struct job *j, struct churn_end *e, int linger0)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	int c = tcp_socket(j->fam->af, 0, j->tag), s;
	char byte = 'x';

	set_timeout(c, SO_SNDTIMEO, j->tag);
	if (j->fam->af == AF_INET)
		bind_ipv4_source(c, e->next_src++ % 250, j->tag);
	if (connect(c, (struct sockaddr *)&e->l.addr, e->l.len)) {
		if (errno != EADDRNOTAVAIL)
			die_sys(j->tag, "connect");
		close(c);
		return 0; /* out of ports for now: skip */
	}
	s = accept4(e->l.fd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		die_sys(j->tag, "accept");
	if (send(c, &byte, 1, MSG_NOSIGNAL) != 1)
		die_sys(j->tag, "send");
	if (recv(s, &byte, 1, MSG_WAITALL) != 1)
		die_sys(j->tag, "recv");
	if (linger0 && setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)))
		die_sys(j->tag, "setsockopt(SO_LINGER)");
	close(c);
	close(s);
	return 1;
}

/*
 * The phases of --phase-file: the churn looks whether the file exists every
 * PHASE_POLL_US, and each change closes a phase, printed at the end as
 * "phase <on|off> <microseconds> <connections>". A reader that creates the
 * file while it samples and removes it while it idles gets the churn's
 * rate with and without it, from phases seconds apart, as many as fit.
 */
#define PHASE_POLL_US 10000
#define PHASE_MAX 4096

struct phase {
	int on;
	long long us;
	unsigned long long conns;
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int cmd_churn(int argc, char **argv)
{
	unsigned mask = fams[FAM_IPV4].bit | fams[FAM_IPV6].bit, seconds = 0;
	unsigned long long churned = 0, skipped = 0;
	int linger0 = 0;
	const char *phase_file = NULL;
	static struct phase phases[PHASE_MAX];
	unsigned nphases = 0;
	struct farm fm = { 0 };
	struct job jobs[NFAMS];
	struct churn_end ends[NFAMS];
	unsigned active[NFAMS], nactive = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--family") && i + 1 < argc)
			mask = parse_family(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = parse_ulong("--seconds", argv[++i], 1, 86400);
		else if (!strcmp(argv[i], "--linger0"))
			linger0 = 1;
		else if (!strcmp(argv[i], "--phase-file") && i + 1 < argc)
			phase_file = argv[++i];
		else
			die("churn", "unknown or incomplete option \"%s\"", argv[i]);
	}
	if (!seconds)
		die("churn", "--seconds S is required");
	need_nofile(64, "churn");

	for (unsigned f = 0; f < NFAMS; f++) {
		if (!(mask & fams[f].bit))
			continue;
		jobs[f] = (struct job){ .farm = &fm, .fam = &fams[f], .famidx = f,
					.recipe = "churn" };
		snprintf(jobs[f].tag, sizeof(jobs[f].tag), "churn %s", fams[f].name);
		ends[f] = (struct churn_end){ .l = open_listener(&jobs[f], 128, NULL, 0) };
		set_timeout(ends[f].l.fd, SO_RCVTIMEO, jobs[f].tag);
		active[nactive++] = f;
	}

	long long t = now_us(), end = t + seconds * 1000000LL, poll_at = t, phase_t0 = t;
	unsigned long long phase_c0 = 0;
	int on = phase_file && access(phase_file, F_OK) == 0;

	for (unsigned long long i = 0; t < end; i++) {
		unsigned f = active[i % nactive];

		if (churn_once(&jobs[f], &ends[f], linger0))
			churned++;
		else
			skipped++;
		t = now_us();
		if (!phase_file || t < poll_at)
			continue;
		poll_at = t + PHASE_POLL_US;
		if ((access(phase_file, F_OK) == 0) == on || t >= end)
			continue;
		if (nphases == PHASE_MAX)
			die("churn", "more than %d phases in %s", PHASE_MAX, phase_file);
		phases[nphases++] = (struct phase){ on, t - phase_t0, churned - phase_c0 };
		on = !on;
		phase_t0 = t;
		phase_c0 = churned;
	}
	if (phase_file && nphases < PHASE_MAX)
		phases[nphases++] = (struct phase){ on, t - phase_t0, churned - phase_c0 };
	if (skipped)
		fprintf(stderr, "sockfarm: churn: %llu attempts skipped, no local port free "
			"(EADDRNOTAVAIL)\n", skipped);
	for (unsigned k = 0; k < nphases; k++)
		printf("phase %s %lld %llu\n", phases[k].on ? "on" : "off", phases[k].us,
		       phases[k].conns);
	printf("churned %llu\n", churned);
	if (fflush(stdout) || ferror(stdout))
		die("stdout", "write failed");
	farm_release(&fm);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sockfarm fill                                                        */

/*
 * What to fill, fixed before any worker starts. Connection i of family f
 * goes to listener i % nls and, for IPv4, comes from source address
 * i % sources.
 */
struct fill_plan {
	unsigned mask, nls;
	unsigned conns[NFAMS];
	unsigned sources[NFAMS];
	struct listener *ls[NFAMS];
};

/* One worker's share of one family: connections first .. first + n - 1. */
struct fill_part {
	const struct fill_plan *plan;
	struct job job;
	unsigned first, n, made;
	int *fds; /* client and server of each connection */
};

static unsigned ephemeral_ports(void)
{
	long lo = 32768, hi = 60999;

	if (read_sysctl("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi) != 2 || hi < lo)
		return 28232;
	return (unsigned)(hi - lo + 1);
}

static unsigned somaxconn(void)
{
	long v = 4096, unused;

	if (read_sysctl("/proc/sys/net/core/somaxconn", &v, &unused) < 1 || v < 1)
		return 128;
	return v > 65535 ? 65535 : (unsigned)v;
}

/* Start connection i of the family: non-blocking. */
static int fill_connect(struct fill_part *fp, unsigned i)
{
	struct job *j = &fp->job;
	const struct fill_plan *pl = fp->plan;
	const struct listener *l = &pl->ls[j->famidx][i % pl->nls];
	int fd = tcp_socket(j->fam->af, SOCK_NONBLOCK, j->tag);

	if (j->fam->af == AF_INET)
		bind_ipv4_source(fd, i % pl->sources[j->famidx], j->tag);
	if (connect(fd, (const struct sockaddr *)&l->addr, l->len) && errno != EINPROGRESS) {
		if (errno == EADDRNOTAVAIL)
			die(j->tag, "connect: no local port free for connection %u; "
			    "use more --listeners or a wider ip_local_port_range", i);
		die_sys(j->tag, "connect");
	}
	return fd;
}

/* Accept what is queued on the family's listeners, up to room. */
static unsigned fill_accept(struct fill_part *fp, int *out, unsigned room)
{
	const struct fill_plan *pl = fp->plan;
	unsigned got = 0;

	for (unsigned k = 0; k < pl->nls && got < room; k++) {
		int lfd = pl->ls[fp->job.famidx][k].fd;

		while (got < room) {
			int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (s < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				die_sys(fp->job.tag, "accept");
			}
			out[got++] = s;
		}
	}
	return got;
}

/* A batch stalled: say which client did not get through, and why. */
static void __attribute__((noreturn)) fill_stalled(struct fill_part *fp, unsigned n,
						   unsigned accepted)
{
	struct job *j = &fp->job;

	for (unsigned i = 0; i < n; i++) {
		int fd = fp->fds[2 * (fp->made + i)];
		int err = get_opt(fd, SOL_SOCKET, SO_ERROR, j->tag, "getsockopt(SO_ERROR)");
		int st = tcp_state(fd, j->tag);

		if (err || st != ST_ESTABLISHED)
			die(j->tag, "connection %u: %s, state %s (%u of %u accepted in %d s)",
			    fp->first + fp->made + i, err ? strerror(err) : "no error",
			    state_name(st), accepted, n, wait_ms / 1000);
	}
	die(j->tag, "%u of %u connections accepted in %d s", accepted, n, wait_ms / 1000);
}

/*
 * One batch: start n connects, then accept until all n arrived. A
 * connection that was accepted is complete on both sides (the server's
 * child exists only once the client's ACK came in).
 */
static void fill_batch(struct fill_part *fp, int ep, unsigned n)
{
	int *servers = xcalloc(n, sizeof(int), fp->job.tag);
	long long deadline = now_ms() + wait_ms;
	unsigned accepted = 0;

	for (unsigned i = 0; i < n; i++)
		fp->fds[2 * (fp->made + i)] = fill_connect(fp, fp->first + fp->made + i);
	for (;;) {
		struct epoll_event ev[16];
		long long left;

		accepted += fill_accept(fp, servers + accepted, n - accepted);
		if (accepted == n)
			break;
		check_interrupted(fp->job.tag);
		left = deadline - now_ms();
		if (left <= 0)
			fill_stalled(fp, n, accepted);
		if (epoll_wait(ep, ev, 16, left > 100 ? 100 : (int)left) < 0 && errno != EINTR)
			die_sys(fp->job.tag, "epoll_wait");
	}
	for (unsigned i = 0; i < n; i++)
		fp->fds[2 * (fp->made + i) + 1] = servers[i];
	fp->made += n;
	free(servers);
}

/* Make the part's connections in batches the accept queues can hold. */
static void fill_part_run(struct fill_part *fp)
{
	const struct fill_plan *pl = fp->plan;
	unsigned batch = FILL_BATCH, qlen = somaxconn();
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die_sys(fp->job.tag, "epoll_create1");
	for (unsigned k = 0; k < pl->nls; k++) {
		struct epoll_event ev = { .events = EPOLLIN };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, pl->ls[fp->job.famidx][k].fd, &ev))
			die_sys(fp->job.tag, "epoll_ctl");
	}
	if (batch > qlen * pl->nls)
		batch = qlen * pl->nls;
	fp->fds = xcalloc(2 * (size_t)fp->n, sizeof(int), fp->job.tag);
	while (fp->made < fp->n) {
		unsigned left = fp->n - fp->made;

		fill_batch(fp, ep, left < batch ? left : batch);
	}
	close(ep);

	/* Every socket made must be ESTABLISHED now. */
	for (size_t i = 0; i < 2 * (size_t)fp->n; i++) {
		int st = tcp_state(fp->fds[i], fp->job.tag);

		if (st != ST_ESTABLISHED)
			die(fp->job.tag, "%s of connection %zu is in %s",
			    i % 2 ? "server" : "client", fp->first + i / 2, state_name(st));
	}
}

/*
 * A worker process makes connections [from, to) of the list of all
 * connections (IPv4 first, then IPv6), tells the parent on ready_fd and
 * holds them until SIGTERM (SIGKILL if the parent dies).
 */
static void __attribute__((noreturn)) fill_worker(const struct fill_plan *pl,
						  unsigned long from, unsigned long to,
						  int ready_fd, const sigset_t *sigs)
{
	struct fill_part parts[NFAMS];
	unsigned long base = 0;

	memset(parts, 0, sizeof(parts));
	for (unsigned f = 0; f < NFAMS; base += pl->conns[f], f++) {
		unsigned long lo = from > base ? from : base;
		unsigned long hi = to < base + pl->conns[f] ? to : base + pl->conns[f];
		struct fill_part *fp = &parts[f];

		if (lo >= hi)
			continue;
		fp->plan = pl;
		fp->job = (struct job){ .fam = &fams[f], .famidx = f, .recipe = "fill" };
		snprintf(fp->job.tag, sizeof(fp->job.tag), "fill %s", fams[f].name);
		fp->first = (unsigned)(lo - base);
		fp->n = (unsigned)(hi - lo);
		fill_part_run(fp);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1); /* the parent is gone */
	close(ready_fd);
	hold_until_signal(sigs);
	for (unsigned f = 0; f < NFAMS; f++) {
		for (size_t i = 0; i < 2 * (size_t)parts[f].made; i++)
			close(parts[f].fds[i]);
		free(parts[f].fds);
	}
	_exit(0);
}

/* Wait for a worker's ready byte; 0 if it exited first. */
static int worker_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;

	for (;;) {
		check_interrupted("fill");
		if (poll(&p, 1, 100) > 0)
			return read(fd, &b, 1) == 1;
	}
}

static pid_t start_worker(const struct fill_plan *pl, unsigned long from,
			  unsigned long to, const sigset_t *sigs)
{
	int pipefd[2];
	pid_t parent = getpid(), pid;

	if (pipe2(pipefd, O_CLOEXEC))
		die_sys("fill", "pipe");
	pid = fork();
	if (pid < 0)
		die_sys("fill", "fork");
	if (pid == 0) {
		close(pipefd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		fill_worker(pl, from, to, pipefd[1], sigs);
	}
	close(pipefd[1]);
	if (!worker_ready(pipefd[0]))
		die("fill", "worker %d failed", (int)pid); /* the others get SIGKILL */
	close(pipefd[0]);
	return pid;
}

static void stop_workers(const pid_t *pids, unsigned n)
{
	for (unsigned w = 0; w < n; w++)
		kill(pids[w], SIGTERM);
	for (unsigned w = 0; w < n; w++)
		while (waitpid(pids[w], NULL, 0) < 0 && errno == EINTR)
			;
}

/*
 * Split N over the families. IPv6 has only ::1: each connection needs a
 * local port not used towards the same listener port, so it is capped at
 * the free ephemeral ports times the listeners (the rest goes to IPv4).
 * IPv4 cycles over 127.0.0.1..250, and over 127.0.y.x when one address
 * per 250 connections would need more than half the ports.
 */
static void fill_split(struct fill_plan *pl, unsigned long conns)
{
	unsigned long ports = ephemeral_ports(), nfam = 0, want[NFAMS] = { 0 };
	unsigned long cap6;

	for (unsigned f = 0; f < NFAMS; f++)
		nfam += !!(pl->mask & fams[f].bit);
	for (unsigned f = 0, k = 0; f < NFAMS; f++)
		if (pl->mask & fams[f].bit)
			want[f] = conns / nfam + (k++ < conns % nfam);

	cap6 = ports > nfam * pl->nls ? (ports - nfam * pl->nls) * pl->nls : 0;
	if (want[FAM_IPV6] > cap6) {
		int to4 = !!(pl->mask & fams[FAM_IPV4].bit);

		fprintf(stderr, "sockfarm: fill: ipv6 capped at %lu connections (%lu ephemeral "
			"ports x %u listeners on ::1)%s\n", cap6, ports, pl->nls,
			to4 ? ", the rest goes to ipv4" : "");
		if (to4)
			want[FAM_IPV4] += want[FAM_IPV6] - cap6;
		want[FAM_IPV6] = cap6;
	}
	for (unsigned f = 0; f < NFAMS; f++) {
		unsigned long per_addr = ports / 2;
		unsigned long groups = (want[f] / 250 + per_addr) / per_addr;

		pl->conns[f] = (unsigned)want[f];
		pl->sources[f] = 250 * (unsigned)(groups > 256 ? 256 : groups);
	}
}

static int cmd_fill(int argc, char **argv)
{
	struct fill_plan pl = { .mask = fams[FAM_IPV4].bit | fams[FAM_IPV6].bit, .nls = 1 };
	unsigned long conns = 0, total, per_worker, from = 0;
	unsigned nworkers = 0;
	struct farm fm = { 0 };
	counts_t c = { { 0 } };
	pid_t *pids;
	rlim_t limit, reserve;
	sigset_t sigs;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--family") && i + 1 < argc)
			pl.mask = parse_family(argv[++i]);
		else if (!strcmp(argv[i], "--conns") && i + 1 < argc)
			conns = parse_ulong("--conns", argv[++i], 1, 50000000);
		else if (!strcmp(argv[i], "--listeners") && i + 1 < argc)
			pl.nls = parse_ulong("--listeners", argv[++i], 1, 1000);
		else
			die("fill", "unknown or incomplete option \"%s\"", argv[i]);
	}
	if (!conns)
		die("fill", "--conns N is required");

	block_signals(&sigs);
	fill_split(&pl, conns);
	total = (unsigned long)pl.conns[FAM_IPV4] + pl.conns[FAM_IPV6];

	/*
	 * 2N + listeners fds. When RLIMIT_NOFILE cannot go that high, share
	 * them out over worker processes (each has its own limit).
	 */
	reserve = 2 * pl.nls + 32;
	limit = raise_nofile(2 * total + reserve);
	if (limit < reserve + 2 * FILL_BATCH)
		die("fill", "RLIMIT_NOFILE is %llu, too low for even one batch "
		    "(need %lu for all %lu connections)", (unsigned long long)limit,
		    2 * total + (unsigned long)reserve, total);
	per_worker = (limit - reserve) / 2;
	if ((total + per_worker - 1) / per_worker > 1)
		fprintf(stderr, "sockfarm: fill: RLIMIT_NOFILE is %llu, too low for %lu fds: "
			"using %lu processes\n", (unsigned long long)limit,
			2 * total + (unsigned long)reserve, (total + per_worker - 1) / per_worker);

	for (unsigned f = 0; f < NFAMS; f++) {
		struct job j = { .farm = &fm, .fam = &fams[f], .famidx = f, .recipe = "fill" };

		if (!(pl.mask & fams[f].bit))
			continue;
		snprintf(j.tag, sizeof(j.tag), "fill %s", fams[f].name);
		pl.ls[f] = xcalloc(pl.nls, sizeof(struct listener), j.tag);
		for (unsigned k = 0; k < pl.nls; k++) {
			pl.ls[f][k] = open_listener(&j, 65535, NULL, 0);
			if (fcntl(pl.ls[f][k].fd, F_SETFL, O_NONBLOCK)) /* for accept */
				die_sys(j.tag, "fcntl(O_NONBLOCK)");
		}
		c[f][ST_ESTABLISHED] = 2 * pl.conns[f];
		c[f][ST_LISTEN] = pl.nls;
	}

	/* One worker at a time, so each accepts exactly its own connections. */
	pids = xcalloc(total / per_worker + 1, sizeof(pid_t), "fill");
	do {
		unsigned long to = total - from > per_worker ? from + per_worker : total;

		pids[nworkers++] = start_worker(&pl, from, to, &sigs);
		from = to;
	} while (from < total);
	print_counts(c);

	hold_until_signal(&sigs);
	stop_workers(pids, nworkers);
	free(pids);
	for (unsigned f = 0; f < NFAMS; f++)
		free(pl.ls[f]);
	farm_release(&fm); /* the listeners */
	return 0;
}

/* ------------------------------------------------------------------ */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"sockfarm: usage:\n"
		"  sockfarm build [--family 4|6|both] [--scale K] [--dry-run | --timewait]\n"
		"  sockfarm churn --seconds S [--family 4|6|both] [--linger0]\n"
		"  sockfarm fill --conns N [--family 4|6|both] [--listeners L]\n"
		"  sockfarm services\n");
	exit(1);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (getenv("TCPSTAT_TIME_SCALE")) {
		int scale = atoi(getenv("TCPSTAT_TIME_SCALE"));

		if (scale > 1 && scale <= 1000)
			wait_ms = WAIT_MS * scale;
	}
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "churn"))
		return cmd_churn(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fill"))
		return cmd_fill(argc - 1, argv + 1);
	if (!strcmp(argv[1], "services"))
		return cmd_services(argc - 1, argv + 1);
	usage();
}
