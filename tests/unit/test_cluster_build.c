/* test_cluster_build.c — snapshots -> cluster (daemon/cluster_build.c) on synthetic
 * snapshots: host capacities and loads, a VM's demand carried across hosts, migrations
 * in flight counted on the destination, a host's non-VM load not read from an interval a
 * VM came or went in, the run-queue delay a VM that left freed its host of not read on as
 * demand the host cannot serve, down hosts, exclusions and groups, VF signals,
 * hot samples and NIC history, migration history. */
#include "model/cluster_build.h"
#include "model/cluster_vm_cpu.h"
#include <math.h>

#define S(x) ((guint64)((x) * 1e9))  /* seconds -> ns */
#define UA "00000000-0000-0000-0000-00000000000a"
#define UB "00000000-0000-0000-0000-00000000000b"
#define UC "00000000-0000-0000-0000-00000000000c"
#define GIB (1024 * 1024)            /* KiB */

static const char *const names[] = { "h0", "h1", NULL };

/* a host of n pCPUs at t seconds, each busy `busy` of the time so far */
static SovaSnapshot *host(double t, guint n, double busy)
{
    SovaSnapshot *s = sova_snapshot_new(n);
    s->time_us = (gint64)(t * 1e6);
    s->memory_kib = 8 * GIB;
    for (guint i = 0; i < n; i++) {
        sova_snapshot_pcpu(s, i)->busy_ns = S(t * busy);
        sova_snapshot_pcpu(s, i)->idle_ns = S(t * (1 - busy));
    }
    return s;
}

/* a 1-vCPU VM whose vCPU has run `run` seconds in all */
static SovaVmSample *vm(SovaSnapshot *s, const char *uuid, const char *name, double run)
{
    SovaVmSample *v = sova_snapshot_add_vm(s, uuid, name, 1);
    sova_vm_vcpu(v, 0)->time_ns = S(run);
    sova_vm_vcpu(v, 0)->has_delay = TRUE;
    v->cpu_time_ns = S(run);
    v->memory_kib = GIB;
    return v;
}

static SovaClusterBuildParams params(void)
{
    SovaClusterBuildParams p = { .ewma_alpha = 1.0, .high_water = 0.85 };
    for (int r = 0; r < SOVA_RES_N; r++)
        p.weights[r] = 1;
    return p;
}

static SovaCluster *update(SovaClusterBuilder *b, SovaSnapshot *s0, SovaSnapshot *s1)
{
    SovaSnapshot *snaps[2] = { s0, s1 };
    return sova_cluster_builder_update(b, snaps);
}

static const SovaClusterVm *find(const SovaCluster *c, const char *uuid)
{
    int i = sova_cluster_find_vm(c, uuid);
    g_assert_cmpint(i, >=, 0);
    return sova_cluster_vm(c, (guint)i);
}

static void test_loads(void)
{
    SovaClusterBuildParams p = params();
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    SovaSnapshot *a0 = host(10, 4, 0.5), *b0 = host(10, 2, 0);
    vm(a0, UA, "a", 5);
    g_assert_null(update(b, a0, b0));            /* baselines only */
    SovaSnapshot *a1 = host(12, 4, 0.5), *b1 = host(12, 2, 0);
    vm(a1, UA, "a", 6.5);                         /* 75 % of one pCPU */
    g_autoptr(SovaCluster) c = update(b, a1, b1);
    g_assert_nonnull(c);
    g_assert_cmpuint(c->hosts->len, ==, 2);
    g_assert_cmpfloat_with_epsilon(c->now, 12.0, 1e-9);
    const SovaClusterHost *h0 = sova_cluster_host(c, 0), *h1 = sova_cluster_host(c, 1);
    g_assert_true(h0->up && h1->up);
    g_assert_cmpfloat(h0->cpu_capacity, ==, 4);
    g_assert_cmpfloat(h1->cpu_capacity, ==, 2);
    g_assert_cmpuint(h0->memory_kib, ==, 8 * GIB);
    /* 4 pCPUs half busy = 2 pCPUs, of which 0.75 is the VM's */
    g_assert_cmpfloat_with_epsilon(h0->cpu_other, 1.25, 1e-6);
    const SovaClusterVm *v = find(c, UA);
    g_assert_cmpint(v->host, ==, 0);
    g_assert_cmpfloat_with_epsilon(v->cpu, 0.75, 1e-6);
    g_assert_cmpuint(v->memory_kib, ==, GIB);
    g_assert_false(v->migrating);
    g_assert_cmpint(v->from_host, ==, -1);
    /* normalised: h0 cpu (1.25 + 0.75) / 4 */
    g_assert_cmpfloat_with_epsilon(sova_cluster_host_load(c, 0, SOVA_RES_CPU), 0.5, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_cluster_host_load(c, 1, SOVA_RES_CPU), 0.0, 1e-6);
}

