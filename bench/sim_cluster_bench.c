/* sim_cluster_bench.c — the cluster simulator's part of `make bench` (TARGETS C1, K1).
 *
 * Every bench/scenarios/cluster-*.conf is run seven ways, side by side, with the same seed:
 * the controller alone with each cluster policy (watcher, proxlb, drs, sova-prototype, sova),
 * the host agents alone (no controller), and the controller (sova) with the agents. For
 * each: the true imbalance at the start and at the end, time to balance, migrations,
 * failed migrations, ping-pongs, moves within the cooldown, downtime, CPU and network
 * delivered against demanded, VF switches. Then two verdict lines:
 *   C1  over --seeds seeds (5): each balancer's median CPU and network delivered,
 *       migrations, ping-pongs, longest overload (the time to relieve the worst one) and
 *       overloaded host-seconds; the target: sova delivers >= the best baseline - 0.002
 *       with no more migrations than it, no ping-pong, no move within the cooldown, and
 *       relieves overloads no slower than the fastest baseline (the baselines: watcher,
 *       proxlb and drs at its default migration threshold, 3);
 *   K1  the two levels together against each level alone, on delivered demand (the mean
 *       of the CPU and, when there is traffic, network delivered ratios).
 * Columns also count movable VMs left on hosts in maintenance and anti-affinity conflicts;
 * a scenario with keep-together groups split at the start says how many each run left split.
 * Figures only; it asserts nothing.
 *
 *
 * With --seed-offset K every run starts K seeds after the file's (5: the next five); --only
 * TEXT runs only the files whose name contains TEXT. Each seed C1 misses is listed, with why.
 *
 * usage: bench-sim-cluster [--scenarios DIR] [--json] [--seeds N] [--seed-offset K] [--only TEXT] */
#include "bench_scenarios.h"
#include "sim/sim_cluster_run.h"
#include "backend/sim/sim_scenario.h"
#include "policy/cluster_policy.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef SOVA_BENCH_SCENARIOS
#define SOVA_BENCH_SCENARIOS "bench/scenarios"
#endif

typedef struct {
    const char *label;
    const char *policy;       /* NULL: no controller */
    gboolean agents;
} Setup;

enum { RUN_WATCHER, RUN_PROXLB, RUN_DRS, RUN_PROTO, RUN_SOVA, RUN_HOST, RUN_BOTH, N_RUNS };

static const Setup setups[N_RUNS] = {
    [RUN_WATCHER] = { "watcher", "watcher", FALSE },
    [RUN_PROXLB] = { "proxlb", "proxlb", FALSE },
    [RUN_DRS] = { "drs", "drs", FALSE },
    [RUN_PROTO] = { "sova-prototype", "sova-prototype", FALSE },
    [RUN_SOVA] = { "sova (cluster only)", "sova", FALSE },
    [RUN_HOST] = { "host agents only", NULL, TRUE },
    [RUN_BOTH] = { "sova + host agents", "sova", TRUE },
};

static guint n_seeds = 5;    /* --seeds: C1 is also judged over this many seeds */
static guint seed_offset;     /* --seed-offset: the seeds start this many after the file's */
static const char *only;       /* --only: run only the files whose name contains this */

static SovaSimClusterResult *run_seed(const SovaSimScenario *sc, const Setup *s, gboolean has_seed,
                                      guint64 seed)
{
    SovaSimClusterRunOptions o = { .policy = s->policy ? sova_cluster_policy_find(s->policy) : NULL,
                                   .agents = s->agents, .label = s->label, .has_seed = has_seed, .seed = seed };
    if (s->policy && !o.policy) {
        g_printerr("bench-sim-cluster: no cluster policy \"%s\"\n", s->policy);
        return NULL;
    }
    g_autoptr(GError) err = NULL;
    SovaSimClusterResult *r = sova_sim_cluster_run(sc, &o, &err);
    if (!r)
        g_printerr("bench-sim-cluster: %s, %s: %s\n", sc->path, s->label, err->message);
    return r;
}

static SovaSimClusterResult *run_one(const SovaSimScenario *sc, const Setup *s)
{
    return seed_offset ? run_seed(sc, s, TRUE, sc->seed + seed_offset) : run_seed(sc, s, FALSE, 0);
}

/* the seed of the k-th C1 run */
static guint64 seed_k(const SovaSimScenario *sc, guint k)
{
    return sc->seed + seed_offset + k;
}

