/* cluster_sova_moves.c — the `sova` cluster policy's judgement of one move: may the VM
 * move, what it gains (imbalance and VFs), and what it costs.
 *
 * A move's gain = its relief (the VMs' demand it serves that went unmet: hosts' worth,
 * cluster_sova_unmet.c) + its VF value; a move whose gain is less than MIN_RELIEF is not
 * made (an evacuation must be, wherever it goes), nor a relief move that serves less than
 * MIN_RELIEF + RELIEF_NOISE_K * the learnt noise of host loads (a host reading at its
 * capacity within the noise is not relieved: the next sample may show nothing unmet), the
 * noise's part divided by sqrt(k) for a source overloaded k samples in a row (their mean
 * is sqrt(k) times surer than one: cs_min_relief). Its cost = the pre-copy model's total
 * migration time (migration_cost.h: memory, dirty rate, params->bandwidth_Bps); its score
 * = gain - cost_weight * cost + TIE_WEIGHT * sqrt(n) * (the largest per-resource deviation
 * now - after): the most relief net of its cost first, and among moves that serve the
 * same, the one that leaves the hosts more even (no piling onto one destination). A VM
 * that would not converge, or whose downtime would exceed max_downtime_s, is not chosen
 * to balance. With the default cost_weight (0.0005 per second), serving 0.05 of a host
 * (0.8 pCPU of 16) pays for a 100 s migration (10 GiB at 1 Gbit/s).
 * Why sqrt(n) in the tie-break: sqrt(n) * stddev is the length of the vector of the hosts'
 * deviations from the mean, which one move changes by the same whatever the cluster's
 * size.
 * Movable: not pinned, not migrating, on an up host that is not excluded, not within
 * cooldown_s of its last move (now - last_moved), not within backoff_s * 2^(failures-1)
 * of its last failure. A destination: up, not excluded, not in maintenance, no VM of the
 * VM's anti-affinity group there (planned moves included), and every resource with a
 * known capacity stays at or below 1 - headroom with the VM added.
 * VFs (coordination with the host level): a VM with unmet_vf (it wants a VF, its host has
 * none free), or one that wants a VF on a host whose NIC is above high_water, gains
 * vf_value for moving to a host with a free VF (vf_pool - vf_in_use, minus the VFs
 * planned moves will take) whose NIC stays at or below high_water with it. A VM that holds
 * the VF it wants loses vf_value for moving to a host with none free. So VF scarcity on
 * one host drains towards hosts with spare VFs, and a VF holder is not shuffled away.
 * Demand trends (cluster_sova_trend.c): when some VMs' demand rises or falls steadily, a
 * move's relief is also computed at the horizon H (the cooldown it commits its VM to) and
 * at 2H, every VM's demand following its trend: r0; rH on the trends' bounds; rH', r2H' on
 * their estimates (cluster_sova_trend.c). It is made when it serves enough now or by the
 * horizon (max(r0, rH), the minimums above) and, a relief move, leaves no more unmet now
 * (r0 >= -NOW_SLACK); its relief in the score is the mean over now .. 2H, (r0 + 2 rH' + r2H') / 4:
 * on a steadily rising load the rising VM, whose move relieves for longest, rather
 * than a steady one the rise would soon replace, and not onto a host its own rise would
 * fill. Without trends r0 = rH = r2H: the relief now, as above.
 * A keep-together unit (cluster_vm_rules.c) is judged whole: its relief is the unit's
 * demand (cs_relief), its cost the sum of its VMs', and every mate must be movable. */
#include "policy/cluster_sova.h"
#include <math.h>

static gboolean cooling(const Sova *S, const SovaClusterVm *vm)
{
    return vm->last_moved >= 0 && S->now - vm->last_moved < S->p->cooldown_s;
}


gboolean cs_movable(const Sova *S, guint v, gboolean evacuating)
{
    const SovaClusterVm *vm = sova_cluster_vm(S->P.c, v);
    return cl_vm_movable(&S->P, v) && !cl_backing_off(&S->P, v) && (evacuating || !cooling(S, vm));
}

static gboolean nic_saturated(const ClPlanner *P, guint h)
{
    return P->cap[h * CL_R + SOVA_RES_NET] > 0 && cl_load(P, h, SOVA_RES_NET) > P->p->high_water;
}

gboolean cs_vf_need(const ClPlanner *P, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    int a = P->host_of[v];
    return a >= 0 && (vm->unmet_vf || (vm->wants_vf && nic_saturated(P, a)));
}

/* b's NIC stays at or below high_water with v's traffic added (unknown capacity: yes) */
static gboolean nic_room(const ClPlanner *P, guint v, guint b)
{
    double cap = P->cap[b * CL_R + SOVA_RES_NET];
    return cap <= 0 ||
           (P->sum[b * CL_R + SOVA_RES_NET] + sova_cluster_vm(P->c, v)->net_Bps) / cap <=
               P->p->high_water;
}

