/* cmd_agent.c — `sova agent`: the host daemon's command line.
 *
 * Precedence: defaults < config file < options. Bad input is reported before
 * anything touches the host; SIGINT/SIGTERM stop the loop between intervals. Each
 * interval record is rendered (agent_report.c) and told to systemd (notify.c). */
#include "cli/cli.h"
#include "backend/libvirt/libvirt_backend.h"
#include "cli/metrics_http.h"
#include "cli/notify.h"
#include "cli/reload.h"
#include "cli/report.h"
#include "daemon/metrics_agent.h"
#include "util/listen.h"
#include "util/log.h"
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

/* what the observer and the signal handlers share */
typedef struct {
    SovaReport report;
    SovaNotify notify;
    SovaMetrics *metrics;     /* what /metrics serves; NULL without a metrics listener */
    volatile gint stop;
} AgentRun;

static gboolean on_signal(gpointer data)
{
    AgentRun *run = data;
    g_atomic_int_set(&run->stop, 1);
    sova_notify_stopping(&run->notify, "stopping");
    return G_SOURCE_CONTINUE;
}

/* each interval: rendered (report.c), and its one-line status to systemd */
static void on_interval(const SovaAgentInterval *iv, gpointer data)
{
    AgentRun *run = data;
    sova_report_agent(iv, &run->report);
    if (run->metrics)
        sova_metrics_agent_observe(run->metrics, iv);
    g_autofree char *status = g_strdup_printf(
        "interval %" G_GUINT64_FORMAT ": pCPU utilisation stddev %.3f, %u changes, %u refused",
        iv->number, iv->stddev, iv->executed, iv->failed);
    sova_notify_interval(&run->notify, status);
}

typedef struct {
    char *connect, *config, *policy;
    char *interval;           /* seconds, as given (NULL: not given) */
    char *metrics_listen;
    gboolean once, dry_run, json, verbose;
} AgentOpts;

/* options given on the command line override the file */
static gboolean apply_options(SovaConfig *cfg, const AgentOpts *o)
{
    if (o->connect) {
        g_free(cfg->connect);
        cfg->connect = g_strdup(o->connect);
    }
    if (o->policy) {
        g_free(cfg->cpu_policy);
        cfg->cpu_policy = g_strdup(o->policy);
    }
    return sova_cli_seconds("--interval", o->interval, &cfg->interval) &&
           sova_cli_listen(o->metrics_listen, &cfg->metrics_listen);
}

/* a SIGHUP reload (reload.c) applies the same options over the new file */
static gboolean reapply_options(gpointer cfg, gpointer o) { return apply_options(cfg, o); }

static void start_reload(SovaReload *r, const AgentOpts *o, SovaNotify *notify)
{
    const char *overridden[4] = { 0 }, **k = overridden;
    if (o->connect)
        *k++ = "[agent] connect";
    if (o->policy)
        *k++ = "[cpu] policy";
    if (o->interval)
        *k++ = "[agent] interval";
    *r = (SovaReload){ .opts = (gpointer)o, .apply = reapply_options };
    sova_reload_start(r, o->config, overridden, notify);
}

