/* cluster_sova.c — the default cluster policy: few, worthwhile live migrations that even
 * out host load, with the net plane's VF signals, and nothing at all once balanced.
 *
 * When it acts: the weighted imbalance (stddev of normalised host load, cluster.h) is above
 * the threshold (with a state: in this plan and the last, so a single wobble of noise
 * moves nothing), or a host has been above high_water for high_water_samples samples
 * (host->hot_samples, counted by the controller), or a maintenance host still has VMs, or
 * a VM has VF demand its host cannot meet (see "VFs"). Otherwise the plan is empty, and its
 * reason says why. In order:
 *   1. Evacuation: every movable VM on a maintenance host, biggest first, goes to the host
 *      that takes it with the best gain - cost_weight * cost (which may be negative: it
 *      must leave). Cooldown does not hold an evacuation back; backoff does.
 *   2. VF demand: each VM with VF demand goes to the best of the K_DST least loaded hosts
 *      with a free VF, when that move pays (below).
 *   3. Balancing, greedily, one move per round, while the imbalance trigger holds and the
 *      predicted imbalance is above threshold / 2 or a hot host is still above high_water:
 *      every movable VM on the SOURCES (the K_SRC hosts most above the per-resource means,
 *      hot hosts first) is tried on every DESTINATION (the K_DST hosts most below them).
 *      The best move by gain - cost_weight * cost is committed when that is positive and
 *      its gain is at least the minimum gain, MIN_GAIN_FRACTION * threshold (no migration
 *      for crumbs), and at least KNEE_FRACTION of the plan's biggest balancing move: under
 *      the per-host cap a hot host sheds one VM a plan, and the other slots would go to
 *      small moves (a small VM off the host that just received a big one) that the next
 *      big moves make pointless; they wait for a later plan, where they are judged alone.
 *      On a hot spot this takes the big VMs off first, one a plan, then the small ones:
 *      the fewest migrations for the imbalance reached (on the 8-host hot spot, six to
 *      get under half the threshold, which no five moves can: docs/cluster-scenario.md).
 *   Everything stops at the concurrency caps: max_per_host migrations per host (source or
 *   destination) and max_total in the cluster, counting those in flight (VMs with
 *   migrating = TRUE, whose load already sits on their destination).
 * A move's gain = sqrt(n) * (imbalance now - imbalance after) + its VF value, where n is
 * the number of hosts counted in the imbalance; the imbalance after comes from per-host
 * sums in O(resources) (cluster_private.h). Its cost = the pre-copy model's total migration
 * time (migration_cost.h: memory, dirty rate, params->bandwidth_Bps). A VM that would not
 * converge, or whose downtime would exceed max_downtime_s, is not chosen to balance.
 * Why sqrt(n): sqrt(n) * stddev is the length of the vector of the hosts' deviations from
 * the mean, and what one move removes from it does not depend on the cluster's size
 * (relieving a hot host by 0.1 is worth about 0.1 in a cluster of 3 hosts or of 1,000),
 * whereas the stddev itself is diluted by every idle bystander: with it as the gain, no
 * migration would ever pay for itself in a large cluster. With the default cost_weight
 * (0.0005 per second), relieving a hot host by 0.05 (one 1-pCPU VM of a 16-pCPU host, the
 * resources' weights averaged) pays for a 100 s migration (10 GiB at 1 Gbit/s). The
 * threshold and the reasons stay in stddev units.
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
 * State (state_new; NULL works, as in most unit tests, without these three):
 *   - confirmation: an imbalance above the threshold starts balancing on its second
 *     sample in a row (a real hot spot stays; noise seldom shows twice running, and the
 *     first plan has no noise estimate yet); a hot host has its own count of samples;
 *   - episodes: balancing that began above the threshold carries on in the next plans
 *     (the caps allow only a few migrations per plan) until the imbalance is under
 *     threshold / 2, or a plan with nothing in flight finds no move that pays;
 *   - noise: each plan remembers the host loads it predicts (its moves done); the next one
 *     measures how far the loads it is given are from them, on the hosts no migration
 *     touched, and keeps sigma = the RMS miss (EWMA). Loads that wobble by sigma show an
 *     imbalance of about sigma though nothing is wrong, so the threshold becomes
 *     hypot(threshold, NOISE_K * sigma) and the minimum gain grows by sigma: a wobbling
 *     but balanced cluster is left alone, a real hot spot is far above both.
 * Why it converges and does not oscillate: every committed balancing move lowers the
 * imbalance by at least the minimum gain and more than its cost, balancing stops under
 * threshold / 2 and does not start again under the threshold, and a moved VM sits out its
 * cooldown; noise under the (widened) threshold plans nothing.
 * Scale: O(VMs + hosts log K) to build the sums and rank the hosts (cluster_rank.c; keys:
 * distance above or below the plan's initial per-resource means), then per move
 * O(K + log hosts) to pick sources and destinations and O(K_SRC * VMs per host * K_DST)
 * what-ifs of O(resources) each; a VM's migration cost is computed once a plan. */
