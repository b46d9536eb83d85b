/* test_cpu_group.c — `balance`'s shared pin sets and SMT placement (cpu_group.h, cpu_smt.h):
 * vCPUs that one-pCPU pins cannot serve share a group of pCPUs while the rest stays pinned,
 * the group stays once made, a group that would take half a NUMA cell takes all of it, busy
 * vCPUs doubled up on one core's threads are swapped onto cores with room, and a light vCPU
 * pinned beside a busy sibling thread counts as served worse than under the kernel
 * (cpu_service.h); load moving out of a NUMA cell moves whole VMs (cpu_numa.h). */
#include "cpu_test_util.h"
#include "policy/cpu_group.h"
#include "policy/cpu_share.h"
#include "policy/cpu_search.h"
#include "policy/cpu_smt.h"
#include "policy/cpu_service.h"
#include <string.h>

static const SovaCpuPolicy *pol;
static SovaCpuPolicyParams params;

/* 8 pCPUs: three vCPUs at 60 on pCPUs 0, 0, 1 (pCPU 0 at 120 loses 20 points pinned) and one
 * at 80 on each of pCPUs 2-7. No move or swap helps (60 to pCPU 1 leaves 120 there; to any
 * other pCPU, 140), the kernel would give every vCPU all it wants (mean 82.5 %). */
static SovaModel *crowded_pair(void)
{
    SovaModel *m = cpu_test_host(8);
    cpu_test_add_vm(m, "a1", 1, 60, 0);
    cpu_test_add_vm(m, "a2", 1, 60, 0);
    cpu_test_add_vm(m, "a3", 1, 60, 1);
    for (guint p = 2; p < 8; p++) {
        g_autofree char *name = g_strdup_printf("b%u", p);
        cpu_test_add_vm(m, name, 1, 80, (int)p);
    }
    cpu_test_settle(m);
    return m;
}

static void test_find(void)
{
    g_autoptr(SovaModel) m = crowded_pair();
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, TRUE, &before);
    g_assert_cmpfloat(b->load[0], ==, 120);   /* the search cannot help */
    g_autoptr(SovaCpuSet) g = cpu_group_find(b, 5, 82.5);
    g_autofree char *text = sova_cpuset_format(g);
    g_assert_cmpstr(text, ==, "0-1");         /* hot pCPU 0, then the least loaded, pCPU 1 */
    /* nothing hot: no group */
    g_autoptr(SovaModel) calm = cpu_test_host(4);
    cpu_test_add_vm(calm, "x", 1, 90, 0);
    cpu_test_add_vm(calm, "y", 1, 90, 1);
    cpu_test_settle(calm);
    g_autoptr(Balancer) c = cpu_search_run(calm, &params, TRUE, &before);
    g_assert_null(cpu_group_find(c, 5, 45));
}

/* 8 pCPUs: nine vCPUs at 90 share pCPUs 0-5 (mean 135), two more at 90 pinned to pCPUs 6 and
 * 7. The kernel's level is 123.75; with a margin of 12 the set is within the margin of it,
 * but it is over 100 while pCPUs 6 and 7 idle 10 points each: pinned apart they lose what
 * the kernel would run there, so the set takes them (diurnal cluster hosts: a set of 12 of
 * 16 pCPUs at 142 % beside 4 pinned at 85-90 % cost 0.6 of a pCPU every second) */
static void test_extend_spills(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(8);
    g_autoptr(SovaCpuSet) set = sova_cpuset_new(8);
    for (guint p = 0; p < 6; p++)
        sova_cpuset_add(set, p);
    for (guint i = 0; i < 9; i++) {
        g_autofree char *name = g_strdup_printf("s%u", i);
        cpu_test_add_vm(m, name, 1, 90, (int)(i % 6));
    }
    cpu_test_add_vm(m, "r6", 1, 90, 6);
    cpu_test_add_vm(m, "r7", 1, 90, 7);
    cpu_test_settle(m);
    for (guint i = 0; i < 9; i++) {
        SovaVcpuLoad *vc = sova_model_vcpu(m, i);
        vc->pinned = -1;
        vc->set = sova_cpuset_copy(set);
    }
    g_assert_cmpfloat_with_epsilon(sova_cpu_cfs_level(m, NULL), 123.75, 1e-9);
    double before;
    g_autoptr(Balancer) b = cpu_search_run_frozen(m, &params, NULL, NULL, set, TRUE, &before);
    g_autoptr(SovaCpuSet) more = cpu_group_extend(b, 12, 123.75);
    g_assert_nonnull(more);
    g_autofree char *text = sova_cpuset_format(more);
    g_assert_cmpstr(text, ==, "0-7");
    /* the pinned ones full: nothing to spill onto, and within the margin: the set stays */
    sova_model_vcpu(m, 9)->demand = sova_model_vcpu(m, 10)->demand = 100;
    cpu_test_settle(m);
    g_autoptr(Balancer) full = cpu_search_run_frozen(m, &params, NULL, NULL, set, TRUE, &before);
    g_assert_null(cpu_group_extend(full, 12, sova_cpu_cfs_level(m, NULL)));
}

