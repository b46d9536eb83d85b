/* sim_bench.c — the simulator section of `make bench` (TARGETS P3, M1 and the policy
 * table). Asserts nothing: it prints figures.
 *
 *  1. Every registered cpu policy (balance, zigzag, lpt) and plain CFS with every vCPU unpinned
 *     ("cfs": no agent) on every scenario in bench/scenarios, side by side, as ratios
 *     against CFS: CPU delivered, Jain's fairness index; and, absolute (CFS has no
 *     agent, so its counts are 0), intervals until balanced and pin changes; then TARGETS P5
 *     (issue 18): each VM's delivered/demanded against its own under CFS (the worst VM's
 *     ratio) and pin changes per vCPU (sova_sim_vs_cfs).
 *  2. libvirt calls per agent interval with 1, 10 and 100 domains, counted by the real
 *     libvirt backend against libvirt's test driver given a generated node XML.
 *  3. M1: the agent's own CPU time per interval with 100 VMs on the simulator (the
 *     simulator's sampling cost measured apart and subtracted).
 * This file runs part 1 (its text is sim_bench_text.c), prints --json and holds main; parts 2
 * and 3 are sim_bench_scale.c.
 *
 * Part 1 runs each scenario on its own seed (--seeds 1, the default); with --seeds N on it and
 * the next N-1 (--seed-offset K: starting K after it), every column on the same seeds, and the
 * text shows the median over them. --json gives, besides those medians and the first seed's
 * whole runs, each seed's figures per column ("per_seed", CFS's "cfs_per_seed"), which
 * bench/compare.sh pairs between two builds. --only TEXT runs only the scenario files whose
 * name contains TEXT; --config FILE gives the agent runs its [cpu] settings.
 *
 * usage: bench-sim [--scenarios DIR] [--seeds N] [--seed-offset K] [--only TEXT]
 *        [--config sova.conf] [--json] [--part table|calls|cpu] */
#include "bench_scenarios.h"
#include "sim_bench.h"
#include "sim_bench_scale.h"
#include "util/json.h"
#include "sim/sim_run.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef SOVA_BENCH_SCENARIOS
#define SOVA_BENCH_SCENARIOS "bench/scenarios"
#endif

char **policies;
guint N_POL;
static guint seed_offset;     /* --seed-offset: the seeds start this many after the file's */

static void load_policies(void)
{
    policies = g_strsplit(sova_cpu_policy_list(), ", ", -1);
    N_POL = g_strv_length(policies);
}

/* ---- 1. the policy table ---- */

static void row_free(gpointer p)
{
    Row *r = p;
    g_free(r->name);
    for (guint i = 0; r->figs && i < r->n_seeds * (1 + N_POL); i++)
        g_free(r->figs[i].worst_vm);
    g_free(r->figs);
    sova_sim_result_free(r->cfs);
    for (guint i = 0; r->pol && i < N_POL; i++)
        sova_sim_result_free(r->pol[i]);
    g_free(r->pol);
    g_free(r);
}

static SovaSimResult *run_one(const SovaSimScenario *sc, const char *policy, const SovaConfig *cfg,
                              guint64 seed)
{
    SovaSimRunOptions o = { .policy = policy ? sova_cpu_policy_find(policy) : NULL, .cfg = cfg,
                            .has_seed = TRUE, .seed = seed };
    g_autoptr(GError) err = NULL;
    SovaSimResult *r = sova_sim_run(sc, &o, &err);
    if (!r)
        g_printerr("bench-sim: %s: %s\n", sc->path, err->message);
    return r;
}

static double ratio(double x, double base)
{
    return base > 0 ? x / base : NAN;
}

