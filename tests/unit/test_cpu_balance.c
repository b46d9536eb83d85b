/* test_cpu_balance.c — the default cpu policy on hand-made hosts: it balances
 * with few moves on demand, pins what is not managed, respects reserved pCPUs,
 * background load and NUMA cells, and does not churn once settled. */
#include "cpu_test_util.h"
#include <string.h>

static const SovaCpuPolicy *pol;
static SovaCpuPolicyParams params;

static SovaPlan *plan(const SovaModel *m)
{
    return pol->plan(m, &params, NULL);
}

static void test_registered(void)
{
    g_assert_true(sova_cpu_policy_find("balance") == &sova_cpu_policy_balance);
}

static void test_balanced_empty(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 40, 0);
    cpu_test_add_vm(m, "b", 2, 40, 1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 0);
    g_assert_true(g_str_has_prefix(p->reason, "balanced"));
    g_assert_cmpfloat(p->spread_after, ==, p->spread_before);
}

static void test_all_on_one(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "a", 8, 40, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpfloat(p->spread_before, >, params.target_stddev);
    /* the fewest moves: 6 of the 8 leave pCPU 0, each pCPU gets an equal share */
    g_assert_cmpuint(sova_plan_len(p), ==, 8 - 8 / 4);
    g_assert_cmpfloat_with_epsilon(p->spread_after, 0, 1e-6);
    cpu_test_apply(m, p);
    for (guint c = 0; c < 4; c++) {
        g_assert_cmpuint(cpu_test_count_on(m, c), ==, 2);
        g_assert_cmpfloat_with_epsilon(cpu_test_load(m, c), 80, 1e-6);
    }
    g_assert_cmpfloat_with_epsilon(sova_model_util_stddev(m, NULL), p->spread_after, 1e-6);
}

/* 4 busy vCPUs on 2 pCPUs: both pCPUs are 100 % with 3 + 1 as with 2 + 2, but the
 * vCPUs are not treated alike; the plan evens out the oversubscription */
static void test_oversubscribed_fair(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 4, 100, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 0), ==, 2);
    g_assert_cmpuint(cpu_test_count_on(m, 1), ==, 2);
}

static void test_more_vcpus_than_pcpus(void)
{
    const double d[] = { 30, 25, 20, 20, 15, 10, 5 };
    g_autoptr(SovaModel) m = cpu_test_host(3);
    cpu_test_add_vm(m, "a", G_N_ELEMENTS(d), 0, 0);
    for (guint i = 0; i < G_N_ELEMENTS(d); i++)
        sova_model_vcpu(m, i)->demand = d[i];
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), >, 0);
    g_assert_cmpuint(sova_plan_len(p), <, G_N_ELEMENTS(d));   /* some stay where they are */
    cpu_test_apply(m, p);
    g_assert_cmpfloat(cpu_test_load_stddev(m), <=, params.target_stddev);
    g_assert_cmpfloat_with_epsilon(cpu_test_load_stddev(m), p->spread_after, 1e-6);
}

static void test_fewer_vcpus_than_pcpus(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "a", 2, 90, 2);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 1);
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 2), ==, 1);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
}

static void test_equal_vcpus_and_pcpus(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "a", 4, 60, 1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
    cpu_test_apply(m, p);
    for (guint c = 0; c < 4; c++)
        g_assert_cmpuint(cpu_test_count_on(m, c), ==, 1);
}

/* one busy pCPU among balanced ones: one move, not a reshuffle */
static void test_fewest_moves(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "a", 1, 50, 0);
    cpu_test_add_vm(m, "b", 1, 30, 0);
    cpu_test_add_vm(m, "c", 1, 50, 1);
    cpu_test_add_vm(m, "d", 1, 50, 2);
    cpu_test_add_vm(m, "e", 1, 20, 3);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 1);
    const SovaAction *a = cpu_test_find(p, "b", 0);
    g_assert_nonnull(a);
    g_assert_cmpint(a->from_pcpu, ==, 0);
    g_assert_cmpint(a->to_pcpu, ==, 3);
    g_assert_nonnull(strstr(a->reason, "pCPU 0 at 80% vs mean 50%"));
}

static void test_reserved_never_used(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    sova_model_pcpu(m, 0)->reserved = TRUE;
    sova_model_pcpu(m, 3)->online = FALSE;
    cpu_test_add_vm(m, "a", 3, 40, 0);       /* pinned to the reserved pCPU */
    cpu_test_add_vm(m, "b", 2, 20, -1);      /* unpinned, running on pCPU 0 */
    cpu_test_add_vm(m, "c", 1, 20, 3);       /* pinned to the offline pCPU */
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 6);
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        g_assert_true(a->to_pcpu == 1 || a->to_pcpu == 2);
        g_assert_nonnull(strstr(a->reason, "bring under management"));
    }
    g_assert_nonnull(strstr(cpu_test_find(p, "a", 0)->reason, "reserved pCPU 0"));
    g_assert_nonnull(strstr(cpu_test_find(p, "c", 0)->reason, "offline pCPU 3"));
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 0), ==, 0);
    /* 40 40 40 20 20 20 on two pCPUs: the best split is 100 / 80 (more would overload
     * one pCPU, and pins that give a VM less than CFS are not made: test_cpu_service) */
    g_assert_cmpfloat_with_epsilon(cpu_test_load(m, 1), cpu_test_load(m, 2), 20.0 + 1e-6);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
}

