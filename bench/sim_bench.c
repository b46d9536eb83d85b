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
 * This file runs and prints part 1 and holds main; parts 2 and 3 are sim_bench_scale.c.
 *
 * usage: bench-sim [--scenarios DIR] [--json] [--only table|calls|cpu] */
#include "bench_scenarios.h"
#include "sim_bench_scale.h"
#include "util/json.h"
#include "sim/sim_run.h"
#include "daemon/agent.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef SOVA_BENCH_SCENARIOS
#define SOVA_BENCH_SCENARIOS "bench/scenarios"
#endif

/* every registered cpu policy, in the registry's order */
static char **policies;
static guint N_POL;

static void load_policies(void)
{
    policies = g_strsplit(sova_cpu_policy_list(), ", ", -1);
    N_POL = g_strv_length(policies);
}

/* ---- 1. the policy table ---- */

typedef struct {
    char *name;
    SovaSimResult *cfs;
    SovaSimResult **pol;      /* [N_POL] */
} Row;

static void row_free(gpointer p)
{
    Row *r = p;
    g_free(r->name);
    sova_sim_result_free(r->cfs);
    for (guint i = 0; i < N_POL; i++)
        sova_sim_result_free(r->pol[i]);
    g_free(r->pol);
    g_free(r);
}

static SovaSimResult *run_one(const SovaSimScenario *sc, const char *policy)
{
    SovaSimRunOptions o = { .policy = policy ? sova_cpu_policy_find(policy) : NULL };
    g_autoptr(GError) err = NULL;
    SovaSimResult *r = sova_sim_run(sc, &o, &err);
    if (!r)
        g_printerr("bench-sim: %s: %s\n", sc->path, err->message);
    return r;
}

static GPtrArray *run_table(const char *dir)
{
    g_autoptr(GPtrArray) files = sova_bench_scenario_files(dir, NULL);
    GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
    for (guint f = 0; f < files->len; f++) {
        const char *file = g_ptr_array_index(files, f);
        g_autofree char *path = g_build_filename(dir, file, NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
        if (!sc) {
            g_printerr("bench-sim: %s\n", err->message);
            continue;
        }
        Row *row = g_new0(Row, 1);
        row->name = g_strndup(file, strlen(file) - strlen(".conf"));
        row->cfs = run_one(sc, NULL);
        row->pol = g_new0(SovaSimResult *, N_POL);
        for (guint i = 0; i < N_POL; i++)
            row->pol[i] = run_one(sc, policies[i]);
        gboolean ok = row->cfs != NULL;
        for (guint i = 0; i < N_POL; i++)
            ok = ok && row->pol[i];
        if (ok)
            g_ptr_array_add(rows, row);
        else
            row_free(row);
    }
    return rows;
}

static void print_header(const char *title, const char *cfs_col)
{
    printf("\n%s\n%-28s %10s", title, "scenario", cfs_col);
    for (guint i = 0; i < N_POL; i++)
        printf(" %9s", policies[i]);
    printf("\n");
}

static double ratio(double x, double base)
{
    return base > 0 ? x / base : NAN;
}

static int cmp_double(gconstpointer a, gconstpointer b, gpointer unused)
{
    double x = *(const double *)a, y = *(const double *)b;
    (void)unused;
    return (x > y) - (x < y);
}

static double median_stddev(const SovaSimResult *r)
{
    g_autofree double *v = g_memdup2(r->stddev, r->n_intervals * sizeof(double));
    g_qsort_with_data(v, (gint)r->n_intervals, sizeof(double), cmp_double, NULL);
    return v[r->n_intervals / 2];
}

static char *settled_text(int settled)
{
    return settled < 0 ? g_strdup("never") : g_strdup_printf("%d", settled);
}

/* TARGETS P5 (issue 18): every VM against its own CFS share, pin changes per vCPU; the
 * total against CFS is the first table's */
static void print_vs_cfs(GPtrArray *rows)
{
    print_header("P5: worst VM's delivered/demanded against its own under CFS (x CFS; target >= 0.98)",
                 "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10s", r->name, "1");
        for (guint p = 0; p < N_POL; p++) {
            SovaSimVsCfs v;
            if (sova_sim_vs_cfs(r->pol[p], r->cfs, &v))
                printf(" %9.3f", v.worst_vm);
            else
                printf(" %9s", "-");
        }
        printf("\n");
    }
    printf("\nP5: pin changes per vCPU over the run (after it settled); target <= 2 with one demand "
           "change, 0 while steady\n%-28s %10s", "scenario", "seconds");
    for (guint i = 0; i < N_POL; i++)
        printf(" %13s", policies[i]);
    printf("\n");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.0f", r->name, r->cfs->n_intervals * r->cfs->interval_s);
        for (guint p = 0; p < N_POL; p++) {
            SovaSimVsCfs v;
            sova_sim_vs_cfs(r->pol[p], r->cfs, &v);
            g_autofree char *cell = g_strdup_printf("%.2f(%.2f)", v.pins_per_vcpu, v.pins_after_per_vcpu);
            printf(" %13s", cell);
        }
        printf("\n");
    }
}

