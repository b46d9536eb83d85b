/* sim_cluster_scenario.h — a cluster simulator scenario: hosts, their VMs, how long to run
 * and how the controller is tuned.
 *
 * Loaded from a GLib key file (format: docs/cluster-scenario.md) and validated completely
 * before anything runs: unknown groups or keys, bad values, a VM on a host that does not
 * exist, more memory or VFs on a host than it has, are errors of the form "FILE:LINE:
 * message". Demand shapes are the single-host simulator's (sim_demand.h). The result is
 * plain data shared by every run of the scenario (every policy, every seed). */
#pragma once
#include <glib.h>
#include "policy/cluster_policy.h"
#include "backend/sim/sim_demand.h"
#include "backend/sim/sim_nic.h"

typedef struct {
    char *name;
    guint n_pcpus;
    guint64 memory_kib;
    double background;        /* percent of every pCPU used by non-VM work */
    SovaSimNicSpec nic;       /* the physical NIC, the VF pool, the two paths' rules */
    gboolean maintenance;     /* the controller evacuates it */
    double down_at, up_at;    /* unreachable during [down_at, up_at); down_at < 0: never */
    int line;
} SovaSimClusterHostSpec;

typedef struct {
    char *name;
    guint host;               /* index of the host it starts on */
    guint n_vcpus;
    guint64 memory_kib;
    double dirty_Bps;         /* memory dirty rate; 0 = the cost model's default */
    const SovaDemandSpec *demand;     /* every vCPU's CPU demand; owned by the scenario */
    double jitter;            /* ± points (uniform) added to each vCPU's demand, redrawn every
                               * simulated second: fast noise on top of the shape (0) */
    gboolean shared_demand;   /* one draw of the shape (vCPU 0's) for every vCPU: the VM's
                               * workload drives all its vCPUs, so a walk moves the VM as a whole */
    const SovaDemandSpec *net_demand; /* percent of net_peak_pps; NULL = no traffic */
    double net_peak_pps;
    double net_packet_bytes;
    gboolean vf;              /* holds a VF at the start */
    gboolean no_migrate;      /* metadata migrate='no' */
    char *group;              /* anti-affinity group (metadata group=), NULL none */
    int line;
} SovaSimClusterVmSpec;

typedef struct {
    char *path;
    char *description;
    double duration, interval, tick;   /* seconds */
    guint64 seed;
    double migration_gbps;    /* migration link when the hosts' NICs do not say; Gbit/s */
    double migration_cpu;     /* pCPUs a running migration costs on each end */
    /* [controller] */
    SovaClusterParams params;
    double weights[3];        /* cpu, memory, network (SovaResource order) */
    double timeout_s;         /* abort a migration running longer; 0 = never */
    gboolean auto_converge;
    GPtrArray *hosts;         /* SovaSimClusterHostSpec*, in file order */
    GHashTable *host_index;   /* host name -> its index + 1 */
    GPtrArray *vms;           /* SovaSimClusterVmSpec*, in file order */
    GPtrArray *demands;       /* SovaDemandSpec*, owned */
    gboolean has_net;         /* some VM has a net demand */
} SovaSimClusterScenario;

SovaSimClusterScenario *sova_sim_cluster_scenario_load(const char *path, GError **error);
/* the same, from text (path is used for messages and to find trace files) */
SovaSimClusterScenario *sova_sim_cluster_scenario_load_data(const char *path, const char *text,
                                                            GError **error);
void sova_sim_cluster_scenario_free(SovaSimClusterScenario *sc);
/* the index of host `name`, or -1 (a hash table: constant time) */
int sova_sim_cluster_scenario_find_host(const SovaSimClusterScenario *sc, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaSimClusterScenario, sova_sim_cluster_scenario_free)