/* a group that takes half of a cell takes all of it */
static void test_find_rounds_to_cells(void)
{
    g_autoptr(SovaModel) m = crowded_pair();
    for (guint p = 0; p < 8; p++)
        sova_model_pcpu(m, p)->cell = p < 4 ? 0 : 1;   /* cells of 4: {0, 1} is half of cell 0 */
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, FALSE, &before);
    g_autoptr(SovaCpuSet) g = cpu_group_find(b, 5, 82.5);
    g_autofree char *text = sova_cpuset_format(g);
    g_assert_cmpstr(text, ==, "0-3");
}

/* the policy shares the three crowded vCPUs over pCPUs 0-1, pins nothing else, and then
 * leaves the set alone interval after interval */
static void test_policy_partial_share(void)
{
    g_autoptr(SovaModel) m = crowded_pair();
    gpointer state = pol->state_new();
    g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        g_assert_nonnull(a->to_set);
        g_autofree char *set = sova_cpuset_format(a->to_set);
        g_assert_cmpstr(set, ==, "0-1");
        g_assert_true(g_str_has_prefix(a->vm_name, "a"));
    }
    g_assert_true(strstr(p->reason, "3 vCPUs share pCPUs 0-1, the others stay pinned") != NULL);
    cpu_test_apply(m, p);
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        g_assert_false(vc->shared);              /* a set, not the whole host */
        g_assert_true((vc->set != NULL) == (vc->pinned < 0));
    }
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 10), ==, 0);
    pol->state_free(state);
}


/* the overcommit ends: after the three crowded vCPUs share pCPUs 0-1, a3 goes idle. One-pCPU
 * pins serve everyone again (60 on each of pCPUs 0, 1 and a3's 2 beside one of them), but the
 * set stays until that has held SHARE_CALM intervals in a row (it must not flap), then goes
 * back to exclusive pins, and nothing moves after */
static void test_policy_set_gives_way(void)
{
    g_autoptr(SovaModel) m = crowded_pair();
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), ==, 3);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 5), ==, 0);
    sova_model_vcpu(m, cpu_test_vcpu_of(m, "a3"))->demand = 2;
    cpu_test_settle(m);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, SHARE_CALM - 1), ==, 0);
    g_assert_nonnull(sova_model_vcpu(m, cpu_test_vcpu_of(m, "a1"))->set);
    guint back = cpu_test_rounds(pol, state, &params, m, 2);
    g_assert_cmpuint(back, >=, 3);
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        g_assert_null(vc->set);
        g_assert_cmpint(vc->pinned, >=, 0);
        g_assert_cmpfloat(cpu_test_load(m, (guint)vc->pinned), <=, 100);
    }
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 20), ==, 0);
    pol->state_free(state);
}


/* the shared set of pCPUs (from a group that grew) shrinks again when demand falls: a3 at 90
 * overloads the set 0-1 (210 on 2 pCPUs), which grows by the least loaded pCPUs of the rest
 * (0-3: the b's there join it); when a3 is back at 60 a set of 2 pCPUs would do, and after
 * SHARE_CALM intervals in a row (not before) the set shrinks to it: the vCPUs placed on its
 * pCPUs share it, the others are pinned one per pCPU, every pCPU at most 100 */
static void test_policy_set_shrinks(void)
{
    g_autoptr(SovaModel) m = crowded_pair();
    gpointer state = pol->state_new();
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), ==, 3);
    sova_model_vcpu(m, cpu_test_vcpu_of(m, "a3"))->demand = 90;
    cpu_test_settle(m);
    cpu_test_rounds(pol, state, &params, m, 5);
    const SovaCpuSet *grown = sova_model_vcpu(m, cpu_test_vcpu_of(m, "a1"))->set;
    g_assert_nonnull(grown);
    g_autofree char *big = sova_cpuset_format(grown);
    g_assert_cmpstr(big, ==, "0-3");
    sova_model_vcpu(m, cpu_test_vcpu_of(m, "a3"))->demand = 60;
    cpu_test_settle(m);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, SHARE_CALM - 1), ==, 0);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 1), >, 0);
    guint in_set = 0;
    const SovaCpuSet *small = NULL;
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        if (vc->set) {
            in_set++;
            g_assert_true(!small || sova_cpuset_equal(small, vc->set));
            small = vc->set;
        } else {
            g_assert_cmpfloat(cpu_test_load(m, (guint)vc->pinned), <=, 100);
        }
    }
    g_assert_nonnull(small);
    g_assert_cmpuint(sova_cpuset_count(small), ==, 2);
    g_assert_cmpuint(in_set, <=, 3);
    g_assert_cmpuint(cpu_test_rounds(pol, state, &params, m, 2 * SHARE_CALM), ==, 0);
    pol->state_free(state);
}

