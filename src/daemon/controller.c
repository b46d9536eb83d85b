/* controller.c — the cluster controller's loop; see controller.h.
 *
 * Each interval: follow the migrations in flight (controller_flights.c), sample every host
 * (one that cannot be read is down for this interval, and retried at the next), reconcile
 * (remove the leaving marks no migration explains), build the cluster (cluster_build.c),
 * ask the cluster policy for a plan, run it through the executor (a dry run skips every
 * action), feed the results back to the policy, book the migrations that started, hand
 * the record to the observer. Like the agent it owns no policy logic and no hypervisor
 * calls: hosts are backends, moves go through the executor. */
#include "daemon/controller_private.h"
#include "daemon/controller_stop.h"
#include "daemon/controller_sample.h"
#include "daemon/executor.h"
#include "util/log.h"
#include "util/error.h"
#include <math.h>
#include <string.h>

#define MAX_UNCONFIRMED 3       /* hold_unconfirmed: plans held in a row before one is reported */

void sova_ctl_copy_options(SovaController *c, const SovaControllerOptions *opts)
{
    if (opts)
        c->opts = *opts;
    if (!(c->opts.interval > 0))
        c->opts.interval = 10;
    if (!(c->opts.drain_timeout > 0))
        c->opts.drain_timeout = SOVA_CONTROLLER_DRAIN_TIMEOUT;
    if (!(c->opts.sample_timeout > 0))
        c->opts.sample_timeout = SOVA_SAMPLE_TIMEOUT;
    c->opts.exclude = g_strdupv(c->opts.exclude);
    c->opts.groups = g_strdupv(c->opts.groups);
    c->opts.migrate.migrate_uri = g_strdup(c->opts.migrate.migrate_uri);
    double sum = 0;
    for (int r = 0; r < SOVA_RES_N; r++)
        sum += c->opts.weights[r];
    for (int r = 0; r < SOVA_RES_N && !(sum > 0); r++)
        c->opts.weights[r] = 1.0;   /* none given: all count */
}

void sova_ctl_build_params(const SovaController *c, SovaClusterBuildParams *bp)
{
    *bp = (SovaClusterBuildParams){ .ewma_alpha = c->opts.ewma_alpha > 0 ? c->opts.ewma_alpha : 0.5,
                                    .high_water = c->opts.params.high_water,
                                    .exclude = (const char *const *)c->opts.exclude,
                                    .groups = (const char *const *)c->opts.groups,
                                    .interval_s = c->opts.interval };
    memcpy(bp->weights, c->opts.weights, sizeof bp->weights);
}

static SovaClusterBuilder *new_builder(const SovaController *c)
{
    g_autofree const char **names = g_new0(const char *, c->n_hosts + 1);
    for (guint i = 0; i < c->n_hosts; i++)
        names[i] = c->hosts[i].name;
    SovaClusterBuildParams bp;
    sova_ctl_build_params(c, &bp);
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
    c->policy_state = sova_policy_state_new(&policy->head);
    sova_ctl_copy_options(c, opts);
    c->builder = new_builder(c);
    g_autofree SovaBackend **bes = g_new0(SovaBackend *, n_hosts);
    for (guint i = 0; i < n_hosts; i++)
        bes[i] = hosts[i].backend;
    c->sampler = sova_sampler_new(bes, n_hosts, c->opts.sample_threads, c->opts.sample_timeout);
    c->late = g_new0(gboolean, n_hosts);
    c->flights = g_ptr_array_new_with_free_func((GDestroyNotify)flight_free);
    c->stale_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->conflicts_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->recommended = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return c;
}

