/* controller.c — the cluster controller's loop; see controller.h.
 *
 * Each interval: follow the migrations in flight (progress, end, failure), sample every
 * host (one that cannot be read is down for this interval, and retried at the next),
 * build the cluster (cluster_build.c), ask the cluster policy for a plan, start its
 * migrations (or print them in a dry run), report. Like the agent it owns no policy
 * logic and no hypervisor calls: hosts are backends, moves are migrate_start/poll. */
#include "daemon/controller.h"
#include "daemon/controller_stop.h"
#include "model/cluster_build.h"
#include "util/json.h"
#include "util/log.h"
#include "util/error.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PROGRESS_EVERY_S 10.0   /* log a long migration's progress this often */

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *vm_name;
    guint from, to;
    char *reason;
    double imbalance_before, imbalance_after;
    double logged_at;         /* elapsed seconds at the last progress line */
} Flight;

struct SovaController {
    SovaControllerHost *hosts;  /* names owned */
    guint n_hosts;
    gboolean *down;           /* host i could not be read at the last sample */
    const SovaClusterPolicy *policy;
    gpointer policy_state;
    SovaControllerOptions opts; /* strings and lists owned */
    SovaClusterBuilder *builder;
    SovaCluster *cluster;
    GPtrArray *flights;       /* Flight* */
    double now;
    guint64 number, migrations, failures;
    gboolean failed;          /* some migration failed (or did not start) since the start */
    GHashTable *stale_seen;   /* UUIDs whose stale leaving mark a dry run reported */
};

static void flight_free(Flight *f)
{
    g_free(f->vm_name);
    g_free(f->reason);
    g_free(f);
}

static void copy_options(SovaController *c, const SovaControllerOptions *opts)
{
    if (opts)
        c->opts = *opts;
    if (!(c->opts.interval > 0))
        c->opts.interval = 10;
    if (!(c->opts.drain_timeout > 0))
        c->opts.drain_timeout = SOVA_CONTROLLER_DRAIN_TIMEOUT;
    c->opts.exclude = g_strdupv(c->opts.exclude);
    c->opts.groups = g_strdupv(c->opts.groups);
    c->opts.migrate.migrate_uri = g_strdup(c->opts.migrate.migrate_uri);
    double sum = 0;
    for (int r = 0; r < SOVA_RES_N; r++)
        sum += c->opts.weights[r];
    for (int r = 0; r < SOVA_RES_N && !(sum > 0); r++)
        c->opts.weights[r] = 1.0;   /* none given: all count */
}

static SovaClusterBuilder *new_builder(const SovaController *c)
{
    g_autofree const char **names = g_new0(const char *, c->n_hosts + 1);
    for (guint i = 0; i < c->n_hosts; i++)
        names[i] = c->hosts[i].name;
    SovaClusterBuildParams bp = { .ewma_alpha = c->opts.ewma_alpha > 0 ? c->opts.ewma_alpha : 0.5,
                                  .high_water = c->opts.params.high_water,
                                  .exclude = (const char *const *)c->opts.exclude,
                                  .groups = (const char *const *)c->opts.groups };
    memcpy(bp.weights, c->opts.weights, sizeof bp.weights);
    SovaClusterBuilder *b = sova_cluster_builder_new(names, c->n_hosts, &bp);
    for (guint i = 0; i < c->n_hosts; i++)
        sova_cluster_builder_set_host(b, i, c->hosts[i].maintenance, c->hosts[i].excluded);
    return b;
}

