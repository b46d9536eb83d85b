/* sim_cluster_run.h — running a cluster scenario: the real controller loop (and, optionally,
 * one real host agent per host) against the cluster simulator, and the figures that judge
 * it.
 *
 * The harness behind `sova sim-cluster` and the cluster benchmark. Every interval: the
 * controller steps (sample every host, plan, start and follow migrations), each agent
 * steps (pins, VFs, publishes its net signals), then the shared clock advances one
 * interval. Figures come from the simulator's ground truth, never from what the
 * controller estimated: the imbalance of the true demand (the same weighted stddev of
 * normalised host load the policies minimise, cluster.h), migrations, time to balance,
 * ping-pongs, and CPU and network delivered against demanded. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "policy/cluster_policy.h"
#include "policy/cpu_policy.h"
#include "backend/sim/sim_scenario.h"

typedef struct {
    const SovaClusterPolicy *policy;  /* NULL: no controller (host level only, or nothing) */
    gboolean agents;          /* one host agent per host */
    const SovaCpuPolicy *cpu_policy;  /* the agents' cpu policy; NULL = "balance" */
    const char *net_policy;   /* the agents' net policy (net plane on when the scenario has
                                 traffic); NULL = the default */
    const char *label;        /* names the run in tables; NULL = built from the above */
    gboolean has_seed;
    guint64 seed;             /* overrides the scenario's seed when has_seed */
    double duration;          /* overrides the scenario's duration when > 0 */
    gboolean log;             /* the controller logs its migrations (not quiet) */
} SovaSimClusterRunOptions;

typedef struct {
    char *scenario;           /* its path */
    char *label;
    guint64 seed;
    guint n_hosts, n_vms;
    double interval_s, threshold, cooldown_s;
    guint n_intervals;
    double *imbalance;        /* [n_intervals] true imbalance over the interval */
    double initial_imbalance; /* the first interval's */
    double final_imbalance;   /* mean over the last tenth of the run (at least one interval) */
    double max_imbalance_after;  /* largest over the last tenth */
    double time_to_balance;   /* seconds until the imbalance is <= threshold
                               * and stays so; -1 never */
    guint migrations;         /* completed */
    guint failed;             /* migrations that failed or were aborted */
    guint ping_pongs;         /* moves back to a host the VM left, or within its cooldown */
    guint cooldown_violations;/* moves within the cooldown of the VM's previous move */
    guint max_moves_per_vm;
    double migration_s, downtime_s;   /* summed over completed migrations */
    guint left_on_maintenance;/* movable VMs still on a host in maintenance at the end */
    double evacuated_s;       /* when the last migration off a host in maintenance ended, with
                               * none left there; -1 when some are left or none were there */
    guint group_conflicts;    /* VMs sharing a host with another VM of their anti-affinity
                               * group at the end (counted per VM beyond the first) */
    guint split_start, split_end; /* keep-together groups whose VMs are on more than one host,
                               * at the start and at the end */
    double cpu_demanded_s, cpu_delivered_s;
    double net_offered_bytes, net_delivered_bytes;
    guint64 vf_switches;      /* VF attach + detach executed by the agents */
    double overload_s;        /* host-seconds an up host's VMs demanded more CPU (or network)
                               * than it has, over an interval (true demand) */
    double relieve_s;         /* the longest any host stayed so overloaded in one stretch:
                               * the time it took to relieve the worst overload */
    double wall_s;
} SovaSimClusterResult;

/* NULL with error when the controller or an agent cannot be created */
SovaSimClusterResult *sova_sim_cluster_run(const SovaSimScenario *sc,
                                           const SovaSimClusterRunOptions *opts, GError **error);
void sova_sim_cluster_result_free(SovaSimClusterResult *r);
/* adds migrations (in the order they ended) to r's counts: completed, failed, ping-pongs
 * and moves within r->cooldown_s, most moves of one VM, durations, and when hosts with
 * maintenance[host] were last left (evacuated_s, -1 before) */
struct SovaSimClusterMove;
void sova_sim_cluster_result_add_moves(SovaSimClusterResult *r,
                                       const struct SovaSimClusterMove *moves,
                                       guint n_moves, guint n_vms, const gboolean *maintenance);
JsonNode *sova_sim_cluster_result_to_json(const SovaSimClusterResult *r, gboolean with_series);
/* delivered / demanded, 1 when nothing was demanded */
double sova_sim_cluster_result_cpu_ratio(const SovaSimClusterResult *r);
double sova_sim_cluster_result_net_ratio(const SovaSimClusterResult *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaSimClusterResult, sova_sim_cluster_result_free)
