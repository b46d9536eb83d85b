/* test_cpu_service.c — each VM's service under a layout against its CFS counterfactual
 * (cpu_service.h), on hand-built models: the water-filled level, the worst VM, the
 * tolerance and the noise, VMs leaving; and `balance` sharing a host whose pins would
 * cost a VM, keeping pins that cost none. */
#include "cpu_test_util.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_service.h"
#include <string.h>

static const SovaCpuPolicy *pol;
static SovaCpuPolicyParams params;

/* the layout as it is: every vCPU where it runs; its predicted loads in *load */
static int *layout(const SovaModel *m, double **load)
{
    int *to = g_new(int, MAX(m->vcpus->len, 1));
    for (guint v = 0; v < m->vcpus->len; v++)
        to[v] = sova_model_vcpu(m, v)->pcpu;
    *load = sova_cpu_predict_load(m, to, SOVA_WEIGHT_DEMAND);
    return to;
}

static double worst_of(const SovaModel *m, int *vm)
{
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    return sova_cpu_service_worst(m, load, to, NULL, vm);
}

static gboolean unfair_of(const SovaModel *m, double noise)
{
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    return sova_cpu_service_unfair(m, load, to, NULL, SOVA_SERVICE_TOL, noise);
}

/* 300 % of demand over pCPUs with 0 and 20 % of other load: level 160 */
static void test_cfs_level(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    sova_model_pcpu(m, 1)->other = 20;
    cpu_test_add_vm(m, "a", 3, 100, 0);
    cpu_test_settle(m);
    g_assert_cmpfloat_with_epsilon(sova_cpu_cfs_level(m, NULL), 160, 1e-9);
    /* one pCPU so busy with other load that the water stays below it */
    sova_model_pcpu(m, 1)->other = 90;
    g_autofree double *d = g_new(double, 3);
    d[0] = d[1] = d[2] = 20;
    g_assert_cmpfloat_with_epsilon(sova_cpu_cfs_level(m, d), 60, 1e-9);
}

/* 3 busy on 2 pCPUs pinned 2 + 1: the two sharing a pCPU get 50 % against 67 % */
static void test_worst_three_on_two(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 100, 0);
    cpu_test_add_vm(m, "b", 1, 100, 0);
    cpu_test_add_vm(m, "c", 1, 100, 1);
    cpu_test_settle(m);
    int vm;
    g_assert_cmpfloat_with_epsilon(worst_of(m, &vm), 0.75, 1e-9);
    g_assert_cmpint(vm, ==, 0);
    g_assert_true(unfair_of(m, 0));
    /* nor does a noise of 10 points hide 17 */
    g_assert_true(unfair_of(m, 10));
}

/* a host with room everywhere: pins cost nobody anything, however uneven */
static void test_room_is_fair(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 45, 0);
    cpu_test_add_vm(m, "b", 1, 10, 1);
    cpu_test_settle(m);
    int vm;
    g_assert_cmpfloat_with_epsilon(worst_of(m, &vm), 1.0, 1e-9);
    g_assert_cmpint(vm, ==, -1);
    g_assert_false(unfair_of(m, 0));
}

/* 2 x 60 on pCPU 0 (120 %), 1 x 40 on pCPU 1: VM a gets 100 against 120 (20 points short,
 * beyond 10 % of 120): unfair without noise, within a noise of 18 points (half of it
 * counts); 2 x 52 (4 points short, under 10 %) is within the tolerance */
static void test_noise_tolerance(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 1, 40, 1);
    cpu_test_settle(m);
    g_assert_true(unfair_of(m, 0));
    g_assert_false(unfair_of(m, 18));
    sova_model_vcpu(m, 0)->demand = sova_model_vcpu(m, 1)->demand = 52;
    cpu_test_settle(m);
    g_assert_false(unfair_of(m, 0));
}

/* a VM the controller is migrating away counts on neither side */
static void test_leaving(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    guint a = cpu_test_add_vm(m, "a", 1, 100, 0);
    cpu_test_add_vm(m, "b", 1, 100, 0);
    cpu_test_add_vm(m, "c", 1, 100, 1);
    cpu_test_settle(m);
    sova_model_vm(m, a)->leaving = TRUE;
    g_assert_cmpfloat_with_epsilon(worst_of(m, NULL), 1.0, 1e-9);
    g_assert_false(unfair_of(m, 0));
}

/* the policy: 3 busy and 2 light VMs, unpinned, on 2 pCPUs: pins would cost a busy VM, so
 * every vCPU is shared over both pCPUs, once, and then nothing changes; 2 busy ones on 2
 * pCPUs are pinned apart */
static void test_policy_overcommit(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 100, -1);
    cpu_test_add_vm(m, "b", 1, 100, -1);
    cpu_test_add_vm(m, "c", 1, 100, -2);
    cpu_test_add_vm(m, "d", 1, 10, -2);
    cpu_test_add_vm(m, "e", 1, 10, -1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = pol->plan(m, &params, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 5);
    for (guint i = 0; i < 5; i++)
        g_assert_nonnull(sova_plan_action(p, i)->to_set);
    g_assert_nonnull(strstr(p->reason, "x its share under the kernel's scheduler: share every"));
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);

    g_autoptr(SovaModel) two = cpu_test_host(2);
    cpu_test_add_vm(two, "a", 1, 100, -1);
    cpu_test_add_vm(two, "b", 1, 100, -1);
    cpu_test_settle(two);
    g_autoptr(SovaPlan) q = pol->plan(two, &params, NULL);
    g_assert_cmpuint(sova_plan_len(q), ==, 2);
    g_assert_cmpint(sova_plan_action(q, 0)->to_pcpu, !=, sova_plan_action(q, 1)->to_pcpu);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pol = sova_cpu_policy_find("balance");
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-service/cfs-level", test_cfs_level);
    g_test_add_func("/cpu-service/worst-three-on-two", test_worst_three_on_two);
    g_test_add_func("/cpu-service/room-is-fair", test_room_is_fair);
    g_test_add_func("/cpu-service/noise-tolerance", test_noise_tolerance);
    g_test_add_func("/cpu-service/leaving", test_leaving);
    g_test_add_func("/cpu-service/policy-overcommit", test_policy_overcommit);
    return g_test_run();
}