#include "policy/cluster_private.h"
#include <math.h>
#include <string.h>

#define K_SRC 8                /* most loaded hosts whose VMs are tried */
#define K_DST 16               /* least loaded hosts they are tried on */
#define MIN_GAIN_FRACTION 0.1  /* a move must cut the imbalance by 10 % of the threshold */
#define KNEE_FRACTION 0.25     /* ... and, after the plan's first balancing move, by a quarter
                                * of that move's gain (smaller ones wait for a later plan) */
#define RANK_MARGIN 48         /* hosts ranked beyond what the caps can reach */
#define MAX_BACKOFF_DOUBLINGS 16
#define NOISE_ALPHA 0.2        /* weight of the newest miss in the learnt noise */
#define NOISE_K 2.0            /* pure noise of sigma rarely shows an imbalance above 2 sigma */

typedef enum { MOVE_BALANCE, MOVE_VF, MOVE_EVACUATE } MoveKind;

typedef struct {
    gboolean found;
    MoveKind kind;
    guint v, b;
    double gain, score, after, cost_s;
    gboolean takes_vf;
} Move;

typedef struct {
    ClPlanner P;
    const SovaClusterParams *p;
    double now;
    double scale;             /* sqrt(counted hosts): imbalance -> deviation vector length */
    double sigma;             /* learnt noise of host loads (0 without a state) */
    double thr;               /* the threshold, widened by the noise */
    double min_gain;
    GArray *hot;              /* guint: hosts hot for high_water_samples */
    gboolean *is_hot;         /* per host: in `hot` */
    guint hot_left;           /* hot hosts still above high_water, plan applied */
    GArray *vf_vms;           /* guint: VMs with VF demand */
    double mean0[CL_R];       /* per-resource means when the plan began: ranking keys */
    ClRank src, dst;          /* sources, destinations */
    GHashTable *cost;         /* VM index -> SovaMigrationCost*, once known (few are asked) */
    guint evac_stuck, evac_waiting, rejected_cost;
    gboolean episode;         /* balancing carries on from the last plans */
} Sova;

/* ---------- who may move ---------- */

static gboolean cooling(const Sova *S, const SovaClusterVm *vm)
{
    return vm->last_moved >= 0 && S->now - vm->last_moved < S->p->cooldown_s;
}

static gboolean backing_off(const Sova *S, const SovaClusterVm *vm)
{
    if (!vm->failures || vm->failed_at < 0)
        return FALSE;
    double wait = S->p->backoff_s * ldexp(1.0, (int)MIN(vm->failures - 1, MAX_BACKOFF_DOUBLINGS));
    return S->now - vm->failed_at < wait;
}

static gboolean movable(const Sova *S, guint v, gboolean evacuating)
{
    const SovaClusterVm *vm = sova_cluster_vm(S->P.c, v);
    return cl_vm_movable(&S->P, v) && !backing_off(S, vm) && (evacuating || !cooling(S, vm));
}

