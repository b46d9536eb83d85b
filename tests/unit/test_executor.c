/* test_executor.c — the one executor (daemon/executor.c): one result per action in plan
 * order, a refused action does not stop the others and carries the backend's reason, a
 * dry run touches nothing, migrations start on the source host's backend with the
 * destination's data channel and refuse bad hosts, a VM already migrating or a backend
 * that cannot migrate, a REREAD plan drops the backend's cached placement (also in a dry
 * run), and the results reach the policy through its feedback call (the net policies
 * back off a VM whose attach failed). */
#include "daemon/executor.h"
#include "policy/net_policy.h"
#include <string.h>

#define UUID(n) "00000000-0000-0000-0000-00000000000" #n

typedef struct {
    SovaBackend base;
    guint executed, forgets, starts;
    gboolean refuse_attach;
    char last_uri[64];
    SovaBackend *last_dest;
} Fake;

static gboolean fake_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    Fake *f = (Fake *)be;
    if ((a->kind == SOVA_ACTION_ATTACH_VF && f->refuse_attach) ||
        (a->kind == SOVA_ACTION_PIN && a->vcpu == 9)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused %s", a->vm_name);
        return FALSE;
    }
    f->executed++;
    return TRUE;
}

static void fake_forget(SovaBackend *be)
{
    ((Fake *)be)->forgets++;
}

static gboolean fake_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                           const SovaMigrateOptions *opts, GError **error)
{
    Fake *f = (Fake *)be;
    if (strcmp(uuid, UUID(9)) == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no room on the destination");
        return FALSE;
    }
    f->starts++;
    f->last_dest = dest;
    g_strlcpy(f->last_uri, opts->migrate_uri ? opts->migrate_uri : "", sizeof f->last_uri);
    return TRUE;
}

static SovaSnapshot *fake_sample(SovaBackend *be, GError **error)
{
    (void)be;
    (void)error;
    return sova_snapshot_new(1);
}

static gboolean fake_wait(SovaBackend *be, double s, const volatile gint *stop)
{
    (void)be, (void)s, (void)stop;
    return TRUE;
}

static void fake_free(SovaBackend *be)
{
    (void)be;
}

static const SovaBackendOps fake_ops = { .name = "fake", .sample = fake_sample,
                                         .execute = fake_execute, .wait = fake_wait,
                                         .forget_placement = fake_forget,
                                         .migrate_start = fake_start, .free = fake_free };
static const SovaBackendOps mute_ops = { .name = "mute", .sample = fake_sample,
                                         .execute = fake_execute, .wait = fake_wait,
                                         .free = fake_free };

static void fake_init(Fake *f, const SovaBackendOps *ops)
{
    memset(f, 0, sizeof *f);
    f->base.ops = ops;
}

static const SovaActionResult *result(const SovaPlanResults *r, guint i)
{
    g_assert_cmpuint(i, <, sova_plan_results_len(r));
    return sova_plan_result(r, i);
}

/* pin, pin refused, attach, detach: four results, in order; the refusal says why */
static void test_results_per_action(void)
{
    Fake f;
    fake_init(&f, &fake_ops);
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_pin(plan, UUID(1), "a", 0, 0, 1, "move");
    sova_plan_add_pin(plan, UUID(1), "a", 9, 0, 1, "refused by the fake");
    sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, UUID(2), "b", "busy");
    sova_plan_add_vf(plan, SOVA_ACTION_DETACH_VF, UUID(3), "c", "quiet");
    g_autoptr(SovaPlanResults) r = sova_execute(&f.base, plan, NULL);
    g_assert_cmpuint(sova_plan_results_len(r), ==, 4);
    g_assert_cmpuint(r->done, ==, 3);
    g_assert_cmpuint(r->failed, ==, 1);
    g_assert_cmpuint(r->skipped, ==, 0);
    g_assert_cmpuint(f.executed, ==, 3);
    for (guint i = 0; i < 4; i++)
        g_assert_true(result(r, i)->action == sova_plan_action(plan, i));
    g_assert_cmpint(result(r, 0)->outcome, ==, SOVA_ACTION_DONE);
    g_assert_null(result(r, 0)->error);
    g_assert_cmpint(result(r, 1)->outcome, ==, SOVA_ACTION_FAILED);
    g_assert_cmpstr(result(r, 1)->error, ==, "refused a");
    g_assert_cmpint(result(r, 2)->outcome, ==, SOVA_ACTION_DONE);
    g_assert_cmpint(result(r, 3)->outcome, ==, SOVA_ACTION_DONE);
    g_assert_cmpuint(f.forgets, ==, 0);
}

