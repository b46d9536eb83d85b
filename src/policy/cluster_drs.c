/* cluster_drs.c — baseline: a VMware DRS-style balancer as vSphere 7 describes it, driven
 * by "VM happiness" rather than host load deviation (issue 17 item 4).
 *
 * A VM's happiness is the share of its demand its host can serve: for each resource it
 * demands (CPU, memory, network), min(1, capacity / the host's total demand of it), and
 * the VM's happiness is the smallest of these (its most starved resource sets its pace:
 * a VM whose host is at 125 % CPU runs at 0.8 of what it asks). The cluster's happiness is
 * the mean over its VMs (each VM counts once, idle ones too: vSphere's cluster "DRS score"
 * is an average of the VMs' scores). There is no burst model and no noise learning: a
 * host at 100 % or below leaves every VM happy.
 * Each step, greedily while the concurrency caps leave room: among every movable VM on a
 * host with an unhappy VM and every host that takes it (room with params->headroom on
 * every resource, anti-affinity, per-VM rules), the move that raises the sum of the VMs'
 * happiness (in VMs' worth: 1.0 = one VM from nothing to fully served) the most per second
 * of migration (the pre-copy estimate, migration_cost.h; on a tie, the least loaded
 * destination) is planned, if its gain reaches
 * what the migration threshold asks (DRS's levels 1-5, params->drs_level, default 3):
 *     level 1 (conservative)  mandatory moves only (maintenance, hosts= rules)
 *     level 2                 a "significant" gain: at least DRS_GAIN_L2 (0.5) of a VM
 *     level 3 (default)       a "good" gain: at least DRS_GAIN_L3 (0.2)
 *     level 4                 a "moderate" gain: at least DRS_GAIN_L4 (0.1)
 *     level 5 (aggressive)    even a slight gain: at least DRS_GAIN_L5 (0.02)
 * A VM whose migration would not converge, or whose downtime would exceed max_downtime_s,
 * is not chosen (DRS's cost-benefit does not recommend a migration that will not finish).
 * No cooldown, no backoff, no VF signals. Maintenance hosts (and hosts a VM's hosts= rule
 * excludes) are evacuated first, every VM in one run, each to the least loaded host with
 * room; the concurrency caps then cut the plan, as every policy's (sova_cluster_plan()).
 * Hard constraints as for every policy. The action's gain is the happiness it adds, its
 * cost the pre-copy estimate. Cost: per step O(VMs on unhappy hosts x hosts) what-ifs of
 * O(resources), from per-host counts of VMs by the set of resources they demand.
 * Stateless. */
#include "policy/cluster_private.h"
#include <math.h>
#include <string.h>

#define DRS_GAIN_L2 0.5
#define DRS_GAIN_L3 0.2
#define DRS_GAIN_L4 0.1
#define DRS_GAIN_L5 0.02
#define N_MASKS (1 << CL_R)   /* VMs by the set of resources they demand */

typedef struct {
    ClPlanner P;
    guint *count;             /* [h * N_MASKS + mask]: VMs on h demanding exactly `mask` */
    guint8 *mask;             /* per VM */
} Drs;

typedef struct {
    gboolean found;
    guint v, b;
    double gain, cost_s, rate;
} DrsMove;

double sova_cluster_drs_min_gain(guint level)
{
    static const double gain[] = {INFINITY, INFINITY, DRS_GAIN_L2, DRS_GAIN_L3, DRS_GAIN_L4,
                                  DRS_GAIN_L5};
    return gain[CLAMP(level, 1, 5)];
}

static guint8 demand_mask(const SovaClusterVm *vm)
{
    guint8 m = 0;
    for (int r = 0; r < CL_R; r++)
        if (sova_cluster_vm_demand(vm, r) > 0)
            m |= (guint8)(1u << r);
    return m;
}

static void count_vms(Drs *D)
{
    const ClPlanner *P = &D->P;
    memset(D->count, 0, sizeof(guint) * P->n_hosts * N_MASKS);
    for (guint v = 0; v < P->n_vms; v++)
        if (P->host_of[v] >= 0)
            D->count[P->host_of[v] * N_MASKS + D->mask[v]]++;
}

/* the sum of the happiness of host h's VMs, with `delta` (per resource) added to its demand
 * and VM class `m` counted `dn` times more (dn -1, 0 or 1) */
static double host_happiness(const Drs *D, guint h, const double *delta, guint8 m, int dn)
{
    const ClPlanner *P = &D->P;
    double f[CL_R];
    for (int r = 0; r < CL_R; r++) {
        double cap = P->cap[h * CL_R + r], sum = P->sum[h * CL_R + r] + (delta ? delta[r] : 0);
        f[r] = cap > 0 && sum > cap ? cap / sum : 1.0;
    }
    double s = 0;
    for (guint k = 0; k < N_MASKS; k++) {
        gint64 n = (gint64)D->count[h * N_MASKS + k] + (k == m ? dn : 0);
        if (n <= 0)
            continue;
        double hk = 1.0;
        for (int r = 0; r < CL_R; r++)
            if (k & (1u << r))
                hk = MIN(hk, f[r]);
        s += (double)n * hk;
    }
    return s;
}

