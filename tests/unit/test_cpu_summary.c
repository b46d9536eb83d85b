/* test_cpu_summary.c — the agents' per-VM CPU summaries, end to end without libvirt:
 * what the agent publishes and when (daemon/agent_cpu_pub.c, on a fake backend that
 * counts its writes), fresh or stale (model/cpu_summary.c), and the controller's cluster
 * builder taking a fresh summary's demand over its own estimate, and its own when the
 * summary is stale or absent (model/cluster_build.c), and its unmet part the same way
 * (model/cluster_vm_cpu.c). */
#include <math.h>
#include <string.h>
#include "daemon/agent_cpu_pub.h"
#include "model/cluster_build.h"
#include "model/cpu_summary.h"

#define S(x) ((guint64)((x) * 1e9))  /* seconds -> ns */
#define UA "00000000-0000-0000-0000-00000000000a"
#define MAX_VMS 64

typedef struct {
    SovaBackend base;
    guint writes;
    guint per_vm[MAX_VMS];
    SovaCpuSummary last[MAX_VMS];
} FakeBackend;

static guint vm_of(const char *uuid)
{
    return (guint)g_ascii_strtoull(uuid + 24, NULL, 16);
}

static char *uuid_of(guint i)
{
    return g_strdup_printf("00000000-0000-0000-0000-%012x", i);
}

static gboolean fake_publish(SovaBackend *be, const char *uuid, const SovaCpuSummary *st,
                             GError **error)
{
    (void)error;
    FakeBackend *f = (FakeBackend *)be;
    be->calls++;
    f->writes++;
    f->per_vm[vm_of(uuid)]++;
    f->last[vm_of(uuid)] = *st;
    return TRUE;
}

static const SovaBackendOps fake_ops = { .name = "fake", .publish_cpu = fake_publish };

/* n one-vCPU VMs, VM i with demand[i] % and delay[i] % of a pCPU */
static SovaModel *model(guint n, const double *demand, const double *delay,
                        const gboolean *leaving)
{
    SovaModel *m = sova_model_new(4);
    for (guint i = 0; i < n; i++) {
        g_autofree char *u = uuid_of(i);
        SovaVmLoad *v = sova_model_add_vm(m, u, u, 1);
        v->leaving = leaving && leaving[i];
        SovaVcpuLoad *c = sova_model_vcpu(m, v->first_vcpu);
        c->fresh = FALSE;
        c->demand = demand[i];
        c->delay = delay[i];
        c->usage = demand[i] - delay[i];
    }
    return m;
}

static guint step(SovaAgentCpuPub *p, FakeBackend *f, guint n, const double *demand,
                  const double *delay, const gboolean *leaving)
{
    g_autoptr(SovaModel) m = model(n, demand, delay, leaving);
    return sova_agent_cpu_pub_step(p, &f->base, m, 1.0, 5.0, FALSE);
}

/* first interval: published; unchanged or within the noise: not again until the
 * republication period; a change beyond the noise: at once; a leaving VM: never */
static void test_publish_on_change_and_now_and_then(void)
{
    FakeBackend f = { .base.ops = &fake_ops };
    SovaAgentCpuPub *p = sova_agent_cpu_pub_new();
    double demand[2] = { 150, 50 }, delay[2] = { 30, 0 };
    gboolean leaving[2] = { FALSE, TRUE };
    g_assert_cmpuint(step(p, &f, 2, demand, delay, leaving), ==, 1);
    g_assert_cmpuint(f.per_vm[0], ==, 1);
    g_assert_cmpuint(f.per_vm[1], ==, 0);                 /* leaving: nothing */
    g_assert_cmpfloat_with_epsilon(f.last[0].demand, 1.5, 1e-9);
    g_assert_cmpfloat_with_epsilon(f.last[0].unmet, 0.3, 1e-9);
    g_assert_cmpfloat(f.last[0].interval_s, ==, 5.0);
    g_assert_cmpfloat(f.last[0].every_s, >=, SOVA_CPU_PUB_REPUBLISH_S);
    guint64 seq0 = f.last[0].seq;
    demand[0] = 153;                                      /* 0.03 pCPU: noise */
    g_assert_cmpuint(step(p, &f, 2, demand, delay, leaving), ==, 0);
    demand[0] = 200;                                      /* 0.5 pCPU: beyond */
    g_assert_cmpuint(step(p, &f, 2, demand, delay, leaving), ==, 1);
    g_assert_cmpfloat_with_epsilon(f.last[0].demand, 2.0, 1e-9);
    g_assert_cmpuint(f.last[0].seq, >, seq0);
    guint before = f.per_vm[0];
    guint period = (guint)(SOVA_CPU_PUB_REPUBLISH_S / 5.0);
    for (guint k = 1; k < period; k++)
        step(p, &f, 2, demand, delay, leaving);
    g_assert_cmpuint(f.per_vm[0], ==, before);            /* unchanged: quiet */
    step(p, &f, 2, demand, delay, leaving);
    g_assert_cmpuint(f.per_vm[0], ==, before + 1);        /* now and then */
    g_assert_cmpuint(f.per_vm[1], ==, 0);
    sova_agent_cpu_pub_free(p);
}

