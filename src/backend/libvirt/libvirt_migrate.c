/* libvirt_migrate.c — live migration of one VM to another libvirt host
 * (migrate_start / migrate_poll of SovaBackendOps).
 *
 * Start: mark the VM <sova-ctl:leaving to='HOST'/> (the host agent then leaves it as it
 * is: no pin, no VF given or taken), ask for every VF it holds here to be detached
 * (libvirt_vf_migrate.c); once device-removed shows them gone — seen by a main-loop
 * source that the controller's wait runs, so no nested loop; within the detach timeout,
 * else the migration fails and the VM keeps its VF — call virDomainMigrateToURI3 in a
 * worker thread —
 * it blocks for the whole migration, and libvirt connections are thread-safe — with
 * LIVE | PEER2PEER (the source libvirtd talks to the destination's itself: the
 * controller needs no data path of its own), PERSIST_DEST | UNDEFINE_SOURCE for a
 * persistent domain, AUTO_CONVERGE when configured, a bandwidth cap and a data URI.
 * Poll (main thread): progress from virDomainGetJobStats, virDomainAbortJob past the
 * timeout or after migrate_abort (a stop of the controller; before the worker started,
 * that only ends the wait for the VFs), and when the worker has returned its result: on success the
 * downtime from the destination's completed-job stats and the leaving mark removed there; on
 * failure libvirt's own message, the mark removed on the source, where the VM still runs, and
 * the VFs it gave back for the migration attached again at once (not when the net plane
 * next decides, with its thresholds and dwell time). The mark itself: libvirt_leaving.c. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

struct SovaLvMigration {
    char uuid[SOVA_UUID_LEN];
    char *name;
    virDomainPtr dom;         /* source handle (a reference of our own) */
    SovaLibvirtBackend *dest; /* must outlive the migration (the controller owns both) */
    char *dest_uri;
    double timeout_s;
    unsigned int flags;
    virTypedParameterPtr params;
    int nparams;
    GThread *thread;
    gint done;                /* set by the worker when virDomainMigrateToURI3 returned */
    int rc;                   /* its result */
    char *error;              /* its error message (libvirt's; the worker's thread-local) */
    gint64 t0, t_end;         /* start; when the worker's call returned */
    gboolean aborted;         /* past its timeout, or on request (migrate_abort) */
    gboolean on_request;      /* migrate_abort */
    gboolean abort_sent;      /* virDomainAbortJob succeeded */
    gboolean abort_warned;
    guint vfs_given;          /* VFs detached for the migration: re-attached if it fails */
    gboolean releasing;       /* waiting for them to be gone before migrating */
    guint release_src;        /* main-loop source that starts the worker once they are */
    char *launch_error;       /* the worker could not start (reported by the next poll) */
    SovaLibvirtBackend *src;  /* the source host's backend (owns this migration) */
    double max_downtime_ms;
};

#define RELEASE_TICK_MS 50

static void migration_free(SovaLvMigration *m)
{
    if (!m)
        return;
    if (m->thread) {
        sova_info("libvirt: waiting for the migration of %s to end", m->name);
        g_thread_join(m->thread);
    }
    if (m->release_src)
        g_source_remove(m->release_src);
    g_free(m->launch_error);
    virTypedParamsFree(m->params, m->nparams);
    virDomainFree(m->dom);
    g_free(m->name);
    g_free(m->dest_uri);
    g_free(m->error);
    g_free(m);
}

void sova_lv_migrate_init(SovaLibvirtBackend *lv)
{
    lv->migrations = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify)migration_free);
}

void sova_lv_migrate_clear(SovaLibvirtBackend *lv)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, lv->migrations);
    while (lv->conn && g_hash_table_iter_next(&it, NULL, &v)) {
        SovaLvMigration *m = v;
        if (m->releasing) {   /* never started: nothing to wait for, no mark to leave */
            sova_lv_vf_forget_pending(lv, m->uuid);
            sova_lv_clear_leaving(lv, m->dom);
        }
    }
    g_clear_pointer(&lv->migrations, g_hash_table_unref);
}