static double vf_gain(const ClPlanner *P, guint v, guint b, gboolean *takes)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    *takes = FALSE;
    if (P->p->vf_value <= 0)
        return 0;
    if (cs_vf_need(P, v) && cl_vf_free(P, b) > 0 && nic_room(P, v, b)) {
        *takes = TRUE;
        return P->p->vf_value;
    }
    if (vm->holds_vf && vm->wants_vf && cl_vf_free(P, b) == 0)
        return -P->p->vf_value;
    return 0;
}

void cs_find_vf_vms(Sova *S)
{
    for (guint i = 0; S->p->vf_value > 0 && i < S->P.vf_vms->len; i++) {
        guint v = g_array_index(S->P.vf_vms, guint, i);
        if (cs_vf_need(&S->P, v) && cs_movable(S, v, FALSE))
            g_array_append_val(S->vf_vms, v);
    }
}

/* what moving v costs with its keep-together mates (cl_mates: they migrate with it), in
 * *cost_s; FALSE when a mate may not go now (cooling down, backing off, or, but for an
 * evacuation, a migration that would not converge or would stop it too long) */
static gboolean unit_cost(Sova *S, guint v, const SovaMigrationCost *cost, MoveKind kind,
                          double *cost_s)
{
    *cost_s = cost->total_s;
    if (!S->P.blocked || !sova_cluster_vm(S->P.c, v)->together)
        return TRUE;
    g_autoptr(GArray) mates = cl_mates(&S->P, v);
    for (guint i = 0; i < mates->len; i++) {
        guint u = g_array_index(mates, guint, i);
        gboolean evacuating = kind == MOVE_EVACUATE;
        const SovaMigrationCost *c = cs_cost_of(S, u);
        if (!cs_movable(S, u, evacuating) ||
            (!evacuating && (!c->converges || c->downtime_s > S->p->max_downtime_s)))
            return FALSE;
        *cost_s += c->total_s;
    }
    return TRUE;
}

gboolean cs_reference_search;

double cs_min_relief(const Sova *S, int a)
{
    guint k = a >= 0 && S->over_run ? MAX(S->over_run[a], 1u) : 1;
    return MIN_RELIEF + RELIEF_NOISE_K * S->sigma / sqrt((double)k);
}

/* an upper bound of the tie-break v -> b may add: TIE_WEIGHT * scale * (imb - after), with
 * imb - after at most cl_imbalance_drop_bound (about v's share over sqrt(hosts): scale
 * cancels it, so the bound does not loosen with the cluster's size as imb itself would) */
static double tie_bound(const Sova *S, guint v, guint b, double imb)
{
    if (cs_reference_search)
        return TIE_WEIGHT * S->scale * imb;
    return TIE_WEIGHT * S->scale * cl_imbalance_drop_bound(&S->P, v, b, imb, S->imb_r);
}

double cs_base_bound(const Sova *S, guint v, const SovaMigrationCost *cost, double relief_max)
{
    double vf_max = cs_vf_need(&S->P, v) ? MAX(0.0, S->p->vf_value) : 0;   /* vf_gain's most */
    double cw = S->p->cost_weight;
    if (cw < 0)
        return INFINITY;   /* a unit's cost (its mates') would add to the score */
    return relief_max + vf_max - (cs_reference_search ? 0 : cw * MAX(0.0, cost->total_s));
}

/* x, a bound of a move's score, could beat *best (wins_ties: the move comes before best's
 * in the search's order, so an equal score is enough) */
static gboolean may_beat(double x, const Move *best, gboolean wins_ties)
{
    return !best->found || x > best->score || (wins_ties && x == best->score);
}

/* an upper bound of v -> b's relief (cs_relief_bound) could still make it a move of `kind`
 * and beat *best: a relief move's relief >= min_relief, any move's gain >= MIN_RELIEF, and
 * its score beats best's with the VF value it may gain, v's own cost (a unit's is at least
 * that) and the largest tie-break it may get (tie_bound; its loose form, imb, first) */
static gboolean relief_may_reach(Sova *S, guint v, guint b, const SovaMigrationCost *cost,
                                 MoveKind kind, double imb, const Move *best, gboolean wins_ties)
{
    double bound = cs_relief_bound(S, v, b);
    double vf_max = cs_vf_need(&S->P, v) ? MAX(0.0, S->p->vf_value) : 0;   /* vf_gain's most */
    if (bound + vf_max < MIN_RELIEF ||
        (kind == MOVE_BALANCE && bound < cs_min_relief(S, S->P.host_of[v])))
        return FALSE;
    if (!best->found)
        return TRUE;
    double most = cs_base_bound(S, v, cost, bound);
    return may_beat(most + TIE_WEIGHT * S->scale * imb, best, wins_ties) &&
           may_beat(most + tie_bound(S, v, b, imb), best, wins_ties);
}