/* the VM moves from h0 to h1: on h1 it is new (no rate), yet it keeps its demand */
static void test_demand_follows_vm(void)
{
    SovaClusterBuildParams p = params();
    p.ewma_alpha = 0.5;
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    SovaSnapshot *a0 = host(0, 2, 0), *b0 = host(0, 2, 0);
    vm(a0, UA, "a", 0);
    g_assert_null(update(b, a0, b0));
    SovaSnapshot *a1 = host(1, 2, 0.5), *b1 = host(1, 2, 0);
    vm(a1, UA, "a", 1);                           /* flat out */
    g_autoptr(SovaCluster) c1 = update(b, a1, b1);
    g_assert_cmpfloat_with_epsilon(find(c1, UA)->cpu, 1.0, 1e-6);
    sova_cluster_builder_migration_started(b, UA, 0, 1);
    SovaSnapshot *a2 = host(2, 2, 0.5), *b2 = host(2, 2, 0);
    vm(a2, UA, "a", 2);
    g_autoptr(SovaCluster) c2 = update(b, a2, b2);
    const SovaClusterVm *v2 = find(c2, UA);
    g_assert_true(v2->migrating);
    g_assert_cmpint(v2->host, ==, 1);             /* counted on the destination */
    g_assert_cmpint(v2->from_host, ==, 0);
    sova_cluster_builder_migration_finished(b, UA, TRUE, 2.5);
    SovaSnapshot *a3 = host(3, 2, 0), *b3 = host(3, 2, 0.5);
    vm(b3, UA, "a", 7);                           /* arrived: counters new on h1 */
    g_autoptr(SovaCluster) c3 = update(b, a3, b3);
    const SovaClusterVm *v3 = find(c3, UA);
    g_assert_cmpint(v3->host, ==, 1);
    g_assert_false(v3->migrating);
    g_assert_cmpfloat_with_epsilon(v3->cpu, 1.0, 1e-6);   /* not idle */
    g_assert_cmpfloat(v3->last_moved, ==, 2.5);
    g_assert_cmpuint(c3->vms->len, ==, 1);
    SovaSnapshot *a4 = host(4, 2, 0), *b4 = host(4, 2, 0.5);
    vm(b4, UA, "a", 7);                           /* now idle for a second: smoothed */
    g_autoptr(SovaCluster) c4 = update(b, a4, b4);
    g_assert_cmpfloat_with_epsilon(find(c4, UA)->cpu, 0.5, 1e-6);
}

/* a host of n pCPUs at t seconds whose pCPUs have been busy busy_s pCPU-seconds in all */
static SovaSnapshot *host_busy(double t, guint n, double busy_s)
{
    SovaSnapshot *s = host(t, n, 0);
    for (guint i = 0; i < n; i++) {
        sova_snapshot_pcpu(s, i)->busy_ns = S(busy_s / n);
        sova_snapshot_pcpu(s, i)->idle_ns = S(t - busy_s / n);
    }
    return s;
}

/* A (one pCPU flat out) moves from h0 (0.5 pCPU of other load) to h1 (0.2) half-way
 * through the interval [1, 2]: in it, the half second A ran on each host is in that host's
 * busy time with no rate to account for it (gone from h0's snapshot; new counters on h1),
 * yet neither host's non-VM load changed: the last reading stands (not 1.0 and 0.7), and
 * the next interval reads it afresh */
