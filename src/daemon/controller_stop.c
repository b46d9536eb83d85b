/* controller_stop.c — stopping the controller (SovaControllerStop in controller.h): stop
 * requests, and the drain that follows the loop.
 *
 * The drain follows the migrations still in flight. Without a stop request (--once) it
 * waits for them however long they take (each has its own `timeout`). From the first
 * request it waits at most the drain timeout; when that runs out, or at the second
 * request, it aborts them (migrate_abort: each VM stays on its source, the backend undoes
 * its marks) and follows them until they have ended, for at most ABORT_WAIT_S, so that
 * a stop ends promptly. Time is the first host's backend wait(): real seconds for
 * libvirt, the shared clock for the simulator and the tests. */
#include "daemon/controller_stop.h"
#include "util/log.h"

#define STOP_POLL_S 1.0    /* while draining: poll the migrations in flight this often */
#define ABORT_POLL_S 0.25  /* after the abort: this often ... */
#define ABORT_WAIT_S 60.0  /* ... for at most this long (an abort takes a second or two) */

guint sova_controller_stop_request(SovaControllerStop *s)
{
    gint n = g_atomic_int_add(&s->requests, 1) + 1;
    if (n == 1)
        g_atomic_int_set(&s->stop, 1);
    else
        g_atomic_int_set(&s->abort, 1);
    return (guint)n;
}

static gboolean requested(const volatile gint *flag)
{
    return flag && g_atomic_int_get(flag);
}

/* after the abort requests: until the aborted migrations have ended (or ABORT_WAIT_S) */
static void follow_aborted(SovaController *c)
{
    for (double waited = 0; sova_ctl_flights(c) && waited < ABORT_WAIT_S; waited += ABORT_POLL_S) {
        sova_backend_wait(sova_ctl_clock(c), ABORT_POLL_S, NULL);
        sova_ctl_follow_flights(c);
    }
    if (sova_ctl_flights(c))
        sova_warn("stopping with %u migration(s) still running after %.0f s: they end on their own",
                  sova_ctl_flights(c), ABORT_WAIT_S);
}

static void abort_all(SovaController *c, const char *why)
{
    if (!sova_ctl_quiet(c))
        sova_info("stopping: aborting %u migration(s) in flight (%s)", sova_ctl_flights(c), why);
    sova_ctl_abort_flights(c, why);
    follow_aborted(c);
}

void sova_ctl_drain(SovaController *c, const SovaControllerStop *stop)
{
    const volatile gint *stopped = stop ? &stop->stop : NULL;
    const volatile gint *aborted = stop ? &stop->abort : NULL;
    double limit = sova_ctl_drain_timeout(c), waited = 0;
    gboolean draining = FALSE;
    while (sova_ctl_flights(c)) {
        if (!draining && requested(stopped)) {
            draining = TRUE;   /* the limit counts from the first request */
            waited = 0;
            if (!sova_ctl_quiet(c))
                sova_info("stopping: waiting for %u migration(s) in flight (at most %g s; a "
                          "second stop aborts them)", sova_ctl_flights(c), limit);
        }
        if (requested(aborted)) {
            abort_all(c, "a second stop request");
            return;
        }
        if (draining && waited >= limit) {
            g_autofree char *why = g_strdup_printf("the drain timeout of %g s ran out", limit);
            abort_all(c, why);
            return;
        }
        double step = draining ? MIN(STOP_POLL_S, limit - waited) : STOP_POLL_S;
        sova_backend_wait(sova_ctl_clock(c), step, draining ? aborted : stopped);
        waited += step;
        sova_ctl_follow_flights(c);
    }
}