static int cmp_double(gconstpointer a, gconstpointer b, gpointer unused)
{
    double x = *(const double *)a, y = *(const double *)b;
    (void)unused;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

static double median(double *v, guint n)
{
    g_qsort_with_data(v, (gint)n, sizeof(double), cmp_double, NULL);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* the upper middle one with an even count, as the table always showed */
static double median_stddev(const SovaSimResult *r)
{
    g_autofree double *v = g_memdup2(r->stddev, r->n_intervals * sizeof(double));
    g_qsort_with_data(v, (gint)r->n_intervals, sizeof(double), cmp_double, NULL);
    return v[r->n_intervals / 2];
}

double row_median(const Row *r, guint c, double (*get)(const Fig *))
{
    g_autofree double *v = g_new(double, r->n_seeds);
    for (guint k = 0; k < r->n_seeds; k++)
        v[k] = get(row_fig(r, k, c));
    return median(v, r->n_seeds);
}

/* run's figures, against cfs (the same seed's); run == cfs for CFS's own */
static void fig_set(Fig *f, const SovaSimResult *run, const SovaSimResult *cfs)
{
    f->seed = run->seed;
    f->delivered_s = run->delivered_s;
    f->jain = run->jain;
    f->delivered_x_cfs = ratio(run->delivered_s, cfs->delivered_s);
    f->jain_x_cfs = ratio(run->jain, cfs->jain);
    f->settled = run->settled;
    f->pin_changes = (double)run->pin_changes;
    f->pins_after = (double)run->pins_after;
    f->median_stddev = median_stddev(run);
    f->has_vs = sova_sim_vs_cfs(run, cfs, &f->vs);
    f->worst_vm = g_strdup(run->vms->len ? g_array_index(run->vms, SovaSimVmResult, f->vs.worst).name
                                         : "");
}

/* seed k of a row: CFS and every policy; FALSE when a run failed */
static gboolean run_seed(Row *row, const SovaSimScenario *sc, const SovaConfig *cfg, guint k)
{
    guint64 seed = sc->seed + seed_offset + k;
    g_autoptr(SovaSimResult) cfs = run_one(sc, NULL, cfg, seed);
    if (!cfs)
        return FALSE;
    Fig *f = &row->figs[k * (1 + N_POL)];
    fig_set(&f[0], cfs, cfs);
    for (guint p = 0; p < N_POL; p++) {
        SovaSimResult *r = run_one(sc, policies[p], cfg, seed);
        if (!r)
            return FALSE;
        fig_set(&f[1 + p], r, cfs);
        if (k == 0)
            row->pol[p] = r;
        else
            sova_sim_result_free(r);
    }
    if (k == 0)
        row->cfs = g_steal_pointer(&cfs);
    return TRUE;
}

static GPtrArray *run_table(const char *dir, const char *only, const SovaConfig *cfg, guint seeds)
{
    g_autoptr(GPtrArray) files = sova_bench_scenario_files(dir, NULL);
    GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
    for (guint f = 0; f < files->len; f++) {
        const char *file = g_ptr_array_index(files, f);
        if (only && !strstr(file, only))
            continue;
        g_autofree char *path = g_build_filename(dir, file, NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
        if (!sc) {
            g_printerr("bench-sim: %s\n", err->message);
            continue;
        }
        Row *row = g_new0(Row, 1);
        row->name = g_strndup(file, strlen(file) - strlen(".conf"));
        row->n_seeds = seeds;
        row->figs = g_new0(Fig, seeds * (1 + N_POL));
        row->pol = g_new0(SovaSimResult *, N_POL);
        gboolean ok = TRUE;
        for (guint k = 0; ok && k < seeds; k++)
            ok = run_seed(row, sc, cfg, k);
        if (ok)
            g_ptr_array_add(rows, row);
        else
            row_free(row);
    }
    return rows;
}

/* ---- --json ---- */

/* each seed's figures of column c, in the order run (bench/compare.sh pairs them) */
static void per_seed_json(JsonBuilder *b, const char *member, const Row *r, guint c)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (guint k = 0; k < r->n_seeds; k++) {
        const Fig *f = row_fig(r, k, c);
        json_builder_begin_object(b);
        sova_json_int(b, "seed", (gint64)f->seed);
        sova_json_double(b, "delivered_s", f->delivered_s);
        sova_json_double(b, "jain", f->jain);
        json_builder_set_member_name(b, "intervals_until_balanced");
        if (f->settled >= 0)
            json_builder_add_int_value(b, f->settled);
        else
            json_builder_add_null_value(b);
        sova_json_double(b, "median_stddev", f->median_stddev);
        if (c > 0) {
            sova_json_double(b, "delivered_x_cfs", f->delivered_x_cfs);
            sova_json_double(b, "jain_x_cfs", f->jain_x_cfs);
            sova_json_int(b, "pin_changes", (gint64)f->pin_changes);
            sova_json_int(b, "pins_after", (gint64)f->pins_after);
            if (f->has_vs) {
                sova_json_double(b, "worst_vm_x_cfs", f->vs.worst_vm);
                sova_json_string(b, "worst_vm", f->worst_vm);
                sova_json_double(b, "total_x_cfs", f->vs.total);
                sova_json_double(b, "pins_per_vcpu", f->vs.pins_per_vcpu);
                sova_json_double(b, "pins_after_per_vcpu", f->vs.pins_after_per_vcpu);
            }
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static double get_delivered_x(const Fig *f) { return f->delivered_x_cfs; }
static double get_jain_x(const Fig *f) { return f->jain_x_cfs; }
static double get_worst_vm(const Fig *f) { return f->vs.worst_vm; }
static double get_total(const Fig *f) { return f->vs.total; }
static double get_pins_vcpu(const Fig *f) { return f->vs.pins_per_vcpu; }
static double get_pins_after_vcpu(const Fig *f) { return f->vs.pins_after_per_vcpu; }

/* one policy's object: its figures (the median over the seeds), its first seed's run */
static void policy_json(JsonBuilder *b, const Row *r, guint p)
{
    json_builder_begin_object(b);
    sova_json_double(b, "delivered_x_cfs", row_median(r, 1 + p, get_delivered_x));
    sova_json_double(b, "jain_x_cfs", row_median(r, 1 + p, get_jain_x));
    if (row_fig(r, 0, 1 + p)->has_vs) {
        sova_json_double(b, "worst_vm_x_cfs", row_median(r, 1 + p, get_worst_vm));
        sova_json_string(b, "worst_vm", row_fig(r, 0, 1 + p)->worst_vm);
        sova_json_double(b, "total_x_cfs", row_median(r, 1 + p, get_total));
        sova_json_double(b, "pins_per_vcpu", row_median(r, 1 + p, get_pins_vcpu));
        sova_json_double(b, "pins_after_per_vcpu", row_median(r, 1 + p, get_pins_after_vcpu));
    }
    json_builder_set_member_name(b, "run");
    json_builder_add_value(b, sova_sim_result_to_json(r->pol[p], FALSE));
    per_seed_json(b, "per_seed", r, 1 + p);
    json_builder_end_object(b);
}

static JsonNode *table_json(GPtrArray *rows)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        json_builder_begin_object(b);
        sova_json_string(b, "scenario", r->name);
        json_builder_set_member_name(b, "cfs");
        json_builder_add_value(b, sova_sim_result_to_json(r->cfs, FALSE));
        per_seed_json(b, "cfs_per_seed", r, 0);
        for (guint p = 0; p < N_POL; p++) {
            json_builder_set_member_name(b, policies[p]);
            policy_json(b, r, p);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}

/* ---- main ---- */

static void print_json(GPtrArray *rows, GArray *c, GArray *m, const SovaConfig *cfg, guint seeds)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_int(b, "seeds", seeds);
    sova_json_int(b, "seed_offset", seed_offset);
    sova_json_string(b, "default_policy", cfg->cpu_policy);
    json_builder_set_member_name(b, "policies");
    json_builder_add_value(b, rows ? table_json(rows) : json_node_new(JSON_NODE_NULL));
    json_builder_set_member_name(b, "scale");
    json_builder_add_value(b, bench_sim_scale_json(c, m));
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, TRUE);
    printf("%s\n", text);
}

/* 0 when the options hold, else 2 with a message */
static int check_options(const char *part, const char *only, gint seeds, gint offset, const char *sdir)
{
    if (part && strcmp(part, "table") && strcmp(part, "calls") && strcmp(part, "cpu")) {
        g_printerr("bench-sim: --part takes table, calls or cpu\n");
        return 2;
    }
    if (seeds < 1 || offset < 0) {
        g_printerr("bench-sim: --seeds must be at least 1, --seed-offset at least 0\n");
        return 2;
    }
    if (!only)
        return 0;
    g_autoptr(GPtrArray) files = sova_bench_scenario_files(sdir, NULL);
    for (guint f = 0; f < files->len; f++)
        if (strstr(g_ptr_array_index(files, f), only))
            return 0;
    g_printerr("bench-sim: no single-host scenario in %s has \"%s\" in its name%s\n", sdir, only,
               !strcmp(only, "table") || !strcmp(only, "calls") || !strcmp(only, "cpu")
                   ? " (one part of the bench is --part now)" : "");
    return 2;
}

int main(int argc, char **argv)
{
    g_autofree char *dir = NULL, *part = NULL, *only = NULL, *config = NULL;
    gboolean json = FALSE;
    gint seeds = 1, offset = 0;
    GOptionEntry entries[] = {
        { "scenarios", 0, 0, G_OPTION_ARG_FILENAME, &dir, "scenario directory (default: the source tree's)", "DIR" },
        { "seeds", 0, 0, G_OPTION_ARG_INT, &seeds, "seeds per scenario: the scenario's and the next ones; the table shows the median over them (1)", "N" },
        { "seed-offset", 0, 0, G_OPTION_ARG_INT, &offset, "start K seeds after each scenario's (0)", "K" },
        { "only", 0, 0, G_OPTION_ARG_STRING, &only, "run only the scenarios whose file name contains TEXT", "TEXT" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config, "sova.conf whose [cpu] settings the agent runs use", "FILE" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print one JSON object (each seed's figures: per_seed)", NULL },
        { "part", 0, 0, G_OPTION_ARG_STRING, &part, "one part: table, calls or cpu", "PART" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- the simulator benchmark");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaConfig) cfg = sova_config_new();
    if (!g_option_context_parse(ctx, &argc, &argv, &err) ||
        (config && !sova_config_load(cfg, config, &err))) {
        g_printerr("bench-sim: %s\n", err->message);
        return 2;
    }
    const char *sdir = dir ? dir : SOVA_BENCH_SCENARIOS;
    int rc = check_options(part, only, seeds, offset, sdir);
    if (rc)
        return rc;
    seed_offset = (guint)offset;
    load_policies();
    gboolean table = !part || !strcmp(part, "table"), calls = !part || !strcmp(part, "calls"),
             cpu = !part || !strcmp(part, "cpu");
    g_autoptr(GPtrArray) rows = table ? run_table(sdir, only, cfg, (guint)seeds) : NULL;
    g_autoptr(GArray) c = calls ? bench_sim_run_calls() : NULL;
    g_autoptr(GArray) m = cpu ? bench_sim_run_cpu(policies) : NULL;
    if (json)
        print_json(rows, c, m, cfg, (guint)seeds);
    else {
        if (rows)
            sim_print_table(rows, cfg->target_stddev);
        if (c)
            bench_sim_print_calls(c);
        if (m)
            bench_sim_print_cpu(m);
    }
    g_strfreev(policies);
    return 0;
}