/* ---------- VF coordination ---------- */

static gboolean nic_saturated(const ClPlanner *P, guint h)
{
    return P->cap[h * CL_R + SOVA_RES_NET] > 0 && cl_load(P, h, SOVA_RES_NET) > P->p->high_water;
}

static gboolean vf_need(const ClPlanner *P, guint v)
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
    if (vf_need(P, v) && cl_vf_free(P, b) > 0 && nic_room(P, v, b)) {
        *takes = TRUE;
        return P->p->vf_value;
    }
    if (vm->holds_vf && vm->wants_vf && cl_vf_free(P, b) == 0)
        return -P->p->vf_value;
    return 0;
}

/* ---------- what-if ---------- */

/* tries v -> b; keeps it in *best when it is the best so far */
static void consider(Sova *S, guint v, guint b, const SovaMigrationCost *cost, MoveKind kind,
                     double imb, Move *best)
{
    ClPlanner *P = &S->P;
    if (!cl_can_move(P, v, b) || !cl_caps_allow(P, P->host_of[v], b))
        return;
    gboolean takes;
    double after = cl_imbalance_after(P, v, b);
    double gain = S->scale * (imb - after) + vf_gain(P, v, b, &takes);
    double score = gain - S->p->cost_weight * cost->total_s;
    if (kind != MOVE_EVACUATE && gain < S->min_gain)
        return;
    if (best->found && score <= best->score)
        return;
    *best = (Move){TRUE, kind, v, b, gain, score, after, cost->total_s, takes};
}

static const SovaMigrationCost *cost_of(Sova *S, guint v)
{
    SovaMigrationCost *cost = g_hash_table_lookup(S->cost, GUINT_TO_POINTER(v));
    if (!cost) {
        cost = g_new(SovaMigrationCost, 1);
        *cost = cl_cost(&S->P, v);
        g_hash_table_insert(S->cost, GUINT_TO_POINTER(v), cost);
    }
    return cost;
}

/* the cost of v, or NULL when v is not to be chosen for balancing */
static const SovaMigrationCost *cost_ok(Sova *S, guint v)
{
    const SovaMigrationCost *cost = cost_of(S, v);
    if (cost->converges && cost->downtime_s <= S->p->max_downtime_s)
        return cost;
    S->rejected_cost++;
    return NULL;
}

/* ---------- candidate hosts ---------- */

/* how far h is above (sign 1) or below (sign -1) the plan's initial means, weighted */
static double deviation(const Sova *S, guint h, double sign)
{
    const ClPlanner *P = &S->P;
    double d = 0;
    for (int r = 0; r < CL_R; r++)
        if (P->w[r] > 0)
            d += P->w[r] * MAX(0.0, sign * (cl_load(P, h, r) - S->mean0[r]));
    return d;
}

static gboolean has_slot(const Sova *S, guint h)
{
    return !S->p->max_per_host || S->P.inflight[h] < S->p->max_per_host;
}

static gboolean still_hot(const Sova *S, guint h)
{
    return S->is_hot[h] && cl_score(&S->P, h) > S->p->high_water;
}

/* (re-)ranks host h as a source and as a destination, after its load changed */
static void rank_host(Sova *S, guint h)
{
    const ClPlanner *P = &S->P;
    double up = deviation(S, h, 1) + (still_hot(S, h) ? 1e6 : 0);
    cl_rank_set(&S->src, h, P->counted[h] && has_slot(S, h) && up > 0, up);
    cl_rank_set(&S->dst, h, cl_host_accepts(P, h) && has_slot(S, h),
                deviation(S, h, -1) - 1e-9 * cl_score(P, h));
}

