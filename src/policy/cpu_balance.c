/* cpu_balance.c — the default cpu policy: even out pCPU load with the fewest pin
 * changes, and once balanced change nothing.
 *
 * How it sees the host. Each vCPU weighs its `demand` (running time plus run-queue
 * delay, smoothed), so a vCPU squeezed onto a busy pCPU is seen at its true size
 * and the first plan already lands balanced. A vCPU whose demand swings faster than
 * a few intervals (a duty cycle of seconds) weighs a high quantile of its recent raw
 * demand instead, its busy level, so it is planned once, not chased (cpu_robust.h).
 * The predicted load of a pCPU is its
 * non-VM `other` load plus the demands placed on it; predicted utilisation caps
 * that at 100 (4 busy vCPUs on 2 pCPUs: 100 % and 100 %, stddev 0).
 *
 * What it does, every interval:
 *   1. Every managed vCPU must be pinned to exactly one usable pCPU, or the host is
 *      shared (below). Those that are not (unpinned, shared, or pinned to a
 *      reserved/offline pCPU) are "loose": they are placed, largest demand first,
 *      onto the least loaded pCPU of their VM's NUMA cell, or where they run now
 *      when that is within `tau` of it. They get a pin even when the host is
 *      balanced, except a loose vCPU with no rate yet (a VM that just arrived,
 *      by migration or boot: demand 0, it would be pinned blind onto one pCPU with
 *      its siblings): it is left where the kernel runs it until the next interval;
 *      nor one the kernel shares (unpinned) while it is young (ROBUST_KNOWN intervals
 *      of history: a duty cycle cannot be told from a level yet). A host the kernel
 *      shares at start, while young, is not judged for sharing either: no decision
 *      of ours shared it.
 *   2. It acts on the others only when the measured spread (stddev of util over
 *      usable pCPUs) exceeds params->target_stddev, or there are loose vCPUs (the
 *      layout changes anyway), and the predicted spread of the layout with the
 *      loose ones placed does too (a measured blip the demand model does not see
 *      is not worth a pin), and never while a vCPU waits as step 1 says: its load
 *      shows where the kernel ran it and moves with the kernel's next choice.
 *   3. Local search from the current layout, never from scratch (cpu_search.c); first,
 *      when a NUMA cell is overloaded and another has room, whole VMs move (cpu_numa.h):
 *      repeatedly take the most loaded pCPU and move to the least loaded pCPU of the
 *      vCPU's cell the vCPU whose demand is closest to half their gap (the move that
 *      cuts sum(load^2) most); fall back to a swap when no single move helps. A move
 *      must narrow the two pCPUs' gap by at least tau = max(min_gain, 0.5) points;
 *      leaving the VM's cell costs NUMA_PENALTY more. It stops when the predicted
 *      stddev is under target/2 (hysteresis: the next measurement is noisy) or
 *      when no move helps.
 *   4. The plan is kept only if it cuts the predicted stddev by at least
 *      params->min_gain; otherwise only the loose vCPUs are pinned. So a stable but
 *      imperfect layout (3 busy vCPUs on 2 pCPUs: 200 % vs 100 % of demand) yields
 *      an empty plan, interval after interval: no move can improve it.
 * Sharing (cpu_share.h): pins that would lose work against the kernel's own
 * scheduler are not made, nor kept. After steps 1-4, if the layout the plan would
 * apply (the search's when its moves are worth it, else the pins as they are) risks
 * losing more than the target (points of one pCPU, pCPUs near or across 100 % by the
 * noise margin, judged without the VMs the controller is migrating away), every vCPU is
 * instead allowed on every usable pCPU ("shared"). A shared host is pinned again
 * only when the pins would lose (almost) nothing with twice the margin for
 * SHARE_CALM intervals in a row, a wait that doubles each time pins put back fail
 * soon (the decision and its state: cpu_share.c). A saturated host (4 busy vCPUs on 2 pCPUs) loses
 * nothing pinned and stays pinned.
 * Shared pin sets (cpu_group.h): "sharing" is not all or nothing. A new shared set takes the
 * pCPUs where pins lose (overloaded, or holding a fast vCPU beside another task) and the
 * least loaded pCPUs of their NUMA cell until it has room (whole cells once it takes half of
 * one); the vCPUs there may run on every pCPU of the set, the others keep their pins. Once
 * made, a set is left alone: the rest of the host is balanced around it (and the set grows
 * when it overloads or the rest loses too), and it goes back to pins by the calm rule above;
 * a set that grew shrinks again when the set a new group would take is a strict part of it
 * for as long (shrink).
 * A set of every usable pCPU is the shared host.
 * SMT (cpu_smt.h): after the search, the contents of pCPUs are swapped so that busy vCPUs
 * sit on separate cores; the layout is judged (service, sharing) as swapped.
 * Per-VM service (cpu_service.h): the layout found is also judged VM by VM against what
 * the kernel's scheduler would give each VM unpinned (its demand water-filled over the
 * usable pCPUs). Pins that would give some VM less than that beyond the tolerance and the
 * noise share the host just the same (3 busy vCPUs on 2 pCPUs: 100/50/50 % pinned against
 * 67 % each shared), and a shared host is not calm while its best pins would. On a host
 * saturated both ways the tolerance is finer, judged on the worst ratio smoothed over
 * intervals, and must hold SHARE_CONFIRM_FINE intervals (cpu_service.h).
 * Take-over (cpu_takeover.h): at the agent's first sample, before any measurement, vCPUs
 * stacked beside an idle pCPU (more of them confined to a part of the usable pCPUs than it
 * has, while some usable pCPU may run none) are shared over every usable pCPU: pinned, they
 * cannot get what the kernel would give them, whatever their demand. When that leaves the
 * whole host shared (or an agent before this one shared it: its VMs carry sova's summary),
 * it is this policy's shared host from the start, pinned again by the calm rule above.
 * Noise: the policy's state (cpu_noise.c) learns how far its predicted pCPU
 * utilisation missed the measured one. A host that wobbles by sigma points every
 * interval can never stay under the target, so the target becomes
 * hypot(target, sigma) and the required gain min_gain + sigma: it does not chase
 * wobbles, yet a real change (a VM waking up) is far above both. Noise never blocks a
 * clear gain: the search runs whenever the measured spread exceeds the plain target,
 * and a plan that cuts a predicted spread above the target by min_gain + sigma and by
 * at least 2 sigma stands, whatever the widened target says (cpu_reasons_judge). Without state
 * (NULL, as in most tests) sigma is 0 and a shared host is pinned as soon as that
 * looks safe.
 * Steps 2-4 judge the *uncapped* predicted load (demand), the same measure the
 * search minimises, so each accepted plan lowers one quantity and plans cannot
 * cycle. The capped one (utilisation, reported as spread_after) would call 3 + 1
 * busy vCPUs on 2 pCPUs balanced though one vCPU gets three times the CPU of the
 * others, and would call moving one of 2 busy vCPUs off a shared pCPU of 4 a loss
 * (100/0/0/0 -> 90/0/90/0 raises the util stddev) though it nearly doubles their work.
 * The measured spread, always utilisation, still decides whether to look at all.
 * Reserved and offline pCPUs are never used. Deterministic: ties go to the lowest
 * pCPU id, then the vCPU order of the model.
 *
 * Where it lives: this file runs the steps and keeps the state (its types shared with
 * cpu_balance_group.c through cpu_balance_private.h); a standing shared set, pinned around,
 * grown and shrunk, cpu_balance_group.c; the take-over's rule is cpu_takeover.c, the layout
 * and step 1 cpu_layout.c, step 3 cpu_search.c and cpu_numa.c, sharing cpu_share.c, finding
 * shared sets cpu_group.c, SMT cpu_smt.c, the actions and every reason text cpu_reasons.c.
 * Cost: pCPUs sit in balanced trees ordered by (load, id), each pCPU's vCPUs in an
 * array sorted by demand; a move costs O(cells * log) plus the array shift, and a
 * source with no useful move is set aside until its load changes (the least
 * loaded pCPU of a cell only gets busier as moves go, so it stays useless). */
