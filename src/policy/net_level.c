/* net_level.c — a VM's network demand as the balance policy ranks it: its per-interval
 * (raw) readings since the demand last shifted, weighted toward the newest, instead of the
 * model's EWMA.
 *
 * Why not the EWMA: with weight 0.7 on the newest reading it is noisy on steady load, it
 * still carries a third of the old level for an interval after a step, and it smooths a
 * virtio NIC's delivered rate and its drops apart, so a VM that just got busy can fall under
 * the "drops next to delivered traffic near the ceiling" test (netmodel.h) and show only
 * what it delivered.
 *
 * The regime: each reading is tested against the mean of the regime before it, at three
 * scales (the newest reading alone, the newest two, the newest three against the older
 * ones): a difference above SOVA_NET_SHIFT_Z standard errors starts a new regime with those
 * readings. So a VM that goes from quiet to busy is ranked on its new level at once, a
 * smaller shift after two or three readings, and steady load on up to SOVA_NET_LEVEL_WINDOW
 * readings, each older one weighing 1 - SOVA_NET_LEVEL_WEIGHT of the next (a slow drift is
 * followed). The noise is the RMS of successive differences (divided by sqrt 2, weighted
 * toward the newest), leaving out a step that made a new regime on its own; but when the
 * next reading falls back (nearer the level before the step than the step's reading), the
 * step was the tail of the noise and both differences count. Without that the noise is
 * biased low, and lower it sets ever more readings apart: fed a VM's benefit, mostly 0 with
 * bursts, it fell to nothing (tests/unit, the level-noise case). It is kept across regimes
 * (noise is the VM's habit). Intervals without a reading (fresh PF counters, a PF with no
 * news, a blind holder) add nothing: the level is carried.
 *
 * A reading can span several intervals: a PF that refreshes its per-VF counters every 2 s
 * (ixgbe) gives a holder one reading every other interval, the mean over both. The first
 * such reading after the VM's demand shifted mixes both sides, so the shift would show in
 * full only at the next refresh, two intervals later. When a spanning reading makes a new
 * regime on its own, it is taken to stand for its last interval, the older ones being at
 * the old level (sova_net_level_add_span): a holder that went quiet is seen quiet at the
 * first refresh, as early as the PF's counters can tell. */
#include "policy/net_private.h"
#include <math.h>

static guint slot(const SovaNetLevel *l, guint back)
{
    return (l->head + SOVA_NET_LEVEL_WINDOW - back) % SOVA_NET_LEVEL_WINDOW;
}

/* the k-th newest benefit reading (0 = newest) */
static double reading(const SovaNetLevel *l, guint k)
{
    return l->benefit[slot(l, k)];
}

/* mean benefit of readings [from, to) counted from the newest */
static double mean_of(const SovaNetLevel *l, guint from, guint to)
{
    double s = 0;
    for (guint k = from; k < to; k++)
        s += reading(l, k);
    return to > from ? s / (to - from) : 0;
}

/* the noise of one reading: from the successive differences seen so far (SOVA_NET_NOISE_WEIGHT
 * on the newest, the plain mean over the first ones), at least SOVA_NET_NOISE_FLOOR of the
 * level; a quarter of the level before two differences were seen */
static double noise_of(const SovaNetLevel *l)
{
    double level = fabs(mean_of(l, 0, l->n));
    if (l->diffs < 2)
        return 0.25 * level;
    return MAX(sqrt(l->var), SOVA_NET_NOISE_FLOOR * level);
}

/* the newest readings that make a new regime: 0 when none */
static guint shifted(const SovaNetLevel *l)
{
    double sd = noise_of(l) + 1;
    for (guint k = 1; k <= 3 && k < l->n; k++) {
        double diff = fabs(mean_of(l, 0, k) - mean_of(l, k, l->n));
        if (diff > SOVA_NET_SHIFT_Z * sd * sqrt(1.0 / k + 1.0 / (l->n - k)))
            return k;
    }
    return 0;
}

/* the regime's readings, each older one weighing 1 - SOVA_NET_LEVEL_WEIGHT of the one
 * after it */
static double weighted(const SovaNetLevel *l, const double *ring)
{
    double w = 1, sw = 0, s = 0;
    for (guint k = 0; k < l->n; k++) {
        s += w * ring[slot(l, k)];
        sw += w;
        w *= 1 - SOVA_NET_LEVEL_WEIGHT;
    }
    return sw > 0 ? s / sw : 0;
}

/* the newest reading, which spans `span` intervals and made a new regime on its own: the
 * new level came somewhere in its span; taken to have come in its last interval, that
 * interval's value is what the span's mean leaves once the older intervals are taken at
 * the old level (span x the mean - (span - 1) x the old level, not below 0) */
static void unmix(SovaNetLevel *l, double span, double old_benefit, double old_demand)
{
    double *b = &l->benefit[l->head], *d = &l->demand[l->head];
    *b = MAX(0, span * *b - (span - 1) * old_benefit);
    *d = MAX(0, span * *d - (span - 1) * old_demand);
}

void sova_net_level_add_span(SovaNetLevel *l, double benefit, double demand_pps, double span)
{
    if (span <= 1) {   /* a reading of one interval: nothing to unmix */
        sova_net_level_add(l, benefit, demand_pps);
        return;
    }
    double old_b = weighted(l, l->benefit), old_d = weighted(l, l->demand);
    guint old_n = l->n;
    sova_net_level_add(l, benefit, demand_pps);
    if (l->n == 1 && old_n >= 2)
        unmix(l, span, old_b, old_d);
}

/* one more successive difference d into the noise */
static void add_diff(SovaNetLevel *l, double d)
{
    double w = MAX(SOVA_NET_NOISE_WEIGHT, 1.0 / (l->diffs + 1));
    l->var = (1 - w) * l->var + w * d * d / 2;
    l->diffs++;
}

void sova_net_level_add(SovaNetLevel *l, double benefit, double demand_pps)
{
    double old_level = weighted(l, l->benefit);
    l->head = (l->head + 1) % SOVA_NET_LEVEL_WINDOW;
    l->benefit[l->head] = benefit;
    l->demand[l->head] = demand_pps;
    l->n = MIN(l->n + 1, SOVA_NET_LEVEL_WINDOW);
    guint k = shifted(l);
    double now = reading(l, 0), before = l->n >= 2 ? reading(l, 1) : now;
    gboolean fell_back = l->step != 0 && fabs(now - l->step_from) < fabs(now - before);
    if (fell_back)   /* the step before was noise, and so is this one back */
        add_diff(l, l->step);
    l->step = 0;
    if ((k != 1 || fell_back) && l->n >= 2)
        add_diff(l, now - before);
    else if (k == 1 && l->n >= 2) {   /* a step is no noise, unless the next reading falls back */
        l->step = now - before;
        l->step_from = old_level;
    }
    if (k)
        l->n = k;
}

gboolean sova_net_level_known(const SovaNetLevel *l)
{
    return l->n > 0;
}

double sova_net_level_benefit(const SovaNetLevel *l)
{
    return weighted(l, l->benefit);
}

double sova_net_level_demand(const SovaNetLevel *l)
{
    return weighted(l, l->demand);
}