/* unpinned vCPUs on a balanced host are pinned where they run, and only once */
static void test_unpinned_managed_in_place(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 40, -1);      /* runs on pCPU 0 */
    cpu_test_add_vm(m, "b", 1, 40, -2);      /* runs on pCPU 1 */
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        g_assert_cmpint(a->to_pcpu, ==, a->from_pcpu);
        g_assert_true(g_str_has_prefix(a->reason, "unpinned: bring under management"));
    }
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 5), ==, 0);
}

/* unpinned vCPUs all seen on one pCPU (a snapshot of CFS) are not all pinned there */
static void test_unpinned_spread(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 4, 100, -1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 4);
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 0), ==, 2);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
}

static void test_other_load(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    sova_model_pcpu(m, 0)->other = 50;
    cpu_test_add_vm(m, "a", 4, 25, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 0), ==, 1);     /* 50 + 25 = 75 = 3 * 25 */
    g_assert_cmpfloat_with_epsilon(cpu_test_load(m, 0), cpu_test_load(m, 1), 1e-6);
}

static void test_deterministic(void)
{
    g_autoptr(SovaModel) m = cpu_test_random_host(8, 40, 60, 7);
    g_autoptr(SovaPlan) p1 = plan(m);
    g_autoptr(SovaPlan) p2 = plan(m);
    g_autofree char *d1 = cpu_test_describe(p1);
    g_autofree char *d2 = cpu_test_describe(p2);
    g_assert_cmpuint(sova_plan_len(p1), >, 0);
    g_assert_cmpstr(d1, ==, d2);
    /* equal vCPUs on tied pCPUs: the lowest pCPU id wins */
    g_autoptr(SovaModel) t = cpu_test_host(3);
    cpu_test_add_vm(t, "a", 2, 50, 2);
    cpu_test_settle(t);
    g_autoptr(SovaPlan) p3 = plan(t);
    g_assert_cmpuint(sova_plan_len(p3), ==, 1);
    g_assert_cmpint(sova_plan_action(p3, 0)->to_pcpu, ==, 0);
}

/* 3 busy vCPUs on 2 pCPUs: pins give 100/50/50 % where the kernel gives each 67 %, so the
 * vCPUs are shared over both pCPUs, from any start, and then nothing changes */
static void test_three_on_two_no_churn(void)
{
    const int starts[][3] = { { 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 1 }, { -1, -1, -1 } };
    for (gsize s = 0; s < G_N_ELEMENTS(starts); s++) {
        g_autoptr(SovaModel) m = cpu_test_host(2);
        for (guint i = 0; i < 3; i++) {
            g_autofree char *name = g_strdup_printf("vm%u", i);
            cpu_test_add_vm(m, name, 1, 100, starts[s][i]);
        }
        cpu_test_settle(m);
        g_autoptr(SovaPlan) p = plan(m);
        g_assert_nonnull(strstr(p->reason, "x its share under the kernel's scheduler"));
        g_assert_cmpuint(cpu_test_apply(m, p), <=, 3);
        for (guint v = 0; v < 3; v++)
            g_assert_true(sova_model_vcpu(m, v)->shared);
        g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
    }
}

/* a stable, imperfect layout with a measured spread: no plan helps, none is made
 * (no pCPU near 100 %: the pins lose nothing against sharing; 120/60 would, see
 * test_cpu_share.c) */
static void test_imperfect_no_churn(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 30, 0);
    cpu_test_add_vm(m, "b", 1, 30, 1);
    cpu_test_settle(m);
    g_assert_cmpfloat(sova_model_util_stddev(m, NULL), >, params.target_stddev);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 0);
    g_assert_true(g_str_has_prefix(p->reason, "no plan improves stddev"));
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
}

/* a large unbalanced host settles in one plan and then stays put */
static void test_random_settles(void)
{
    for (guint32 seed = 1; seed <= 5; seed++) {
        g_autoptr(SovaModel) m = cpu_test_random_host(32, 400, 60, seed);
        g_autoptr(SovaPlan) p = plan(m);
        g_assert_cmpfloat(p->spread_before, >, params.target_stddev);
        cpu_test_apply(m, p);
        g_assert_cmpfloat(sova_model_util_stddev(m, NULL), <=, params.target_stddev);
        g_assert_cmpuint(sova_plan_len(p), <, 400 / 2);
        g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 5), ==, 0);
    }
}

