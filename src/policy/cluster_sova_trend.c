/* cluster_sova_trend.c — which VMs' demand is steadily rising (or falling), learnt by the
 * `sova` cluster policy from plan to plan, so that a move is judged by the relief it gives
 * over the time ahead and a host that will run out within the cooldown is relieved before
 * its VMs go without (cluster_sova_unmet.c uses the slopes, cluster_sova_moves.c the
 * reliefs).
 *
 * Per VM (by UUID) the state keeps its last TREND_WINDOW samples of CPU and network demand
 * (one a plan). A VM has a trend of resource r only when its window is full and
 *   1. the least-squares slope b over the window stands out of the VM's own noise: |b| >=
 *      TREND_T * se, se the slope's standard error from the scatter about the line;
 *   2. the mean m of the rates between successive samples has b's sign and |m| >= TREND_T
 *      times its standard error: beyond the VM's wobble from sample to sample (a random
 *      walk drifts, but within that; a step's rates are one or a few large ones among
 *      zeros, under 2 standard errors);
 *   3. it is consistent over the window: the slope fitted over each third of it has b's sign
 *      and at least TREND_CONSISTENT of its size. A step in demand (even smoothed by the
 *      controller's EWMA over a few samples) fits a steep line over the window but leaves
 *      at least one third flat, as does a rise that has stopped. A ramp rises in every third.
 * TREND_T is 4 because every VM's CPU and network are tested every plan: hundreds of tests
 * a plan. Its slope's estimate is then b, its bound b * (1 - TREND_T / t) (t the smaller of
 * the two ratios: a trend barely past the test is sure of little); otherwise both are 0.
 * Memory has no trend. The forecast of a VM's demand tau seconds ahead is demand + slope *
 * tau, within 0 and, for CPU, its vCPUs: on the bound to decide whether a host will run out
 * within the horizon (acting on it must be sure), on the estimate to value a move (the
 * best guess of where demand goes). VMs no longer seen are forgotten. Without a state
 * (NULL, most unit tests) there is no trend: every forecast is the demand now.
 * Cost: O(VMs * TREND_WINDOW) a plan, one hash lookup a VM. */
#include "policy/cluster_sova.h"
#include <math.h>

typedef struct {
    double at;                       /* `now` of the last plan that saw it */
    guint n;                         /* samples held (at most TREND_WINDOW) */
    guint head;                      /* where the next one goes */
    double t[TREND_WINDOW];
    double d[TREND_WINDOW][CL_R];
} VmTrend;

GHashTable *cs_trends_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* least-squares slope of y over x[from .. to), with its standard error in *se (NULL: not
 * wanted; needs at least three points) */
