/* test_cluster_drs.c — the `drs` baseline (cluster_drs.c) against its own rules: VM
 * happiness (the share of its demand its host serves, its most starved resource) computed
 * here independently, the move that raises the VMs' happiness most per second of
 * migration, DRS's migration threshold levels (1: mandatory moves only; 3: a gain of 0.2 of
 * a VM; 5: 0.02), the least loaded destination on a tie, and the hard rules. */
#include "cluster_fixtures.h"
#include "model/migration_cost.h"
#include <math.h>

/* the sum over VMs of min over the resources each demands of min(1, 1 / its host's load) */
static double happiness(const SovaCluster *c)
{
    double s = 0;
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *m = sova_cluster_vm(c, v);
        double hv = 1;
        for (int r = 0; r < SOVA_RES_N; r++) {
            double load = sova_cluster_host_load(c, (guint)m->host, r);
            if (sova_cluster_vm_demand(m, r) > 0 && load > 1)
                hv = MIN(hv, 1 / load);
        }
        s += hv;
    }
    return s;
}

/* VM PREFIX<i> on host h */
static void named(SovaCluster *c, const char *prefix, int i, int h, double cpu, double mem_gib,
                  double net)
{
    char name[32];
    g_snprintf(name, sizeof name, "%s%d", prefix, i);
    vm(c, name, h, cpu, mem_gib, net);
}

static double gain_of(const SovaCluster *c, guint v, guint b)
{
    g_autoptr(SovaCluster) w = sova_cluster_copy(c);
    sova_cluster_move(w, v, b);
    return happiness(w) - happiness(c);
}

static double cost_of(const SovaCluster *c, const SovaClusterParams *p, guint v)
{
    const SovaClusterVm *m = sova_cluster_vm(c, v);
    return sova_migration_cost((double)m->memory_kib * 1024.0, m->dirty_Bps, p->bandwidth_Bps,
                               p->max_downtime_s).total_s;
}

static gboolean fits(const SovaCluster *c, const SovaClusterParams *p, guint v, guint b)
{
    g_autoptr(SovaCluster) w = sova_cluster_copy(c);
    sova_cluster_move(w, v, b);
    for (int r = 0; r < SOVA_RES_N; r++)
        if (sova_cluster_host_load(w, b, r) > 1 - p->headroom)
            return FALSE;
    return TRUE;
}

/* h0 at 150 % CPU with VMs of two memory sizes (so two costs); the plan's first move is the
 * one with the most happiness per second of migration over every VM and host, its gain the
 * happiness it adds; run to the end, no host is overloaded and nothing more moves */
static void test_best_per_cost(void)
{
    g_autoptr(SovaCluster) c = cluster(4);
    for (int i = 0; i < 4; i++)
        named(c, "small", i, 0, 3, 2, 0);
    for (int i = 0; i < 3; i++)
        named(c, "big", i, 0, 4, 8, 0);
    vmf(c, 1, 6, 4);
    vmf(c, 2, 2, 4);
    SovaClusterParams p = params();
    p.max_total = 1;
    g_autoptr(SovaPlan) plan = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    const SovaAction *a = sova_plan_action(plan, 0);
    double best = 0;
    for (guint v = 0; v < c->vms->len; v++)
        for (guint b = 0; b < c->hosts->len; b++)
            if ((int)b != sova_cluster_vm(c, v)->host && fits(c, &p, v, b))
                best = MAX(best, gain_of(c, v, b) / cost_of(c, &p, v));
    guint v = (guint)vm_of(c, a);
    g_assert_cmpfloat_with_epsilon(a->gain, gain_of(c, v, a->to_host), 1e-9);
    g_assert_cmpfloat_with_epsilon(a->gain / cost_of(c, &p, v), best, 1e-12);
    g_assert_true(g_str_has_prefix(sova_cluster_vm(c, v)->name, "small"));   /* cheaper */
    g_assert_cmpint(a->to_host, ==, 3);   /* the empty host, not h2 (both serve it fully) */
    for (int round = 0; round < 20; round++) {
        g_autoptr(SovaPlan) pl = plan_with("drs", c, &p);
        if (!sova_plan_len(pl))
            break;
        apply(c, pl);
    }
    g_assert_cmpfloat(max_cpu_load(c), <=, 1.0);
    g_autoptr(SovaPlan) none = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(none), ==, 0);
}

