/* cmd_apply.c — `sova apply FILE`: carries out a plan file (`sova controller --recommend`)
 * once every migration in it has been checked against the cluster as it is now.
 *
 * A file that cannot be read, is not a plan, or is older than --max-age is refused whole
 * (exit 2): nothing is connected to. Otherwise the controller's loop runs with the plan in
 * place of its policy (SovaControllerOptions.plan_source): at its first planned interval
 * every migration is checked (policy/cluster_check.c) — the VM still on its source, the
 * destination up, with room and within the VM's rules — and each refusal printed with
 * why; after a confirmation (--yes, or a "y" on a terminal) the accepted ones start as the
 * caps allow, the rest at the next intervals (checked again then), and each is followed
 * to its end as any controller migration. Exit 0 when every migration was carried out, 1
 * when one was refused or failed. */
#include "cli/cli.h"
#include "cli/cli_cluster.h"
#include "model/plan_file.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_AGE 600.0   /* seconds */
#define APPLY_INTERVAL 2.0      /* seconds between samples while applying */
#define APPLY_FOLLOW 3600.0     /* seconds the migrations are followed after the last start
                                 * (then the controller's drain: drain-timeout, abort) */

enum { PENDING, HANDED, REFUSED };

typedef struct {
    const char *path;
    SovaPlanFile *file;
    guint8 *state;            /* per file action */
    gboolean yes, checked, abandoned;
    guint refused, failed, done;
    guint handed;             /* migrations handed to the controller so far */
    double handed_at;         /* the cluster's time of the last hand-out */
} Apply;

typedef struct {
    char **hosts;
    char *config, *max_age, *interval;
    gboolean yes, verbose;
} ApplyOpts;

static int find_action(const Apply *ap, const char *uuid)
{
    for (guint i = 0; i < ap->file->actions->len; i++)
        if (!strcmp(sova_plan_file_action(ap->file, i)->uuid, uuid))
            return (int)i;
    return -1;
}

static void say(const char *what, const SovaPlanFileAction *a, const char *why)
{
    printf("  %-9s migrate %s: %s -> %s%s%s\n", what, a->vm, a->from, a->to, why ? ": " : "",
           why ? why : "");
}

/* a terminal's "y", or --yes; FALSE: nothing is carried out */
static gboolean confirmed(Apply *ap, guint n)
{
    if (ap->yes)
        return TRUE;
    if (!isatty(STDIN_FILENO)) {
        printf("not applied: confirm with --yes\n");
        return FALSE;
    }
    printf("carry out %u migration(s)? [y/N] ", n);
    fflush(stdout);
    char line[16] = "";
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

/* the pending migrations checked on c, in file order; those refused are reported */
static SovaPlan *check_pending(Apply *ap, const SovaCluster *c, const SovaClusterParams *p)
{
    SovaPlan *plan = sova_plan_new();
    g_autoptr(SovaClusterChecker) k = sova_cluster_checker_new(c, p);
    for (guint i = 0; i < ap->file->actions->len; i++) {
        const SovaPlanFileAction *a = sova_plan_file_action(ap->file, i);
        if (ap->state[i] != PENDING)
            continue;
        g_autofree char *why = sova_cluster_checker_try(k, plan, a->uuid, a->vm, a->from, a->to,
                                                        a->reason, a->gain, a->cost_s);
        if (why) {
            ap->state[i] = REFUSED;
            ap->refused++;
            say(ap->checked ? "refused now" : "refused", a, why);
        } else if (!ap->checked) {
            say("ok", a, NULL);
        }
    }
    return plan;
}

/* every migration handed out has ended (done, failed, or did not start) */
static gboolean all_ended(const Apply *ap)
{
    return ap->done + ap->failed >= ap->handed;
}

static SovaPlan *apply_source(const SovaCluster *c, const SovaClusterParams *p, gpointer data)
{
    Apply *ap = data;
    if (ap->abandoned)
        return NULL;
    g_autoptr(SovaPlan) plan = check_pending(ap, c, p);
    if (ap->checked && !sova_plan_len(plan) && !all_ended(ap) &&
        c->now - ap->handed_at < APPLY_FOLLOW) {
        sova_plan_set_reason(plan, "applying %s: following %u migration(s)", ap->path,
                             ap->handed - ap->done - ap->failed);
        return g_steal_pointer(&plan);   /* the loop goes on: each end is reported */
    }
    if (!ap->checked) {
        ap->checked = TRUE;
        if (sova_plan_len(plan) && !confirmed(ap, sova_plan_len(plan)))
            ap->abandoned = TRUE;
    }
    if (ap->abandoned || !sova_plan_len(plan))
        return NULL;
    guint ready = sova_plan_len(plan);
    sova_cluster_hold_to_caps(c, p, plan);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        int k = find_action(ap, sova_plan_action(plan, i)->uuid);
        if (k >= 0)
            ap->state[k] = HANDED;
    }
    ap->handed += sova_plan_len(plan);
    ap->handed_at = c->now;
    sova_plan_set_reason(plan, "applying %s: %u of %u checked migration(s) now (the caps)",
                         ap->path, sova_plan_len(plan), ready);
    return g_steal_pointer(&plan);
}

/* each interval: what could not start, and what ended */
static void on_interval(const SovaControllerInterval *iv, gpointer data)
{
    Apply *ap = data;
    for (guint i = 0; i < sova_plan_results_len(iv->results); i++) {
        const SovaActionResult *r = sova_plan_result(iv->results, i);
        if (r->outcome != SOVA_ACTION_FAILED)
            continue;
        ap->failed++;
        printf("  %-9s migrate %s: %s -> %s: %s\n", "failed", r->action->vm_name,
               r->action->from_host_name, r->action->to_host_name, r->error);
    }
    for (guint i = 0; i < iv->n_finished; i++) {
        const SovaControllerMigration *m = &iv->finished[i];
        ap->done += m->ok;
        ap->failed += !m->ok;
        g_autofree char *how = m->ok ? g_strdup_printf("in %.1f s", m->duration_s)
                                     : g_strdup(m->error ? m->error : "failed");
        printf("  %-9s migrate %s: %s -> %s %s\n", m->ok ? "done" : "failed", m->vm_name,
               m->from, m->to, how);
    }
    fflush(stdout);
}

/* the file read and judged before any host is touched; NULL after the message */
static SovaPlanFile *read_plan(const char *path, double max_age)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, &len, &err)) {
        g_printerr("sova: %s\n", err->message);
        return NULL;
    }
    g_autoptr(SovaPlanFile) f = sova_plan_file_parse(text, (gssize)len, &err);
    if (!f) {
        g_printerr("sova: %s: not applied: %s\n", path, err->message);
        return NULL;
    }
    double age = g_get_real_time() / 1e6 - f->created;
    if (age > max_age) {
        g_printerr("sova: %s: not applied: the plan is %.0f s old, older than --max-age %.0f s "
                   "(the cluster has moved on; make a new one with sova controller --recommend)\n",
                   path, age, max_age);
        return NULL;
    }
    if (age < -300) {
        g_printerr("sova: %s: not applied: the plan was made %.0f s in the future\n", path, -age);
        return NULL;
    }
    printf("plan %s: %u migration(s), made %.0f s ago by policy %s\n", path,
           f->actions->len, age, *f->policy ? f->policy : "?");
    return g_steal_pointer(&f);
}