#include "policy/cpu_policy.h"
#include "policy/cpu_balance_private.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_noise.h"
#include "policy/cpu_share.h"
#include "policy/cpu_service.h"
#include "policy/cpu_robust.h"
#include "policy/cpu_search.h"
#include "policy/cpu_reasons.h"
#include "policy/cpu_group.h"
#include "policy/cpu_smt.h"
#include <math.h>

/* a loose vCPU that is not waiting for a rate: the layout changes anyway */
static gboolean any_unmanaged(const SovaModel *m)
{
    for (guint v = 0; v < m->vcpus->len; v++)
        if (!sova_cpu_vcpu_managed(m, sova_model_vcpu(m, v)) && !sova_model_vcpu(m, v)->fresh)
            return TRUE;
    return FALSE;
}

/* a vCPU left where the kernel runs it until it can be placed (cpu_layout.h: `waits`, a VM
 * that just arrived): its load sits on the pCPUs it ran on this interval and moves with the
 * kernel's next choice, so managed vCPUs do not move away from it (cluster-hotspot-noisy-8:
 * 36 pin changes in the 3 s a migrated VM waited, on a host of 22 vCPUs) */
static gboolean any_waiting(const SovaModel *m, const gboolean *young)
{
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        if (!sova_cpu_vcpu_managed(m, vc) && (vc->fresh || (vc->shared && young[v])))
            return TRUE;
    }
    return FALSE;
}

