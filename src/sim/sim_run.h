/* sim_run.h — running a scenario: the agent's real loop against the simulator, and
 * the figures that judge it.
 *
 * This is the harness behind `sova sim` and the simulator benchmark. It drives the very
 * agent (src/daemon/agent.c) and policy the daemon runs; with no policy it just lets
 * time pass with every vCPU unpinned, which is the "plain Linux CFS" baseline. Figures
 * are computed from the simulator's ground truth (no measurement noise): pCPU
 * utilisation per interval and its standard deviation, when it settled, CPU delivered
 * versus demanded per VM and Jain's fairness index over those ratios, and a run against
 * the CFS run of the same seed (sova_sim_vs_cfs: each VM against its own CFS share). With network
 * traffic in the scenario: packets and bytes delivered versus offered, per VM and in all,
 * and the VF switches made, under the agent's net policy or one of the baselines the
 * benchmark compares it with (no VFs, static first-come, a clairvoyant optimum). */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "policy/cpu_policy.h"
#include "policy/net_policy.h"
#include "backend/sim/sim_scenario.h"
#include "config/config.h"

/* who decides which VMs hold the VFs (scenarios with network traffic) */
typedef enum {
    SOVA_SIM_NET_AGENT,       /* the agent's net plane with `net_policy` (needs an agent:
                                 a cpu policy); the default */
    SOVA_SIM_NET_OFF,         /* nobody: every VM stays on virtio */
    SOVA_SIM_NET_STATIC,      /* static first-come: the first `vfs` VMs with traffic (in
                                 scenario order) get a VF at the start and keep it */
    SOVA_SIM_NET_ORACLE,      /* clairvoyant: before each interval the VFs go to the VMs whose
                                 demand in that interval gains most from one (holders kept
                                 when nobody needs their VF); switches are free and instant */
} SovaSimNetMode;

typedef struct {
    const SovaCpuPolicy *policy;  /* NULL: no agent (CFS baseline) */
    gboolean keep_pins;       /* with no policy: keep the scenario's pins instead of unpinning */
    const SovaConfig *cfg;    /* policy parameters, reserved pCPUs...; NULL = defaults.
                                 The interval always comes from the scenario. */
    gboolean has_seed;
    guint64 seed;             /* overrides the scenario's seed when has_seed */
    double duration;          /* overrides the scenario's duration when > 0 */
    gboolean measure_cpu;     /* measure the agent's own CPU time (M1) */
    SovaSimNetMode net_mode;
    const SovaNetPolicy *net_policy;  /* AGENT: NULL = the cfg's (balance by default);
                                         the cfg's [net] parameters apply */
    gboolean oracle_without_jitter;   /* ORACLE: it knows each VM's demand shape, not the
                                         per-second jitter on it */
    gboolean oracle_pays_switches;    /* ORACLE: its switches cost what the agent's do (the
                                         attach latency and detach gap), not nothing */
    double oracle_margin;     /* ORACLE: a holder keeps its VF unless another VM gains more than
                                 (1 + margin) times as much in the next interval; 0 = strict */
    /* called after every interval with the fraction done; may be NULL */
    void (*progress)(double done, gpointer data);
    gpointer progress_data;
} SovaSimRunOptions;

typedef struct {
    char *name;
    guint n_vcpus;
    double demanded_s;        /* CPU seconds it wanted */
    double delivered_s;       /* CPU seconds it got (the work they did: less the SMT slowdown) */
    /* network, rx + tx (0 without traffic) */
    double net_offered_pkts, net_delivered_pkts;
    double net_offered_bytes, net_delivered_bytes;
    double vf_s;              /* seconds it held a VF */
    guint vf_switches;        /* attaches + detaches */
} SovaSimVmResult;

