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
#include "util/error.h"

typedef struct SovaBackend SovaBackend;

/* net plane: what the agent publishes about a VM for the controller */
typedef struct {
    gboolean wants_vf, unmet;
    double benefit;
    double nic_util;          /* the host NIC's utilisation 0..1, -1 unknown */
    gboolean vf_detaching;    /* the agent asked for its VF back and the VM still holds it */
} SovaNetPublish;

/* cluster plane: how to migrate (from [controller]) */
typedef struct {
    double bandwidth_MiBps;   /* cap; 0 = unlimited */
    double timeout_s;         /* abort a migration still running after this; 0 = never */
    double max_downtime_ms;   /* allowed switch-over downtime; 0 = hypervisor default */
    gboolean auto_converge;   /* throttle a guest that dirties memory faster than the link */
    const char *migrate_uri;  /* data channel (VIR_MIGRATE_PARAM_URI); NULL = the default */
} SovaMigrateOptions;

typedef enum {
    SOVA_MIGRATION_RUNNING,
    SOVA_MIGRATION_DONE,      /* the VM runs on the destination */
    SOVA_MIGRATION_FAILED,    /* the VM still runs on the source; `error` says why */
} SovaMigrationState;

typedef struct {
    SovaMigrationState state;
    double elapsed_s;
    double progress;          /* 0..1 of memory transferred, -1 unknown */
    double downtime_s;        /* when DONE; -1 unknown */
    gboolean aborted;         /* FAILED because it ran past timeout_s or migrate_abort stopped it */
    char *error;              /* FAILED: the hypervisor's reason (caller frees) */
} SovaMigrationStatus;

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
    /* optional (cluster plane): start migrating VM `uuid` live to `dest`, a backend of the
     * same kind, and return at once. A VM holding a VF gives it back first. FALSE with
     * error when it could not start (the VM is untouched). */
    gboolean (*migrate_start)(SovaBackend *be, const char *uuid, SovaBackend *dest,
                              const SovaMigrateOptions *opts, GError **error);
    /* optional: how the migration of `uuid` started here is going; FALSE when there is
     * none. DONE/FAILED is reported once, then forgotten. Enforces timeout_s (aborts). */
    gboolean (*migrate_poll)(SovaBackend *be, const char *uuid, SovaMigrationStatus *out);
    /* optional (cluster plane): abort the migration of `uuid` started here, and return at
     * once (libvirt: virDomainAbortJob on the source). The VM stays on its source and runs
     * there: once the hypervisor has stopped the job, migrate_poll reports it FAILED with
     * `aborted` set, and by then everything migrate_start did for it is undone (the leaving
     * mark removed, the VFs it gave back attached again). A migration that had already
     * switched over is reported DONE as usual. FALSE with error when none of that name runs
     * here or the hypervisor refused (it then goes on and ends as it would have). */
    gboolean (*migrate_abort)(SovaBackend *be, const char *uuid, GError **error);
    /* optional (cluster plane): remove VM `uuid`'s leaving mark when no migration job
     * runs on it (one a controller left behind when it stopped mid-migration). TRUE when
     * it was removed; FALSE without error when a job still runs or there is no mark. */
    gboolean (*clear_stale_leaving)(SovaBackend *be, const char *uuid, GError **error);
    /* optional (net plane): publish what the agent knows about a VM's network needs where
     * the controller can read it (libvirt: the domain's metadata) */
    gboolean (*publish_net)(SovaBackend *be, const char *uuid, const SovaNetPublish *st,
                            GError **error);
    /* optional (cpu plane): publish the agent's CPU summary of a VM where the controller
     * can read it (libvirt: the domain's metadata, namespace SOVA_META_CPU_NS); the
     * backend stamps `at` itself (st->at is ignored) */
    gboolean (*publish_cpu)(SovaBackend *be, const char *uuid, const SovaCpuSummary *st,
                            GError **error);
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

/* FALSE without error when the backend has nowhere to publish */
static inline gboolean sova_backend_publish_net(SovaBackend *be, const char *uuid,
                                                const SovaNetPublish *st, GError **error)
{
    return be->ops->publish_net ? be->ops->publish_net(be, uuid, st, error) : FALSE;
}

/* FALSE without error when the backend has nowhere to publish */
static inline gboolean sova_backend_publish_cpu(SovaBackend *be, const char *uuid,
                                                const SovaCpuSummary *st, GError **error)
{
    return be->ops->publish_cpu ? be->ops->publish_cpu(be, uuid, st, error) : FALSE;
}

/* starts migrating `uuid` to `dest`; FALSE with error when it could not start (also when
 * the backend cannot migrate at all) */
static inline gboolean sova_backend_migrate_start(SovaBackend *be, const char *uuid,
                                                  SovaBackend *dest, const SovaMigrateOptions *opts,
                                                  GError **error)
{
    if (!be->ops->migrate_start) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "the %s backend cannot migrate",
                    be->ops->name);
        return FALSE;
    }
    return be->ops->migrate_start(be, uuid, dest, opts, error);
}

/* how the migration of `uuid` started on `be` goes; FALSE when `be` knows of none */
static inline gboolean sova_backend_migrate_poll(SovaBackend *be, const char *uuid,
                                                 SovaMigrationStatus *out)
{
    return be->ops->migrate_poll ? be->ops->migrate_poll(be, uuid, out) : FALSE;
}

static inline gboolean sova_backend_clear_stale_leaving(SovaBackend *be, const char *uuid,
                                                        GError **error)
{
    return be->ops->clear_stale_leaving ? be->ops->clear_stale_leaving(be, uuid, error) : FALSE;
}

/* FALSE with error when the backend cannot abort a migration, or could not abort this one */
gboolean sova_backend_migrate_abort(SovaBackend *be, const char *uuid, GError **error);

void sova_backend_free(SovaBackend *be);

/* the `wait` of real backends: runs the default GLib main context (libvirt events,
 * signal sources) until `seconds` have passed or *stop is set */
gboolean sova_wait_realtime(double seconds, const volatile gint *stop);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaBackend, sova_backend_free)