void sova_controller_free(SovaController *c)
{
    if (!c)
        return;
    sova_sampler_free(c->sampler);   /* first: a late sample still uses its backend */
    g_free(c->late);
    for (guint i = 0; i < c->n_hosts; i++) {
        g_free((char *)c->hosts[i].name);
        g_free((char *)c->hosts[i].migrate_uri);
    }
    g_free(c->hosts);
    g_free(c->down);
    sova_policy_state_free(&c->policy->head, c->policy_state);
    g_free(c->failure);
    g_strfreev(c->opts.exclude);
    g_strfreev(c->opts.groups);
    g_free((char *)c->opts.migrate.migrate_uri);
    sova_cluster_builder_free(c->builder);
    sova_cluster_free(c->cluster);
    g_ptr_array_unref(c->flights);
    g_hash_table_unref(c->stale_seen);
    g_hash_table_unref(c->conflicts_seen);
    g_hash_table_unref(c->recommended);
    g_free(c);
}

const SovaCluster *sova_controller_cluster(const SovaController *c) { return c->cluster; }
guint64 sova_controller_migrations(const SovaController *c) { return c->migrations; }
guint64 sova_controller_migration_failures(const SovaController *c) { return c->failures; }

/* ---- sampling and reconciling ---- */

/* what became of host i's sample: logged once when it changes; the first host that gave
 * nothing goes to *error */
static void note_sample(SovaController *c, guint i, const SovaSnapshot *s, SovaSampleOutcome out,
                        const GError *err, GError **error)
{
    const char *name = c->hosts[i].name;
    gboolean late = out == SOVA_SAMPLE_LATE || out == SOVA_SAMPLE_STILL_LATE;
    g_autofree char *why = late ? g_strdup_printf("no answer within %g s", c->opts.sample_timeout)
                                : g_strdup(err ? err->message : "no snapshot");
    if (late && !c->late[i] && !c->opts.quiet)
        sova_warn("host %s did not answer its sample within %g s: not sampled this interval, and "
                  "not waited for; it is sampled again once that sample returns", name,
                  c->opts.sample_timeout);
    else if (!s && !late && !c->down[i] && !c->opts.quiet)
        sova_warn("host %s cannot be read: %s; it counts as down and is retried every interval",
                  name, why);
    else if (s && (c->down[i] || c->late[i]) && !c->opts.quiet)
        sova_info("host %s can be read again", name);
    c->down[i] = s == NULL;
    c->late[i] = late;
    if (s)
        c->now = MAX(c->now, s->time_us / 1e6);
    else if (error && !*error)
        g_set_error(error, SOVA_ERROR, late ? SOVA_ERROR_BACKEND : SOVA_ERROR_CONNECT,
                    "no host could be read (%s: %s)", name, why);
}

/* every host's snapshot (NULL for a host that cannot be read, or did not answer in time),
 * sampled in parallel (controller_sample.h); FALSE with error when no host could be read */
static gboolean sample_hosts(SovaController *c, SovaSnapshot **snaps, GError **error)
{
    g_autoptr(GError) first = NULL;
    g_autofree SovaSampleOutcome *out = g_new0(SovaSampleOutcome, c->n_hosts);
    g_autofree GError **errs = g_new0(GError *, c->n_hosts);
    sova_sampler_run(c->sampler, snaps, out, errs);
    gboolean any = FALSE;
    for (guint i = 0; i < c->n_hosts; i++) {
        note_sample(c, i, snaps[i], out[i], errs[i], &first);
        g_clear_error(&errs[i]);
        any |= snaps[i] != NULL;
    }
    if (!any)
        g_propagate_error(error, g_steal_pointer(&first));
    return any;
}

gboolean sova_ctl_host_busy(const SovaController *c, guint i)
{
    return sova_sampler_busy(c->sampler, i);
}

/* A VM marked leaving that none of our migrations explains: the mark was left by a
 * controller that stopped mid-migration; the host removes it when no job runs on the VM.
 * One phase of the interval, after sampling and before planning. */
