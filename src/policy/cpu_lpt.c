/* cpu_lpt.c — the classic greedy "longest processing time first" placement,
 * kept as a baseline (`--cpu-policy lpt`).
 *
 * When the stddev of pCPU utilisation exceeds the target, it re-places every
 * vCPU from scratch: by demand, largest first, each onto the usable pCPU with the
 * least predicted load so far (load starting from the pCPU's non-VM `other` load;
 * ties go to the lowest pCPU id, equal demands keep model order). Only pins that
 * change something are emitted. It knows nothing of the current placement, so it
 * may move many vCPUs for a small gain: that is what `balance` improves on. */
#include "policy/cpu_policy.h"
#include "policy/cpu_placement.h"
#include <stdlib.h>

typedef struct {
    guint index;
    double demand;
    double found;             /* load of the pCPU it went to, before it arrived */
} Item;

static int item_cmp(const void *a, const void *b)
{
    const Item *x = a, *y = b;
    if (x->demand != y->demand)
        return x->demand > y->demand ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* the usable pCPU with the least load; lowest id on a tie */
static guint least_loaded(const double *load, const guint *usable, guint n)
{
    guint best = usable[0];
    for (guint k = 1; k < n; k++)
        if (load[usable[k]] < load[best])
            best = usable[k];
    return best;
}

static SovaPlan *lpt_plan(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state)
{
    (void)state;
    SovaPlan *plan = sova_plan_new();
    double sd = sova_model_util_stddev(m, NULL);
    guint n_usable, n = m->vcpus->len;
    g_autofree guint *usable = sova_cpu_usable_ids(m, &n_usable);

    plan->spread_before = plan->spread_after = sd;
    if (sd <= params->target_stddev) {
        sova_plan_set_reason(plan, "balanced: stddev %.1f <= %.1f", sd, params->target_stddev);
        return plan;
    }
    if (n_usable == 0 || n == 0) {
        sova_plan_set_reason(plan, "nothing to place: %u usable pCPUs, %u vCPUs", n_usable, n);
        return plan;
    }
    g_autofree Item *items = g_new(Item, n);
    g_autofree int *to = g_new(int, n);
    g_autofree double *load = g_new0(double, m->n_pcpus);
    for (guint i = 0; i < n; i++)
        items[i] = (Item){ .index = i, .demand = sova_model_vcpu(m, i)->demand };
    qsort(items, n, sizeof *items, item_cmp);
    for (guint p = 0; p < m->n_pcpus; p++)
        load[p] = sova_model_pcpu(m, p)->other;
    for (guint k = 0; k < n; k++) {
        guint p = least_loaded(load, usable, n_usable);
        to[items[k].index] = (int)p;
        items[k].found = load[p];
        load[p] += items[k].demand;
    }
    for (guint k = 0; k < n; k++) {
        guint i = items[k].index;
        const SovaVcpuLoad *v = sova_model_vcpu(m, i);
        if (sova_cpu_pin_changes(v, to[i]))
            sova_cpu_plan_pin(plan, m, i, to[i],
                              "demand %.0f%%, largest first: least loaded pCPU %d (%.0f%%)",
                              v->demand, to[i], items[k].found);
    }
    g_autofree double *predicted = sova_cpu_predict_load(m, to, SOVA_WEIGHT_DEMAND);
    plan->spread_after = sova_cpu_capped_stddev(predicted, usable, n_usable);
    sova_plan_set_reason(plan,
                         "stddev %.1f > %.1f: largest demand first onto the least loaded pCPU",
                         sd, params->target_stddev);
    return plan;
}

const SovaCpuPolicy sova_cpu_policy_lpt = {
    .name = "lpt",
    .summary = "greedy: largest demand first onto the least loaded pCPU, from scratch",
    .plan = lpt_plan,
};
