/* test_sim_cpu.c — the simulator's CPU model on small cases checked by hand, and the
 * backend's counters (what `sova agent` would read from libvirt) built from it. */
#include "backend/sim/sim_backend.h"
#include "backend/sim/sim_cpu.h"
#include "model/model.h"
#include <glib/gstdio.h>

#define EPS 1e-9

static SovaCpuSet *only(guint n, guint p)
{
    SovaCpuSet *s = sova_cpuset_new(n);
    sova_cpuset_add(s, p);
    return s;
}

static SovaCpuSet *range(guint n, guint lo, guint hi)
{
    SovaCpuSet *s = sova_cpuset_new(n);
    for (guint p = lo; p <= hi; p++)
        sova_cpuset_add(s, p);
    return s;
}

/* two vCPUs wanting 100 % pinned to one pCPU: 50 % each, 50 % waiting each */
static void test_two_on_one(void)
{
    g_autoptr(SovaCpuSet) p0 = only(2, 0);
    SovaSimThread t[2] = { { .demand = 1, .affinity = p0 }, { .demand = 1, .affinity = p0 } };
    double busy[2];
    sova_sim_cpu_share(2, NULL, t, 2, busy);
    for (int i = 0; i < 2; i++) {
        g_assert_cmpfloat_with_epsilon(t[i].run, 0.5, EPS);
        g_assert_cmpfloat_with_epsilon(t[i].wait, 0.5, EPS);
        g_assert_cmpint(t[i].pcpu, ==, 0);
    }
    g_assert_cmpfloat_with_epsilon(busy[0], 1, EPS);
    g_assert_cmpfloat_with_epsilon(busy[1], 0, EPS);
}

/* an overloaded pCPU shares in proportion to demand: 100 + 100 + 50 = 250 % -> 40/40/20 */
static void test_proportional(void)
{
    g_autoptr(SovaCpuSet) p0 = only(1, 0);
    SovaSimThread t[3] = { { .demand = 1, .affinity = p0 }, { .demand = 1, .affinity = p0 },
                           { .demand = 0.5, .affinity = p0 } };
    sova_sim_cpu_share(1, NULL, t, 3, NULL);
    g_assert_cmpfloat_with_epsilon(t[0].run, 0.4, EPS);
    g_assert_cmpfloat_with_epsilon(t[2].run, 0.2, EPS);
    g_assert_cmpfloat_with_epsilon(t[2].wait, 0.3, EPS);
    /* an underloaded one gives everyone what they want */
    t[0].demand = 0.5, t[1].demand = 0.3, t[2].demand = 0.2;
    double busy;
    sova_sim_cpu_share(1, NULL, t, 3, &busy);
    g_assert_cmpfloat_with_epsilon(t[1].run, 0.3, EPS);
    g_assert_cmpfloat_with_epsilon(t[1].wait, 0, EPS);
    g_assert_cmpfloat_with_epsilon(busy, 1, EPS);
}

/* unpinned (CFS): 8 vCPUs at 100 % on 4 pCPUs get 50 % each; every pCPU is busy */
static void test_unpinned(void)
{
    SovaSimThread t[8];
    double busy[4];
    for (int i = 0; i < 8; i++)
        t[i] = (SovaSimThread){ .demand = 1, .affinity = NULL, .pcpu = -1 };
    sova_sim_cpu_share(4, NULL, t, 8, busy);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpfloat_with_epsilon(t[i].run, 0.5, EPS);
        g_assert_cmpint(t[i].pcpu, >=, 0);
        g_assert_cmpint(t[i].pcpu, <, 4);
    }
    for (int p = 0; p < 4; p++)
        g_assert_cmpfloat_with_epsilon(busy[p], 1, EPS);
    /* 2 at 60 % on 4 pCPUs: everyone is served, the work spreads evenly (30 % each) */
    t[0].demand = t[1].demand = 0.6;
    sova_sim_cpu_share(4, NULL, t, 2, busy);
    g_assert_cmpfloat_with_epsilon(t[0].run, 0.6, EPS);
    for (int p = 0; p < 4; p++)
        g_assert_cmpfloat_with_epsilon(busy[p], 0.3, EPS);
}

/* unpinned, CFS spreads the heavy vCPUs over distinct pCPUs (and reports them there),
 * and a vCPU that still fits where it ran is not moved */
