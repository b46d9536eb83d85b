/* controller_flights.c — the controller's migrations in flight: booking the ones the
 * executor started, following them (progress, end, failure) with
 * sova_backend_migrate_poll(), and the log lines of both. Kept apart from controller.c
 * so that the loop reads as one interval. */
#include "daemon/controller_private.h"
#include "daemon/action_log.h"
#include "util/log.h"
#include <math.h>
#include <string.h>

#define PROGRESS_EVERY_S 10.0   /* log a long migration's progress this often */

void flight_free(Flight *f)
{
    g_free(f->vm_name);
    g_free(f->reason);
    g_free(f);
}

gboolean in_flight(const char *uuid, gpointer controller)
{
    const SovaController *c = controller;
    for (guint i = 0; i < c->flights->len; i++)
        if (strcmp(((Flight *)g_ptr_array_index(c->flights, i))->uuid, uuid) == 0)
            return TRUE;
    return FALSE;
}

static double backoff_of(const SovaController *c, const char *uuid)
{
    double last_moved, failed_at;
    guint failures;
    sova_cluster_builder_history(c->builder, uuid, &last_moved, &failures, &failed_at);
    return c->opts.params.backoff_s * pow(2, failures > 0 ? failures - 1 : 0);
}

static void note_failure(SovaController *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note_failure(SovaController *c, const char *fmt, ...)
{
    c->failures++;
    c->failed = TRUE;
    if (c->failure)
        return;
    va_list ap;
    va_start(ap, fmt);
    c->failure = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

void log_finished(const SovaController *c, const SovaControllerMigration *m,
                  double imbalance_now)
{
    if (c->opts.quiet)
        return;   /* stderr: also with --json, whose lines go to stdout */
    SovaLogFields f = { .action = "migrate", .vm = m->vm_name, .vm_uuid = m->uuid,
                        .from = m->from, .to = m->to, .reason = m->reason, .host = m->from,
                        .result = m->ok ? "done" : m->aborted ? "aborted" : "failed" };
    if (m->ok) {
        g_autofree char *dt = m->downtime_s >= 0 ? g_strdup_printf("%.0f ms", m->downtime_s * 1e3)
                                                 : g_strdup("unknown");
        g_autofree char *now = isnan(imbalance_now) ? g_strdup("")
                                                    : g_strdup_printf(", %.3f now", imbalance_now);
        sova_log_record(G_LOG_LEVEL_INFO, &f,
                        "migrated %s: %s -> %s in %.1f s, downtime %s (%s); imbalance %.3f "
                        "before, %.3f expected%s", m->vm_name, m->from, m->to, m->duration_s,
                        dt, m->reason, m->imbalance_before, m->imbalance_after, now);
    } else {
        sova_log_record(G_LOG_LEVEL_WARNING, &f,
                        "migration of %s: %s -> %s %s after %.1f s: %s; it stays on %s and is "
                        "not moved again for %.0f s", m->vm_name, m->from, m->to,
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
    if (!sova_backend_migrate_poll(c->hosts[f->from].backend, f->uuid, st)) {
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

void poll_flights(SovaController *c, GArray *done, GPtrArray *ended, GPtrArray *strings)
{
    for (guint i = 0; i < c->flights->len;) {
        Flight *f = g_ptr_array_index(c->flights, i);
        SovaMigrationStatus st;
        if (sova_ctl_host_busy(c, f->from)) {
            i++;   /* its source's backend is in a late sample: polled next interval */
            continue;
        }
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
        else
            note_failure(c, "migration of %s: %s -> %s failed: %s", m.vm_name, m.from, m.to,
                         m.error ? m.error : "unknown error");
        g_ptr_array_add(ended, g_ptr_array_steal_index(c->flights, i));
    }
}

double *expected_after(const SovaCluster *cl, const SovaPlan *plan)
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

static void add_flight(SovaController *c, const SovaAction *a, double before, double after)
{
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
}

void flights_after_start(SovaController *c, const SovaCluster *cl, const SovaPlanResults *r,
                         const double *expected, SovaControllerInterval *iv)
{
    for (guint i = 0; i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        const SovaAction *a = res->action;
        if (a->kind != SOVA_ACTION_MIGRATE || res->outcome == SOVA_ACTION_SKIPPED)
            continue;
        g_autofree char *what = sova_action_describe(a);
        if (res->outcome == SOVA_ACTION_FAILED) {
            iv->failed_to_start++;
            note_failure(c, "could not start: %s: %s", what, res->error);
            sova_cluster_builder_migration_finished(c->builder, a->uuid, FALSE, cl->now);
            if (!c->opts.quiet)
                sova_log_action(G_LOG_LEVEL_WARNING, a, NULL, "failed",
                                "could not start: %s: %s", what, res->error);
            continue;
        }
        add_flight(c, a, expected[i], expected[i + 1]);
        iv->started++;
        if (!c->opts.quiet)
            sova_log_action(G_LOG_LEVEL_INFO, a, NULL, "started",
                            "started: %s; imbalance %.3f, expected %.3f after", what,
                            expected[i], expected[i + 1]);
    }
}
