// SPDX-License-Identifier: GPL-2.0
/*
 * src_netlink.c - count TCP sockets per state from inet_diag dumps, the
 * way ss does, without keeping anything per socket: every inet_diag_msg
 * is counted by its idiag_state as it arrives (and, with --ports, on its
 * local port's accumulator).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "source.h"
#include "src_netlink.h"

/* Every reported state, 1..11; never TCP_BOUND_INACTIVE (12) and up. */
#define NL_STATES_MASK (((1u << TCPSTAT_NSTATES) - 1) << 1)
_Static_assert(NL_STATES_MASK == 0xFFE, "states 1..11");

#define NL_DUMP_RETRIES 3

static int fail(struct nl_dump *d, int err, const char *what)
{
	d->error = err;
	snprintf(d->what, sizeof(d->what), "%s", what);
	return MNL_CB_ERROR;
}

/* An errno from a message: either sign, never INT_MIN negated. */
static int msg_errno(int err)
{
	if (err == INT_MIN)
		return EPROTO;
	return err < 0 ? -err : err;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_dump *d = data;
	const struct inet_diag_msg *m;
	int idx;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return fail(d, EPROTO, "unexpected message type");
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return fail(d, EBADMSG, "short inet_diag_msg");
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != d->family)
		return fail(d, EPROTO, "inet_diag_msg of another family");
	idx = TCPSTAT_STATE_INDEX(m->idiag_state);
	if (idx < 0)
		return MNL_CB_OK;
	d->n[idx]++;
	/* for a listener, the kernel puts its queue and limit here */
	if (d->ports)
		port_table_add(d->ports, ntohs(m->id.idiag_sport), idx,
			       m->idiag_rqueue, m->idiag_wqueue);
	return MNL_CB_OK;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_dump *d = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		return fail(d, EBADMSG, "short NLMSG_ERROR");
	if (err->error == 0) /* an ACK: a dump is not acknowledged */
		return fail(d, EPROTO, "unexpected ACK");
	return fail(d, msg_errno(err->error), "NLMSG_ERROR");
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_dump *d = data;

	/* A dump that failed part way says so in NLMSG_DONE's payload. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err;

		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0)
			return fail(d, msg_errno(err), "NLMSG_DONE");
	}
	d->done = true;
	return MNL_CB_STOP;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	return fail(data, ENOBUFS, "NLMSG_OVERRUN");
}

static int unknown_ctl_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	return fail(data, EPROTO, "unknown netlink control message");
}

/* not const: mnl_cb_run2() takes a non-const array */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[0] = unknown_ctl_cb,
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
	[NLMSG_OVERRUN] = overrun_cb,
	[5 ... NLMSG_MIN_TYPE - 1] = unknown_ctl_cb,
};

void nl_dump_init(struct nl_dump *d, uint8_t family, unsigned int seq,
		  unsigned int portid)
{
	memset(d, 0, sizeof(*d));
	d->family = family;
	d->seq = seq;
	d->portid = portid;
}

/*
 * Whole messages only, checked with unsigned arithmetic: libmnl's
 * mnl_nlmsg_ok() compares (int)nlmsg_len, which lets a length above
 * INT_MAX through. The last message may lack its alignment padding.
 */
static bool framing_ok(const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(buf + off);

		if (len - off < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN ||
		    nlh->nlmsg_len > len - off)
			return false;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return true;
}

int nl_dump_feed(struct nl_dump *d, const void *buf, size_t len)
{
	int ret;

	if (d->done) {
		fail(d, EPROTO, "data after NLMSG_DONE");
		return -1;
	}
	if (len == 0 || len > INT32_MAX) {
		fail(d, EPROTO, "empty netlink datagram");
		return -1;
	}
	if (!framing_ok(buf, len)) {
		fail(d, EBADMSG, "truncated netlink message");
		return -1;
	}
	d->error = 0;
	errno = 0;
	ret = mnl_cb_run2(buf, len, d->seq, d->portid, data_cb, d, ctl_cbs,
			  NLMSG_MIN_TYPE);
	if (ret == MNL_CB_ERROR) {
		if (!d->error) /* refused by libmnl itself: seq, portid, DUMP_INTR */
			fail(d, errno ? errno : EPROTO,
			     errno == ESRCH ? "reply from another port" :
			     errno == EPROTO ? "reply out of sequence" :
			     errno == EINTR ? "dump interrupted" : "mnl_cb_run");
		return -1;
	}
	if (d->done)
		return 0;
	if (ret == MNL_CB_STOP) { /* only the callbacks stop, and only at DONE */
		fail(d, EPROTO, "dump stopped early");
		return -1;
	}
	return 1;
}

static const char *family_str(uint8_t family)
{
	return family == AF_INET ? "AF_INET" : "AF_INET6";
}

