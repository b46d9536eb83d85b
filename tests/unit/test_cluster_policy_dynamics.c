/* test_cluster_policy_dynamics.c — the `sova` cluster policy plan after plan, on seeded
 * random clusters: it relieves overloaded hosts and then plans nothing; two full hosts are
 * relieved in parallel; a small overload is confirmed on a second sample, a clear one acted
 * on at once, and a small one is confirmed by the same host's last sample, not another's;
 * a host a migration just touched waits for a second sample however full it reads; it holds still under wobbles that leave every host room; the 8-host hot spot
 * is relieved in fewer migrations than the baselines make. Each plan is
 * applied as the controller would once its migrations finish (each moved VM's last_moved =
 * now; cluster_fixtures.h). */
#include <math.h>
#include <string.h>
#include "cluster_fixtures.h"

/* ---------- sova: dynamics ---------- */

/* from a host at about 190 % CPU: plan after plan until nothing, every host then serves
 * its VMs (CPU load <= 1), the unmet demand is (nearly) gone, and nothing more moves */
static void test_converges_then_quiet(void)
{
    for (guint32 seed = 1; seed <= 8; seed++) {
        g_autoptr(SovaCluster) c = random_cluster(8, 6, 30, seed);
        SovaClusterParams p = params();
        double start = unmet(c);
        g_assert_cmpfloat(start, >, 0.5);
        guint rounds = 0, moves = 0;
        for (;;) {
            g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
            if (!sova_plan_len(plan))
                break;
            double before = unmet(c);
            apply(c, plan);
            g_assert_cmpfloat(unmet(c), <, before);   /* every plan serves more */
            moves += sova_plan_len(plan);
            c->now += 60;
            g_assert_cmpuint(++rounds, <, 200);
        }
        g_assert_cmpfloat(max_cpu_load(c), <=, 1.0);
        g_assert_cmpfloat(unmet(c), <, 0.05);
        for (int i = 0; i < 20; i++) {
            c->now += 60;
            g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
            g_assert_cmpuint(sova_plan_len(plan), ==, 0);
            g_assert_nonnull(strstr(plan->reason, "unmet"));
        }
        g_test_message("seed %u: unmet %.3f -> %.3f in %u moves, %u rounds", seed, start,
                       unmet(c), moves, rounds);
    }
}

/* two full hosts: the first plan relieves both at once, as far as the caps allow (one
 * migration per host), the biggest relief first; with max_total 1, one a plan */
static void test_parallel_relief(void)
{
    g_autoptr(SovaCluster) c = cluster(6);
    for (int h = 0; h < 6; h++)
        for (int i = 0; i < 6; i++)
            vmf(c, h, h < 2 ? 3.3 : 1.0, 2);   /* h0, h1 at 124 %, the others at 38 % */
    SovaClusterParams p = params();
    p.max_total = 4;
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), ==, 2);
    g_assert_cmpint(sova_plan_action(plan, 0)->from_host + sova_plan_action(plan, 1)->from_host,
                    ==, 1);
    g_assert_cmpfloat(sova_plan_action(plan, 0)->gain, >=, sova_plan_action(plan, 1)->gain);
    p.max_total = 1;
    g_autoptr(SovaPlan) one = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(one), ==, 1);
}

/* a balanced cluster whose VMs' CPU and traffic wobble each round by up to +-amp around
 * their base, planned for 300 rounds without cooldown (only the policy's own hysteresis
 * holds it still); counts the moves and the moves back to a host the VM left */
static void wobble(double amp, const double *weights, gboolean stateful, guint *moves,
                   guint *back)
{
    g_autoptr(SovaCluster) c = cluster(6);
    g_autoptr(GRand) r = g_rand_new_with_seed(11);
    for (int h = 0; h < 6; h++)
        for (int i = 0; i < 8; i++)
            vmf(c, h, 1.2, 3);
    memcpy(c->weights, weights, sizeof c->weights);
    guint n = c->vms->len;
    g_autofree int *left = g_new(int, n);   /* the host each VM last left, -1 none */
    for (guint v = 0; v < n; v++)
        left[v] = -1;
    SovaClusterParams p = params();
    p.cooldown_s = 0;
    const SovaClusterPolicy *pol = policy("sova");
    gpointer st = stateful ? pol->state_new() : NULL;
    *moves = *back = 0;
    for (int round = 0; round < 300; round++) {
        for (guint v = 0; v < n; v++) {
            SovaClusterVm *m = sova_cluster_vm(c, v);
            m->cpu = 1.2 * g_rand_double_range(r, 1 - amp, 1 + amp);
            m->net_Bps = 10e6 * g_rand_double_range(r, 1 - amp, 1 + amp);
        }
        g_autoptr(SovaPlan) plan = pol->plan(c, &p, st);
        for (guint i = 0; i < sova_plan_len(plan); i++) {
            const SovaAction *a = sova_plan_action(plan, i);
            int v = vm_of(c, a);
            *back += left[v] == a->to_host;
            left[v] = a->from_host;
        }
        *moves += sova_plan_len(plan);
        apply(c, plan);
        c->now += 10;
    }
    if (st)
        pol->state_free(st);
}