/* how much v: a -> b raises the sum of the VMs' happiness (VMs' worth) */
static double move_gain(const Drs *D, guint v, guint b)
{
    const SovaClusterVm *vm = sova_cluster_vm(D->P.c, v);
    guint a = (guint)D->P.host_of[v];
    double plus[CL_R], minus[CL_R];
    for (int r = 0; r < CL_R; r++) {
        plus[r] = sova_cluster_vm_demand(vm, r);
        minus[r] = -plus[r];
    }
    double before = host_happiness(D, a, NULL, 0, 0) + host_happiness(D, b, NULL, 0, 0);
    double after = host_happiness(D, a, minus, D->mask[v], -1) +
                   host_happiness(D, b, plus, D->mask[v], 1);
    return after - before;
}

/* host h has a VM that is not fully served */
static gboolean unhappy(const Drs *D, guint h)
{
    guint n = 0;
    for (guint k = 0; k < N_MASKS; k++)
        n += D->count[h * N_MASKS + k];
    return n > 0 && host_happiness(D, h, NULL, 0, 0) < n - 1e-9;
}

/* a higher rate wins; on a tie (the same VM to hosts that all serve it fully) the least
 * loaded destination, as DRS places a VM where it has the most headroom */
static gboolean better(const ClPlanner *P, double rate, guint b, const DrsMove *best)
{
    if (!best->found || rate > best->rate + 1e-12 * fabs(best->rate))
        return TRUE;
    return rate >= best->rate - 1e-12 * fabs(best->rate) && cl_score(P, b) < cl_score(P, best->b);
}

static void best_move(const Drs *D, double min_gain, DrsMove *best)
{
    const ClPlanner *P = &D->P;
    for (guint a = 0; a < P->n_hosts; a++) {
        if (!P->counted[a] || !unhappy(D, a))
            continue;
        for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
            guint v = P->list[k];
            if (P->host_of[v] != (int)a || !cl_vm_movable(P, v))
                continue;
            SovaMigrationCost cost = cl_cost(P, v);
            if (!cost.converges || cost.downtime_s > P->p->max_downtime_s)
                continue;
            for (guint b = 0; b < P->n_hosts; b++) {
                if (!cl_can_move(P, v, b) || !cl_caps_allow(P, a, b))
                    continue;
                double gain = move_gain(D, v, b);
                double rate = gain / MAX(cost.total_s, 1e-3);
                if (gain >= min_gain && better(P, rate, b, best))
                    *best = (DrsMove){TRUE, v, b, gain, cost.total_s, rate};
            }
        }
    }
}

/* the mean happiness of the cluster's VMs (1 when there is none) */
static double cluster_happiness(const Drs *D)
{
    const ClPlanner *P = &D->P;
    double s = 0;
    guint n = 0;
    for (guint h = 0; h < P->n_hosts; h++) {
        if (!P->counted[h])
            continue;
        s += host_happiness(D, h, NULL, 0, 0);
        for (guint k = 0; k < N_MASKS; k++)
            n += D->count[h * N_MASKS + k];
    }
    return n ? s / n : 1.0;
}

static guint balance(Drs *D, SovaPlan *plan, double min_gain)
{
    ClPlanner *P = &D->P;
    guint n = 0;
    while (!cl_caps_full(P)) {
        DrsMove m = {0};
        best_move(D, min_gain, &m);
        if (!m.found)
            break;
        g_autofree char *why = g_strdup_printf(
            "raises the VMs' happiness by %.2f of a VM (>= %.2f, migration threshold %u), "
            "%.4f per second of migration", m.gain, min_gain, CLAMP(P->p->drs_level, 1, 5),
            m.rate);
        cl_commit(P, plan, m.v, m.b, m.gain, m.cost_s, FALSE, why);
        count_vms(D);
        n++;
    }
    return n;
}

static SovaPlan *drs_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    (void)state;
    Drs D;
    SovaPlan *plan = sova_plan_new();
    cl_planner_init(&D.P, c, p);
    D.count = g_new0(guint, (gsize)D.P.n_hosts * N_MASKS);
    D.mask = g_new(guint8, MAX(D.P.n_vms, 1));
    for (guint v = 0; v < D.P.n_vms; v++)
        D.mask[v] = demand_mask(sova_cluster_vm(c, v));
    count_vms(&D);
    double imb = cl_imbalance(&D.P), happy0 = cluster_happiness(&D);
    double min_gain = sova_cluster_drs_min_gain(p->drs_level);
    guint stuck = 0;
    guint evacuated = cl_evacuate_simple(&D.P, plan, 0, &stuck);
    count_vms(&D);
    guint moves = isfinite(min_gain) ? balance(&D, plan, min_gain) : 0;
    g_autofree char *rule = isfinite(min_gain)
                                ? g_strdup_printf("a move must add %.2f of a VM", min_gain)
                                : g_strdup("mandatory moves only");
    sova_plan_set_reason(plan, "VM happiness %.4f -> %.4f (migration threshold %u: %s): %u "
                         "evacuation(s), %u balancing move(s)%s", happy0, cluster_happiness(&D),
                         CLAMP(p->drs_level, 1, 5), rule, evacuated, moves,
                         stuck ? "; evacuees have no host with room" : "");
    plan->spread_before = imb;
    plan->spread_after = cl_imbalance(&D.P);
    g_free(D.count);
    g_free(D.mask);
    cl_planner_clear(&D.P);
    return plan;
}

const SovaClusterPolicy sova_cluster_policy_drs = {
    .name = "drs",
    .summary = "baseline: VMware DRS style, VM happiness (served / demanded), the move that "
               "raises it most per migration second, migration threshold levels 1-5",
    .plan = drs_plan,
};
