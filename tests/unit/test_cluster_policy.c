/* test_cluster_policy.c — what the `sova` cluster policy chooses, on hand-made and seeded
 * random clusters: the move that serves the most unmet demand net of its cost (checked
 * against a brute-force what-if over every pair, on copies of the cluster), the cheap
 * migration rather than the dear one, never a VM whose migration would not converge; an
 * unmet-VF VM moved to the host with a free VF; a reason when idle; a full host relieved,
 * a busy one that serves its VMs left alone; measured unmet CPU beyond the host's idle
 * pCPUs and the burst model planned on. Also the registry of cluster policies.
 *
 * The other cluster-policy tests: test_cluster_policy_constraints.c (hard rules, caps),
 * test_cluster_policy_dynamics.c (plan after plan), test_cluster_policy_baselines.c; the
 * builders they share: cluster_fixtures.h. */
#include <math.h>
#include <string.h>
#include "cluster_fixtures.h"
#include "model/migration_cost.h"

/* ---------- registry ---------- */

static void test_registry(void)
{
    const char *names[] = {"sova", "sova-prototype", "watcher", "proxlb", "drs"};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        const SovaClusterPolicy *p = sova_cluster_policy_find(names[i]);
        g_assert_nonnull(p);
        g_assert_cmpstr(p->name, ==, names[i]);
        g_assert_nonnull(p->summary);
        g_assert_nonnull(strstr(sova_cluster_policy_list(), names[i]));
    }
    g_assert_null(sova_cluster_policy_find("dpm"));
    g_assert_null(sova_cluster_policy_find(NULL));
}

/* ---------- sova: choosing ---------- */

/* the brute-force best single move over every movable VM and every destination with room,
 * on copies of the cluster: the most unmet demand served (at least 0.02 of a host), net of
 * cost_weight * cost, ties to the move that leaves the largest deviation lower */
static double brute_best(const SovaCluster *c, const SovaClusterParams *p, int *bv, int *bh)
{
    double u0 = unmet(c), imb = sova_cluster_imbalance(c), best = -G_MAXDOUBLE;
    double scale = sqrt(c->hosts->len);
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *m = sova_cluster_vm(c, v);
        SovaMigrationCost k = sova_migration_cost(m->memory_kib * 1024.0, m->dirty_Bps,
                                                  p->bandwidth_Bps, p->max_downtime_s);
        if (!k.converges || k.downtime_s > p->max_downtime_s)
            continue;
        for (guint h = 0; h < c->hosts->len; h++) {
            if ((int)h == m->host)
                continue;
            g_autoptr(SovaCluster) w = sova_cluster_copy(c);
            sova_cluster_move(w, v, h);
            gboolean fits = TRUE;
            for (int r = 0; r < SOVA_RES_N; r++)
                fits &= sova_cluster_host_load(w, h, r) <= 1 - p->headroom;
            double relief = u0 - unmet(w);
            double score = relief - p->cost_weight * k.total_s +
                           0.01 * scale * (imb - sova_cluster_imbalance(w));
            if (fits && relief >= 0.02 && score > best) {
                best = score;
                *bv = (int)v;
                *bh = (int)h;
            }
        }
    }
    return best;
}

static void test_best_relief_per_cost(void)
{
    guint moved = 0;
    for (guint32 seed = 1; seed <= 12; seed++) {
        g_autoptr(SovaCluster) c = random_cluster(5, 6, 10 + seed % 8, seed);
        /* memory sizes and dirty rates vary, so cost matters */
        g_autoptr(GRand) r = g_rand_new_with_seed(seed * 7);
        for (guint v = 0; v < c->vms->len; v++) {
            SovaClusterVm *m = sova_cluster_vm(c, v);
            m->memory_kib = (guint64)(g_rand_double_range(r, 0.5, 12) * GIB_KIB);
            m->dirty_Bps = g_rand_double_range(r, 0, 60e6);
        }
        SovaClusterParams p = params();
        p.max_total = 1;
        int bv = -1, bh = -1;
        double best = brute_best(c, &p, &bv, &bh);
        g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
        if (best <= 0) {              /* nothing serves demand worth its cost: nothing moves */
            g_assert_cmpuint(sova_plan_len(plan), ==, 0);
            continue;
        }
        moved++;
        g_assert_cmpuint(sova_plan_len(plan), ==, 1);
        const SovaAction *a = sova_plan_action(plan, 0);
        g_assert_cmpint(vm_of(c, a), ==, bv);
        g_assert_cmpint(a->to_host, ==, bh);
        g_assert_nonnull(strstr(a->reason, "unmet"));
        g_assert_nonnull(strstr(a->reason, "cost"));
    }
    g_assert_cmpuint(moved, >=, 4);
}

