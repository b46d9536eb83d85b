/* net_policy.c — the registry of net policies, the benefit measure they share, and
 * the result (per-VM demand, unmet demand, NIC utilisation) they publish. */
#include "policy/net_private.h"
#include <string.h>

static const SovaPolicy *const policies[] = {
    &sova_net_policy_balance.head,
    &sova_net_policy_sova.head,
};

static SovaRegistry registry = { "net", policies, G_N_ELEMENTS(policies), NULL };

const SovaNetPolicy *sova_net_policy_find(const char *name)
{
    return (const SovaNetPolicy *)sova_registry_find(&registry, name);
}

const char *sova_net_policy_list(void)
{
    return sova_registry_list(&registry);
}

gpointer sova_net_state_new_any(void)
{
    return sova_net_state_new();
}

void sova_net_state_free_any(gpointer state)
{
    sova_net_state_free(state);
}

double sova_net_benefit_of(const SovaNetRates *r, const SovaNetPolicyParams *params)
{
    double per = params->bytes_per_point > 0 ? params->bytes_per_point : 6000;
    return sova_net_rates_demand_pps(r) + sova_net_rates_demand_bps(r) / per;
}

double sova_net_benefit(const SovaNetVmLoad *v, const SovaNetPolicyParams *params)
{
    return sova_net_benefit_of(&v->smooth, params);
}

double sova_net_gain_at(double benefit, double demand_pps, double ceiling)
{
    if (ceiling <= 0 || demand_pps <= ceiling)
        return 0;
    return benefit * (demand_pps - ceiling) / demand_pps;
}

double sova_net_gain(const SovaNetVmLoad *v, double benefit, double ceiling)
{
    return sova_net_gain_at(benefit, sova_net_rates_demand_pps(&v->smooth), ceiling);
}

gboolean sova_net_wants(const SovaNetVmLoad *v, double benefit, const SovaNetPolicyParams *p)
{
    if (v->leaving || v->override == SOVA_NET_NEVER || (!v->has_standby && !v->has_vf))
        return FALSE;
    if (v->override == SOVA_NET_ALWAYS)
        return TRUE;
    return benefit >= p->enter || (v->has_vf && benefit >= p->exit);
}

static void status_clear(gpointer p)
{
    g_free(((SovaNetVmStatus *)p)->name);
}

SovaNetResult *sova_net_result_new(void)
{
    SovaNetResult *r = g_new0(SovaNetResult, 1);
    r->vms = g_array_new(FALSE, TRUE, sizeof(SovaNetVmStatus));
    g_array_set_clear_func(r->vms, status_clear);
    r->nic_util = -1;
    return r;
}

void sova_net_result_free(SovaNetResult *r)
{
    if (!r)
        return;
    g_array_unref(r->vms);
    g_free(r);
}

const SovaNetVmStatus *sova_net_result_find(const SovaNetResult *r, const char *uuid)
{
    for (guint i = 0; i < r->vms->len; i++) {
        const SovaNetVmStatus *st = &g_array_index(r->vms, SovaNetVmStatus, i);
        if (strcmp(st->uuid, uuid) == 0)
            return st;
    }
    return NULL;
}

/* whether the VM holds a VF once the plan is carried out */
static gboolean holds_after(const SovaNetVmLoad *v, const SovaPlan *plan)
{
    gboolean holds = v->has_vf;
    for (guint i = 0; plan && i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        if (strcmp(a->uuid, v->uuid) != 0)
            continue;
        if (a->kind == SOVA_ACTION_ATTACH_VF)
            holds = TRUE;
        else if (a->kind == SOVA_ACTION_DETACH_VF)
            holds = FALSE;
    }
    return holds;
}

void sova_net_result_fill(SovaNetResult *r, const SovaNetModel *m, const SovaNetPolicyParams *p,
                          const SovaPlan *plan)
{
    g_array_set_size(r->vms, 0);
    r->pool_size = p->pool_size;
    r->in_use = r->unmet = 0;
    r->nic_util = m->nic_util;
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        SovaNetVmStatus st = {0};
        g_strlcpy(st.uuid, v->uuid, sizeof st.uuid);
        st.name = g_strdup(v->name);
        st.benefit = sova_net_benefit(v, p);
        st.holds_vf = holds_after(v, plan);
        st.wants_vf = sova_net_wants(v, st.benefit, p);
        st.unmet = st.wants_vf && !st.holds_vf;
        r->in_use += st.holds_vf;
        r->unmet += st.unmet;
        g_array_append_val(r->vms, st);
    }
}