static SovaModel *smt_host(guint n)
{
    SovaModel *m = cpu_test_host(n);
    for (guint p = 0; p < n; p++) {
        sova_model_pcpu(m, p)->socket = 0;
        sova_model_pcpu(m, p)->core = (int)p / 2;
    }
    return m;
}

/* 6 pCPUs as 3 cores of 2 threads: busy vCPUs on pCPUs 0, 1 (both threads of core 0) and 2,
 * core 2 idle. Every busy vCPU has a pCPU of its own (no move evens anything), yet the busy
 * pair overlaps 90 points: one of them moves to the idle core, once */
static void test_smt_spread(void)
{
    g_autoptr(SovaModel) m = smt_host(6);
    cpu_test_add_vm(m, "busy1", 1, 95, 0);
    cpu_test_add_vm(m, "busy2", 1, 95, 1);
    cpu_test_add_vm(m, "busy3", 1, 95, 2);
    cpu_test_settle(m);
    g_autoptr(SovaPlan) p = pol->plan(m, &params, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 1);
    g_assert_true(strstr(p->reason, "1 vCPUs swapped onto cores with room") != NULL);
    g_assert_true(strstr(sova_plan_action(p, 0)->reason, "shares its core with a busy thread") != NULL);
    cpu_test_apply(m, p);
    guint busy_core[3] = { 0, 0, 0 };
    for (guint v = 0; v < m->vcpus->len; v++)
        busy_core[sova_model_vcpu(m, v)->pinned / 2]++;
    g_assert_cmpuint(busy_core[0], ==, 1);
    g_assert_cmpuint(busy_core[1], ==, 1);
    g_assert_cmpuint(busy_core[2], ==, 1);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 10), ==, 0);
    /* without SMT (every pCPU its own core) nothing moves */
    g_autoptr(SovaModel) flat = cpu_test_host(6);
    cpu_test_add_vm(flat, "busy1", 1, 95, 0);
    cpu_test_add_vm(flat, "busy2", 1, 95, 1);
    cpu_test_add_vm(flat, "busy3", 1, 95, 2);
    cpu_test_settle(flat);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, flat, 3), ==, 0);
}

/* busy vCPUs on separate cores, but each beside a light one (15 %): pinned, a light vCPU
 * pays its core's overlap alone (10 points of its 15), where the kernel spreads the overlap
 * over every task; the host is shared. With every pCPU its own core the same pins are fair */
static void test_smt_light_beside_busy(void)
{
    const char *names[] = { "busy1", "light1", "busy2", "light2" };
    double demand[] = { 95, 15, 95, 15 };
    g_autoptr(SovaModel) m = smt_host(4);
    g_autoptr(SovaModel) flat = cpu_test_host(4);
    for (guint p = 0; p < 4; p++) {
        cpu_test_add_vm(m, names[p], 1, demand[p], (int)p);
        cpu_test_add_vm(flat, names[p], 1, demand[p], (int)p);
    }
    cpu_test_settle(m);
    cpu_test_settle(flat);
    g_autoptr(SovaPlan) p = pol->plan(m, &params, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 4);
    g_assert_nonnull(sova_plan_action(p, 0)->to_set);
    g_assert_true(strstr(p->reason, "pins would give light1") != NULL);
    g_autoptr(SovaPlan) q = pol->plan(flat, &params, NULL);
    g_assert_cmpuint(sova_plan_len(q), ==, 0);
}

/* every thread busy: no swap helps, none is made */
static void test_smt_saturated(void)
{
    g_autoptr(SovaModel) m = smt_host(4);
    for (guint p = 0; p < 4; p++) {
        g_autofree char *name = g_strdup_printf("busy%u", p);
        cpu_test_add_vm(m, name, 1, 95, (int)p);
    }
    cpu_test_settle(m);
    double before;
    g_autoptr(Balancer) b = cpu_search_run(m, &params, TRUE, &before);
    g_assert_cmpuint(cpu_smt_spread(b), ==, 0);
}

/* pinned, a vCPU whose demand swings every interval (10 / 60 %) beside a steady one (20 %),
 * the other pCPUs at 80 %: no pCPU is overloaded, no VM short, and no move evens the loads
 * better, but the pin is right for one interval at a time. Once the swing is known
 * (cpu_robust.h) the host is shared, once, and stays so; the same vCPU alone on its pCPU
 * (steady on a pCPU of its own, the others at 60 %) keeps its pin, and so does one whose
 * demand swings by less than ROBUST_SWING (25 / 55 %: fast, but not shared) */
