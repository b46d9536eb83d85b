/* cluster_sova.c — the default cluster policy: few live migrations that give the VMs what
 * their hosts cannot, and nothing at all while every host serves its VMs (issue 17: the
 * objective is what the VMs get, not how even the hosts look).
 *
 * What it minimises: the demand hosts leave unmet, in hosts' worth (cluster_sova_unmet.c:
 * each host's expected overflow of CPU, memory and network, bursts included; a host at
 * 175 % CPU leaves 0.75 of itself unmet, one at 85 % practically nothing).
 * When it acts: some demand is unmet (at least MIN_RELIEF), now or, with steady demand
 * trends, by the end of the cooldown (below) — an overload clearly above the
 * learnt noise of host loads (MIN_RELIEF + NOISE_K * sigma; CLEAR_UNMET before the noise
 * is learnt) at once, one within it (or on a host a migration touched since the last
 * plan: a transition) when the next sample shows it again on the same hosts (with a
 * state: the unmet demand both samples show, host by host, sum of the smaller of the two,
 * reaches MIN_RELIEF; the plan that waits says so with SOVA_PLAN_UNCONFIRMED) — or a host
 * has been
 * above high_water for high_water_samples samples (host->hot_samples), or a maintenance
 * host still has VMs, or a VM has VF demand its host cannot meet (see "VFs"). Otherwise
 * the plan is empty, and its reason says why. In order:
 *   1. Evacuation: every movable VM on a maintenance host, biggest first, goes to the host
 *      that takes it with the best score (which may be negative: it must leave). Cooldown
 *      does not hold an evacuation back; backoff does.
 *   2. VF demand: each VM with VF demand goes to the best of the K_DST least loaded hosts
 *      with a free VF, when that move pays (below).
 *   3. Relief, greedily, one move per round, up to the concurrency caps (so two hot hosts
 *      are relieved in parallel): every movable VM on the SOURCES (the K_SRC hosts that
 *      leave the most demand unmet, hot hosts first) is tried on every DESTINATION (the
 *      K_DST hosts most below the per-resource means). The best move by score = relief -
 *      cost_weight * cost + a tie-break on evenness is committed when its score is
 *      positive and its relief at least MIN_RELIEF + RELIEF_NOISE_K * the learnt noise
 *      (/ sqrt(k) from a source overloaded k samples in a row: cs_min_relief):
 *      the most relief net of its cost first,
 *      and no migration that does not raise what the VMs get. On a hot spot this takes the
 *      big VMs off first, one a plan per host, and stops once the host serves its VMs.
 *   Everything stops at the concurrency caps: max_per_host migrations per host (source or
 *   destination) and max_total in the cluster, counting those in flight (VMs with
 *   migrating = TRUE, whose load already sits on their destination).
 * A move's relief, cost and tie-break, and who may move where, with the VF rules:
 * cluster_sova_moves.c. The reasons: cluster_sova_reasons.c.
 * State (state_new; NULL works, as in most unit tests, without these):
 *   - confirmation of small overloads, above;
 *   - episodes: relief that began carries on in the next plans while demand is unmet and
 *     migrations run or are planned;
 *   - noise: each plan remembers the host loads it predicts, the next one learns sigma =
 *     the RMS miss (EWMA, cluster_sova_noise.c); it raises what counts as a clear
 *     overload;
 *   - relief down to the headroom (cluster_sova_headroom.c): a host relieved of an overload
 *     is being relieved until it is back within 1 - headroom; back at its capacity within
 *     the noise meanwhile, it is relieved on that sample and down to that level; and of the
 *     relief moves from a host at its capacity that serve it as well, the one that takes it
 *     within the headroom goes;
 *   - transitions host by host: a host a migration touched since the last plan that was not
 *     overloaded on the last sample is no source in this plan, even while another host's
 *     relief goes on (S->waits);
 *   - demand trends (cluster_sova_trend.c): each VM's last TREND_WINDOW (30) samples of CPU
 *     and network demand. A VM's demand is steadily rising (or falling) only when the
 *     least-squares slope over the window is TREND_T (4) standard errors from 0 both
 *     against the scatter about the line and against the VM's own wobble from sample to
 *     sample (a random walk drifts, within that), and every third of the window shares it
 *     (at least half its slope): a step in demand, smoothed or not, or a rise that has
 *     stopped, is no trend. Its estimate is the slope, its bound TREND_T standard errors
 *     nearer 0. With trends, a host's unmet demand is the larger of now and at the
 *     horizon H = cooldown_s (a host that will run out within the cooldown is a source and
 *     relieved before its VMs go without: max(r0, rH) must reach the minimums, and r0 must
 *     not fall; the bounds), and a move is valued by its mean relief from now to 2H,
 *     (r0 + 2 rH + r2H) / 4 on the estimates: the VM whose rise would soon ask for
 *     another move is the one moved (its move relieves for longest), not onto a host its
 *     own rise would fill. Without any trend everything is as without them.
 * Why it does not oscillate: every committed move lowers the unmet demand by at least
 * MIN_RELIEF, a move between hosts that both have room serves nothing and is never made,
 * and a moved VM sits out its cooldown.
 * Scale: O(VMs + hosts log K) to build the sums and rank the hosts (cluster_sova_hosts.c),
 * then per move O(K + log hosts) to pick sources and destinations and what-ifs of
 * O(resources) each: K_SRC * VMs per host * K_DST in a plan's first round, then about one
 * source's VMs * K_DST a round (cluster_sova_search.c keeps what the others found, and tries
 * VMs by a bound of their score so that a new destination costs a few what-ifs a source),
 * bounds skipping what-ifs that cannot win (they do not grow with the cluster: the
 * tie-break's is cl_imbalance_drop_bound's); a VM's migration cost is computed once a plan.
 * The files: cluster_sova.h lists them; this one holds the steps, the plan and the state. */