/* so far, or (once the worker returned) in all */
static double elapsed_s(const SovaLvMigration *m)
{
    gint64 end = g_atomic_int_get(&m->done) ? m->t_end : g_get_monotonic_time();
    return (end - m->t0) / 1e6;
}

static gpointer migrate_thread(gpointer data)
{
    SovaLvMigration *m = data;
    m->rc = virDomainMigrateToURI3(m->dom, m->dest_uri, m->params, m->nparams, m->flags);
    if (m->rc < 0)
        m->error = g_strdup(virGetLastErrorMessage());
    m->t_end = g_get_monotonic_time();
    g_atomic_int_set(&m->done, 1);
    g_main_context_wakeup(NULL);
    return NULL;
}

/* libvirt takes whole MiB/s and reads 0 as "unlimited": a cap below 1 MiB/s rounded to
 * 0 would lift the cap altogether, so any positive cap is at least 1 */
guint64 sova_lv_migrate_bandwidth(double MiBps)
{
    if (!(MiBps > 0))
        return 0;
    if (MiBps >= (double)G_MAXUINT64)
        return G_MAXUINT64;
    return MAX((guint64)(MiBps + 0.5), 1);
}

static gboolean build_params(SovaLvMigration *m, const SovaMigrateOptions *o, GError **error)
{
    int maxp = 0;
    gboolean ok = TRUE;
    guint64 bandwidth = sova_lv_migrate_bandwidth(o->bandwidth_MiBps);
    if (bandwidth > 0)
        ok &= virTypedParamsAddULLong(&m->params, &m->nparams, &maxp, VIR_MIGRATE_PARAM_BANDWIDTH,
                                      bandwidth) == 0;
    if (o->migrate_uri && *o->migrate_uri)
        ok &= virTypedParamsAddString(&m->params, &m->nparams, &maxp, VIR_MIGRATE_PARAM_URI,
                                      o->migrate_uri) == 0;
    if (!ok)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_FAILED, "building migration parameters: %s",
                    virGetLastErrorMessage());
    return ok;
}

static unsigned int migrate_flags(SovaLibvirtBackend *lv, virDomainPtr dom,
                                  const SovaMigrateOptions *o)
{
    unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
    if (SOVA_LV_CALL(lv, virDomainIsPersistent(dom)) == 1)
        flags |= VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
    virResetLastError();
    if (o->auto_converge)
        flags |= VIR_MIGRATE_AUTO_CONVERGE;
    return flags;
}

static void set_max_downtime(SovaLibvirtBackend *lv, SovaLvMigration *m, double ms)
{
    if (ms <= 0)
        return;
    if (SOVA_LV_CALL(lv, virDomainMigrateSetMaxDowntime(m->dom, (unsigned long long)ms, 0)) < 0) {
        sova_warn("libvirt: %s: cannot set the maximum downtime to %.0f ms: %s", m->name, ms,
                  virGetLastErrorMessage());
        virResetLastError();
    }
}

static const char *dest_uri(SovaLibvirtBackend *dest)
{
    return dest->uri && *dest->uri ? dest->uri : NULL;
}

/* the checks before anything is touched; the VM's cache entry, or NULL with error */
static SovaLvDomain *startable(SovaLibvirtBackend *lv, const char *uuid, SovaBackend *dest,
                               GError **error)
{
    if (!lv->conn || g_atomic_int_get(&lv->dead)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_CONNECT, "%s: not connected", lv->uri);
        return NULL;
    }
    if (!sova_backend_is_libvirt(dest) || dest == &lv->base ||
        !dest_uri((SovaLibvirtBackend *)dest)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "the destination must be another libvirt host with an explicit URI");
        return NULL;
    }
    if (g_hash_table_contains(lv->migrations, uuid)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s is already migrating", uuid);
        return NULL;
    }
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (!d)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "VM %s is not in the last sample of %s",
                    uuid, lv->host);
    return d;
}

