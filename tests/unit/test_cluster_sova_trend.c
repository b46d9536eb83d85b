/* test_cluster_sova_trend.c — the `sova` cluster policy's demand trends
 * (cluster_sova_trend.c) and what it does with them: a steady rise is a trend and a step
 * (even smoothed over a few samples) is not; a host whose rising VM will fill it within the
 * cooldown is relieved before it runs out, by moving the rising VM rather than a cheaper
 * steady one; a step that leaves the host with room moves nothing; demand further ahead is
 * less certain when the host's VMs' demand drifts, so a rising VM is moved rather than a
 * cheaper steady one that would leave the host near its capacity later. */
#include <math.h>
#include "cluster_fixtures.h"
#include "policy/cluster_sova.h"

#define DT 20.0   /* seconds between samples (plans) */

/* a small deterministic wobble, within +-amp */
static double wobble(guint i, double amp)
{
    return amp * sin(i * 2.3 + 0.7);
}

static void times(double *x, guint n)
{
    for (guint i = 0; i < n; i++)
        x[i] = i * DT;
}

/* a rise of 0.01 pCPU/s under a wobble of half a sample's rise: found, near its true slope */
static void test_ramp_is_a_trend(void)
{
    double x[TREND_WINDOW], y[TREND_WINDOW];
    times(x, TREND_WINDOW);
    for (guint i = 0; i < TREND_WINDOW; i++)
        y[i] = 3 + 0.01 * x[i] + wobble(i, 0.1);
    double b = cs_trend_slope(x, y, TREND_WINDOW, NULL);
    g_assert_cmpfloat(b, >, 0.005);
    g_assert_cmpfloat(b, <, 0.011);
    for (guint i = 0; i < TREND_WINDOW; i++)   /* falling: the same, negative */
        y[i] = 9 - 0.01 * x[i] + wobble(i, 0.1);
    g_assert_cmpfloat(cs_trend_slope(x, y, TREND_WINDOW, NULL), <, -0.005);
    /* too few samples to tell */
    g_assert_cmpfloat(cs_trend_slope(x, y, TREND_WINDOW - 1, NULL), ==, 0);
}

/* a step of 6 pCPUs at any place in the window, smoothed as the controller smooths demand
 * (EWMA 0.5) and wobbling: never a trend, though its fitted line is steep */
static void test_step_is_not_a_trend(void)
{
    double x[TREND_WINDOW], y[TREND_WINDOW];
    times(x, TREND_WINDOW);
    for (guint at = 1; at < TREND_WINDOW; at++) {
        double s = 3;
        for (guint i = 0; i < TREND_WINDOW; i++) {
            s += 0.5 * ((i >= at ? 9 : 3) - s);
            y[i] = s + wobble(i, 0.05);
        }
        g_assert_cmpfloat(cs_trend_slope(x, y, TREND_WINDOW, NULL), ==, 0);
    }
    for (guint i = 0; i < TREND_WINDOW; i++)   /* wobble alone */
        y[i] = 5 + wobble(i, 0.5);
    g_assert_cmpfloat(cs_trend_slope(x, y, TREND_WINDOW, NULL), ==, 0);
}

/* a rise that stopped a third of the window ago: steep and significant over the window, but
 * its last third is flat; nothing to extrapolate */
static void test_stopped_rise_is_not_a_trend(void)
{
    double x[TREND_WINDOW], y[TREND_WINDOW];
    times(x, TREND_WINDOW);
    for (guint i = 0; i < TREND_WINDOW; i++)
        y[i] = 3 + 0.2 * MIN(i, 2 * TREND_WINDOW / 3) + wobble(i, 0.05);
    g_assert_cmpfloat(cs_trend_slope(x, y, TREND_WINDOW, NULL), ==, 0);
}

/* random walks (steps of 0.3 pCPU a sample): seldom a trend (a walk drifts, but within its
 * own wobble) */
static void test_random_walk_seldom_a_trend(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(17);
    double x[TREND_WINDOW], y[TREND_WINDOW];
    guint found = 0, n = 2000;
    times(x, TREND_WINDOW);
    for (guint k = 0; k < n; k++) {
        y[0] = 5;
        for (guint i = 1; i < TREND_WINDOW; i++)
            y[i] = y[i - 1] + g_rand_double_range(r, -0.3, 0.3);
        found += cs_trend_slope(x, y, TREND_WINDOW, NULL) != 0;
    }
    g_test_message("random walks read as a trend: %u of %u", found, n);
    g_assert_cmpuint(found, <=, n / 200);
}