/* small wobbles stay under the threshold: nothing moves, with or without a state */
static void test_no_oscillation(void)
{
    const double all[SOVA_RES_N] = {1, 1, 1};
    guint moves, back;
    for (int stateful = 0; stateful < 2; stateful++) {
        wobble(0.3, all, stateful, &moves, &back);
        g_test_message("+-30 %% wobble, state %d: %u moves, %u back", stateful, moves, back);
        g_assert_cmpuint(moves, ==, 0);
    }
}

/* big wobbles on CPU alone (+-90 % a VM, round after round) on hosts with room: no host
 * ever has to leave demand unmet for long, and no VM is chased back and forth, with or
 * without a state; a real hot spot under milder noise is still relieved */
static void test_noise_learnt(void)
{
    const double cpu_only[SOVA_RES_N] = {1, 0, 0};
    guint chased, chased_back, moves, back;
    wobble(0.9, cpu_only, FALSE, &chased, &chased_back);
    wobble(0.9, cpu_only, TRUE, &moves, &back);
    g_test_message("+-90 %% cpu wobble: %u moves (%u back) without state, %u (%u back) with",
                   chased, chased_back, moves, back);
    g_assert_cmpuint(back, ==, 0);
    g_assert_cmpuint(moves, <=, 2);
    g_autoptr(SovaCluster) c = random_cluster(6, 6, 24, 8);
    g_autoptr(GRand) r = g_rand_new_with_seed(3);
    g_autofree double *base = g_new(double, c->vms->len);
    for (guint v = 0; v < c->vms->len; v++)
        base[v] = sova_cluster_vm(c, v)->cpu;
    SovaClusterParams p = params();
    const SovaClusterPolicy *pol = policy("sova");
    gpointer st = pol->state_new();
    double start = max_cpu_load(c);
    guint total = 0;
    for (int round = 0; round < 100; round++) {
        for (guint v = 0; v < c->vms->len; v++)
            sova_cluster_vm(c, v)->cpu = base[v] * g_rand_double_range(r, 0.8, 1.2);
        g_autoptr(SovaPlan) plan = pol->plan(c, &p, st);
        total += sova_plan_len(plan);
        apply(c, plan);
        c->now += 60;
    }
    pol->state_free(st);
    for (guint v = 0; v < c->vms->len; v++)
        sova_cluster_vm(c, v)->cpu = base[v];
    g_test_message("hot spot under noise: largest CPU load %.3f -> %.3f in %u moves", start,
                   max_cpu_load(c), total);
    g_assert_cmpfloat(start, >, 1.2);
    g_assert_cmpfloat(max_cpu_load(c), <=, 1.0);
}

/* a VM of `cpu` pCPUs, mem_gib and a dirty rate in MB/s on host h */
static void vmd(SovaCluster *c, int h, double cpu, double mem_gib, double dirty_MBps)
{
    vmf(c, h, cpu, mem_gib);
    sova_cluster_vm(c, c->vms->len - 1)->dirty_Bps = dirty_MBps * 1e6;
}

/* with a state, a small overload (a host at 103 %) starts relief on its second sample in a
 * row: a one-sample spike moves nothing, one that stays is relieved one plan later; a
 * clear overload (a host at 160 %) is relieved at once */
