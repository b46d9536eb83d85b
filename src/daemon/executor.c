/* executor.c — carrying out plans; see executor.h. */
#include "daemon/executor.h"
#include "util/error.h"

static SovaBackend *host_backend(const SovaExecHosts *h, int i)
{
    return h && i >= 0 && (guint)i < h->n ? h->backends[i] : NULL;
}

/* starts one migration; FALSE with error when it did not start. `started`: the VMs this
 * plan started already (a VM migrates once at a time) */
static gboolean start_migration(const SovaExecHosts *h, const SovaAction *a, GHashTable *started,
                                GError **error)
{
    SovaBackend *src = host_backend(h, a->from_host), *dst = host_backend(h, a->to_host);
    if (!src || !dst || a->from_host == a->to_host)
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "bad hosts in the plan"), FALSE;
    if (g_hash_table_contains(started, a->uuid) || (h->busy && h->busy(a->uuid, h->busy_data)))
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "already migrating"), FALSE;
    SovaMigrateOptions mo = { 0 };
    if (h->migrate)
        mo = *h->migrate;
    if (h->migrate_uris && h->migrate_uris[a->to_host])
        mo.migrate_uri = h->migrate_uris[a->to_host];
    if (!sova_backend_migrate_start(src, a->uuid, dst, &mo, error))
        return FALSE;
    g_hash_table_add(started, (gpointer)a->uuid);
    return TRUE;
}

static gboolean run_one(SovaBackend *be, const SovaAction *a, const SovaExecOptions *opts,
                        GHashTable *started, GError **error)
{
    if (a->kind == SOVA_ACTION_MIGRATE)
        return start_migration(opts->hosts, a, started, error);
    if (!be)
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "no host to act on"), FALSE;
    return sova_backend_execute(be, a, error);
}

SovaPlanResults *sova_execute(SovaBackend *be, const SovaPlan *plan, const SovaExecOptions *opts)
{
    static const SovaExecOptions none = { 0 };
    if (!opts)
        opts = &none;
    SovaPlanResults *r = sova_plan_results_new();
    g_autoptr(GHashTable) started = g_hash_table_new(g_str_hash, g_str_equal);
    if (plan->status == SOVA_PLAN_REREAD && be)
        sova_backend_forget_placement(be);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        g_autoptr(GError) err = NULL;
        if (sova_plan_recommends(plan, a))
            sova_plan_results_add(r, a, SOVA_ACTION_RECOMMENDED, NULL);
        else if (opts->dry_run)
            sova_plan_results_add(r, a, SOVA_ACTION_SKIPPED, NULL);
        else if (run_one(be, a, opts, started, &err))
            sova_plan_results_add(r, a, SOVA_ACTION_DONE, NULL);
        else
            sova_plan_results_add(r, a, SOVA_ACTION_FAILED, err ? err->message : "failed");
    }
    return r;
}