/* h0: a VM `riser` (4 GiB) and four steady ones of 1.5 pCPUs (1 GiB: cheaper to move); h1,
 * h2 nearly idle. `demand(i)` is the riser's demand at the i-th sample. Plans every DT
 * seconds with a state, moves applied; returns the first plan's move's VM (NULL: none in n samples) and,
 * in *load, h0's CPU load when it was planned (or the highest it reached) */
static char *first_move(double (*demand)(guint), guint n, double *load)
{
    g_autoptr(SovaCluster) c = cluster(3);
    SovaClusterVm *riser = vm(c, "riser", 0, demand(0), 4, 0);
    riser->n_vcpus = 16;
    for (guint i = 0; i < 4; i++) {
        g_autofree char *name = g_strdup_printf("steady%u", i);
        vm(c, name, 0, 1.5, 1, 0);
    }
    vm(c, "idle1", 1, 2, 2, 0);
    vm(c, "idle2", 2, 2, 2, 0);
    SovaClusterParams p = params();
    const SovaClusterPolicy *pol = policy("sova");
    gpointer st = pol->state_new();
    char *moved = NULL;
    *load = 0;
    for (guint i = 0; i < n && !moved; i++) {
        sova_cluster_vm(c, 0)->cpu = demand(i);
        *load = MAX(*load, max_cpu_load(c));
        g_autoptr(SovaPlan) plan = pol->plan(c, &p, st);
        if (sova_plan_len(plan)) {
            moved = g_strdup(sova_cluster_vm(c, vm_of(c, sova_plan_action(plan, 0)))->name);
            *load = max_cpu_load(c);
        }
        apply(c, plan);
        c->now += DT;
    }
    pol->state_free(st);
    return moved;
}

/* rising by 0.2 pCPU a sample (0.01/s) from 0: h0 reaches its 16 pCPUs at sample 50 */
static double ramp(guint i)
{
    return 0.2 * i + fabs(wobble(i, 0.05));
}

/* 3 pCPUs, then 9.5 from sample 32 (smoothed: half the way each sample): h0 at 15.5 of 16 */
static double step(guint i)
{
    static double s;
    if (i == 0)
        s = 3;
    s += 0.5 * ((i >= 32 ? 9.5 : 3) - s);
    return s + wobble(i, 0.05);
}

/* the rising VM leaves before h0 runs out (acting only on unmet demand, the policy would
 * wait for h0 to read above 100 % and move a cheaper steady VM, which the rise would soon
 * replace) */
static void test_rising_vm_moved_before_overload(void)
{
    double load;
    g_autofree char *moved = first_move(ramp, 60, &load);
    g_test_message("first move: %s at h0 cpu %.3f", moved ? moved : "(none)", load);
    g_assert_nonnull(moved);
    g_assert_cmpstr(moved, ==, "riser");
    g_assert_cmpfloat(load, <, 1.0);
}

/* a step up that leaves h0 with a little room (15.5 of 16 pCPUs) moves nothing: no trend, no
 * projected overload */
static void test_step_moves_nothing(void)
{
    double load;
    g_autofree char *moved = first_move(step, 60, &load);
    g_test_message("first move: %s, h0 cpu up to %.3f", moved ? moved : "(none)", load);
    g_assert_null(moved);
    g_assert_cmpfloat(load, >, 0.85);
}

/* a triangle wave of period `period` samples within +-amp: a VM's demand that drifts off its
 * mean over a few samples and back (no trend: each third of the window turns) */
static double drift(guint i, double amp, guint period)
{
    double ph = (double)(i % period) / period;
    return amp * (ph < 0.5 ? 4 * ph - 1 : 3 - 4 * ph);
}

/* the riser's demand at sample i: 0.06 pCPU a sample from 1 up to its 6 vCPUs */
static double rising(guint i)
{
    return MIN(1 + 0.06 * i, 6.0);
}