static void test_unpinned_placement(void)
{
    SovaSimThread t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (SovaSimThread){ .demand = i < 4 ? 0.9 : 0.15, .pcpu = 0 };
    sova_sim_cpu_share(4, NULL, t, 8, NULL);
    gboolean used[4] = { FALSE };
    for (int i = 0; i < 4; i++) {
        g_assert_false(used[t[i].pcpu]);
        used[t[i].pcpu] = TRUE;
    }
    int where[8];
    for (int i = 0; i < 8; i++)
        where[i] = t[i].pcpu;
    sova_sim_cpu_share(4, NULL, t, 8, NULL);
    for (int i = 0; i < 8; i++)
        g_assert_cmpint(t[i].pcpu, ==, where[i]);
}

/* unpinned work flows around pinned work: pCPU0 holds a pinned 100 % vCPU, two
 * unpinned 100 % vCPUs join: 3 threads on 2 pCPUs, 2/3 each, as CFS would give */
static void test_mixed(void)
{
    g_autoptr(SovaCpuSet) p0 = only(2, 0);
    SovaSimThread t[3] = { { .demand = 1, .affinity = p0 }, { .demand = 1 }, { .demand = 1 } };
    double busy[2];
    sova_sim_cpu_share(2, NULL, t, 3, busy);
    for (int i = 0; i < 3; i++)
        g_assert_cmpfloat_with_epsilon(t[i].run, 2.0 / 3, EPS);
    g_assert_cmpfloat_with_epsilon(busy[0], 1, EPS);
    g_assert_cmpfloat_with_epsilon(busy[1], 1, EPS);
    /* one unpinned 60 % next to the pinned 100 %: it goes to the idle pCPU, in full */
    t[1].demand = 0.6;
    sova_sim_cpu_share(2, NULL, t, 2, busy);
    g_assert_cmpfloat_with_epsilon(t[0].run, 1, EPS);
    g_assert_cmpfloat_with_epsilon(t[1].run, 0.6, EPS);
    g_assert_cmpint(t[1].pcpu, ==, 1);
    g_assert_cmpfloat_with_epsilon(busy[1], 0.6, EPS);
}

/* a restricted affinity is honoured: two vCPUs allowed only 2-3, two allowed anywhere */
static void test_affinity(void)
{
    g_autoptr(SovaCpuSet) hi = range(4, 2, 3);
    SovaSimThread t[4] = { { .demand = 1, .affinity = hi }, { .demand = 1, .affinity = hi },
                           { .demand = 1 }, { .demand = 1 } };
    double busy[4];
    sova_sim_cpu_share(4, NULL, t, 4, busy);
    for (int i = 0; i < 4; i++)
        g_assert_cmpfloat_with_epsilon(t[i].run, 1, EPS);
    g_assert_cmpint(t[0].pcpu, >=, 2);
    g_assert_cmpint(t[1].pcpu, >=, 2);
    g_assert_cmpint(t[2].pcpu, <=, 1);
    g_assert_cmpint(t[3].pcpu, <=, 1);
}

/* background load competes like any task on its pCPU */
static void test_background(void)
{
    g_autoptr(SovaCpuSet) p0 = only(2, 0);
    double bg[2] = { 0.5, 0 }, busy[2];
    SovaSimThread t = { .demand = 1, .affinity = p0 };
    sova_sim_cpu_share(2, bg, &t, 1, busy);
    g_assert_cmpfloat_with_epsilon(t.run, 2.0 / 3, EPS);   /* 150 % wanted on one pCPU */
    g_assert_cmpfloat_with_epsilon(t.wait, 1.0 / 3, EPS);
    g_assert_cmpfloat_with_epsilon(busy[0], 1, EPS);
    g_assert_cmpfloat_with_epsilon(busy[1], 0, EPS);
    /* unpinned, it avoids the loaded pCPU first: 0.5 + 1 spread to 0.75 / 0.75 */
    t.affinity = NULL;
    sova_sim_cpu_share(2, bg, &t, 1, busy);
    g_assert_cmpfloat_with_epsilon(t.run, 1, EPS);
    g_assert_cmpfloat_with_epsilon(busy[0], 0.75, EPS);
    g_assert_cmpfloat_with_epsilon(busy[1], 0.75, EPS);
}

/* ---- the backend's counters ---- */

static SovaSimScenario *scenario(const char *text)
{
    g_autoptr(GError) err = NULL;
    SovaSimScenario *sc = sova_sim_scenario_load_data("test.conf", text, &err);
    g_assert_no_error(err);
    return sc;
}

