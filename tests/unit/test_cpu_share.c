/* test_cpu_share.c — `balance` shares a host (every vCPU allowed on every usable pCPU)
 * when single-pCPU pins would lose work, keeps pins when they lose none, goes back to
 * pins only after the host has looked safe for a while, and does not pin a VM that
 * just arrived before it has a rate. The loss estimate itself is checked by hand. */
#include "cpu_test_util.h"
#include "policy/cpu_share.h"
#include <string.h>

static const SovaCpuPolicy *pol;
static SovaCpuPolicyParams params;

static SovaPlan *plan(const SovaModel *m)
{
    return pol->plan(m, &params, NULL);
}

static guint shares_in(const SovaPlan *p)
{
    guint n = 0;
    for (guint i = 0; i < sova_plan_len(p); i++)
        n += sova_plan_action(p, i)->to_set != NULL;
    return n;
}

static void test_loss_estimate(void)
{
    guint ids[] = { 0, 1 }, two[] = { 2, 2 }, one[] = { 1, 1 };
    double loads[][2] = { { 120, 60 }, { 150, 150 }, { 100, 100 }, { 60, 30 } };
    g_assert_cmpfloat_with_epsilon(sova_cpu_pin_loss(loads[0], two, ids, 2, 0), 20, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_cpu_pin_loss(loads[1], two, ids, 2, 5), 0, 1e-9);
    /* at capacity: pins lose the margin either way ... */
    g_assert_cmpfloat_with_epsilon(sova_cpu_pin_loss(loads[2], two, ids, 2, 5), 10, 1e-9);
    /* ... but one vCPU never wants more than its pCPU */
    g_assert_cmpfloat_with_epsilon(sova_cpu_pin_loss(loads[2], one, ids, 2, 5), 0, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_cpu_pin_loss(loads[3], two, ids, 2, 5), 0, 1e-9);
}

/* 120 % vs 60 %: no move helps the pins, but sharing gives the three vCPUs 180 % instead
 * of 160 %. Every vCPU is shared over the usable pCPUs, once: then nothing changes */
static void test_pins_that_lose_are_shared(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 1, 60, 1);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
    g_assert_cmpuint(shares_in(p), ==, 3);
    g_assert_true(strstr(p->reason, "pins would lose") != NULL);
    const SovaAction *a = cpu_test_find(p, "a", 1);
    g_assert_nonnull(a);
    g_assert_cmpint(a->to_pcpu, ==, -1);
    g_autofree char *set = sova_cpuset_format(a->to_set);
    g_assert_cmpstr(set, ==, "0-1");
    g_autofree char *line = sova_action_describe(a);
    g_assert_true(strstr(line, "-> pCPUs 0-1") != NULL);
    cpu_test_apply(m, p);
    g_assert_cmpfloat(sova_model_pcpu(m, 0)->util + sova_model_pcpu(m, 1)->util, >, 179.9);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
}

/* rig case 3: 2 busy and 2 half-busy vCPUs on 2 pCPUs. Both pCPUs stay saturated with
 * one heavy and one light each: pins lose nothing, so they are pinned, and stay */
static void test_saturated_keeps_pins(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "heavy1", 1, 100, -1);
    cpu_test_add_vm(m, "heavy2", 1, 100, -1);
    cpu_test_add_vm(m, "light1", 1, 50, -1);
    cpu_test_add_vm(m, "light2", 1, 50, -2);
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
    g_assert_cmpuint(sova_plan_len(p), ==, 4);
    g_assert_cmpuint(shares_in(p), ==, 0);
    cpu_test_apply(m, p);
    g_assert_cmpfloat_with_epsilon(cpu_test_load(m, 0), 150, 1e-9);
    g_assert_cmpfloat_with_epsilon(cpu_test_load(m, 1), 150, 1e-9);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 10), ==, 0);
    pol->state_free(state);
}

/* 8 vCPUs of 50 % paired on 4 pCPUs: exactly full, so any wobble overflows one pCPU
 * while another idles. Shared, and kept shared */
