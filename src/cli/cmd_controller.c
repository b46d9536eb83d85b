/* cmd_controller.c — `sova controller`: the cluster controller's command line.
 *
 * Reads every host through libvirt (any URI: qemu+ssh://, qemu+tls://, qemu+tcp://),
 * builds the cluster, plans with a cluster policy and live-migrates. Precedence:
 * defaults < config file ([controller], [host NAME], [group NAME]) < options. Bad input
 * is reported before any host is touched. The first SIGINT/SIGTERM stops the loop between
 * intervals and waits for the migrations in flight, at most drain-timeout; the second (or
 * that limit) aborts them, each VM staying on its source, and exits. SIGHUP reloads the
 * file between intervals (reload.c). `--recommend` plans once and moves nothing: it writes
 * the plan for `sova apply` (cli/recommend.c). */
#include "cli/cli.h"
#include "cli/cli_cluster.h"
#include "cli/metrics_http.h"
#include "cli/notify.h"
#include "cli/reload.h"
#include "cli/report.h"
#include "cli/recommend.h"
#include "daemon/metrics_controller.h"
#include "util/log.h"
#include <glib-unix.h>
#include <signal.h>

typedef struct {
    char **hosts, **maintenance;
    char *config, *policy;
    char *interval;           /* seconds, as given (NULL: not given) */
    char *drain_timeout;      /* seconds, as given (NULL: not given) */
    char *output;             /* --recommend: the plan file (NULL: stdout) */
    char *metrics_listen;
    gboolean once, dry_run, json, verbose, recommend;
} ControllerOpts;

typedef struct {
    SovaControllerStop *stop;
    SovaNotify *notify;
    const char *name;
} Signal;

/* what the observer renders and tells systemd */
typedef struct {
    SovaReport report;
    SovaNotify notify;
    SovaRecommend *recommend; /* --recommend: the plan goes to a file instead */
    SovaMetrics *metrics;     /* what /metrics serves; NULL without a metrics listener */
} ControllerRun;

/* each interval: rendered (report.c), and its one-line status to systemd */
static void on_interval(const SovaControllerInterval *iv, gpointer data)
{
    ControllerRun *run = data;
    if (run->recommend)
        sova_recommend_write(run->recommend, iv);
    else
        sova_report_controller(iv, &run->report);
    if (run->metrics)
        sova_metrics_controller_observe(run->metrics, iv);
    g_autofree char *status = g_strdup_printf(
        "interval %" G_GUINT64_FORMAT ": imbalance %.3f, %u migrations started, %u in flight, "
        "%u failed to start", iv->number, iv->imbalance, iv->started, iv->in_flight,
        iv->failed_to_start);
    sova_notify_interval(&run->notify, status);
}

/* runs in the main loop (the backends' wait): each request logged, the loop does the rest */
static gboolean on_signal(gpointer data)
{
    const Signal *sig = data;
    guint n = sova_controller_stop_request(sig->stop);
    if (n == 1) {
        sova_notify_stopping(sig->notify, "stopping: waiting for the migrations in flight");
        sova_info("%s: stopping (a second SIGTERM or SIGINT aborts the migrations in flight)",
                  sig->name);
    } else if (n == 2)
        sova_info("%s again: aborting the migrations in flight", sig->name);
    else
        sova_info("%s: already aborting", sig->name);
    return G_SOURCE_CONTINUE;
}

/* options given on the command line override the file */
static gboolean apply_options(SovaCtlConfig *cfg, const ControllerOpts *o)
{
    if (o->policy) {
        g_free(cfg->policy);
        cfg->policy = g_strdup(o->policy);
    }
    return sova_cli_seconds("--interval", o->interval, &cfg->interval) &&
           sova_cli_seconds("--drain-timeout", o->drain_timeout, &cfg->drain_timeout_s) &&
           sova_cli_listen(o->metrics_listen, &cfg->metrics_listen);
}

static void log_start(const SovaCliCluster *cl, const SovaControllerOptions *co,
                      const char *policy)
{
    g_autoptr(GString) names = g_string_new(NULL);
    for (guint i = 0; i < cl->n_hosts; i++)
        g_string_append_printf(names, "%s%s%s", i ? ", " : "", cl->hosts[i].name,
                               cl->hosts[i].maintenance ? " (maintenance)"
                               : cl->hosts[i].excluded ? " (excluded)" : "");
    sova_info("sova controller: %u hosts (%s); policy %s, interval %g s, threshold %.2f, "
              "drain timeout %g s%s", cl->n_hosts, names->str, policy, co->interval,
              co->params.threshold, co->drain_timeout, co->dry_run ? ", dry run" : "");
}

/* a SIGHUP reload (reload.c) applies the same options over the new file */
static gboolean reapply_options(gpointer cfg, gpointer o) { return apply_options(cfg, o); }

static void start_reload(SovaReload *r, SovaCliCluster *cl, const ControllerOpts *o,
                         SovaNotify *notify)
{
    const char *overridden[5] = { 0 }, **k = overridden;
    if (o->hosts)
        *k++ = "[controller] hosts";
    if (o->policy)
        *k++ = "[controller] policy";
    if (o->interval)
        *k++ = "[controller] interval";
    if (o->drain_timeout)
        *k++ = "[controller] drain-timeout";
    *r = (SovaReload){ .opts = (gpointer)o, .apply = reapply_options, .cluster = cl,
                       .maintenance = o->maintenance };
    sova_reload_start(r, o->config, overridden, notify);
}