static void swing(SovaModel *m, guint i, double low, double high)
{
    SovaVcpuLoad *vc = sova_model_vcpu(m, 0);
    vc->usage = vc->demand = i % 2 ? high : low;
    vc->delay = 0;
}

static guint fast_case(gboolean alone, double low, double high, guint *pins)
{
    g_autoptr(SovaModel) m = cpu_test_host(4);
    cpu_test_add_vm(m, "duty", 1, low, 0);
    cpu_test_add_vm(m, "steady", 1, 20, alone ? 3 : 0);
    cpu_test_add_vm(m, "b1", 1, alone ? 60 : 80, 1);
    cpu_test_add_vm(m, "b2", 1, alone ? 60 : 80, 2);
    cpu_test_add_vm(m, "b3", 1, alone ? 0 : 80, 3);
    cpu_test_settle(m);
    gpointer state = pol->state_new();
    guint shares = 0;
    *pins = 0;
    for (guint i = 0; i < 20; i++) {
        swing(m, i, low, high);
        g_autoptr(SovaPlan) p = pol->plan(m, &params, state);
        for (guint k = 0; k < sova_plan_len(p); k++)
            *(sova_plan_action(p, k)->to_set ? &shares : pins) += 1;
        cpu_test_apply(m, p);
    }
    pol->state_free(state);
    return shares;
}

static void test_fast_shares(void)
{
    guint pins;
    g_assert_cmpuint(fast_case(FALSE, 10, 60, &pins), ==, 5);
    g_assert_cmpuint(pins, ==, 0);
    g_assert_cmpuint(fast_case(TRUE, 10, 60, &pins), ==, 0);
    g_assert_cmpuint(pins, ==, 0);
    g_assert_cmpuint(fast_case(FALSE, 25, 55, &pins), ==, 0);
    g_assert_cmpuint(pins, ==, 0);
}

/* 2 cells of 4 pCPUs: A (4 vCPUs at 100) on pCPUs 0-3 and B (2 at 30) on pCPUs 0-1 overload
 * cell 0 by 60 points while cell 1 idles. The VM that covers the excess with the fewest
 * vCPUs, B, moves whole to cell 1; A stays where it is (vCPU by vCPU, the search would move
 * two of A's) */
static void test_numa_whole_vm(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(8);
    for (guint p = 0; p < 8; p++)
        sova_model_pcpu(m, p)->cell = p < 4 ? 0 : 1;
    guint a = cpu_test_add_vm(m, "A", 4, 100, 0);
    guint b = cpu_test_add_vm(m, "B", 2, 30, 0);
    for (guint i = 0; i < 4; i++) {
        SovaVcpuLoad *vc = sova_model_vcpu(m, sova_model_vm(m, a)->first_vcpu + i);
        vc->pinned = vc->pcpu = (int)i;
    }
    sova_model_vcpu(m, sova_model_vm(m, b)->first_vcpu + 1)->pinned = 1;
    sova_model_vcpu(m, sova_model_vm(m, b)->first_vcpu + 1)->pcpu = 1;
    cpu_test_settle(m);
    sova_model_vm(m, a)->cell = sova_model_vm(m, b)->cell = 0;
    g_autoptr(SovaPlan) p = pol->plan(m, &params, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
    for (guint i = 0; i < 2; i++) {
        const SovaAction *act = sova_plan_action(p, i);
        g_assert_cmpstr(act->vm_name, ==, "B");
        g_assert_cmpint(act->to_pcpu, >=, 4);
    }
    cpu_test_apply(m, p);
    g_assert_cmpuint(cpu_test_rounds(pol, NULL, &params, m, 5), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pol = sova_cpu_policy_find("balance");
    params = SOVA_CPU_PARAMS_DEFAULT;
    g_test_add_func("/cpu-group/find", test_find);
    g_test_add_func("/cpu-group/find-rounds-to-cells", test_find_rounds_to_cells);
    g_test_add_func("/cpu-group/extend-spills", test_extend_spills);
    g_test_add_func("/cpu-group/policy-partial-share", test_policy_partial_share);
    g_test_add_func("/cpu-group/policy-set-gives-way", test_policy_set_gives_way);
    g_test_add_func("/cpu-group/policy-set-shrinks", test_policy_set_shrinks);
    g_test_add_func("/cpu-group/smt-spread", test_smt_spread);
    g_test_add_func("/cpu-group/smt-saturated", test_smt_saturated);
    g_test_add_func("/cpu-group/smt-light-beside-busy", test_smt_light_beside_busy);
    g_test_add_func("/cpu-group/fast-shares", test_fast_shares);
    g_test_add_func("/cpu-group/numa-whole-vm", test_numa_whole_vm);
    return g_test_run();
}
