/* test_cpu_service.c — each VM's service under a layout against its CFS counterfactual
 * (cpu_service.h), on hand-built models: the water-filled level, the worst VM, the
 * tolerance and the noise, VMs leaving; and `balance` sharing a host whose pins would
 * cost a VM, keeping pins that cost none. */
#include "cpu_test_util.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_service.h"
#include "policy/cpu_share.h"
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

/* short by the finer tolerance of a saturated host */
static gboolean unfair_sat_of(const SovaModel *m, double noise)
{
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    return sova_cpu_service_worst_saturated(m, to, NULL, noise) < 1 - SOVA_SERVICE_TOL / SOVA_SERVICE_SAT;
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
    /* busy readings at face value, the measure of the layouts' loads it is compared with:
     * three vCPUs at 90 on two pCPUs, level 135 (not 150 with busy taken as 100) */
    sova_model_pcpu(m, 1)->other = 0;
    d[0] = d[1] = d[2] = 90;
    g_assert_cmpfloat_with_epsilon(sova_cpu_cfs_level(m, d), 135, 1e-9);
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


/* the noisy seed example's best pins (issue 18): 4 pCPUs with 10 and 5 points of other load,
 * 8 vCPUs at 100..30 paired 130 on every pCPU: 140, 130, 135, 130 against the kernel's level
 * 133.75. The host is saturated both ways, so the finer tolerance applies: the two VMs on the
 * 140 pCPU (0.955x) are short beyond it. The same pins with no other load (130 everywhere)
 * are fair, though the 90 % vCPU reads busy (taken as 100, its pCPU reads 140): at face
 * value it is not short. Not saturated (the same pairs at half the demand), a 4.5 % shortfall
 * is within SOVA_SERVICE_TOL. */
static SovaModel *seed_pairs(double scale, gboolean background)
{
    static const double d[8] = { 100, 90, 80, 70, 60, 50, 40, 30 };
    static const int at[8] = { 1, 2, 3, 0, 0, 3, 2, 1 };   /* 70+60 on pCPU 0 (other 10) */
    SovaModel *m = cpu_test_host(4);
    if (background) {
        sova_model_pcpu(m, 0)->other = 10;
        sova_model_pcpu(m, 2)->other = 5;
    }
    for (guint i = 0; i < 8; i++) {
        g_autofree char *name = g_strdup_printf("v%u", i);
        cpu_test_add_vm(m, name, 1, d[i] * scale, at[i]);
    }
    cpu_test_settle(m);
    return m;
}

static void test_saturated_tolerance(void)
{
    g_autoptr(SovaModel) noisy = seed_pairs(1, TRUE);
    int vm;
    double worst = worst_of(noisy, &vm);
    g_assert_cmpfloat(worst, <, 1 - SOVA_SERVICE_TOL / SOVA_SERVICE_SAT);
    g_assert_cmpfloat(worst, >, 1 - SOVA_SERVICE_TOL);
    g_assert_false(unfair_of(noisy, 0));      /* within the plain tolerance */
    g_assert_true(unfair_sat_of(noisy, 0));
    g_assert_true(unfair_sat_of(noisy, 1));
    /* with a noise of 35 points, pCPUs at 130-140 are not surely saturated */
    g_assert_false(unfair_sat_of(noisy, 35));
    g_autoptr(SovaModel) plain = seed_pairs(1, FALSE);
    g_assert_false(unfair_sat_of(plain, 0));
    /* half the demand: room on every pCPU, nobody is short at all */
    g_autoptr(SovaModel) half = seed_pairs(0.5, TRUE);
    g_assert_false(unfair_sat_of(half, 0));
}

/* rig case 1 on a real host: 4 busy guests pinned 2 per pCPU, whose run-queue delay reads
 * short by different amounts (86, 86 on pCPU 0; 95, 95 on pCPU 1). At face value the pair on
 * pCPU 0 looks served 0.95x the kernel's; read as busy (100 each) the layout is exactly fair:
 * a saturated host is judged unfair only when both readings say so */
static void test_saturated_busy_readings(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 86, 0);
    cpu_test_add_vm(m, "b", 1, 86, 0);
    cpu_test_add_vm(m, "c", 1, 95, 1);
    cpu_test_add_vm(m, "d", 1, 95, 1);
    cpu_test_settle(m);
    g_assert_false(unfair_sat_of(m, 0));
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 2 * SHARE_CONFIRM_FINE), ==, 0);
    pol->state_free(state);
}


/* `balance` on the noisy seed example's best pins: no move helps, the shortfall holds, and
 * after SHARE_CONFIRM_FINE intervals (not before) the 8 vCPUs share the host (then nothing
 * changes) */
static void test_policy_saturated_shares(void)
{
    g_autoptr(SovaModel) m = seed_pairs(1, TRUE);
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, SHARE_CONFIRM_FINE - 1), ==, 0);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), ==, 8);
    g_assert_true(sova_cpu_all_shared(m));
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 10), ==, 0);
    pol->state_free(state);
    /* no other load: the same pairs are fair, nothing moves */
    g_autoptr(SovaModel) plain = seed_pairs(1, FALSE);
    state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, plain, 2 * SHARE_CONFIRM_FINE), ==, 0);
    pol->state_free(state);
}


/* pins found in place that read unfair: the first reading (the agent's short first window)
 * does not count, so the host is shared after SHARE_CONFIRM more readings, not before */
static void test_first_reading_does_not_confirm(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 100, 0);
    cpu_test_add_vm(m, "b", 1, 100, 0);
    cpu_test_add_vm(m, "c", 1, 100, 1);
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, SHARE_CONFIRM), ==, 0);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), ==, 3);
    g_assert_true(sova_cpu_all_shared(m));
    pol->state_free(state);
}

/* not saturated: pCPUs with room beside an overloaded one keep the plain tolerance. 3 pCPUs:
 * 60+50 on pCPU 0 (110), 50+40 on pCPU 1, 40 on pCPU 2; the kernel's level is 80 (no wait),
 * so the VMs on pCPU 0 get 0.91x: within 10 %, though short by more than the saturated
 * tolerance */
static void test_unsaturated_keeps_tolerance(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(3);
    cpu_test_add_vm(m, "a", 1, 60, 0);
    cpu_test_add_vm(m, "b", 1, 50, 0);
    cpu_test_add_vm(m, "c", 1, 50, 1);
    cpu_test_add_vm(m, "d", 1, 40, 1);
    cpu_test_add_vm(m, "e", 1, 40, 2);
    cpu_test_settle(m);
    int vm;
    double worst = worst_of(m, &vm);
    g_assert_cmpfloat(worst, <, 1 - SOVA_SERVICE_TOL / SOVA_SERVICE_SAT);
    g_assert_cmpfloat(worst, >, 1 - SOVA_SERVICE_TOL);
    g_assert_false(unfair_of(m, 0));
    g_assert_false(unfair_sat_of(m, 0));
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
    g_test_add_func("/cpu-service/saturated-tolerance", test_saturated_tolerance);
    g_test_add_func("/cpu-service/unsaturated-keeps-tolerance", test_unsaturated_keeps_tolerance);
    g_test_add_func("/cpu-service/saturated-busy-readings", test_saturated_busy_readings);
    g_test_add_func("/cpu-service/policy-saturated-shares", test_policy_saturated_shares);
    g_test_add_func("/cpu-service/first-reading-does-not-confirm", test_first_reading_does_not_confirm);
    g_test_add_func("/cpu-service/policy-overcommit", test_policy_overcommit);
    return g_test_run();
}