/* the close call of cluster-ramp-noisy seeds 7 and 10 (docs/cluster-scenario.md): h0 holds a
 * VM `riser` (2 GiB, 6 vCPUs) rising by 0.06 pCPU a sample from 1 pCPU, a steady VM (2 pCPUs,
 * 1 GiB: cheaper to move) and four `walker`s of 2 pCPUs (6 GiB) whose demand drifts +-amp
 * over 20 samples; h1, h2 nearly idle. Plans every DT seconds with a state, moves applied;
 * returns the first plan's move's VM (NULL: none in 80 samples) */
static char *first_move_drifting(double amp)
{
    g_autoptr(SovaCluster) c = cluster(3);
    vm(c, "riser", 0, 1, 2, 0)->n_vcpus = 6;
    vm(c, "steady", 0, 2, 1, 0);
    for (guint k = 0; k < 4; k++) {
        g_autofree char *name = g_strdup_printf("walker%u", k);
        vm(c, name, 0, 2, 6, 0)->n_vcpus = 8;
    }
    vm(c, "idle1", 1, 2, 2, 0);
    vm(c, "idle2", 2, 2, 2, 0);
    SovaClusterParams p = params();
    const SovaClusterPolicy *pol = policy("sova");
    gpointer st = pol->state_new();
    char *moved = NULL;
    double x[TREND_WINDOW], y[TREND_WINDOW];
    times(x, TREND_WINDOW);
    for (guint i = 0; i < 80 && !moved; i++) {
        double rise = rising(i);
        for (guint v = 0; v < c->vms->len; v++) {
            SovaClusterVm *w = sova_cluster_vm(c, v);
            if (g_str_equal(w->name, "riser"))
                w->cpu = rise;
            else if (g_str_has_prefix(w->name, "walker"))
                w->cpu = 2 + drift(i + 7 * (w->name[6] - '0'), amp, 20);
        }
        double load = max_cpu_load(c);
        g_autoptr(SovaPlan) plan = pol->plan(c, &p, st);
        if (sova_plan_len(plan)) {
            moved = g_strdup(sova_cluster_vm(c, vm_of(c, sova_plan_action(plan, 0)))->name);
            g_test_message("drift +-%.1f: first move %s at sample %u, h0 cpu %.3f", amp, moved,
                           i, load);
            /* the riser is still rising, and its history says so */
            g_assert_cmpuint(i, >=, TREND_WINDOW);
            g_assert_cmpfloat(rise, <, 6.0);
            for (guint j = 0; j < TREND_WINDOW; j++)
                y[j] = rising(i + 1 - TREND_WINDOW + j);
            g_assert_cmpfloat(cs_trend_slope(x, y, TREND_WINDOW, NULL), >, 0);
        }
        apply(c, plan);
        c->now += DT;
    }
    pol->state_free(st);
    return moved;
}

/* the riser and the steady VM relieve h0 alike now; the riser's rise makes its move worth
 * more later, by less than its extra cost while demand twice the cooldown ahead is taken as
 * certain as now. With the walkers' demand drifting +-0.6 pCPU (a measurable spread that grows
 * with time ahead) h0 left at ~0.96 at 2H after the steady VM's move is likely over: the
 * riser moves. With a drift of +-0.2 the cheaper steady VM is enough and moves. */
static void test_drift_widens_far_horizon(void)
{
    g_autofree char *drifting = first_move_drifting(0.6);
    g_assert_nonnull(drifting);
    g_assert_cmpstr(drifting, ==, "riser");
    g_autofree char *calm = first_move_drifting(0.2);
    g_assert_nonnull(calm);
    g_assert_cmpstr(calm, ==, "steady");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-sova-trend/ramp-is-a-trend", test_ramp_is_a_trend);
    g_test_add_func("/cluster-sova-trend/step-is-not-a-trend", test_step_is_not_a_trend);
    g_test_add_func("/cluster-sova-trend/stopped-rise-is-not-a-trend",
                    test_stopped_rise_is_not_a_trend);
    g_test_add_func("/cluster-sova-trend/random-walk-seldom-a-trend",
                    test_random_walk_seldom_a_trend);
    g_test_add_func("/cluster-sova-trend/rising-vm-moved-before-overload",
                    test_rising_vm_moved_before_overload);
    g_test_add_func("/cluster-sova-trend/step-moves-nothing", test_step_moves_nothing);
    g_test_add_func("/cluster-sova-trend/drift-widens-far-horizon",
                    test_drift_widens_far_horizon);
    return g_test_run();
}