SovaController *sova_controller_new(const SovaControllerHost *hosts, guint n_hosts,
                                    const SovaClusterPolicy *policy,
                                    const SovaControllerOptions *opts)
{
    g_return_val_if_fail(n_hosts > 0 && policy, NULL);
    SovaController *c = g_new0(SovaController, 1);
    c->n_hosts = n_hosts;
    c->hosts = g_new0(SovaControllerHost, n_hosts);
    c->down = g_new0(gboolean, n_hosts);
    for (guint i = 0; i < n_hosts; i++) {
        c->hosts[i] = hosts[i];
        c->hosts[i].name = g_strdup(hosts[i].name);
        c->hosts[i].migrate_uri = g_strdup(hosts[i].migrate_uri);
    }
    c->policy = policy;
    c->policy_state = policy->state_new ? policy->state_new() : NULL;
    copy_options(c, opts);
    c->builder = new_builder(c);
    c->flights = g_ptr_array_new_with_free_func((GDestroyNotify)flight_free);
    c->stale_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return c;
}

void sova_controller_free(SovaController *c)
{
    if (!c)
        return;
    for (guint i = 0; i < c->n_hosts; i++) {
        g_free((char *)c->hosts[i].name);
        g_free((char *)c->hosts[i].migrate_uri);
    }
    g_free(c->hosts);
    g_free(c->down);
    if (c->policy->state_free)
        c->policy->state_free(c->policy_state);
    g_strfreev(c->opts.exclude);
    g_strfreev(c->opts.groups);
    g_free((char *)c->opts.migrate.migrate_uri);
    sova_cluster_builder_free(c->builder);
    sova_cluster_free(c->cluster);
    g_ptr_array_unref(c->flights);
    g_hash_table_unref(c->stale_seen);
    g_free(c);
}

const SovaCluster *sova_controller_cluster(const SovaController *c) { return c->cluster; }
guint64 sova_controller_migrations(const SovaController *c) { return c->migrations; }
guint64 sova_controller_migration_failures(const SovaController *c) { return c->failures; }

/* ---- sampling ---- */

static SovaSnapshot *sample_host(SovaController *c, guint i)
{
    g_autoptr(GError) err = NULL;
    SovaSnapshot *s = sova_backend_sample(c->hosts[i].backend, &err);
    if (!s && !c->down[i] && !c->opts.quiet)
        sova_warn("host %s cannot be read: %s; it counts as down and is retried every interval",
                  c->hosts[i].name, err->message);
    else if (s && c->down[i] && !c->opts.quiet)
        sova_info("host %s can be read again", c->hosts[i].name);
    c->down[i] = s == NULL;
    if (s)
        c->now = MAX(c->now, s->time_us / 1e6);
    return s;
}

/* ---- migrations in flight ---- */

static gboolean in_flight(const SovaController *c, const char *uuid);

/* a VM marked leaving that none of our migrations explains: the mark was left by a
 * controller that stopped mid-migration; the host removes it when no job runs on the VM */
static void clear_stale_leaving(SovaController *c, guint i, const SovaSnapshot *s)
{
    for (guint k = 0; s && k < s->vms->len; k++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, k);
        if (!vm->leaving || in_flight(c, vm->uuid))
            continue;
        if (c->opts.dry_run) {
            if (g_hash_table_add(c->stale_seen, g_strdup(vm->uuid)) && !c->opts.quiet)
                sova_info("%s on %s carries a leaving mark no migration explains; a controller "
                          "that is not in a dry run removes it", vm->name, c->hosts[i].name);
            continue;
        }
        g_autoptr(GError) err = NULL;
        if (sova_backend_clear_stale_leaving(c->hosts[i].backend, vm->uuid, &err)) {
            if (!c->opts.quiet)
                sova_info("removed the stale leaving mark of %s on %s (a migration that no "
                          "longer runs)", vm->name, c->hosts[i].name);
        } else if (err) {
            sova_warn("%s on %s: %s", vm->name, c->hosts[i].name, err->message);
        }
    }
}

static double backoff_of(const SovaController *c, const char *uuid)
{
    double last_moved, failed_at;
    guint failures;
    sova_cluster_builder_history(c->builder, uuid, &last_moved, &failures, &failed_at);
    return c->opts.params.backoff_s * pow(2, failures > 0 ? failures - 1 : 0);
}