/* a dry run: every action skipped, nothing reaches the backend */
static void test_dry_run_skips(void)
{
    Fake f;
    fake_init(&f, &fake_ops);
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_pin(plan, UUID(1), "a", 0, 0, 1, "move");
    sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, UUID(2), "b", "busy");
    SovaExecOptions eo = { .dry_run = TRUE };
    g_autoptr(SovaPlanResults) r = sova_execute(&f.base, plan, &eo);
    g_assert_cmpuint(r->skipped, ==, 2);
    g_assert_cmpuint(r->done + r->failed, ==, 0);
    g_assert_cmpuint(f.executed, ==, 0);
}

/* levels: a RECOMMEND plan (mode = manual) runs nothing; partial recommends migrations
 * and runs the rest; an action's own mark (net='manual') keeps it from running */
static void test_recommend(void)
{
    Fake f;
    fake_init(&f, &fake_ops);
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_pin(plan, UUID(1), "a", 0, 0, 1, "move");
    sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, UUID(2), "b", "busy");
    sova_plan_add_migrate(plan, UUID(3), "c", 0, "h0", 1, "h1", 0.1, 2, "hot");
    sova_plan_apply_mode(plan, SOVA_MODE_MANUAL);
    g_assert_cmpint(plan->status, ==, SOVA_PLAN_RECOMMEND);
    g_autoptr(SovaPlanResults) r = sova_execute(&f.base, plan, NULL);
    g_assert_cmpuint(r->recommended, ==, 3);
    g_assert_cmpuint(f.executed, ==, 0);
    g_assert_cmpint(result(r, 2)->outcome, ==, SOVA_ACTION_RECOMMENDED);

    plan->status = SOVA_PLAN_ACT;
    for (guint i = 0; i < sova_plan_len(plan); i++)
        sova_plan_action(plan, i)->recommend = FALSE;
    sova_plan_apply_mode(plan, SOVA_MODE_PARTIAL);
    g_assert_cmpuint(sova_plan_recommend_vm(plan, UUID(2), 1u << SOVA_ACTION_ATTACH_VF), ==, 1);
    g_autoptr(SovaPlanResults) p = sova_execute(&f.base, plan, NULL);
    g_assert_cmpint(result(p, 0)->outcome, ==, SOVA_ACTION_DONE);
    g_assert_cmpint(result(p, 1)->outcome, ==, SOVA_ACTION_RECOMMENDED);
    g_assert_cmpint(result(p, 2)->outcome, ==, SOVA_ACTION_RECOMMENDED);
    g_assert_cmpuint(f.executed, ==, 1);
    SovaMode m;
    g_assert_true(sova_mode_parse("Partial", &m) && m == SOVA_MODE_PARTIAL);
    g_assert_false(sova_mode_parse("auto", &m));
}

/* REREAD: no actions, the backend's cached placement is dropped, dry run or not; a
 * backend with no cache is left alone */
