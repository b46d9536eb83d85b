/* sim_net_bench.c — the net plane's section of `make bench` (TARGETS N1). Asserts nothing:
 * it prints figures.
 *
 * For every scenario with network traffic in bench/scenarios (net-*.conf), over several
 * seeds, the packets delivered (rx + tx, all VMs) and the VF switches made by:
 *  - the clairvoyant optimum ("optimum"): before each interval the VFs go to the VMs whose
 *    demand in that interval gains most from one, known from the scenario itself;
 *    switches are free and instant (sim_run.h, SOVA_SIM_NET_ORACLE);
 *  - every registered net policy, run by the agent's real loop (the default first);
 *  - static first-come ("static"): the first VMs get the VFs at the start, for good;
 *  - no VFs at all ("virtio");
 *  - a switch-frugal clairvoyant ("oracle-2x"): the same, but a holder keeps its VF unless
 *    another VM gains twice as much; with bursty traffic the strict optimum chases noise
 *    (it is free for it), so this is the fairer yardstick for switch counts;
 *  - a clairvoyant that knows each VM's demand shape but not the per-second jitter on it
 *    ("shape-opt", switches free): what knowing the future of the load, not its noise, is
 *    worth; no policy that reads counters can foresee the jitter (N1 is still judged
 *    against the strict optimum);
 *  - the same, but paying for its switches what the agent pays (the VF's attach latency, the
 *    detach gap) and keeping a holder unless another VM gains 1.3 times as much
 *    ("shape-paid"): what knowing the shapes is worth when switching costs what it costs
 *    (a policy that reads counters also learns of a change an interval late); not a bound:
 *    it chases what its margin lets it, bursts shorter than the attach latency included.
 * Delivered packets are shown as ratios to the optimum, pooled over the seeds. The N1
 * verdict takes the demanding reading of each target: throughput against the strict
 * optimum, switches against the fewer of the two clairvoyants'.
 *
 * Every scenario runs three times, once per way the host sees a VF's traffic (its hosts'
 * vf-counters overridden; docs/scenario.md): "yes" (a tap, the rig's stand-in), "pf" (a
 * hostdev VF counted by the PF's per-VF stats, refreshed every vf-stats-period) and "no"
 * (a hostdev VF invisible to the host). N1 is judged on yes and pf, N2 (the default
 * policy at least as good as the Sova-style rule) on no.
 *
 * With --seed-offset K the seeds start K after each file's; --only TEXT runs only the files
 * whose name contains TEXT. --json gives, besides the pooled figures, each seed's run of each
 * column ("per_seed"), which bench/compare.sh pairs between two builds.
 *
 * usage: bench-sim-net [--scenarios DIR] [--seeds N] [--seed-offset K] [--only TEXT]
 *        [--vf-counters yes|pf|no] [--config sova.conf] [--json] */
#include "bench_scenarios.h"
#include "sim_net_bench.h"
#include "util/json.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef SOVA_BENCH_SCENARIOS
#define SOVA_BENCH_SCENARIOS "bench/scenarios"
#endif

GArray *cols;
guint default_col;
static guint seed_offset;     /* --seed-offset: the seeds start this many after the file's */

static void col_add(const char *name, SovaSimNetMode mode, const SovaNetPolicy *policy, double margin)
{
    Col c = { g_strdup(name), mode, policy, margin, FALSE, FALSE };
    g_array_append_val(cols, c);
}

/* optimum first, then the registry's policies, then the other baselines */
static void make_cols(const SovaConfig *cfg)
{
    cols = g_array_new(FALSE, TRUE, sizeof(Col));
    col_add("optimum", SOVA_SIM_NET_ORACLE, NULL, 0);
    g_auto(GStrv) names = g_strsplit(sova_net_policy_list(), ", ", -1);
    for (guint i = 0; names[i]; i++) {
        if (!strcmp(names[i], cfg->net_policy))
            default_col = cols->len;
        col_add(names[i], SOVA_SIM_NET_AGENT, sova_net_policy_find(names[i]), 0);
    }
    col_add("static", SOVA_SIM_NET_STATIC, NULL, 0);
    col_add("virtio", SOVA_SIM_NET_OFF, NULL, 0);
    col_add("shape-opt", SOVA_SIM_NET_ORACLE, NULL, 0);
    g_array_index(cols, Col, cols->len - 1).no_jitter = TRUE;
    col_add("shape-paid", SOVA_SIM_NET_ORACLE, NULL, 0.3);
    g_array_index(cols, Col, cols->len - 1).no_jitter = TRUE;
    g_array_index(cols, Col, cols->len - 1).pays = TRUE;
    col_add("oracle-2x", SOVA_SIM_NET_ORACLE, NULL, 1.0);   /* last: opt_switches() */
}

static void free_cols(void)
{
    for (guint i = 0; i < cols->len; i++)
        g_free(g_array_index(cols, Col, i).name);
    g_array_unref(cols);
}