static void log_finished(const SovaController *c, const SovaControllerMigration *m,
                         double imbalance_now)
{
    if (c->opts.quiet)
        return;   /* stderr: also with --json, whose lines go to stdout */
    if (m->ok) {
        g_autofree char *dt = m->downtime_s >= 0 ? g_strdup_printf("%.0f ms", m->downtime_s * 1e3)
                                                 : g_strdup("unknown");
        g_autofree char *now = isnan(imbalance_now) ? g_strdup("")
                                                    : g_strdup_printf(", %.3f now", imbalance_now);
        sova_info("migrated %s: %s -> %s in %.1f s, downtime %s (%s); imbalance %.3f before, "
                  "%.3f expected%s", m->vm_name, m->from, m->to, m->duration_s, dt, m->reason,
                  m->imbalance_before, m->imbalance_after, now);
    } else {
        sova_warn("migration of %s: %s -> %s %s after %.1f s: %s; it stays on %s and is not "
                  "moved again for %.0f s", m->vm_name, m->from, m->to,
                  m->aborted ? "aborted" : "failed", m->duration_s, m->error, m->from,
                  backoff_of(c, m->uuid));
    }
}

static void log_progress(const SovaController *c, Flight *f, const SovaMigrationStatus *st)
{
    if (c->opts.quiet || st->elapsed_s - f->logged_at < PROGRESS_EVERY_S)
        return;
    f->logged_at = st->elapsed_s;
    if (st->progress >= 0)
        sova_info("migrating %s: %s -> %s: %.0f%% after %.0f s", f->vm_name,
                  c->hosts[f->from].name, c->hosts[f->to].name, st->progress * 100, st->elapsed_s);
    else
        sova_info("migrating %s: %s -> %s: running for %.0f s", f->vm_name,
                  c->hosts[f->from].name, c->hosts[f->to].name, st->elapsed_s);
}

/* the status of f; a migration its backend no longer knows is reported as failed */
static void poll_one(SovaController *c, Flight *f, SovaMigrationStatus *st)
{
    SovaBackend *be = c->hosts[f->from].backend;
    if (!be->ops->migrate_poll || !be->ops->migrate_poll(be, f->uuid, st)) {
        memset(st, 0, sizeof *st);
        st->state = SOVA_MIGRATION_FAILED;
        st->downtime_s = -1;
        st->error = g_strdup("the source host lost track of the migration");
    }
}

static SovaControllerMigration finished_of(const SovaController *c, const Flight *f,
                                           SovaMigrationStatus *st)
{
    SovaControllerMigration m = {
        .vm_name = f->vm_name, .from = c->hosts[f->from].name, .to = c->hosts[f->to].name,
        .ok = st->state == SOVA_MIGRATION_DONE, .aborted = st->aborted,
        .duration_s = st->elapsed_s, .downtime_s = st->downtime_s,
        .error = st->error, .reason = f->reason,
        .imbalance_before = f->imbalance_before, .imbalance_after = f->imbalance_after,
    };
    g_strlcpy(m.uuid, f->uuid, sizeof m.uuid);
    return m;
}

/* polls every flight; those that ended go to `done` (their Flight to `ended`, their
 * error strings to `strings`) and are removed from the flights */
static void poll_flights(SovaController *c, GArray *done, GPtrArray *ended, GPtrArray *strings)
{
    for (guint i = 0; i < c->flights->len;) {
        Flight *f = g_ptr_array_index(c->flights, i);
        SovaMigrationStatus st;
        poll_one(c, f, &st);
        if (st.state == SOVA_MIGRATION_RUNNING) {
            log_progress(c, f, &st);
            i++;
            continue;
        }
        if (st.error)
            g_ptr_array_add(strings, st.error);
        SovaControllerMigration m = finished_of(c, f, &st);
        g_array_append_val(done, m);
        sova_cluster_builder_migration_finished(c->builder, f->uuid, m.ok, c->now);
        if (m.ok)
            c->migrations++;
        else {
            c->failures++;
            c->failed = TRUE;
        }
        g_ptr_array_add(ended, g_ptr_array_steal_index(c->flights, i));
    }
}

