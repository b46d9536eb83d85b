/* cmd_sim_cluster.c — `sova sim-cluster SCENARIO`: what would sova do on this cluster?
 *
 * Runs the real controller loop with a real cluster policy (and, unless --levels says
 * otherwise, one real host agent per host) against the cluster simulator, and reports
 * from the simulator's ground truth: the imbalance over time, how long it took to get
 * under the threshold, migrations and their time and downtime, ping-pongs, CPU and
 * network delivered against demanded. A bad scenario is reported as FILE:LINE, exit 2. */
#include "util/error.h"
#include "cli/cli.h"
#include "sim/sim_cluster_run.h"
#include "backend/sim/sim_scenario.h"
#include "policy/cluster_policy.h"
#include "policy/cpu_policy.h"
#include "policy/net_policy.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    char *policy, *levels, *cpu_policy, *net_policy, *seed;
    double duration;
    gboolean json, series, log;
} Opts;

static void print_timeline(const SovaSimClusterResult *r)
{
    guint buckets = MIN(10u, r->n_intervals), per = r->n_intervals / buckets;
    printf("imbalance over time (mean per %g s):\n", per * r->interval_s);
    for (guint b = 0; b < buckets; b++) {
        double sum = 0;
        guint end = b + 1 == buckets ? r->n_intervals : (b + 1) * per;
        for (guint k = b * per; k < end; k++)
            sum += r->imbalance[k];
        double mean = sum / (end - b * per);
        int bar = (int)(MIN(mean, 0.5) * 100);
        printf("  %7.0f s  %.3f  %.*s%s\n", b * per * r->interval_s, mean, bar,
               "##################################################", mean > r->threshold ? "" : "  (balanced)");
    }
}

static void print_text(const SovaSimClusterResult *r)
{
    printf("scenario %s: %u hosts, %u VMs, seed %" G_GUINT64_FORMAT "; run: %s\n", r->scenario, r->n_hosts,
           r->n_vms, r->seed, r->label);
    printf("imbalance: %.3f at the start, %.3f at the end (threshold %.3f)\n", r->initial_imbalance,
           r->final_imbalance, r->threshold);
    if (r->time_to_balance >= 0)
        printf("balanced after %.0f s\n", r->time_to_balance);
    else
        printf("never stayed under the threshold\n");
    printf("migrations: %u completed (%.1f s in total, %.3f s downtime), %u failed; most moves of one VM: %u\n",
           r->migrations, r->migration_s, r->downtime_s, r->failed, r->max_moves_per_vm);
    printf("ping-pongs: %u; moves within the cooldown (%.0f s): %u\n", r->ping_pongs, r->cooldown_s,
           r->cooldown_violations);
    if (r->left_on_maintenance)
        printf("VMs still on hosts in maintenance: %u\n", r->left_on_maintenance);
    else if (r->evacuated_s >= 0)
        printf("hosts in maintenance evacuated after %.0f s\n", r->evacuated_s);
    if (r->group_conflicts)
        printf("VMs sharing a host with another of their anti-affinity group: %u\n", r->group_conflicts);
    if (r->split_start || r->split_end)
        printf("keep-together groups split across hosts: %u at the start, %u at the end\n",
               r->split_start, r->split_end);
    printf("CPU delivered: %.2f %% of demand", 100 * sova_sim_cluster_result_cpu_ratio(r));
    if (r->net_offered_bytes > 0)
        printf("; network delivered: %.2f %% of offered; VF switches: %" G_GUINT64_FORMAT,
               100 * sova_sim_cluster_result_net_ratio(r), r->vf_switches);
    printf("\n");
    print_timeline(r);
}

static void print_json(const SovaSimClusterResult *r, gboolean series)
{
    g_autoptr(JsonNode) node = sova_sim_cluster_result_to_json(r, series);
    g_autofree char *s = json_to_string(node, FALSE);
    printf("%s\n", s);
}

/* --levels: both (controller + agents), cluster (controller only), host (agents only) */
static gboolean parse_levels(const char *levels, gboolean *controller, gboolean *agents)
{
    const char *l = levels ? levels : "both";
    *controller = !strcmp(l, "both") || !strcmp(l, "cluster");
    *agents = !strcmp(l, "both") || !strcmp(l, "host");
    return *controller || *agents;
}