#include "policy/cluster_sova.h"
#include <math.h>

static void commit(Sova *S, SovaPlan *plan, const Move *m, double imb)
{
    g_autofree char *why = cs_move_reason(S, m, imb);
    int a = S->P.host_of[m->v];
    if (m->kind == MOVE_BALANCE)
        cs_relieving_start(S, a);
    gboolean hot_a = a >= 0 && cs_still_hot(S, a), hot_b = cs_still_hot(S, m->b);
    cs_shift_move(S, m->v, m->b);
    cl_commit(&S->P, plan, m->v, m->b, m->gain, m->cost_s, m->takes_vf, why);
    cs_unmet_update(S, m->b);
    if (a >= 0) {
        cs_unmet_update(S, (guint)a);
        cs_update_hot(S, a, hot_a);
        cs_rank_host(S, a);
    }
    cs_update_hot(S, m->b, hot_b);
    cs_rank_host(S, m->b);
    if (S->search) {
        cs_search_touch(S->search, m->b);
        if (a >= 0)
            cs_search_touch(S->search, (guint)a);
    }
}

/* each VM with VF demand, in cluster order, to its best host with a free VF, when that pays */
static void serve_vf_demand(Sova *S, SovaPlan *plan)
{
    guint dst[K_DST];
    for (guint i = 0; i < S->vf_vms->len && !cl_caps_full(&S->P); i++) {
        guint v = g_array_index(S->vf_vms, guint, i);
        const SovaMigrationCost *cost;
        if (!cs_movable(S, v, FALSE) || !cs_vf_need(&S->P, v) || !(cost = cs_cost_ok(S, v)))
            continue;
        guint nd = cs_pick_destinations(S, dst, TRUE);
        double imb = cl_imbalance_max(&S->P);
        Move best = {0};
        for (guint j = 0; j < nd; j++)
            cs_consider(S, v, dst[j], cost, MOVE_VF, imb, &best);
        if (best.found && best.takes_vf && best.score > 0)
            commit(S, plan, &best, imb);
    }
}

static gboolean may_evacuate(gconstpointer data, guint v)
{
    return cs_movable(data, v, TRUE);
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
        const SovaMigrationCost *cost = cs_cost_of(S, v);
        double imb = cl_imbalance_max(P);
        Move best = {0};
        for (guint b = 0; b < P->n_hosts; b++)
            cs_consider(S, v, b, cost, MOVE_EVACUATE, imb, &best);
        if (!best.found) {
            S->evac_stuck++;
            continue;
        }
        commit(S, plan, &best, imb);
    }
}

static gpointer sova_state_new(void)
{
    SovaState *st = g_new0(SovaState, 1);
    st->trends = cs_trends_new();
    return st;
}

static void sova_state_free(gpointer p)
{
    SovaState *st = p;
    if (!st)
        return;
    g_free(st->pred);
    g_free(st->moving);
    g_free(st->unmet);
    g_free(st->over_run);
    g_free(st->relieving);
    g_hash_table_unref(st->trends);
    g_free(st);
}