static SovaLvMigration *migration_new(SovaLvDomain *d, const char *uuid, SovaLibvirtBackend *dest,
                                      const SovaMigrateOptions *opts)
{
    SovaLvMigration *m = g_new0(SovaLvMigration, 1);
    g_strlcpy(m->uuid, uuid, sizeof m->uuid);
    m->name = g_strdup(virDomainGetName(d->dom));
    m->dom = d->dom;
    virDomainRef(m->dom);
    m->dest = dest;
    m->dest_uri = g_strdup(dest_uri(dest));
    m->timeout_s = opts->timeout_s;
    return m;
}

/* after a failed migration (the VM still runs here): its VFs back at once */
static void give_vfs_again(SovaLibvirtBackend *lv, SovaLvMigration *m)
{
    sova_lv_vf_give_again(lv, m->uuid, m->name, m->vfs_given);
    m->vfs_given = 0;
}

static gboolean launch(SovaLibvirtBackend *lv, SovaLvMigration *m, GError **error);

/* one look at the VFs being given back: TRUE when that is over (the worker started, or
 * m->launch_error says why it could not) */
static gboolean release_step(SovaLvMigration *m)
{
    if (!sova_lv_vf_released(m->src, m->uuid, m->name))
        return FALSE;
    m->releasing = FALSE;
    g_autoptr(GError) err = NULL;
    if (!launch(m->src, m, &err))
        m->launch_error = g_strdup(err->message);
    return TRUE;
}

/* a main-loop source while the VFs are given back: the controller's wait runs it. A poll
 * may have seen them gone first and started the worker: then it is over here too (a
 * second release_step would start a second worker on the same migration) */
static gboolean release_tick(gpointer data)
{
    SovaLvMigration *m = data;
    if (!m->releasing || release_step(m) || elapsed_s(m) >= m->src->vf.timeout_s) {
        m->release_src = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* the worker thread that runs virDomainMigrateToURI3; FALSE with error */
static gboolean launch(SovaLibvirtBackend *lv, SovaLvMigration *m, GError **error)
{
    set_max_downtime(lv, m, m->max_downtime_ms);
    lv->base.calls++;   /* virDomainMigrateToURI3, made by the worker */
    m->thread = g_thread_try_new("sova-migrate", migrate_thread, m, error);
    if (m->thread)
        sova_debug("libvirt: migrating %s to %s (flags 0x%x)", m->name, m->dest_uri, m->flags);
    return m->thread != NULL;
}

gboolean sova_lv_migrate_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                               const SovaMigrateOptions *opts, GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    SovaLvDomain *d = startable(lv, uuid, dest, error);
    if (!d)
        return FALSE;
    SovaLibvirtBackend *to = (SovaLibvirtBackend *)dest;
    SovaLvMigration *m = migration_new(d, uuid, to, opts);
    m->flags = migrate_flags(lv, m->dom, opts);
    if (!build_params(m, opts, error) ||
        !sova_lv_set_leaving(lv, m->dom, to->host ? to->host : to->uri, error)) {
        migration_free(m);
        return FALSE;
    }
    m->max_downtime_ms = opts->max_downtime_ms;
    m->src = lv;
    m->t0 = g_get_monotonic_time();
    if (!sova_lv_vf_give_back(lv, d, m->uuid, m->name, &m->vfs_given, error)) {
        sova_lv_clear_leaving(lv, m->dom);
        migration_free(m);
        return FALSE;
    }
    m->releasing = !sova_lv_vf_released(lv, m->uuid, m->name);
    if (!m->releasing && !launch(lv, m, error)) {
        sova_lv_clear_leaving(lv, m->dom);
        give_vfs_again(lv, m);
        migration_free(m);
        return FALSE;
    }
    if (m->releasing)   /* start the moment they are gone, not at the next poll */
        m->release_src = g_timeout_add(RELEASE_TICK_MS, release_tick, m);
    g_hash_table_insert(lv->migrations, m->uuid, m);
    return TRUE;
}

/* 0..1 of the data sent, from the running job's stats; -1 unknown */
static double job_progress(SovaLibvirtBackend *lv, SovaLvMigration *m)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    double progress = -1;
    if (SOVA_LV_CALL(lv, virDomainGetJobStats(m->dom, &type, &p, &n, 0)) < 0) {
        virResetLastError();
        return -1;
    }
    unsigned long long total = 0, remaining = 0;
    if (type != VIR_DOMAIN_JOB_NONE &&
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_TOTAL, &total) == 1 &&
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_REMAINING, &remaining) == 1 &&
        total > 0)
        progress = CLAMP(1.0 - (double)remaining / (double)total, 0.0, 1.0);
    virTypedParamsFree(p, n);
    return progress;
}