/* P3: however many VMs change, the writes of one interval stay within the budget, every VM
 * is published (the never published first, then the longest waiting), and the `every` it
 * is told covers a round of the budget over all the VMs */
static void test_writes_bounded(void)
{
    FakeBackend f = { .base.ops = &fake_ops };
    SovaAgentCpuPub *p = sova_agent_cpu_pub_new();
    double demand[MAX_VMS], delay[MAX_VMS] = { 0 };
    guint period = (guint)(SOVA_CPU_PUB_REPUBLISH_S / 5.0);
    guint budget = SOVA_CPU_PUB_BUDGET;
    for (guint k = 0; k < 3 * period; k++) {
        for (guint i = 0; i < MAX_VMS; i++)
            demand[i] = k % 2 ? 100 : 20;                 /* every VM swings every interval */
        g_assert_cmpuint(step(p, &f, MAX_VMS, demand, delay, NULL), <=, budget);
    }
    for (guint i = 0; i < MAX_VMS; i++)
        g_assert_cmpuint(f.per_vm[i], >, 0);
    g_assert_cmpuint(f.writes, <=, budget * 3 * period);
    g_assert_cmpuint(f.writes, <, MAX_VMS * 3 * period / 4);   /* far from every VM every time */
    for (guint i = 0; i < MAX_VMS; i++)
        g_assert_cmpfloat(f.last[i].every_s, >=, 5.0 * MAX_VMS / budget);
    sova_agent_cpu_pub_free(p);
}

/* a dry run writes nothing; a backend with nowhere to publish is no error */
static void test_dry_run_and_no_backend(void)
{
    FakeBackend f = { .base.ops = &fake_ops };
    static const SovaBackendOps none = { .name = "none" };
    FakeBackend g = { .base.ops = &none };
    SovaAgentCpuPub *p = sova_agent_cpu_pub_new();
    double demand[1] = { 100 }, delay[1] = { 10 };
    g_autoptr(SovaModel) m = model(1, demand, delay, NULL);
    g_assert_cmpuint(sova_agent_cpu_pub_step(p, &f.base, m, 1, 5, TRUE), ==, 0);
    g_assert_cmpuint(sova_agent_cpu_pub_step(p, &g.base, m, 1, 5, FALSE), ==, 0);
    g_assert_cmpuint(f.writes, ==, 0);
    sova_agent_cpu_pub_free(p);
}

static void test_fresh_or_stale(void)
{
    SovaCpuSummary s = { .has = TRUE, .demand = 1, .interval_s = 5, .every_s = 60 };
    g_assert_true(sova_cpu_summary_fresh(&s, 20));
    s.age_s = 60 + 3 * 20;                                /* late by 3 controller intervals */
    g_assert_true(sova_cpu_summary_fresh(&s, 20));
    s.age_s = 60 + 3 * 20 + 1;
    g_assert_false(sova_cpu_summary_fresh(&s, 20));
    s.age_s = -61;                                        /* a clock far ahead */
    g_assert_false(sova_cpu_summary_fresh(&s, 20));
    s.age_s = -10;                                        /* a little skew */
    g_assert_true(sova_cpu_summary_fresh(&s, 20));
    s.age_s = NAN;
    g_assert_false(sova_cpu_summary_fresh(&s, 20));
    s.age_s = 0;
    s.has = FALSE;
    g_assert_false(sova_cpu_summary_fresh(&s, 20));
    g_assert_false(sova_cpu_summary_fresh(NULL, 20));
}

/* the controller's own estimate, moved by the part of the summary's difference from it (at
 * the summary's writing) beyond the agent's publication noise, never beyond what either
 * says; a new publication measures the difference again; one written half an interval or
 * more before this reading is measured from the reading before; stale: the controller's
 * own */