static int run_controller(SovaCliCluster *cl, const ControllerOpts *o)
{
    SovaControllerOptions co;
    sova_ctl_config_options(cl->cfg, &co);
    co.dry_run = o->dry_run;
    co.json = o->json;
    static ControllerRun run;
    run.report = (SovaReport){ .json = o->json };
    g_autoptr(SovaRecommend) rec = o->recommend ? sova_recommend_new(o->output, cl->cfg->policy)
                                                : NULL;
    run.recommend = rec;
    if (rec)
        co.mode = SOVA_MODE_MANUAL;   /* moves nothing: every migration a recommendation */
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaMetrics) metrics = cl->cfg->metrics_listen ? sova_metrics_new() : NULL;
    g_autoptr(SovaMetricsHttp) http = sova_cli_metrics_serve(
        cl->cfg->metrics_listen, metrics, sova_metrics_controller_init, &err);
    if (cl->cfg->metrics_listen && !http) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_FAILURE;
    }
    run.metrics = metrics;
    sova_notify_start(&run.notify, co.interval);
    co.observer = on_interval;
    co.observer_data = &run;
    SovaReload reload;
    start_reload(&reload, cl, o, &run.notify);
    co.between = sova_reload_controller;
    co.between_data = &reload;
    const SovaClusterPolicy *policy = sova_cluster_policy_find(cl->cfg->policy);
    g_autoptr(SovaController) c = sova_controller_new(cl->hosts, cl->n_hosts, policy, &co);
    static SovaControllerStop stop;
    static Signal sigint = { &stop, &run.notify, "SIGINT" },
                  sigterm = { &stop, &run.notify, "SIGTERM" };
    guint s1 = g_unix_signal_add(SIGINT, on_signal, &sigint);
    guint s2 = g_unix_signal_add(SIGTERM, on_signal, &sigterm);
    if (!o->once && !o->recommend)
        log_start(cl, &co, policy->name);
    int rc = sova_controller_run(c, o->once || o->recommend, &stop, &err);
    sova_notify_stop(&run.notify);
    run.metrics = NULL;
    sova_reload_stop(&reload);
    if (err)
        g_printerr("sova: %s\n", err->message);
    if (rec && !sova_recommend_finish(rec))
        rc = SOVA_EXIT_FAILURE;
    g_source_remove(s1);
    g_source_remove(s2);
    if (!o->once && !o->recommend)
        sova_info("sova controller stopped: %" G_GUINT64_FORMAT " migrations, %" G_GUINT64_FORMAT
                  " failed", sova_controller_migrations(c), sova_controller_migration_failures(c));
    return rc;
}

static gboolean recommend_usage(const ControllerOpts *o)
{
    if (o->output && !o->recommend)
        g_printerr("sova: --output goes with --recommend (see --help)\n");
    else if (o->recommend && (o->dry_run || o->json))
        g_printerr("sova: --recommend moves nothing and writes JSON: no --dry-run or --json\n");
    else
        return TRUE;
    return FALSE;
}

int sova_cmd_controller(int argc, char **argv)
{
    ControllerOpts o = { 0 };
    GOptionEntry entries[] = {
        { "host", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &o.hosts, "libvirt URI (or [host NAME]) of a host; once per host", "URI" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config, "configuration file (default " SOVA_DEFAULT_CONFIG " if it exists)", "FILE" },
        { "interval", 'i', 0, G_OPTION_ARG_STRING, &o.interval, "seconds between samples (default 10)", "SECONDS" },
        { "policy", 'p', 0, G_OPTION_ARG_STRING, &o.policy, "cluster policy (default sova)", "POLICY" },
        { "drain-timeout", 0, 0, G_OPTION_ARG_STRING, &o.drain_timeout, "on SIGTERM/SIGINT, wait at most this long for migrations in flight, then abort them (default 60; a second signal aborts at once)", "SECONDS" },
        { "maintenance", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &o.maintenance, "evacuate this host (name or URI); repeatable", "HOST" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &o.once, "plan once, carry out and follow that plan, then exit", NULL },
        { "recommend", 0, 0, G_OPTION_ARG_NONE, &o.recommend, "plan once and move nothing: write the plan (JSON) for sova apply", NULL },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "with --recommend: write the plan to FILE (default: standard output)", "FILE" },
        { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &o.dry_run, "print the migrations it would start, start none", NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "print each interval (cluster, plan, migrations) as a JSON line", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "log every interval, not only changes", NULL },
        { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &o.metrics_listen, "serve Prometheus metrics at http://ADDR:PORT/metrics (default: none)", "ADDR:PORT" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- keep a cluster's hosts evenly loaded by live migration");
    g_autofree char *summary = g_strdup_printf(
        "Reads every host through libvirt's remote protocol and live-migrates VMs, with as\n"
        "few migrations as possible: the default policy, sova, when hosts leave their VMs'\n"
        "demand unmet; the baselines when one host is loaded well above the others.\n"
        "Policies: %s.", sova_cluster_policy_list());
    g_option_context_set_summary(ctx, summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = SOVA_EXIT_USAGE;
    SovaCliCluster cl = { 0 };
    if (sova_cli_parse(ctx, &argc, &argv) && recommend_usage(&o) &&
        sova_cli_cluster_load(&cl, o.config, o.hosts) &&
        apply_options(cl.cfg, &o) && sova_cli_cluster_connect(&cl, o.maintenance)) {
        sova_log_set_verbose(o.verbose);
        rc = run_controller(&cl, &o);
    }
    sova_cli_cluster_clear(&cl);
    g_strfreev(o.hosts);
    g_strfreev(o.maintenance);
    g_free(o.config);
    g_free(o.policy);
    g_free(o.interval);
    g_free(o.drain_timeout);
    g_free(o.output);
    g_free(o.metrics_listen);
    return rc;
}
