/* net_balance.c — the default net policy: VFs to the VMs that gain most from one, with
 * hysteresis so that noisy load does not make VFs flap between VMs.
 *
 * A VM's value is first its gain: the part of its benefit above the virtio ceiling (the
 * most a standby NIC was seen to carry while dropping, net_state.c), which is what a VF
 * adds; then its benefit (no ceiling seen yet, or both below it). Comparing benefit alone
 * would favour holders, whose VF shows all their demand, over candidates pressed against
 * the ceiling.
 *
 * Each interval, in this order, within `max_switches` actions:
 *  1. holders give their VF back: `never` at once; `auto` after `exit_intervals`
 *     intervals in a row below `exit` (and not within `min_dwell` of their last switch);
 *  2. free VFs go to the candidates (VMs that want one: `always`, or benefit >= enter),
 *     `always` first, then by value; a VM within its dwell time or backing off after
 *     a failed attach waits;
 *  3. with no VF free, the best candidate takes the weakest `auto` holder's VF when it
 *     has beaten it by `margin` for `challenge_intervals` intervals (net: an interval it
 *     does not beat it takes one back), or for one interval when the holder gains nothing
 *     from its VF and the candidate would (it went quiet: waiting only loses packets); an
 *     `always` candidate takes it at once.
 * A VM marked leaving (the controller is migrating it) is held as it is: it neither gets a
 * VF nor gives one back here (the migration gives it back), and its VF stays counted.
 * Detaches come first in the plan, so the VFs they free can be attached after them.
 *
 * A blind holder (its VF is a hostdev VF whose PF reports no per-VF stats: the model
 * carries the rates it showed before it took the VF) cannot show that it went quiet. What
 * it last showed is trusted less the longer it is blind: in a challenge it counts for half
 * after `blind_half_life` intervals, a quarter after twice as many, and so on, so a
 * candidate that the host sees pressed against the virtio ceiling takes the VF in the
 * end; the holder, back on its standby and visible again, re-proves its need there and
 * challenges for a VF like any other VM. It keeps its VF while nobody else wants one. */
#include "policy/net_private.h"
#include <math.h>
#include <string.h>

typedef struct {
    const SovaNetVmLoad *v;
    SovaNetVmState *vs;
    double benefit;           /* a blind holder's decayed (see above) */
    double seen_benefit;      /* as the model has it */
    double gain;              /* the part of benefit above the virtio ceiling (decayed too) */
    gboolean done;            /* an action for it is in the plan */
    gboolean claimed;         /* holder: a candidate challenges it this interval */
} Entry;

typedef struct {
    const SovaNetPolicyParams *p;
    SovaNetState *st;
    GArray *entries;          /* Entry */
    GPtrArray *detach, *attach;   /* Entry*, reasons in the parallel string arrays */
    GPtrArray *detach_why, *attach_why;
    guint budget;             /* actions left this interval */
    guint holders;            /* VFs held after the actions planned so far */
} Ctx;

static Entry *entry(const Ctx *c, guint i)
{
    return &g_array_index(c->entries, Entry, i);
}

static void plan_detach(Ctx *c, Entry *e, char *why)
{
    e->done = TRUE;
    c->budget--;
    c->holders--;
    sova_net_state_record_switch(c->st, e->vs);
    g_ptr_array_add(c->detach, e);
    g_ptr_array_add(c->detach_why, why);
}

static void plan_attach(Ctx *c, Entry *e, char *why)
{
    e->done = TRUE;
    c->budget--;
    c->holders++;
    sova_net_state_record_switch(c->st, e->vs);
    g_ptr_array_add(c->attach, e);
    g_ptr_array_add(c->attach_why, why);
}

/* step 1: holders that give their VF back */
static void release_idle(Ctx *c)
{
    for (guint i = 0; i < c->entries->len; i++) {
        Entry *e = entry(c, i);
        if (!e->v->has_vf || e->v->leaving)   /* the migration gives it back */
            continue;
        gboolean low = e->v->override == SOVA_NET_AUTO && e->seen_benefit < c->p->exit;
        e->vs->low = low ? e->vs->low + 1 : 0;
        if (c->budget == 0)
            continue;
        if (e->v->override == SOVA_NET_NEVER)
            plan_detach(c, e, g_strdup("override: never"));
        else if (low && e->vs->low >= MAX(c->p->exit_intervals, 1) &&
                 !sova_net_state_dwelling(c->st, e->vs, c->p))
            plan_detach(c, e, g_strdup_printf("benefit %.0f below exit %.0f for %u intervals",
                                              e->seen_benefit, c->p->exit, e->vs->low));
    }
}

/* compares what a VF is worth to x and to y: first gain, then benefit */
static gint by_value(const Entry *x, const Entry *y)
{
    if (x->gain != y->gain)
        return x->gain > y->gain ? 1 : -1;
    if (x->benefit != y->benefit)
        return x->benefit > y->benefit ? 1 : -1;
    return 0;
}

