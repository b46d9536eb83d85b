/* test_controller_loop.c — the controller's loop (daemon/controller.c) over fake
 * backends whose migrations succeed: a migration in flight counts on its destination,
 * its end is reported once with its duration and downtime, the moved VM is not moved
 * again within the cooldown, --once follows what it started to its end and acts only on a
 * plan the policy confirmed (an UNCONFIRMED one is held, the running loop reports it), a
 * refused start is in the record and --once's error, no readable host is an error of the
 * step, a stop waits for migrations in flight (at most drain_timeout, then aborts them; a
 * second stop aborts them at once), and a host that comes back is used again. (The
 * failure path runs on libvirt's test driver: tests/libvirt/test_controller.c.)
 *
 * The fake cluster shares one simulated clock; a migration takes `polls` polls. The
 * policy is a stub that moves one VM from the host with the most VMs to the one with
 * the fewest, so these tests check the loop, not the planning. */
#include "daemon/controller.h"
#include <string.h>

#define S(x) ((guint64)((x) * 1e9))

typedef struct Fake Fake;

typedef struct {
    SovaBackend base;
    Fake *fake;
    guint index;
    gboolean down;
} FakeHost;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    guint host;               /* where it runs */
    int to;                   /* migrating to; -1 none */
    guint polls;              /* polls so far */
    gboolean marked;          /* its leaving mark: set by a start, removed when it ends */
    gboolean abort_asked;     /* migrate_abort: the next poll ends it, the VM stays */
} FakeVm;

struct Fake {
    double clock;
    FakeHost hosts[3];
    guint n_hosts;
    FakeVm vms[6];
    guint n_vms;
    guint polls_needed;
    guint starts;
    char last_uri[64];        /* the data URI of the last start */
    guint aborts;             /* migrate_abort calls */
    SovaControllerStop *stop; /* a second stop request at the poll number ... */
    guint stop_again_at;      /* ... of a migration (0: none) */
    gboolean refuse_start;    /* migrate_start fails with "no room" */
};

static SovaSnapshot *fake_sample(SovaBackend *be, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    if (h->down) {
        g_set_error(error, g_quark_from_static_string("fake"), 1, "host %u is down", h->index);
        return NULL;
    }
    SovaSnapshot *s = sova_snapshot_new(2);
    s->time_us = (gint64)(h->fake->clock * 1e6);
    s->memory_kib = 4 << 20;
    for (guint p = 0; p < 2; p++)
        sova_snapshot_pcpu(s, p)->idle_ns = S(h->fake->clock);
    for (guint i = 0; i < h->fake->n_vms; i++) {
        const FakeVm *v = &h->fake->vms[i];
        if (v->host != h->index)
            continue;
        g_autofree char *name = g_strdup_printf("vm%u", i);
        SovaVmSample *vm = sova_snapshot_add_vm(s, v->uuid, name, 1);
        vm->memory_kib = 1 << 20;
    }
    return s;
}

static gboolean fake_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    ((FakeHost *)be)->fake->clock += seconds;
    return !(stop && g_atomic_int_get(stop));
}

static FakeVm *fake_vm(Fake *f, const char *uuid)
{
    for (guint i = 0; i < f->n_vms; i++)
        if (strcmp(f->vms[i].uuid, uuid) == 0)
            return &f->vms[i];
    return NULL;
}

static gboolean fake_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                           const SovaMigrateOptions *opts, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    if (h->fake->refuse_start) {
        g_set_error(error, g_quark_from_static_string("fake"), 2, "no room on h%u",
                    ((FakeHost *)dest)->index);
        return FALSE;
    }
    g_strlcpy(h->fake->last_uri, opts->migrate_uri ? opts->migrate_uri : "", sizeof h->fake->last_uri);
    FakeVm *v = fake_vm(h->fake, uuid);
    g_assert_nonnull(v);
    g_assert_cmpuint(v->host, ==, h->index);
    g_assert_cmpint(v->to, ==, -1);
    v->to = (int)((FakeHost *)dest)->index;
    v->polls = 0;
    v->marked = TRUE;
    h->fake->starts++;
    return TRUE;
}