static gboolean build_options(const Opts *o, SovaSimClusterRunOptions *ro)
{
    gboolean controller;
    if (!parse_levels(o->levels, &controller, &ro->agents)) {
        fprintf(stderr, "sova sim-cluster: --levels: \"%s\" is not both, cluster or host\n", o->levels);
        return FALSE;
    }
    const char *p = o->policy ? o->policy : "sova";
    ro->policy = controller ? sova_cluster_policy_find(p) : NULL;
    if (controller && !ro->policy) {
        fprintf(stderr, "sova sim-cluster: unknown cluster policy \"%s\" (known: %s)\n", p,
                sova_cluster_policy_list());
        return FALSE;
    }
    if (o->cpu_policy && !(ro->cpu_policy = sova_cpu_policy_find(o->cpu_policy))) {
        fprintf(stderr, "sova sim-cluster: unknown cpu policy \"%s\" (known: %s)\n", o->cpu_policy,
                sova_cpu_policy_list());
        return FALSE;
    }
    /* checked here: the agents would run without a net plane on an unknown name */
    if (o->net_policy && !sova_net_policy_find(o->net_policy)) {
        fprintf(stderr, "sova sim-cluster: unknown net policy \"%s\" (known: %s)\n", o->net_policy,
                sova_net_policy_list());
        return FALSE;
    }
    ro->net_policy = o->net_policy;
    ro->duration = o->duration;
    ro->log = o->log;
    if (o->seed) {
        char *end = NULL;
        ro->seed = g_ascii_strtoull(o->seed, &end, 10);
        ro->has_seed = TRUE;
        if (end == o->seed || *end) {
            fprintf(stderr, "sova sim-cluster: --seed: \"%s\" is not a number\n", o->seed);
            return FALSE;
        }
    }
    return TRUE;
}

static int run(const Opts *o, int argc, char **argv)
{
    SovaSimClusterRunOptions ro = { 0 };
    if (!build_options(o, &ro))
        return SOVA_EXIT_USAGE;
    if (argc != 2) {
        fprintf(stderr, "sova sim-cluster: give one scenario file (see --help)\n");
        return SOVA_EXIT_USAGE;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_cluster_scenario_load(argv[1], &error);
    if (!sc) {
        fprintf(stderr, "sova sim-cluster: %s\n", error->message);
        return SOVA_EXIT_USAGE;
    }
    g_autoptr(SovaSimClusterResult) r = sova_sim_cluster_run(sc, &ro, &error);
    if (!r) {
        fprintf(stderr, "sova sim-cluster: %s\n", error->message);
        /* a run the options make too long is bad input, like a bad scenario */
        return g_error_matches(error, SOVA_ERROR, SOVA_ERROR_INVALID) ? SOVA_EXIT_USAGE
                                                                   : SOVA_EXIT_FAILURE;
    }
    if (o->json)
        print_json(r, o->series);
    else
        print_text(r);
    return SOVA_EXIT_OK;
}

int sova_cmd_sim_cluster(int argc, char **argv)
{
    Opts o = { 0 };
    GOptionEntry entries[] = {
        { "policy", 'p', 0, G_OPTION_ARG_STRING, &o.policy, "cluster policy (sova)", "NAME" },
        { "levels", 'l', 0, G_OPTION_ARG_STRING, &o.levels,
          "both (controller and host agents), cluster (controller only), host (agents only)", "LEVELS" },
        { "cpu-policy", 0, 0, G_OPTION_ARG_STRING, &o.cpu_policy, "the agents' cpu policy (balance)", "NAME" },
        { "net-policy", 0, 0, G_OPTION_ARG_STRING, &o.net_policy, "the agents' net policy (balance, the default, or sova)", "NAME" },
        { "seed", 's', 0, G_OPTION_ARG_STRING, &o.seed, "override the scenario's seed", "N" },
        { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o.duration, "override the scenario's duration", "SECONDS" },
        { "log", 0, 0, G_OPTION_ARG_NONE, &o.log, "log every migration the controller starts and ends", NULL },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &o.json, "print the figures as one JSON object", NULL },
        { "series", 0, 0, G_OPTION_ARG_NONE, &o.series, "with --json: the imbalance of every interval", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO — run the controller against a simulated cluster");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Scenario format: docs/cluster-scenario.md.\n");
    g_autoptr(GError) err = NULL;
    int status = SOVA_EXIT_USAGE;
    if (!g_option_context_parse(ctx, &argc, &argv, &err))
        fprintf(stderr, "sova sim-cluster: %s (see --help)\n", err->message);
    else
        status = run(&o, argc, argv);
    g_free(o.policy);
    g_free(o.levels);
    g_free(o.cpu_policy);
    g_free(o.net_policy);
    g_free(o.seed);
    return status;
}