typedef struct {
    char *scenario;           /* its path */
    char *policy;             /* "none" for the baseline */
    guint64 seed;
    guint n_pcpus, n_vcpus;
    double interval_s, target;
    guint n_intervals;
    double *stddev;           /* [n_intervals] pCPU util stddev, points (true) */
    double *util;             /* [n_intervals * n_pcpus] pCPU util %, row = interval (true) */
    double *seen_stddev;      /* [n_intervals] the stddev the agent saw (with
                               * noise); NULL with no agent */
    int settled;              /* intervals before the stddev stays <= target; -1 = never */
    guint above;              /* intervals with stddev > target */
    double mean_after, median_after, p95_after;   /* stddev over the settled intervals */
    guint *pins;              /* [n_intervals] pins executed after each
                               * interval (agent runs only) */
    guint64 pin_changes;
    guint64 pins_after;       /* pins executed once settled (in intervals >=
                               * settled); all if never */
    guint64 calls;            /* modelled libvirt calls, whole run */
    GArray *vms;              /* SovaSimVmResult */
    double demanded_s, delivered_s;
    double jain;              /* over delivered/demanded per VM with any demand */
    double agent_cpu_s;       /* with measure_cpu: process CPU in agent steps
                               * minus in the simulator */
    /* the net plane: only when has_net (the scenario has network traffic) */
    gboolean has_net;
    char *net_mode;           /* the net policy's name, "static", "oracle" or "off" */
    guint vfs;                /* the pool */
    double net_offered_pkts, net_delivered_pkts;   /* whole run, all VMs, rx + tx */
    double net_offered_bytes, net_delivered_bytes;
    double net_vf_pkts;       /* delivered over VFs */
    double net_gap_pkts;      /* lost in detach gaps */
    double vhost_cpu_s;       /* host CPU the virtio path cost */
    guint64 vf_attaches, vf_detaches;   /* executed */
    guint64 vf_refused;       /* VF actions the backend refused (pool exhausted ...) */
    double *net_offered_pps;  /* [n_intervals] (true) */
    double *net_delivered_pps;/* [n_intervals] (true) */
    guint *vfs_held;          /* [n_intervals] VFs held at the end of each interval */
    double wall_s;            /* how long the run took */
} SovaSimResult;

/* NULL with error only when an agent step fails (a sampling error: not expected here) */
SovaSimResult *sova_sim_run(const SovaSimScenario *sc, const SovaSimRunOptions *opts,
                            GError **error);
void sova_sim_result_free(SovaSimResult *r);
JsonNode *sova_sim_result_to_json(const SovaSimResult *r, gboolean with_series);

/* A run against the CFS run (`none`: no agent, every vCPU unpinned) of the same scenario and
 * seed, as TARGETS P5 and issue 18 phrase it. Demand does not depend on the policy, so each
 * VM wanted the same in both runs. */
typedef struct {
    double worst_vm;          /* min over VMs of (delivered/demanded in the run) / (the same
                                 under CFS), over VMs that wanted and got anything under CFS;
                                 1 when there is none. Target >= 0.98 */
    guint worst;              /* that VM's index (scenario order) */
    double total;             /* delivered in the run / delivered under CFS (1 when CFS
                                 delivered nothing). Target >= 1.00 */
    double pins_per_vcpu;     /* pin changes / vCPUs, whole run. Target <= 2 over 600 s with
                                 one demand change */
    double pins_after_per_vcpu; /* the same, once settled (pins_after) */
} SovaSimVsCfs;

/* FALSE (out zeroed) when the two runs are not of the same VMs */
gboolean sova_sim_vs_cfs(const SovaSimResult *run, const SovaSimResult *cfs, SovaSimVsCfs *out);
/* its JSON members, added to the builder's open object */
void sova_sim_vs_cfs_json(JsonBuilder *b, const SovaSimResult *run, const SovaSimVsCfs *v);

/* delivered / offered packets over the run (1 with no traffic) */
double sova_sim_net_ratio(const SovaSimResult *r);

/* Jain's fairness index (sum x)^2 / (n sum x^2); 1 for n == 0 */
double sova_jain_index(const double *x, guint n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaSimResult, sova_sim_result_free)
