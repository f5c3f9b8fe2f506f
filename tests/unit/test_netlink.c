// SPDX-License-Identifier: GPL-2.0
/* test_netlink.c - counting inet_diag dump datagrams. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "src_netlink.h"

#define SEQ 1234
#define PORT 5678

/* A datagram being built. */
struct dgram {
	union {
		char buf[16384];
		struct nlmsghdr align;
	};
	size_t len;
};

static struct nlmsghdr *put(struct dgram *d, uint16_t type, uint16_t flags,
			    size_t payload)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(d->buf + d->len);

	assert_true(d->len + NLMSG_SPACE(payload) <= sizeof(d->buf));
	memset(nlh, 0, NLMSG_SPACE(payload));
	nlh->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORT;
	d->len += NLMSG_SPACE(payload);
	return nlh;
}

static struct nlmsghdr *put_sock(struct dgram *d, uint8_t family, uint8_t state)
{
	struct nlmsghdr *nlh = put(d, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
				   sizeof(struct inet_diag_msg));
	struct inet_diag_msg *m = NLMSG_DATA(nlh);

	m->idiag_family = family;
	m->idiag_state = state;
	return nlh;
}

/* A socket on local port @port; for a listener, its queue and limit. */
static void put_port(struct dgram *d, uint8_t family, uint8_t state, uint16_t port,
		     uint32_t rq, uint32_t wq)
{
	struct nlmsghdr *nlh = put_sock(d, family, state);
	struct inet_diag_msg *m = NLMSG_DATA(nlh);

	m->id.idiag_sport = htons(port);
	m->id.idiag_dport = htons(40000);
	m->idiag_rqueue = rq;
	m->idiag_wqueue = wq;
}

static void put_done(struct dgram *d, int err)
{
	struct nlmsghdr *nlh = put(d, NLMSG_DONE, NLM_F_MULTI, sizeof(int));

	memcpy(NLMSG_DATA(nlh), &err, sizeof(err));
}

static void put_error(struct dgram *d, int err)
{
	struct nlmsghdr *nlh = put(d, NLMSG_ERROR, 0, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = NLMSG_DATA(nlh);

	e->error = err;
}

static void expect_fail(struct dgram *d, int err, const char *what)
{
	struct nl_dump dump;

	nl_dump_init(&dump, AF_INET, SEQ, PORT);
	assert_int_equal(nl_dump_feed(&dump, d->buf, d->len), -1);
	assert_int_equal(dump.error, err);
	assert_contains(dump.what, what);
}

static void test_counts(void **state)
{
	static struct dgram d1, d2;
	struct nl_dump dump;

	(void)state;
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	for (uint8_t s = 0; s <= 13; s++)
		put_sock(&d1, AF_INET6, s);
	put_sock(&d1, AF_INET6, 255);
	put(&d1, NLMSG_NOOP, 0, 0);
	for (int i = 0; i < 5; i++)
		put_sock(&d2, AF_INET6, 10);
	put_done(&d2, 0);

	nl_dump_init(&dump, AF_INET6, SEQ, PORT);
	assert_int_equal(nl_dump_feed(&dump, d1.buf, d1.len), 1);
	assert_false(dump.done);
	assert_int_equal(nl_dump_feed(&dump, d2.buf, d2.len), 0);
	assert_true(dump.done);
	for (int s = 0; s < TCPSTAT_NSTATES; s++)
		assert_int_equal(dump.n[s], s == 9 ? 6 : 1);

	/* anything after NLMSG_DONE */
	assert_int_equal(nl_dump_feed(&dump, d2.buf, d2.len), -1);
	assert_contains(dump.what, "after NLMSG_DONE");
}

static void test_no_check_when_zero(void **state)
{
	static struct dgram d;
	struct nl_dump dump;

	(void)state;
	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET, 1);
	put_done(&d, 0);
	nl_dump_init(&dump, AF_INET, 0, 0);
	assert_int_equal(nl_dump_feed(&dump, d.buf, d.len), 0);
	assert_int_equal(dump.n[0], 1);
}