static void test_other_across_migration(void)
{
    SovaClusterBuildParams p = params();
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    SovaSnapshot *a0 = host_busy(0, 2, 0), *b0 = host_busy(0, 2, 0);
    vm(a0, UA, "a", 0);
    g_assert_null(update(b, a0, b0));
    SovaSnapshot *a1 = host_busy(1, 2, 1.5), *b1 = host_busy(1, 2, 0.2);
    vm(a1, UA, "a", 1);
    g_autoptr(SovaCluster) c1 = update(b, a1, b1);
    g_assert_cmpfloat_with_epsilon(sova_cluster_host(c1, 0)->cpu_other, 0.5, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_cluster_host(c1, 1)->cpu_other, 0.2, 1e-6);
    sova_cluster_builder_migration_started(b, UA, 0, 1);
    sova_cluster_builder_migration_finished(b, UA, TRUE, 1.5);
    SovaSnapshot *a2 = host_busy(2, 2, 2.5), *b2 = host_busy(2, 2, 0.9);
    vm(b2, UA, "a", 0.5);                         /* arrived at 1.5 s */
    g_autoptr(SovaCluster) c2 = update(b, a2, b2);
    g_assert_cmpfloat_with_epsilon(sova_cluster_host(c2, 0)->cpu_other, 0.5, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_cluster_host(c2, 1)->cpu_other, 0.2, 1e-6);
    g_assert_cmpfloat_with_epsilon(find(c2, UA)->cpu, 1.0, 1e-6);   /* carried, counted once */
    SovaSnapshot *a3 = host_busy(3, 2, 2.8), *b3 = host_busy(3, 2, 2.2);
    vm(b3, UA, "a", 1.5);
    g_autoptr(SovaCluster) c3 = update(b, a3, b3);
    g_assert_cmpfloat_with_epsilon(sova_cluster_host(c3, 0)->cpu_other, 0.3, 1e-6);  /* read */
    g_assert_cmpfloat_with_epsilon(sova_cluster_host(c3, 1)->cpu_other, 0.3, 1e-6);
}

/* a 1-vCPU VM that has run `run` and waited `wait` seconds in all */
static void vm_waited(SovaSnapshot *s, const char *uuid, const char *name, double run, double wait)
{
    sova_vm_vcpu(vm(s, uuid, name, run), 0)->delay_ns = S(wait);
}

/* A, B and C (a pCPU each) share h0's two pCPUs: each runs 2/3 of the time and waits 1/3.
 * C moves to h1 half-way through [2, 3]: A and B wait 1/6 s in it, none after. With EWMA
 * alpha 0.5 their smoothed delay would read 1/4 each at 3 s and 1/8 at 4 s, after the
 * overload it measured is gone; C used 2/3 of a pCPU there, now free: they read none.
 * D on h1, where C arrived (and none left), keeps the delay it measures. */
static void test_unmet_after_leaving(void)
{
    SovaClusterBuildParams p = params();
    p.ewma_alpha = 0.5;
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    const double third = 1.0 / 3, sixth = 1.0 / 6;
    for (guint t = 0; t <= 4; t++) {
        SovaSnapshot *a = host(t, 2, 0), *h1 = host(t, 4, 0);
        double ran = t <= 2 ? 2 * t * third : 4 * third + 5 * sixth + (t - 3),
               waited = t <= 2 ? t * third : 2 * third + sixth;
        vm_waited(a, UA, "a", ran, waited);
        vm_waited(a, UB, "b", ran, waited);
        if (t <= 2)
            vm_waited(a, UC, "c", ran, waited);
        else
            vm_waited(h1, UC, "c", t == 3 ? 0.5 : 1.5, 0);
        vm_waited(h1, "00000000-0000-0000-0000-00000000000d", "d", 0.8 * t, 0.2 * t);
        if (t == 2)
            sova_cluster_builder_migration_started(b, UC, 0, 1);
        if (t == 3)
            sova_cluster_builder_migration_finished(b, UC, TRUE, 2.5);
        g_autoptr(SovaCluster) c = update(b, a, h1);
        if (!t)
            continue;
        double expect = t <= 2 ? third : 0;
        g_assert_cmpfloat_with_epsilon(find(c, UA)->cpu_unmet, expect, 1e-6);
        g_assert_cmpfloat_with_epsilon(find(c, UB)->cpu_unmet, expect, 1e-6);
        g_assert_cmpfloat_with_epsilon(find(c, "00000000-0000-0000-0000-00000000000d")->cpu_unmet,
                                       0.2, 1e-6);
    }
}