static void test_choose(void)
{
    SovaCpuSummary s = { .has = TRUE, .demand = 1.8, .interval_s = 5, .every_s = 60, .seq = 1 };
    SovaCpuSummaryTrack t = { 0 };
    gboolean used = FALSE;
    /* 0.8 above own, the noise 0.18 (a tenth of 1.8): own + 0.62 */
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 1.0, &t, &used), 1.62, 1e-9);
    g_assert_true(used);
    /* own up by 0.5 since: 2.12, but no more than either says */
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 1.5, &t, NULL), 1.8, 1e-9);
    /* own down by 1.0 since: the VM went quieter than the agent has said yet */
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 0.0, &t, NULL), 0.62, 1e-9);
    s.seq = 2;
    s.demand = 0.4;   /* 0.4 above own (0), the noise 0.05 */
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 0.0, &t, NULL), 0.35, 1e-9);
    /* written 15 s before this reading: measured from the previous reading's own (0.0) */
    s.seq = 3;
    s.demand = 1.0;
    s.age_s = 15;
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 1.2, &t, NULL), 1.2, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 2.0, &t, NULL), 2.0, 1e-9);
    /* the same sequence number from another agent (the VM migrated): measured again, 0.5
     * below own, 0.35 beyond the noise */
    s.at = 500;
    s.age_s = 0;
    s.demand = 1.5;
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 2.0, &t, NULL), 1.65, 1e-9);
    s.age_s = 1000;
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 0.7, &t, &used), 0.7, 1e-9);
    g_assert_false(used);
    g_assert_false(t.has);
}

/* K1: a VM whose demand rises steadily (0.05 pCPU a 20 s reading, about 3 pCPUs), its agent
 * publishing every third reading a figure a little ahead of the controller's smoothed
 * estimate and off by its one-second noise (all within a tenth of the demand): the
 * controller reads its own estimate, rising by the same step every reading. Taking the
 * summary's level read a staircase (flat while its own caught up with the summary, then a
 * jump at the next one), several times the wobble from sample to sample, and the trend
 * rule (cluster_sova_trend.c) saw the rise late */
static void test_choose_ramp_reads_smoothly(void)
{
    static const double noise[] = { 0.08, -0.06, 0.11, -0.1, 0.02, 0.09, -0.04 };
    SovaCpuSummary s = { .has = TRUE, .interval_s = 1, .every_s = 60 };
    SovaCpuSummaryTrack t = { 0 };
    double last = 0;
    for (guint k = 0; k < 21; k++) {
        double own = 2.5 + 0.05 * k;
        if (k % 3 == 0) {
            s.seq++;
            s.demand = own + 0.1 + noise[(k / 3) % G_N_ELEMENTS(noise)];
            s.age_s = 17;   /* written 17 s before this reading */
        } else {
            s.age_s += 20;
        }
        double d = sova_cpu_summary_choose(&s, 20, own, &t, NULL);
        if (k)
            g_assert_cmpfloat_with_epsilon(d - last, 0.05, 1e-9);
        last = d;
    }
}

/* a step beyond the agent's noise (1 -> 2 pCPUs) is taken at once but for the noise, and the
 * controller's own estimate catching up with it (EWMA) is never counted twice */
static void test_choose_step_not_counted_twice(void)
{
    SovaCpuSummary s = { .has = TRUE, .demand = 2.0, .interval_s = 1, .every_s = 60, .seq = 4 };
    SovaCpuSummaryTrack t = { 0 };
    g_assert_cmpfloat_with_epsilon(sova_cpu_summary_choose(&s, 20, 1.0, &t, NULL), 1.8, 1e-9);
    static const double own[] = { 1.5, 1.75, 1.875, 2.0 };
    for (guint k = 0; k < G_N_ELEMENTS(own); k++) {
        s.age_s += 20;
        double d = sova_cpu_summary_choose(&s, 20, own[k], &t, NULL);
        g_assert_cmpfloat(d, >=, 1.8 - 1e-9);
        g_assert_cmpfloat(d, <=, 2.0 + 1e-9);
    }
}

static SovaSnapshot *host(double t, double vm_run, const SovaCpuSummary *sum)
{
    SovaSnapshot *s = sova_snapshot_new(4);
    s->time_us = (gint64)(t * 1e6);
    s->memory_kib = 8 << 20;
    for (guint i = 0; i < 4; i++) {
        sova_snapshot_pcpu(s, i)->busy_ns = S(t * 0.5);
        sova_snapshot_pcpu(s, i)->idle_ns = S(t * 0.5);
    }
    SovaVmSample *v = sova_snapshot_add_vm(s, UA, "a", 2);
    sova_vm_vcpu(v, 0)->time_ns = S(vm_run);   /* one vCPU runs, no delay seen */
    v->cpu_time_ns = S(vm_run);
    v->memory_kib = 1 << 20;
    if (sum)
        v->cpu_summary = *sum;
    return s;
}

/* the controller's estimate from its 20 s samples sees 1 pCPU; the agent, which sees the
 * run-queue delay, says 1.8: a fresh summary moves it by the difference beyond the agent's
 * noise (0.8 - 0.18: 1.62), a stale one is ignored */