static int run_apply(SovaCliCluster *cl, Apply *ap, double interval)
{
    SovaControllerOptions co;
    sova_ctl_config_options(cl->cfg, &co);
    co.mode = SOVA_MODE_FULL;   /* the operator approved these migrations */
    co.interval = interval;
    co.plan_source = apply_source;
    co.plan_source_data = ap;
    co.observer = on_interval;
    co.observer_data = ap;
    const SovaClusterPolicy *policy = sova_cluster_policy_find(cl->cfg->policy);
    g_autoptr(SovaController) c = sova_controller_new(cl->hosts, cl->n_hosts, policy, &co);
    g_autoptr(GError) err = NULL;
    int rc = sova_controller_run(c, TRUE, NULL, &err);
    if (err && !ap->failed)
        g_printerr("sova: %s\n", err->message);
    printf("%u carried out, %u refused, %u failed%s\n", ap->done, ap->refused, ap->failed,
           ap->abandoned ? " (not applied)" : "");
    return rc || ap->refused || ap->failed || ap->abandoned ? SOVA_EXIT_FAILURE : SOVA_EXIT_OK;
}

static int apply_file(const char *path, const ApplyOpts *o)
{
    double max_age = DEFAULT_MAX_AGE, interval = APPLY_INTERVAL;
    if (!sova_cli_seconds("--max-age", o->max_age, &max_age) ||
        !sova_cli_seconds("--interval", o->interval, &interval))
        return SOVA_EXIT_USAGE;
    g_autoptr(GError) err = NULL;
    if (!sova_config_check_interval("--interval", interval, &err)) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_USAGE;
    }
    if (!(max_age > 0)) {
        g_printerr("sova: --max-age must be a positive number of seconds (got %g)\n", max_age);
        return SOVA_EXIT_USAGE;
    }
    g_autoptr(SovaPlanFile) f = read_plan(path, max_age);
    if (!f)
        return SOVA_EXIT_USAGE;
    if (!f->actions->len) {
        printf("nothing to apply\n");
        return SOVA_EXIT_OK;
    }
    Apply ap = { .path = path, .file = f, .yes = o->yes };
    g_autofree guint8 *state = g_new0(guint8, f->actions->len);
    ap.state = state;
    SovaCliCluster cl = { 0 };
    int rc = SOVA_EXIT_USAGE;
    if (sova_cli_cluster_load(&cl, o->config, o->hosts) && sova_cli_cluster_connect(&cl, NULL)) {
        sova_log_set_verbose(o->verbose);
        rc = run_apply(&cl, &ap, interval);
    }
    sova_cli_cluster_clear(&cl);
    return rc;
}

