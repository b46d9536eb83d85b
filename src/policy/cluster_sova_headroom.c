/* cluster_sova_headroom.c — the `sova` cluster policy relieves a host of an overload down to
 * 1 - headroom of its capacity, the level every destination keeps, not just under its
 * capacity.
 *
 * Why: a host taken just under its capacity (a hot spot's source left at 96 %) is back over
 * it at the first drift of its VMs' demand; that overload is small, so the usual rules (a
 * second sample to confirm it, a relief beyond the learnt noise, a reading that lags a rising
 * demand) leave it for three or four samples where one big move at first would have
 * prevented it (bench cluster-hotspot-8 seed 7, -noisy-8 seeds 2 and 7, -memory-tight seeds
 * 6 and 9: a fourth migration, or an overload 20-60 s longer than ProxLB's, which balances
 * further). Moving more at first, whatever comes, costs a migration where no drift comes
 * (-hotspot-8 seed 3, -rolling): what is relieved further is what reads at the capacity.
 *
 * Two rules, with a state (S->relieving: which resources of which hosts; the plan after is
 * told by SovaState):
 *   - Choosing the move. A relief move from a host at or over its capacity (above 1 - sigma)
 *     is chosen as ever (most relief net of its cost), then, of the moves from the same host
 *     that serve its demand over its capacity at least as well (the same relief with its
 *     whole capacity), the one best valued with its demand counted against 1 - headroom of
 *     it replaces it: the VM that takes it within the headroom rather than
 *     the cheaper one that leaves it at 95 % (cs_headroom_refine). The order in which hosts
 *     are relieved, and whether a move is made at all, are as before.
 *   - Relieving. From a relief move on, the host's resources that were at or over their
 *     capacity are being relieved until a plan starts with them back within 1 - headroom.
 *     Meanwhile, whenever such a resource reads at its capacity but not clearly over it
 *     (above 1 - sigma, the learnt noise: the controller's smoothed reading trails a
 *     drifting demand by about that much; and its unmet demand under a clear overload's,
 *     MIN_RELIEF + NOISE_K * sigma: the readings where a small overload and none cannot be
 *     told apart, which the usual rules make wait), its unmet demand counts against
 *     1 - headroom of it (cs_unmet_cap): it is overloaded beyond doubt, relieved on that
 *     sample, and down to 1 - headroom. Such hosts are relieved after every clear overload,
 *     with what the caps leave (a host at 101 % read as 0.11 of a host unmet would go before
 *     one at 111 %: cluster-hotspot-noisy-64 seeds 5, 6); clearly over, it counts as any
 *     other overloaded host; further under, as a host that serves its VMs: no move.
 * Without a state (NULL) neither rule applies. */
#include "policy/cluster_sova.h"

void cs_relieving_init(Sova *S, const SovaState *st, double clear)
{
    const ClPlanner *P = &S->P;
    gboolean had = st && S->relieving && st->relieving && st->n_hosts == P->n_hosts;
    for (guint h = 0; h < P->n_hosts; h++)
        for (int r = 0; P->counted[h] && r < CL_R; r++) {
            guint8 bit = (guint8)(1u << r);
            double load = P->cap[h * CL_R + r] > 0 ? cl_load(P, h, r) : 0;
            if (load > 1.0 - S->sigma)
                S->over_cap[h] |= bit;
            if (load > 1.0 - S->sigma && cs_overflow(r, load) < clear)
                S->at_cap[h] |= bit;
            if (had && (st->relieving[h] & bit) && load > 1.0 - S->p->headroom)
                S->relieving[h] |= bit;
        }
}

void cs_relieving_start(Sova *S, int a)
{
    if (S->relieving && a >= 0)
        S->relieving[a] |= S->over_cap[a];
}

void cs_at_cap_off(Sova *S, gboolean off)
{
    if (!S->relieving || S->at_cap_off == off)
        return;
    S->at_cap_off = off;
    for (guint h = 0; h < S->P.n_hosts; h++)
        if (S->relieving[h] & S->at_cap[h]) {
            cs_unmet_update(S, h);
            cs_rank_host(S, h);
            if (S->search)
                cs_search_touch(S->search, h);
        }
}

/* v may be chosen for a relief move (cs_cost_ok's test, without counting a rejection) */
static const SovaMigrationCost *cost_fit(Sova *S, guint v)
{
    const SovaMigrationCost *cost = cs_cost_of(S, v);
    return cost->converges && cost->downtime_s <= S->p->max_downtime_s ? cost : NULL;
}

/* the relief moves u -> b from a (the K_DST destinations and best's) whose relief, a's whole
 * capacity counted, is at least best's: into pairs (u, b) */
static void as_good(Sova *S, guint a, const Move *best, GArray *pairs)
{
    const ClPlanner *P = &S->P;
    guint dst[K_DST + 1];
    guint nd = cs_pick_destinations(S, dst, FALSE);
    dst[nd++] = best->b;
    for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
        guint u = P->list[k];
        if (P->host_of[u] != (int)a || !cs_movable(S, u, FALSE) || !cost_fit(S, u))
            continue;
        for (guint j = 0; j < nd; j++) {
            double r[AHEAD];
            if (dst[j] == a || (j < nd - 1 && dst[j] == best->b))
                continue;
            cs_reliefs(S, u, dst[j], r);
            if (MAX(r[0], r[1]) >= best->relief - 1e-12) {
                guint pair[2] = { u, dst[j] };
                g_array_append_vals(pairs, pair, 2);
            }
        }
    }
}

void cs_headroom_refine(Sova *S, double imb, Move *best)
{
    int a = best->found && best->kind == MOVE_BALANCE ? S->P.host_of[best->v] : -1;
    if (a < 0 || !S->relieving || !S->over_cap[a] ||
        (!S->at_cap_off && (S->relieving[a] & S->at_cap[a])))
        return;   /* no state, not at its capacity, or already valued so */
    g_autoptr(GArray) pairs = g_array_new(FALSE, FALSE, sizeof(guint));
    as_good(S, (guint)a, best, pairs);
    Move pick = {0};
    S->refine_host = a;
    cs_unmet_update(S, (guint)a);
    for (guint i = 0; i + 1 < pairs->len; i += 2) {
        guint u = g_array_index(pairs, guint, i), b = g_array_index(pairs, guint, i + 1);
        Move m = {0};
        cs_consider(S, u, b, cs_cost_of(S, u), MOVE_BALANCE, imb, &m);
        if (m.found && (!pick.found || m.score > pick.score))
            pick = m;
    }
    S->refine_host = -1;
    cs_unmet_update(S, (guint)a);
    if (!pick.found || (pick.v == best->v && pick.b == best->b))
        return;
    Move again = {0};   /* its figures as any other move's: the whole capacity counted (its
                         * score there may be lower than best's: what it buys beyond is the
                         * headroom, and valued with it it is the better) */
    cs_consider(S, pick.v, pick.b, cs_cost_of(S, pick.v), MOVE_BALANCE, imb, &again);
    if (again.found)
        *best = again;
}