/* delivered demand: the mean of CPU and (when there is traffic) network delivered ratios */
static double delivered(const SovaSimClusterResult *r)
{
    double cpu = sova_sim_cluster_result_cpu_ratio(r);
    return r->net_offered_bytes > 0 ? (cpu + sova_sim_cluster_result_net_ratio(r)) / 2 : cpu;
}

/* ---- text ---- */

static void print_row(const SovaSimClusterResult *r)
{
    char ttb[16], net[16];
    if (r->time_to_balance >= 0)
        g_snprintf(ttb, sizeof ttb, "%.0f s", r->time_to_balance);
    else
        g_snprintf(ttb, sizeof ttb, "never");
    if (r->net_offered_bytes > 0)
        g_snprintf(net, sizeof net, "%.1f", 100 * sova_sim_cluster_result_net_ratio(r));
    else
        g_snprintf(net, sizeof net, "-");
    printf("  %-20s %5.3f -> %5.3f %8s %5u %4u %5u %4u %8.2f %7.2f %6s %5" G_GUINT64_FORMAT " %4u %3u\n",
           r->label, r->initial_imbalance, r->final_imbalance, ttb, r->migrations, r->failed, r->ping_pongs,
           r->cooldown_violations, r->downtime_s, 100 * sova_sim_cluster_result_cpu_ratio(r), net,
           r->vf_switches, r->left_on_maintenance, r->group_conflicts);
}

static const guint baselines[] = { RUN_WATCHER, RUN_PROXLB, RUN_DRS };

/* the baseline that delivered the most (CPU and network; fewer migrations on a tie) */
static const SovaSimClusterResult *best_baseline(SovaSimClusterResult **r)
{
    const SovaSimClusterResult *best = r[baselines[0]];
    for (guint i = 1; i < G_N_ELEMENTS(baselines); i++) {
        const SovaSimClusterResult *b = r[baselines[i]];
        double db = delivered(b), dbest = delivered(best);
        if (fabs(db - dbest) < 1e-9 ? b->migrations < best->migrations : db > dbest)
            best = b;
    }
    return best;
}

/* TARGETS C1: sova delivers CPU (and network) >= the best baseline's - 0.002, with no more
 * migrations than it, no ping-pong, no move within the cooldown, and relieves the worst
 * overload no slower than the fastest baseline. Where it is not met, `why` (if given) says
 * which parts failed. */