const Col *col(guint i)
{
    return &g_array_index(cols, Col, i);
}

static void row_free(gpointer p)
{
    Row *r = p;
    g_free(r->name);
    g_free(r->description);
    for (guint c = 0; r->sums && c < cols->len; c++)
        if (r->sums[c].seeds)
            g_array_unref(r->sums[c].seeds);
    g_free(r->sums);
    g_free(r);
}

/* one run; every column runs the same cpu policy (balance), so only the net plane differs */
static SovaSimResult *run_one(const SovaSimScenario *sc, const Col *c, const SovaConfig *cfg,
                              guint64 seed)
{
    SovaSimRunOptions o = { .policy = sova_cpu_policy_find("balance"), .cfg = cfg, .has_seed = TRUE,
                            .seed = seed, .net_mode = c->mode, .net_policy = c->policy,
                            .oracle_margin = c->margin, .oracle_without_jitter = c->no_jitter,
                            .oracle_pays_switches = c->pays };
    g_autoptr(GError) err = NULL;
    SovaSimResult *r = sova_sim_run(sc, &o, &err);
    if (!r)
        g_printerr("bench-sim-net: %s: %s\n", sc->path, err->message);
    return r;
}

static void add(Sum *s, const SovaSimResult *r, guint64 seed, double optimum)
{
    Seed one = { seed, r->net_delivered_pkts, optimum > 0 ? r->net_delivered_pkts / optimum : 1,
                 r->net_gap_pkts, r->vf_attaches + r->vf_detaches, r->vf_refused };
    g_array_append_val(s->seeds, one);
    s->offered += r->net_offered_pkts;
    s->delivered += r->net_delivered_pkts;
    s->gap += r->net_gap_pkts;
    s->vhost_s += r->vhost_cpu_s / (r->n_intervals * r->interval_s);
    s->switches += r->vf_attaches + r->vf_detaches;
    s->refused += r->vf_refused;
    s->min_ratio = MIN(s->min_ratio, optimum > 0 ? r->net_delivered_pkts / optimum : 1);
}

static const char *const mode_names[] = { "no", "yes", "pf" };

static Row *run_scenario(const char *dir, const char *file, SovaSimVfCounters mode,
                         const SovaConfig *cfg, guint seeds)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
    if (!sc) {
        g_printerr("bench-sim-net: %s\n", err->message);
        return NULL;
    }
    if (!sc->has_net)
        return NULL;
    sova_sim_scenario_set_vf_counters(sc, mode);
    Row *row = g_new0(Row, 1);
    row->name = g_strdup_printf("%.*s:%s", (int)(strlen(file) - strlen(".conf")), file,
                                mode_names[mode]);
    row->mode = mode;
    row->description = g_strdup(sc->description);
    row->vms = sc->vms->len;
    row->vfs = sova_sim_scenario_host(sc, 0)->nic.vfs;
    row->sums = g_new0(Sum, cols->len);
    for (guint c = 0; c < cols->len; c++) {
        row->sums[c].min_ratio = INFINITY;
        row->sums[c].seeds = g_array_new(FALSE, FALSE, sizeof(Seed));
    }
    for (guint s = 0; s < seeds; s++) {
        double optimum = 0;
        guint64 seed = sc->seed + seed_offset + s;
        for (guint c = 0; c < cols->len; c++) {
            g_autoptr(SovaSimResult) r = run_one(sc, col(c), cfg, seed);
            if (!r) {
                row_free(row);
                return NULL;
            }
            if (c == 0)
                optimum = r->net_delivered_pkts;
            add(&row->sums[c], r, seed, optimum);
        }
    }
    return row;
}

double x_opt(const Row *r, guint c)
{
    return r->sums[0].delivered > 0 ? r->sums[c].delivered / r->sums[0].delivered : NAN;
}

/* the fewer switches of the two clairvoyants */
guint64 opt_switches(const Row *r)
{
    return MIN(r->sums[0].switches, r->sums[cols->len - 1].switches);
}

/* ---- JSON ---- */