/* ---- starting migrations ---- */

static gboolean in_flight(const SovaController *c, const char *uuid)
{
    for (guint i = 0; i < c->flights->len; i++)
        if (strcmp(((Flight *)g_ptr_array_index(c->flights, i))->uuid, uuid) == 0)
            return TRUE;
    return FALSE;
}

static gboolean start_one(SovaController *c, const SovaAction *a, double before, double after,
                          GError **error)
{
    if (a->from_host < 0 || a->to_host < 0 || (guint)a->from_host >= c->n_hosts ||
        (guint)a->to_host >= c->n_hosts || a->from_host == a->to_host)
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "bad hosts in the plan"), FALSE;
    if (in_flight(c, a->uuid))
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "already migrating"), FALSE;
    SovaBackend *src = c->hosts[a->from_host].backend, *dst = c->hosts[a->to_host].backend;
    if (!src->ops->migrate_start)
        return g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "the %s backend cannot migrate",
                           src->ops->name), FALSE;
    SovaMigrateOptions mo = c->opts.migrate;
    if (c->hosts[a->to_host].migrate_uri)
        mo.migrate_uri = c->hosts[a->to_host].migrate_uri;
    if (!src->ops->migrate_start(src, a->uuid, dst, &mo, error))
        return FALSE;
    Flight *f = g_new0(Flight, 1);
    g_strlcpy(f->uuid, a->uuid, sizeof f->uuid);
    f->vm_name = g_strdup(a->vm_name);
    f->from = (guint)a->from_host;
    f->to = (guint)a->to_host;
    f->reason = g_strdup(a->reason ? a->reason : "");
    f->imbalance_before = before;
    f->imbalance_after = after;
    g_ptr_array_add(c->flights, f);
    sova_cluster_builder_migration_started(c->builder, f->uuid, f->from, f->to);
    return TRUE;
}

/* the imbalance expected after each action of the plan, applied in order */
static double *expected_after(const SovaCluster *cl, const SovaPlan *plan)
{
    double *after = g_new0(double, sova_plan_len(plan) + 1);
    g_autoptr(SovaCluster) what_if = sova_cluster_copy(cl);
    after[0] = sova_cluster_imbalance(what_if);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        int v = sova_cluster_find_vm(what_if, a->uuid);
        if (a->kind == SOVA_ACTION_MIGRATE && v >= 0 && a->to_host >= 0 &&
            (guint)a->to_host < what_if->hosts->len)
            sova_cluster_move(what_if, (guint)v, (guint)a->to_host);
        after[i + 1] = sova_cluster_imbalance(what_if);
    }
    return after;
}

static void start_plan(SovaController *c, const SovaCluster *cl, const SovaPlan *plan,
                       SovaControllerInterval *iv)
{
    g_autofree double *after = expected_after(cl, plan);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        if (a->kind != SOVA_ACTION_MIGRATE)
            continue;
        g_autofree char *what = sova_action_describe(a);
        if (c->opts.dry_run) {
            if (!c->opts.json && !c->opts.quiet)
                printf("would %s; imbalance %.3f -> %.3f\n", what, after[i], after[i + 1]);
            continue;
        }
        g_autoptr(GError) err = NULL;
        if (!start_one(c, a, after[i], after[i + 1], &err)) {
            iv->failed_to_start++;
            c->failures++;
            c->failed = TRUE;
            sova_cluster_builder_migration_finished(c->builder, a->uuid, FALSE, cl->now);
            if (!c->opts.quiet)
                sova_warn("could not start: %s: %s", what, err->message);
            continue;
        }
        iv->started++;
        if (!c->opts.quiet)
            sova_info("started: %s; imbalance %.3f, expected %.3f after", what, after[i],
                      after[i + 1]);
    }
    if (c->opts.dry_run && !c->opts.json && !c->opts.quiet)
        fflush(stdout);
}

