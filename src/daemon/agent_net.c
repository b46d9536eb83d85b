/* agent_net.c — the host agent's net plane; see agent_net.h. */
#include "daemon/agent_net.h"
#include "util/json.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>

/* republish a VM's signal at least this often, so that a controller started later sees
 * current benefit and NIC figures even when nothing changed */
#define REPUBLISH_INTERVALS 60

typedef struct {
    gboolean wants, unmet;
    guint64 at;               /* interval of the last publication */
} Published;

struct SovaAgentNet {
    const SovaNetPolicy *policy;
    SovaNetState *state;
    SovaNetPolicyParams params;   /* pool_size set from each snapshot */
    double ewma_alpha;
    char **exclude;
    SovaNetModel *model;
    SovaPlan *plan;
    SovaNetResult *result;
    GHashTable *published;    /* uuid -> Published* */
    guint64 intervals, switches;
};

SovaAgentNet *sova_agent_net_new(const SovaConfig *cfg)
{
    const SovaNetPolicy *policy = sova_net_policy_find(cfg->net_policy);
    if (!sova_config_net_enabled(cfg) || !policy)
        return NULL;
    SovaAgentNet *n = g_new0(SovaAgentNet, 1);
    n->policy = policy;
    n->state = sova_net_state_new();
    sova_config_net_params(cfg, 0, &n->params);
    n->ewma_alpha = cfg->ewma_alpha;
    /* VMs the whole agent leaves alone are left alone by its net plane too */
    g_autoptr(GStrvBuilder) ex = g_strv_builder_new();
    if (cfg->exclude)
        g_strv_builder_addv(ex, (const char **)cfg->exclude);
    if (cfg->net_exclude)
        g_strv_builder_addv(ex, (const char **)cfg->net_exclude);
    n->exclude = g_strv_builder_end(ex);
    n->published = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return n;
}

void sova_agent_net_free(SovaAgentNet *n)
{
    if (!n)
        return;
    sova_net_state_free(n->state);
    g_strfreev(n->exclude);
    sova_net_model_free(n->model);
    sova_plan_free(n->plan);
    sova_net_result_free(n->result);
    g_hash_table_unref(n->published);
    g_free(n);
}

const char *sova_agent_net_policy_name(const SovaAgentNet *n) { return n->policy->name; }
guint64 sova_agent_net_switches(const SovaAgentNet *n) { return n->switches; }

static void execute(SovaAgentNet *n, SovaBackend *be, gboolean dry_run, gboolean say,
                    SovaAgentNetInterval *iv)
{
    for (guint i = 0; i < sova_plan_len(n->plan); i++) {
        const SovaAction *a = sova_plan_action(n->plan, i);
        g_autofree char *what = sova_action_describe(a);
        g_autoptr(GError) err = NULL;
        if (dry_run) {
            if (say)
                printf("would %s\n", what);
            continue;
        }
        if (!sova_backend_execute(be, a, &err)) {
            iv->failed++;
            sova_warn("failed: %s: %s", what, err->message);
            if (a->kind == SOVA_ACTION_ATTACH_VF)
                sova_net_state_attach_failed(n->state, a->uuid);
            continue;
        }
        iv->executed++;
        n->switches++;
        if (say)
            sova_info("  %s", what);
    }
    if (dry_run && say)
        fflush(stdout);
}

/* publishes the VMs whose wants/unmet changed, and every VM now and then */
static void publish(SovaAgentNet *n, SovaBackend *be, gboolean dry_run)
{
    if (dry_run || !be->ops->publish_net)
        return;
    for (guint i = 0; i < n->result->vms->len; i++) {
        const SovaNetVmStatus *st = &g_array_index(n->result->vms, SovaNetVmStatus, i);
        Published *p = g_hash_table_lookup(n->published, st->uuid);
        if (p && p->wants == st->wants_vf && p->unmet == st->unmet &&
            n->intervals - p->at < REPUBLISH_INTERVALS)
            continue;
        SovaNetPublish out = {.wants_vf = st->wants_vf, .unmet = st->unmet,
                              .benefit = st->benefit, .nic_util = n->result->nic_util};
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
        *p = (Published){st->wants_vf, st->unmet, n->intervals};
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
    n->params.pool_size = cur->vf_pool;
    sova_net_result_free(n->result);
    n->result = sova_net_result_new();
    sova_plan_free(n->plan);
    n->plan = n->policy->plan(n->model, &n->params, n->state, n->result);
    SovaAgentNetInterval iv = {.policy = n->policy->name, .model = n->model, .plan = n->plan, .result = n->result};
    if (sova_plan_len(n->plan) && say)
        sova_info("net: %s", n->plan->reason ? n->plan->reason : "");
    execute(n, be, dry_run, say, &iv);
    publish(n, be, dry_run);
    return iv;
}

static void vm_to_json(const SovaNetVmLoad *v, const SovaNetVmStatus *st, JsonBuilder *b)
{
    json_builder_begin_object(b);
    sova_json_string(b, "vm", v->name);
    sova_json_string(b, "uuid", v->uuid);
    sova_json_string(b, "mode", v->has_vf ? "vf" : v->has_standby ? "virtio" : "none");
    sova_json_string(b, "override", v->override == SOVA_NET_ALWAYS  ? "always"
                                    : v->override == SOVA_NET_NEVER ? "never"
                                                                    : "auto");
    sova_json_double(b, "rx_Bps", v->smooth.rx_bps);
    sova_json_double(b, "tx_Bps", v->smooth.tx_bps);
    sova_json_double(b, "rx_pps", v->smooth.rx_pps);
    sova_json_double(b, "tx_pps", v->smooth.tx_pps);
    if (st) {
        sova_json_double(b, "benefit", st->benefit);
        sova_json_bool(b, "wants_vf", st->wants_vf);
        sova_json_bool(b, "holds_vf_after", st->holds_vf);
        sova_json_bool(b, "unmet", st->unmet);
    }
    json_builder_end_object(b);
}

void sova_agent_net_to_json(const SovaAgentNetInterval *iv, JsonBuilder *b)
{
    json_builder_begin_object(b);
    sova_json_string(b, "policy", iv->policy);
    sova_json_int(b, "pool", iv->result->pool_size);
    sova_json_int(b, "in_use", iv->result->in_use);
    sova_json_int(b, "unmet", iv->result->unmet);
    sova_json_double(b, "nic_util", iv->result->nic_util);
    json_builder_set_member_name(b, "vms");
    json_builder_begin_array(b);
    for (guint i = 0; i < iv->model->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(iv->model, i);
        vm_to_json(v, sova_net_result_find(iv->result, v->uuid), b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "plan");
    json_builder_add_value(b, sova_plan_to_json(iv->plan));
    sova_json_int(b, "executed", iv->executed);
    sova_json_int(b, "failed", iv->failed);
    json_builder_end_object(b);
}
