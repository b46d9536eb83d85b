/* cpu_zigzag.c — the seed's vCPU scheduler ("zig-zag"), exactly as the seed
 * document describes it, kept as a baseline (`--cpu-policy zigzag`).
 *
 * Every interval:
 *   1. sd = stddev of pCPU utilisation. Act only if sd > 5 % (params->target_stddev,
 *      whose default is the seed's 5) and sd >= the previous interval's sd. The
 *      previous sd is updated every interval, acting or not; it starts at 0.
 *   2. Sort the vCPUs by this interval's usage (not demand), descending, by
 *      insertion sort as the seed does: a vCPU only passes those strictly smaller,
 *      so ties keep model order (VMs by name, vCPUs by number).
 *   3. Pin them, highest first, in zig-zag order starting at the CPU offset, then
 *      increment the offset (wrapping modulo the number of pCPUs).
 *
 * Zig-zag order, generalised to any number of passes over n pCPUs from offset o:
 * rank r (0-based) is in pass k = r / n at step i = r % n; an even pass walks
 * forward, P[(o + i) % n]; an odd pass walks the same sequence backwards,
 * P[(o + n - 1 - i) % n]. So each turn repeats the boundary pCPU, and passes
 * alternate forever: 4 pCPUs, offset 3 (1-based), 12 vCPUs ->
 * P3 P4 P1 P2 | P2 P1 P4 P3 | P3 P4 P1 P2 (the seed's example is the first 8).
 *
 * The only deviation from the seed: "the pCPUs" are the usable ones (online, not
 * reserved for the host), both for the stddev and for the zig-zag; the seed knew
 * neither offline nor reserved pCPUs. Actions are only pins that change
 * something (a vCPU already pinned there is left alone). */
#include "policy/cpu_policy.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_zigzag.h"

static gpointer zigzag_state_new(void)
{
    return g_new0(SovaZigzagState, 1);
}

static void zigzag_state_free(gpointer state)
{
    g_free(state);
}

/* the seed's insertion sort: descending by usage, stable */
static void sort_by_usage(const SovaModel *m, guint *order, guint n)
{
    for (guint i = 1; i < n; i++) {
        guint key = order[i];
        double ku = sova_model_vcpu(m, key)->usage;
        guint j = i;
        while (j > 0 && sova_model_vcpu(m, order[j - 1])->usage < ku) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = key;
    }
}

/* position (0-based, into the usable pCPUs) of rank r in the zig-zag from offset o */
static guint zigzag_position(guint r, guint n, guint o)
{
    guint pass = r / n, i = r % n;
    return pass % 2 == 0 ? (o + i) % n : (o + n - 1 - i) % n;
}

static SovaPlan *zigzag_plan(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state)
{
    SovaZigzagState *st = state;
    SovaPlan *plan = sova_plan_new();
    double sd = sova_model_util_stddev(m, NULL);
    double prev = st->prev_stddev;
    guint n_usable, n_vcpus = m->vcpus->len;
    g_autofree guint *usable = sova_cpu_usable_ids(m, &n_usable);

    st->prev_stddev = sd;
    plan->spread_before = plan->spread_after = sd;
    if (sd <= params->target_stddev) {
        sova_plan_set_reason(plan, "balanced: stddev %.1f <= %.1f", sd, params->target_stddev);
        return plan;
    }
    if (sd < prev) {
        sova_plan_set_reason(plan, "improving: stddev %.1f < previous %.1f", sd, prev);
        return plan;
    }
    if (n_usable == 0 || n_vcpus == 0) {
        sova_plan_set_reason(plan, "nothing to place: %u usable pCPUs, %u vCPUs", n_usable,
                             n_vcpus);
        return plan;
    }

    g_autofree guint *order = g_new(guint, n_vcpus);
    g_autofree int *to = g_new(int, n_vcpus);
    for (guint i = 0; i < n_vcpus; i++)
        order[i] = i;
    sort_by_usage(m, order, n_vcpus);
    guint start = st->offset % n_usable;
    for (guint r = 0; r < n_vcpus; r++)
        to[order[r]] = (int)usable[zigzag_position(r, n_usable, start)];
    st->offset = (start + 1) % n_usable;

    for (guint r = 0; r < n_vcpus; r++) {
        guint i = order[r];
        const SovaVcpuLoad *v = sova_model_vcpu(m, i);
        if (sova_cpu_pin_changes(v, to[i]))
            sova_cpu_plan_pin(plan, m, i, to[i], "zig-zag rank %u of %u (usage %.0f%%), pass %u",
                              r + 1, n_vcpus, v->usage, r / n_usable + 1);
    }
    g_autofree double *load = sova_cpu_predict_load(m, to, SOVA_WEIGHT_USAGE);
    plan->spread_after = sova_cpu_capped_stddev(load, usable, n_usable);
    sova_plan_set_reason(plan, "stddev %.1f > %.1f and >= previous %.1f: zig-zag from pCPU %u",
                         sd, params->target_stddev, prev, usable[start]);
    return plan;
}

const SovaCpuPolicy sova_cpu_policy_zigzag = {
    .name = "zigzag",
    .summary = "the seed's algorithm: re-pin every vCPU in zig-zag order of usage when the "
               "spread grows",
    .state_new = zigzag_state_new,
    .state_free = zigzag_state_free,
    .plan = zigzag_plan,
};