/* a VM with a para-virtual NIC that has received rx bytes in all */
static void vm_nic(SovaSnapshot *s, const char *uuid, const char *name, guint64 rx)
{
    SovaVmSample *v = vm(s, uuid, name, 0);
    sova_vm_add_nic(v, "net0", "52:54:00:00:00:0a", NULL, SOVA_NIC_STANDBY)->rx_bytes = rx;
}

/* A and B share h0's NIC, which is full: A gets 100 B/s. B leaves at 1 s; A then gets 300.
 * A's traffic smoothed (alpha 0.5) with what it got while B was there would read 200: that
 * was its share of a NIC B used too; it reads 300. C on h1, where B came and none left,
 * smooths on (100 then 300: 200). */
static void test_net_after_leaving(void)
{
    SovaClusterBuildParams p = params();
    p.ewma_alpha = 0.5;
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    const char *uc = "00000000-0000-0000-0000-00000000000c";
    for (guint t = 0; t <= 2; t++) {
        SovaSnapshot *a = host(t, 2, 0), *h1 = host(t, 2, 0);
        guint64 rx = t <= 1 ? 100 * t : 100 + 300 * (t - 1);
        vm_nic(a, UA, "a", rx);
        vm_nic(h1, uc, "c", rx);
        if (t <= 1)
            vm_nic(a, UB, "b", 100 * t);
        else
            vm_nic(h1, UB, "b", 0);
        g_autoptr(SovaCluster) c = update(b, a, h1);
        if (t < 2)
            continue;
        g_assert_cmpfloat_with_epsilon(find(c, UA)->net_Bps, 300, 1e-6);
        g_assert_cmpfloat_with_epsilon(find(c, uc)->net_Bps, 200, 1e-6);
    }
}

/* the credit is shared in proportion to what each VM waited, none below 0 */
static void test_unmet_credit_shared(void)
{
    SovaVmCpuEstimate e[3];
    for (guint i = 0; i < 3; i++)
        sova_vm_cpu_estimate_init(&e[i]);
    e[0].own_unmet = 0.3;
    e[1].own_unmet = 0.1;
    SovaVmCpuEstimate *const p[] = { &e[0], &e[1], &e[2] };
    sova_vm_cpu_credit(p, 3, 0.2);
    g_assert_cmpfloat_with_epsilon(e[0].own_unmet, 0.15, 1e-9);
    g_assert_cmpfloat_with_epsilon(e[1].own_unmet, 0.05, 1e-9);
    g_assert_cmpfloat(e[2].own_unmet, <, 0);             /* unknown stays unknown */
    sova_vm_cpu_credit(p, 3, 1.0);
    g_assert_cmpfloat_with_epsilon(e[0].own_unmet, 0, 1e-9);
    g_assert_cmpfloat_with_epsilon(e[1].own_unmet, 0, 1e-9);
}

/* during the switch-over the VM shows on both hosts: the running copy counts, once */
static void test_paused_copy_not_doubled(void)
{
    SovaClusterBuildParams p = params();
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    SovaSnapshot *x0 = host(0, 2, 0), *y0 = host(0, 2, 0);
    vm(y0, UA, "a", 0);
    update(b, x0, y0);
    SovaSnapshot *x1 = host(1, 2, 0), *y1 = host(1, 2, 0);
    vm(x1, UA, "a", 0)->state = SOVA_VM_PAUSED;   /* the incoming copy, on h0 (seen first) */
    vm(y1, UA, "a", 0.5);
    g_autoptr(SovaCluster) c = update(b, x1, y1);
    g_assert_cmpuint(c->vms->len, ==, 1);
    g_assert_cmpint(find(c, UA)->host, ==, 1);    /* the running copy's host */
    g_assert_cmpfloat_with_epsilon(find(c, UA)->cpu, 0.5, 1e-6);
}

