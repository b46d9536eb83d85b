/* controller_loop_fixtures.c — the stub policies, the observer and the controllers of the
 * controller-loop tests; see controller_loop_fixtures.h. */
#include "controller_loop_fixtures.h"

/* ---- the stub policy ---- */

guint count_on(const SovaCluster *c, guint h)
{
    guint n = 0;
    for (guint i = 0; i < c->vms->len; i++)
        n += sova_cluster_vm(c, i)->host == (int)h;
    return n;
}

static SovaPlan *stub_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    (void)state;
    SovaPlan *plan = sova_plan_new();
    int hi = -1, lo = -1;
    guint flying = 0;
    for (guint i = 0; i < c->vms->len; i++)
        flying += sova_cluster_vm(c, i)->migrating;
    for (guint h = 0; h < c->hosts->len; h++) {
        if (!sova_cluster_host(c, h)->up)
            continue;
        if (hi < 0 || count_on(c, h) > count_on(c, (guint)hi))
            hi = (int)h;
        if (lo < 0 || count_on(c, h) < count_on(c, (guint)lo))
            lo = (int)h;
    }
    if (flying >= p->max_total || hi < 0 || count_on(c, (guint)hi) < count_on(c, (guint)lo) + 2)
        return plan;
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        gboolean cooling = v->last_moved >= 0 && c->now - v->last_moved < p->cooldown_s;
        if (v->host != hi || v->migrating || cooling)
            continue;
        sova_plan_add_migrate(plan, v->uuid, v->name, hi, sova_cluster_host(c, hi)->name, lo,
                              sova_cluster_host(c, lo)->name, 0.1, 1, "stub");
        break;
    }
    return plan;
}

const SovaClusterPolicy stub = { .name = "stub", .summary = "test", .plan = stub_plan };

/* like stub, but (like sova) confirms on a second sample: its first plan says so
 * (UNCONFIRMED, nothing in it), the next ones act; it counts its plans */
static gpointer count_new(void) { return g_new0(guint, 1); }
static SovaPlan *confirming_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    guint *plans = state;
    if (++*plans < 2) {
        SovaPlan *plan = sova_plan_new();
        plan->status = SOVA_PLAN_UNCONFIRMED;
        return plan;
    }
    return stub_plan(c, p, NULL);
}
const SovaClusterPolicy confirming = { .name = "confirming", .summary = "test",
                                       .state_new = count_new, .state_free = g_free,
                                       .plan = confirming_plan };

/* never confirms: every plan UNCONFIRMED, with the stub's move in it */
static SovaPlan *doubting_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    SovaPlan *plan = stub_plan(c, p, state);
    plan->status = SOVA_PLAN_UNCONFIRMED;
    return plan;
}
const SovaClusterPolicy doubting = { .name = "doubting", .summary = "test",
                                     .plan = doubting_plan };

/* ---- what the loop reported ---- */

static void observe(const SovaControllerInterval *iv, gpointer data)
{
    Seen *s = data;
    s->intervals++;
    s->started += iv->started;
    s->failed_to_start += iv->failed_to_start;
    s->recommended += iv->recommended;
    s->unconfirmed += iv->plan->status == SOVA_PLAN_UNCONFIRMED;
    g_assert_cmpuint(sova_plan_results_len(iv->results), ==, sova_plan_len(iv->plan));
    for (guint i = 0; i < sova_plan_results_len(iv->results); i++) {
        const SovaActionResult *r = sova_plan_result(iv->results, i);
        g_assert_true(r->action == sova_plan_action(iv->plan, i));
        if (r->outcome == SOVA_ACTION_FAILED)
            g_strlcpy(s->start_error, r->error, sizeof s->start_error);
    }
    for (guint i = 0; i < iv->cluster->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(iv->cluster, i);
        if (v->migrating && v->from_host == 0 && v->host == 1)
            s->saw_in_flight_on_dest = TRUE;
    }
    for (guint i = 0; i < iv->n_finished; i++) {
        const SovaControllerMigration *m = &iv->finished[i];
        g_assert_true(m->ok);
        g_assert_null(m->error);
        g_assert_cmpstr(m->reason, ==, "stub");
        s->finished_ok++;
        s->downtime = m->downtime_s;
        s->duration = m->duration_s;
        s->imbalance_before = m->imbalance_before;
        s->imbalance_after = m->imbalance_after;
    }
    if (iv->started && s->stop_after_start) {
        g_assert_cmpuint(sova_controller_stop_request(s->stop_after_start), ==, 1);
        s->stopped_at = s->clock ? *s->clock : 0;
    }
}

static SovaController *controller_full(Fake *f, Seen *seen, gboolean dry_run,
                                       const SovaClusterPolicy *policy, double drain_timeout,
                                       SovaMode mode)
{
    SovaControllerHost hosts[3];
    static const char *const names[] = { "h0", "h1", "h2" };
    static const char *const data[] = { "tcp://h0-data", "tcp://h1-data", NULL };
    for (guint i = 0; i < f->n_hosts; i++)
        hosts[i] = (SovaControllerHost){ .name = names[i], .backend = &f->hosts[i].base,
                                         .migrate_uri = data[i] };
    SovaControllerOptions o = { .quiet = TRUE, .dry_run = dry_run, .interval = 1,
                                .migrate.migrate_uri = "tcp://default-data",
                                .params = SOVA_CLUSTER_PARAMS_DEFAULT, .ewma_alpha = 1,
                                .drain_timeout = drain_timeout, .mode = mode,
                                .observer = observe, .observer_data = seen };
    return sova_controller_new(hosts, f->n_hosts, policy, &o);
}

SovaController *controller_drain(Fake *f, Seen *seen, gboolean dry_run,
                                 const SovaClusterPolicy *policy, double drain_timeout)
{
    return controller_full(f, seen, dry_run, policy, drain_timeout, SOVA_MODE_FULL);
}

SovaController *controller_mode(Fake *f, Seen *seen, SovaMode mode)
{
    return controller_full(f, seen, FALSE, &stub, 0, mode);
}

SovaController *controller_with(Fake *f, Seen *seen, gboolean dry_run,
                                const SovaClusterPolicy *policy)
{
    return controller_drain(f, seen, dry_run, policy, 0);
}

SovaController *controller(Fake *f, Seen *seen, gboolean dry_run)
{
    return controller_with(f, seen, dry_run, &stub);
}

void step(SovaController *c, Fake *f)
{
    g_assert_true(sova_controller_step(c, NULL));
    f->clock += 1;
}
