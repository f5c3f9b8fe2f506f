// SPDX-License-Identifier: GPL-2.0
/* sdnotify.c - READY=1, WATCHDOG=1, STOPPING=1 through libsystemd's sd_notify(). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "sdnotify.h"

int sdnotify_init(struct sdnotify *s, struct tcpstat_err *e)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	uint64_t usec = 0;
	int r;

	memset(s, 0, sizeof(*s));
	s->active = sock && *sock;
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0) {
		tcpstat_err_set(e, "$WATCHDOG_USEC/$WATCHDOG_PID: %s", strerror(-r));
		return -1;
	}
	if (r > 0 && s->active)
		s->watchdog_usec = usec;
	return 0;
}

static int send_state(struct sdnotify *s, const char *state, struct tcpstat_err *e)
{
	int r;

	if (!s->active)
		return 0;
	r = sd_notify(0, state);
	if (r < 0) {
		const char *nl = strchr(state, '\n');

		tcpstat_err_set(e, "sd_notify %.*s to %s: %s", nl ? (int)(nl - state) : (int)strlen(state),
				state, getenv("NOTIFY_SOCKET"), strerror(-r));
		return -1;
	}
	return 0;
}

int sdnotify_ready(struct sdnotify *s, struct tcpstat_err *e)
{
	return send_state(s, "READY=1", e);
}

int sdnotify_stopping(struct sdnotify *s, struct tcpstat_err *e)
{
	return send_state(s, "STOPPING=1", e);
}

int sdnotify_status(struct sdnotify *s, const char *text, struct tcpstat_err *e)
{
	char state[512];

	/* one line: a newline would start another assignment */
	snprintf(state, sizeof(state), "STATUS=%.*s", (int)strcspn(text, "\n"), text);
	return send_state(s, state, e);
}

static int64_t usec_between(const struct timespec *a, const struct timespec *b)
{
	return ((int64_t)b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;
}

/*
 * WATCHDOG=1 if @due microseconds have passed since the last ping (or
 * none was sent yet); *since gets the time since the last ping after
 * this call. 1 sent, 0 not due (or no watchdog), -1 with *e filled.
 */
static int ping_if_due(struct sdnotify *s, const struct timespec *now, int64_t due,
		       int64_t *since, struct tcpstat_err *e)
{
	*since = s->last_ping.tv_sec || s->last_ping.tv_nsec ?
		 usec_between(&s->last_ping, now) : due;
	if (*since < due)
		return 0;
	if (send_state(s, "WATCHDOG=1", e))
		return -1;
	s->last_ping = *now;
	*since = 0;
	return 1;
}

long sdnotify_watchdog(struct sdnotify *s, const struct timespec *now,
		       struct tcpstat_err *e)
{
	int64_t half = (int64_t)(s->watchdog_usec / 2), since;

	if (!s->watchdog_usec)
		return -1;
	if (ping_if_due(s, now, half, &since, e) < 0)
		return -2;
	return (long)((half - since + 999) / 1000);
}

int sdnotify_watchdog_before(struct sdnotify *s, const struct timespec *now,
			     struct tcpstat_err *e)
{
	int64_t due = (int64_t)(s->watchdog_usec / 2), since;

	if (!s->watchdog_usec)
		return 0;
	if (due > SDNOTIFY_BEFORE_MS * 1000)
		due = SDNOTIFY_BEFORE_MS * 1000;
	return ping_if_due(s, now, due, &since, e) < 0 ? -1 : 0;
}
