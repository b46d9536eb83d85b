/* test_cpu_search.c — the parts of the `balance` cpu policy on their own: the layout it
 * starts from (cpu_layout.h: managed vCPUs where pinned, loose ones placed, those waiting
 * for a rate left alone), the local search (cpu_search.h: the fewest moves, notes of where
 * each vCPU came from, nothing moved when managed vCPUs may not move) and the words
 * (cpu_reasons.h: the judgement's texts, the pins' and the shares' reasons). */
#include "cpu_test_util.h"
#include "policy/cpu_search.h"
#include "policy/cpu_reasons.h"
#include <string.h>

static SovaCpuPolicyParams params;

/* four vCPUs of 50 % pinned on pCPU 0 of 2 */
static SovaModel *all_on_0(void)
{
    SovaModel *m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 4, 50, 0);
    cpu_test_settle(m);
    return m;
}

static void test_search_fewest_moves(void)
{
    g_autoptr(SovaModel) m = all_on_0();
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, TRUE, &before);
    g_assert_cmpfloat_with_epsilon(before, 100, 1e-9);
    g_assert_cmpfloat_with_epsilon(cpu_layout_stddev(b), 0, 1e-9);
    g_assert_cmpuint(b->moves, ==, 2);
    /* equal demands: the first in model order moves first */
    int want[] = { 1, 1, 0, 0 };
    for (guint v = 0; v < 4; v++)
        g_assert_cmpint(b->to[v], ==, want[v]);
    g_assert_cmpint(b->notes[0].kind, ==, NOTE_MOVE);
    g_assert_cmpuint(b->notes[0].src, ==, 0);
    g_assert_cmpfloat(b->notes[0].src_load, ==, 200);
    g_assert_cmpfloat(b->notes[0].mean, ==, 100);
    g_assert_cmpfloat(b->notes[0].dst_load, ==, 0);
    g_assert_cmpfloat(b->notes[1].src_load, ==, 150);
    g_assert_cmpfloat(b->notes[1].dst_load, ==, 50);
    g_assert_cmpint(b->notes[2].kind, ==, NOTE_NONE);
}

static void test_search_managed_stay(void)
{
    g_autoptr(SovaModel) m = all_on_0();
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, FALSE, &before);
    g_assert_cmpuint(b->moves, ==, 0);
    g_assert_cmpfloat_with_epsilon(cpu_layout_stddev(b), before, 1e-9);
    for (guint v = 0; v < 4; v++)
        g_assert_cmpint(b->to[v], ==, 0);
}

/* loose vCPUs go, largest first, to the least loaded pCPU unless where they run is within
 * tau of it; a vCPU with no rate yet is not placed */
static void test_layout_places_loose(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 80, 0);
    cpu_test_add_vm(m, "u", 2, 30, -1);
    guint nv = cpu_test_add_vm(m, "new", 1, 0, -1);
    cpu_test_settle(m);
    sova_model_vcpu(m, sova_model_vm(m, nv)->first_vcpu)->fresh = TRUE;
    g_autoptr(Balancer) b = cpu_layout_new(m, &params);
    cpu_layout_place_current(b);
    gboolean loose[] = { FALSE, TRUE, TRUE, TRUE }, waits[] = { FALSE, FALSE, FALSE, TRUE };
    int to[] = { 0, 1, 1, -1 };
    for (guint v = 0; v < 4; v++) {
        g_assert_cmpint(b->loose[v], ==, loose[v]);
        g_assert_cmpint(b->waits[v], ==, waits[v]);
        g_assert_cmpint(b->to[v], ==, to[v]);
    }
    g_assert_cmpfloat(b->load[0], ==, 80);
    g_assert_cmpfloat(b->load[1], ==, 60);
    g_assert_cmpfloat_with_epsilon(cpu_layout_mean(b), 70, 1e-9);
    g_assert_cmpfloat_with_epsilon(cpu_layout_running_stddev(b), 10, 1e-9);
    g_assert_cmpfloat_with_epsilon(cpu_layout_capped_stddev(b), 10, 1e-9);
}