int sova_cmd_apply(int argc, char **argv)
{
    ApplyOpts o = { 0 };
    GOptionEntry entries[] = {
        { "host", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &o.hosts, "libvirt URI (or [host NAME]) of a host; once per host (default: the config's hosts)", "URI" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config, "configuration file (default " SOVA_DEFAULT_CONFIG " if it exists)", "FILE" },
        { "yes", 'y', 0, G_OPTION_ARG_NONE, &o.yes, "carry out the migrations that pass the checks without asking", NULL },
        { "max-age", 0, 0, G_OPTION_ARG_STRING, &o.max_age, "refuse a plan older than this (default 600)", "SECONDS" },
        { "interval", 'i', 0, G_OPTION_ARG_STRING, &o.interval, "seconds between samples while applying (default 2)", "SECONDS" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "log every interval", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("FILE - carry out a plan the controller recommended");
    g_option_context_set_summary(ctx,
        "Checks every migration of the plan against the cluster as it is now (the VM still on\n"
        "its source, the destination up, with room and within the VM's rules), reports each\n"
        "one it refuses and why, and carries out the others within the concurrency caps,\n"
        "following each to its end. A broken or stale plan is refused whole (exit 2).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = SOVA_EXIT_USAGE;
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err))
        g_printerr("sova: %s (see --help)\n", err->message);
    else if (argc != 2)
        g_printerr("sova: apply takes one plan FILE (see --help)\n");
    else
        rc = apply_file(argv[1], &o);
    g_strfreev(o.hosts);
    g_free(o.config);
    g_free(o.max_age);
    g_free(o.interval);
    return rc;
}