/* two equal-CPU VMs on the hot host: the one that is cheap to migrate goes */
static void test_prefers_cheap_migration(void)
{
    g_autoptr(SovaCluster) c = cluster(2);
    vm(c, "big-mem", 0, 8, 48, 0);
    vm(c, "small-mem", 0, 8, 1, 0);
    vmf(c, 0, 4, 1);   /* h0 wants 20 pCPUs of 16 */
    SovaClusterParams p = params();
    p.max_total = 1;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    g_assert_cmpstr(sova_plan_action(plan, 0)->vm_name, !=, "big-mem");
    SovaMigrationCost big = sova_migration_cost(48 * GIB_KIB * 1024, 0, p.bandwidth_Bps,
                                                p.max_downtime_s);
    g_assert_cmpfloat(sova_plan_action(plan, 0)->cost, <, big.total_s / 10);
}

/* the VM that would not converge (dirty rate above the link) is never chosen */
static void test_skips_non_converging(void)
{
    g_autoptr(SovaCluster) c = cluster(2);
    vm(c, "busy-writer", 0, 6, 2, 0)->dirty_Bps = 500e6;
    vm(c, "calm", 0, 6, 2, 0);
    vmf(c, 0, 6, 2);   /* h0 wants 18 pCPUs of 16 */
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), >=, 1);
    g_assert_null(action_for(plan, "busy-writer"));
}

/* ---------- sova: VF demand, idle, hot hosts ---------- */

static void test_vf_scarcity(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    for (int h = 0; h < 3; h++)
        for (int i = 0; i < 4; i++)
            vmf(c, h, 2, 4);
    sova_cluster_host(c, 0)->vf_pool = 2;
    sova_cluster_host(c, 0)->vf_in_use = 2;
    sova_cluster_host(c, 1)->vf_pool = 2;
    sova_cluster_host(c, 1)->vf_in_use = 2;
    sova_cluster_host(c, 2)->vf_pool = 2;
    sova_cluster_host(c, 2)->vf_in_use = 1;
    SovaClusterVm *x = vm(c, "needy", 0, 1, 2, 100e6);
    x->wants_vf = x->unmet_vf = TRUE;
    SovaClusterParams p = params();
    g_assert_cmpfloat(sova_cluster_imbalance(c), <, p.threshold);   /* balanced otherwise */
    SovaClusterParams none = p;
    none.vf_value = 0;
    g_autoptr(SovaPlan) ignored = plan_with("sova", c, &none);
    g_assert_cmpuint(sova_plan_len(ignored), ==, 0);
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    const SovaAction *a = sova_plan_action(plan, 0);
    g_assert_cmpstr(a->vm_name, ==, "needy");
    g_assert_cmpint(a->to_host, ==, 2);
    g_assert_nonnull(strstr(a->reason, "VF"));
    apply(c, plan);
    g_assert_true(sova_cluster_vm(c, sova_cluster_find_vm(c, a->uuid))->holds_vf);
    /* served: nothing more, even without cooldown */
    p.cooldown_s = 0;
    g_autoptr(SovaPlan) after = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(after), ==, 0);
    /* two needy VMs and one free VF: only one goes */
    g_autoptr(SovaCluster) d = cluster(2);
    for (int i = 0; i < 3; i++)
        vmf(d, 1, 1, 2);
    sova_cluster_host(d, 1)->vf_pool = 1;
    for (int i = 0; i < 2; i++) {
        g_autofree char *name = g_strdup_printf("needy%d", i);
        SovaClusterVm *y = vm(d, name, 0, 1, 2, 100e6);
        y->wants_vf = y->unmet_vf = TRUE;
    }
    vmf(d, 0, 1, 2);
    p.max_total = p.max_per_host = 10;
    g_autoptr(SovaPlan) one = plan_with("sova", d, &p);
    guint needy = 0;
    for (guint i = 0; i < sova_plan_len(one); i++)
        needy += g_str_has_prefix(sova_plan_action(one, i)->vm_name, "needy");
    g_assert_cmpuint(needy, ==, 1);
}