/* a host at 103 %: moving one VM off adds about 0.16 of a VM of happiness — a "slight" gain
 * level 5 takes, a "good" one (0.2, level 3) it is not; level 1 moves nothing but evacuates
 * a maintenance host */
static void test_levels(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    for (int i = 0; i < 5; i++)
        vmf(c, 0, 3.3, 4);
    vmf(c, 1, 2, 4);
    SovaClusterParams p = params();
    double g = gain_of(c, 0, 2);
    g_assert_cmpfloat(g, >, sova_cluster_drs_min_gain(5));
    g_assert_cmpfloat(g, <, sova_cluster_drs_min_gain(3));
    g_assert_cmpuint(p.drs_level, ==, 3);
    g_autoptr(SovaPlan) l3 = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(l3), ==, 0);
    p.drs_level = 5;
    g_autoptr(SovaPlan) l5 = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(l5), ==, 1);
    g_assert_cmpint(sova_plan_action(l5, 0)->from_host, ==, 0);
    /* twice the overload: level 3 acts, level 1 does not */
    vmf(c, 0, 3.3, 4);
    p.drs_level = 3;
    g_autoptr(SovaPlan) again = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(again), ==, 1);
    p.drs_level = 1;
    g_assert_true(isinf(sova_cluster_drs_min_gain(1)));
    g_autoptr(SovaPlan) l1 = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(l1), ==, 0);
    sova_cluster_host(c, 1)->maintenance = TRUE;
    g_autoptr(SovaPlan) evac = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(evac), ==, 1);
    g_assert_cmpint(sova_plan_action(evac, 0)->from_host, ==, 1);
}

/* network counts as CPU does: a VM on a host whose NIC is asked for 150 % of it is unhappy,
 * and the most starved resource sets a VM's happiness */
static void test_network(void)
{
    g_autoptr(SovaCluster) c = cluster(2);
    for (int i = 0; i < 3; i++)
        named(c, "stream", i, 0, 0.5, 2, 0.5 * NIC_BPS);
    vm(c, "cpu-only", 0, 0.5, 2, 0);
    SovaClusterParams p = params();
    g_assert_cmpfloat_with_epsilon(happiness(c), 3 / 1.5 + 1, 1e-9);
    g_autoptr(SovaPlan) plan = plan_with("drs", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    g_assert_true(g_str_has_prefix(sova_plan_action(plan, 0)->vm_name, "stream"));
    g_assert_cmpfloat_with_epsilon(sova_plan_action(plan, 0)->gain, 1.0, 1e-9);
}

/* the hard rules: pinned VMs stay, maintenance hosts receive nothing and are emptied,
 * destinations keep their headroom, at every level */
static void test_hard_rules(void)
{
    for (guint level = 1; level <= 5; level++) {
        g_autoptr(SovaCluster) c = random_cluster(5, 5, 30, 40 + level);
        for (guint v = 0; v < c->vms->len; v += 4)
            sova_cluster_vm(c, v)->pinned = TRUE;
        sova_cluster_host(c, 3)->maintenance = TRUE;
        SovaClusterParams p = params();
        p.drs_level = level;
        assert_hard_rules("drs", c, &p, 3, 40);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-drs/best-per-cost", test_best_per_cost);
    g_test_add_func("/cluster-drs/levels", test_levels);
    g_test_add_func("/cluster-drs/network", test_network);
    g_test_add_func("/cluster-drs/hard-rules", test_hard_rules);
    return g_test_run();
}