static void plan_free(Sova *S)
{
    g_array_unref(S->hot);
    g_free(S->is_hot);
    g_array_unref(S->vf_vms);
    cs_cost_clear(S);
    g_free(S->unmet);
    for (guint k = 1; k < AHEAD; k++) {
        g_free(S->unmet_ahead[k]);
        g_free(S->shift[k]);
    }
    g_free(S->slope);
    g_free(S->slope_est);
    g_free(S->drift2);
    g_free(S->drift2_host);
    g_free(S->excess);
    g_free(S->excess_vm);
    cs_search_free(S->search);
    cl_rank_clear(&S->src);
    cl_rank_clear(&S->dst);
    cl_planner_clear(&S->P);
}

/* relief may start on this sample (now: each host's unmet demand): with no state, or in an
 * episode, at once; else when the overload is confirmed host by host, the unmet demand
 *   - clearly beyond the learnt noise (>= clear) on hosts no migration touched since the
 *     last plan (none planned or in flight then, none in flight now): a sample of a host a
 *     VM just left or landed on is a transition (the moved VM's time there unaccounted for
 *     a sample, the smoothing of its VMs' demand), no evidence on its own however large;
 *   - or shown on the last sample too, on the same host (sum of the smaller of the two,
 *     >= MIN_RELIEF): a burst on one host as another's real overload is relieved is still
 *     a burst */
static gboolean confirmed(const Sova *S, const SovaState *st, const double *now, double clear)
{
    if (!st || S->episode)
        return TRUE;
    gboolean known = st->unmet && st->moving && st->n_hosts == S->P.n_hosts;
    double settled = 0, repeated = 0;
    for (guint h = 0; h < S->P.n_hosts; h++) {
        if (!S->P.inflight[h] && !(known && st->moving[h]))
            settled += now[h];
        if (known)
            repeated += MIN(now[h], st->unmet[h]);
    }
    return settled >= clear || repeated >= MIN_RELIEF;
}

/* per host: touched by a migration since the last plan (planned or in flight then, in flight
 * now) and not overloaded on the last sample: a transition, whose reading waits for the next
 * sample before it is relieved (S->waits); NULL without a known last plan */
static gboolean *transitions(const Sova *S, const SovaState *st)
{
    if (!st || !st->unmet || !st->moving || st->n_hosts != S->P.n_hosts)
        return NULL;
    gboolean *w = g_new(gboolean, S->P.n_hosts);
    for (guint h = 0; h < S->P.n_hosts; h++)
        w[h] = (S->P.inflight[h] || st->moving[h]) && st->unmet[h] < MIN_RELIEF;
    return w;
}

/* the best moves, one a round, while each serves more demand than it costs */
static void relieve_rounds(Sova *S, SovaPlan *plan)
{
    while (!cl_caps_full(&S->P)) {
        double imb = cl_imbalance_max(&S->P);
        Move best = {0};
        S->imb_r = cl_imbalance_max_resource(&S->P);
        cs_search_best(S, imb, &best);
        if (!best.found || best.score <= 0)
            break;
        cs_headroom_refine(S, imb, &best);
        commit(S, plan, &best, imb);
    }
}

/* relief: every clear overload first, then, with what the caps leave, the hosts being
 * relieved that read at their capacity (cluster_sova_headroom.c) */
static void relieve(Sova *S, SovaPlan *plan)
{
    S->search = cs_search_new(S->P.n_hosts);
    cs_at_cap_off(S, TRUE);
    relieve_rounds(S, plan);
    cs_at_cap_off(S, FALSE);
    relieve_rounds(S, plan);
}

