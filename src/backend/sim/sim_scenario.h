/* sim_scenario.h — a simulator scenario: its hosts, their VMs (CPU demand and network
 * traffic), how long to run and, for a cluster, how the controller is tuned.
 *
 * One type for both file formats: a single-host scenario (docs/scenario.md,
 * sim_scenario_host.c) is a cluster of one host; a cluster scenario
 * (docs/cluster-scenario.md, sim_scenario_cluster.c) has many. Both are validated
 * completely before anything runs — unknown groups or keys, bad values, impossible layouts
 * are errors of the form "FILE:LINE: message" — and what they share is read by one loader
 * (sim_load.h). The result is plain data: the simulator copies what it changes (pins,
 * placement), so one scenario can be run many times (every policy, every seed). */
#pragma once
#include <glib.h>
#include "model/cpuset.h"
#include "policy/cluster_policy.h"
#include "backend/sim/sim_demand.h"
#include "backend/sim/sim_nic.h"

typedef struct {
    char *name;
    guint n_pcpus;
    guint sockets, cells, threads_per_core;   /* pCPU p: socket p/(P/sockets), cell p/(P/cells),
                                                 core p/threads_per_core */
    double smt_factor;        /* a thread's speed while a sibling is busy too (1: siblings are
                                 full pCPUs); sim_cpu.h */
    guint64 memory_kib;
    double *background;       /* n_pcpus values, percent of each pCPU used by non-VM work */
    double noise;             /* measurement noise: ± points (uniform) on every reported counter */
    /* the net model (sim_net.h; docs/scenario.md, "The net model") */
    SovaSimNicSpec nic;       /* the physical NIC, the VF pool, the two paths' rules */
    /* a cluster's host */
    gboolean maintenance;     /* the controller evacuates it */
    double down_at, up_at;    /* unreachable during [down_at, up_at); down_at < 0: never */
    double sample_latency_s;  /* real (wall) time a sample of this host takes: a remote
                               * libvirtd's round trips; 0 = none */
    int line;
} SovaSimHostSpec;

typedef struct {
    char *name;
    guint host;               /* index of the host it starts on */
    guint n_vcpus;
    guint64 memory_kib;
    const SovaDemandSpec **demand;   /* per vCPU; owned by the scenario */
    double jitter;            /* ± points (uniform) added to each vCPU's demand, redrawn every
                               * simulated second: fast noise on top of the shape (0) */
    gboolean shared_demand;   /* one draw of the shape (vCPU 0's) for every vCPU: the VM's
                               * workload drives all its vCPUs, so a walk moves the VM as a whole */
    int *pin;                 /* per vCPU: pCPU, or -1 = unpinned (affinity below) */
    SovaCpuSet *affinity;     /* unpinned vCPUs may run here; NULL = every pCPU */
    int line;                 /* where the VM (or its [vms] group) is defined */
    const SovaDemandSpec *net_demand; /* offered network load in percent of net_peak_pps;
                                         NULL = no traffic; owned by the scenario */
    double net_peak_pps;      /* packets/s (rx + tx) that a net demand of 100 means */
    double net_packet_bytes;  /* bytes per packet */
    double net_jitter;        /* ± points (uniform) added to the net demand, redrawn every
                               * second */
    /* a cluster's VM */
    double dirty_Bps;         /* memory dirty rate; 0 = the cost model's default */
    gboolean vf;              /* holds a VF at the start */
    gboolean no_migrate;      /* metadata migrate='no' */
    char *group;              /* anti-affinity group (metadata group=), NULL none */
    char *together;           /* keep-together group (metadata together=), NULL none */
    char **hosts;             /* allowed hosts (metadata hosts=), NULL any */
} SovaSimVmSpec;

typedef struct {
    char *path;               /* the file, for messages */
    char *description;
    double duration;          /* simulated seconds */
    double interval;          /* agent (a cluster's: controller) interval, seconds */
    double agent_interval;    /* a cluster's agents' interval, seconds (at most `interval`) */
    double tick;              /* simulator time step, seconds */
    guint64 seed;
    GPtrArray *hosts;         /* SovaSimHostSpec*, in file order (one for a single host) */
    GHashTable *host_index;   /* host name -> its index + 1 */
    GPtrArray *vms;           /* SovaSimVmSpec*, in file order */
    GPtrArray *demands;       /* SovaDemandSpec*, owned */
    gboolean has_net;         /* some VM has a net demand: every VM gets a standby NIC */
    /* the cluster format ([cluster], [controller]; docs/cluster-scenario.md) */
    gboolean cluster;         /* loaded from the cluster format (its VMs' UUIDs are 5c5c...) */
    double migration_gbps;    /* migration link when the hosts' NICs do not say; Gbit/s */
    double migration_cpu;     /* pCPUs a running migration costs on each end */
    SovaClusterParams params;
    double weights[3];        /* cpu, memory, network (SovaResource order) */
    double timeout_s;         /* abort a migration running longer; 0 = never */
    gboolean auto_converge;
} SovaSimScenario;

/* the single-host format */
SovaSimScenario *sova_sim_scenario_load(const char *path, GError **error);
/* the same, from text (path is used for messages and to find trace files) */
SovaSimScenario *sova_sim_scenario_load_data(const char *path, const char *text, GError **error);
/* the cluster format */
SovaSimScenario *sova_sim_cluster_scenario_load(const char *path, GError **error);
SovaSimScenario *sova_sim_cluster_scenario_load_data(const char *path, const char *text,
                                                     GError **error);

/* an empty scenario for a loader: no hosts, no VMs */
SovaSimScenario *sova_sim_scenario_new(const char *path);
void sova_sim_scenario_free(SovaSimScenario *sc);
/* adds a host (its name unique: the caller checks) with `n_pcpus` idle pCPUs */
SovaSimHostSpec *sova_sim_scenario_add_host(SovaSimScenario *sc, const char *name, guint n_pcpus);
/* an empty VM spec of `n_vcpus` (demands NULL, every vCPU unpinned), added to the scenario */
SovaSimVmSpec *sova_sim_scenario_add_vm(SovaSimScenario *sc, const char *name, guint n_vcpus,
                                        guint64 memory_kib, int line);
const SovaSimHostSpec *sova_sim_scenario_host(const SovaSimScenario *sc, guint i);
/* every host's vf-counters set to `mode` (the benches run one scenario in each mode) */
void sova_sim_scenario_set_vf_counters(SovaSimScenario *sc, SovaSimVfCounters mode);
const SovaSimVmSpec *sova_sim_scenario_vm(const SovaSimScenario *sc, guint i);
/* the index of host `name`, or -1 (a hash table: constant time) */
int sova_sim_scenario_find_host(const SovaSimScenario *sc, const char *name);
guint sova_sim_scenario_n_vcpus(const SovaSimScenario *sc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaSimScenario, sova_sim_scenario_free)
