/* sim_net_bench.h — what the net plane's bench (sim_net_bench.c) shares with its text
 * output (sim_net_text.c): the columns (optimum, policies, baselines), a scenario:mode row
 * and its sums over the seeds, with each seed's own figures for --json. */
#pragma once
#include "sim/sim_run.h"
#include <glib.h>

typedef struct {
    char *name;
    SovaSimNetMode mode;
    const SovaNetPolicy *policy;
    double margin;
    gboolean no_jitter;       /* an oracle that does not foresee the jitter */
    gboolean pays;            /* an oracle whose switches cost what the agent's do */
} Col;

/* one seed's run of one column */
typedef struct {
    guint64 seed;
    double delivered, x_opt, gap;  /* x_opt: delivered / that seed's optimum */
    guint64 switches, refused;
} Seed;

typedef struct {
    double offered, delivered, gap, vhost_s;
    guint64 switches, refused;
    double min_ratio;         /* the worst seed's delivered / the optimum's */
    GArray *seeds;            /* Seed, in the order run */
} Sum;

typedef struct {
    char *name;               /* "SCENARIO:MODE" */
    char *description;
    SovaSimVfCounters mode;
    guint vms, vfs;
    Sum *sums;                /* [n_cols] */
} Row;

extern GArray *cols;          /* Col: optimum first, oracle-2x last */
extern guint default_col;     /* the default net policy's column */

const Col *col(guint i);
/* column c's packets delivered x the optimum's, pooled over the seeds */
double x_opt(const Row *r, guint c);
/* the fewer switches of the two clairvoyants */
guint64 opt_switches(const Row *r);

/* sim_net_text.c: the tables and the N1/N2 verdict */
void net_print_table(GPtrArray *rows, guint seeds);
void net_print_verdict(GPtrArray *rows);