static SovaPlan *sova_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    SovaState *st = state;
    Sova S = {.p = p, .now = c->now};
    SovaPlan *plan = sova_plan_new();
    cl_planner_init(&S.P, c, p);
    S.scale = sqrt(MAX(S.P.n_counted, 1));
    if (st) {
        cs_learn_noise(st, &S.P);
        S.sigma = sqrt(st->sigma2);
        S.slope = g_new(double, MAX((gsize)S.P.n_vms * CL_R, 1));
        S.slope_est = g_new(double, MAX((gsize)S.P.n_vms * CL_R, 1));
        S.drift2 = g_new(double, MAX((gsize)S.P.n_vms, 1));
        S.n_trends = cs_learn_trends(st->trends, c, S.slope, S.slope_est, S.drift2);
    }
    S.horizon = p->cooldown_s;
    if (S.horizon <= 0)
        S.n_trends = 0;   /* no horizon to judge a move at */
    S.thr = hypot(p->threshold, NOISE_K * S.sigma);
    S.min_relief = MIN_RELIEF + RELIEF_NOISE_K * S.sigma;
    S.hot = g_array_new(FALSE, FALSE, sizeof(guint));
    S.is_hot = g_new0(gboolean, S.P.n_hosts);
    S.vf_vms = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree gboolean *waits = transitions(&S, st);
    S.waits = waits;
    g_autofree guint8 *relieving = st ? g_new0(guint8, MAX(S.P.n_hosts, 1)) : NULL;
    g_autofree guint8 *over_cap = g_new0(guint8, MAX(S.P.n_hosts, 1));
    g_autofree guint8 *at_cap = g_new0(guint8, MAX(S.P.n_hosts, 1));
    S.relieving = relieving;
    S.over_cap = over_cap;
    S.at_cap = at_cap;
    S.refine_host = -1;
    /* with a state, an overload within the noise starts relief on its second sample in a
     * row on the same host (a real one stays, a burst seldom does twice); one clearly above
     * the learnt noise at once (before any is learnt: CLEAR_UNMET) */
    double clear = st && st->learnt ? MIN_RELIEF + NOISE_K * S.sigma : CLEAR_UNMET;
    cs_relieving_init(&S, st, clear);
    cs_cost_init(&S);
    cs_unmet_init(&S);
    cs_find_hot(&S);
    cs_find_vf_vms(&S);
    cs_rank_init(&S);
    double imb0 = cl_imbalance_max(&S.P);
    S.unmet0 = cs_unmet_total(&S);
    g_autofree double *unmet_start = g_new(double, MAX(S.P.n_hosts, 1));
    g_autofree guint *over_run = g_new0(guint, MAX(S.P.n_hosts, 1));
    gboolean had = st && st->over_run && st->n_hosts == S.P.n_hosts;
    for (guint h = 0; h < S.P.n_hosts; h++) {
        unmet_start[h] = cs_unmet_host(&S, h);
        over_run[h] = unmet_start[h] >= MIN_RELIEF ? (had ? st->over_run[h] : 0) + 1 : 0;
    }
    S.over_run = over_run;
    gboolean overloaded = S.unmet0 >= MIN_RELIEF;
    S.episode = st && st->episode && overloaded;
    gboolean sure = confirmed(&S, st, unmet_start, clear);
    gboolean balancing = (overloaded && sure) || S.hot->len > 0;
    g_autoptr(GArray) todo = evacuees(&S);
    evacuate(&S, plan, todo);
    serve_vf_demand(&S, plan);
    if (balancing)
        relieve(&S, plan);
    cs_set_reason(&S, plan, imb0, todo->len, balancing);
    if (overloaded && !sure)
        plan->status = SOVA_PLAN_UNCONFIRMED;   /* relief waits for the next sample */
    plan->spread_before = imb0;
    plan->spread_after = cl_imbalance_max(&S.P);
    if (st) {
        st->unmet = g_renew(double, st->unmet, MAX(S.P.n_hosts, 1));
        st->over_run = g_renew(guint, st->over_run, MAX(S.P.n_hosts, 1));
        st->relieving = g_renew(guint8, st->relieving, MAX(S.P.n_hosts, 1));
        for (guint h = 0; h < S.P.n_hosts; h++) {
            st->unmet[h] = unmet_start[h];
            st->over_run[h] = over_run[h];
            st->relieving[h] = relieving[h];
        }
        /* it goes on while it moves (or waits for its migrations) and demand goes unmet */
        st->episode = balancing && cs_unmet_total(&S) >= MIN_RELIEF &&
                      (sova_plan_len(plan) > 0 || S.P.total_inflight > 0);
        cs_remember(st, &S.P);
    }
    plan_free(&S);
    return plan;
}

const SovaClusterPolicy sova_cluster_policy_sova = {
    .name = "sova",
    .summary = "serves the VMs' unmet demand, the most relief per migration cost first, with "
               "caps, cooldown, anti-affinity, evacuation and the net plane's VF demand",
    .state_new = sova_state_new,
    .state_free = sova_state_free,
    .plan = sova_plan,
};
