/* test_cpu_takeover.c — the take-over release (policy/cpu_takeover.h) on hand-made first
 * snapshots: which vCPUs it hands to the kernel, which it leaves (no idle pCPU, sova's own
 * pins, VMs sova does not manage, reserved pCPUs), and when the host is then sova's shared
 * host; and balance's take-over hook, whose shared host waits to be calm before pins. */
#include "policy/cpu_takeover.h"
#include "policy/cpu_policy.h"
#include <string.h>

/* VM `name` with one vCPU per entry of pins: >= 0 pinned there, -1 unpinned (every pCPU) */
static SovaVmSample *add_vm(SovaSnapshot *s, const char *name, const int *pins, guint n)
{
    char uuid[SOVA_UUID_LEN];
    g_snprintf(uuid, sizeof uuid, "00000000-0000-0000-0000-%012u", s->vms->len + 1);
    SovaVmSample *vm = sova_snapshot_add_vm(s, uuid, name, n);
    vm->state = SOVA_VM_RUNNING;
    for (guint k = 0; k < n; k++) {
        SovaVcpuSample *v = sova_vm_vcpu(vm, k);
        v->affinity = sova_cpuset_new(s->n_pcpus);
        for (guint p = 0; p < s->n_pcpus; p++)
            if (pins[k] < 0 || (guint)pins[k] == p)
                sova_cpuset_add(v->affinity, p);
        v->pcpu = pins[k] < 0 ? 0 : pins[k];
    }
    return vm;
}

/* n one-vCPU VMs "v0".. pinned as pins says */
static SovaSnapshot *host(guint n_pcpus, const int *pins, guint n)
{
    SovaSnapshot *s = sova_snapshot_new(n_pcpus);
    for (guint i = 0; i < n; i++) {
        char name[16];
        g_snprintf(name, sizeof name, "v%u", i);
        add_vm(s, name, &pins[i], 1);
    }
    return s;
}

static const SovaCpuTakeoverParams none = { 0 };

/* the plan shares vm `name`'s vCPU 0 over exactly `set` */
static gboolean shares(const SovaPlan *p, const char *name, const char *set)
{
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        if (strcmp(a->vm_name, name) == 0 && a->vcpu == 0 && a->to_set) {
            g_autofree char *text = sova_cpuset_format(a->to_set);
            return strcmp(text, set) == 0;
        }
    }
    return FALSE;
}

