/* test_top.c — `sova top`'s host frames (cli/top_host.c) from hand-made agent records: a
 * pin seen changing between two samples is listed with the reason the previous interval's
 * plan gave for it, a change no plan predicted says so, a VF appearing is an attach; the
 * frame shows the vCPUs' placement, demand and delay and the next plan. */
#include "cli/top.h"
#include <string.h>

#define UUID1 "00000000-0000-0000-0000-000000000001"

/* a snapshot of one VM "web" with 2 vCPUs pinned to pin0 and pin1; with_vf: it holds a VF */
static SovaSnapshot *snap(int pin0, int pin1, gboolean with_vf)
{
    SovaSnapshot *s = sova_snapshot_new(2);
    SovaVmSample *vm = sova_snapshot_add_vm(s, UUID1, "web", 2);
    int pins[] = { pin0, pin1 };
    for (guint k = 0; k < 2; k++) {
        SovaVcpuSample *v = sova_vm_vcpu(vm, k);
        v->pcpu = pins[k];
        v->affinity = sova_cpuset_new(2);
        sova_cpuset_add(v->affinity, pins[k]);
    }
    sova_vm_add_nic(vm, "ua-sova-net0", "52:54:00:00:00:01", "vnet0", SOVA_NIC_STANDBY);
    if (with_vf)
        sova_vm_add_nic(vm, "ua-sova-vf0", "52:54:00:00:00:01", NULL, SOVA_NIC_VF);
    return s;
}

static void test_changes(void)
{
    SovaTopHost t;
    sova_top_host_init(&t);
    g_autoptr(SovaModel) m = sova_model_new(2);
    m->interval_s = 1;
    SovaVmLoad *vm = sova_model_add_vm(m, UUID1, "web", 2);
    sova_model_vcpu(m, vm->first_vcpu)->demand = 62.5;
    sova_model_vcpu(m, vm->first_vcpu)->delay = 12.5;

    /* interval 1: nothing changed yet; the plan moves vCPU 0 to pCPU 1 */
    g_autoptr(SovaSnapshot) s0 = snap(0, 0, FALSE);
    g_autoptr(SovaSnapshot) s1 = snap(0, 0, FALSE);
    g_autoptr(SovaPlan) p1 = sova_plan_new();
    sova_plan_add_pin(p1, UUID1, "web", 0, 0, 1, "pCPU 0 at 100%% vs mean 50%%: move to pCPU 1");
    sova_plan_set_reason(p1, "stddev 50.0 > 5.0: 1 vCPUs move");
    SovaAgentInterval iv = { .number = 1, .snapshot = s1, .prev = s0, .model = m, .plan = p1 };
    sova_top_host_note(&t, &iv, "12:00:01");
    g_assert_cmpuint(t.history->len, ==, 0);

    /* interval 2: vCPU 0 went to pCPU 1 (planned), vCPU 1 too (not planned), a VF arrived */
    g_autoptr(SovaSnapshot) s2 = snap(1, 1, TRUE);
    g_autoptr(SovaPlan) p2 = sova_plan_new();
    sova_plan_set_reason(p2, "balanced: stddev 0.0 <= 5.0");
    iv = (SovaAgentInterval){ .number = 2, .snapshot = s2, .prev = s1, .model = m, .plan = p2 };
    sova_top_host_note(&t, &iv, "12:00:02");
    g_assert_cmpuint(t.history->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(t.history, 0), ==,
                    "12:00:02 pin web vcpu 0: 0 -> 1 (pCPU 0 at 100% vs mean 50%: move to pCPU 1)");
    g_assert_cmpstr(g_ptr_array_index(t.history, 1), ==,
                    "12:00:02 pin web vcpu 1: 0 -> 1 (not planned here: another agent or by hand)");
    g_assert_cmpstr(g_ptr_array_index(t.history, 2), ==, "12:00:02 attach-vf web (not planned here)");

    g_autoptr(GString) f = g_string_new(NULL);
    sova_top_host_frame(f, &t, &iv, "test:///x", "balance", "12:00:02");
    g_assert_nonnull(strstr(f->str, "\nweb                     0     1  1                0.0%   62.5%   12.5%\n"));
    g_assert_nonnull(strstr(f->str, "\nweb                  vf "));
    g_assert_nonnull(strstr(f->str, "(VF pool 0, in use 1)"));
    g_assert_nonnull(strstr(f->str, "\nnext (cpu, policy balance): balanced: stddev 0.0 <= 5.0\n"));
    g_assert_nonnull(strstr(f->str, "\n  12:00:02 attach-vf web (not planned here)\n"));

    /* the history keeps the last SOVA_TOP_HISTORY changes */
    for (guint i = 0; i < SOVA_TOP_HISTORY; i++) {
        g_autoptr(SovaSnapshot) a = snap(i % 2, 0, TRUE), b = snap((i + 1) % 2, 0, TRUE);
        iv = (SovaAgentInterval){ .snapshot = b, .prev = a, .model = m, .plan = p2 };
        sova_top_host_note(&t, &iv, "12:00:03");
    }
    g_assert_cmpuint(t.history->len, ==, SOVA_TOP_HISTORY);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(t.history, 0), "12:00:03"));
    sova_top_host_clear(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/top/host-changes", test_changes);
    return g_test_run();
}