/* Returns 0 or an errno; d->what names the step that failed. */
static int dump_family(struct mnl_socket *nl, uint8_t family, uint32_t states,
		       unsigned int seq, void *buf, size_t bufsize,
		       struct port_table *ports, struct nl_dump *d)
{
	char req[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2))];
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *r;
	unsigned int portid = mnl_socket_get_portid(nl);

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_states = states;
	r->idiag_ext = 0;

	nl_dump_init(d, family, seq, portid);
	d->ports = ports;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		fail(d, errno, "sendto");
		return d->error;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, bufsize);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				fail(d, ETIMEDOUT, "recvfrom (no reply within the receive timeout)");
			else
				fail(d, errno, "recvfrom");
			return d->error;
		}
		if (n == 0) {
			fail(d, EPROTO, "recvfrom: end of stream before NLMSG_DONE");
			return d->error;
		}
		ret = nl_dump_feed(d, buf, (size_t)n);
		if (ret < 0)
			return d->error;
		if (ret == 0)
			return 0;
	}
}

static struct mnl_socket *open_socket(struct tcpstat_err *e)
{
	struct mnl_socket *nl;
	struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
	int rcvbuf = NETLINK_RCVBUF, fd;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		tcpstat_err_set(e, "netlink: socket(NETLINK_SOCK_DIAG): %s",
				strerror(errno));
		return NULL;
	}
	fd = mnl_socket_get_fd(nl);
	/* Best effort: the kernel caps SO_RCVBUF at net.core.rmem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		tcpstat_err_set(e, "netlink: setsockopt(SO_RCVTIMEO): %s",
				strerror(errno));
		goto err;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		tcpstat_err_set(e, "netlink: bind: %s", strerror(errno));
		goto err;
	}
	return nl;
err:
	mnl_socket_close(nl);
	return NULL;
}

/* Both families into *c. 0, or an errno with *e filled. */
static int dump_both(void *buf, size_t bufsize, unsigned int *seq,
		     struct tcpstat_counts *c, struct port_table *ports,
		     struct tcpstat_err *e)
{
	static const uint8_t fams[TCPSTAT_NFAMILIES] = {
		[TCPSTAT_FAM_IPV4] = AF_INET,
		[TCPSTAT_FAM_IPV6] = AF_INET6,
	};

	if (ports)
		port_table_begin(ports);
	for (int f = 0; f < TCPSTAT_NFAMILIES; f++) {
		struct mnl_socket *nl = open_socket(e);
		struct nl_dump d;
		int err;

		if (!nl)
			return -1;
		err = dump_family(nl, fams[f], NL_STATES_MASK, ++*seq, buf, bufsize, ports, &d);
		mnl_socket_close(nl);
		if (err) {
			tcpstat_err_set(e, "netlink: inet_diag dump (%s): %s: %s",
					family_str(fams[f]), d.what, strerror(err));
			return err;
		}
		memcpy(c->n[f], d.n, sizeof(d.n));
	}
	return 0;
}

int netlink_read(void *buf, size_t bufsize, struct tcpstat_counts *out,
		 struct port_table *ports, struct tcpstat_err *e)
{
	struct tcpstat_counts c;
	unsigned int seq = (unsigned int)time(NULL);
	int err, tries = 0;

	if (bufsize > NETLINK_RECV_SIZE)
		bufsize = NETLINK_RECV_SIZE;
	/*
	 * A dump the kernel marks inconsistent (EINTR) is retried on a new
	 * socket, so no rest of the old dump is left to read; both families
	 * again, since the per-port view already holds the first one's.
	 */
	do
		err = dump_both(buf, bufsize, &seq, &c, ports, e);
	while (err == EINTR && ++tries < NL_DUMP_RETRIES);
	if (err)
		return -1;
	*out = c;
	return 0;
}

/* ---- the backend ---- */

/*
 * A dump that asks for no state: the kernel answers at once, without
 * walking its tables, and fails the same way a real dump would when
 * sock_diag has no TCP handler (inet_diag or tcp_diag not loaded).
 */
static enum backend_avail nl_probe(struct source *s, struct tcpstat_err *why)
{
	struct mnl_socket *nl;
	struct nl_dump d;
	int err;

	snprintf(s->path, sizeof(s->path), "netlink");
	nl = open_socket(why);
	if (!nl)
		return BACKEND_ABSENT;
	err = dump_family(nl, AF_INET, 0, (unsigned int)time(NULL), s->buf,
			  NETLINK_RECV_SIZE, NULL, &d);
	mnl_socket_close(nl);
	if (err) {
		tcpstat_err_set(why, "netlink: inet_diag dump (%s): %s: %s",
				family_str(AF_INET), d.what, strerror(err));
		return BACKEND_ABSENT;
	}
	return BACKEND_AVAILABLE;
}

static int nl_counts(struct source *s, struct tcpstat_counts *c, struct tcpstat_err *e)
{
	return netlink_read(s->buf, NETLINK_RECV_SIZE, c, NULL, e);
}

static int nl_ports(struct source *s, struct sample *out, struct tcpstat_err *e)
{
	if (source_port_table(s, e) ||
	    netlink_read(s->buf, NETLINK_RECV_SIZE, &out->c, s->ports, e))
		return -1;
	if (port_table_collect(s->ports, s->filter, true, &out->ports)) {
		tcpstat_err_set(e, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* No all_netns: a dump shows the namespace of its socket only. */
const struct backend_ops netlink_backend = {
	.name = "netlink",
	.probe = nl_probe,
	.counts = nl_counts,
	.ports = nl_ports,
};