static void rank_init(Sova *S)
{
    const ClPlanner *P = &S->P;
    guint n = P->n_hosts;
    g_autofree double *up = g_new(double, n), *down = g_new(double, n);
    g_autofree gboolean *src = g_new(gboolean, n), *dst = g_new(gboolean, n);
    for (int r = 0; r < CL_R; r++)
        S->mean0[r] = cl_mean(P, r);
    for (guint h = 0; h < n; h++) {
        up[h] = deviation(S, h, 1) + (still_hot(S, h) ? 1e6 : 0);
        down[h] = deviation(S, h, -1) - 1e-9 * cl_score(P, h);
        src[h] = P->counted[h] && has_slot(S, h) && up[h] > 0;
        dst[h] = cl_host_accepts(P, h) && has_slot(S, h);
    }
    cl_rank_init(&S->src, n);
    cl_rank_init(&S->dst, n);
    /* each move re-ranks the two hosts it touches: K + 2 * moves of the initial order are
     * all a plan can reach (cluster_rank.c); a margin for hosts without a free VF */
    guint moves = P->p->max_total ? P->p->max_total - MIN(P->total_inflight, P->p->max_total)
                                  : n;
    guint limit = (guint)MIN((guint64)n, (guint64)K_DST + 2 * (guint64)moves + RANK_MARGIN);
    cl_rank_build(&S->src, n, src, up, limit);
    cl_rank_build(&S->dst, n, dst, down, limit);
}

static gboolean vf_free_host(guint h, gpointer data)
{
    return cl_vf_free(&((const Sova *)data)->P, h) > 0;
}

/* the K_DST best destinations; with need_vf, only hosts with a free VF */
static guint pick_destinations(Sova *S, guint *dst, gboolean need_vf)
{
    return cl_rank_top(&S->dst, dst, K_DST, need_vf ? vf_free_host : NULL, S);
}

/* ---------- the plan ---------- */

static void find_balance_move(Sova *S, double imb, Move *best)
{
    ClPlanner *P = &S->P;
    guint src[K_SRC], dst[K_DST];
    guint ns = cl_rank_top(&S->src, src, K_SRC, NULL, NULL);
    guint nd = pick_destinations(S, dst, FALSE);
    for (guint i = 0; i < ns; i++) {
        guint a = src[i];
        for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
            guint v = P->list[k];
            const SovaMigrationCost *cost;
            if (P->host_of[v] != (int)a || !movable(S, v, FALSE) || !(cost = cost_ok(S, v)))
                continue;
            for (guint j = 0; j < nd; j++)
                consider(S, v, dst[j], cost, MOVE_BALANCE, imb, best);
        }
    }
}

static void commit(Sova *S, SovaPlan *plan, const Move *m, double imb);

/* each VM with VF demand, in cluster order, to its best host with a free VF, when that pays */
static void serve_vf_demand(Sova *S, SovaPlan *plan)
{
    guint dst[K_DST];
    for (guint i = 0; i < S->vf_vms->len && !cl_caps_full(&S->P); i++) {
        guint v = g_array_index(S->vf_vms, guint, i);
        const SovaMigrationCost *cost;
        if (!movable(S, v, FALSE) || !vf_need(&S->P, v) || !(cost = cost_ok(S, v)))
            continue;
        guint nd = pick_destinations(S, dst, TRUE);
        double imb = cl_imbalance(&S->P);
        Move best = {0};
        for (guint j = 0; j < nd; j++)
            consider(S, v, dst[j], cost, MOVE_VF, imb, &best);
        if (best.found && best.takes_vf && best.score > 0)
            commit(S, plan, &best, imb);
    }
}

