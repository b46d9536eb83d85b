/* test_cpu_robust.c — fast-changing demand (cpu_robust.h): a duty cycle is recognised and
 * planned near its busy level, a step change, a walk and noise are not; short windows;
 * young vCPUs; windows follow vCPUs by VM and index and are dropped when they go; and
 * `balance` leaves a host of duty cycles to the kernel instead of chasing them. */
#include "cpu_test_util.h"
#include "policy/cpu_robust.h"

static void test_window(void)
{
    double duty[] = { 100, 0, 0, 100, 0, 0, 100, 0, 0, 100 }, r = -1;
    g_assert_true(sova_cpu_robust_window(duty, 10, &r));
    g_assert_cmpfloat(r, ==, 100);
    /* a step: one crossing, however large */
    double step[] = { 10, 10, 10, 10, 10, 90, 90, 90, 90, 90 };
    g_assert_false(sova_cpu_robust_window(step, 10, &r));
    /* noise around a level: many crossings, small spread */
    double noise[] = { 50, 53, 48, 52, 47, 51, 49, 54, 46, 50 };
    g_assert_false(sova_cpu_robust_window(noise, 10, &r));
    /* too short to judge, then a short window with enough crossings */
    g_assert_false(sova_cpu_robust_window(duty, 3, &r));
    double fast4[] = { 100, 0, 100, 0 };
    g_assert_true(sova_cpu_robust_window(fast4, 4, &r));
    g_assert_cmpfloat(r, ==, 100);
}

/* one vCPU on a 2-interval duty cycle beside a steady one; the steady one keeps its demand,
 * the fast one is planned at its busy level once known; young until ROBUST_KNOWN samples */
static void test_update(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "duty", 1, 50, 0);
    cpu_test_add_vm(m, "steady", 1, 40, 1);
    cpu_test_settle(m);
    SovaCpuRobust *r = sova_cpu_robust_new();
    guint fast = 0;
    for (guint i = 0; i < 8; i++) {
        SovaVcpuLoad *d = sova_model_vcpu(m, 0);
        d->usage = i % 2 ? 0 : 100;
        d->delay = 0;
        d->demand = 50;
        gboolean young[2];
        g_autofree double *dem = sova_cpu_robust_update(r, m, young, &fast);
        g_assert_cmpint(young[0], ==, i + 1 <= ROBUST_KNOWN);
        g_assert_cmpfloat(dem[1], ==, 40);
        if (i >= ROBUST_KNOWN) {
            g_assert_cmpuint(fast, ==, 1);
            g_assert_cmpfloat(dem[0], ==, 100);
        }
    }
    /* a missing interval (fresh) drops the window: young again */
    sova_model_vcpu(m, 0)->fresh = TRUE;
    g_free(sova_cpu_robust_update(r, m, NULL, NULL));
    sova_model_vcpu(m, 0)->fresh = FALSE;
    gboolean young[2];
    g_autofree double *dem = sova_cpu_robust_update(r, m, young, &fast);
    g_assert_true(young[0]);
    g_assert_false(young[1]);
    g_assert_cmpuint(fast, ==, 0);
    sova_cpu_robust_free(r);
    /* without state: the model's demands, nobody young */
    gboolean y[2] = { TRUE, TRUE };
    g_autofree double *plain = sova_cpu_robust_update(NULL, m, y, NULL);
    g_assert_cmpfloat(plain[0], ==, sova_model_vcpu(m, 0)->demand);
    g_assert_true(y[0]);   /* untouched without state */
}

/* the policy, with state, on 2 pCPUs started unpinned: two vCPUs taking turns at 100 %
 * every other interval and a steady one at 30 %. Their EWMA says 50 % (pins would look
 * fine: 80 / 50), their peaks 100 %: the kernel keeps sharing them, no pin is made
 * over 30 intervals. Without the robust estimate (no state) they are pinned at once. */
static SovaModel *turns_host(void)
{
    SovaModel *m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 50, -1);
    cpu_test_add_vm(m, "b", 1, 50, -2);
    cpu_test_add_vm(m, "c", 1, 30, -1);
    cpu_test_settle(m);
    for (guint v = 0; v < 3; v++)
        sova_model_vcpu(m, v)->shared = TRUE;
    return m;
}

static void turn(SovaModel *m, guint i)
{
    for (guint v = 0; v < 2; v++) {
        SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        vc->usage = (i + v) % 2 ? 0 : 100;
        vc->delay = 0;
    }
}

static void test_policy_duty(void)
{
    const SovaCpuPolicy *pol = sova_cpu_policy_find("balance");
    SovaCpuPolicyParams params = SOVA_CPU_PARAMS_DEFAULT;
    g_autoptr(SovaModel) m = turns_host();
    gpointer st = pol->state_new();
    guint pins = 0;
    for (guint i = 0; i < 30; i++) {
        turn(m, i);
        g_autoptr(SovaPlan) p = pol->plan(m, &params, st);
        pins += sova_plan_len(p);
    }
    pol->state_free(st);
    g_assert_cmpuint(pins, ==, 0);
    g_autoptr(SovaModel) plain = turns_host();
    turn(plain, 0);
    g_autoptr(SovaPlan) p = pol->plan(plain, &params, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-robust/window", test_window);
    g_test_add_func("/cpu-robust/update", test_update);
    g_test_add_func("/cpu-robust/policy-duty", test_policy_duty);
    return g_test_run();
}