static gint by_priority(gconstpointer a, gconstpointer b)
{
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    gboolean ax = x->v->override == SOVA_NET_ALWAYS, ay = y->v->override == SOVA_NET_ALWAYS;
    if (ax != ay)
        return ax ? -1 : 1;
    gint v = by_value(y, x);
    return v ? v : strcmp(x->v->uuid, y->v->uuid);
}

/* VMs without a VF that want one and may switch now, best first */
static GPtrArray *candidates(Ctx *c)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < c->entries->len; i++) {
        Entry *e = entry(c, i);
        if (e->v->has_vf || !e->v->has_standby || !sova_net_wants(e->v, e->benefit, c->p)) {
            e->vs->beats = 0;
            continue;
        }
        if (sova_net_state_dwelling(c->st, e->vs, c->p) ||
            sova_net_state_backing_off(c->st, e->vs, c->p))
            continue;
        g_ptr_array_add(out, e);
    }
    g_ptr_array_sort(out, by_priority);
    return out;
}

/* the auto holder worth least (gain, then benefit) that may switch now, or NULL */
static Entry *weakest_holder(Ctx *c)
{
    Entry *best = NULL;
    for (guint i = 0; i < c->entries->len; i++) {
        Entry *e = entry(c, i);
        if (!e->v->has_vf || e->v->leaving || e->done || e->claimed ||
            e->v->override != SOVA_NET_AUTO ||
            sova_net_state_dwelling(c->st, e->vs, c->p))
            continue;
        if (!best || by_value(e, best) < 0)
            best = e;
    }
    return best;
}

/* e is worth `margin` times more than h (SOVA_NET_BLIND_MARGIN at least when h is blind):
 * by gain when either gains from a VF, else (no ceiling seen, or both below it) by benefit */
static gboolean beats(const Ctx *c, const Entry *e, const Entry *h)
{
    double m = h->v->blind ? MAX(c->p->margin, SOVA_NET_BLIND_MARGIN) : c->p->margin;
    if (e->gain > 0 || h->gain > 0)
        return e->gain > m * h->gain;
    return e->benefit > m * h->benefit;
}

/* intervals in a row e must beat h: one when h gains nothing from its VF and e would
 * (h went quiet: there is nothing to wait for), else challenge_intervals */
static guint beats_needed(const Ctx *c, const Entry *e, const Entry *h)
{
    if (e->v->override == SOVA_NET_ALWAYS || (h->gain <= 0 && e->gain > 0))
        return 1;
    return MAX(c->p->challenge_intervals, 1);
}

static char *challenge_reason(const Ctx *c, const Entry *e, const Entry *h)
{
    if (e->v->override == SOVA_NET_ALWAYS)
        return g_strdup_printf("override: always; took %s's VF", h->v->name);
    if (h->v->blind)
        return g_strdup_printf("gain %.0f beat blind %s's %.0f (what it showed %" G_GUINT64_FORMAT
                               " intervals ago, halved every %u) by %.1fx for %u intervals",
                               e->gain, h->v->name, h->gain, c->st->tick - h->vs->blind_since,
                               c->p->blind_half_life, c->p->margin, e->vs->beats);
    if (e->gain > 0)
        return g_strdup_printf("gain %.0f beat %s's %.0f by %.1fx for %u intervals", e->gain,
                               h->v->name, h->gain, c->p->margin, e->vs->beats);
    return g_strdup_printf("benefit %.0f beat %s's %.0f by %.1fx for %u intervals", e->benefit,
                           h->v->name, h->benefit, c->p->margin, e->vs->beats);
}

/* step 3: candidate e against the weakest holder; TRUE when it took the VF */
static gboolean challenge(Ctx *c, Entry *e)
{
    Entry *h = weakest_holder(c);
    gboolean always = e->v->override == SOVA_NET_ALWAYS;
    if (!h) {
        e->vs->beats = 0;
        return FALSE;
    }
    if (!always && !beats(c, e, h)) {
        /* one noisy interval takes back one beat, not the whole run of them */
        e->vs->beats = e->vs->beats > 0 ? e->vs->beats - 1 : 0;
        return FALSE;
    }
    h->claimed = TRUE;
    e->vs->beats++;
    if (c->budget < 2 || e->vs->beats < beats_needed(c, e, h))
        return FALSE;
    char *why = challenge_reason(c, e, h);
    plan_detach(c, h, g_strdup_printf("%s beats it: benefit %.0f vs %.0f, gain %.0f vs %.0f",
                                      e->v->name, e->benefit, h->benefit, e->gain, h->gain));
    plan_attach(c, e, why);
    return TRUE;
}

