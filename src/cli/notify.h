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
    gint64 last_interval_us;  /* monotonic time of the last completed interval (or of the
                               * loop's last round, sova_notify_alive) */
    guint timer;              /* the watchdog ping source, 0 when none */
} SovaNotify;

/* interval_s: the longest the daemon's loop takes to come round when all is well (its
 * interval; the agent's reconnect backoff, when longer), to tell a slow loop from a hung one */
void sova_notify_start(SovaNotify *n, double interval_s);
/* that length changed (a reload) */
void sova_notify_set_interval(SovaNotify *n, double interval_s);
/* the loop came round without completing an interval (a sample failed: libvirtd down,
 * no host readable; it retries): alive, not hung, the watchdog keeps pinging */
void sova_notify_alive(SovaNotify *n);
/* an interval completed: READY=1 the first time, then the one-line status */
void sova_notify_interval(SovaNotify *n, const char *status);
/* a stop began (SIGTERM/SIGINT): STOPPING=1 and why */
void sova_notify_stopping(SovaNotify *n, const char *status);
void sova_notify_stop(SovaNotify *n);
