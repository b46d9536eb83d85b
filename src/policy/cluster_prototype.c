/* cluster_prototype.c — baseline: what the Sova prototype's scheduler meant to do at the
 * cluster level (its migration trigger, read from the seed's description and code).
 *
 * Every step: a host whose physical NIC was at or above HOT_UTIL (75 %) in at least
 * HOT_COUNT (3) of its last HOT_WINDOW (5) samples (host->nic_history, oldest first; a
 * host with fewer samples counts the ones it has) is hot. From the hot host with the most
 * hot samples (ties: the highest last sample), the VM with the most network traffic
 * moves to the host with the lowest NIC utilisation that takes it, if that host is under
 * COLD_UTIL (60 %). One migration per step. Everything else is ignored: CPU and memory
 * balance, the imbalance threshold, migration cost, cooldown, backoff, concurrency caps
 * (they cut its plan afterwards, as every policy's: cluster_caps.c), VF signals. Hard
 * constraints are kept as for every policy: a VM that is pinned, already migrating, or
 * on a down/excluded host is not moved; a destination is up, not excluded, not in
 * maintenance, has room with params->headroom on every resource and no VM of the VM's
 * anti-affinity group. A maintenance host is evacuated first, one VM per step, to
 * the least loaded host with room. Hosts without a NIC capacity never run hot (their
 * history is empty) and count as idle destinations. The action's cost field carries the
 * pre-copy estimate, for reports only. Stateless. */
#include "policy/cluster_private.h"

#define HOT_UTIL 0.75
#define HOT_COUNT 3
#define HOT_WINDOW 5
#define COLD_UTIL 0.60

/* samples at or above HOT_UTIL among the last HOT_WINDOW */
static guint hot_count(const SovaClusterHost *h)
{
    guint n = 0, len = h->nic_history ? h->nic_history->len : 0;
    for (guint i = len > HOT_WINDOW ? len - HOT_WINDOW : 0; i < len; i++)
        n += g_array_index(h->nic_history, double, i) >= HOT_UTIL;
    return n;
}

static double last_sample(const SovaClusterHost *h)
{
    guint len = h->nic_history ? h->nic_history->len : 0;
    return len ? g_array_index(h->nic_history, double, len - 1) : 0;
}

/* the hottest host by the 3-of-5 rule, or -1 */
static int hottest(const ClPlanner *P)
{
    int best = -1;
    guint best_n = 0;
    for (guint h = 0; h < P->n_hosts; h++) {
        const SovaClusterHost *host = sova_cluster_host(P->c, h);
        guint n = hot_count(host);
        if (!P->counted[h] || n < HOT_COUNT)
            continue;
        if (best < 0 || n > best_n ||
            (n == best_n && last_sample(host) > last_sample(sova_cluster_host(P->c, best)))) {
            best = (int)h;
            best_n = n;
        }
    }
    return best;
}

/* the busiest movable VM on a by network traffic, or -1 */
static int busiest(const ClPlanner *P, guint a)
{
    int best = -1;
    for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
        guint v = P->list[k];
        if (!cl_vm_movable(P, v))
            continue;
        if (best < 0 || sova_cluster_vm(P->c, v)->net_Bps > sova_cluster_vm(P->c, best)->net_Bps)
            best = (int)v;
    }
    return best;
}

/* the host with the lowest NIC utilisation that takes v, or -1 */
static int coolest_for(const ClPlanner *P, guint v)
{
    int best = -1;
    for (guint b = 0; b < P->n_hosts; b++)
        if (cl_can_move(P, v, b) &&
            (best < 0 || cl_load(P, b, SOVA_RES_NET) < cl_load(P, best, SOVA_RES_NET)))
            best = (int)b;
    return best;
}

static void plan_hot(ClPlanner *P, SovaPlan *plan)
{
    int a = hottest(P);
    if (a < 0) {
        sova_plan_set_reason(plan, "no host NIC >= %.0f %% in %d of its last %d samples",
                             HOT_UTIL * 100, HOT_COUNT, HOT_WINDOW);
        return;
    }
    const SovaClusterHost *src = sova_cluster_host(P->c, a);
    int v = busiest(P, a);
    int b = v < 0 ? -1 : coolest_for(P, v);
    if (b < 0 || cl_load(P, b, SOVA_RES_NET) >= COLD_UTIL) {
        sova_plan_set_reason(plan, "%s NIC hot (%u of the last %d samples >= %.0f %%), but no "
                             "host under %.0f %% takes its busiest VM", src->name,
                             hot_count(src), HOT_WINDOW, HOT_UTIL * 100, COLD_UTIL * 100);
        return;
    }
    double before = cl_imbalance(P), after = cl_imbalance_after(P, v, b);
    SovaMigrationCost cost = cl_cost(P, v);
    g_autofree char *why = g_strdup_printf(
        "%s NIC >= %.0f %% in %u of the last %d samples; busiest VM by network to %s (NIC "
        "%.2f < %.2f); imbalance %.3f -> %.3f", src->name, HOT_UTIL * 100, hot_count(src),
        HOT_WINDOW, sova_cluster_host(P->c, b)->name, cl_load(P, b, SOVA_RES_NET), COLD_UTIL,
        before, after);
    cl_commit(P, plan, v, b, before - after, cost.total_s, FALSE, why);
    sova_plan_set_reason(plan, "%s NIC hot: one migration", src->name);
}

static SovaPlan *prototype_plan(const SovaCluster *c, const SovaClusterParams *p,
                                gpointer state)
{
    (void)state;
    ClPlanner P;
    SovaPlan *plan = sova_plan_new();
    cl_planner_init(&P, c, p);
    double imb = cl_imbalance(&P);
    if (cl_evacuate_simple(&P, plan, 1, NULL))
        sova_plan_set_reason(plan, "evacuating a maintenance host, one VM per step");
    else
        plan_hot(&P, plan);
    plan->spread_before = imb;
    plan->spread_after = cl_imbalance(&P);
    cl_planner_clear(&P);
    return plan;
}

const SovaClusterPolicy sova_cluster_policy_prototype = {
    .name = "sova-prototype",
    .summary = "baseline: Sova's trigger, host NIC >= 75 % in 3 of 5 samples moves its "
               "busiest VM to the least loaded host if under 60 %",
    .plan = prototype_plan,
};