static void test_reasons_judge(void)
{
    g_autofree char *calm = cpu_reasons_judge(3, 4, 0, 0, &params, TRUE);
    g_assert_cmpstr(calm, ==, "balanced: stddev 3.0 <= 5.0");
    g_autofree char *blip = cpu_reasons_judge(9, 4, 0, 0, &params, TRUE);
    g_assert_cmpstr(blip, ==, "balanced: predicted stddev 4.0 <= 5.0 (measured 9.0)");
    g_autofree char *noisy = cpu_reasons_judge(7, 7, 0, 5, &params, TRUE);
    g_assert_cmpstr(noisy, ==, "balanced: stddev 7.0 <= 7.1 (target 5.0, noise 5.0)");
    g_autofree char *small = cpu_reasons_judge(20, 20, 19, 0, &params, TRUE);
    g_assert_cmpstr(small, ==, "no plan improves stddev 20.0 by >= 2.0");
    g_autofree char *unlooked = cpu_reasons_judge(20, 20, 0, 0, &params, FALSE);
    g_assert_cmpstr(unlooked, ==, "balanced: stddev 20.0 <= 5.0");
    g_assert_null(cpu_reasons_judge(20, 20, 0, 0, &params, TRUE));
    /* noise never blocks a clear gain: within the widened limit (5.2 with noise 1.5), a
     * predicted 5.2 -> 0 is above min_gain + noise and twice the noise: it stands ... */
    g_assert_null(cpu_reasons_judge(5.1, 5.2, 0, 1.5, &params, TRUE));
    /* ... but not one within twice the noise (5.8 -> 0 with noise 3) */
    g_autofree char *unclear = cpu_reasons_judge(5.5, 5.8, 0, 3, &params, TRUE);
    g_assert_true(g_str_has_prefix(unclear, "balanced: stddev 5.5 <= 5.8"));
}

static void test_reasons_pins(void)
{
    g_autoptr(SovaModel) m = all_on_0();
    cpu_test_add_vm(m, "u", 1, 30, -2);
    cpu_test_settle(m);
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, TRUE, &before);
    g_autoptr(SovaPlan) p = sova_plan_new();
    guint moved = cpu_reasons_pins(b, p, NULL, 80, 5, before, cpu_layout_stddev(b));
    g_assert_cmpuint(moved, ==, sova_plan_len(p) - 1);
    g_assert_true(g_str_has_prefix(p->reason, "stddev 80.0 > 5.0: "));
    g_assert_true(g_str_has_suffix(p->reason, "; 1 unmanaged vCPUs brought under management"));
    const SovaAction *u = cpu_test_find(p, "u", 0);
    g_assert_nonnull(u);
    g_assert_true(g_str_has_prefix(u->reason, "unpinned: bring under management"));
    const SovaAction *a = cpu_test_find(p, "a", 0);
    g_assert_nonnull(a);
    g_assert_cmpstr(a->reason, ==, "pCPU 0 at 200% vs mean 115%: move to pCPU 1 (30%)");
    g_autoptr(SovaPlan) q = sova_plan_new();
    cpu_reasons_pins(b, q, "balanced: stddev 3.0 <= 5.0", 3, 5, before, before);
    g_assert_true(g_str_has_prefix(q->reason, "balanced: stddev 3.0 <= 5.0; "));
}

static void test_reasons_share(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 1, 60, 1);
    cpu_test_settle(m);
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, FALSE, &before);
    g_autoptr(SovaPlan) p = sova_plan_new();
    cpu_reasons_share(b, p, NULL, 25, 5, -1, 1.0);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
    g_assert_cmpstr(p->reason, ==, "pins would lose 25.0% of a pCPU (margin 5.0): share every "
                                   "usable pCPU");
    g_assert_cmpstr(sova_plan_action(p, 0)->reason, ==,
                    "pins would lose 25% of a pCPU: share pCPUs 0-1");
    for (guint v = 0; v < m->vcpus->len; v++)
        sova_model_vcpu(m, v)->shared = TRUE;
    g_autoptr(SovaPlan) q = sova_plan_new();
    cpu_reasons_share(b, q, NULL, 25, 5, -1, 1.0);
    g_assert_cmpuint(sova_plan_len(q), ==, 0);
    g_assert_true(g_str_has_suffix(q->reason, ": stay shared"));
    /* shared for a VM's service: the VM is named */
    g_autoptr(SovaPlan) r = sova_plan_new();
    cpu_reasons_share(b, r, NULL, 0, 5, 1, 0.75);
    g_assert_cmpstr(r->reason, ==, "pins would give b 0.75x its share under the kernel's "
                                   "scheduler: stay shared");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-search/fewest-moves", test_search_fewest_moves);
    g_test_add_func("/cpu-search/managed-stay", test_search_managed_stay);
    g_test_add_func("/cpu-search/layout-places-loose", test_layout_places_loose);
    g_test_add_func("/cpu-search/reasons-judge", test_reasons_judge);
    g_test_add_func("/cpu-search/reasons-pins", test_reasons_pins);
    g_test_add_func("/cpu-search/reasons-share", test_reasons_share);
    return g_test_run();
}