/* a host the kernel shares at start (no vCPU pinned) with vCPUs too young to judge
 * (cpu_robust.h): the kernel's sharing is no decision of ours, and there is none to make */
static gboolean young_start(const Balancer *b)
{
    gboolean young = FALSE;
    for (guint v = 0; v < b->n_vcpus; v++) {
        if (!b->loose[v])
            return FALSE;
        young = young || (b->waits[v] && b->young[v]);
    }
    return young;
}

/* some vCPU the kernel shares is left where it is, too young to place (cpu_robust.h) */
static gboolean waits_young(const Balancer *b)
{
    for (guint v = 0; v < b->n_vcpus; v++)
        if (b->waits[v] && b->young[v])
            return TRUE;
    return FALSE;
}

/* the predicted loads of the layout as it is now (vCPUs where they run) */
static double *load_if_kept(const SovaModel *m)
{
    g_autofree int *at = g_new(int, MAX(m->vcpus->len, 1));
    for (guint v = 0; v < m->vcpus->len; v++)
        at[v] = sova_model_vcpu(m, v)->pcpu;
    return sova_cpu_predict_load(m, at, SOVA_WEIGHT_DEMAND);
}

/* the best pins b short by the finer tolerance of a saturated host (cpu_service.h): its
 * smoothed worst ratio, for SHARE_CONFIRM_FINE intervals in a row counting the SHARE_CONFIRM
 * of the decision (without state: this reading, at once) */
static gboolean unfair_saturated(BalanceState *st, const Balancer *b, double noise)
{
    double r = sova_cpu_service_worst_saturated(b->m, b->to, b->demand, noise);
    double line = 1 - SOVA_SERVICE_TOL / SOVA_SERVICE_SAT;
    if (!st)
        return r < line;
    st->sat_worst = st->sat_worst > 0 ? st->sat_worst + SOVA_SERVICE_SAT_ALPHA * (r - st->sat_worst)
                                      : r;
    st->fine_for = st->sat_worst < line ? st->fine_for + 1 : 0;
    return st->fine_for + SHARE_CONFIRM > SHARE_CONFIRM_FINE;
}

/* the one-pCPU pins of the layout around `frozen` (NULL: the whole host): the search's moves
 * when they are worth it (cpu_reasons_judge), else only the loose vCPUs placed; then busy
 * vCPUs onto separate cores (cpu_smt.h). `found` (taken; may be NULL) is that search already
 * made, whose layout had `found_before` before it. Returns the layout the plan was made from */