/* steps 2 and 3 */
static void hand_out(Ctx *c)
{
    g_autoptr(GPtrArray) cand = candidates(c);
    gboolean challenging = TRUE;   /* in rank order, the k-th challenger meets the k-th weakest */
    for (guint i = 0; i < cand->len; i++) {
        Entry *e = g_ptr_array_index(cand, i);
        if (c->holders < c->p->pool_size) {
            if (c->budget > 0)
                plan_attach(c, e, e->v->override == SOVA_NET_ALWAYS
                                      ? g_strdup("override: always")
                                      : g_strdup_printf("benefit %.0f >= enter %.0f, VF free",
                                                        e->benefit, c->p->enter));
            continue;
        }
        if (challenging)
            challenging = challenge(c, e) || e->vs->beats > 0;
        else
            e->vs->beats = 0;   /* a better candidate failed to beat a weaker holder */
    }
}

static void emit(Ctx *c, SovaPlan *plan)
{
    for (guint i = 0; i < c->detach->len; i++) {
        const Entry *e = g_ptr_array_index(c->detach, i);
        sova_plan_add_vf(plan, SOVA_ACTION_DETACH_VF, e->v->uuid, e->v->name, "%s",
                         (char *)g_ptr_array_index(c->detach_why, i));
    }
    for (guint i = 0; i < c->attach->len; i++) {
        const Entry *e = g_ptr_array_index(c->attach, i);
        sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, e->v->uuid, e->v->name, "%s",
                         (char *)g_ptr_array_index(c->attach_why, i));
    }
}

/* a blind holder's benefit and gain: what it showed before it went blind, halved every
 * blind_half_life intervals of its blind spell */
static void blind_decay(const SovaNetState *st, const SovaNetPolicyParams *p, Entry *e)
{
    if (!e->v->blind || !e->v->has_vf || !p->blind_half_life || !e->vs->blind_since)
        return;
    double f = exp2(-(double)(st->tick - e->vs->blind_since) / p->blind_half_life);
    e->benefit *= f;
    e->gain *= f;
}

/* e's benefit and gain from its level (net_level.c), fed this
 * interval's reading when there is one; from the smoothed rates before its first */
static void value(SovaNetState *st, const SovaNetPolicyParams *p, double interval_s, Entry *e)
{
    const SovaNetVmLoad *v = e->v;
    SovaNetLevel *l = &e->vs->level;
    double ceiling = sova_net_state_ceiling(st, e->vs);
    if (v->blind)
        l->stale = TRUE;   /* what it shows when seen again is a new regime */
    else if (!v->fresh && !v->no_news) {
        if (l->stale)
            *l = (SovaNetLevel){.var = l->var, .diffs = l->diffs};
        double span = interval_s > 0 && v->raw_s > 0 ? v->raw_s / interval_s : 1;
        sova_net_level_add_span(l, sova_net_benefit_of(&v->raw, p),
                                sova_net_rates_demand_pps(&v->raw), span);
    }
    if (!sova_net_level_known(l) || v->blind) {   /* blind: what the model carried */
        e->benefit = e->seen_benefit = sova_net_benefit(v, p);
        e->gain = sova_net_gain(v, e->benefit, ceiling);
        return;
    }
    e->benefit = e->seen_benefit = sova_net_level_benefit(l);
    e->gain = sova_net_gain_at(e->benefit, sova_net_level_demand(l), ceiling);
}

static SovaPlan *balance_plan(const SovaNetModel *m, const SovaNetPolicyParams *p,
                              SovaNetState *st, SovaNetResult *result)
{
    Ctx c = {.p = p, .st = st, .budget = p->max_switches ? p->max_switches : G_MAXUINT,
             .holders = m->vfs_in_use};
    sova_net_state_begin(st, m);
    c.entries = g_array_sized_new(FALSE, TRUE, sizeof(Entry), m->vms->len);
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        Entry e = {.v = v, .vs = sova_net_state_vm(st, v->uuid)};
        value(st, p, m->interval_s, &e);
        blind_decay(st, p, &e);
        g_array_append_val(c.entries, e);
    }
    c.detach = g_ptr_array_new();
    c.attach = g_ptr_array_new();
    c.detach_why = g_ptr_array_new_with_free_func(g_free);
    c.attach_why = g_ptr_array_new_with_free_func(g_free);
    release_idle(&c);
    hand_out(&c);
    SovaPlan *plan = sova_plan_new();
    emit(&c, plan);
    if (result)
        sova_net_result_fill(result, m, p, plan);
    sova_plan_set_reason(plan, "%u of %u VFs held after the plan, %u actions",
                         c.holders, p->pool_size, sova_plan_len(plan));
    g_array_unref(c.entries);
    g_ptr_array_unref(c.detach);
    g_ptr_array_unref(c.attach);
    g_ptr_array_unref(c.detach_why);
    g_ptr_array_unref(c.attach_why);
    return plan;
}

const SovaNetPolicy sova_net_policy_balance = {
    .name = "balance",
    .summary = "VFs to the VMs that gain most (packet-weighted demand above the virtio "
               "ceiling), with hysteresis, dwell time and a switch cap (default)",
    .state_new = sova_net_state_new_any,
    .state_free = sova_net_state_free_any,
    .feedback = sova_net_state_feedback,
    .plan = balance_plan,
};