static void print_table(GPtrArray *rows)
{
    printf("== simulator: cpu policies against CFS (every vCPU unpinned, no agent)\n"
           "   for delivered CPU and fairness, ratios > 1 beat CFS; CFS's own figure is in its column\n");
    print_header("CPU delivered (x CFS)", "CFS cpu-s");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.0f", r->name, r->cfs->delivered_s);
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.3f", ratio(r->pol[p]->delivered_s, r->cfs->delivered_s));
        printf("\n");
    }
    printf("(every interval counts, the first included. The agent runs start from the scenario's\n"
           " pins (all on pCPU 0, alternating ...), CFS unpinned; the agent's first plan comes %.1f s\n"
           " after its baseline sample (sova_agent_next_wait): a layout that costs work costs it that\n"
           " long, e.g. 0.5 s of 3 idle pCPUs of 4 in 120 s: 0.997 for zigzag and lpt on seed-example;\n"
           " balance's take-over shares vCPUs stacked beside an idle pCPU at the baseline sample.)\n",
           SOVA_AGENT_FIRST_WAIT);
    print_header("Jain's fairness index over delivered/demanded per VM (x CFS)", "CFS Jain");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.4f", r->name, r->cfs->jain);
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.3f", ratio(r->pol[p]->jain, r->cfs->jain));
        printf("\n");
    }
    print_header("intervals until the pCPU stddev stays <= 5 (absolute)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        g_autofree char *c = settled_text(r->cfs->settled);
        printf("%-28s %10s", r->name, c);
        for (guint p = 0; p < N_POL; p++) {
            g_autofree char *t = settled_text(r->pol[p]->settled);
            printf(" %9s", t);
        }
        printf("\n");
    }
    print_header("pin changes, absolute (after it settled)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10d", r->name, 0);
        for (guint p = 0; p < N_POL; p++) {
            g_autofree char *cell = g_strdup_printf("%" G_GUINT64_FORMAT "(%" G_GUINT64_FORMAT ")",
                                                    r->pol[p]->pin_changes, r->pol[p]->pins_after);
            printf(" %9s", cell);
        }
        printf("\n");
    }
    print_header("median pCPU stddev over the run (points)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.1f", r->name, median_stddev(r->cfs));
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.1f", median_stddev(r->pol[p]));
        printf("\n");
    }
    print_vs_cfs(rows);
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
        for (guint p = 0; p < N_POL; p++) {
            json_builder_set_member_name(b, policies[p]);
            json_builder_begin_object(b);
            sova_json_double(b, "delivered_x_cfs", ratio(r->pol[p]->delivered_s, r->cfs->delivered_s));
            sova_json_double(b, "jain_x_cfs", ratio(r->pol[p]->jain, r->cfs->jain));
            SovaSimVsCfs v;
            if (sova_sim_vs_cfs(r->pol[p], r->cfs, &v))
                sova_sim_vs_cfs_json(b, r->pol[p], &v);
            json_builder_set_member_name(b, "run");
            json_builder_add_value(b, sova_sim_result_to_json(r->pol[p], FALSE));
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    g_autofree char *dir = NULL, *only = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "scenarios", 0, 0, G_OPTION_ARG_FILENAME, &dir, "scenario directory (default: the source tree's)", "DIR" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print one JSON object", NULL },
        { "only", 0, 0, G_OPTION_ARG_STRING, &only, "one part: table, calls or cpu", "PART" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- the simulator benchmark");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("bench-sim: %s\n", err->message);
        return 2;
    }
    load_policies();
    const char *sdir = dir ? dir : SOVA_BENCH_SCENARIOS;
    gboolean table = !only || !strcmp(only, "table"), calls = !only || !strcmp(only, "calls"),
             cpu = !only || !strcmp(only, "cpu");
    g_autoptr(GPtrArray) rows = table ? run_table(sdir) : NULL;
    g_autoptr(GArray) c = calls ? bench_sim_run_calls() : NULL;
    g_autoptr(GArray) m = cpu ? bench_sim_run_cpu(policies) : NULL;
    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "policies");
        json_builder_add_value(b, rows ? table_json(rows) : json_node_new(JSON_NODE_NULL));
        json_builder_set_member_name(b, "scale");
        json_builder_add_value(b, bench_sim_scale_json(c, m));
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        g_autofree char *text = json_to_string(root, TRUE);
        printf("%s\n", text);
        g_strfreev(policies);
        return 0;
    }
    if (rows)
        print_table(rows);
    if (c)
        bench_sim_print_calls(c);
    if (m)
        bench_sim_print_cpu(m);
    g_strfreev(policies);
    return 0;
}