static char *move_reason(const Sova *S, const Move *m, double imb)
{
    const ClPlanner *P = &S->P;
    int a = P->host_of[m->v];
    const char *src = sova_cluster_host(P->c, a)->name;
    const char *dst = sova_cluster_host(P->c, m->b)->name;
    g_autofree char *why = NULL;
    if (m->kind == MOVE_EVACUATE) {
        why = g_strdup_printf("evacuating %s (maintenance)", src);
    } else if (m->takes_vf) {
        why = sova_cluster_vm(P->c, m->v)->unmet_vf
                  ? g_strdup_printf("wants a VF, %s has none free, %s has %u", src, dst,
                                    cl_vf_free(P, m->b))
                  : g_strdup_printf("wants a VF, NIC of %s at %.2f, %s has %u free VF", src,
                                    cl_load(P, a, SOVA_RES_NET), dst, cl_vf_free(P, m->b));
    } else {
        SovaResource r = cl_hottest_resource(P, a);
        why = g_strdup_printf("host %s %s %.2f vs mean %.2f", src, cl_resource_name(r),
                              cl_load(P, a, r), cl_mean(P, r));
    }
    return g_strdup_printf("%s; imbalance %.3f -> %.3f; cost %.1f s", why, imb, m->after,
                           m->cost_s);
}

/* a hot host's standing after its load changed */
static void update_hot(Sova *S, guint h, gboolean was)
{
    gboolean now = still_hot(S, h);
    S->hot_left += now;
    S->hot_left -= was;
}

static void commit(Sova *S, SovaPlan *plan, const Move *m, double imb)
{
    g_autofree char *why = move_reason(S, m, imb);
    int a = S->P.host_of[m->v];
    gboolean hot_a = a >= 0 && still_hot(S, a), hot_b = still_hot(S, m->b);
    cl_commit(&S->P, plan, m->v, m->b, m->gain, m->cost_s, m->takes_vf, why);
    if (a >= 0) {
        update_hot(S, a, hot_a);
        rank_host(S, a);
    }
    update_hot(S, m->b, hot_b);
    rank_host(S, m->b);
}

static gboolean may_evacuate(gconstpointer data, guint v)
{
    return movable(data, v, TRUE);
}

/* VMs that must leave maintenance hosts, biggest first */
static GArray *evacuees(const Sova *S)
{
    return cl_evacuees(&S->P, may_evacuate, S);
}

/* evacuates what the caps allow; counts VMs with nowhere to go and VMs waiting for a slot */
static void evacuate(Sova *S, SovaPlan *plan, GArray *todo)
{
    ClPlanner *P = &S->P;
    for (guint i = 0; i < todo->len; i++) {
        guint v = g_array_index(todo, Sized, i).v;
        int a = P->host_of[v];
        if (cl_caps_full(P) || (S->p->max_per_host && P->inflight[a] >= S->p->max_per_host)) {
            S->evac_waiting++;
            continue;
        }
        const SovaMigrationCost *cost = cost_of(S, v);
        double imb = cl_imbalance(P);
        Move best = {0};
        for (guint b = 0; b < P->n_hosts; b++)
            consider(S, v, b, cost, MOVE_EVACUATE, imb, &best);
        if (!best.found) {
            S->evac_stuck++;
            continue;
        }
        commit(S, plan, &best, imb);
    }
}

static void find_hot(Sova *S)
{
    const ClPlanner *P = &S->P;
    for (guint h = 0; S->p->high_water_samples && h < P->n_hosts; h++)
        if (P->counted[h] &&
            sova_cluster_host(P->c, h)->hot_samples >= S->p->high_water_samples) {
            g_array_append_val(S->hot, h);
            S->is_hot[h] = TRUE;
            S->hot_left += still_hot(S, h);
        }
}

static void find_vf_vms(Sova *S)
{
    for (guint i = 0; S->p->vf_value > 0 && i < S->P.vf_vms->len; i++) {
        guint v = g_array_index(S->P.vf_vms, guint, i);
        if (vf_need(&S->P, v) && movable(S, v, FALSE))
            g_array_append_val(S->vf_vms, v);
    }
}