Balancer *cpu_balance_plan_pins(const Inputs *in, const SovaCpuSet *frozen, SovaPlan *plan,
                                Balancer *found, double found_before)
{
    double before = found_before, after, target = in->params->target_stddev;
    Balancer *b = found ? found
                        : cpu_search_run_frozen(in->m, in->params, in->demand, in->young, frozen,
                                                in->look, &before);
    after = cpu_layout_stddev(b);
    g_autofree char *why = cpu_reasons_judge(in->measured, before, after, in->noise, in->params,
                                             in->look);
    if (in->look && why) {
        cpu_layout_free(b);
        b = cpu_search_run_frozen(in->m, in->params, in->demand, in->young, frozen, FALSE,
                                  &before);   /* only the loose vCPUs */
    }
    cpu_smt_spread(b);
    cpu_reasons_pins(b, plan, why, in->measured, hypot(target, in->noise), before, after);
    if (sova_plan_len(plan))
        plan->spread_after = cpu_layout_capped_stddev(b);
    return b;
}

/* the layout a plan over the whole host applies: the search's (`found`, taken) when its
 * moves are worth it (cpu_reasons_judge), else the pins as they are, only the loose vCPUs
 * placed, and busy vCPUs onto separate cores; *before is that layout's predicted stddev.
 * The share decision judges this one: judged on moves the plan then does not make, the pins
 * kept were never judged (cluster-hotspot-noisy-8: a pair of vCPUs at 108 % kept for 100 s
 * beside pCPUs at 25 %, 'no plan improves stddev', while the moves lost nothing) */
static Balancer *applied_layout(const Inputs *in, Balancer *found, double *before)
{
    g_autofree char *why = cpu_reasons_judge(in->measured, *before, cpu_layout_stddev(found),
                                             in->noise, in->params, in->look);
    if (!in->look || !why || !found->moves)
        return found;
    cpu_layout_free(found);
    Balancer *kept = cpu_search_run_with(in->m, in->params, in->demand, in->young, FALSE, before);
    kept->fast = in->fast;
    cpu_smt_spread(kept);
    return kept;
}

static SovaPlan *balance_plan(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state)
{
    BalanceState *st = state;
    SovaCpuNoise *nstate = st ? st->noise : NULL;
    SovaPlan *plan = sova_plan_new();
    double target = params->target_stddev, measured = sova_model_util_stddev(m, NULL);
    double noise = nstate ? sova_cpu_noise_update(nstate, m, 2 * target) : 0;
    double before;
    guint n_usable;
    g_free(sova_cpu_usable_ids(m, &n_usable));
    plan->spread_before = plan->spread_after = measured;
    if (n_usable == 0) {
        sova_plan_set_reason(plan, "no usable pCPU");
        return plan;
    }

    /* loose vCPUs change the layout anyway: judge it as it will be once they are placed */
    gboolean look = measured > target || any_unmanaged(m);
    g_autofree gboolean *young = g_new0(gboolean, MAX(m->vcpus->len, 1));
    g_autofree gboolean *fast = g_new0(gboolean, MAX(m->vcpus->len, 1));
    g_autofree double *demand = sova_cpu_robust_update_fast(st ? st->robust : NULL, m, young,
                                                            fast, NULL);
    look = look && !any_waiting(m, young);
    Inputs in = { m, params, demand, young, fast, measured, noise, look };
    g_autoptr(SovaCpuSet) group = cpu_balance_current_group(m, st);
    g_autoptr(SovaCpuSet) all = sova_cpu_share_set(m);
    g_autoptr(Balancer) b = cpu_search_run_with(m, params, demand, young, look, &before);
    b->fast = fast;
    cpu_smt_spread(b);   /* judged with busy vCPUs on separate cores, as the pins would be */
    if (!group)
        b = applied_layout(&in, b, &before);
    /* would the best pins found lose work against sharing? (see cpu_share.h); pins cannot
     * serve a fast vCPU beside another one (cpu_group.h) */
    double margin = hypot(target, noise), loss;
    gboolean unfair = cpu_group_fast_crowded(b)
                      || sova_cpu_service_unfair(m, b->load, b->to, b->demand, SOVA_SERVICE_TOL,
                                                 noise)
                      || unfair_saturated(st, b, noise);
    /* a layout that leaves shared vCPUs unplaced (too young to judge) cannot look calm */
    gboolean unfair_calm = unfair || waits_young(b)
                           || sova_cpu_service_unfair(m, b->load, b->to, b->demand,
                                                      SOVA_SERVICE_CALM, 0)
                           || sova_cpu_service_worst_saturated(m, b->to, b->demand, 0)
                                  < 1 - SOVA_SERVICE_CALM / SOVA_SERVICE_SAT;
    gboolean undecided = st && !st->share.planned && young_start(b);
    if (!undecided
        && sova_cpu_share_decide_group(st ? &st->share : NULL, m, b->load, b->to, margin, target,
                                       unfair, unfair_calm, group != NULL, &loss)) {
        if (group && !sova_cpuset_equal(group, all)) {
            if (!cpu_balance_shrink(b, group, margin, st, plan))
                cpu_balance_plan_around(&in, group, margin, st, plan);
            return plan;
        }
        int vm = -1;
        double worst = sova_cpu_service_worst(m, b->load, b->to, b->demand, &vm);
        gboolean named = loss <= target && worst < 1 - SOVA_SERVICE_CALM;
        /* a new group forms over the layout as it is (only the loose vCPUs placed) */
        g_autoptr(Balancer) now = group ? NULL
                                        : cpu_search_run_with(m, params, demand, young, FALSE,
                                                              &before);
        if (now)
            now->fast = fast;
        g_autoptr(SovaCpuSet) made = group ? NULL
                                           : cpu_group_find(now, margin,
                                                            sova_cpu_cfs_level(m, b->demand));
        cpu_reasons_share(made ? now : b, plan, made, loss, margin, named ? vm : -1, worst);
        cpu_balance_remember_group(st, made ? made : all);
        if (nstate) {
            g_autofree double *kept = load_if_kept(m);
            g_autofree double *flat = sova_cpu_shared_load(m, b->load, cpu_layout_mean(b));
            sova_cpu_noise_expect(nstate, m, kept, made ? b->load : flat);
        }
        return plan;
    }
    cpu_balance_remember_group(st, NULL);
    if (st)
        cpu_balance_forget_smaller(st);
    b = cpu_balance_plan_pins(&in, NULL, plan, g_steal_pointer(&b), before);
    if (nstate) {
        g_autofree double *kept = load_if_kept(m);
        sova_cpu_noise_expect(nstate, m, kept, b->load);
    }
    return plan;
}