static void test_errors(void **state)
{
	static struct dgram d;

	(void)state;
	memset(&d, 0, sizeof(d));
	put_error(&d, -EPERM);
	expect_fail(&d, EPERM, "NLMSG_ERROR");

	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET, 1);
	put_error(&d, -ENOENT);
	expect_fail(&d, ENOENT, "NLMSG_ERROR");

	memset(&d, 0, sizeof(d));
	put_error(&d, 0);
	expect_fail(&d, EPROTO, "unexpected ACK");

	memset(&d, 0, sizeof(d));
	put(&d, NLMSG_ERROR, 0, 4);
	expect_fail(&d, EBADMSG, "short NLMSG_ERROR");

	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET, 1);
	put_done(&d, -EINTR);
	expect_fail(&d, EINTR, "NLMSG_DONE");

	memset(&d, 0, sizeof(d));
	put_done(&d, INT32_MIN);
	expect_fail(&d, EPROTO, "NLMSG_DONE");

	memset(&d, 0, sizeof(d));
	put_error(&d, INT32_MIN);
	expect_fail(&d, EPROTO, "NLMSG_ERROR");

	memset(&d, 0, sizeof(d));
	put(&d, NLMSG_OVERRUN, 0, 0);
	expect_fail(&d, ENOBUFS, "NLMSG_OVERRUN");

	memset(&d, 0, sizeof(d));
	put(&d, 7, 0, 0);
	expect_fail(&d, EPROTO, "unknown netlink control message");

	memset(&d, 0, sizeof(d));
	put(&d, 0, 0, 0);
	expect_fail(&d, EPROTO, "unknown netlink control message");
}

static void test_bad_messages(void **state)
{
	static struct dgram d;
	struct nlmsghdr *nlh;

	(void)state;
	memset(&d, 0, sizeof(d));
	put(&d, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, 10);
	expect_fail(&d, EBADMSG, "short inet_diag_msg");

	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET6, 1);
	expect_fail(&d, EPROTO, "another family");

	memset(&d, 0, sizeof(d));
	put(&d, 99, NLM_F_MULTI, sizeof(struct inet_diag_msg));
	expect_fail(&d, EPROTO, "unexpected message type");

	/* libmnl's own checks: sequence, port, interrupted dump */
	memset(&d, 0, sizeof(d));
	nlh = put_sock(&d, AF_INET, 1);
	nlh->nlmsg_seq = SEQ + 1;
	expect_fail(&d, EPROTO, "out of sequence");

	memset(&d, 0, sizeof(d));
	nlh = put_sock(&d, AF_INET, 1);
	nlh->nlmsg_pid = PORT + 1;
	expect_fail(&d, ESRCH, "another port");

	memset(&d, 0, sizeof(d));
	nlh = put_sock(&d, AF_INET, 1);
	nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	expect_fail(&d, EINTR, "interrupted");
}

static void test_truncated(void **state)
{
	static struct dgram d;
	struct nlmsghdr *nlh;
	struct nl_dump dump;

	(void)state;
	/* nlmsg_len past the end of the datagram */
	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET, 1);
	nlh = put_sock(&d, AF_INET, 1);
	nlh->nlmsg_len += 100;
	expect_fail(&d, EBADMSG, "truncated");

	/* nlmsg_len above INT_MAX (libmnl alone would walk off the buffer) */
	memset(&d, 0, sizeof(d));
	nlh = put_sock(&d, AF_INET, 1);
	nlh->nlmsg_len = 0xff000514;
	expect_fail(&d, EBADMSG, "truncated");

	/* trailing bytes that are not a message */
	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET, 1);
	d.len += 8;
	expect_fail(&d, EBADMSG, "truncated");

	/* nlmsg_len smaller than a header */
	memset(&d, 0, sizeof(d));
	nlh = put_sock(&d, AF_INET, 1);
	nlh->nlmsg_len = 4;
	expect_fail(&d, EBADMSG, "truncated");

	/* an empty datagram */
	nl_dump_init(&dump, AF_INET, SEQ, PORT);
	assert_int_equal(nl_dump_feed(&dump, d.buf, 0), -1);
	assert_contains(dump.what, "empty");

	/* a last message without its alignment padding is whole */
	memset(&d, 0, sizeof(d));
	put_sock(&d, AF_INET, 1);
	nlh = put(&d, NLMSG_DONE, NLM_F_MULTI, 1);
	d.len -= 3;
	nl_dump_init(&dump, AF_INET, SEQ, PORT);
	assert_int_equal(nl_dump_feed(&dump, d.buf, d.len), 0);
	assert_int_equal(dump.n[0], 1);
}

