/* agent_net.c — the host agent's net plane; see agent_net.h. */
#include "daemon/agent_net.h"
#include "daemon/executor.h"
#include "daemon/action_log.h"
#include "util/log.h"

/* republish a VM's signal at least this often, so that a controller started later sees
 * current benefit and NIC figures even when nothing changed */
#define REPUBLISH_INTERVALS 60

typedef struct {
    gboolean wants, unmet, detaching;
    guint64 at;               /* interval of the last publication */
} Published;

struct SovaAgentNet {
    const SovaNetPolicy *policy;
    gpointer state;           /* the policy's: a SovaNetState */
    SovaNetPolicyParams params;   /* pool_size set from each snapshot */
    double ewma_alpha;
    char **exclude;
    SovaNetModel *model;
    SovaPlan *plan;
    SovaPlanResults *results;
    SovaNetResult *result;
    GHashTable *published;    /* uuid -> Published* */
    GHashTable *detaching;    /* uuids whose VF this agent asked back and that still hold it */
    guint64 intervals, switches;
};

SovaAgentNet *sova_agent_net_new(const SovaConfig *cfg)
{
    const SovaNetPolicy *policy = sova_net_policy_find(cfg->net_policy);
    if (!sova_config_net_enabled(cfg) || !policy)
        return NULL;
    SovaAgentNet *n = g_new0(SovaAgentNet, 1);
    n->policy = policy;
    n->state = sova_policy_state_new(&policy->head);
    sova_agent_net_reconfigure(n, cfg);
    n->published = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    n->detaching = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return n;
}

void sova_agent_net_reconfigure(SovaAgentNet *n, const SovaConfig *cfg)
{
    guint pool = n->params.pool_size;   /* set from each snapshot */
    sova_config_net_params(cfg, pool, &n->params);
    n->ewma_alpha = cfg->ewma_alpha;
    /* VMs the whole agent leaves alone are left alone by its net plane too */
    g_autoptr(GStrvBuilder) ex = g_strv_builder_new();
    if (cfg->exclude)
        g_strv_builder_addv(ex, (const char **)cfg->exclude);
    if (cfg->net_exclude)
        g_strv_builder_addv(ex, (const char **)cfg->net_exclude);
    g_strfreev(n->exclude);
    n->exclude = g_strv_builder_end(ex);
}

void sova_agent_net_free(SovaAgentNet *n)
{
    if (!n)
        return;
    sova_policy_state_free(&n->policy->head, n->state);
    g_strfreev(n->exclude);
    sova_net_model_free(n->model);
    sova_plan_free(n->plan);
    sova_plan_results_free(n->results);
    sova_net_result_free(n->result);
    g_hash_table_unref(n->published);
    g_hash_table_unref(n->detaching);
    g_free(n);
}

const char *sova_agent_net_policy_name(const SovaAgentNet *n) { return n->policy->name; }
guint64 sova_agent_net_switches(const SovaAgentNet *n) { return n->switches; }

/* runs the plan, tells the policy what became of it, logs it */
static void execute(SovaAgentNet *n, SovaBackend *be, gboolean dry_run, gboolean say,
                    const char *host)
{
    SovaExecOptions eo = { .dry_run = dry_run };
    sova_plan_results_free(n->results);
    n->results = sova_execute(be, n->plan, &eo);
    sova_policy_feedback(&n->policy->head, n->state, n->plan, n->results);
    n->switches += n->results->done;
    for (guint i = 0; i < sova_plan_results_len(n->results); i++) {
        const SovaActionResult *r = sova_plan_result(n->results, i);
        if (r->outcome == SOVA_ACTION_SKIPPED)
            continue;
        if (r->outcome == SOVA_ACTION_DONE && r->action->kind == SOVA_ACTION_DETACH_VF)
            g_hash_table_add(n->detaching, g_strdup(r->action->uuid));
        g_autofree char *what = sova_action_describe(r->action);
        if (r->outcome == SOVA_ACTION_FAILED)
            sova_log_action(G_LOG_LEVEL_WARNING, r->action, host, "failed", "failed: %s: %s",
                            what, r->error);
        else if (say)
            sova_log_action(G_LOG_LEVEL_INFO, r->action, host, "done", "  %s", what);
    }
}