/* the trigger, in words */
static char *describe(const Sova *S, double imb, guint n_evac)
{
    GString *s = g_string_new(NULL);
    if (S->episode && imb <= S->thr)
        g_string_append_printf(s, "balancing on: imbalance %.3f > half the threshold %.3f",
                               imb, S->thr / 2);
    else
        g_string_append_printf(s, "imbalance %.3f %s threshold %.3f", imb,
                               imb > S->thr ? ">" : "<=", S->thr);
    if (S->sigma > 0)
        g_string_append_printf(s, " (%.3f widened by load noise %.3f)", S->p->threshold,
                               S->sigma);
    if (S->hot->len)
        g_string_append_printf(s, ", %u host(s) above %.2f for %u samples (%s ...)",
                               S->hot->len, S->p->high_water, S->p->high_water_samples,
                               sova_cluster_host(S->P.c, g_array_index(S->hot, guint, 0))->name);
    if (n_evac)
        g_string_append_printf(s, ", %u VM(s) to evacuate", n_evac);
    if (S->vf_vms->len)
        g_string_append_printf(s, ", %u VM(s) with VF demand", S->vf_vms->len);
    return g_string_free(s, FALSE);
}

static void set_reason(const Sova *S, SovaPlan *plan, double imb, guint n_evac,
                       gboolean balancing)
{
    g_autofree char *trigger = describe(S, imb, n_evac);
    const ClPlanner *P = &S->P;
    if (sova_plan_len(plan)) {
        sova_plan_set_reason(plan, "%s: %u migration(s), imbalance %.3f -> %.3f%s", trigger,
                             sova_plan_len(plan), imb, cl_imbalance(P),
                             S->evac_stuck ? "; some evacuees have no host with room" : "");
    } else if (!balancing && !n_evac && !S->vf_vms->len) {
        sova_plan_set_reason(plan, "%s: %s", trigger,
                             imb > S->thr ? "first sample above it, waiting for a second"
                                          : "nothing to do");
    } else if (cl_caps_full(P) || S->evac_waiting) {
        sova_plan_set_reason(plan, "%s: waiting, %u migration(s) in flight (caps %u per host, "
                             "%u total)", trigger, P->total_inflight, S->p->max_per_host,
                             S->p->max_total);
    } else if (S->evac_stuck) {
        sova_plan_set_reason(plan, "%s: %u evacuee(s) have no host with room", trigger,
                             S->evac_stuck);
    } else {
        sova_plan_set_reason(plan, "%s: no move gains more than it costs%s", trigger,
                             S->rejected_cost ? " (some VMs would not converge)" : "");
    }
}

/* ---------- state: the balancing episode, and how noisy host loads are ---------- */

typedef struct {
    gboolean episode;         /* balancing began above the threshold, not yet under half */
    gboolean above;           /* the last plan's imbalance was above its threshold */
    guint n_hosts;
    double *pred;             /* [h * CL_R + r]: loads the last plan predicted; NULL none */
    gboolean *moving;         /* per host: a migration was planned or in flight there */
    gboolean learnt;
    double sigma2;            /* EWMA of the weighted mean squared miss of that prediction */
} SovaState;

static gpointer sova_state_new(void)
{
    return g_new0(SovaState, 1);
}

static void sova_state_free(gpointer p)
{
    SovaState *st = p;
    if (!st)
        return;
    g_free(st->pred);
    g_free(st->moving);
    g_free(st);
}

/* how far the loads measured now are from what the last plan predicted, on hosts where no
 * migration was planned or in flight then or is in flight now (a moving VM's load shifts
 * over the migration and the smoothing after it: a transition, not noise) */
static void learn_noise(SovaState *st, const ClPlanner *P)
{
    double err = 0, w = 0;
    if (!st->pred || st->n_hosts != P->n_hosts)
        return;
    for (guint h = 0; h < P->n_hosts; h++) {
        if (!P->counted[h] || st->moving[h] || P->inflight[h])
            continue;
        for (int r = 0; r < CL_R; r++) {
            double d = cl_load(P, h, r) - st->pred[h * CL_R + r];
            err += P->w[r] * d * d;
            w += P->w[r];
        }
    }
    if (w <= 0)
        return;
    st->sigma2 = st->learnt ? (1 - NOISE_ALPHA) * st->sigma2 + NOISE_ALPHA * err / w : err / w;
    st->learnt = TRUE;
}

