/* cluster_watcher.c — baseline: OpenStack Watcher's workload-stabilization strategy,
 * reduced to what matters for comparison.
 *
 * Every step: when the weighted imbalance (the same stddev of normalised host load, with
 * the same weights, as `sova`) is above params->threshold, it simulates every movable VM
 * on every host that takes it and plans the single migration that lowers the imbalance
 * most (when any lowers it at all). One migration per step; no cost model (memory size
 * and dirty rate do not count, a VM that would not converge may be chosen), no minimum
 * gain, no cooldown, no backoff, no VF signals: the threshold is its only hysteresis (the
 * concurrency caps are applied to its plan, as to every policy's, by sova_cluster_plan()).
 * Hard constraints are kept as for every policy: a VM that is pinned, already migrating,
 * or on a down/excluded host is not moved; a destination is up, not excluded, not in
 * maintenance, has room with params->headroom on every resource and no VM of the VM's
 * anti-affinity group. A maintenance host is evacuated first, one VM per
 * step, to the least loaded host with room (Watcher's host-maintenance strategy). The
 * action's cost field carries the pre-copy estimate, for reports only.
 * Cost: O(VMs * hosts) what-ifs of O(resources) per step. Stateless. */
#include "policy/cluster_private.h"

typedef struct {
    gboolean found;
    guint v, b;
    double after;
} Best;

static void best_move(const ClPlanner *P, Best *best)
{
    for (guint v = 0; v < P->n_vms; v++) {
        if (!cl_vm_movable(P, v))
            continue;
        for (guint b = 0; b < P->n_hosts; b++) {
            if (!cl_can_move(P, v, b))
                continue;
            double after = cl_imbalance_after(P, v, b);
            if (!best->found || after < best->after)
                *best = (Best){TRUE, v, b, after};
        }
    }
}

static SovaPlan *watcher_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    (void)state;
    ClPlanner P;
    SovaPlan *plan = sova_plan_new();
    cl_planner_init(&P, c, p);
    double imb = cl_imbalance(&P);
    guint stuck = 0;
    Best best = {0};
    if (cl_evacuate_simple(&P, plan, 1, &stuck)) {
        sova_plan_set_reason(plan, "evacuating a maintenance host, one VM per step");
    } else if (imb <= p->threshold) {
        sova_plan_set_reason(plan, "imbalance %.3f <= threshold %.3f%s", imb, p->threshold,
                             stuck ? "; evacuees have no host with room" : "");
    } else if (best_move(&P, &best), !best.found || best.after >= imb) {
        sova_plan_set_reason(plan, "imbalance %.3f > threshold %.3f, but no move lowers it",
                             imb, p->threshold);
    } else {
        SovaMigrationCost cost = cl_cost(&P, best.v);
        g_autofree char *why = g_strdup_printf("best single move; imbalance %.3f -> %.3f",
                                               imb, best.after);
        cl_commit(&P, plan, best.v, best.b, imb - best.after, cost.total_s, FALSE, why);
        sova_plan_set_reason(plan, "imbalance %.3f > threshold %.3f: the move that lowers it "
                             "most", imb, p->threshold);
    }
    plan->spread_before = imb;
    plan->spread_after = cl_imbalance(&P);
    cl_planner_clear(&P);
    return plan;
}

const SovaClusterPolicy sova_cluster_policy_watcher = {
    .name = "watcher",
    .summary = "baseline: OpenStack Watcher workload stabilization, stddev threshold, the "
               "best single move per step, no cost model",
    .plan = watcher_plan,
};