static double fit(const double *x, const double *y, guint from, guint to, double *se)
{
    guint n = to - from;
    double mx = 0, my = 0, sxx = 0, sxy = 0;
    for (guint i = from; i < to; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (guint i = from; i < to; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    if (sxx <= 0)
        return 0;
    double b = sxy / sxx;
    if (se) {
        double rss = 0;
        for (guint i = from; i < to; i++) {
            double e = y[i] - my - b * (x[i] - mx);
            rss += e * e;
        }
        *se = n > 2 ? sqrt(rss / (n - 2) / sxx) : INFINITY;
    }
    return b;
}

/* the mean of the rates between successive samples, with its standard error in *se */
static double drift(const double *x, const double *y, guint n, double *se)
{
    double m = 0, ss = 0;
    for (guint i = 1; i < n; i++)
        m += (y[i] - y[i - 1]) / (x[i] - x[i - 1]);
    m /= n - 1;
    for (guint i = 1; i < n; i++) {
        double e = (y[i] - y[i - 1]) / (x[i] - x[i - 1]) - m;
        ss += e * e;
    }
    *se = sqrt(ss / (n - 2) / (n - 1));
    return m;
}

double cs_trend_slope(const double *x, const double *y, guint n, double *est)
{
    if (est)
        *est = 0;
    if (n < TREND_WINDOW)
        return 0;
    double se = INFINITY, se_d, b = fit(x, y, 0, n, &se), m = drift(x, y, n, &se_d);
    if (b == 0 || fabs(b) < TREND_T * se || m * b <= 0 || fabs(m) < TREND_T * se_d)
        return 0;   /* within the VM's own noise: the scatter about the line, or the wobble
                     * from sample to sample (a random walk drifts, but no more than that) */
    for (guint k = 0; k < 3; k++) {
        double part = fit(x, y, k * n / 3, (k + 1) * n / 3, NULL);
        if (part * b <= 0 || fabs(part) < TREND_CONSISTENT * fabs(b))
            return 0;   /* a third of the window does not share it: a step, not a trend */
    }
    /* what is sure of it: the slope's bound TREND_T standard errors nearer 0 (the larger
     * of the two relative errors) */
    double t = MIN(fabs(b) / se, fabs(m) / se_d);
    if (est)
        *est = b;
    return b * (1 - TREND_T / t);
}

/* v's slope of r from its samples, oldest first; *drift2 (non-NULL): how fast its demand's
 * spread about its fitted line grows, pCPU^2 a second (0 until the window is full) */
static double slope_of(const VmTrend *t, int r, double *est, double *drift2)
{
    double x[TREND_WINDOW], y[TREND_WINDOW];
    guint start = (t->head + TREND_WINDOW - t->n) % TREND_WINDOW;
    for (guint i = 0; i < t->n; i++) {
        guint k = (start + i) % TREND_WINDOW;
        x[i] = t->t[k] - t->t[start];
        y[i] = t->d[k][r];
    }
    if (drift2) {
        /* the variogram at a third of the window: how far its demand moves off its line
         * over that lag, per second of it (a walk's spread grows so with time ahead;
         * sample-to-sample jitter adds only its own variance over the lag) */
        *drift2 = 0;
        guint lag = t->n / 3;
        if (t->n == TREND_WINDOW && lag > 0) {
            double b = fit(x, y, 0, t->n, NULL), ss = 0;
            for (guint i = 0; i + lag < t->n; i++) {
                double dx = x[i + lag] - x[i], e = y[i + lag] - y[i] - b * dx;
                ss += dx > 0 ? e * e / dx : 0;
            }
            *drift2 = ss / (t->n - lag);
        }
    }
    return cs_trend_slope(x, y, t->n, est);
}

static void add_sample(VmTrend *t, const SovaClusterVm *vm, double now)
{
    t->t[t->head] = now;
    for (int r = 0; r < CL_R; r++)
        t->d[t->head][r] = sova_cluster_vm_demand(vm, r);
    t->head = (t->head + 1) % TREND_WINDOW;
    t->n = MIN(t->n + 1, TREND_WINDOW);
    t->at = now;
}

static gboolean stale(gpointer key, gpointer value, gpointer now)
{
    (void)key;
    return ((VmTrend *)value)->at < *(const double *)now;
}

guint cs_learn_trends(GHashTable *trends, const SovaCluster *c, double *slope, double *est,
                      double *drift2)
{
    guint n_trends = 0;
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *vm = sova_cluster_vm(c, v);
        VmTrend *t = g_hash_table_lookup(trends, vm->uuid);
        if (!t) {
            t = g_new0(VmTrend, 1);
            t->at = -INFINITY;
            g_hash_table_insert(trends, g_strdup(vm->uuid), t);
        }
        if (t->at < c->now)
            add_sample(t, vm, c->now);
        for (int r = 0; r < CL_R; r++) {
            est[v * CL_R + r] = 0;
            slope[v * CL_R + r] = r == SOVA_RES_MEM ? 0 : slope_of(t, r, &est[v * CL_R + r],
                                           drift2 && r == SOVA_RES_CPU ? &drift2[v] : NULL);
            n_trends += slope[v * CL_R + r] != 0;
        }
    }
    double now = c->now;
    g_hash_table_foreach_remove(trends, stale, &now);
    return n_trends;
}

double cs_forecast(const Sova *S, guint v, int r, guint k)
{
    const SovaClusterVm *vm = sova_cluster_vm(S->P.c, v);
    double d = sova_cluster_vm_demand(vm, r);
    if (!S->slope || k == 0 || S->slope[v * CL_R + r] == 0)
        return d;
    double tau = (k == AHEAD - 1 ? 2 : 1) * S->horizon;
    double slope = k == 1 ? S->slope[v * CL_R + r] : S->slope_est[v * CL_R + r];
    double f = MAX(0.0, d + slope * tau);
    if (r == SOVA_RES_CPU && vm->n_vcpus > 0)
        f = MIN(f, MAX(d, (double)vm->n_vcpus));
    return f;
}