static void test_reread_forgets_placement(void)
{
    Fake f, mute;
    fake_init(&f, &fake_ops);
    fake_init(&mute, &mute_ops);
    g_autoptr(SovaPlan) plan = sova_plan_new();
    plan->status = SOVA_PLAN_REREAD;
    g_autoptr(SovaPlanResults) r = sova_execute(&f.base, plan, NULL);
    g_assert_cmpuint(sova_plan_results_len(r), ==, 0);
    g_assert_cmpuint(f.forgets, ==, 1);
    SovaExecOptions eo = { .dry_run = TRUE };
    g_autoptr(SovaPlanResults) dry = sova_execute(&f.base, plan, &eo);
    g_assert_cmpuint(f.forgets, ==, 2);
    g_autoptr(SovaPlanResults) none = sova_execute(&mute.base, plan, NULL);
    g_assert_cmpuint(sova_plan_results_len(none), ==, 0);
    plan->status = SOVA_PLAN_ACT;
    g_autoptr(SovaPlanResults) act = sova_execute(&f.base, plan, NULL);
    g_assert_cmpuint(f.forgets, ==, 2);
}

static gboolean busy_if_3(const char *uuid, gpointer data)
{
    (void)data;
    return strcmp(uuid, UUID(3)) == 0;
}

/* migrations: started on the source's backend towards the destination's, with its data
 * channel; bad hosts, a VM in flight, the same VM twice, a refusing backend and one that
 * cannot migrate each fail alone, with their reason */
static void test_migrations(void)
{
    Fake h[3];
    fake_init(&h[0], &fake_ops);
    fake_init(&h[1], &fake_ops);
    fake_init(&h[2], &mute_ops);
    SovaBackend *backends[3] = { &h[0].base, &h[1].base, &h[2].base };
    const char *uris[3] = { NULL, "tcp://h1-data", NULL };
    SovaMigrateOptions mo = { .migrate_uri = "tcp://default" };
    SovaExecHosts hosts = { .backends = backends, .n = 3, .migrate = &mo, .migrate_uris = uris,
                            .busy = busy_if_3 };
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_migrate(plan, UUID(1), "a", 0, "h0", 1, "h1", 0.1, 1, "ok");         /* 0 */
    sova_plan_add_migrate(plan, UUID(1), "a", 0, "h0", 1, "h1", 0.1, 1, "twice");      /* 1 */
    sova_plan_add_migrate(plan, UUID(2), "b", 0, "h0", 7, "h7", 0.1, 1, "bad host");   /* 2 */
    sova_plan_add_migrate(plan, UUID(3), "c", 0, "h0", 1, "h1", 0.1, 1, "in flight");  /* 3 */
    sova_plan_add_migrate(plan, UUID(9), "d", 1, "h1", 0, "h0", 0.1, 1, "refused");    /* 4 */
    sova_plan_add_migrate(plan, UUID(4), "e", 2, "h2", 0, "h0", 0.1, 1, "cannot");     /* 5 */
    sova_plan_add_migrate(plan, UUID(5), "f", 1, "h1", 0, "h0", 0.1, 1, "default uri"); /* 6 */
    SovaExecOptions eo = { .hosts = &hosts };
    g_autoptr(SovaPlanResults) r = sova_execute(NULL, plan, &eo);
    g_assert_cmpuint(sova_plan_results_len(r), ==, 7);
    g_assert_cmpuint(r->done, ==, 2);
    g_assert_cmpuint(r->failed, ==, 5);
    g_assert_cmpint(result(r, 0)->outcome, ==, SOVA_ACTION_DONE);
    g_assert_cmpstr(result(r, 1)->error, ==, "already migrating");
    g_assert_cmpstr(result(r, 2)->error, ==, "bad hosts in the plan");
    g_assert_cmpstr(result(r, 3)->error, ==, "already migrating");
    g_assert_cmpstr(result(r, 4)->error, ==, "no room on the destination");
    g_assert_cmpstr(result(r, 5)->error, ==, "the mute backend cannot migrate");
    g_assert_cmpint(result(r, 6)->outcome, ==, SOVA_ACTION_DONE);
    g_assert_cmpuint(h[0].starts, ==, 1);
    g_assert_true(h[0].last_dest == &h[1].base);
    g_assert_cmpstr(h[0].last_uri, ==, "tcp://h1-data");   /* the destination's channel */
    g_assert_cmpuint(h[1].starts, ==, 1);
    g_assert_cmpstr(h[1].last_uri, ==, "tcp://default");   /* h0 has none of its own */
    /* without hosts a migration cannot run; a host action without a backend neither */
    g_autoptr(SovaPlanResults) lone = sova_execute(&h[0].base, plan, NULL);
    g_assert_cmpuint(lone->failed, ==, 7);
    g_autoptr(SovaPlan) pin = sova_plan_new();
    sova_plan_add_pin(pin, UUID(1), "a", 0, 0, 1, "move");
    g_autoptr(SovaPlanResults) nobody = sova_execute(NULL, pin, NULL);
    g_assert_cmpuint(nobody->failed, ==, 1);
}

