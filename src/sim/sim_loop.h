/* sim_loop.h — the one loop that drives the daemons on the simulator, behind `sova sim`,
 * `sova sim-cluster` and the benches: every interval the controller steps (when the run
 * has one), then each host's agent (sample, model, plan, execute, exactly as on a real
 * host), then the shared clock advances one interval (in steps of the agents' own
 * interval when it is shorter, the agents stepping again after each). The harnesses (sim_run.c for
 * one host's figures, sim_cluster_run.c for a cluster's) set it up and read the simulator's
 * ground truth around it. */
#pragma once
#include <glib.h>
#include "daemon/agent.h"
#include "daemon/controller.h"
#include "backend/sim/sim_cluster.h"

typedef struct {
    SovaSimCluster *cluster;
    SovaController *controller;   /* NULL: none */
    SovaAgent **agents;           /* one per host, NULL where there is none */
    guint n_intervals;
    double interval;              /* seconds */
    double agent_interval;        /* the agents' own interval, seconds, at most `interval`
                                     (0: `interval`): within each interval they step again
                                     every agent_interval, as `sova agent` runs at its own
                                     interval (1 s by default) under a controller's */
    gboolean final_step;          /* the agents step once more after the last interval, so
                                     that they act on what they saw of it */
    gboolean agent_errors_end;    /* a failed agent step ends the run with its error (else
                                     the host is tried again next interval: it may be down) */
    gboolean measure_cpu;         /* add up the agents' own CPU time, the simulator's taken out
                                     (sova_sim_backend_set_timing on their hosts) */
    gboolean first_wait;          /* the agents' first plan comes after their first wait
                                     (sova_agent_next_wait), as `sova agent` does, not a whole
                                     interval after the baseline: interval 0 is then split */
    /* called every interval k: `before` after the steps, just before the clock advances;
     * `after` once it has; either may be NULL */
    void (*before)(guint k, gpointer data);
    void (*after)(guint k, gpointer data);
    gpointer data;
    double agent_cpu_s;           /* out, with measure_cpu */
} SovaSimLoop;

/* FALSE with error when the controller's step fails, or an agent's with agent_errors_end */
gboolean sova_sim_loop_run(SovaSimLoop *l, GError **error);