static void test_builder_prefers_fresh_summary(void)
{
    static const char *const names[] = { "h0", NULL };
    SovaClusterBuildParams bp = { .ewma_alpha = 1.0, .high_water = 0.85, .interval_s = 20,
                                  .weights = { 1, 1, 1 } };
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 1, &bp);
    SovaCpuSummary fresh = { .has = TRUE, .demand = 1.8, .unmet = 0.8, .interval_s = 5,
                             .every_s = 120, .seq = 7, .age_s = 30 };
    SovaSnapshot *s0 = host(100, 50, NULL);
    g_assert_null(sova_cluster_builder_update(b, &s0));
    SovaSnapshot *s1 = host(120, 70, &fresh);
    g_autoptr(SovaCluster) c1 = sova_cluster_builder_update(b, &s1);
    g_assert_cmpfloat_with_epsilon(sova_cluster_vm(c1, 0)->cpu, 1.62, 1e-9);
    SovaCpuSummary stale = fresh;
    stale.age_s = 120 + 3 * 20 + 5;
    SovaSnapshot *s2 = host(140, 90, &stale);
    g_autoptr(SovaCluster) c2 = sova_cluster_builder_update(b, &s2);
    g_assert_cmpfloat_with_epsilon(sova_cluster_vm(c2, 0)->cpu, 1.0, 1e-6);
    SovaSnapshot *s3 = host(160, 110, NULL);
    g_autoptr(SovaCluster) c3 = sova_cluster_builder_update(b, &s3);
    g_assert_cmpfloat_with_epsilon(sova_cluster_vm(c3, 0)->cpu, 1.0, 1e-6);
}

/* the unmet part the same way (cluster_vm_cpu.h): a fresh summary's (0.8, from the agent),
 * else the controller's own reading of the run-queue delay (0.25 pCPU: 5 s of delay in
 * 20 s), at most the demand */
static void test_builder_unmet_from_summary(void)
{
    static const char *const names[] = { "h0", NULL };
    SovaClusterBuildParams bp = { .ewma_alpha = 1.0, .high_water = 0.85, .interval_s = 20,
                                  .weights = { 1, 1, 1 } };
    g_autoptr(SovaClusterBuilder) b = sova_cluster_builder_new(names, 1, &bp);
    SovaCpuSummary fresh = { .has = TRUE, .demand = 1.8, .unmet = 0.8, .interval_s = 5,
                             .every_s = 120, .seq = 7, .age_s = 30 };
    SovaCpuSummary stale = fresh;
    stale.age_s = 120 + 3 * 20 + 5;
    const SovaCpuSummary *sums[] = { NULL, &fresh, &stale, NULL };
    for (guint k = 0; k < G_N_ELEMENTS(sums); k++) {
        SovaSnapshot *s = host(100 + 20 * k, 50 + 15 * k, sums[k]);
        SovaVcpuSample *vc = sova_vm_vcpu(g_ptr_array_index(s->vms, 0), 0);
        vc->has_delay = TRUE;
        vc->delay_ns = S(5 * k);
        g_autoptr(SovaCluster) c = sova_cluster_builder_update(b, &s);
        if (!k)
            continue;
        const SovaClusterVm *v = sova_cluster_vm(c, 0);
        gboolean agent = sums[k] == &fresh;
        g_assert_cmpint(v->cpu_from_agent, ==, agent);
        g_assert_cmpstr(sova_cluster_vm_cpu_source(v), ==, agent ? "agent" : "controller");
        g_assert_cmpfloat_with_epsilon(v->cpu_unmet, agent ? 0.8 : 0.25, 1e-6);
        g_assert_cmpfloat(v->cpu_unmet, <=, v->cpu);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-summary/publish-on-change-and-now-and-then",
                    test_publish_on_change_and_now_and_then);
    g_test_add_func("/cpu-summary/writes-bounded", test_writes_bounded);
    g_test_add_func("/cpu-summary/dry-run-and-no-backend", test_dry_run_and_no_backend);
    g_test_add_func("/cpu-summary/fresh-or-stale", test_fresh_or_stale);
    g_test_add_func("/cpu-summary/choose", test_choose);
    g_test_add_func("/cpu-summary/choose-ramp-reads-smoothly", test_choose_ramp_reads_smoothly);
    g_test_add_func("/cpu-summary/choose-step-not-counted-twice", test_choose_step_not_counted_twice);
    g_test_add_func("/cpu-summary/builder-prefers-fresh-summary", test_builder_prefers_fresh_summary);
    g_test_add_func("/cpu-summary/builder-unmet-from-summary", test_builder_unmet_from_summary);
    return g_test_run();
}