/* a net model with one busy VM on a host with one VF; the VM has only its standby */
static SovaNetModel *busy_model(guint k)
{
    g_autoptr(SovaSnapshot) a = sova_snapshot_new(1), b = sova_snapshot_new(1);
    a->time_us = (gint64)k * 1000000;
    b->time_us = (gint64)(k + 1) * 1000000;
    a->vf_pool = b->vf_pool = 1;
    SovaSnapshot *s[2] = { a, b };
    for (guint i = 0; i < 2; i++) {
        SovaVmSample *vm = sova_snapshot_add_vm(s[i], UUID(1), "a", 1);
        SovaNicSample *n = sova_vm_add_nic(vm, "ua-sova-net0", "52:54:00:00:00:01", "tap0",
                                           SOVA_NIC_STANDBY);
        n->rx_packets = (guint64)(k + i) * 50000;
    }
    SovaNetModelParams mp = { .ewma_alpha = 1 };
    return sova_net_model_build(a, b, NULL, &mp);
}

/* the results reach the policy through its feedback: a refused attach makes the net
 * policy back off that VM for the next intervals, instead of retrying it every one */
static void test_failures_fed_back(void)
{
    Fake f;
    fake_init(&f, &fake_ops);
    f.refuse_attach = TRUE;
    const SovaNetPolicy *pol = sova_net_policy_find("balance");
    gpointer st = sova_policy_state_new(&pol->head);
    SovaNetPolicyParams params = SOVA_NET_PARAMS_DEFAULT;
    params.pool_size = 1;
    params.min_dwell = 1;     /* so that only the backoff holds a retry back */
    guint attaches = 0;
    for (guint k = 0; k < 6; k++) {
        g_autoptr(SovaNetModel) m = busy_model(k);
        g_autoptr(SovaNetResult) res = sova_net_result_new();
        g_autoptr(SovaPlan) plan = pol->plan(m, &params, st, res);
        g_autoptr(SovaPlanResults) r = sova_execute(&f.base, plan, NULL);
        attaches += sova_plan_len(plan);
        if (k == 0) {
            g_assert_cmpuint(sova_plan_len(plan), ==, 1);   /* it asks at once ... */
            g_assert_cmpuint(r->failed, ==, 1);
        }
        sova_policy_feedback(&pol->head, st, plan, r);
    }
    /* ... and after the refusal waits (backoff 2, then 4 intervals): 2 tries in 6; without
     * the feedback it would retry every interval */
    g_assert_cmpuint(attaches, ==, 2);
    sova_policy_state_free(&pol->head, st);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/executor/results-per-action", test_results_per_action);
    g_test_add_func("/executor/dry-run-skips", test_dry_run_skips);
    g_test_add_func("/executor/recommend", test_recommend);
    g_test_add_func("/executor/reread-forgets-placement", test_reread_forgets_placement);
    g_test_add_func("/executor/migrations", test_migrations);
    g_test_add_func("/executor/failures-fed-back", test_failures_fed_back);
    return g_test_run();
}