/* virDomainAbortJob, until it is accepted: a refusal (the job not begun yet, or in a
 * phase that cannot be cancelled) is tried again at the next poll */
static void send_abort(SovaLibvirtBackend *lv, SovaLvMigration *m)
{
    if (m->abort_sent || !m->thread || g_atomic_int_get(&m->done))
        return;
    if (SOVA_LV_CALL(lv, virDomainAbortJob(m->dom)) == 0) {
        m->abort_sent = TRUE;
        return;
    }
    if (!m->abort_warned)
        sova_warn("libvirt: aborting the migration of %s: %s (tried again at every poll)",
                  m->name, virGetLastErrorMessage());
    m->abort_warned = TRUE;
    virResetLastError();
}

static void enforce_timeout(SovaLibvirtBackend *lv, SovaLvMigration *m)
{
    if (!m->aborted && m->timeout_s > 0 && elapsed_s(m) >= m->timeout_s) {
        m->aborted = TRUE;
        sova_warn("libvirt: the migration of %s has run %.0f s, past its timeout of %.0f s: "
                  "aborting", m->name, elapsed_s(m), m->timeout_s);
    }
    if (m->aborted)
        send_abort(lv, m);
}

/* on the destination: the downtime of the completed job (seconds, -1 unknown), and the
 * leaving mark removed */
static double finish_on_dest(SovaLvMigration *m)
{
    SovaLibvirtBackend *to = m->dest;
    double downtime = -1;
    virDomainPtr dom = to->conn ? SOVA_LV_CALL(to, virDomainLookupByUUIDString(to->conn, m->uuid))
                                : NULL;
    if (!dom) {
        sova_warn("libvirt: %s migrated, but %s cannot find it to remove its leaving mark: %s",
                  m->name, to->host, virGetLastErrorMessage());
        virResetLastError();
        return -1;
    }
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    unsigned long long ms = 0;
    if (SOVA_LV_CALL(to, virDomainGetJobStats(dom, &type, &p, &n,
                                              VIR_DOMAIN_JOB_STATS_COMPLETED)) == 0) {
        if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DOWNTIME, &ms) == 1)
            downtime = ms / 1000.0;
        virTypedParamsFree(p, n);
    }
    virResetLastError();
    sova_lv_clear_leaving(to, dom);
    virDomainFree(dom);
    return downtime;
}

/* the migration did not happen: the VM runs here, unmarked, with its VFs back */
static void failed(SovaLibvirtBackend *lv, SovaLvMigration *m, SovaMigrationStatus *out,
                   char *error)
{
    out->state = SOVA_MIGRATION_FAILED;
    out->downtime_s = -1;
    out->progress = -1;
    out->error = error;
    out->aborted = m->aborted;
    sova_lv_clear_leaving(lv, m->dom);
    give_vfs_again(lv, m);
}

