// SPDX-License-Identifier: GPL-2.0
/* test_sdnotify.c - sd_notify messages to a socket of the test's own, as systemd reads them. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

struct notify_sock {
	char dir[64];
	char path[96];
	int fd;
};

/* An AF_UNIX datagram socket where $NOTIFY_SOCKET points. */
static void sock_open(struct notify_sock *ns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(ns->dir, "/tmp/tcpstat-sdnotify.XXXXXX");
	assert_non_null(mkdtemp(ns->dir));
	snprintf(ns->path, sizeof(ns->path), "%s/notify", ns->dir);
	ns->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(ns->fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ns->path);
	assert_int_equal(bind(ns->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", ns->path, 1), 0);
}

static void sock_close(struct notify_sock *ns)
{
	close(ns->fd);
	unlink(ns->path);
	rmdir(ns->dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* The next message, or "" if none is waiting. */
static const char *next_msg(struct notify_sock *ns)
{
	static char buf[512];
	ssize_t n = recv(ns->fd, buf, sizeof(buf) - 1, 0);

	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		n = 0;
	}
	buf[n] = '\0';
	return buf;
}

static void set_watchdog(const char *usec, long pid)
{
	char p[32];

	snprintf(p, sizeof(p), "%ld", pid);
	assert_int_equal(setenv("WATCHDOG_USEC", usec, 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", p, 1), 0);
}

static void test_not_under_systemd(void **state)
{
	struct timespec now = { 100, 0 };
	struct tcpstat_err e;
	struct sdnotify s;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	set_watchdog("2000000", getpid());
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_false(s.active);
	assert_int_equal(s.watchdog_usec, 0);
	assert_int_equal(sdnotify_ready(&s, &e), 0);
	assert_int_equal(sdnotify_status(&s, "x", &e), 0);
	assert_int_equal(sdnotify_watchdog(&s, &now, &e), -1);
	assert_int_equal(sdnotify_stopping(&s, &e), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void test_messages(void **state)
{
	struct notify_sock ns;
	struct tcpstat_err e;
	struct sdnotify s;

	(void)state;
	sock_open(&ns);
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_true(s.active);
	assert_int_equal(s.watchdog_usec, 0);
	assert_int_equal(sdnotify_ready(&s, &e), 0);
	assert_string_equal(next_msg(&ns), "READY=1");
	assert_int_equal(sdnotify_status(&s, "serving /metrics on [::]:9100\nREADY=1", &e), 0);
	assert_string_equal(next_msg(&ns), "STATUS=serving /metrics on [::]:9100");
	assert_int_equal(sdnotify_stopping(&s, &e), 0);
	assert_string_equal(next_msg(&ns), "STOPPING=1");
	assert_string_equal(next_msg(&ns), "");
	sock_close(&ns);
}

static void later(struct timespec *t, long ms)
{
	t->tv_nsec += ms % 1000 * 1000000;
	t->tv_sec += ms / 1000 + t->tv_nsec / 1000000000;
	t->tv_nsec %= 1000000000;
}

/* WATCHDOG=1 at half of WATCHDOG_USEC, timed by the clock passed in. */
static void test_watchdog(void **state)
{
	struct timespec t = { 1000, 500000000 };
	struct notify_sock ns;
	struct tcpstat_err e;
	struct sdnotify s;

	(void)state;
	sock_open(&ns);
	set_watchdog("2000000", getpid());
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_int_equal(s.watchdog_usec, 2000000);
	/* the first call pings */
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), 1000);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	/* 0.4 s later: not yet, 600 ms to go */
	later(&t, 400);
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), 600);
	assert_string_equal(next_msg(&ns), "");
	/* 1 s after the ping: again */
	later(&t, 600);
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), 1000);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	/* a loop late by 5 s pings at once */
	later(&t, 5000);
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), 1000);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	assert_string_equal(next_msg(&ns), "");
	sock_close(&ns);
}

/*
 * Before a sample: WATCHDOG=1 once a second has passed since the last
 * ping (half the interval if that is less), so a sample may last up to
 * WatchdogSec= minus a second, whatever the sampling interval.
 */
static void test_watchdog_before(void **state)
{
	struct timespec t = { 50, 0 };
	struct notify_sock ns;
	struct tcpstat_err e;
	struct sdnotify s;

	(void)state;
	sock_open(&ns);
	set_watchdog("10000000", getpid());
	assert_int_equal(sdnotify_init(&s, &e), 0);
	/* none sent yet: now */
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), 0);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	/* 0.9 s later: not yet */
	later(&t, 900);
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), 0);
	assert_string_equal(next_msg(&ns), "");
	/* 1 s after the ping: due before a sample, though half is 5 s */
	later(&t, 100);
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), 0);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	/* the loop's own pace is counted from that ping */
	later(&t, 200);
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), 4800);
	assert_string_equal(next_msg(&ns), "");
	sock_close(&ns);

	/* WatchdogSec=1s: half of it, 0.5 s, is less than a second */
	sock_open(&ns);
	set_watchdog("1000000", getpid());
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), 500);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	later(&t, 499);
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), 0);
	assert_string_equal(next_msg(&ns), "");
	later(&t, 1);
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), 0);
	assert_string_equal(next_msg(&ns), "WATCHDOG=1");
	sock_close(&ns);

	/* no watchdog: nothing */
	sock_open(&ns);
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), 0);
	assert_string_equal(next_msg(&ns), "");
	sock_close(&ns);
}

static void test_watchdog_not_ours(void **state)
{
	struct timespec t = { 5, 0 };
	struct notify_sock ns;
	struct tcpstat_err e;
	struct sdnotify s;

	(void)state;
	sock_open(&ns);
	/* meant for the process that started us */
	set_watchdog("2000000", getppid());
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_int_equal(s.watchdog_usec, 0);
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), -1);
	assert_string_equal(next_msg(&ns), "");
	sock_close(&ns);
}

static void test_errors(void **state)
{
	struct timespec t = { 5, 0 };
	struct notify_sock ns;
	struct tcpstat_err e;
	struct sdnotify s;

	(void)state;
	sock_open(&ns);
	set_watchdog("two seconds", getpid());
	assert_int_equal(sdnotify_init(&s, &e), -1);
	assert_contains(e.msg, "$WATCHDOG_USEC/$WATCHDOG_PID: ");
	sock_close(&ns);
	/* the socket is gone */
	assert_int_equal(setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1), 0);
	set_watchdog("2000000", getpid());
	assert_int_equal(sdnotify_init(&s, &e), 0);
	assert_int_equal(sdnotify_ready(&s, &e), -1);
	assert_string_equal(e.msg, "sd_notify READY=1 to /nonexistent/notify: No such file or directory");
	assert_int_equal(sdnotify_watchdog(&s, &t, &e), -2);
	assert_contains(e.msg, "sd_notify WATCHDOG=1 to /nonexistent/notify: ");
	assert_int_equal(sdnotify_watchdog_before(&s, &t, &e), -1);
	assert_contains(e.msg, "sd_notify WATCHDOG=1 to /nonexistent/notify: ");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_under_systemd),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_watchdog_before),
		cmocka_unit_test(test_watchdog_not_ours),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