/* ---- reporting ---- */

static void json_migration(JsonBuilder *b, const SovaControllerMigration *m)
{
    json_builder_begin_object(b);
    sova_json_string(b, "vm", m->vm_name);
    sova_json_string(b, "uuid", m->uuid);
    sova_json_string(b, "from", m->from);
    sova_json_string(b, "to", m->to);
    sova_json_bool(b, "ok", m->ok);
    sova_json_bool(b, "aborted", m->aborted);
    sova_json_double(b, "duration_s", m->duration_s);
    sova_json_double(b, "downtime_s", m->downtime_s);
    sova_json_string(b, "reason", m->reason ? m->reason : "");
    if (m->error)
        sova_json_string(b, "error", m->error);
    sova_json_double(b, "imbalance_before", m->imbalance_before);
    sova_json_double(b, "imbalance_after", m->imbalance_after);
    json_builder_end_object(b);
}

static void print_json(const SovaController *c, const SovaControllerInterval *iv)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_int(b, "interval", (gint64)iv->number);
    sova_json_double(b, "now", iv->now);
    sova_json_double(b, "imbalance", iv->imbalance);
    sova_json_bool(b, "dry_run", c->opts.dry_run);
    json_builder_set_member_name(b, "cluster");
    json_builder_add_value(b, sova_cluster_to_json(iv->cluster));
    json_builder_set_member_name(b, "plan");
    json_builder_add_value(b, sova_plan_to_json(iv->plan));
    sova_json_int(b, "started", iv->started);
    sova_json_int(b, "failed_to_start", iv->failed_to_start);
    sova_json_int(b, "in_flight", iv->in_flight);
    json_builder_set_member_name(b, "finished");
    json_builder_begin_array(b);
    for (guint i = 0; i < iv->n_finished; i++)
        json_migration(b, &iv->finished[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, FALSE);
    printf("%s\n", text);
    fflush(stdout);
}

static void report(SovaController *c, const SovaControllerInterval *iv)
{
    if (c->opts.json && !c->opts.quiet)
        print_json(c, iv);
    else if (!c->opts.quiet && sova_plan_len(iv->plan))
        sova_info("interval %" G_GUINT64_FORMAT ": imbalance %.3f: %s", iv->number, iv->imbalance,
                  iv->plan->reason ? iv->plan->reason : "");
    else if (!c->opts.quiet)
        sova_debug("interval %" G_GUINT64_FORMAT ": imbalance %.3f: %s", iv->number,
                   iv->imbalance, iv->plan->reason ? iv->plan->reason : "no change");
    if (c->opts.observer)
        c->opts.observer(iv, c->opts.observer_data);
}

/* ---- the interval ---- */
/* Migrations are polled before the hosts are sampled, so that one that just ended is
 * seen where it now runs; its end is stamped with the previous sample's time. */

/* samples every host, builds the cluster and plans; NULL (and *plan NULL) when no cluster
 * could be built yet */
static SovaCluster *sample_and_plan(SovaController *c, SovaPlan **plan)
{
    g_autofree SovaSnapshot **snaps = g_new0(SovaSnapshot *, c->n_hosts);
    for (guint i = 0; i < c->n_hosts; i++) {
        snaps[i] = sample_host(c, i);
        clear_stale_leaving(c, i, snaps[i]);
    }
    SovaCluster *cl = sova_cluster_builder_update(c->builder, snaps);   /* takes snaps */
    *plan = cl ? sova_cluster_plan(c->policy, cl, &c->opts.params, c->policy_state) : NULL;
    return cl;
}