static gboolean fake_poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *out)
{
    FakeHost *h = (FakeHost *)be;
    FakeVm *v = fake_vm(h->fake, uuid);
    memset(out, 0, sizeof *out);
    if (!v || v->to < 0 || v->host != h->index)
        return FALSE;
    out->elapsed_s = ++v->polls;
    if (h->fake->stop && v->polls == h->fake->stop_again_at)
        sova_controller_stop_request(h->fake->stop);
    if (v->abort_asked) {
        out->state = SOVA_MIGRATION_FAILED;
        out->aborted = TRUE;
        out->downtime_s = -1;
        out->error = g_strdup("aborted on request");
        v->to = -1;
        v->marked = v->abort_asked = FALSE;
        return TRUE;
    }
    if (v->polls < h->fake->polls_needed) {
        out->state = SOVA_MIGRATION_RUNNING;
        out->progress = (double)v->polls / h->fake->polls_needed;
        out->downtime_s = -1;
        return TRUE;
    }
    out->state = SOVA_MIGRATION_DONE;
    out->downtime_s = 0.05;
    v->host = (guint)v->to;
    v->to = -1;
    v->marked = FALSE;
    return TRUE;
}

static gboolean fake_abort(SovaBackend *be, const char *uuid, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    FakeVm *v = fake_vm(h->fake, uuid);
    h->fake->aborts++;
    if (!v || v->to < 0 || v->host != h->index) {
        g_set_error(error, g_quark_from_static_string("fake"), 2, "no migration of %s", uuid);
        return FALSE;
    }
    v->abort_asked = TRUE;
    return TRUE;
}

static void fake_free(SovaBackend *be)
{
    (void)be;   /* embedded in Fake */
}

static const SovaBackendOps fake_ops = {
    .name = "fake", .sample = fake_sample, .wait = fake_wait,
    .migrate_start = fake_start, .migrate_poll = fake_poll, .migrate_abort = fake_abort,
    .free = fake_free,
};

static void fake_init(Fake *f, guint n_hosts, guint n_vms, guint polls)
{
    memset(f, 0, sizeof *f);
    f->clock = 100;
    f->n_hosts = n_hosts;
    f->polls_needed = polls;
    for (guint i = 0; i < n_hosts; i++)
        f->hosts[i] = (FakeHost){ .base.ops = &fake_ops, .fake = f, .index = i };
    f->n_vms = n_vms;
    for (guint i = 0; i < n_vms; i++) {
        g_snprintf(f->vms[i].uuid, SOVA_UUID_LEN, "00000000-0000-0000-0000-%012u", i);
        f->vms[i].to = -1;
    }
}

/* ---- the stub policy ---- */

static guint count_on(const SovaCluster *c, guint h)
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

static const SovaClusterPolicy stub = { .name = "stub", .summary = "test", .plan = stub_plan };

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
static const SovaClusterPolicy confirming = { .name = "confirming", .summary = "test",
                                              .state_new = count_new, .state_free = g_free,
                                              .plan = confirming_plan };

/* never confirms: every plan UNCONFIRMED, with the stub's move in it */
static SovaPlan *doubting_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    SovaPlan *plan = stub_plan(c, p, state);
    plan->status = SOVA_PLAN_UNCONFIRMED;
    return plan;
}
static const SovaClusterPolicy doubting = { .name = "doubting", .summary = "test",
                                            .plan = doubting_plan };

/* ---- what the loop reported ---- */

typedef struct {
    guint intervals, started, finished_ok;
    guint failed_to_start, unconfirmed;
    char start_error[64];     /* the last result that failed */
    double downtime, duration;
    gboolean saw_in_flight_on_dest;
    double imbalance_before, imbalance_after;
    SovaControllerStop *stop_after_start;   /* a stop request once one has started ... */
    const double *clock;      /* ... and the fake clock then */
    double stopped_at;
} Seen;