static void test_down_host(void)
{
    SovaClusterBuildParams p = params();
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    SovaSnapshot *a0 = host(0, 2, 0), *b0 = host(0, 2, 0);
    vm(b0, UB, "b", 0);
    update(b, a0, b0);
    SovaSnapshot *a1 = host(1, 2, 0);
    g_autoptr(SovaCluster) c = update(b, a1, NULL);
    g_assert_nonnull(c);
    g_assert_true(sova_cluster_host(c, 0)->up);
    g_assert_false(sova_cluster_host(c, 1)->up);
    g_assert_cmpint(sova_cluster_find_vm(c, UB), ==, -1);
    /* back again: it has an older snapshot, so it is up at once */
    SovaSnapshot *a2 = host(2, 2, 0), *b2 = host(2, 2, 0);
    vm(b2, UB, "b", 1);
    g_autoptr(SovaCluster) c2 = update(b, a2, b2);
    g_assert_true(sova_cluster_host(c2, 1)->up);
    g_assert_cmpint(find(c2, UB)->host, ==, 1);
}

static void test_exclusions_groups_vfs(void)
{
    SovaClusterBuildParams p = params();
    const char *const exclude[] = { "b", NULL };
    const char *const groups[] = { "db:a,c", NULL };
    p.exclude = exclude;
    p.groups = groups;
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    sova_cluster_builder_set_host(b, 1, TRUE, FALSE);
    for (int round = 0; round < 2; round++) {
        double t = round;
        SovaSnapshot *a = host(t, 2, 0), *h1 = host(t, 2, 0);
        a->vf_pool = 4;
        SovaVmSample *va = vm(a, UA, "a", 0);
        sova_vm_add_nic(va, "ua-sova-vf0", "52:54:00:00:00:01", NULL, SOVA_NIC_VF);
        SovaVmSample *vb = vm(a, UB, "b", 0);
        vb->has_net_status = TRUE;
        vb->net_wants_vf = vb->net_unmet = TRUE;
        SovaVmSample *vc = vm(h1, UC, "c", 0);
        vc->no_migrate = TRUE;
        vc->group = g_strdup("web");               /* the metadata's group wins */
        g_autoptr(SovaCluster) c = update(b, a, h1);
        if (!round) {
            g_assert_null(c);
            continue;
        }
        const SovaClusterVm *ca = find(c, UA), *cb = find(c, UB), *cc = find(c, UC);
        g_assert_false(ca->pinned);
        g_assert_true(cb->pinned);                 /* excluded by config */
        g_assert_true(cc->pinned);                 /* migrate='no' */
        g_assert_cmpstr(ca->group, ==, "db");
        g_assert_null(cb->group);
        g_assert_cmpstr(cc->group, ==, "web");
        g_assert_true(ca->holds_vf);
        g_assert_false(cb->holds_vf);
        g_assert_true(cb->wants_vf && cb->unmet_vf);
        g_assert_false(ca->wants_vf);
        g_assert_cmpuint(sova_cluster_host(c, 0)->vf_pool, ==, 4);
        g_assert_cmpuint(sova_cluster_host(c, 0)->vf_in_use, ==, 1);
        g_assert_true(sova_cluster_host(c, 1)->maintenance);
        g_assert_false(sova_cluster_host(c, 0)->maintenance);
    }
}

/* hot samples count up while a host's score is above high water, and reset; the NIC
 * history keeps the last SOVA_CLUSTER_NIC_HISTORY utilisations */
