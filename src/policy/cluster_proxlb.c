/* cluster_proxlb.c — baseline: ProxLB's spread rule (a load balancer for Proxmox VE).
 *
 * ProxLB compares the most and the least used node; when max - min exceeds its
 * "balanciness" (a percentage, default 10) it walks the guests, biggest first, and moves
 * each from the most used node to the least used one, recomputing after every move, until
 * the spread is within balanciness; many migrations in one run. Here a host's load is its
 * score (weighted normalised load, the same weights as `sova`) over up, non-excluded,
 * non-maintenance hosts, and balanciness = BALANCINESS_PER_THRESHOLD * params->threshold
 * (2 x 0.10 = 0.20 by default): for two hosts a stddev of t is a spread of 2t, so the
 * two rules agree there; with more hosts the spread rule fires earlier than the stddev
 * rule for the same threshold.
 * Each round: the most loaded host's movable VMs, biggest (weighted, normalised size)
 * first; the first that the least loaded host takes (room with params->headroom on every
 * resource, anti-affinity) moves there. Each VM moves at most once a run. The run ends
 * when the spread is within balanciness or the most loaded host has nothing that fits.
 * No cost model, no minimum gain, no cooldown, no backoff, no VF signals; the concurrency
 * caps cut its plan afterwards, as every policy's (sova_cluster_plan(), cluster_caps.c).
 * Hard constraints as for every policy (pinned, migrating, down/excluded hosts stay put;
 * maintenance hosts receive nothing). Maintenance hosts are evacuated first, all
 * VMs in one run, each to the least loaded host with room (ProxLB's maintenance mode).
 * The action's cost field carries the pre-copy estimate, for reports only. Stateless. */
#include "policy/cluster_private.h"

#define BALANCINESS_PER_THRESHOLD 2.0

/* most (sign 1) or least (sign -1) loaded counted host, or -1 */
static int extreme(const ClPlanner *P, double sign)
{
    int best = -1;
    double best_s = 0;
    for (guint h = 0; h < P->n_hosts; h++) {
        if (!P->counted[h])
            continue;
        double s = sign * cl_score(P, h);
        if (best < 0 || s > best_s) {
            best_s = s;
            best = (int)h;
        }
    }
    return best;
}

/* the biggest movable VM on a that b takes, or -1 */
static int biggest_fitting(const ClPlanner *P, guint a, guint b)
{
    int best = -1;
    double best_size = -1;
    for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
        guint v = P->list[k];
        if (P->host_of[v] != (int)a || !cl_vm_movable(P, v) || !cl_can_move(P, v, b))
            continue;
        double size = cl_vm_size(P, v, a);
        if (size > best_size) {
            best_size = size;
            best = (int)v;
        }
    }
    return best;
}

/* one round; FALSE when the run is over */
static gboolean spread_round(ClPlanner *P, SovaPlan *plan, double balanciness)
{
    int hi = extreme(P, 1), lo = extreme(P, -1);
    if (hi < 0 || lo < 0 || hi == lo)
        return FALSE;
    double spread = cl_score(P, hi) - cl_score(P, lo);
    if (spread <= balanciness)
        return FALSE;
    int v = biggest_fitting(P, hi, lo);
    if (v < 0)
        return FALSE;
    double before = cl_imbalance(P), after = cl_imbalance_after(P, v, lo);
    SovaMigrationCost cost = cl_cost(P, v);
    g_autofree char *why = g_strdup_printf(
        "spread %.2f (%s %.2f - %s %.2f) > balanciness %.2f; biggest VM that fits; "
        "imbalance %.3f -> %.3f", spread, sova_cluster_host(P->c, hi)->name, cl_score(P, hi),
        sova_cluster_host(P->c, lo)->name, cl_score(P, lo), balanciness, before, after);
    cl_commit(P, plan, v, lo, before - after, cost.total_s, FALSE, why);
    return TRUE;
}

static double spread_of(const ClPlanner *P)
{
    int hi = extreme(P, 1), lo = extreme(P, -1);
    return hi < 0 ? 0 : cl_score(P, hi) - cl_score(P, lo);
}

static SovaPlan *proxlb_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    (void)state;
    ClPlanner P;
    SovaPlan *plan = sova_plan_new();
    cl_planner_init(&P, c, p);
    double balanciness = BALANCINESS_PER_THRESHOLD * p->threshold;
    double imb = cl_imbalance(&P), spread = spread_of(&P);
    guint stuck = 0;
    guint evacuated = cl_evacuate_simple(&P, plan, 0, &stuck);
    guint rounds = 0;
    while (spread_round(&P, plan, balanciness))
        rounds++;
    if (evacuated || rounds)
        sova_plan_set_reason(plan, "spread %.2f vs balanciness %.2f: %u evacuation(s), %u "
                             "balancing move(s), spread now %.2f", spread, balanciness,
                             evacuated, rounds, spread_of(&P));
    else
        sova_plan_set_reason(plan, "spread %.2f %s balanciness %.2f%s%s", spread,
                             spread > balanciness ? ">" : "<=", balanciness,
                             spread > balanciness ? ", but nothing on the busiest host fits"
                                                  : "",
                             stuck ? "; evacuees have no host with room" : "");
    plan->spread_before = imb;
    plan->spread_after = cl_imbalance(&P);
    cl_planner_clear(&P);
    return plan;
}

const SovaClusterPolicy sova_cluster_policy_proxlb = {
    .name = "proxlb",
    .summary = "baseline: ProxLB spread rule, max - min host load above balanciness moves "
               "the biggest VMs from the busiest to the idlest host, many per run",
    .plan = proxlb_plan,
};
