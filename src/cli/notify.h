/* notify.h — systemd service notification (sd_notify(3)) for `sova agent` and
 * `sova controller`, fed from the interval records the daemons hand to the CLI's
 * observer. Without NOTIFY_SOCKET in the environment every call is a no-op. */
#pragma once
#include <glib.h>

typedef struct {
    gboolean ready;           /* READY=1 sent */
    gboolean stopping;        /* STOPPING=1 sent */
    guint64 watchdog_us;      /* WATCHDOG_USEC for this process; 0: no watchdog */
    guint64 stale_us;         /* no interval for this long: the loop is hung, no more pings */
    gint64 last_interval_us;  /* monotonic time of the last completed interval */
    guint timer;              /* the watchdog ping source, 0 when none */
} SovaNotify;

/* interval_s: the daemon's interval, to tell a slow loop from a hung one */
void sova_notify_start(SovaNotify *n, double interval_s);
/* the daemon's interval changed (a reload) */
void sova_notify_set_interval(SovaNotify *n, double interval_s);
/* an interval completed: READY=1 the first time, then the one-line status */
void sova_notify_interval(SovaNotify *n, const char *status);
/* a stop began (SIGTERM/SIGINT): STOPPING=1 and why */
void sova_notify_stopping(SovaNotify *n, const char *status);
void sova_notify_stop(SovaNotify *n);
