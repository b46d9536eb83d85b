/* test_agent_loop.c — the agent's cpu loop (daemon/agent.c) on a scripted backend: a
 * placement the model finds stale (vCPUs pinned to a pCPU that ran more than the pCPU
 * was busy) makes a REREAD interval — no actions, the backend drops its cached pins —
 * and the next interval, on the pins read afresh, plans normally; a backend whose pins
 * are not cached plans on as before. Every interval's record has one result per action.
 * The first plan comes a short wait after the baseline sample (--once: a whole interval).
 * The take-over at the baseline sample (policy/cpu_takeover.h) is carried out there, on the
 * simulated host, and reported with the first planned interval; a dry run only reports it. */
#include "daemon/agent.h"
#include "daemon/metrics_agent.h"
#include "backend/sim/sim_backend.h"
#include <string.h>

#define S(x) ((guint64)((x) * 1e9))

typedef struct {
    SovaBackend base;
    double t;
    gboolean cached;          /* the backend caches pins (can re-read them) */
    gboolean stale;           /* its cache says pCPU 1; the vCPU runs on pCPU 0 */
    guint forgets;
    double waits[4];          /* the first waits asked for */
    guint n_waits;
    volatile gint *stop;      /* set after 3 waits (NULL: never) */
} Fake;

static SovaSnapshot *fake_sample(SovaBackend *be, GError **error)
{
    (void)error;
    Fake *f = (Fake *)be;
    SovaSnapshot *s = sova_snapshot_new(2);
    s->time_us = (gint64)(f->t * 1e6);
    s->placement_cached = f->cached;
    sova_snapshot_pcpu(s, 0)->busy_ns = S(f->t);      /* pCPU 0 flat out */
    sova_snapshot_pcpu(s, 1)->idle_ns = S(f->t);      /* pCPU 1 idle */
    SovaVmSample *vm = sova_snapshot_add_vm(s, "00000000-0000-0000-0000-000000000001", "a", 1);
    SovaVcpuSample *v = sova_vm_vcpu(vm, 0);
    vm->cpu_time_ns = v->time_ns = S(f->t);
    v->has_delay = TRUE;
    int pin = f->stale ? 1 : 0;
    v->pcpu = pin;
    v->affinity = sova_cpuset_new(2);
    sova_cpuset_add(v->affinity, pin);
    return s;
}

static gboolean fake_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    (void)be, (void)a, (void)error;
    return TRUE;
}

static gboolean fake_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    (void)stop;
    Fake *f = (Fake *)be;
    f->t += seconds;
    if (f->n_waits < G_N_ELEMENTS(f->waits))
        f->waits[f->n_waits] = seconds;
    if (++f->n_waits >= 3 && f->stop)
        g_atomic_int_set(f->stop, 1);
    return TRUE;
}

static void fake_forget(SovaBackend *be)
{
    Fake *f = (Fake *)be;
    f->forgets++;
    f->stale = FALSE;         /* the next sample reads the real pins */
}

static void fake_free(SovaBackend *be)
{
    (void)be;
}

static const SovaBackendOps fake_ops = { .name = "fake", .sample = fake_sample,
                                         .execute = fake_execute, .wait = fake_wait,
                                         .forget_placement = fake_forget, .free = fake_free };

typedef struct {
    guint intervals, rereads;
    SovaPlanStatus last;
} Seen;

static void observe(const SovaAgentInterval *iv, gpointer data)
{
    Seen *s = data;
    s->intervals++;
    s->last = iv->plan->status;
    s->rereads += iv->plan->status == SOVA_PLAN_REREAD;
    g_assert_cmpuint(sova_plan_results_len(iv->results), ==, sova_plan_len(iv->plan));
    if (iv->plan->status == SOVA_PLAN_REREAD)
        g_assert_cmpuint(sova_plan_len(iv->plan), ==, 0);
}

static void run(Fake *f, Seen *seen, guint steps)
{
    g_autoptr(SovaConfig) cfg = sova_config_new();
    SovaAgentOptions o = { .quiet = TRUE, .observer = observe, .observer_data = seen };
    g_autoptr(SovaAgent) a = sova_agent_new(&f->base, cfg, sova_cpu_policy_find("balance"), &o);
    for (guint i = 0; i < steps; i++) {
        g_autoptr(GError) err = NULL;
        g_assert_true(sova_agent_step(a, &err));
        f->t += 1;
    }
}

/* stale pins: one REREAD interval, the cache dropped once, then planning as usual */
static void test_stale_placement_rereads(void)
{
    Fake f = { .base.ops = &fake_ops, .t = 10, .cached = TRUE, .stale = TRUE };
    Seen seen = { 0 };
    run(&f, &seen, 3);        /* baseline, the stale interval, one on the pins re-read */
    g_assert_cmpuint(seen.intervals, ==, 2);
    g_assert_cmpuint(seen.rereads, ==, 1);
    g_assert_cmpuint(f.forgets, ==, 1);
    g_assert_cmpint(seen.last, ==, SOVA_PLAN_ACT);
}

