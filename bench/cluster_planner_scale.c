/* cluster_planner_scale.c — TARGETS C2: the `sova` cluster planner's time on 1,000 hosts x
 * 20,000 VMs against a 10x smaller cluster (100 x 2,000). Target: <= 1 s a plan on one
 * core, and <= 12x the smaller cluster's time.
 *
 * The clusters are seeded and unbalanced the same way at both sizes: VMs of random size,
 * one host in ten hot (three times the VMs), anti-affinity groups, a few unmet-VF VMs, one
 * migration in flight, so every part of the planner runs. Each size is planned with the
 * default parameters (caps of 1 per host and 2 in the cluster: what the controller does
 * each interval) and with the caps lifted to one migration per host (hosts / 2 in the
 * cluster: a whole rebalance planned at once, the worst case). Batches of the two sizes
 * alternate so that a load change on this shared machine hits both; the growth is the
 * median of the per-pair ratios. Times are the thread's CPU time (one core), not wall
 * time. Warm caches: the same cluster planned again and again, so the small one stays in
 * L2 while the big one (3 MB of VM records) does not, which alone makes the growth
 * superlinear; cold caches: the core's caches are evicted before each plan, as for a
 * controller that plans once an interval and samples hosts in between. Asserts nothing:
 * the figures are for the report. */
#include "model/cluster.h"
#include "policy/cluster_policy.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RUNS 7
#define MIN_BATCH_US 100000    /* repeat a plan until a batch used this much CPU */
#define EVICT_BYTES (16u << 20) /* 4x the L2 of these machines (their L3 is shared, 480 MB) */
#define GIB_KIB (1024.0 * 1024.0)

static SovaCluster *make_cluster(guint n_hosts, guint n_vms, guint32 seed)
{
    SovaCluster *c = sova_cluster_new();
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    c->now = 1e6;
    for (guint h = 0; h < n_hosts; h++) {
        g_autofree char *name = g_strdup_printf("host%04u", h);
        SovaClusterHost *host = sova_cluster_add_host(c, name);
        host->cpu_capacity = 64;
        host->memory_kib = (guint64)(512 * GIB_KIB);
        host->nic_capacity_Bps = 2.5e9;
        host->vf_pool = 8;
        host->vf_in_use = g_rand_int_range(r, 0, 9);
    }
    /* hosts 0, 10, 20 ... are hot: they get 3 shares of VMs, the others 1 */
    guint shares = n_hosts + 2 * (n_hosts / 10);
    for (guint i = 0; i < n_vms; i++) {
        guint s = (guint)g_rand_int_range(r, 0, (gint32)shares);
        guint h = s < n_hosts ? s : (s - n_hosts) / 2 * 10;
        g_autofree char *name = g_strdup_printf("vm%05u", i);
        g_autofree char *uuid = g_strdup_printf("00000000-0000-0000-0000-%012u", i);
        SovaClusterVm *v = sova_cluster_add_vm(c, uuid, name, (int)h);
        v->cpu = g_rand_double_range(r, 0.2, 3.0);
        v->memory_kib = (guint64)(g_rand_double_range(r, 0.5, 8) * GIB_KIB);
        v->dirty_Bps = g_rand_double_range(r, 0, 50e6);
        v->net_Bps = g_rand_double_range(r, 0, 30e6);
        if (i % 50 == 0)
            v->group = g_strdup_printf("group%u", i % 500);
        if (i % 200 == 1)
            v->wants_vf = v->unmet_vf = TRUE;
        if (i == 2) {          /* one migration in flight */
            v->migrating = TRUE;
            v->from_host = (int)((h + 1) % n_hosts);
        }
    }
    return c;
}

static guint plan_once(const SovaCluster *c, const SovaClusterParams *p, double *after)
{
    const SovaClusterPolicy *pol = sova_cluster_policy_find("sova");
    g_autoptr(SovaPlan) plan = sova_cluster_plan(pol, c, p, NULL);
    *after = plan->spread_after;
    return sova_plan_len(plan);
}

/* this thread's CPU time, microseconds: "on one core", whatever else the shared machine
 * runs meanwhile (wall time would count the time this process waits for a core) */
static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* evicts the core's caches, as the sampling between two controller intervals would */
static void evict(void)
{
    static guint8 *junk;
    if (!junk)
        junk = g_malloc(EVICT_BYTES);
    for (gsize i = 0; i < EVICT_BYTES; i += 64)
        junk[i]++;
}

/* CPU time of one plan in microseconds: a batch of repeated plans, divided; cold: the
 * caches are evicted before each plan (not counted) */
static double time_batch(const SovaCluster *c, const SovaClusterParams *p, gboolean cold,
                         guint *moves, double *after)
{
    guint reps = 0;
    double dt = 0;
    do {
        if (cold)
            evict();
        double t0 = cpu_us();
        *moves = plan_once(c, p, after);
        dt += cpu_us() - t0;
        reps++;
    } while (dt < MIN_BATCH_US);
    return dt / reps;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, guint n)
{
    qsort(t, n, sizeof t[0], cmp_double);
    return t[n / 2];
}

static void compare(const char *label, SovaCluster *small, SovaCluster *big,
                    const SovaClusterParams *ps, const SovaClusterParams *pb, gboolean cold)
{
    double ts[RUNS], tb[RUNS], ratio[RUNS], as = 0, ab = 0;
    guint ms = 0, mb = 0;
    for (guint r = 0; r < RUNS; r++) {
        ts[r] = time_batch(small, ps, cold, &ms, &as);
        tb[r] = time_batch(big, pb, cold, &mb, &ab);
        ratio[r] = tb[r] / ts[r];
    }
    printf("%s\n", label);
    printf("  %4u hosts x %5u VMs: %9.3f ms CPU a plan, %3u migrations, imbalance %.3f -> %.3f\n",
           small->hosts->len, small->vms->len, median(ts, RUNS) / 1000, ms,
           sova_cluster_imbalance(small), as);
    printf("  %4u hosts x %5u VMs: %9.3f ms CPU a plan, %3u migrations, imbalance %.3f -> %.3f\n",
           big->hosts->len, big->vms->len, median(tb, RUNS) / 1000, mb,
           sova_cluster_imbalance(big), ab);
    printf("  growth for 10x the cluster: %.1fx (median of %u paired ratios; target <= 12x, "
           "and <= 1 s)\n", median(ratio, RUNS), RUNS);
}

int main(void)
{
    g_autoptr(SovaCluster) small = make_cluster(100, 2000, 7);
    g_autoptr(SovaCluster) big = make_cluster(1000, 20000, 7);
    SovaClusterParams dflt = SOVA_CLUSTER_PARAMS_DEFAULT;
    SovaClusterParams ws = dflt, wb = dflt;
    ws.max_total = small->hosts->len / 2;
    wb.max_total = big->hosts->len / 2;
    compare("sova planner, default caps (1 per host, 2 in the cluster), warm caches:", small,
            big, &dflt, &dflt, FALSE);
    compare("sova planner, default caps, cold caches (as once per controller interval):",
            small, big, &dflt, &dflt, TRUE);
    compare("sova planner, caps lifted (1 per host, hosts / 2 in the cluster), warm caches:",
            small, big, &ws, &wb, FALSE);
    return 0;
}
