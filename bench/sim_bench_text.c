/* sim_bench_text.c — bench-sim's policy table as text (sim_bench.c runs it): CPU delivered and
 * Jain's index against CFS, intervals until balanced, pin changes, the median pCPU stddev,
 * and TARGETS P5 (each VM against its own CFS share, pin changes per vCPU). With one seed
 * (the default) each cell is that seed's run; with --seeds N it is the median over the N
 * seeds of each seed's figure (ratios taken against the same seed's CFS run first). */
#include "sim_bench.h"
#include "daemon/agent.h"
#include <math.h>
#include <stdio.h>

static guint n_seeds;         /* of the rows printed */

static void print_header(const char *title, const char *cfs_col)
{
    printf("\n%s\n%-28s %10s", title, "scenario", cfs_col);
    for (guint i = 0; i < N_POL; i++)
        printf(" %9s", policies[i]);
    printf("\n");
}

/* a count, or a median of counts (x.5 with an even number of seeds) */
static char *count_text(double x)
{
    if (isinf(x))
        return g_strdup("never");
    return x == floor(x) ? g_strdup_printf("%.0f", x) : g_strdup_printf("%.1f", x);
}

static double get_delivered(const Fig *f) { return f->delivered_s; }
static double get_jain(const Fig *f) { return f->jain; }
static double get_delivered_x(const Fig *f) { return f->delivered_x_cfs; }
static double get_jain_x(const Fig *f) { return f->jain_x_cfs; }
static double get_settled(const Fig *f) { return f->settled < 0 ? INFINITY : f->settled; }
static double get_pins(const Fig *f) { return f->pin_changes; }
static double get_pins_after(const Fig *f) { return f->pins_after; }
static double get_stddev(const Fig *f) { return f->median_stddev; }
static double get_worst_vm(const Fig *f) { return f->has_vs ? f->vs.worst_vm : NAN; }
static double get_pins_vcpu(const Fig *f) { return f->vs.pins_per_vcpu; }
static double get_pins_after_vcpu(const Fig *f) { return f->vs.pins_after_per_vcpu; }

/* one row: the CFS cell in `cfs_fmt` of `cfs_get`, each policy's in " %9.3f" of `get` */
static void ratio_rows(GPtrArray *rows, const char *cfs_fmt, double (*cfs_get)(const Fig *),
                       double (*get)(const Fig *))
{
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s ", r->name);
        printf(cfs_fmt, row_median(r, 0, cfs_get));
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.3f", row_median(r, 1 + p, get));
        printf("\n");
    }
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
            double w = row_median(r, 1 + p, get_worst_vm);
            if (isnan(w))
                printf(" %9s", "-");
            else
                printf(" %9.3f", w);
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
            g_autofree char *cell = g_strdup_printf("%.2f(%.2f)", row_median(r, 1 + p, get_pins_vcpu),
                                                    row_median(r, 1 + p, get_pins_after_vcpu));
            printf(" %13s", cell);
        }
        printf("\n");
    }
}

static void print_counts(GPtrArray *rows, double target)
{
    g_autofree char *title = g_strdup_printf("intervals until the pCPU stddev stays <= %g (absolute)",
                                             target);
    print_header(title, "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        g_autofree char *c = count_text(row_median(r, 0, get_settled));
        printf("%-28s %10s", r->name, c);
        for (guint p = 0; p < N_POL; p++) {
            g_autofree char *t = count_text(row_median(r, 1 + p, get_settled));
            printf(" %9s", t);
        }
        printf("\n");
    }
    print_header("pin changes, absolute (after it settled)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10d", r->name, 0);
        for (guint p = 0; p < N_POL; p++) {
            g_autofree char *a = count_text(row_median(r, 1 + p, get_pins));
            g_autofree char *b = count_text(row_median(r, 1 + p, get_pins_after));
            g_autofree char *cell = g_strdup_printf("%s(%s)", a, b);
            printf(" %9s", cell);
        }
        printf("\n");
    }
}

void sim_print_table(GPtrArray *rows, double target)
{
    n_seeds = rows->len ? ((Row *)g_ptr_array_index(rows, 0))->n_seeds : 1;
    printf("== simulator: cpu policies against CFS (every vCPU unpinned, no agent)\n"
           "   for delivered CPU and fairness, ratios > 1 beat CFS; CFS's own figure is in its column\n");
    if (n_seeds > 1)
        printf("   each cell: the median over %u seeds of each seed's figure (ratios against that\n"
               "   seed's CFS run); --json lists every seed's (per_seed)\n", n_seeds);
    print_header("CPU delivered (x CFS)", "CFS cpu-s");
    ratio_rows(rows, "%10.0f", get_delivered, get_delivered_x);
    printf("(every interval counts, the first included. The agent runs start from the scenario's\n"
           " pins (all on pCPU 0, alternating ...), CFS unpinned; the agent's first plan comes %.1f s\n"
           " after its baseline sample (sova_agent_next_wait): a layout that costs work costs it that\n"
           " long, e.g. 0.5 s of 3 idle pCPUs of 4 in 120 s: 0.997 for zigzag and lpt on seed-example;\n"
           " balance's take-over shares vCPUs stacked beside an idle pCPU at the baseline sample.)\n",
           SOVA_AGENT_FIRST_WAIT);
    print_header("Jain's fairness index over delivered/demanded per VM (x CFS)", "CFS Jain");
    ratio_rows(rows, "%10.4f", get_jain, get_jain_x);
    print_counts(rows, target);
    print_header("median pCPU stddev over the run (points)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.1f", r->name, row_median(r, 0, get_stddev));
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.1f", row_median(r, 1 + p, get_stddev));
        printf("\n");
    }
    print_vs_cfs(rows);
}