static void observe(const SovaControllerInterval *iv, gpointer data)
{
    Seen *s = data;
    s->intervals++;
    s->started += iv->started;
    s->failed_to_start += iv->failed_to_start;
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

static SovaController *controller_drain(Fake *f, Seen *seen, gboolean dry_run,
                                        const SovaClusterPolicy *policy, double drain_timeout)
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
                                .drain_timeout = drain_timeout,
                                .observer = observe, .observer_data = seen };
    return sova_controller_new(hosts, f->n_hosts, policy, &o);
}

static SovaController *controller_with(Fake *f, Seen *seen, gboolean dry_run,
                                       const SovaClusterPolicy *policy)
{
    return controller_drain(f, seen, dry_run, policy, 0);
}

static SovaController *controller(Fake *f, Seen *seen, gboolean dry_run)
{
    return controller_with(f, seen, dry_run, &stub);
}

static void step(SovaController *c, Fake *f)
{
    g_assert_true(sova_controller_step(c, NULL));
    f->clock += 1;
}

/* start, in flight on the destination, done once with its figures, cooldown after */
static void test_migration_succeeds(void)
{
    Fake f;
    fake_init(&f, 2, 3, 3);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    step(c, &f);                                  /* baseline */
    step(c, &f);                                  /* plans and starts one */
    g_assert_cmpuint(seen.started, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpstr(f.last_uri, ==, "tcp://h1-data");   /* the destination's data channel */
    for (int i = 0; i < 5 && !seen.finished_ok; i++)
        step(c, &f);
    g_assert_true(seen.saw_in_flight_on_dest);
    g_assert_cmpuint(seen.finished_ok, ==, 1);
    g_assert_cmpfloat(seen.downtime, ==, 0.05);
    g_assert_cmpfloat(seen.duration, ==, 3);
    g_assert_cmpfloat(seen.imbalance_after, <=, seen.imbalance_before);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 0);
    const SovaCluster *cl = sova_controller_cluster(c);
    g_assert_cmpuint(count_on(cl, 0), ==, 2);
    g_assert_cmpuint(count_on(cl, 1), ==, 1);
    /* 2 vs 1: balanced for the stub; nothing else starts, the moved VM stays */
    for (int i = 0; i < 5; i++)
        step(c, &f);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(seen.finished_ok, ==, 1);    /* reported once */
    cl = sova_controller_cluster(c);
    guint moved = 0;
    for (guint i = 0; i < cl->vms->len; i++)
        moved += sova_cluster_vm(cl, i)->last_moved >= 0;
    g_assert_cmpuint(moved, ==, 1);
}

/* --once: one planned interval, then it follows that plan's migration to its end */
static void test_once_follows_to_the_end(void)
{
    Fake f;
    fake_init(&f, 2, 4, 4);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
    guint on1 = 0;
    for (guint i = 0; i < f.n_vms; i++)
        on1 += f.vms[i].host == 1 && f.vms[i].to < 0;
    g_assert_cmpuint(on1, ==, 1);
}

/* --once with a policy that confirms on a second sample: its UNCONFIRMED plan is held
 * (not reported, nothing started), the confirmed one acts */
static void test_once_confirms_on_a_second_sample(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_with(&f, &seen, FALSE, &confirming);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
}

/* --once with a policy that never confirms: after three held plans the next is reported
 * and carried out (its actions need no confirmation), instead of sampling for ever */
static void test_once_gives_up_waiting(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_with(&f, &seen, FALSE, &doubting);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpfloat(f.clock, >=, 100 + 4);    /* baseline + three held + the reported one */
}

/* the running loop reports the UNCONFIRMED plan (nothing in it starts) and acts on the
 * next, confirmed one */
