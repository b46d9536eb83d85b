/* test_model.c — rates and demand from two snapshots: arithmetic, counter
 * resets, VMs that appear, vanish or restart, exclusions, EWMA; a pin set's members' time
 * spread over its pCPUs. */
#include "model/model.h"
#include <math.h>

#define S(x) ((guint64)((x) * 1e9))  /* seconds -> ns */
#define UUID_A "00000000-0000-0000-0000-00000000000a"
#define UUID_B "00000000-0000-0000-0000-00000000000b"

/* a 2-pCPU host at time t seconds with cumulative busy/idle seconds */
static SovaSnapshot *host(double t, double busy0, double busy1)
{
    SovaSnapshot *s = sova_snapshot_new(2);
    s->time_us = (gint64)(t * 1e6);
    sova_snapshot_pcpu(s, 0)->busy_ns = S(busy0);
    sova_snapshot_pcpu(s, 0)->idle_ns = S(t - busy0);
    sova_snapshot_pcpu(s, 1)->busy_ns = S(busy1);
    sova_snapshot_pcpu(s, 1)->idle_ns = S(t - busy1);
    return s;
}

static SovaVmSample *vm1(SovaSnapshot *s, const char *uuid, const char *name, double time,
                         double delay, int pin)
{
    SovaVmSample *vm = sova_snapshot_add_vm(s, uuid, name, 1);
    SovaVcpuSample *v = sova_vm_vcpu(vm, 0);
    vm->cpu_time_ns = S(time);
    v->time_ns = S(time);
    v->delay_ns = S(delay);
    v->has_delay = TRUE;
    v->pcpu = pin;
    v->affinity = sova_cpuset_new(2);
    if (pin >= 0)
        sova_cpuset_add(v->affinity, pin);
    else {
        sova_cpuset_add(v->affinity, 0);
        sova_cpuset_add(v->affinity, 1);
        v->pcpu = 1;
    }
    return vm;
}

static void test_rates(void)
{
    g_autoptr(SovaSnapshot) a = host(10, 2, 1);
    g_autoptr(SovaSnapshot) b = host(12, 4, 1.5);   /* pCPU0 100 %, pCPU1 25 % */
    vm1(a, UUID_A, "a", 5, 1, 0);
    vm1(b, UUID_A, "a", 6.5, 1.4, 0);                 /* 75 % running, 20 % waiting */
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    g_assert_cmpfloat_with_epsilon(m->interval_s, 2.0, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 0)->util, 100, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 1)->util, 25, 1e-6);
    const SovaVcpuLoad *v = sova_model_vcpu(m, 0);
    g_assert_false(v->fresh);
    g_assert_cmpfloat_with_epsilon(v->usage, 75, 1e-6);
    g_assert_cmpfloat_with_epsilon(v->delay, 20, 1e-6);
    g_assert_cmpfloat_with_epsilon(v->demand, 95, 1e-6);
    g_assert_cmpint(v->pinned, ==, 0);
    g_assert_cmpint(v->pcpu, ==, 0);
    /* pCPU0: 100 % busy, 75 % of it is the vCPU -> 25 % other load */
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 0)->other, 25, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 1)->other, 25, 1e-6);
    double mean, sd = sova_model_util_stddev(m, &mean);
    g_assert_cmpfloat_with_epsilon(mean, 62.5, 1e-6);
    g_assert_cmpfloat_with_epsilon(sd, 37.5, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 0)->pinned_util, 75, 1e-6);
    g_assert_cmpint(m->stale_pcpu, ==, -1);       /* consistent: 75 % pinned on a 100 % pCPU */
}

/* the snapshot says the vCPU is pinned to pCPU1, but pCPU1 was idle while the vCPU ran
 * flat out: someone re-pinned it (to pCPU0) and the reported pins are stale */
static void test_stale_placement(void)
{
    g_autoptr(SovaSnapshot) a = host(0, 0, 0);
    g_autoptr(SovaSnapshot) b = host(1, 1, 0.02);
    vm1(a, UUID_A, "a", 0, 0, 1);
    vm1(b, UUID_A, "a", 1, 0, 1);
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    g_assert_cmpint(m->stale_pcpu, ==, 1);
    /* within the sampling slack it is not stale */
    g_autoptr(SovaSnapshot) c = host(1, 0.3, 0.8);
    vm1(c, UUID_A, "a", 1, 0, 1);
    g_autoptr(SovaModel) m2 = sova_model_build(a, c, NULL, NULL);
    g_assert_cmpint(m2->stale_pcpu, ==, -1);
}