/* each seed's run of one column, in the order run (bench/compare.sh pairs them) */
static void per_seed_json(JsonBuilder *b, const Sum *s)
{
    json_builder_set_member_name(b, "per_seed");
    json_builder_begin_array(b);
    for (guint k = 0; k < s->seeds->len; k++) {
        const Seed *e = &g_array_index(s->seeds, Seed, k);
        json_builder_begin_object(b);
        sova_json_int(b, "seed", (gint64)e->seed);
        sova_json_double(b, "delivered_pkts", e->delivered);
        sova_json_double(b, "delivered_x_optimum", e->x_opt);
        sova_json_int(b, "switches", (gint64)e->switches);
        sova_json_double(b, "detach_gap_pkts", e->gap);
        sova_json_int(b, "refused", (gint64)e->refused);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static JsonNode *to_json(GPtrArray *rows, guint seeds)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_int(b, "seeds", seeds);
    sova_json_int(b, "seed_offset", seed_offset);
    sova_json_string(b, "default_policy", col(default_col)->name);
    json_builder_set_member_name(b, "scenarios");
    json_builder_begin_array(b);
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = g_ptr_array_index(rows, i);
        json_builder_begin_object(b);
        sova_json_string(b, "scenario", r->name);
        sova_json_string(b, "vf_counters", mode_names[r->mode]);
        sova_json_int(b, "vms", r->vms);
        sova_json_int(b, "vfs", r->vfs);
        for (guint c = 0; c < cols->len; c++) {
            const Sum *s = &r->sums[c];
            json_builder_set_member_name(b, col(c)->name);
            json_builder_begin_object(b);
            sova_json_double(b, "delivered_pkts_per_run", s->delivered / seeds);
            sova_json_double(b, "offered_pkts_per_run", s->offered / seeds);
            sova_json_double(b, "delivered_x_optimum", x_opt(r, c));
            sova_json_double(b, "worst_seed_x_optimum", c ? s->min_ratio : 1.0);
            sova_json_double(b, "switches_per_run", (double)s->switches / seeds);
            sova_json_double(b, "detach_gap_pkts_per_run", s->gap / seeds);
            sova_json_double(b, "vhost_pcpus", s->vhost_s / seeds);
            sova_json_int(b, "refused", (gint64)s->refused);
            per_seed_json(b, s);
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

int main(int argc, char **argv)
{
    g_autofree char *dir = NULL, *config = NULL;
    g_autofree char *only = NULL, *files_only = NULL;
    gboolean json = FALSE;
    gint seeds = 5, offset = 0;
    GOptionEntry entries[] = {
        { "scenarios", 0, 0, G_OPTION_ARG_FILENAME, &dir, "scenario directory (default: the source tree's)", "DIR" },
        { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "seeds per scenario: the scenario's and the next ones (5)", "N" },
        { "seed-offset", 0, 0, G_OPTION_ARG_INT, &offset, "start K seeds after each scenario's (0)", "K" },
        { "only", 0, 0, G_OPTION_ARG_STRING, &files_only, "run only the scenarios whose file name contains TEXT", "TEXT" },
        { "vf-counters", 0, 0, G_OPTION_ARG_STRING, &only, "run one mode only: yes, pf or no (all three)", "MODE" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config, "sova.conf whose [net] settings the policies use", "FILE" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print one JSON object", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- the net plane's simulator benchmark (N1)");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaConfig) cfg = sova_config_new();
    if (!g_option_context_parse(ctx, &argc, &argv, &err) ||
        (config && !sova_config_load(cfg, config, &err))) {
        g_printerr("bench-sim-net: %s\n", err->message);
        return 2;
    }
    if (only && strcmp(only, "yes") && strcmp(only, "pf") && strcmp(only, "no")) {
        g_printerr("bench-sim-net: --vf-counters takes yes, pf or no\n");
        return 2;
    }
    if (seeds < 1 || offset < 0) {
        g_printerr("bench-sim-net: --seeds must be at least 1, --seed-offset at least 0\n");
        return 2;
    }
    seed_offset = (guint)offset;
    make_cols(cfg);
    const char *sdir = dir ? dir : SOVA_BENCH_SCENARIOS;
    g_autoptr(GPtrArray) files = sova_bench_scenario_files(sdir, "net-");
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(row_free);
    static const SovaSimVfCounters modes[] = { SOVA_SIM_VF_COUNTERS_YES, SOVA_SIM_VF_COUNTERS_PF,
                                               SOVA_SIM_VF_COUNTERS_NO };
    guint matched = 0;
    for (guint f = 0; f < files->len; f++)
        for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
            if (files_only && !strstr(g_ptr_array_index(files, f), files_only))
                continue;
            matched += m == 0;
            if (only && strcmp(only, mode_names[modes[m]]) != 0)
                continue;
            Row *row = run_scenario(sdir, g_ptr_array_index(files, f), modes[m], cfg, (guint)seeds);
            if (row)
                g_ptr_array_add(rows, row);
        }
    if (files_only && !matched) {
        g_printerr("bench-sim-net: no net-*.conf in %s has \"%s\" in its name\n", sdir, files_only);
        free_cols();
        return 2;
    }
    if (json) {
        g_autoptr(JsonNode) root = to_json(rows, (guint)seeds);
        g_autofree char *text = json_to_string(root, TRUE);
        printf("%s\n", text);
    } else if (!rows->len) {
        printf("== simulator: net plane: no net-*.conf scenario in %s\n", sdir);
    } else {
        net_print_table(rows, (guint)seeds);
        net_print_verdict(rows);
    }
    free_cols();
    return 0;
}