static void test_loop_reports_unconfirmed(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_with(&f, &seen, FALSE, &confirming);
    step(c, &f);                                  /* baseline */
    step(c, &f);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
    g_assert_cmpuint(f.starts, ==, 0);
    step(c, &f);
    g_assert_cmpuint(seen.intervals, ==, 2);
    g_assert_cmpuint(seen.unconfirmed, ==, 1);
    g_assert_cmpuint(f.starts, ==, 1);
}

/* a migration the backend refuses to start: its result carries the backend's reason, it
 * counts as a failure, and --once exits 1 with that reason */
static void test_failed_start_propagated(void)
{
    Fake f;
    fake_init(&f, 2, 4, 2);
    f.refuse_start = TRUE;
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, &err), ==, 1);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.failed_to_start, ==, 1);
    g_assert_cmpuint(seen.started, ==, 0);
    g_assert_cmpstr(seen.start_error, ==, "no room on h1");
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "could not start: migrate vm"));
    g_assert_nonnull(strstr(err->message, "no room on h1"));
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
}

/* no host can be read: the step says so (an error, not a crash or a silent TRUE), and
 * --once gives up after three such intervals with the hosts' reason */
static void test_no_host_readable(void)
{
    Fake f;
    fake_init(&f, 2, 2, 2);
    f.hosts[0].down = f.hosts[1].down = TRUE;
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_controller_step(c, &err));
    g_assert_nonnull(strstr(err->message, "host 0 is down"));
    g_clear_error(&err);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, &err), ==, 1);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "no host could be read"));
    g_assert_cmpuint(seen.intervals, ==, 0);
}

/* no VM migrates or carries a leaving mark, and all run on host h */
static void assert_all_still_on(const Fake *f, guint h)
{
    for (guint i = 0; i < f->n_vms; i++) {
        g_assert_cmpint(f->vms[i].to, ==, -1);
        g_assert_false(f->vms[i].marked);
        g_assert_cmpuint(f->vms[i].host, ==, h);
    }
}

/* a stop while a migration is in flight (shorter than the drain limit, the default): the
 * loop ends after the migration does, nothing aborted */
static void test_stop_waits_for_flights(void)
{
    Fake f;
    fake_init(&f, 2, 4, 5);
    SovaControllerStop stop = { 0 };
    Seen seen = { .stop_after_start = &stop };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(f.aborts, ==, 0);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 1);
    for (guint i = 0; i < f.n_vms; i++) {
        g_assert_cmpint(f.vms[i].to, ==, -1);
        g_assert_false(f.vms[i].marked);
    }
}

/* a stop while a migration runs longer than drain_timeout: after that long (simulated
 * time) it is aborted, the VM stays on its source, unmarked, and the run returns 0 */
static void test_drain_limit_aborts(void)
{
    Fake f;
    fake_init(&f, 2, 4, 100000);
    SovaControllerStop stop = { 0 };
    Seen seen = { .stop_after_start = &stop, .clock = &f.clock };
    g_autoptr(SovaController) c = controller_drain(&f, &seen, FALSE, &stub, 30);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpuint(f.starts, ==, 1);
    g_assert_cmpuint(f.aborts, ==, 1);
    g_assert_cmpfloat(f.clock - seen.stopped_at, >=, 30);   /* it did wait its limit */
    g_assert_cmpfloat(f.clock - seen.stopped_at, <, 100);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 0);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
    assert_all_still_on(&f, 0);
}

/* a second stop request while draining aborts at once, long before the limit; a third
 * changes nothing */