static void reconcile_host(SovaController *c, guint i, const SovaSnapshot *s)
{
    for (guint k = 0; s && k < s->vms->len; k++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, k);
        if (!vm->leaving || in_flight(vm->uuid, c))
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

static void reconcile(SovaController *c, SovaSnapshot *const *snaps)
{
    for (guint i = 0; i < c->n_hosts; i++)
        reconcile_host(c, i, snaps[i]);
}

/* ---- executing and reporting ---- */

/* runs the plan through the executor, tells the policy, books the migrations */
static SovaPlanResults *execute(SovaController *c, const SovaCluster *cl, const SovaPlan *plan,
                                const double *expected, SovaControllerInterval *iv)
{
    g_autofree SovaBackend **backends = g_new0(SovaBackend *, c->n_hosts);
    g_autofree const char **uris = g_new0(const char *, c->n_hosts);
    for (guint i = 0; i < c->n_hosts; i++) {
        backends[i] = c->hosts[i].backend;
        uris[i] = c->hosts[i].migrate_uri;
    }
    SovaExecHosts hosts = { .backends = backends, .n = c->n_hosts, .migrate = &c->opts.migrate,
                            .migrate_uris = uris, .busy = in_flight, .busy_data = c };
    SovaExecOptions eo = { .dry_run = c->opts.dry_run, .hosts = &hosts };
    SovaPlanResults *r = sova_execute(NULL, plan, &eo);
    sova_policy_feedback(&c->policy->head, c->policy_state, plan, r);
    flights_after_start(c, cl, r, expected, iv);
    return r;
}

static void report(SovaController *c, const SovaControllerInterval *iv)
{
    if (!c->opts.quiet && !c->opts.json && sova_plan_len(iv->plan))
        sova_info("interval %" G_GUINT64_FORMAT ": imbalance %.3f: %s", iv->number, iv->imbalance,
                  iv->plan->reason ? iv->plan->reason : "");
    else if (!c->opts.quiet && !c->opts.json)
        sova_debug("interval %" G_GUINT64_FORMAT ": imbalance %.3f: %s", iv->number,
                   iv->imbalance, iv->plan->reason ? iv->plan->reason : "no change");
    if (c->opts.observer)
        c->opts.observer(iv, c->opts.observer_data);
}

/* per-VM rules that contradict each other: once per VM and message (they are not moved);
 * keep-together groups split across hosts that cannot be gathered: once per message */
static void report_conflicts(SovaController *c, const SovaCluster *cl)
{
    for (guint i = 0; i < cl->vms->len; i++) {
        const SovaClusterVm *vm = sova_cluster_vm(cl, i);
        if (!vm->conflict || c->opts.quiet)
            continue;
        g_autofree char *key = g_strdup_printf("%s %s", vm->uuid, vm->conflict);
        if (g_hash_table_add(c->conflicts_seen, g_steal_pointer(&key)))
            sova_warn("contradictory rules, %s is not moved: %s", vm->name, vm->conflict);
    }
    g_autoptr(GPtrArray) split = c->opts.quiet ? NULL
                                               : sova_cluster_ungathered(cl, &c->opts.params);
    for (guint i = 0; split && i < split->len; i++)   /* once per group, layout and cause */
        if (g_hash_table_add(c->conflicts_seen, g_strdup(g_ptr_array_index(split, i))))
            sova_warn("%s", (const char *)g_ptr_array_index(split, i));
}

static void keep_cluster(SovaController *c, SovaCluster *cl)
{
    sova_cluster_free(c->cluster);
    c->cluster = cl;
}

/* ---- the interval ---- */
/* Migrations are polled before the hosts are sampled, so that one that just ended is
 * seen where it now runs; its end is stamped with the previous sample's time. */

/* the policy's plan, or the plan source's (NULL: it has nothing left) */
static SovaPlan *make_plan(SovaController *c, const SovaCluster *cl)
{
    if (!c->opts.plan_source)
        return sova_cluster_plan(c->policy, cl, &c->opts.params, c->policy_state);
    SovaPlan *plan = c->opts.plan_source(cl, &c->opts.params, c->opts.plan_source_data);
    c->source_done |= plan == NULL;
    if (!plan) {
        plan = sova_plan_new();
        sova_plan_set_reason(plan, "nothing left to apply");
    }
    return plan;
}

/* plans on cl and, unless the plan is held (hold_unconfirmed), executes and reports it */
static void plan_and_act(SovaController *c, SovaCluster *cl, GArray *done)
{
    g_autoptr(SovaPlan) plan = make_plan(c, cl);
    sova_cluster_plan_levels(cl, plan, c->opts.mode);
    report_conflicts(c, cl);
    double imbalance = sova_cluster_imbalance(cl);
    if (plan->status == SOVA_PLAN_UNCONFIRMED && c->opts.hold_unconfirmed) {
        for (guint i = 0; i < done->len; i++)
            log_finished(c, &g_array_index(done, SovaControllerMigration, i), imbalance);
        keep_cluster(c, cl);
        c->held++;
        return;
    }
    c->held = 0;
    SovaControllerInterval iv = { .number = ++c->number, .now = cl->now, .cluster = cl,
                                  .dry_run = c->opts.dry_run, .plan = plan,
                                  .imbalance = imbalance,
                                  .finished = (const SovaControllerMigration *)done->data,
                                  .n_finished = done->len };
    for (guint i = 0; i < iv.n_finished; i++)   /* ends first, then what starts */
        log_finished(c, &iv.finished[i], iv.imbalance);
    g_autofree double *expected = expected_after(cl, plan);
    g_autoptr(SovaPlanResults) results = execute(c, cl, plan, expected, &iv);
    iv.results = results;
    iv.expected = expected;
    iv.in_flight = c->flights->len;
    report(c, &iv);
    keep_cluster(c, cl);
}

gboolean sova_controller_step(SovaController *c, GError **error)
{
    /* migrations first: one that just ended is then sampled where it now runs */
    g_autoptr(GArray) done = g_array_new(FALSE, FALSE, sizeof(SovaControllerMigration));
    g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func((GDestroyNotify)flight_free);
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
    poll_flights(c, done, ended, strings);
    g_autofree SovaSnapshot **snaps = g_new0(SovaSnapshot *, c->n_hosts);
    gboolean any = sample_hosts(c, snaps, error);
    reconcile(c, snaps);
    SovaCluster *cl = sova_cluster_builder_update(c->builder, snaps);   /* takes snaps */
    if (cl)
        plan_and_act(c, cl, done);
    else
        for (guint i = 0; i < done->len; i++)
            log_finished(c, &g_array_index(done, SovaControllerMigration, i), NAN);
    return any;
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

int sova_controller_run(SovaController *c, gboolean once, const SovaControllerStop *stop,
                        GError **error)
{
    SovaBackend *clock = c->hosts[0].backend;
    guint unread = 0;
    if (once)
        c->opts.hold_unconfirmed = TRUE;   /* --once acts on a plan the policy confirmed */
    while (!(stop && g_atomic_int_get(&stop->stop))) {
        g_autoptr(GError) err = NULL;
        if (c->opts.between)
            c->opts.between(c, c->opts.between_data);
        gboolean read = sova_controller_step(c, &err);
        unread = read ? 0 : unread + 1;
        if (once && unread > 2) {
            g_propagate_error(error, g_steal_pointer(&err));   /* three intervals in a row */
            return 1;
        }
        if (!read && !once && !c->opts.quiet)
            sova_debug("%s", err->message);
        if (once && c->held >= MAX_UNCONFIRMED)
            c->opts.hold_unconfirmed = FALSE;   /* it never confirms: report what it plans */
        if (once && c->number > 0 && (!c->opts.plan_source || c->source_done))
            break;   /* what it started is followed to its end by sova_ctl_drain() */
        if (!sova_backend_wait(clock, c->opts.interval, stop ? &stop->stop : NULL))
            break;
    }
    sova_ctl_drain(c, stop);
    if (once && c->failed && c->failure)
        g_set_error_literal(error, SOVA_ERROR, SOVA_ERROR_BACKEND, c->failure);
    return once && c->failed ? 1 : 0;
}