static void test_unpinned_attributed_where_it_ran(void)
{
    g_autoptr(SovaSnapshot) a = host(0, 0, 0);
    g_autoptr(SovaSnapshot) b = host(1, 0.2, 0.6);
    vm1(a, UUID_A, "a", 0, 0, -1);
    vm1(b, UUID_A, "a", 0.5, 0, -1);                  /* unpinned, last ran on pCPU1 */
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    const SovaVcpuLoad *v = sova_model_vcpu(m, 0);
    g_assert_cmpint(v->pinned, ==, -1);
    g_assert_cmpint(v->pcpu, ==, 1);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 1)->vcpu_util, 50, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 1)->other, 10, 1e-6);
}

/* two one-vCPU VMs share pCPUs 0-1 of three (a shared pin set), 60 % each; both last ran on
 * pCPU 1, and pCPUs 0 and 1 were 60 % busy. Their time is spread over the set in proportion
 * to its busy time: no non-VM load where there is none (credited where each last ran, pCPU 0
 * read 60 points of `other` and pCPU 1 none: a set looked overloaded and did not shrink) */
static void test_set_spread_over_its_pcpus(void)
{
    g_autoptr(SovaSnapshot) a = sova_snapshot_new(3), b = sova_snapshot_new(3);
    b->time_us = 1000000;
    const double busy[3] = { 0.6, 0.6, 0.3 };
    for (guint p = 0; p < 3; p++) {
        sova_snapshot_pcpu(b, p)->busy_ns = S(busy[p]);
        sova_snapshot_pcpu(b, p)->idle_ns = S(1 - busy[p]);
    }
    const char *uuids[2] = { UUID_A, UUID_B };
    for (guint s = 0; s < 2; s++)
        for (guint i = 0; i < 2; i++) {
            SovaSnapshot *snap = s ? b : a;
            SovaVmSample *vm = sova_snapshot_add_vm(snap, uuids[i], i ? "b" : "a", 1);
            SovaVcpuSample *v = sova_vm_vcpu(vm, 0);
            vm->cpu_time_ns = v->time_ns = s ? S(0.6) : 0;
            v->has_delay = TRUE;
            v->pcpu = 1;
            v->affinity = sova_cpuset_new(3);
            sova_cpuset_add(v->affinity, 0);
            sova_cpuset_add(v->affinity, 1);
        }
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    g_assert_nonnull(sova_model_vcpu(m, 0)->set);
    g_assert_cmpint(sova_model_vcpu(m, 0)->pcpu, ==, 1);
    for (guint p = 0; p < 2; p++) {
        g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, p)->vcpu_util, 60, 1e-6);
        g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, p)->other, 0, 1e-6);
    }
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 2)->other, 30, 1e-6);
}

static void test_counter_reset_and_restart(void)
{
    g_autoptr(SovaSnapshot) a = host(100, 50, 50);
    g_autoptr(SovaSnapshot) b = host(101, 10, 50.5);  /* pCPU0 counters went backwards */
    vm1(a, UUID_A, "a", 40, 2, 0);
    vm1(b, UUID_A, "a", 0.3, 0, 0);                   /* VM restarted: counters restart low */
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    g_assert_cmpfloat(sova_model_pcpu(m, 0)->util, ==, 0);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 1)->util, 50, 1e-6);
    const SovaVcpuLoad *v = sova_model_vcpu(m, 0);
    g_assert_true(v->fresh);
    g_assert_cmpfloat(v->demand, ==, 0);
    g_assert_cmpfloat(v->usage, ==, 0);
}

static void test_appear_vanish_exclude(void)
{
    g_autoptr(SovaSnapshot) a = host(0, 0, 0);
    g_autoptr(SovaSnapshot) b = host(1, 1, 1);
    vm1(a, UUID_A, "gone", 0, 0, 0);
    vm1(b, UUID_B, "new", 3, 0, 1);
    SovaVmSample *x = vm1(b, "00000000-0000-0000-0000-00000000000c", "excluded", 1, 0, 0);
    SovaVmSample *y = vm1(a, "00000000-0000-0000-0000-00000000000c", "excluded", 0, 0, 0);
    (void)x;
    (void)y;
    const char *exclude[] = { "excluded", NULL };
    SovaModelParams p = { .ewma_alpha = 1, .exclude = exclude };
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, &p);
    g_assert_cmpuint(m->vms->len, ==, 1);             /* "gone" vanished, "excluded" left out */
    g_assert_cmpstr(sova_model_vm(m, 0)->name, ==, "new");
    g_assert_true(sova_model_vcpu(m, 0)->fresh);
    /* the excluded VM's load on pCPU0 counts as other load */
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 0)->other, 100, 1e-6);
}

/* who sova's CPU plane manages: the one match of a VM against the config's lists (name exactly,
 * UUID in any case) and the VM's own opt-out (cpu='manual'); a VM of unknown state never */