static void finish(SovaLibvirtBackend *lv, SovaLvMigration *m, SovaMigrationStatus *out)
{
    g_thread_join(m->thread);
    m->thread = NULL;
    out->elapsed_s = elapsed_s(m);
    out->progress = m->rc == 0 ? 1.0 : -1;
    out->aborted = m->aborted && m->rc < 0;
    if (m->rc == 0) {
        out->state = SOVA_MIGRATION_DONE;
        out->downtime_s = finish_on_dest(m);
        return;
    }
    const char *why = m->error ? m->error : "libvirt gave no reason";
    if (!m->aborted)
        failed(lv, m, out, g_strdup(why));
    else if (m->on_request)
        failed(lv, m, out, g_strdup_printf("aborted on request after %.1f s: %s",
                                           out->elapsed_s, why));
    else
        failed(lv, m, out, g_strdup_printf("aborted after %.1f s (timeout %g s): %s",
                                           out->elapsed_s, m->timeout_s, why));
}

/* still giving back its VFs: RUNNING, or FAILED (the VM keeps what it still holds) when
 * they are not gone within the detach timeout or the worker cannot start */
static gboolean poll_releasing(SovaLibvirtBackend *lv, SovaLvMigration *m,
                               SovaMigrationStatus *out)
{
    out->elapsed_s = elapsed_s(m);
    if (!m->releasing || release_step(m)) {
        if (!m->launch_error)
            return FALSE;
        failed(lv, m, out, g_steal_pointer(&m->launch_error));
        return TRUE;
    }
    if (out->elapsed_s < lv->vf.timeout_s) {
        out->state = SOVA_MIGRATION_RUNNING;
        out->downtime_s = out->progress = -1;
        return FALSE;
    }
    sova_lv_vf_forget_pending(lv, m->uuid);   /* it keeps that VF: no reason to take it */
    failed(lv, m, out, g_strdup_printf("the guest did not give back its VF within %g s "
                                       "(detach-timeout)", lv->vf.timeout_s));
    return TRUE;
}

gboolean sova_lv_migrate_poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *out)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    SovaLvMigration *m = g_hash_table_lookup(lv->migrations, uuid);
    memset(out, 0, sizeof *out);
    if (!m)
        return FALSE;
    if ((m->releasing || m->launch_error) && poll_releasing(lv, m, out)) {
        g_hash_table_remove(lv->migrations, uuid);
        return TRUE;
    }
    if (m->releasing)
        return TRUE;
    if (g_atomic_int_get(&m->done)) {
        finish(lv, m, out);
        g_hash_table_remove(lv->migrations, uuid);
        return TRUE;
    }
    out->state = SOVA_MIGRATION_RUNNING;
    out->elapsed_s = elapsed_s(m);
    out->downtime_s = -1;
    out->progress = job_progress(lv, m);
    enforce_timeout(lv, m);
    out->aborted = m->aborted;
    return TRUE;
}

/* the job aborted on the source; the worker's call then returns with libvirt's error and
 * the next poll undoes the rest (failed()). Still waiting for its VFs to be gone: nothing
 * has left, so the wait ends here and the next poll reports it. */
gboolean sova_lv_migrate_abort(SovaBackend *be, const char *uuid, GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    SovaLvMigration *m = g_hash_table_lookup(lv->migrations, uuid);
    if (!m) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no migration of %s runs from %s", uuid,
                    lv->host ? lv->host : lv->uri);
        return FALSE;
    }
    m->aborted = m->on_request = TRUE;
    if (m->releasing) {
        m->releasing = FALSE;
        if (m->release_src)
            g_source_remove(m->release_src);
        m->release_src = 0;
        sova_lv_vf_forget_pending(lv, m->uuid);
        m->launch_error = g_strdup("aborted on request before it started (while the VM "
                                   "gave back its VF)");
    }
    send_abort(lv, m);
    return TRUE;
}

guint sova_lv_migrations_running(SovaLibvirtBackend *lv)
{
    return lv->migrations ? g_hash_table_size(lv->migrations) : 0;
}