/* the take-over (cpu_takeover.h): a host then shared by sova (its release left every vCPU
 * shared, or an agent before this one shared it) is this policy's shared host, pinned again
 * once pins look calm SHARE_CALM intervals in a row (cpu_share.h), not a host the kernel
 * shared at start, which it pins as soon as pins look fair: the layout it found was a bad
 * one, or sova's own decision, and each switch costs every vCPU a pin change */
static SovaPlan *balance_takeover(const SovaSnapshot *s, const SovaCpuTakeoverParams *p,
                                  gpointer state)
{
    BalanceState *st = state;
    gboolean shared = FALSE;
    SovaPlan *plan = sova_cpu_takeover_plan(s, p, &shared);
    if (st && shared) {
        SovaCpuSet *all = sova_cpuset_new(s->n_pcpus);
        for (guint i = 0; i < s->n_pcpus; i++)
            if (sova_snapshot_pcpu(s, i)->online && !sova_cpuset_has(p->reserved, i))
                sova_cpuset_add(all, i);
        st->share.planned = TRUE;
        sova_cpuset_free(st->group);
        st->group = all;
    }
    return plan;
}

static gpointer balance_state_new(void)
{
    BalanceState *st = g_new0(BalanceState, 1);
    st->noise = sova_cpu_noise_new();
    st->robust = sova_cpu_robust_new();
    return st;
}

static void balance_state_free(gpointer state)
{
    BalanceState *st = state;
    if (!st)
        return;
    sova_cpu_noise_free(st->noise);
    sova_cpu_robust_free(st->robust);
    sova_cpuset_free(st->group);
    sova_cpuset_free(st->smaller);
    g_free(st);
}

const SovaCpuPolicy sova_cpu_policy_balance = {
    .name = "balance",
    .summary = "fewest pin changes that bring the pCPU spread under target, on demand, NUMA-aware",
    .state_new = balance_state_new,
    .state_free = balance_state_free,
    .plan = balance_plan,
    .takeover = balance_takeover,
};
