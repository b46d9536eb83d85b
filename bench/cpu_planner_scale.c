/* cpu_planner_scale.c — TARGETS P4: how the `balance` planner's cost grows with
 * the host. Plans a seeded, unbalanced 16 pCPU x 256 vCPU host and a 256 pCPU x
 * 4096 vCPU one (16x the pCPUs and 16x the vCPUs), several seeded hosts of
 * each, and prints the median time of a plan of each size and their ratio (target: <= 20). Asserts nothing: the
 * machines are shared and noisy, the figure is for the benchmark report. */
#include "../tests/unit/cpu_test_util.h"
#include <stdio.h>
#include <stdlib.h>

#define RUNS 9
#define BIG_HOSTS 4            /* seeded hosts of each size: as many pCPUs in total on both */
#define SMALL_HOSTS (16 * BIG_HOSTS) /* sides, so both face the same imbalance, statistically */
#define MIN_BATCH_US 20000     /* repeat a run until a batch lasts this long */

static int cmp_time(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* two NUMA cells, pCPUs split in halves; each VM belongs to a cell */
static SovaModel *host(guint n_pcpus, guint n_vcpus, guint32 seed)
{
    SovaModel *m = cpu_test_random_host(n_pcpus, n_vcpus, 60, seed);
    for (guint p = 0; p < n_pcpus; p++)
        sova_model_pcpu(m, p)->cell = p < n_pcpus / 2 ? 0 : 1;
    for (guint i = 0; i < m->vms->len; i++)
        sova_model_vm(m, i)->cell = (int)(i % 2);
    return m;
}

/* one run: plans every host once; returns the total number of pin changes */
static guint plan_all(SovaModel **hosts, guint n)
{
    const SovaCpuPolicy *pol = sova_cpu_policy_find("balance");
    SovaCpuPolicyParams params = SOVA_CPU_PARAMS_DEFAULT;
    guint moves = 0;
    for (guint s = 0; s < n; s++) {
        g_autoptr(SovaPlan) p = pol->plan(hosts[s], &params, NULL);
        moves += sova_plan_len(p);
    }
    return moves;
}

/* time of one plan in microseconds: a batch of repeated runs, divided */
static double time_batch(SovaModel **hosts, guint n, guint *moves)
{
    guint reps = 0;
    gint64 t0 = g_get_monotonic_time(), dt;
    do {
        *moves = plan_all(hosts, n);
        reps++;
        dt = g_get_monotonic_time() - t0;
    } while (dt < MIN_BATCH_US);
    return (double)dt / reps / n;
}

static double median(double *t, guint n)
{
    qsort(t, n, sizeof t[0], cmp_time);
    return t[n / 2];
}

static void report(const char *label, SovaModel **hosts, guint n, double us, guint moves)
{
    double sd = 0;
    for (guint s = 0; s < n; s++)
        sd += sova_model_util_stddev(hosts[s], NULL) / n;
    printf("balance %-22s %8.3f ms a plan (%u hosts: %.1f pin changes a plan, mean stddev %.1f)\n",
           label, us / 1000.0, n, (double)moves / n, sd);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;   /* "small" or "big": one size, for profiling */
    SovaModel *small[SMALL_HOSTS], *big[BIG_HOSTS];
    guint small_moves = 0, big_moves = 0;
    double ts, tb;
    for (guint s = 0; s < SMALL_HOSTS; s++)
        small[s] = host(16, 256, 100 + s);
    for (guint s = 0; s < BIG_HOSTS; s++)
        big[s] = host(256, 4096, 100 + s);
    /* batches of the two sizes alternate, so a load change on this shared machine
     * hits both; the growth is the median of the per-pair ratios */
    double t_small[RUNS], t_big[RUNS], ratio[RUNS];
    for (guint r = 0; r < RUNS; r++) {
        t_small[r] = g_strcmp0(only, "big") ? time_batch(small, SMALL_HOSTS, &small_moves) : 0;
        t_big[r] = g_strcmp0(only, "small") ? time_batch(big, BIG_HOSTS, &big_moves) : 0;
        ratio[r] = t_small[r] > 0 ? t_big[r] / t_small[r] : 0;
    }
    ts = median(t_small, RUNS);
    tb = median(t_big, RUNS);
    report("16 pCPU x 256 vCPU:", small, SMALL_HOSTS, ts, small_moves);
    report("256 pCPU x 4096 vCPU:", big, BIG_HOSTS, tb, big_moves);
    if (!only)
        printf("growth for 16x the host: %.1fx (median of %u paired ratios; target <= 20x)\n",
               median(ratio, RUNS), RUNS);
    for (guint s = 0; s < SMALL_HOSTS; s++)
        sova_model_free(small[s]);
    for (guint s = 0; s < BIG_HOSTS; s++)
        sova_model_free(big[s]);
    return 0;
}