static void test_at_capacity_shares(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    for (guint p = 0; p < 4; p++) {
        g_autofree char *name = g_strdup_printf("vm%u", p);
        cpu_test_add_vm(m, name, 2, 50, (int)p);
    }
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), ==, 8);
    for (guint v = 0; v < m->vcpus->len; v++)
        g_assert_true(sova_model_vcpu(m, v)->shared);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 10), ==, 0);
    pol->state_free(state);
}

/* a shared host whose load falls goes back to pins, but only after it looked safe for
 * a few intervals in a row (each switch re-pins every vCPU), and never while its vCPUs are
 * too young to be placed */
static void test_shared_back_to_pins(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 1, 60, 1);
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), ==, 3);
    for (guint v = 0; v < m->vcpus->len; v++)
        sova_model_vcpu(m, v)->demand = 20;
    cpu_test_settle(m);
    guint rounds = 0, changes = 0;
    while (changes == 0 && rounds < 20 * SHARE_CALM) {
        changes = cpu_test_rounds(pol, state, &params, m, 1);
        rounds++;
    }
    /* SHARE_CALM calm intervals, after the 2 in which the shared vCPUs are too young to place
     * (the state has seen them 2 and 3 times: cpu_robust.h): pins that cannot be judged are not
     * calm */
    g_assert_cmpuint(rounds, ==, 2 + SHARE_CALM);
    g_assert_cmpuint(changes, ==, 3);
    for (guint v = 0; v < m->vcpus->len; v++)
        g_assert_false(sova_model_vcpu(m, v)->shared);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 10), ==, 0);
    pol->state_free(state);
}

/* three pCPUs at 120 % each lose nothing pinned; once the controller marks the VM on
 * pCPU 2 as leaving, the two that stay would overflow next to an idle pCPU: shared
 * before it goes, so its departure frees the pCPU for them at once */
static void test_leaving_vm_shares_early(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(3);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 2, 60, 1);
    guint c = cpu_test_add_vm(m, "c", 2, 60, 2);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) kept = plan(m);
    g_assert_cmpuint(sova_plan_len(kept), ==, 0);
    sova_model_vm(m, c)->leaving = TRUE;
    g_autoptr(SovaPlan) p = plan(m);
    g_assert_cmpuint(shares_in(p), ==, 6);
}

/* a VM that just arrived (no rate yet: demand 0) is not pinned blind: it stays where
 * the kernel put it until its demand is known, then it is placed */
static void test_fresh_vm_waits(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "old", 2, 40, 0);
    guint nv = cpu_test_add_vm(m, "new", 4, 40, -2);
    cpu_test_settle(m);
    const SovaVmLoad *vm = sova_model_vm(m, nv);
    for (guint i = 0; i < vm->n_vcpus; i++) {
        SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + i);
        v->fresh = TRUE;
        v->demand = v->usage = v->delay = 0;
    }
    g_autoptr(SovaPlan) p = plan(m);
    for (guint i = 0; i < vm->n_vcpus; i++)
        g_assert_null(cpu_test_find(p, "new", (int)i));
    /* the next interval it has a rate: its four vCPUs are placed, apart */
    for (guint i = 0; i < vm->n_vcpus; i++) {
        SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + i);
        v->fresh = FALSE;
        v->demand = 40;
    }
    cpu_test_settle(m);
    g_autoptr(SovaPlan) q = plan(m);
    g_assert_cmpuint(shares_in(q), ==, 0);
    cpu_test_apply(m, q);
    for (guint i = 0; i < vm->n_vcpus; i++)
        g_assert_nonnull(cpu_test_find(q, "new", (int)i));
    for (guint p2 = 0; p2 < 4; p2++)
        g_assert_cmpfloat(cpu_test_load(m, p2), <=, 100);
}

/* 24 pCPUs held by one busy vCPU each, 23 by one light one, and one by two vCPUs of 55 %:
 * 110 % beside pCPUs at 5 %. Moving one of the pair cuts the predicted spread by about a
 * point, under the gain a plan needs (min_gain), so the plan keeps the pins as they are; the
 * search's layout, with the move, loses nothing. The pins kept lose 10 % of a pCPU against
 * the kernel's scheduler (15 with the margin), more than the target: they are the layout
 * judged, and the pair shares its pCPU with a light one's (115 % on two pCPUs), and stays so
 * (cluster-hotspot-noisy-8: a pair at 108 % kept for 100 s beside pCPUs at 25 %, the
 * decision having judged moves the plan did not make) */
