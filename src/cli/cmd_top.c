/* cmd_top.c — `sova top`: a live view of a host, or with `--host URI …` of a cluster,
 * refreshed each interval until `q` (or SIGINT/SIGTERM/SIGHUP); `--once` prints one frame
 * and exits.
 *
 * It changes nothing: the host view runs the agent's own loop (agent.c) in a dry run over
 * the host's URI — the same sampling, model and policy as `sova agent`, and so as
 * `sova status` — and the cluster view the controller's (as `sova status --host` does),
 * each record drawn as a frame (top_host.c, top_cluster.c) on the terminal (top_term.c). */
#include "cli/cli.h"
#include "cli/cli_cluster.h"
#include "cli/top.h"
#include <stdio.h>

typedef struct {
    gboolean once;
    gboolean live;            /* drawing on a terminal (not --once, stdout a terminal) */
    const char *uri, *policy;
    SovaTopHost host;
    char *frame;              /* the last frame (--once prints it) */
    SovaControllerStop stop;  /* .stop: q or a signal (the agent's loop reads it too) */
} Top;

static char *clock_now(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    return g_date_time_format(now, "%H:%M:%S");
}

static void show(Top *t, GString *frame)
{
    g_free(t->frame);
    t->frame = g_strdup(frame->str);
    if (t->live)
        sova_top_term_show(t->frame);
    else if (!t->once) {
        fputs(t->frame, stdout);   /* not a terminal: frames one after the other */
        fputs("\n", stdout);
        fflush(stdout);
    }
}

static void on_host_interval(const SovaAgentInterval *iv, gpointer data)
{
    Top *t = data;
    g_autofree char *clock = clock_now();
    sova_top_host_note(&t->host, iv, clock);
    g_autoptr(GString) frame = g_string_new(NULL);
    sova_top_host_frame(frame, &t->host, iv, t->uri, t->policy, clock);
    show(t, frame);
}

static void on_cluster_interval(const SovaControllerInterval *iv, gpointer data)
{
    Top *t = data;
    g_autofree char *clock = clock_now();
    g_autoptr(GString) frame = g_string_new(NULL);
    sova_top_cluster_frame(frame, iv, t->policy, clock);
    show(t, frame);
}

/* the loop, between entering the terminal and leaving it however it ends */
static int run(Top *t, int (*loop)(gpointer, Top *, GError **), gpointer daemon)
{
    guint keys = 0;
    t->live = !t->once && sova_top_term_enter(&t->stop.stop);
    if (t->live) {
        keys = sova_top_term_watch_keys(&t->stop.stop);
        g_autoptr(GString) wait = g_string_new(NULL);
        g_string_printf(wait, "sova top: sampling %s ...\n", t->uri);
        sova_top_term_show(wait->str);
    }
    g_autoptr(GError) err = NULL;
    int rc = loop(daemon, t, &err);
    if (keys)
        g_source_remove(keys);
    sova_top_term_leave();
    if (t->once && t->frame)
        fputs(t->frame, stdout);
    if (err) {
        g_printerr("sova: %s\n", err->message);
        rc = SOVA_EXIT_FAILURE;
    }
    return rc;
}

static int agent_loop(gpointer daemon, Top *t, GError **error)
{
    return sova_agent_run(daemon, t->once, &t->stop.stop, error);
}

static int controller_loop(gpointer daemon, Top *t, GError **error)
{
    return sova_controller_run(daemon, t->once, &t->stop, error);
}