gboolean sova_controller_step(SovaController *c, GError **error)
{
    (void)error;   /* hosts that cannot be read are down, not errors */
    /* migrations first: one that just ended is then sampled where it now runs */
    g_autoptr(GArray) done = g_array_new(FALSE, FALSE, sizeof(SovaControllerMigration));
    g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func((GDestroyNotify)flight_free);
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
    poll_flights(c, done, ended, strings);
    g_autoptr(SovaPlan) plan = NULL;
    SovaCluster *cl = sample_and_plan(c, &plan);
    if (!cl)
        return TRUE;   /* baselines only */
    SovaControllerInterval iv = { .number = ++c->number, .now = cl->now, .cluster = cl,
                                  .plan = plan, .imbalance = sova_cluster_imbalance(cl),
                                  .finished = (const SovaControllerMigration *)done->data,
                                  .n_finished = done->len };
    for (guint i = 0; i < iv.n_finished; i++)   /* ends first, then what starts */
        log_finished(c, &iv.finished[i], iv.imbalance);
    start_plan(c, cl, plan, &iv);
    iv.in_flight = c->flights->len;
    report(c, &iv);
    sova_cluster_free(c->cluster);
    c->cluster = cl;
    return TRUE;
}

gboolean sova_controller_observe(SovaController *c)
{
    g_autoptr(SovaPlan) plan = NULL;
    SovaCluster *cl = sample_and_plan(c, &plan);
    if (!cl)
        return FALSE;
    sova_cluster_free(c->cluster);
    c->cluster = cl;
    return TRUE;
}

guint sova_controller_warmup_plans(const SovaController *c)
{
    return MAX(c->policy->warmup_plans, 1);
}

/* ---- after a stop (or --once): what the drain (controller_stop.c) works with ---- */

guint sova_ctl_flights(const SovaController *c) { return c->flights->len; }
SovaBackend *sova_ctl_clock(const SovaController *c) { return c->hosts[0].backend; }
gboolean sova_ctl_quiet(const SovaController *c) { return c->opts.quiet; }
double sova_ctl_drain_timeout(const SovaController *c) { return c->opts.drain_timeout; }

void sova_ctl_follow_flights(SovaController *c)
{
    g_autoptr(GArray) done = g_array_new(FALSE, FALSE, sizeof(SovaControllerMigration));
    g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func((GDestroyNotify)flight_free);
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
    poll_flights(c, done, ended, strings);
    for (guint i = 0; i < done->len; i++)
        log_finished(c, &g_array_index(done, SovaControllerMigration, i), NAN);
}

guint sova_ctl_abort_flights(SovaController *c, const char *why)
{
    guint asked = 0;
    for (guint i = 0; i < c->flights->len; i++) {
        const Flight *f = g_ptr_array_index(c->flights, i);
        const char *from = c->hosts[f->from].name, *to = c->hosts[f->to].name;
        if (!c->opts.quiet)
            sova_info("aborting the migration of %s to %s (%s): %s", f->vm_name, to, from, why);
        g_autoptr(GError) err = NULL;
        if (sova_backend_migrate_abort(c->hosts[f->from].backend, f->uuid, &err))
            asked++;
        else
            sova_warn("could not abort the migration of %s: %s -> %s: %s", f->vm_name, from, to,
                      err->message);
    }
    return asked;
}

int sova_controller_run(SovaController *c, gboolean once, const SovaControllerStop *stop)
{
    SovaBackend *clock = c->hosts[0].backend;
    guint unbuilt = 0, observed = 0, warmup = once ? sova_controller_warmup_plans(c) - 1 : 0;
    while (!(stop && g_atomic_int_get(&stop->stop))) {
        gboolean built;
        if (observed < warmup) {
            built = sova_controller_observe(c);
            observed += built;
        } else {
            sova_controller_step(c, NULL);
            built = c->number > 0;
        }
        if (once && !built && ++unbuilt > 2) {
            g_printerr("sova: no host could be read twice in a row\n");
            return 1;
        }
        if (once && c->number > 0)
            break;   /* what it started is followed to its end by sova_ctl_drain() */
        if (!sova_backend_wait(clock, c->opts.interval, stop ? &stop->stop : NULL))
            break;
    }
    sova_ctl_drain(c, stop);
    return once && c->failed ? 1 : 0;
}