static void test_kept_pins_that_lose_share(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(48);
    for (guint p = 0; p < 47; p++) {
        g_autofree char *name = g_strdup_printf("%s%u", p < 24 ? "busy" : "light", p);
        cpu_test_add_vm(m, name, 1, p < 24 ? 95 : 5, (int)p);
    }
    cpu_test_add_vm(m, "pair", 2, 55, 47);
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
    for (int i = 0; i < 2; i++) {
        const SovaAction *a = cpu_test_find(p, "pair", i);
        g_assert_nonnull(a);
        g_assert_nonnull(a->to_set);
        g_assert_true(sova_cpuset_has(a->to_set, 47));
        g_assert_cmpuint(sova_cpuset_count(a->to_set), >=, 2);
    }
    for (guint q = 0; q < 24; q++) {
        g_autofree char *name = g_strdup_printf("busy%u", q);
        g_assert_null(cpu_test_find(p, name, 0));
    }
    g_assert_true(strstr(p->reason, "pins would lose") != NULL);
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 10), ==, 0);
    pol->state_free(state);
}

/* a VM that just arrived runs where the kernel puts it, unpinned, with no rate yet: its load
 * shows as non-VM load on the pCPUs it ran on (90 % beside 40 %), and moves at the kernel's
 * next choice. The pinned vCPUs do not move away from it while it waits (each interval they
 * chased it: 36 pin changes in the 3 s a migrated VM waited, cluster-hotspot-noisy-8); once it
 * has a rate it is placed, and the layout is planned as a whole */
static void test_fresh_vm_not_chased(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "old", 4, 40, 0);
    for (guint i = 0; i < 4; i++)
        sova_model_vcpu(m, i)->pinned = sova_model_vcpu(m, i)->pcpu = (int)i;
    guint nv = cpu_test_add_vm(m, "new", 2, 0, -1);
    const SovaVmLoad *vm = sova_model_vm(m, nv);
    for (guint i = 0; i < vm->n_vcpus; i++) {
        SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + i);
        v->fresh = TRUE;
        v->pcpu = (int)i;
    }
    sova_model_pcpu(m, 0)->other = sova_model_pcpu(m, 1)->other = 50;
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
    g_assert_cmpuint(sova_plan_len(p), ==, 0);
    /* the next interval it has a rate (its load is its own now): placed */
    sova_model_pcpu(m, 0)->other = sova_model_pcpu(m, 1)->other = 0;
    for (guint i = 0; i < vm->n_vcpus; i++) {
        SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + i);
        v->fresh = FALSE;
        v->demand = 50;
    }
    cpu_test_settle(m);
    g_autoptr(SovaPlan) q = pol->plan(m, &params, state);
    for (guint i = 0; i < vm->n_vcpus; i++)
        g_assert_nonnull(cpu_test_find(q, "new", (int)i));
    pol->state_free(state);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pol = sova_cpu_policy_find("balance");
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-share/loss-estimate", test_loss_estimate);
    g_test_add_func("/cpu-share/pins-that-lose-are-shared", test_pins_that_lose_are_shared);
    g_test_add_func("/cpu-share/saturated-keeps-pins", test_saturated_keeps_pins);
    g_test_add_func("/cpu-share/at-capacity-shares", test_at_capacity_shares);
    g_test_add_func("/cpu-share/shared-back-to-pins", test_shared_back_to_pins);
    g_test_add_func("/cpu-share/leaving-vm-shares-early", test_leaving_vm_shares_early);
    g_test_add_func("/cpu-share/fresh-vm-waits", test_fresh_vm_waits);
    g_test_add_func("/cpu-share/fresh-vm-not-chased", test_fresh_vm_not_chased);
    g_test_add_func("/cpu-share/kept-pins-that-lose-share", test_kept_pins_that_lose_share);
    return g_test_run();
}