static const SovaVmSample *find(const SovaSnapshot *s, const char *name)
{
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if (!g_strcmp0(vm->name, name))
            return vm;
    }
    g_assert_not_reached();
}

static void test_backend_counters(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[host]\npcpus=2\nbackground=0,20\n"
                                             "[vms]\ncount=2\ndemand=constant:100\npin=all-on-0\n");
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_autoptr(SovaSnapshot) a = sova_backend_sample(be, NULL);
    g_assert_cmpuint(be->calls, ==, 2 + 2);       /* P + 2 per sample */
    g_assert_true(sova_backend_wait(be, 2.0, NULL));
    g_assert_cmpfloat_with_epsilon(sova_sim_backend_now(be), 2.0, EPS);
    g_autoptr(SovaSnapshot) b = sova_backend_sample(be, NULL);
    g_assert_cmpint(b->time_us - a->time_us, ==, 2000000);
    const SovaVmSample *vm1 = find(b, "vm1");
    const SovaVcpuSample *v = sova_vm_vcpu(vm1, 0);
    g_assert_cmpuint(v->time_ns, ==, 1000000000u);     /* 50 % of 2 s */
    g_assert_cmpuint(v->delay_ns, ==, 1000000000u);
    g_assert_true(v->has_delay);
    g_assert_cmpint(v->pcpu, ==, 0);
    g_assert_cmpint(sova_cpuset_only(v->affinity), ==, 0);
    g_assert_cmpuint(vm1->cpu_time_ns, ==, v->time_ns);
    g_assert_cmpuint(sova_snapshot_pcpu(b, 0)->busy_ns, ==, 2000000000u);
    g_assert_cmpuint(sova_snapshot_pcpu(b, 1)->busy_ns, ==, 400000000u);   /* background 20 % */
    g_assert_cmpuint(sova_snapshot_pcpu(b, 1)->idle_ns, ==, 1600000000u);
    /* the model the agent builds sees each vCPU's full demand (time + delay) */
    g_autoptr(SovaModel) m = sova_model_build(a, b, NULL, NULL);
    g_assert_cmpfloat_with_epsilon(sova_model_vcpu(m, 0)->demand, 100, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_model_pcpu(m, 1)->other, 20, 1e-6);

    /* pin vm2's vCPU to pCPU 1: one call; from then on both run in full (pCPU1: 120 %) */
    SovaAction act = { .kind = SOVA_ACTION_PIN, .vcpu = 0, .from_pcpu = 0, .to_pcpu = 1 };
    g_strlcpy(act.uuid, find(b, "vm2")->uuid, sizeof act.uuid);
    guint64 calls = be->calls;
    g_assert_true(sova_backend_execute(be, &act, NULL));
    g_assert_cmpuint(be->calls, ==, calls + 1);
    g_assert_true(sova_backend_wait(be, 1.0, NULL));
    g_autoptr(SovaSnapshot) c = sova_backend_sample(be, NULL);
    const SovaVcpuSample *w = sova_vm_vcpu(find(c, "vm2"), 0);
    g_assert_cmpint(w->pcpu, ==, 1);
    gint64 got = (gint64)(w->time_ns - sova_vm_vcpu(find(b, "vm2"), 0)->time_ns);
    g_assert_cmpint(ABS(got - 833333333), <=, 100);   /* 1 s / 1.2, rounded per tick */
    g_assert_cmpuint(sova_vm_vcpu(find(c, "vm1"), 0)->time_ns - v->time_ns, ==, 1000000000u);

    /* a pin to a pCPU that does not exist, or of a VM that does not, is refused */
    g_autoptr(GError) err = NULL;
    act.to_pcpu = 2;
    g_assert_false(sova_backend_execute(be, &act, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_strlcpy(act.uuid, "00000000-0000-0000-0000-000000000000", sizeof act.uuid);
    act.to_pcpu = 0;
    g_assert_false(sova_backend_execute(be, &act, &err));
    g_assert_nonnull(err);
}

/* SMT (issue 18), factor 0.6 on 2 cores of 2 threads (pCPUs 0-1 and 2-3): two busy vCPUs
 * pinned to siblings run all the time but do 0.6 each; on separate cores 1 each; two at
 * 50 % on siblings need not overlap: 0.5 each; two at 75 % overlap 0.5 of the tick: each
 * does 0.75 - 0.4 * 0.5 = 0.55. Time (run, wait, busy) is what it is without SMT. */
static void test_smt_pinned(void)
{
    g_autoptr(SovaCpuSet) p0 = only(4, 0);
    g_autoptr(SovaCpuSet) p1 = only(4, 1);
    g_autoptr(SovaCpuSet) p2 = only(4, 2);
    const double want[] = { 1, 1, 0.5, 0.75 };
    const double done[] = { 0.6, 1, 0.5, 0.55 };
    for (guint c = 0; c < G_N_ELEMENTS(want); c++) {
        SovaSimThread t[2] = { { .demand = want[c], .affinity = p0 },
                               { .demand = want[c], .affinity = c == 1 ? p2 : p1 } };
        double busy[4];
        sova_sim_cpu_share_smt(4, 2, 0.6, NULL, t, 2, busy);
        for (int i = 0; i < 2; i++) {
            g_assert_cmpfloat_with_epsilon(t[i].run, want[c], EPS);
            g_assert_cmpfloat_with_epsilon(t[i].wait, 0, EPS);
            g_assert_cmpfloat_with_epsilon(t[i].work, done[c], EPS);
        }
        g_assert_cmpfloat_with_epsilon(busy[0], want[c], EPS);
        /* factor 1, or no SMT: work is run */
        sova_sim_cpu_share_smt(4, 2, 1.0, NULL, t, 2, NULL);
        g_assert_cmpfloat(t[0].work, ==, t[0].run);
        sova_sim_cpu_share_smt(4, 1, 0.6, NULL, t, 2, NULL);
        g_assert_cmpfloat(t[0].work, ==, t[0].run);
    }
}

/* CFS with SMT spreads over idle cores first: two busy unpinned vCPUs on 2 cores do 1 each;
 * three do 2.2 in all (one core doubled up: 1.2, one alone: 1), 2.2 / 3 each */
static void test_smt_unpinned(void)
{
    SovaSimThread t[3] = { { .demand = 1 }, { .demand = 1 }, { .demand = 1 } };
    sova_sim_cpu_share_smt(4, 2, 0.6, NULL, t, 2, NULL);
    for (int i = 0; i < 2; i++)
        g_assert_cmpfloat_with_epsilon(t[i].work, 1, EPS);
    sova_sim_cpu_share_smt(4, 2, 0.6, NULL, t, 3, NULL);
    for (int i = 0; i < 3; i++) {
        g_assert_cmpfloat_with_epsilon(t[i].run, 1, EPS);
        g_assert_cmpfloat_with_epsilon(t[i].work, 2.2 / 3, EPS);
    }
    /* speeds: a thread alone on its core runs at 1, whatever its load */
    const double busy[] = { 1, 0, 0.3, 0.3, 1, 1 };
    double speed[6];
    sova_sim_cpu_smt_speed(6, 2, 0.6, busy, speed);
    g_assert_cmpfloat_with_epsilon(speed[0], 1, EPS);
    g_assert_cmpfloat_with_epsilon(speed[1], 1, EPS);
    g_assert_cmpfloat_with_epsilon(speed[2], 1, EPS);
    g_assert_cmpfloat_with_epsilon(speed[4], 0.6, EPS);
}

/* a stop request ends wait() early, with simulated time left where it stopped */
static void test_backend_stop(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[host]\npcpus=1\n[vm a]\ndemand=constant:10\n");
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    gint stop = 1;
    g_assert_false(sova_backend_wait(be, 5.0, &stop));
    g_assert_cmpfloat(sova_sim_backend_now(be), <, 5.0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/cpu/two-on-one", test_two_on_one);
    g_test_add_func("/sim/cpu/proportional", test_proportional);
    g_test_add_func("/sim/cpu/unpinned", test_unpinned);
    g_test_add_func("/sim/cpu/unpinned-placement", test_unpinned_placement);
    g_test_add_func("/sim/cpu/mixed", test_mixed);
    g_test_add_func("/sim/cpu/affinity", test_affinity);
    g_test_add_func("/sim/cpu/background", test_background);
    g_test_add_func("/sim/cpu/smt-pinned", test_smt_pinned);
    g_test_add_func("/sim/cpu/smt-unpinned", test_smt_unpinned);
    g_test_add_func("/sim/backend/counters", test_backend_counters);
    g_test_add_func("/sim/backend/stop", test_backend_stop);
    return g_test_run();
}