/* tries v -> b; keeps it in *best when it is the best so far (or as good, and wins_ties) */
static void consider(Sova *S, guint v, guint b, const SovaMigrationCost *cost, MoveKind kind,
                     double imb, Move *best, gboolean wins_ties)
{
    ClPlanner *P = &S->P;
    double cost_s;
    /* bounds first (exact: what they prune could not be chosen): the relief is at most
     * what leaving the source serves plus b's unmet demand, the tie-break at most imb */
    if (kind != MOVE_EVACUATE && !relief_may_reach(S, v, b, cost, kind, imb, best, wins_ties))
        return;
    if (!cl_can_move(P, v, b) || !cl_caps_allow(P, P->host_of[v], b) ||
        !unit_cost(S, v, cost, kind, &cost_s))
        return;
    gboolean takes;
    double r[AHEAD];
    cs_reliefs(S, v, b, r);
    /* what it serves now or, demand trends followed (their bounds), by the horizon; what it
     * is worth: the mean over now .. twice the horizon (trapezoids, the trends' estimates):
     * the move that relieves for longest */
    double relief = MAX(r[0], r[1]);
    double value = (r[0] + 2 * r[2] + r[3]) / 4;
    double vf = vf_gain(P, v, b, &takes);
    if (kind != MOVE_EVACUATE &&
        (relief + vf < MIN_RELIEF ||
         (kind == MOVE_BALANCE &&
          (relief < cs_min_relief(S, P->host_of[v]) || r[0] < -NOW_SLACK))))
        return;   /* no migration that does not raise what the VMs get (beyond the noise),
                   * nor one that serves later what it leaves unmet now */
    double gain = value + vf;
    double base = gain - S->p->cost_weight * cost_s;
    if (best->found && (!may_beat(base + tie_bound(S, v, b, imb), best, wins_ties) ||
                        !may_beat(base + TIE_WEIGHT * S->scale *
                                             (imb - cl_deviation_after(P, v, b, S->imb_r)),
                                  best, wins_ties)))
        return;   /* after >= 0, and >= any one resource's part of it: it cannot beat the
                   * best, whatever its tie-break */
    double after = cl_imbalance_max_after(P, v, b);
    double score = base + TIE_WEIGHT * S->scale * (imb - after);
    if (!may_beat(score, best, wins_ties))
        return;
    *best = (Move){TRUE, kind, v, b, gain, score, after, cost->total_s, base, relief, takes};
}

void cs_consider(Sova *S, guint v, guint b, const SovaMigrationCost *cost, MoveKind kind,
                 double imb, Move *best)
{
    consider(S, v, b, cost, kind, imb, best, FALSE);
}

void cs_consider_relief(Sova *S, guint v, guint b, const SovaMigrationCost *cost, double imb,
                        Move *best)
{
    consider(S, v, b, cost, MOVE_BALANCE, imb, best, best->found && v < best->v);
}

double cs_score_bound(const Sova *S, const Move *m, double imb)
{
    return m->base + tie_bound(S, m->v, m->b, imb);
}

void cs_rescore(Sova *S, Move *m, double imb)
{
    m->after = cl_imbalance_max_after(&S->P, m->v, m->b);
    m->score = m->base + TIE_WEIGHT * S->scale * (imb - m->after);
}

const SovaMigrationCost *cs_cost_of(Sova *S, guint v)
{
    if (!S->cost[v]) {
        S->cost[v] = g_new(SovaMigrationCost, 1);
        *S->cost[v] = cl_cost(&S->P, v);
        g_array_append_val(S->cost_known, v);
    }
    return S->cost[v];
}

void cs_cost_init(Sova *S)
{
    S->cost = g_new0(SovaMigrationCost *, S->P.n_vms);
    S->cost_known = g_array_new(FALSE, FALSE, sizeof(guint));
}

void cs_cost_clear(Sova *S)
{
    for (guint i = 0; i < S->cost_known->len; i++)
        g_free(S->cost[g_array_index(S->cost_known, guint, i)]);
    g_free(S->cost);
    g_array_unref(S->cost_known);
}

/* the cost of v, or NULL when v is not to be chosen for balancing */
const SovaMigrationCost *cs_cost_ok(Sova *S, guint v)
{
    const SovaMigrationCost *cost = cs_cost_of(S, v);
    if (cost->converges && cost->downtime_s <= S->p->max_downtime_s)
        return cost;
    S->rejected_cost++;
    return NULL;
}
