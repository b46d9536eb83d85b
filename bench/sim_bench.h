/* sim_bench.h — what bench-sim's policy table (sim_bench.c: running it, --json) shares with
 * its text output (sim_bench_text.c): the columns (CFS, then every cpu policy), a scenario
 * row with each seed's figures per column, and the median over the seeds the text shows. */
#pragma once
#include "sim/sim_run.h"
#include <glib.h>

/* every registered cpu policy, in the registry's order */
extern char **policies;
extern guint N_POL;

/* one seed's run of one column, reduced to the figures the table shows. The ratios are
 * against the CFS run of the same seed; CFS's own column has them at 1. */
typedef struct {
    guint64 seed;
    double delivered_s, jain;
    double delivered_x_cfs, jain_x_cfs;
    int settled;              /* intervals until the stddev stays <= target; -1 never */
    double pin_changes, pins_after;
    double median_stddev;     /* median pCPU stddev over the run, points */
    gboolean has_vs;          /* vs is set (the two runs had the same VMs) */
    SovaSimVsCfs vs;          /* against CFS (TARGETS P5) */
    char *worst_vm;           /* that VM's name */
} Fig;

typedef struct {
    char *name;
    guint n_seeds;
    Fig *figs;                /* [n_seeds * (1 + N_POL)]: per seed, CFS then the policies */
    SovaSimResult *cfs;       /* the first seed's runs, whole, for --json's "run" */
    SovaSimResult **pol;      /* [N_POL] */
} Row;

/* seed k's figures of column c (0: CFS, 1 + p: policy p) */
static inline const Fig *row_fig(const Row *r, guint k, guint c)
{
    return &r->figs[k * (1 + N_POL) + c];
}

/* the median over the row's seeds of what `get` reads from column c's figures (the mean of
 * the two middle ones with an even count; NAN sorts last) */
double row_median(const Row *r, guint c, double (*get)(const Fig *));

/* sim_bench_text.c: the tables (one seed: its figures; more: the median over them) */
void sim_print_table(GPtrArray *rows, double target);