/* A detach this agent requested is pending until the VM shows no VF (device-removed);
 * the controller must not start migrating it meanwhile (it would ask for the same VF a
 * second time), so the pending detach is published with the VM's signal. A VM gone from
 * the host (migrated away) is forgotten: should it come back, its signal is published
 * afresh over what another host's agent wrote. */
static void settle_detaching(SovaAgentNet *n)
{
    GHashTableIter it;
    gpointer uuid;
    g_hash_table_iter_init(&it, n->detaching);
    while (g_hash_table_iter_next(&it, &uuid, NULL)) {
        const SovaNetVmLoad *v = sova_net_model_find(n->model, uuid);
        if (!v || !v->has_vf)
            g_hash_table_iter_remove(&it);
    }
    g_hash_table_iter_init(&it, n->published);
    while (g_hash_table_iter_next(&it, &uuid, NULL))
        if (!sova_net_model_find(n->model, uuid))
            g_hash_table_iter_remove(&it);
}

/* publishes the VMs whose signal changed, and every VM now and then; never a VM the
 * controller is migrating (a metadata write waits for the migration's job, and the
 * destination's agent publishes it afresh) */
static void publish(SovaAgentNet *n, SovaBackend *be, gboolean dry_run)
{
    if (dry_run || !be->ops->publish_net)
        return;
    for (guint i = 0; i < n->result->vms->len; i++) {
        const SovaNetVmStatus *st = &g_array_index(n->result->vms, SovaNetVmStatus, i);
        const SovaNetVmLoad *v = sova_net_model_find(n->model, st->uuid);
        if (v && v->leaving)
            continue;
        gboolean detaching = g_hash_table_contains(n->detaching, st->uuid);
        Published *p = g_hash_table_lookup(n->published, st->uuid);
        if (p && p->wants == st->wants_vf && p->unmet == st->unmet &&
            p->detaching == detaching && n->intervals - p->at < REPUBLISH_INTERVALS)
            continue;
        SovaNetPublish out = {.wants_vf = st->wants_vf, .unmet = st->unmet,
                              .benefit = st->benefit, .nic_util = n->result->nic_util,
                              .vf_detaching = detaching};
        g_autoptr(GError) err = NULL;
        if (!sova_backend_publish_net(be, st->uuid, &out, &err)) {
            sova_debug("publishing the net signal of %s: %s", st->name,
                       err ? err->message : "not supported");
            continue;
        }
        if (!p) {
            p = g_new0(Published, 1);
            g_hash_table_insert(n->published, g_strdup(st->uuid), p);
        }
        *p = (Published){st->wants_vf, st->unmet, detaching, n->intervals};
    }
}

SovaAgentNetInterval sova_agent_net_step(SovaAgentNet *n, SovaBackend *be,
                                         const SovaSnapshot *prev, const SovaSnapshot *cur,
                                         gboolean dry_run, gboolean say)
{
    n->intervals++;
    SovaNetModelParams mp = {.ewma_alpha = n->ewma_alpha,
                             .nic_capacity_Bps = cur->host_nic_capacity_Bps,
                             .exclude = (const char *const *)n->exclude};
    SovaNetModel *model = sova_net_model_build(prev, cur, n->model, &mp);
    sova_net_model_free(n->model);
    n->model = model;
    settle_detaching(n);
    n->params.pool_size = cur->vf_pool;
    sova_net_result_free(n->result);
    n->result = sova_net_result_new();
    sova_plan_free(n->plan);
    n->plan = n->policy->plan(n->model, &n->params, n->state, n->result);
    if (sova_plan_len(n->plan) && say)
        sova_info("net: %s", n->plan->reason ? n->plan->reason : "");
    execute(n, be, dry_run, say, cur->host);
    publish(n, be, dry_run);
    return (SovaAgentNetInterval){ .policy = n->policy->name, .model = n->model, .plan = n->plan,
                                   .results = n->results, .result = n->result,
                                   .executed = n->results->done, .failed = n->results->failed };
}
