/* test_cluster_policy_baselines.c — the baseline cluster policies against their own rules:
 * the prototype's 3-of-5 NIC trigger, Watcher's best single move, ProxLB's spread rule with
 * many moves a run; and every baseline keeps the hard rules (pinned VMs stay, maintenance
 * hosts receive nothing and are emptied, destinations keep their headroom). */
#include "cluster_fixtures.h"

/* the baselines (modelled on other tools) keep the weighted mean of the per-resource
 * deviations (cl_imbalance), not sova_cluster_imbalance's largest */
static double mean_imbalance(const SovaCluster *c)
{
    double s = 0, w = 0;
    for (int r = 0; r < SOVA_RES_N; r++) {
        double wr = sova_cluster_weight(c, r);
        s += wr * sova_cluster_imbalance_of(c, r);
        w += wr;
    }
    return w > 0 ? s / w : 0;
}

/* ---------- baselines ---------- */

static void test_prototype(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    vm(c, "chatty", 0, 1, 2, 600e6);
    vm(c, "quiet", 0, 4, 2, 100e6);
    vmf(c, 1, 1, 2);
    vm(c, "mid", 1, 1, 2, 500e6);
    vm(c, "low", 2, 1, 2, 100e6);
    SovaClusterParams p = params();
    const double two_of_five[] = {0.9, 0.5, 0.8, 0.5, 0.5};
    const double three_of_five[] = {0.9, 0.5, 0.8, 0.5, 0.76};
    const double old_heat[] = {0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5};
    nic_history(c, 0, two_of_five, 5);
    g_autoptr(SovaPlan) none = plan_with("sova-prototype", c, &p);
    g_assert_cmpuint(sova_plan_len(none), ==, 0);
    nic_history(c, 0, old_heat, 8);   /* hot, but not in the last 5 */
    g_autoptr(SovaPlan) stale = plan_with("sova-prototype", c, &p);
    g_assert_cmpuint(sova_plan_len(stale), ==, 0);
    nic_history(c, 0, three_of_five, 5);
    g_autoptr(SovaPlan) plan = plan_with("sova-prototype", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    g_assert_cmpstr(sova_plan_action(plan, 0)->vm_name, ==, "chatty");
    g_assert_cmpint(sova_plan_action(plan, 0)->to_host, ==, 2);   /* lowest NIC */
    /* the least loaded host is at 60 % or more: no move */
    sova_cluster_vm(c, 3)->net_Bps = sova_cluster_vm(c, 4)->net_Bps = 0.61 * NIC_BPS;
    g_autoptr(SovaPlan) full = plan_with("sova-prototype", c, &p);
    g_assert_cmpuint(sova_plan_len(full), ==, 0);
    /* it ignores the CPU/memory imbalance altogether */
    g_autoptr(SovaCluster) d = cluster(2);
    for (int i = 0; i < 5; i++)
        vmf(d, 0, 2.5, 8);
    g_assert_cmpfloat(mean_imbalance(d), >, p.threshold);
    g_autoptr(SovaPlan) blind = plan_with("sova-prototype", d, &p);
    g_assert_cmpuint(sova_plan_len(blind), ==, 0);
}

static void test_watcher(void)
{
    g_autoptr(SovaCluster) c = random_cluster(5, 5, 12, 9);
    sova_cluster_vm(c, 0)->dirty_Bps = 1e12;   /* would not converge: Watcher does not care */
    sova_cluster_vm(c, 0)->cpu = 6;
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) plan = plan_with("watcher", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    /* the move that lowers the imbalance most, over every VM and host */
    const SovaAction *a = sova_plan_action(plan, 0);
    double best = G_MAXDOUBLE;
    for (guint v = 0; v < c->vms->len; v++)
        for (guint h = 0; h < c->hosts->len; h++) {
            g_autoptr(SovaCluster) w = sova_cluster_copy(c);
            sova_cluster_move(w, v, h);
            gboolean fits = TRUE;
            for (int r = 0; r < SOVA_RES_N; r++)
                fits &= sova_cluster_host_load(w, h, r) <= 1 - p.headroom;
            if (fits && (int)h != sova_cluster_vm(c, v)->host)
                best = MIN(best, mean_imbalance(w));
        }
    g_autoptr(SovaCluster) w = sova_cluster_copy(c);
    sova_cluster_move(w, vm_of(c, a), a->to_host);
    g_assert_cmpfloat_with_epsilon(mean_imbalance(w), best, 1e-9);
    g_assert_cmpint(vm_of(c, a), ==, 0);
    /* run it to the end: one move per step, then nothing under the threshold */
    guint rounds = 0;
    for (;;) {
        g_autoptr(SovaPlan) pl = plan_with("watcher", c, &p);
        g_assert_cmpuint(sova_plan_len(pl), <=, 1);
        if (!sova_plan_len(pl))
            break;
        apply(c, pl);
        g_assert_cmpuint(++rounds, <, 100);
    }
    g_assert_cmpfloat(mean_imbalance(c), <=, p.threshold);
}

static double score_spread(const SovaCluster *c)
{
    double hi = -1, lo = 2;
    for (guint h = 0; h < c->hosts->len; h++) {
        hi = MAX(hi, sova_cluster_host_score(c, h));
        lo = MIN(lo, sova_cluster_host_score(c, h));
    }
    return hi - lo;
}

static void test_proxlb(void)
{
    g_autoptr(SovaCluster) c = random_cluster(4, 4, 24, 4);
    SovaClusterParams p = params();
    double balanciness = 2 * p.threshold;
    g_assert_cmpfloat(score_spread(c), >, balanciness);
    g_autofree gboolean *over = overfull(c, &p);
    g_autoptr(SovaPlan) plan = plan_with("proxlb", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), >, 2);   /* many in one run */
    /* the first move is the biggest VM of the busiest host */
    const SovaAction *a = sova_plan_action(plan, 0);
    const SovaClusterVm *first = sova_cluster_vm(c, vm_of(c, a));
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *m = sova_cluster_vm(c, v);
        if (m->host == first->host)
            g_assert_cmpfloat(m->cpu / 16 + m->memory_kib / (64 * GIB_KIB) + m->net_Bps / NIC_BPS,
                              <=, first->cpu / 16 + first->memory_kib / (64 * GIB_KIB) +
                                      first->net_Bps / NIC_BPS + 1e-12);
    }
    apply(c, plan);
    assert_within_capacity(c, &p, over);
    g_assert_cmpfloat(score_spread(c), <=, balanciness);
    g_autoptr(SovaPlan) again = plan_with("proxlb", c, &p);
    g_assert_cmpuint(sova_plan_len(again), ==, 0);
}

/* every baseline keeps the hard rules: pinned VMs stay, maintenance hosts receive nothing
 * and are emptied, destinations keep their headroom */
static void test_baselines_hard_rules(void)
{
    const char *names[] = {"sova-prototype", "watcher", "proxlb", "drs"};
    for (guint k = 0; k < G_N_ELEMENTS(names); k++) {
        g_autoptr(SovaCluster) c = random_cluster(5, 5, 20, 21 + k);
        for (guint v = 0; v < c->vms->len; v += 4)
            sova_cluster_vm(c, v)->pinned = TRUE;
        sova_cluster_host(c, 3)->maintenance = TRUE;
        for (guint h = 0; h < 5; h++) {
            const double hot[] = {0.8, 0.8, 0.8};
            if (h == 0)
                nic_history(c, h, hot, 3);
        }
        SovaClusterParams p = params();
        assert_hard_rules(names[k], c, &p, 3, 40);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-policy/prototype", test_prototype);
    g_test_add_func("/cluster-policy/watcher", test_watcher);
    g_test_add_func("/cluster-policy/proxlb", test_proxlb);
    g_test_add_func("/cluster-policy/baselines-hard-rules", test_baselines_hard_rules);
    return g_test_run();
}