static int top_host(Top *t, const char *config, const char *connect, const char *interval)
{
    g_autoptr(SovaConfig) cfg = sova_cli_config(config);
    if (!cfg)
        return SOVA_EXIT_USAGE;
    if (connect) {
        g_free(cfg->connect);
        cfg->connect = g_strdup(connect);
    }
    cfg->interval = 2.0;
    g_autoptr(GError) err = NULL;
    if (!sova_cli_seconds("--interval", interval, &cfg->interval))
        return SOVA_EXIT_USAGE;
    if (!sova_config_validate(cfg, &err)) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_USAGE;
    }
    SovaLibvirtOptions lo = sova_cli_backend_options(cfg);
    lo.net = TRUE;            /* NIC modes even when this host's agent has no [net] */
    lo.meta_writes = NULL;    /* a view: it writes nothing */
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(cfg->connect, &lo, &err);
    if (!be) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_FAILURE;
    }
    const SovaCpuPolicy *policy = sova_cpu_policy_find(cfg->cpu_policy);
    t->uri = cfg->connect;
    t->policy = policy->name;
    SovaAgentOptions ao = { .dry_run = TRUE, .quiet = TRUE, .observer = on_host_interval,
                            .observer_data = t };
    g_autoptr(SovaAgent) agent = sova_agent_new(be, cfg, policy, &ao);
    return run(t, agent_loop, agent);
}

static int top_cluster(Top *t, const char *config, char **hosts, const char *interval)
{
    SovaCliCluster cl = { 0 };
    int rc = SOVA_EXIT_USAGE;
    if (sova_cli_cluster_load(&cl, config, hosts)) {
        cl.cfg->interval = 2.0;
        if (sova_cli_seconds("--interval", interval, &cl.cfg->interval) &&
            sova_cli_cluster_connect(&cl, NULL)) {
            SovaControllerOptions co;
            sova_ctl_config_options(cl.cfg, &co);
            co.dry_run = co.quiet = TRUE;
            co.observer = on_cluster_interval;
            co.observer_data = t;
            const SovaClusterPolicy *policy = sova_cluster_policy_find(cl.cfg->policy);
            t->uri = "the cluster";
            t->policy = policy->name;
            g_autoptr(SovaController) c = sova_controller_new(cl.hosts, cl.n_hosts, policy, &co);
            rc = run(t, controller_loop, c);
        }
    }
    sova_cli_cluster_clear(&cl);
    return rc;
}

int sova_cmd_top(int argc, char **argv)
{
    char *connect = NULL, *config = NULL, *interval = NULL;
    g_auto(GStrv) hosts = NULL;
    gboolean once = FALSE;
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
          "libvirt URI of the host (default " SOVA_DEFAULT_URI ")", "URI" },
        { "host", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &hosts,
          "show the cluster of these hosts (once per host)", "URI" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
          "configuration file (default " SOVA_DEFAULT_CONFIG " if it exists)", "FILE" },
        { "interval", 'i', 0, G_OPTION_ARG_STRING, &interval,
          "seconds between refreshes (default 2)", "SECONDS" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &once, "print one frame and exit", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- a live view of a host or a cluster");
    g_option_context_set_summary(ctx,
        "Refreshed each interval: per-pCPU bars; each VM's vCPUs (placement, demand,\n"
        "run-queue delay) and its NIC (mode, rates); what sova would do next and why; the\n"
        "changes seen between samples. With --host, the cluster: hosts' load per resource,\n"
        "the imbalance, the VMs whose CPU demand goes most unmet (from their agents'\n"
        "summaries or the controller's estimate), migrations in flight, the next planned\n"
        "moves. Changes nothing.\n"
        "Keys: q quits.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = SOVA_EXIT_USAGE;
    if (sova_cli_parse(ctx, &argc, &argv)) {
        static Top t;
        t.once = once;
        sova_top_host_init(&t.host);
        if (hosts && connect)
            g_printerr("sova: --connect and --host: one host, or a cluster (see --help)\n");
        else if (hosts)
            rc = top_cluster(&t, config, hosts, interval);
        else
            rc = top_host(&t, config, connect, interval);
        sova_top_host_clear(&t.host);
        g_clear_pointer(&t.frame, g_free);
    }
    g_free(connect);
    g_free(config);
    g_free(interval);
    return rc;
}
