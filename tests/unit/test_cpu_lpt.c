/* test_cpu_lpt.c — the greedy baseline: largest demand first onto the least
 * loaded pCPU, only when the spread exceeds the target, only changed pins. */
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
    g_assert_true(sova_cpu_policy_find("lpt") == &sova_cpu_policy_lpt);
}

static void test_balanced_empty(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 3, 30, 0);
    cpu_test_add_vm(m, "b", 1, 90, 1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 0);
    g_assert_true(g_str_has_prefix(p->reason, "balanced"));
}

static void test_all_on_one(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "a", 8, 40, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpfloat_with_epsilon(p->spread_after, 0, 1e-6);
    cpu_test_apply(m, p);
    for (guint c = 0; c < 4; c++) {
        g_assert_cmpuint(cpu_test_count_on(m, c), ==, 2);
        g_assert_cmpfloat_with_epsilon(cpu_test_load(m, c), 80, 1e-6);
    }
}

/* the textbook greedy: 70 50 40 30 30 20 onto 3 pCPUs -> {70 20} {50 30} {40 30}
 * (equal demands in model order, equal loads to the lowest pCPU id) */
static void test_more_vcpus_than_pcpus(void)
{
    const double d[] = { 30, 50, 20, 70, 40, 30 };
    const int expect[] = { 2, 1, 0, 0, 2, 1 };
    g_autoptr(SovaModel) m = cpu_test_host(3);
    cpu_test_add_vm(m, "a", G_N_ELEMENTS(d), 0, 0);
    for (guint i = 0; i < G_N_ELEMENTS(d); i++)
        sova_model_vcpu(m, i)->demand = d[i];
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    for (guint i = 0; i < G_N_ELEMENTS(d); i++) {
        const SovaAction *a = cpu_test_find(p, "a", (int)i);
        g_assert_cmpint(a ? a->to_pcpu : 0, ==, expect[i]);
    }
    cpu_test_apply(m, p);
    g_assert_cmpfloat_with_epsilon(cpu_test_load(m, 0), 90, 1e-6);
    g_assert_cmpfloat_with_epsilon(cpu_test_load_stddev(m), p->spread_after, 1e-6);
}

static void test_fewer_and_equal(void)
{
    for (guint n = 2; n <= 4; n += 2) {
        g_autoptr(SovaModel) m = cpu_test_host(4);
        cpu_test_add_vm(m, "a", n, 90, 3);
        cpu_test_settle(m);
        g_autoptr(SovaPlan) p = plan(m);
        cpu_test_apply(m, p);
        for (guint c = 0; c < 4; c++)
            g_assert_cmpuint(cpu_test_count_on(m, c), <=, 1);
        g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 5), ==, 0);
    }
}

static void test_reserved_never_used(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    sova_model_pcpu(m, 0)->reserved = TRUE;
    sova_model_pcpu(m, 2)->online = FALSE;
    cpu_test_add_vm(m, "a", 4, 40, 1);
    cpu_test_add_vm(m, "b", 2, 40, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        g_assert_true(a->to_pcpu == 1 || a->to_pcpu == 3);
    }
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 0) + cpu_test_count_on(m, 2), ==, 0);
    g_assert_cmpuint(cpu_test_count_on(m, 1), ==, 3);
}

static void test_other_load(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    sova_model_pcpu(m, 1)->other = 50;
    cpu_test_add_vm(m, "a", 4, 25, 1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_count_on(m, 1), ==, 1);
    g_assert_cmpfloat_with_epsilon(cpu_test_load(m, 0), cpu_test_load(m, 1), 1e-6);
}

static void test_deterministic(void)
{
    g_autoptr(SovaModel) m = cpu_test_random_host(8, 40, 60, 3);
    g_autoptr(SovaPlan) p1 = plan(m);
    g_autoptr(SovaPlan) p2 = plan(m);
    g_autofree char *d1 = cpu_test_describe(p1);
    g_autofree char *d2 = cpu_test_describe(p2);
    g_assert_cmpuint(sova_plan_len(p1), >, 0);
    g_assert_cmpstr(d1, ==, d2);
}

/* only changed pins: a vCPU already where LPT puts it gets no action */
static void test_only_changes(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 80, 0);       /* largest: least loaded pCPU 0, already there */
    cpu_test_add_vm(m, "b", 2, 40, 0);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_null(cpu_test_find(p, "a", 0));
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
}

static void test_three_on_two(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 3, 100, 1);
    cpu_test_settle(m);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 1), >, 0);
    g_assert_cmpuint(cpu_test_count_on(m, 0) * cpu_test_count_on(m, 1), ==, 2);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pol = sova_cpu_policy_find("lpt");
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-lpt/registered", test_registered);
    g_test_add_func("/cpu-lpt/balanced-empty", test_balanced_empty);
    g_test_add_func("/cpu-lpt/all-on-one", test_all_on_one);
    g_test_add_func("/cpu-lpt/more-vcpus", test_more_vcpus_than_pcpus);
    g_test_add_func("/cpu-lpt/fewer-and-equal", test_fewer_and_equal);
    g_test_add_func("/cpu-lpt/reserved", test_reserved_never_used);
    g_test_add_func("/cpu-lpt/other-load", test_other_load);
    g_test_add_func("/cpu-lpt/deterministic", test_deterministic);
    g_test_add_func("/cpu-lpt/only-changes", test_only_changes);
    g_test_add_func("/cpu-lpt/three-on-two", test_three_on_two);
    return g_test_run();
}