static void test_manages(void)
{
    g_autoptr(SovaSnapshot) s = host(1, 0, 0);
    SovaVmSample *vm = vm1(s, UUID_A, "web", 1, 0, 0);
    g_assert_true(sova_vm_named(vm, "web"));
    g_assert_false(sova_vm_named(vm, "WEB"));                       /* names: exact */
    g_assert_false(sova_vm_named(vm, "we"));
    g_assert_true(sova_vm_named(vm, "00000000-0000-0000-0000-00000000000A"));
    g_assert_false(sova_vm_named(vm, UUID_B));
    const char *by_name[] = { "db", "web", NULL }, *by_uuid[] = { UUID_A, NULL },
               *others[] = { "db", UUID_B, NULL };
    g_assert_false(sova_vm_listed(vm, NULL));
    g_assert_true(sova_vm_listed(vm, by_name));
    g_assert_true(sova_vm_listed(vm, by_uuid));
    g_assert_false(sova_vm_listed(vm, others));

    vm->state = SOVA_VM_RUNNING;
    g_assert_true(sova_model_manages(vm, NULL));
    g_assert_true(sova_model_manages(vm, others));
    g_assert_false(sova_model_manages(vm, by_name));
    g_assert_false(sova_model_manages(vm, by_uuid));
    vm->state = SOVA_VM_PAUSED;
    g_assert_true(sova_model_manages(vm, NULL));                    /* scheduled, if not running */
    vm->state = SOVA_VM_OTHER;
    g_assert_false(sova_model_manages(vm, NULL));
    vm->state = SOVA_VM_RUNNING;
    vm->cpu_manual = TRUE;
    g_assert_false(sova_model_manages(vm, NULL));
}

static void test_ewma_and_reserved(void)
{
    g_autoptr(SovaSnapshot) a = host(0, 0, 0);
    g_autoptr(SovaSnapshot) b = host(1, 1, 0);
    g_autoptr(SovaSnapshot) c = host(2, 1.2, 0);
    vm1(a, UUID_A, "a", 0, 0, 0);
    vm1(b, UUID_A, "a", 1.0, 0, 0);                   /* 100 % */
    vm1(c, UUID_A, "a", 1.2, 0, 0);                   /* then 20 % */
    g_autoptr(SovaCpuSet) reserved = sova_cpuset_new(2);
    sova_cpuset_add(reserved, 1);
    SovaModelParams p = { .ewma_alpha = 0.5, .reserved = reserved };
    g_autoptr(SovaModel) m1 = sova_model_build(a, b, NULL, &p);
    g_autoptr(SovaModel) m2 = sova_model_build(b, c, m1, &p);
    g_assert_cmpfloat_with_epsilon(sova_model_vcpu(m1, 0)->demand, 100, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_model_vcpu(m2, 0)->demand, 60, 1e-6);
    g_assert_true(sova_model_pcpu(m2, 1)->reserved);
    g_assert_false(sova_model_pcpu_usable(m2, 1));
    /* stddev over usable pCPUs only: one usable pCPU -> 0 */
    g_assert_cmpfloat(sova_model_util_stddev(m2, NULL), ==, 0);
}

/* a vCPU allowed on exactly the usable pCPUs is shared; with pCPU 1 reserved, the same
 * unpinned vCPU may run on a reserved one, so it is not; the controller's leaving mark
 * reaches the model */
static void test_shared_and_leaving(void)
{
    g_autoptr(SovaSnapshot) a = host(10, 2, 1);
    g_autoptr(SovaSnapshot) b = host(12, 4, 1.5);
    vm1(a, UUID_A, "a", 5, 1, -1);
    vm1(b, UUID_A, "a", 6.5, 1.4, -1)->leaving = TRUE;
    vm1(a, UUID_B, "b", 5, 1, 0);
    vm1(b, UUID_B, "b", 6.5, 1.4, 0);
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    g_assert_true(sova_model_vcpu(m, 0)->shared);
    g_assert_false(sova_model_vcpu(m, 1)->shared);
    g_assert_true(sova_model_vm(m, 0)->leaving);
    g_assert_false(sova_model_vm(m, 1)->leaving);
    g_autoptr(SovaCpuSet) reserved = sova_cpuset_new(2);
    sova_cpuset_add(reserved, 1);
    SovaModelParams p = { .reserved = reserved };
    g_autoptr(SovaModel) r = sova_model_build(a, b, NULL, &p);
    g_assert_false(sova_model_vcpu(r, 0)->shared);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/model/rates", test_rates);
    g_test_add_func("/model/shared-and-leaving", test_shared_and_leaving);
    g_test_add_func("/model/unpinned", test_unpinned_attributed_where_it_ran);
    g_test_add_func("/model/set-spread", test_set_spread_over_its_pcpus);
    g_test_add_func("/model/stale-placement", test_stale_placement);
    g_test_add_func("/model/counter-reset-restart", test_counter_reset_and_restart);
    g_test_add_func("/model/appear-vanish-exclude", test_appear_vanish_exclude);
    g_test_add_func("/model/manages", test_manages);
    g_test_add_func("/model/ewma-reserved", test_ewma_and_reserved);
    return g_test_run();
}
