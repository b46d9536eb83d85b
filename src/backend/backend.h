/* backend.h — the one interface between sova and a hypervisor.
 *
 * A backend samples a host into a SovaSnapshot and executes plan actions. It never
 * decides anything. Two implementations: libvirt (any URI) and the simulator. The
 * daemons and the CLI only ever see this interface, which is what lets the same
 * agent loop and the same policies run on a real host and in the simulator. */
#pragma once
#include <glib.h>
#include "model/snapshot.h"
#include "model/plan.h"

typedef struct SovaBackend SovaBackend;

typedef struct {
    const char *name;
    /* a new snapshot of the host; NULL with error when the host cannot be read */
    SovaSnapshot *(*sample)(SovaBackend *be, GError **error);
    /* carries out one action; FALSE with error (the action had no effect) */
    gboolean (*execute)(SovaBackend *be, const SovaAction *action, GError **error);
    /* lets `seconds` pass (real time, or simulated time); returns FALSE early when
     * *stop becomes non-zero. Real backends dispatch their events meanwhile. */
    gboolean (*wait)(SovaBackend *be, double seconds, const volatile gint *stop);
    /* optional: forget any cached vCPU placement, so that the next sample reads every
     * VM's pins afresh (the caller saw evidence that they changed behind its back) */
    void (*forget_placement)(SovaBackend *be);
    void (*free)(SovaBackend *be);
} SovaBackendOps;

struct SovaBackend {
    const SovaBackendOps *ops;
    guint64 calls;            /* hypervisor API calls made so far (libvirt calls, or modelled) */
};

static inline SovaSnapshot *sova_backend_sample(SovaBackend *be, GError **error)
{
    return be->ops->sample(be, error);
}

static inline gboolean sova_backend_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    return be->ops->execute(be, a, error);
}

static inline gboolean sova_backend_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    return be->ops->wait(be, seconds, stop);
}

/* FALSE when the backend caches nothing it could forget */
static inline gboolean sova_backend_forget_placement(SovaBackend *be)
{
    if (!be->ops->forget_placement)
        return FALSE;
    be->ops->forget_placement(be);
    return TRUE;
}

void sova_backend_free(SovaBackend *be);

/* the `wait` of real backends: runs the default GLib main context (libvirt events,
 * signal sources) until `seconds` have passed or *stop is set */
gboolean sova_wait_realtime(double seconds, const volatile gint *stop);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaBackend, sova_backend_free)