static gboolean c1_met(SovaSimClusterResult **r, GString *why)
{
    const SovaSimClusterResult *s = r[RUN_SOVA], *b = best_baseline(r);
    double fastest = G_MAXDOUBLE;
    for (guint i = 0; i < G_N_ELEMENTS(baselines); i++)
        fastest = MIN(fastest, r[baselines[i]]->relieve_s);
    double sc = sova_sim_cluster_result_cpu_ratio(s), bc = sova_sim_cluster_result_cpu_ratio(b);
    double sn = sova_sim_cluster_result_net_ratio(s), bn = sova_sim_cluster_result_net_ratio(b);
    gboolean cpu = sc >= bc - 0.002, net = sn >= bn - 0.002, migr = s->migrations <= b->migrations;
    gboolean fast = s->relieve_s <= fastest + 1e-9;
    if (why) {
        if (!cpu)
            g_string_append_printf(why, " cpu %.2f < %s %.2f;", 100 * sc, b->label, 100 * bc);
        if (!net)
            g_string_append_printf(why, " net %.2f < %s %.2f;", 100 * sn, b->label, 100 * bn);
        if (!migr)
            g_string_append_printf(why, " %u migrations > %s %u;", s->migrations, b->label, b->migrations);
        if (s->ping_pongs)
            g_string_append_printf(why, " %u ping-pongs;", s->ping_pongs);
        if (s->cooldown_violations)
            g_string_append_printf(why, " %u within cooldown;", s->cooldown_violations);
        if (!fast)
            g_string_append_printf(why, " relief %.0f s > %.0f s;", s->relieve_s, fastest);
    }
    return cpu && net && migr && s->ping_pongs == 0 && s->cooldown_violations == 0 && fast;
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(GArray *a)
{
    g_array_sort(a, cmp_double);
    return a->len ? g_array_index(a, double, a->len / 2) : NAN;
}

enum { F_CPU, F_NET, F_MIGR, F_PINGP, F_RELIEVE, F_OVER, N_F };

static void add_figures(GArray **f, const SovaSimClusterResult *r)
{
    double v[N_F] = { 100 * sova_sim_cluster_result_cpu_ratio(r), 100 * sova_sim_cluster_result_net_ratio(r),
                      r->migrations, r->ping_pongs, r->relieve_s, r->overload_s };
    for (guint i = 0; i < N_F; i++)
        g_array_append_val(f[i], v[i]);
}

/* C1 on seeds seed .. seed+n-1 (the table's run first): the median figures of each
 * balancer and on how many seeds the target is met */
static void print_c1_seeds(const SovaSimScenario *sc, SovaSimClusterResult **first)
{
    static const guint runs[] = { RUN_WATCHER, RUN_PROXLB, RUN_DRS, RUN_SOVA };
    GArray *f[G_N_ELEMENTS(runs)][N_F];
    for (guint i = 0; i < G_N_ELEMENTS(runs); i++)
        for (guint k = 0; k < N_F; k++)
            f[i][k] = g_array_new(FALSE, FALSE, sizeof(double));
    guint met = 0, seen = 0;
    g_autoptr(GString) missed = g_string_new(NULL);
    for (guint k = 0; k < n_seeds; k++) {
        SovaSimClusterResult *r[N_RUNS] = { 0 };
        gboolean ok = TRUE;
        for (guint i = 0; i < G_N_ELEMENTS(runs); i++) {
            r[runs[i]] = k ? run_seed(sc, &setups[runs[i]], TRUE, seed_k(sc, k)) : first[runs[i]];
            ok = ok && r[runs[i]];
        }
        for (guint i = 0; ok && i < G_N_ELEMENTS(runs); i++)
            add_figures(f[i], r[runs[i]]);
        g_autoptr(GString) why = g_string_new(NULL);
        gboolean m = ok && c1_met(r, why);
        if (ok && !m)
            g_string_append_printf(missed, " seed %" G_GUINT64_FORMAT ":%s", seed_k(sc, k), why->str);
        met += m;
        seen += ok;
        for (guint i = 0; k && i < G_N_ELEMENTS(runs); i++)
            sova_sim_cluster_result_free(r[runs[i]]);
    }
    printf("  C1 over %u seeds (median: cpu %% / net %% delivered, migrations, ping-pongs, longest "
           "overload s, overloaded host-s):", seen);
    for (guint i = 0; i < G_N_ELEMENTS(runs); i++) {
        printf("%s %s %.2f / %.2f, %.0f, %.0f, %.0f, %.0f", i ? ";" : "", setups[runs[i]].policy,
               median(f[i][F_CPU]), median(f[i][F_NET]), median(f[i][F_MIGR]), median(f[i][F_PINGP]),
               median(f[i][F_RELIEVE]), median(f[i][F_OVER]));
        for (guint k = 0; k < N_F; k++)
            g_array_unref(f[i][k]);
    }
    printf(" -> met on %u of %u (seeds %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT ")\n", met, seen,
           seed_k(sc, 0), seed_k(sc, n_seeds - 1));
    if (missed->len)
        printf("  C1 missed on%s\n", missed->str);
}

static void print_evacuation(SovaSimClusterResult **r)
{
    printf("  evacuated after:");
    for (guint i = 0; i < N_RUNS; i++)
        if (r[i]->evacuated_s >= 0)
            printf(" %s %.0f s;", r[i]->label, r[i]->evacuated_s);
        else
            printf(" %s never;", r[i]->label);
    printf("\n");
}

/* keep-together groups split across hosts, at the start and at the end of each run */
static void print_split(SovaSimClusterResult **r)
{
    printf("  keep-together groups split across hosts (start -> end):");
    for (guint i = 0; i < N_RUNS; i++)
        printf(" %s %u -> %u;", r[i]->label, r[i]->split_start, r[i]->split_end);
    printf("\n");
}

static void print_k1(SovaSimClusterResult **r)
{
    double both = delivered(r[RUN_BOTH]), host = delivered(r[RUN_HOST]), cl = delivered(r[RUN_SOVA]);
    printf("  K1 delivered demand: both levels %.2f %%, host only %.2f %%, cluster only %.2f %%; final "
           "imbalance %.3f / %.3f / %.3f -> %s\n", 100 * both, 100 * host, 100 * cl,
           r[RUN_BOTH]->final_imbalance, r[RUN_HOST]->final_imbalance, r[RUN_SOVA]->final_imbalance,
           both > host + 1e-4 && both > cl + 1e-4 ? "above both"
           : both >= MAX(host, cl) - 1e-4 ? "level with the better one" : "NOT above both");
}

