/* notify.c — systemd notification for the daemons' command lines: READY=1 after the
 * first completed interval, STATUS= each interval, STOPPING=1 when a stop begins, and
 * WATCHDOG=1 while the loop keeps completing intervals (sd_notify(3), sd_watchdog_enabled(3)).
 * Only the CLI links libsystemd; the daemons know nothing of it. */
#include "cli/notify.h"
#include <systemd/sd-daemon.h>

/* Watchdog pings come from a GLib timeout at half the period, which runs while the
 * daemon's loop waits in the main context between intervals. That alone would prove only
 * that the main context turns, not that intervals complete: a loop stuck waiting for a
 * backend that never answers (or re-sampling forever) could still iterate the context.
 * So a ping is sent only when an interval completed (or the loop came round after a failed
 * sample, to retry: sova_notify_alive) within stale_us; past that the timer stays silent,
 * and systemd kills and restarts the service WatchdogSec later. A libvirtd that is down
 * is not a hang: the agent retries with backoff and keeps pinging.
 * A loop blocked outside the main context does not run the timer at all: silent too.
 * After STOPPING=1 systemd no longer watches (its stop timeout does): no pings either. */
static gboolean on_watchdog(gpointer data)
{
    SovaNotify *n = data;
    if (!n->stopping && g_get_monotonic_time() - n->last_interval_us <= (gint64)n->stale_us)
        sd_notify(0, "WATCHDOG=1");
    return G_SOURCE_CONTINUE;
}

void sova_notify_set_interval(SovaNotify *n, double interval_s)
{
    /* an interval is late after twice the interval (its sampling took as long again),
     * plus half the period the timer may lag behind */
    n->stale_us = (guint64)(2 * interval_s * G_USEC_PER_SEC) + n->watchdog_us / 2;
}

void sova_notify_start(SovaNotify *n, double interval_s)
{
    *n = (SovaNotify){ 0 };
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return;
    n->watchdog_us = usec;
    sova_notify_set_interval(n, interval_s);
    n->last_interval_us = g_get_monotonic_time();   /* the first interval is on its way */
    guint ms = (guint)MAX(usec / 2 / 1000, 1);
    n->timer = g_timeout_add(ms, on_watchdog, n);
}

void sova_notify_interval(SovaNotify *n, const char *status)
{
    n->last_interval_us = g_get_monotonic_time();
    if (n->stopping)
        return;   /* the drain's intervals: the status says stopping */
    g_autofree char *msg = g_strdup_printf("%sSTATUS=%s%s", n->ready ? "" : "READY=1\n",
                                           status, n->watchdog_us ? "\nWATCHDOG=1" : "");
    sd_notify(0, msg);
    n->ready = TRUE;
}

void sova_notify_alive(SovaNotify *n)
{
    n->last_interval_us = g_get_monotonic_time();
}

void sova_notify_stopping(SovaNotify *n, const char *status)
{
    if (n->stopping)
        return;
    n->stopping = TRUE;
    g_autofree char *msg = g_strdup_printf("STOPPING=1\nSTATUS=%s", status);
    sd_notify(0, msg);
}

void sova_notify_stop(SovaNotify *n)
{
    if (n->timer)
        g_source_remove(n->timer);
    n->timer = 0;
}
