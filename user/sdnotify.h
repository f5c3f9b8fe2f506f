/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sdnotify.h - tell systemd how the service is doing (sd_notify(3) from
 * libsystemd): READY=1 once serving, WATCHDOG=1 at half of WatchdogSec=
 * (and before a sample, see sdnotify_watchdog_before()), STOPPING=1 on the
 * way out. Outside systemd (no $NOTIFY_SOCKET) every
 * call does nothing and succeeds, so callers need no test of their own.
 */
#ifndef TCPSTAT_SDNOTIFY_H
#define TCPSTAT_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

struct sdnotify {
	bool active;			/* $NOTIFY_SOCKET is set */
	uint64_t watchdog_usec;		/* WatchdogSec= for this process; 0: none */
	struct timespec last_ping;	/* CLOCK_MONOTONIC; 0: never */
};

/*
 * Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (a watchdog meant
 * for another process is not ours). 0, or -1 with *e filled when the
 * watchdog variables are malformed.
 */
int sdnotify_init(struct sdnotify *s, struct tcpstat_err *e);

/*
 * Send READY=1, STOPPING=1, or "STATUS=<text>". 0 (also when not under
 * systemd), or -1 with *e naming the socket and the reason.
 */
int sdnotify_ready(struct sdnotify *s, struct tcpstat_err *e);
int sdnotify_stopping(struct sdnotify *s, struct tcpstat_err *e);
int sdnotify_status(struct sdnotify *s, const char *text, struct tcpstat_err *e);

/*
 * Send WATCHDOG=1 if half the watchdog interval has passed since the last
 * one (or there was none), @now being CLOCK_MONOTONIC. Returns the
 * milliseconds until the next ping is due (the most a loop may sleep),
 * -1 when there is no watchdog, or -2 with *e filled if sending failed.
 */
long sdnotify_watchdog(struct sdnotify *s, const struct timespec *now,
		       struct tcpstat_err *e);

/*
 * Nothing pings while a sample is read and written, so before each one:
 * WATCHDOG=1 if SDNOTIFY_BEFORE_MS (or half the watchdog interval, if
 * that is less) has passed since the last ping. Then a sample may take
 * up to WatchdogSec= minus that before systemd takes the service for
 * hung, whatever the sampling interval. 0 (also without a watchdog, or
 * when nothing is due), or -1 with *e filled if sending failed.
 */
#define SDNOTIFY_BEFORE_MS 1000
int sdnotify_watchdog_before(struct sdnotify *s, const struct timespec *now,
			     struct tcpstat_err *e);

#endif /* TCPSTAT_SDNOTIFY_H */