static int run_agent(SovaConfig *cfg, const AgentOpts *o)
{
    g_autoptr(GError) err = NULL;
    SovaLibvirtOptions lo = sova_cli_backend_options(cfg);
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(cfg->connect, &lo, &err);
    if (!be) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_FAILURE;
    }
    static AgentRun run;
    run.report = (SovaReport){ .json = o->json };
    g_autoptr(SovaMetrics) metrics = cfg->metrics_listen ? sova_metrics_new() : NULL;
    g_autoptr(SovaMetricsHttp) http = sova_cli_metrics_serve(cfg->metrics_listen, metrics,
                                                             sova_metrics_agent_init, &err);
    if (cfg->metrics_listen && !http) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_FAILURE;
    }
    run.metrics = metrics;
    sova_notify_start(&run.notify, MAX(cfg->interval, cfg->reconnect_max));
    SovaReload reload;
    start_reload(&reload, o, &run.notify);
    SovaAgentOptions ao = { .dry_run = o->dry_run, .json = o->json,
                            .observer = on_interval, .observer_data = &run,
                            .between = sova_reload_agent, .between_data = &reload };
    const SovaCpuPolicy *policy = sova_cpu_policy_find(cfg->cpu_policy);
    g_autoptr(SovaAgent) agent = sova_agent_new(be, cfg, policy, &ao);
    guint s1 = g_unix_signal_add(SIGINT, on_signal, &run);
    guint s2 = g_unix_signal_add(SIGTERM, on_signal, &run);
    if (!o->once)
        sova_info("sova agent on %s: policy %s, interval %g s%s", cfg->connect, policy->name,
                  cfg->interval, o->dry_run ? ", dry run" : "");
    if (!o->once && sova_agent_net_policy(agent))
        sova_info("net plane: policy %s, VFs from %s, pool %u", sova_agent_net_policy(agent),
                  cfg->vf_network, sova_libvirt_backend_vf_pool(be));
    if (sova_agent_net_policy(agent) && sova_libvirt_backend_vf_pool(be) == 0)
        sova_warn("net plane: no VFs to hand out (network %s has none and [net] vf-pool is 0); "
                  "VFs already attached are still taken back when not needed", cfg->vf_network);
    int rc = sova_agent_run(agent, o->once, &run.stop, &err);
    sova_notify_stop(&run.notify);
    run.metrics = NULL;
    sova_reload_stop(&reload);
    if (err)
        g_printerr("sova: %s\n", err->message);
    g_source_remove(s1);
    g_source_remove(s2);
    if (!o->once)
        sova_info("sova agent stopped: %" G_GUINT64_FORMAT " pin changes, %" G_GUINT64_FORMAT
                  " VF switches", sova_agent_pin_changes(agent), sova_agent_vf_switches(agent));
    return rc;
}

int sova_cmd_agent(int argc, char **argv)
{
    AgentOpts o = { 0 };
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &o.connect,
          "libvirt URI (default " SOVA_DEFAULT_URI ")", "URI" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config,
          "configuration file (default " SOVA_DEFAULT_CONFIG " if it exists)", "FILE" },
        { "interval", 'i', 0, G_OPTION_ARG_STRING, &o.interval,
          "seconds between samples (default 1)", "SECONDS" },
        { "cpu-policy", 'p', 0, G_OPTION_ARG_STRING, &o.policy, "balance (default), zigzag or lpt",
          "POLICY" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &o.once, "plan and act for one interval, then exit",
          NULL },
        { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &o.dry_run, "print the plan, change nothing",
          NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &o.json,
          "print each interval (loads and plan) as a JSON line", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "log every interval, not only changes",
          NULL },
        { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &o.metrics_listen,
          "serve Prometheus metrics at http://ADDR:PORT/metrics (default: none)", "ADDR:PORT" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- keep this host's pCPUs evenly loaded");
    g_option_context_set_summary(ctx,
        "Samples the host every interval and pins vCPUs to pCPUs so that the pCPUs'\n"
        "utilisation stays even; once it is even, leaves the pins alone.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = SOVA_EXIT_USAGE;
    if (sova_cli_parse(ctx, &argc, &argv)) {
        g_autoptr(SovaConfig) cfg = sova_cli_config(o.config);
        g_autoptr(GError) err = NULL;
        if (cfg && apply_options(cfg, &o)) {
            if (!sova_config_validate(cfg, &err))
                g_printerr("sova: %s\n", err->message);
            else {
                sova_log_set_verbose(o.verbose);
                rc = run_agent(cfg, &o);
            }
        }
    }
    g_free(o.connect);
    g_free(o.config);
    g_free(o.policy);
    g_free(o.interval);
    g_free(o.metrics_listen);
    return rc;
}