static void test_second_stop_aborts(void)
{
    Fake f;
    fake_init(&f, 2, 4, 100000);
    SovaControllerStop stop = { 0 };
    f.stop = &stop;
    f.stop_again_at = 3;      /* the migration's third poll: draining by then */
    Seen seen = { .stop_after_start = &stop, .clock = &f.clock };
    g_autoptr(SovaController) c = controller_drain(&f, &seen, FALSE, &stub, 3600);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&stop.requests), ==, 2);
    g_assert_cmpuint(f.aborts, ==, 1);
    g_assert_cmpfloat(f.clock - seen.stopped_at, <, 60);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
    assert_all_still_on(&f, 0);
    g_assert_cmpuint(sova_controller_stop_request(&stop), ==, 3);
    g_assert_cmpint(g_atomic_int_get(&stop.stop), ==, 1);
    g_assert_cmpint(g_atomic_int_get(&stop.abort), ==, 1);
}

/* two requests before the loop runs: it starts nothing, and returns */
static void test_stop_before_the_start(void)
{
    Fake f;
    fake_init(&f, 2, 4, 5);
    SovaControllerStop stop = { 0 };
    g_assert_cmpuint(sova_controller_stop_request(&stop), ==, 1);
    g_assert_cmpuint(sova_controller_stop_request(&stop), ==, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    g_assert_cmpint(sova_controller_run(c, FALSE, &stop, NULL), ==, 0);
    g_assert_cmpuint(f.starts, ==, 0);
    g_assert_cmpuint(f.aborts, ==, 0);
}

/* dry run: the same plan every interval, nothing started */
static void test_dry_run(void)
{
    Fake f;
    fake_init(&f, 2, 3, 2);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, TRUE);
    for (int i = 0; i < 4; i++)
        step(c, &f);
    g_assert_cmpuint(seen.intervals, ==, 3);
    g_assert_cmpuint(f.starts, ==, 0);
    g_assert_cmpuint(seen.started, ==, 0);
}

/* the destination-to-be is down: not used; when it is back, it is */
static void test_down_host_comes_back(void)
{
    Fake f;
    fake_init(&f, 3, 4, 2);
    f.hosts[1].down = f.hosts[2].down = TRUE;
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&f, &seen, FALSE);
    for (int i = 0; i < 3; i++)
        step(c, &f);
    g_assert_cmpuint(f.starts, ==, 0);            /* only h0 is up: nowhere to go */
    g_assert_false(sova_cluster_host(sova_controller_cluster(c), 1)->up);
    f.hosts[2].down = FALSE;
    step(c, &f);                                  /* h2's baseline */
    step(c, &f);
    g_assert_cmpuint(f.starts, ==, 1);
    gboolean to_h2 = FALSE;
    for (guint i = 0; i < f.n_vms; i++)
        to_h2 |= f.vms[i].to == 2;
    g_assert_true(to_h2);
    g_assert_cmpstr(f.last_uri, ==, "tcp://default-data");   /* h2 has none of its own */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-loop/migration-succeeds", test_migration_succeeds);
    g_test_add_func("/controller-loop/once-follows-to-the-end", test_once_follows_to_the_end);
    g_test_add_func("/controller-loop/once-confirms-on-a-second-sample",
                    test_once_confirms_on_a_second_sample);
    g_test_add_func("/controller-loop/once-gives-up-waiting", test_once_gives_up_waiting);
    g_test_add_func("/controller-loop/loop-reports-unconfirmed", test_loop_reports_unconfirmed);
    g_test_add_func("/controller-loop/failed-start-propagated", test_failed_start_propagated);
    g_test_add_func("/controller-loop/no-host-readable", test_no_host_readable);
    g_test_add_func("/controller-loop/stop-waits-for-flights", test_stop_waits_for_flights);
    g_test_add_func("/controller-loop/drain-limit-aborts", test_drain_limit_aborts);
    g_test_add_func("/controller-loop/second-stop-aborts", test_second_stop_aborts);
    g_test_add_func("/controller-loop/stop-before-the-start", test_stop_before_the_start);
    g_test_add_func("/controller-loop/dry-run", test_dry_run);
    g_test_add_func("/controller-loop/down-host-comes-back", test_down_host_comes_back);
    return g_test_run();
}
