/* net_sova.c — the baseline net policy: what Sova's scheduler meant to do.
 *
 * Every interval it re-ranks the VMs by benefit and gives the VFs to the top
 * `pool_size` of those above `enter` (override `always` first, `never` excluded);
 * every holder outside that set loses its VF at once. No hysteresis, no dwell time,
 * no cap, no backoff: it is here to be compared with `balance`, which it out-flaps
 * under noisy load. A VM marked leaving is held as it is (the migration gives its VF
 * back): not ranked, its VF neither taken nor handed out again. */
#include "policy/net_private.h"
#include <string.h>

typedef struct {
    const SovaNetVmLoad *v;
    double benefit;
} Ranked;

static gint by_rank(gconstpointer a, gconstpointer b)
{
    const Ranked *x = a, *y = b;
    gboolean ax = x->v->override == SOVA_NET_ALWAYS, ay = y->v->override == SOVA_NET_ALWAYS;
    if (ax != ay)
        return ax ? -1 : 1;
    if (x->benefit != y->benefit)
        return x->benefit > y->benefit ? -1 : 1;
    return strcmp(x->v->uuid, y->v->uuid);
}

/* VMs eligible for a VF this interval, best first */
static GArray *rank(const SovaNetModel *m, const SovaNetPolicyParams *p)
{
    GArray *r = g_array_new(FALSE, FALSE, sizeof(Ranked));
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        Ranked e = {v, sova_net_benefit(v, p)};
        if (v->leaving || v->override == SOVA_NET_NEVER || (!v->has_standby && !v->has_vf))
            continue;
        if (v->override == SOVA_NET_ALWAYS || e.benefit >= p->enter)
            g_array_append_val(r, e);
    }
    g_array_sort(r, by_rank);
    return r;
}

static gboolean in_top(const GArray *r, guint n, const SovaNetVmLoad *v)
{
    for (guint i = 0; i < r->len && i < n; i++)
        if (g_array_index(r, Ranked, i).v == v)
            return TRUE;
    return FALSE;
}

static SovaPlan *sova_plan(const SovaNetModel *m, const SovaNetPolicyParams *p,
                           SovaNetState *st, SovaNetResult *result)
{
    sova_net_state_begin(st, m);
    g_autoptr(GArray) r = rank(m, p);
    SovaPlan *plan = sova_plan_new();
    guint held = 0;           /* VFs of leaving VMs: not the ranking's to hand out */
    for (guint i = 0; i < m->vms->len; i++)
        held += sova_net_model_vm(m, i)->leaving && sova_net_model_vm(m, i)->has_vf;
    guint pool = p->pool_size > held ? p->pool_size - held : 0;
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        if (v->has_vf && !v->leaving && !in_top(r, pool, v)) {
            sova_plan_add_vf(plan, SOVA_ACTION_DETACH_VF, v->uuid, v->name,
                             "not in the top %u this interval (benefit %.0f)", pool,
                             sova_net_benefit(v, p));
            sova_net_state_record_switch(st, sova_net_state_vm(st, v->uuid));
        }
    }
    for (guint i = 0; i < r->len && i < pool; i++) {
        const Ranked *e = &g_array_index(r, Ranked, i);
        if (e->v->has_vf || !e->v->has_standby)
            continue;
        sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, e->v->uuid, e->v->name,
                         "rank %u of %u (benefit %.0f)", i + 1, r->len, e->benefit);
        sova_net_state_record_switch(st, sova_net_state_vm(st, e->v->uuid));
    }
    if (result)
        sova_net_result_fill(result, m, p, plan);
    sova_plan_set_reason(plan, "re-ranked %u eligible VMs for %u VFs, %u actions", r->len,
                         p->pool_size, sova_plan_len(plan));
    return plan;
}

const SovaNetPolicy sova_net_policy_sova = {
    .name = "sova",
    .summary = "baseline: re-rank every interval, the top share gets the VFs, no hysteresis",
    .state_new = sova_net_state_new_any,
    .state_free = sova_net_state_free_any,
    .feedback = sova_net_state_feedback,
    .plan = sova_plan,
};