/* the loads once the plan is carried out: the next plan's prediction */
static void remember(SovaState *st, const ClPlanner *P)
{
    st->n_hosts = P->n_hosts;
    st->pred = g_renew(double, st->pred, (gsize)P->n_hosts * CL_R);
    st->moving = g_renew(gboolean, st->moving, P->n_hosts);
    for (guint h = 0; h < P->n_hosts; h++) {
        st->moving[h] = P->inflight[h] > 0;
        for (int r = 0; r < CL_R; r++)
            st->pred[h * CL_R + r] = cl_load(P, h, r);
    }
}

static SovaPlan *sova_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    SovaState *st = state;
    Sova S = {.p = p, .now = c->now};
    SovaPlan *plan = sova_plan_new();
    cl_planner_init(&S.P, c, p);
    S.scale = sqrt(MAX(S.P.n_counted, 1));
    if (st) {
        learn_noise(st, &S.P);
        S.sigma = sqrt(st->sigma2);
    }
    S.thr = hypot(p->threshold, NOISE_K * S.sigma);
    S.min_gain = MIN_GAIN_FRACTION * S.thr + S.sigma;
    S.hot = g_array_new(FALSE, FALSE, sizeof(guint));
    S.is_hot = g_new0(gboolean, S.P.n_hosts);
    S.vf_vms = g_array_new(FALSE, FALSE, sizeof(guint));
    S.cost = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    find_hot(&S);
    find_vf_vms(&S);
    rank_init(&S);
    double imb0 = cl_imbalance(&S.P);
    S.episode = st && st->episode && imb0 > S.thr / 2;
    /* with a state, an imbalance above the threshold starts balancing on its second
     * sample in a row: a real hot spot stays, a wobble of noise seldom does twice */
    gboolean confirmed = !st || st->above;
    gboolean balancing = (imb0 > S.thr && confirmed) || S.hot->len > 0 || S.episode;
    g_autoptr(GArray) todo = evacuees(&S);
    evacuate(&S, plan, todo);
    serve_vf_demand(&S, plan);
    double top_gain = 0;      /* the plan's biggest balancing move */
    while (balancing && !cl_caps_full(&S.P)) {
        double imb = cl_imbalance(&S.P);
        Move best = {0};
        if (imb <= S.thr / 2 && !S.hot_left)
            break;
        find_balance_move(&S, imb, &best);
        if (!best.found || best.score <= 0 || best.gain < KNEE_FRACTION * top_gain)
            break;
        top_gain = MAX(top_gain, best.gain);
        commit(&S, plan, &best, imb);
    }
    set_reason(&S, plan, imb0, todo->len, balancing);
    plan->spread_before = imb0;
    plan->spread_after = cl_imbalance(&S.P);
    if (st) {
        /* it goes on while it moves (or waits for its migrations), until half the
         * threshold; a plan with nothing in flight and no move that pays ends it */
        st->above = imb0 > S.thr;
        st->episode = balancing && plan->spread_after > S.thr / 2 &&
                      (sova_plan_len(plan) > 0 || S.P.total_inflight > 0);
        remember(st, &S.P);
    }
    g_array_unref(S.hot);
    g_free(S.is_hot);
    g_array_unref(S.vf_vms);
    g_hash_table_unref(S.cost);
    cl_rank_clear(&S.src);
    cl_rank_clear(&S.dst);
    cl_planner_clear(&S.P);
    return plan;
}

const SovaClusterPolicy sova_cluster_policy_sova = {
    .name = "sova",
    .summary = "greedy by simulated gain against migration cost, with caps, cooldown, "
               "anti-affinity, evacuation and the net plane's VF demand",
    .state_new = sova_state_new,
    .state_free = sova_state_free,
    .plan = sova_plan,
    .warmup_plans = 2,
};
