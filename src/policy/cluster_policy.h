/* cluster_policy.h — the cluster plane's policies: pure functions SovaCluster -> Plan of
 * MIGRATE actions (each with its gain and cost), like the cpu and net planes.
 *
 * The controller (daemon/controller.c) and the cluster simulator build a SovaCluster each
 * interval and call plan(); the policy keeps what it needs between calls in its state
 * (created by state_new, may be NULL). No I/O, no clock: time is SovaCluster.now. The
 * shape is the one every plane shares (policy/registry.h).
 *
 * Policies: "sova" (default: greedy by simulated gain against migration cost, with the
 * net plane's signals), and the baselines "sova-prototype" (what Sova's code meant to do),
 * "watcher" (OpenStack Watcher workload-stabilization style), "proxlb" (ProxLB-style
 * max - min spread rule) and "drs" (VMware DRS style: VM happiness, migration threshold
 * levels 1-5). */
#pragma once
#include <glib.h>
#include "model/cluster.h"
#include "model/plan.h"
#include "policy/registry.h"

typedef struct {
    double threshold;         /* act when the imbalance (weighted stddev, 0..1) exceeds this */
    double high_water;        /* ... or a host's score is above this (0..1) ... */
    guint high_water_samples; /* ... for this many samples in a row */
    double headroom;          /* a destination must stay below (1 - headroom) of every resource */
    double cooldown_s;        /* a VM that moved does not move again for this long */
    double backoff_s;         /* after a failed migration, wait this long (doubles per failure) */
    guint max_per_host;       /* migrations in flight per host (source or
                               * destination); 0 = no cap */
    guint max_total;          /* migrations in flight in the cluster; 0 = no cap */
    double bandwidth_Bps;     /* migration bandwidth cap (the cost model's link speed) */
    double max_downtime_s;    /* a VM whose estimated downtime exceeds this is not chosen */
    double cost_weight;       /* gain must exceed cost_weight * cost_s (imbalance per second;
                               * `sova` measures a move's gain as sqrt(hosts) * the imbalance
                               * it removes, see cluster_sova.c) */
    double vf_value;          /* score added for moving a VM with unmet VF demand to a host with
                               * a free VF (and NIC room) */
    guint drs_level;          /* the `drs` baseline's migration threshold, 1 (mandatory moves
                               * only) .. 5 (aggressive), as VMware DRS's (cluster_drs.c) */
} SovaClusterParams;

#define SOVA_CLUSTER_PARAMS_DEFAULT ((SovaClusterParams){ \
    .threshold = 0.10, .high_water = 0.85, .high_water_samples = 3, .headroom = 0.10, \
    .cooldown_s = 300, .backoff_s = 60, .max_per_host = 1, .max_total = 2, \
    .bandwidth_Bps = 125e6, .max_downtime_s = 1.0, .cost_weight = 0.0005, .vf_value = 0.05, \
    .drs_level = 3 })

typedef struct {
    SOVA_POLICY_HEAD;
    /* A plan that acts on something it saw only once (sova: an imbalance it confirms on a
     * second sample) has status SOVA_PLAN_UNCONFIRMED: the loop goes on, and a one-shot
     * caller (`--once`, `sova status --host`) samples again before it acts. */
    SovaPlan *(*plan)(const SovaCluster *c, const SovaClusterParams *params, gpointer state);
} SovaClusterPolicy;

/* what every caller plans through (controller, simulator, benches): the migrations that
 * gather keep-together groups found split across hosts first (cluster_gather.c), then
 * policy->plan() on the cluster with those in flight, then
 * the plan held to params' concurrency caps (max_per_host, max_total, counting migrations
 * in flight) whatever the policy, baselines included; the migrations beyond them are
 * dropped and the reason says how many (cluster_caps.c) */
SovaPlan *sova_cluster_plan(const SovaClusterPolicy *policy, const SovaCluster *c,
                            const SovaClusterParams *params, gpointer state);

/* the automation level on a cluster plan: `mode` (sova_plan_apply_mode), then the
 * migrations of VMs with migrate='manual' marked `recommend`, with their keep-together
 * mates (a unit is not half-moved); returns how many migrations are recommended only */
guint sova_cluster_plan_levels(const SovaCluster *c, SovaPlan *plan, SovaMode mode);

/* keep-together groups split across hosts that no host of their own can gather (the
 * capacity, hosts=, anti-affinity, migrate='no' or an excluded host stand in the way):
 * one message each, naming the group, where its VMs are and each host's refusal; NULL
 * when there is none. sova_cluster_plan() gathers the others first (cluster_gather.c). */
GPtrArray *sova_cluster_ungathered(const SovaCluster *c, const SovaClusterParams *p);

/* ---- an operator's migrations checked against the cluster now (cluster_check.c) ---- */
typedef struct SovaClusterChecker SovaClusterChecker;
SovaClusterChecker *sova_cluster_checker_new(const SovaCluster *c, const SovaClusterParams *p);
/* Checks migrating VM `uuid` from host `from` to host `to` (names) with the migrations
 * accepted so far applied: NULL when it may go (it is applied and appended to `plan`,
 * with `reason`, gain and cost), else why not (g_free it): the VM is gone, migrating,
 * no longer on `from` (the plan is stale for it), may not move, or the destination is
 * down, in maintenance, full, or against its rules. The caps are not checked. */
char *sova_cluster_checker_try(SovaClusterChecker *k, SovaPlan *plan, const char *uuid,
                               const char *vm_name, const char *from, const char *to,
                               const char *reason, double gain, double cost_s);
void sova_cluster_checker_free(SovaClusterChecker *k);
/* holds a plan to the concurrency caps (dropping what does not fit now, keep-together
 * units whole) as sova_cluster_plan does; returns how many migrations were dropped */
guint sova_cluster_hold_to_caps(const SovaCluster *c, const SovaClusterParams *p,
                                SovaPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaClusterChecker, sova_cluster_checker_free)

const SovaClusterPolicy *sova_cluster_policy_find(const char *name);   /* NULL when unknown */
const char *sova_cluster_policy_list(void);   /* "sova, sova-prototype, watcher, proxlb, drs" */
/* the `drs` baseline's least gain of a balancing move at migration threshold `level` (1-5,
 * clamped), in VMs' worth of happiness; INFINITY at level 1 (mandatory moves only) */
double sova_cluster_drs_min_gain(guint level);