static void test_confirmation(void)
{
    const SovaClusterPolicy *pol = policy("sova");
    SovaClusterParams p = params();
    g_autoptr(SovaCluster) c = cluster(6);
    g_autoptr(SovaCluster) calm = cluster(6);
    for (int h = 0; h < 6; h++)
        for (int i = 0; i < (h ? 6 : 11); i++) {
            vmf(c, h, 1.5, 2);
            if (i < 6)
                vmf(calm, h, 1.5, 2);
        }
    g_assert_cmpfloat(unmet(c), >, 0.01);
    g_assert_cmpfloat(unmet(c), <, 0.10);
    gpointer st = pol->state_new();
    g_autoptr(SovaPlan) first = pol->plan(c, &p, st);
    g_assert_cmpuint(sova_plan_len(first), ==, 0);
    g_assert_nonnull(strstr(first->reason, "waiting for a second"));
    g_assert_cmpint(first->status, ==, SOVA_PLAN_UNCONFIRMED);   /* and says so */
    g_autoptr(SovaPlan) second = pol->plan(c, &p, st);
    g_assert_cmpuint(sova_plan_len(second), >, 0);
    g_assert_cmpint(second->status, ==, SOVA_PLAN_ACT);
    pol->state_free(st);
    /* a spike: full on one sample, not on the next */
    st = pol->state_new();
    for (int round = 0; round < 10; round++) {
        g_autoptr(SovaPlan) plan = pol->plan(round % 2 ? calm : c, &p, st);
        g_assert_cmpuint(sova_plan_len(plan), ==, 0);
        g_assert_cmpint(plan->status, ==, (round % 2 ? SOVA_PLAN_ACT : SOVA_PLAN_UNCONFIRMED));
    }
    pol->state_free(st);
    /* clear: at once */
    g_autoptr(SovaCluster) hot = random_cluster(6, 6, 24, 8);
    g_assert_cmpfloat(unmet(hot), >, 0.3);
    st = pol->state_new();
    g_autoptr(SovaPlan) now = pol->plan(hot, &p, st);
    g_assert_cmpuint(sova_plan_len(now), >, 0);
    g_assert_cmpint(now->status, ==, SOVA_PLAN_ACT);
    pol->state_free(st);
}

/* the confirmation is per host: h0 a little over its capacity (103 %) waits for a second
 * sample; when the next sample shows h0 served and h1 a little over instead (the five VMs
 * that overloaded h0 now on h1: a VM landing on a host, a burst moving around), that is a
 * first sample for h1 and waits too; a third sample with h1 still over confirms it */
static void test_confirmation_per_host(void)
{
    const SovaClusterPolicy *pol = policy("sova");
    SovaClusterParams p = params();
    g_autoptr(SovaCluster) c = cluster(6);
    for (int h = 0; h < 6; h++)
        for (int i = 0; i < (h ? 6 : 11); i++)
            vmf(c, h, 1.5, 2);
    gpointer st = pol->state_new();
    g_autoptr(SovaPlan) first = pol->plan(c, &p, st);
    g_assert_cmpint(first->status, ==, SOVA_PLAN_UNCONFIRMED);
    for (guint v = 6; v < 11; v++)   /* h0's extra five (vmf appends: h0's VMs 0 .. 10) */
        sova_cluster_move(c, v, 1);
    g_assert_cmpfloat(unmet(c), >, 0.01);
    g_assert_cmpfloat(unmet(c), <, 0.10);
    g_autoptr(SovaPlan) second = pol->plan(c, &p, st);
    g_assert_cmpuint(sova_plan_len(second), ==, 0);
    g_assert_cmpint(second->status, ==, SOVA_PLAN_UNCONFIRMED);
    g_autoptr(SovaPlan) third = pol->plan(c, &p, st);
    g_assert_cmpint(third->status, ==, SOVA_PLAN_ACT);
    pol->state_free(st);
}

/* the sample after a migration is a transition: a host a VM just landed on that reads a
 * clear overload (here its non-VM load jumps by 5.6 pCPUs, as the moved VM's time there
 * reads before the VM has a rate of its own) waits for the next sample, which confirms it
 * when it stays, even while the relief of the host the VM left goes on (down to 1 -
 * headroom: it read 94 % after the move) */