/* pins that are not cached are what the host says: nothing to re-read, plan on */
static void test_uncached_plans_on(void)
{
    Fake f = { .base.ops = &fake_ops, .t = 10, .cached = FALSE, .stale = TRUE };
    Seen seen = { 0 };
    run(&f, &seen, 3);
    g_assert_cmpuint(seen.intervals, ==, 2);
    g_assert_cmpuint(seen.rereads, ==, 0);
    g_assert_cmpuint(f.forgets, ==, 0);
}

/* the first plan comes SOVA_AGENT_FIRST_WAIT after the baseline sample, then every interval;
 * --once waits the whole interval */
static void test_first_wait(void)
{
    volatile gint stop = 0;
    Fake f = { .base.ops = &fake_ops, .t = 10, .stop = &stop };
    Seen seen = { 0 };
    g_autoptr(SovaConfig) cfg = sova_config_new();
    cfg->interval = 2;
    SovaAgentOptions o = { .quiet = TRUE, .observer = observe, .observer_data = &seen };
    g_autoptr(SovaAgent) a = sova_agent_new(&f.base, cfg, sova_cpu_policy_find("balance"), &o);
    g_assert_cmpfloat(sova_agent_next_wait(a), ==, 2);   /* no baseline yet */
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(sova_agent_run(a, FALSE, &stop, &err), ==, 0);
    g_assert_cmpuint(f.n_waits, ==, 3);
    g_assert_cmpfloat(f.waits[0], ==, SOVA_AGENT_FIRST_WAIT);
    g_assert_cmpfloat(f.waits[1], ==, 2);
    g_assert_cmpfloat(f.waits[2], ==, 2);
    g_assert_cmpuint(seen.intervals, ==, 2);
    /* --once: one whole interval between the baseline and the plan */
    Fake g = { .base.ops = &fake_ops, .t = 10 };
    g_autoptr(SovaAgent) b = sova_agent_new(&g.base, cfg, sova_cpu_policy_find("balance"), &o);
    g_assert_cmpint(sova_agent_run(b, TRUE, NULL, &err), ==, 0);
    g_assert_cmpuint(g.n_waits, ==, 1);
    g_assert_cmpfloat(g.waits[0], ==, 2);
}

typedef struct {
    guint records, with_takeover, takeover_actions, takeover_done, takeover_skipped;
    guint64 first_number;
    SovaMetrics *metrics;
} Takeover;

static void observe_takeover(const SovaAgentInterval *iv, gpointer data)
{
    Takeover *t = data;
    t->records++;
    sova_metrics_agent_observe(t->metrics, iv);
    if (!iv->takeover)
        return;
    t->with_takeover++;
    t->first_number = iv->number;
    t->takeover_actions = sova_plan_len(iv->takeover);
    t->takeover_done = iv->takeover_results->done;
    t->takeover_skipped = iv->takeover_results->skipped;
}

/* 8 vCPUs pinned to pCPU 0 of 4 on the simulated host, 3 planned intervals of balance: the
 * baseline sample releases all 8 (executed at once, counted as pin changes, in
 * sova_pin_changes_total as "share"), reported with interval 1 only; a dry run reports the
 * same 8, skipped, and changes nothing */
static void run_takeover(gboolean dry_run, Takeover *t)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load_data(
        "t.conf", "[host]\npcpus=4\n[vms]\ncount=8\ndemand=constant:50\npin=all-on-0\n", &err);
    g_assert_no_error(err);
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_autoptr(SovaConfig) cfg = sova_config_new();
    SovaAgentOptions o = { .quiet = TRUE, .dry_run = dry_run, .observer = observe_takeover,
                           .observer_data = t };
    g_autoptr(SovaAgent) a = sova_agent_new(be, cfg, sova_cpu_policy_find("balance"), &o);
    for (guint k = 0; k < 4; k++) {
        g_assert_true(sova_agent_step(a, &err));
        if (k == 0)
            g_assert_cmpuint(sova_agent_pin_changes(a), ==, dry_run ? 0 : 8);
        g_assert_true(sova_backend_wait(be, sova_agent_next_wait(a), NULL));
    }
    g_assert_cmpuint(t->records, ==, 3);
    g_assert_cmpuint(t->with_takeover, ==, 1);
    g_assert_cmpuint(t->first_number, ==, 1);
    g_assert_cmpuint(t->takeover_actions, ==, 8);
}

static void test_takeover_reported(void)
{
    g_autoptr(SovaMetrics) m = sova_metrics_new();
    Takeover t = { .metrics = m };
    run_takeover(FALSE, &t);
    g_assert_cmpuint(t.takeover_done, ==, 8);
    g_autofree char *text = sova_metrics_render(m);
    g_assert_nonnull(strstr(text, "sova_pin_changes_total{reason=\"share\"} 8\n"));
    g_autoptr(SovaMetrics) m2 = sova_metrics_new();
    Takeover dry = { .metrics = m2 };
    run_takeover(TRUE, &dry);
    g_assert_cmpuint(dry.takeover_done, ==, 0);
    g_assert_cmpuint(dry.takeover_skipped, ==, 8);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent-loop/stale-placement-rereads", test_stale_placement_rereads);
    g_test_add_func("/agent-loop/uncached-plans-on", test_uncached_plans_on);
    g_test_add_func("/agent-loop/first-wait", test_first_wait);
    g_test_add_func("/agent-loop/takeover-reported", test_takeover_reported);
    return g_test_run();
}