/* two cells; each VM's vCPUs stay in its VM's cell when that suffices */
static void test_numa(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    sova_model_pcpu(m, 2)->cell = sova_model_pcpu(m, 3)->cell = 1;
    sova_model_pcpu(m, 1)->other = 5;
    sova_model_vm(m, cpu_test_add_vm(m, "a", 2, 40, 0))->cell = 0;
    sova_model_vm(m, cpu_test_add_vm(m, "b", 2, 40, 2))->cell = 1;
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        int cell = strcmp(a->vm_name, "a") == 0 ? 0 : 1;
        g_assert_cmpint(sova_model_pcpu(m, a->to_pcpu)->cell, ==, cell);
    }
    cpu_test_apply(m, p);
    g_assert_cmpfloat(sova_model_util_stddev(m, NULL), <=, params.target_stddev);
}

/* runs `rounds` intervals on a host whose vCPU demands wobble by +-amp around
 * base each interval; returns the pin changes from interval `from` on */
static guint noisy_rounds(SovaModel *m, const double *base, gpointer state, GRand *rnd,
                          double amp, guint rounds, guint from)
{
    guint changes = 0;
    for (guint r = 0; r < rounds; r++) {
        g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
        guint n = cpu_test_apply(m, p);
        changes += r >= from ? n : 0;
        for (guint i = 0; i < m->vcpus->len; i++)
            sova_model_vcpu(m, i)->demand = MAX(0.0, base[i] + g_rand_double_range(rnd, -amp, amp));
        cpu_test_settle(m);
    }
    return changes;
}

/* measurement noise larger than the target: without its state (the noise it has
 * seen) the policy chases every wobble; with it, it mostly holds still, and still
 * answers a real change at once */
static void test_noise(void)
{
    guint changes[2] = { 0, 0 };
    for (guint32 seed = 1; seed <= 3; seed++) {
        for (guint with_state = 0; with_state < 2; with_state++) {
            g_autoptr(SovaModel) m = cpu_test_random_host(8, 48, 60, seed);
            g_autoptr(GRand) rnd = g_rand_new_with_seed(seed);
            g_autofree double *base = g_new(double, m->vcpus->len);
            for (guint i = 0; i < m->vcpus->len; i++)
                base[i] = sova_model_vcpu(m, i)->demand;
            gpointer state = with_state ? pol->state_new() : NULL;
            changes[with_state] += noisy_rounds(m, base, state, rnd, 5, 40, 10);
            if (with_state) {
                base[0] = base[1] = 95;                 /* a VM wakes up */
                sova_model_vcpu(m, 0)->demand = sova_model_vcpu(m, 1)->demand = 95;
                cpu_test_settle(m);
                g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
                g_assert_cmpuint(sova_plan_len(p), >, 0);
                pol->state_free(state);
            }
        }
    }
    g_assert_cmpuint(changes[0], >=, 3 * 30);   /* about a pin change every interval */
    g_assert_cmpuint(changes[1] * 10, <=, changes[0]);
}

/* the reasons an empty plan gives */
static void test_empty_reasons(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    sova_model_pcpu(m, 0)->reserved = sova_model_pcpu(m, 1)->reserved = TRUE;
    cpu_test_add_vm(m, "a", 1, 50, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 0);
    g_assert_cmpstr(p->reason, ==, "no usable pCPU");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pol = sova_cpu_policy_find("balance");
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-balance/registered", test_registered);
    g_test_add_func("/cpu-balance/balanced-empty", test_balanced_empty);
    g_test_add_func("/cpu-balance/all-on-one", test_all_on_one);
    g_test_add_func("/cpu-balance/oversubscribed-fair", test_oversubscribed_fair);
    g_test_add_func("/cpu-balance/more-vcpus", test_more_vcpus_than_pcpus);
    g_test_add_func("/cpu-balance/fewer-vcpus", test_fewer_vcpus_than_pcpus);
    g_test_add_func("/cpu-balance/equal-vcpus", test_equal_vcpus_and_pcpus);
    g_test_add_func("/cpu-balance/fewest-moves", test_fewest_moves);
    g_test_add_func("/cpu-balance/reserved", test_reserved_never_used);
    g_test_add_func("/cpu-balance/unpinned-in-place", test_unpinned_managed_in_place);
    g_test_add_func("/cpu-balance/unpinned-spread", test_unpinned_spread);
    g_test_add_func("/cpu-balance/other-load", test_other_load);
    g_test_add_func("/cpu-balance/deterministic", test_deterministic);
    g_test_add_func("/cpu-balance/three-on-two", test_three_on_two_no_churn);
    g_test_add_func("/cpu-balance/imperfect-no-churn", test_imperfect_no_churn);
    g_test_add_func("/cpu-balance/random-settles", test_random_settles);
    g_test_add_func("/cpu-balance/numa", test_numa);
    g_test_add_func("/cpu-balance/noise", test_noise);
    g_test_add_func("/cpu-balance/empty-reasons", test_empty_reasons);
    return g_test_run();
}