static void print_scenario(const char *name, const SovaSimScenario *sc, SovaSimClusterResult **r)
{
    printf("\n%s: %s (%u hosts, %u VMs, %.0f s, interval %.0f s, agents every %g s, threshold %.2f, "
           "cooldown %.0f s)\n", name, sc->description ? sc->description : "", sc->hosts->len, sc->vms->len,
           sc->duration, sc->interval, sc->agent_interval, sc->params.threshold, sc->params.cooldown_s);
    printf("  %-20s %14s %8s %5s %4s %5s %4s %8s %7s %6s %5s %4s %3s\n", "run", "imbalance", "balanced", "migr",
           "fail", "pingp", "<cd", "downt s", "cpu %", "net %", "VFsw", "left", "aa");
    for (guint i = 0; i < N_RUNS; i++)
        print_row(r[i]);
    print_c1_seeds(sc, r);
    if (r[RUN_SOVA]->evacuated_s >= 0 || r[RUN_SOVA]->left_on_maintenance)
        print_evacuation(r);
    if (r[RUN_SOVA]->split_start || r[RUN_SOVA]->split_end)
        print_split(r);
    print_k1(r);
}

/* ---- JSON ---- */

static void add_json(JsonArray *all, const char *name, SovaSimClusterResult **r)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "scenario", name);
    JsonArray *runs = json_array_new();
    for (guint i = 0; i < N_RUNS; i++)
        json_array_add_element(runs, sova_sim_cluster_result_to_json(r[i], FALSE));
    json_object_set_array_member(o, "runs", runs);
    json_array_add_object_element(all, o);
}

static gboolean run_scenario(const char *dir, const char *file, gboolean json, JsonArray *all)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_cluster_scenario_load(path, &err);
    if (!sc) {
        g_printerr("bench-sim-cluster: %s\n", err->message);
        return FALSE;
    }
    SovaSimClusterResult *r[N_RUNS] = { 0 };
    gboolean ok = TRUE;
    for (guint i = 0; i < N_RUNS; i++)
        ok = (r[i] = run_one(sc, &setups[i])) != NULL && ok;
    g_autofree char *name = g_strndup(file, strlen(file) - strlen(".conf"));
    if (ok && json)
        add_json(all, name, r);
    else if (ok)
        print_scenario(name, sc, r);
    for (guint i = 0; i < N_RUNS; i++)
        sova_sim_cluster_result_free(r[i]);
    return ok;
}

int main(int argc, char **argv)
{
    g_autofree char *dir = NULL;
    gboolean json = FALSE;
    int seeds = (int)n_seeds, offset = 0;
    g_autofree char *only_arg = NULL;
    GOptionEntry entries[] = {
        { "scenarios", 0, 0, G_OPTION_ARG_FILENAME, &dir, "scenario directory (default: the source tree's)", "DIR" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON instead of tables", NULL },
        { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "judge C1 over this many seeds (5)", "N" },
        { "seed-offset", 0, 0, G_OPTION_ARG_INT, &offset, "start K seeds after each file's (0)", "K" },
        { "only", 0, 0, G_OPTION_ARG_STRING, &only_arg, "run only the files whose name contains TEXT", "TEXT" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("— cluster policies and levels on the cluster simulator");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("bench-sim-cluster: %s\n", err->message);
        return 2;
    }
    n_seeds = (guint)MAX(1, seeds);
    seed_offset = (guint)MAX(0, offset);
    only = only_arg;
    const char *d = dir ? dir : SOVA_BENCH_SCENARIOS;
    g_autoptr(GPtrArray) files = sova_bench_scenario_files(d, "cluster-");
    if (!files->len) {
        g_printerr("bench-sim-cluster: no cluster-*.conf in %s\n", d);
        return 1;
    }
    if (!json)
        printf("columns: imbalance = true weighted stddev of host load, first interval -> mean of the last "
               "tenth; balanced = time until it stays <= threshold; migr/fail = migrations completed/failed; "
               "pingp = moves back to a host the VM left or within its cooldown; <cd = moves within the "
               "cooldown; downt = total downtime; cpu/net = delivered / demanded; VFsw = VF switches; left = movable "
               "VMs left on hosts in maintenance; aa = VMs sharing a host with one of their anti-affinity group\n");
    g_autoptr(JsonArray) all = json_array_new();
    int status = 0;
    for (guint f = 0; f < files->len; f++)
        if ((!only || strstr(g_ptr_array_index(files, f), only)) && !run_scenario(d, g_ptr_array_index(files, f), json, all))
            status = 1;
    if (json) {
        g_autoptr(JsonNode) node = json_node_init_array(json_node_alloc(), all);
        g_autofree char *s = json_to_string(node, TRUE);
        printf("%s\n", s);
    }
    return status;
}