static void test_reason_when_idle(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    for (int h = 0; h < 3; h++)
        vmf(c, h, 2, 4);
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 0);
    g_assert_nonnull(strstr(plan->reason, "unmet"));
    g_assert_cmpfloat(plan->spread_after, ==, plan->spread_before);
}

/* a full host is relieved; a host above high water for several samples that still serves
 * its VMs everything is not: no migration that does not raise what the VMs get */
static void test_full_host_relieved(void)
{
    g_autoptr(SovaCluster) c = cluster(8);
    for (int h = 0; h < 8; h++)
        for (int i = 0; i < 6; i++)
            vmf(c, h, h == 0 ? 2.8 : 1.9, 1);   /* h0 wants 16.8 pCPUs of 16 */
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), >, 0);
    g_assert_cmpint(sova_plan_action(plan, 0)->from_host, ==, 0);

    g_autoptr(SovaCluster) d = cluster(8);
    for (int h = 0; h < 8; h++)
        for (int i = 0; i < 6; i++)
            vmf(d, h, h == 0 ? 2.2 : 0.5, 1);   /* h0 at 83 %, the others at 19 % */
    p.high_water = 0.25;   /* h0's score (0.825 + 0.094 + 0) / 3, the others' 0.094 */
    sova_cluster_host(d, 0)->hot_samples = p.high_water_samples;
    g_assert_cmpfloat(sova_cluster_host_score(d, 0), >, p.high_water);
    g_assert_cmpfloat(sova_cluster_imbalance(d), >, p.threshold);
    g_autoptr(SovaPlan) calm = plan_with("sova", d, &p);
    g_assert_cmpuint(sova_plan_len(calm), ==, 0);
}

/* h0 with VMs of 1.9 pCPUs up to `load` of its 16, the first of them measuring `unmet`
 * pCPUs of unmet CPU (its run-queue delay); h1..h3 at 25 % */
static SovaCluster *waiting(double load, double unmet)
{
    SovaCluster *c = cluster(4);
    for (int i = 0; i < (int)(16 * load / 1.9 + 0.5); i++) {
        g_autofree char *name = g_strdup_printf("w%d", i);
        vm(c, name, 0, 1.9, 2, 0)->cpu_unmet = i == 0 ? unmet : 0;
    }
    for (int h = 1; h < 4; h++)
        vmf(c, h, 4, 2);
    return c;
}

/* measured unmet CPU beyond the host's idle pCPUs and the burst model is planned on: the
 * VM that waits leaves a host at 95 % (0.8 pCPU idle, the model expects 0.07 unmet); the
 * same without it, or on a host at 48 % (its idle pCPUs are its agent's to use), not */
static void test_measured_unmet(void)
{
    SovaClusterParams p = params();
    g_autoptr(SovaCluster) c = waiting(0.95, 2.0);
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    g_assert_nonnull(action_for(plan, "w0"));
    g_autoptr(SovaCluster) quiet = waiting(0.95, 0);
    g_autoptr(SovaPlan) none = plan_with("sova", quiet, &p);
    g_assert_cmpuint(sova_plan_len(none), ==, 0);
    g_autoptr(SovaCluster) roomy_host = waiting(0.48, 2.0);
    g_autoptr(SovaPlan) host_level = plan_with("sova", roomy_host, &p);
    g_assert_cmpuint(sova_plan_len(host_level), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-policy/registry", test_registry);
    g_test_add_func("/cluster-policy/sova/best-relief-per-cost", test_best_relief_per_cost);
    g_test_add_func("/cluster-policy/sova/prefers-cheap-migration", test_prefers_cheap_migration);
    g_test_add_func("/cluster-policy/sova/skips-non-converging", test_skips_non_converging);
    g_test_add_func("/cluster-policy/sova/vf-scarcity", test_vf_scarcity);
    g_test_add_func("/cluster-policy/sova/reason-when-idle", test_reason_when_idle);
    g_test_add_func("/cluster-policy/sova/full-host-relieved", test_full_host_relieved);
    g_test_add_func("/cluster-policy/sova/measured-unmet", test_measured_unmet);
    return g_test_run();
}