static void test_hot_samples_and_nic_history(void)
{
    SovaClusterBuildParams p = params();
    p.weights[SOVA_RES_MEM] = p.weights[SOVA_RES_NET] = 0;   /* score = CPU load */
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    const double nic = 1e6;                        /* bytes/s per direction */
    guint64 rx = 0;
    for (int t = 0; t <= 14; t++) {
        gboolean hot = t <= 12;                    /* h0's one pCPU busy until t = 12 */
        SovaSnapshot *a = host(t, 1, 0), *h1 = host(t, 1, 0);
        sova_snapshot_pcpu(a, 0)->busy_ns = S(MIN(t, 12));
        sova_snapshot_pcpu(a, 0)->idle_ns = S(t - MIN(t, 12));
        a->host_nic_capacity_Bps = nic;
        a->has_host_nic = TRUE;
        rx += (guint64)(t % 2 ? 0.9 * nic : 0.1 * nic);
        a->host_nic_rx_bytes = rx;
        g_autoptr(SovaCluster) c = update(b, a, h1);
        if (!t)
            continue;
        const SovaClusterHost *h = sova_cluster_host(c, 0);
        g_assert_cmpuint(h->hot_samples, ==, hot ? (guint)t : 0);
        g_assert_cmpuint(sova_cluster_host(c, 1)->hot_samples, ==, 0);
        g_assert_cmpuint(h->nic_history->len, ==, MIN(t, SOVA_CLUSTER_NIC_HISTORY));
        double last = g_array_index(h->nic_history, double, h->nic_history->len - 1);
        g_assert_cmpfloat_with_epsilon(last, t % 2 ? 0.9 : 0.1, 1e-6);
        g_assert_cmpfloat(h->nic_capacity_Bps, ==, 2 * nic);
    }
}

static void test_history(void)
{
    SovaClusterBuildParams p = params();
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 2, &p);
    double moved, failed_at;
    guint failures;
    sova_cluster_builder_history(b, UA, &moved, &failures, &failed_at);
    g_assert_cmpfloat(moved, <, 0);
    g_assert_cmpuint(failures, ==, 0);
    sova_cluster_builder_migration_started(b, UA, 0, 1);
    sova_cluster_builder_migration_finished(b, UA, FALSE, 5);
    sova_cluster_builder_migration_started(b, UA, 0, 1);
    sova_cluster_builder_migration_finished(b, UA, FALSE, 9);
    sova_cluster_builder_history(b, UA, &moved, &failures, &failed_at);
    g_assert_cmpuint(failures, ==, 2);
    g_assert_cmpfloat(failed_at, ==, 9);
    g_assert_cmpfloat(moved, <, 0);
    /* the history shows in the cluster */
    SovaSnapshot *a0 = host(0, 2, 0), *b0 = host(0, 2, 0);
    vm(a0, UA, "a", 0);
    update(b, a0, b0);
    SovaSnapshot *a1 = host(1, 2, 0), *b1 = host(1, 2, 0);
    vm(a1, UA, "a", 0);
    g_autoptr(SovaCluster) c = update(b, a1, b1);
    const SovaClusterVm *v = find(c, UA);
    g_assert_cmpuint(v->failures, ==, 2);
    g_assert_cmpfloat(v->failed_at, ==, 9);
    g_assert_false(v->migrating);
    g_assert_cmpint(v->host, ==, 0);
    sova_cluster_builder_migration_finished(b, UA, TRUE, 20);
    sova_cluster_builder_history(b, UA, &moved, &failures, &failed_at);
    g_assert_cmpuint(failures, ==, 0);
    g_assert_cmpfloat(moved, ==, 20);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster-build/loads", test_loads);
    g_test_add_func("/cluster-build/demand-follows-vm", test_demand_follows_vm);
    g_test_add_func("/cluster-build/other-across-migration", test_other_across_migration);
    g_test_add_func("/cluster-build/unmet-after-leaving", test_unmet_after_leaving);
    g_test_add_func("/cluster-build/unmet-credit-shared", test_unmet_credit_shared);
    g_test_add_func("/cluster-build/net-after-leaving", test_net_after_leaving);
    g_test_add_func("/cluster-build/paused-copy-not-doubled", test_paused_copy_not_doubled);
    g_test_add_func("/cluster-build/down-host", test_down_host);
    g_test_add_func("/cluster-build/exclusions-groups-vfs", test_exclusions_groups_vfs);
    g_test_add_func("/cluster-build/hot-samples-nic-history", test_hot_samples_and_nic_history);
    g_test_add_func("/cluster-build/history", test_history);
    return g_test_run();
}