static void test_transition_waits(void)
{
    const SovaClusterPolicy *pol = policy("sova");
    SovaClusterParams p = params();
    g_autoptr(SovaCluster) c = cluster(6);
    for (int h = 0; h < 6; h++)
        for (int i = 0; i < (h ? 6 : 10); i++)
            vmf(c, h, 1.5, 2);
    vmf(c, 0, 3.0, 2);            /* h0 at 112 %: clearly over, at once */
    gpointer st = pol->state_new();
    g_autoptr(SovaPlan) first = pol->plan(c, &p, st);
    g_assert_cmpuint(sova_plan_len(first), ==, 1);
    int b = sova_plan_action(first, 0)->to_host;
    apply(c, first);
    c->now += 20;
    sova_cluster_host(c, b)->cpu_other = 5.6;   /* b reads 110 % */
    g_assert_cmpfloat(unmet(c), >, 0.08);
    g_autoptr(SovaPlan) second = pol->plan(c, &p, st);
    for (guint i = 0; i < sova_plan_len(second); i++)   /* h0's relief may go on, not b's */
        g_assert_cmpint(sova_plan_action(second, i)->from_host, ==, 0);
    apply(c, second);
    c->now += 20;
    g_autoptr(SovaPlan) third = pol->plan(c, &p, st);
    g_assert_cmpint(third->status, ==, SOVA_PLAN_ACT);
    gboolean from_b = FALSE;
    for (guint i = 0; i < sova_plan_len(third); i++)
        from_b = from_b || sova_plan_action(third, i)->from_host == b;
    g_assert_true(from_b);
    pol->state_free(st);
}

/* the hot spot of bench/scenarios/cluster-hotspot-8.conf at its mean demands: 8 hosts of
 * 16 pCPUs and 128 GiB with a 10 Gbit/s NIC, each with four VMs of 1.4 pCPUs and 4 GiB;
 * h0 also runs four of 4.2 pCPUs and 12 GiB and four more of 1.4 pCPUs and 4 GiB
 * (imbalance 0.209) */
static SovaCluster *hotspot8(void)
{
    SovaCluster *c = cluster(8);
    for (guint h = 0; h < 8; h++) {
        SovaClusterHost *host = sova_cluster_host(c, h);
        host->memory_kib = (guint64)(128 * GIB_KIB);
        host->nic_capacity_Bps = 2.5e9;
        for (int i = 0; i < 4; i++)
            vmd(c, (int)h, 1.4, 4, 20);
    }
    for (int i = 0; i < 4; i++) {
        vmd(c, 0, 4.2, 12, 60);
        vmd(c, 0, 1.4, 4, 30);
    }
    return c;
}

/* with the default caps (one migration per host, two in all) the hot host sheds one VM a
 * plan, the big ones first (the most relief for its cost); it stops once h0 serves its VMs:
 * three migrations take it from 175 % to 96 % (a fourth would serve less than 1 % of a
 * host), where Watcher's greedy makes four and ProxLB five (bench, cluster-hotspot-8) */
static void test_few_migrations(void)
{
    g_autoptr(SovaCluster) c = hotspot8();
    SovaClusterParams p = params();
    p.bandwidth_Bps = 1.25e9;    /* the scenario's migration link */
    const SovaClusterPolicy *pol = policy("sova");
    gpointer st = pol->state_new();
    guint moves = 0;
    g_assert_cmpfloat(fabs(sova_cluster_host_load(c, 0, SOVA_RES_CPU) - 1.75), <, 0.001);
    for (int round = 0; round < 30; round++) {
        g_autoptr(SovaPlan) plan = sova_cluster_plan(pol, c, &p, st);
        for (guint i = 0; i < sova_plan_len(plan); i++)
            g_assert_cmpfloat(sova_cluster_vm(c, vm_of(c, sova_plan_action(plan, i)))->cpu, ==,
                              4.2);
        moves += sova_plan_len(plan);
        apply(c, plan);
        c->now += 60;
    }
    pol->state_free(st);
    g_test_message("hot spot: h0 at %.3f after %u migrations",
                   sova_cluster_host_load(c, 0, SOVA_RES_CPU), moves);
    g_assert_cmpfloat(max_cpu_load(c), <=, 1.0);
    g_assert_cmpuint(moves, ==, 3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-policy/sova/converges", test_converges_then_quiet);
    g_test_add_func("/cluster-policy/sova/parallel-relief", test_parallel_relief);
    g_test_add_func("/cluster-policy/sova/no-oscillation", test_no_oscillation);
    g_test_add_func("/cluster-policy/sova/noise-not-chased", test_noise_learnt);
    g_test_add_func("/cluster-policy/sova/few-migrations", test_few_migrations);
    g_test_add_func("/cluster-policy/sova/confirmation", test_confirmation);
    g_test_add_func("/cluster-policy/sova/confirmation-per-host", test_confirmation_per_host);
    g_test_add_func("/cluster-policy/sova/transition-waits", test_transition_waits);
    return g_test_run();
}