/* 8 vCPUs pinned to pCPU 0 of 4: all eight shared over 0-3, and the host is sova's shared one */
static void test_all_on_one(void)
{
    int pins[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    g_autoptr(SovaSnapshot) s = host(4, pins, 8);
    gboolean shared = FALSE;
    g_autoptr(SovaPlan) p = sova_cpu_takeover_plan(s, &none, &shared);
    g_assert_cmpuint(sova_plan_len(p), ==, 8);
    for (guint i = 0; i < 8; i++) {
        char name[16];
        g_snprintf(name, sizeof name, "v%u", i);
        g_assert_true(shares(p, name, "0-3"));
        g_assert_cmpint(sova_plan_action(p, i)->from_pcpu, ==, 0);
    }
    g_assert_true(shared);
    g_assert_nonnull(strstr(sova_plan_action(p, 0)->reason, "idle pCPUs 1-3"));
}

/* 0,0,1,2 on 4 pCPUs: the pair on pCPU 0 goes to the kernel (pCPU 3 idles), the lone pins
 * stay; the host is then not shared (pins remain) */
static void test_only_the_stacked(void)
{
    int pins[] = { 0, 0, 1, 2 };
    g_autoptr(SovaSnapshot) s = host(4, pins, 4);
    gboolean shared = TRUE;
    g_autoptr(SovaPlan) p = sova_cpu_takeover_plan(s, &none, &shared);
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
    g_assert_true(shares(p, "v0", "0-3"));
    g_assert_true(shares(p, "v1", "0-3"));
    g_assert_false(shared);
}

/* crowded but no pCPU idle (0,0,0,1,2,3): only a measurement can tell whether that serves its
 * vCPUs, so nothing; nor with an unpinned vCPU, which may run on every pCPU */
static void test_no_idle_pcpu(void)
{
    int pins[] = { 0, 0, 0, 1, 2, 3 };
    g_autoptr(SovaSnapshot) s = host(4, pins, 6);
    g_autoptr(SovaPlan) p = sova_cpu_takeover_plan(s, &none, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 0);
    int pins2[] = { 0, 0, 0, -1 };
    g_autoptr(SovaSnapshot) s2 = host(4, pins2, 4);
    g_autoptr(SovaPlan) p2 = sova_cpu_takeover_plan(s2, &none, NULL);
    g_assert_cmpuint(sova_plan_len(p2), ==, 0);
}

/* a set of pCPUs: 3 vCPUs confined to 0-1 beside idle 2-3 are stacked; 2 on 0-1 are not */
static void test_pin_sets(void)
{
    g_autoptr(SovaSnapshot) s = sova_snapshot_new(4);
    int pair[] = { 0, 1 };
    for (guint i = 0; i < 3; i++) {
        SovaVmSample *vm = add_vm(s, i == 0 ? "a" : i == 1 ? "b" : "c", pair, 1);
        sova_cpuset_add(sova_vm_vcpu(vm, 0)->affinity, 1);   /* 0-1 */
    }
    g_autoptr(SovaPlan) p = sova_cpu_takeover_plan(s, &none, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 3);
    g_assert_true(shares(p, "a", "0-3"));
    g_ptr_array_remove_index(s->vms, 2);
    g_autoptr(SovaPlan) two = sova_cpu_takeover_plan(s, &none, NULL);
    g_assert_cmpuint(sova_plan_len(two), ==, 0);
}

/* pins sova made (the VMs carry its CPU summary: an agent restarted over its own layout) stay,
 * and so do VMs it does not manage or that are leaving; they still count where they run */
static void test_leaves_alone(void)
{
    int pins[] = { 0, 0, 0, 1 };
    g_autoptr(SovaSnapshot) s = host(4, pins, 4);
    for (guint i = 0; i < 4; i++)
        ((SovaVmSample *)g_ptr_array_index(s->vms, i))->cpu_summary.has = TRUE;
    gboolean shared = TRUE;
    g_autoptr(SovaPlan) own = sova_cpu_takeover_plan(s, &none, &shared);
    g_assert_cmpuint(sova_plan_len(own), ==, 0);
    g_assert_false(shared);
    ((SovaVmSample *)g_ptr_array_index(s->vms, 0))->cpu_summary.has = FALSE;
    ((SovaVmSample *)g_ptr_array_index(s->vms, 0))->cpu_manual = TRUE;
    ((SovaVmSample *)g_ptr_array_index(s->vms, 1))->cpu_summary.has = FALSE;
    ((SovaVmSample *)g_ptr_array_index(s->vms, 1))->leaving = TRUE;
    ((SovaVmSample *)g_ptr_array_index(s->vms, 2))->cpu_summary.has = FALSE;
    const char *exclude[] = { "v2", NULL };
    SovaCpuTakeoverParams ex = { .exclude = exclude };
    g_autoptr(SovaPlan) others = sova_cpu_takeover_plan(s, &ex, NULL);
    g_assert_cmpuint(sova_plan_len(others), ==, 0);
    /* without the exclusion, v2 goes; v0 (manual) and v1 (leaving) still crowd pCPU 0 */
    g_autoptr(SovaPlan) v2 = sova_cpu_takeover_plan(s, &none, NULL);
    g_assert_cmpuint(sova_plan_len(v2), ==, 1);
    g_assert_true(shares(v2, "v2", "0-3"));
}

/* reserved pCPUs are neither idle nor shared to: 0,0 on 4 pCPUs with 2-3 reserved shares over
 * 0-1 (pCPU 1 idles); with 1-3 reserved, pCPU 0 is all there is: nothing */
static void test_reserved(void)
{
    int pins[] = { 0, 0 };
    g_autoptr(SovaSnapshot) s = host(4, pins, 2);
    g_autoptr(SovaCpuSet) r = sova_cpuset_parse("2-3", 4, NULL);
    SovaCpuTakeoverParams rp = { .reserved = r };
    g_autoptr(SovaPlan) p = sova_cpu_takeover_plan(s, &rp, NULL);
    g_assert_cmpuint(sova_plan_len(p), ==, 2);
    g_assert_true(shares(p, "v0", "0-1"));
    g_autoptr(SovaCpuSet) r3 = sova_cpuset_parse("1-3", 4, NULL);
    rp.reserved = r3;
    g_autoptr(SovaPlan) none3 = sova_cpu_takeover_plan(s, &rp, NULL);
    g_assert_cmpuint(sova_plan_len(none3), ==, 0);
}

/* a host the kernel shares at start (nothing pinned, a fresh install) is not sova's shared
 * host; the same host whose VMs all carry sova's summary is (an agent before shared it) */
static void test_shared_host_whose(void)
{
    int pins[] = { -1, -1, -1 };
    g_autoptr(SovaSnapshot) s = host(2, pins, 3);
    gboolean shared = TRUE;
    g_autoptr(SovaPlan) fresh = sova_cpu_takeover_plan(s, &none, &shared);
    g_assert_cmpuint(sova_plan_len(fresh), ==, 0);
    g_assert_false(shared);
    for (guint i = 0; i < 3; i++)
        ((SovaVmSample *)g_ptr_array_index(s->vms, i))->cpu_summary.has = TRUE;
    g_autoptr(SovaPlan) again = sova_cpu_takeover_plan(s, &none, &shared);
    g_assert_cmpuint(sova_plan_len(again), ==, 0);
    g_assert_true(shared);
}

/* only balance takes over: zigzag stays the seed's algorithm, lpt the classic baseline */
static void test_which_policies(void)
{
    g_assert_nonnull(sova_cpu_policy_find("balance")->takeover);
    g_assert_null(sova_cpu_policy_find("zigzag")->takeover);
    g_assert_null(sova_cpu_policy_find("lpt")->takeover);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-takeover/all-on-one", test_all_on_one);
    g_test_add_func("/cpu-takeover/only-the-stacked", test_only_the_stacked);
    g_test_add_func("/cpu-takeover/no-idle-pcpu", test_no_idle_pcpu);
    g_test_add_func("/cpu-takeover/pin-sets", test_pin_sets);
    g_test_add_func("/cpu-takeover/leaves-alone", test_leaves_alone);
    g_test_add_func("/cpu-takeover/reserved", test_reserved);
    g_test_add_func("/cpu-takeover/shared-host-whose", test_shared_host_whose);
    g_test_add_func("/cpu-takeover/which-policies", test_which_policies);
    return g_test_run();
}