/*
 * The per-port view from two dumps: the IPv4 dump brings port 80's
 * connections before any listener of it, the IPv6 dump its listener.
 */
static void test_ports(void **state)
{
	static struct dgram d4, d6;
	static struct port_table t;
	struct port_list l = { 0 };
	struct nl_dump dump;

	(void)state;
	assert_int_equal(port_table_init(&t), 0);
	port_table_begin(&t);
	memset(&d4, 0, sizeof(d4));
	memset(&d6, 0, sizeof(d6));
	put_port(&d4, AF_INET, 1, 80, 5, 6);		/* ESTABLISHED: queues not a listener's */
	put_port(&d4, AF_INET, 6, 80, 0, 0);		/* TIME_WAIT */
	put_port(&d4, AF_INET, 10, 80, 3, 2);		/* a full listener */
	put_port(&d4, AF_INET, 10, 22, 0, 128);
	put_port(&d4, AF_INET, 1, 51000, 0, 0);		/* a client: no listener there */
	put_port(&d4, AF_INET, 12, 80, 0, 0);		/* not a reported state */
	put_done(&d4, 0);
	put_port(&d6, AF_INET6, 3, 80, 0, 0);		/* a request sock */
	put_port(&d6, AF_INET6, 10, 80, 1, 4096);
	put_port(&d6, AF_INET6, 10, 65535, 0, 0);
	put_done(&d6, 0);

	nl_dump_init(&dump, AF_INET, SEQ, PORT);
	dump.ports = &t;
	assert_int_equal(nl_dump_feed(&dump, d4.buf, d4.len), 0);
	nl_dump_init(&dump, AF_INET6, SEQ, PORT);
	dump.ports = &t;
	assert_int_equal(nl_dump_feed(&dump, d6.buf, d6.len), 0);
	assert_int_equal(dump.n[9], 2);

	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.row[0].port, 22);
	assert_int_equal(l.row[0].backlog, 128);
	assert_int_equal(l.row[1].port, 80);
	assert_int_equal(l.row[1].listeners, 2);
	assert_int_equal(l.row[1].accept_queue, 4);
	assert_int_equal(l.row[1].backlog, 4098);
	assert_int_equal(l.row[1].fullest_queue, 3);
	assert_int_equal(l.row[1].fullest_backlog, 2);
	assert_true(port_row_saturated(&l.row[1]));
	assert_int_equal(l.row[1].n[0], 1);
	assert_int_equal(l.row[1].n[2], 1);
	assert_int_equal(l.row[1].n[5], 1);
	assert_int_equal(l.row[1].n[9], 2);
	assert_int_equal(l.row[2].port, 65535);
	assert_int_equal(l.row[2].fullest_backlog, 0);
	free(l.row);
	port_table_free(&t);
}

/* The real thing, where sock_diag is available. */
static void test_live(void **state)
{
	static char buf[NETLINK_RECV_SIZE];
	struct tcpstat_counts c;
	struct tcpstat_err e;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	(void)state;
	if (fd < 0)
		skip();
	close(fd);
	if (netlink_read(buf, sizeof(buf), &c, NULL, &e))
		fail_msg("netlink_read: %s", e.msg);
}

/* With the per-port view: its LISTEN counts add up to the listeners. */
static void test_live_ports(void **state)
{
	static char buf[NETLINK_RECV_SIZE];
	static struct port_table t;
	struct port_list l = { 0 };
	struct tcpstat_counts c;
	struct tcpstat_err e;
	uint64_t listeners = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	(void)state;
	if (fd < 0)
		skip();
	close(fd);
	assert_int_equal(port_table_init(&t), 0);
	if (netlink_read(buf, sizeof(buf), &c, &t, &e))
		fail_msg("netlink_read: %s", e.msg);
	assert_int_equal(port_table_collect(&t, NULL, true, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		assert_int_equal(l.row[i].n[9], l.row[i].listeners);
		listeners += l.row[i].listeners;
	}
	/* a listener may come or go between the two reads of a family */
	(void)listeners;
	free(l.row);
	port_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_no_check_when_zero),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_live_ports),
	};

	return cmocka_run_group_tests_name("netlink", tests, NULL, NULL);
}
