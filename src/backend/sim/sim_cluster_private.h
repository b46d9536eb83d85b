/* sim_cluster_private.h — the cluster simulator's state, shared by its model
 * (sim_cluster.c: time, CPU, network, migrations) and its backend face
 * (sim_cluster_backend.c: sample, execute, migrate). Not for other users. */
#pragma once
#include "backend/sim/sim_cluster.h"
#include "backend/sim/sim_cpu.h"
#include "model/snapshot.h"

typedef struct {
    SovaCpuSet *affinity;     /* its pin; NULL = unpinned (every pCPU of its host) */
    int pcpu;                 /* where it last ran; -1 unknown */
    SovaDemandState state;
    double demand;            /* this tick, 0..1 */
    double shape;             /* this tick: the demand shape's value, points (before jitter) */
    double jitter;            /* current offset, points (the VM's `jitter`) */
    double next_jitter;       /* simulated second of the next draw */
    double time_ns, delay_ns; /* as reported: since it arrived on its host */
} SimClusterVcpu;

typedef struct {
    guint vm, from, to;
    double start, end;        /* simulated seconds: the switch-over's end (or the failure's) */
    double total_s, downtime_s;
    gboolean fails;           /* ends FAILED at `end` (timeout, no convergence) */
    gboolean aborted;
    SovaMigrationState state;
    char *error;
} SimClusterMigration;

typedef struct {
    const SovaSimClusterVmSpec *spec;
    char uuid[SOVA_UUID_LEN];
    char mac[SOVA_MAC_LEN];
    int host;
    SimClusterVcpu *vcpus;
    SovaDemandState net_state;
    double offered_pps;       /* this tick */
    gboolean paused_now;      /* this tick: in a migration's downtime */
    gboolean holds_vf;
    double standby_bytes, standby_pkts;   /* counters since it arrived (rx + tx) */
    double vf_bytes, vf_pkts;             /* since the VF was attached */
    gboolean has_status;      /* what the agent published */
    SovaNetPublish published;
    SimClusterMigration *migration; /* in flight; NULL none */
    /* truth */
    double wanted_s, ran_s, offered_bytes, delivered_bytes, paused_s;
    guint moves;
} SimClusterVm;

typedef struct SimClusterHost SimClusterHost;

typedef struct {
    SovaBackend parent;
    SovaSimCluster *cluster;
    guint index;
} SimClusterBackend;

struct SimClusterHost {
    const SovaSimClusterHostSpec *spec;
    SimClusterBackend be;
    gboolean up;
    int forced;               /* -1 follow the scenario's down-at/up-at; 0 down; 1 up */
    double *background;       /* per pCPU, 0..1 */
    double *busy_ns, *idle_ns;/* per pCPU, cumulative */
    double *busy;             /* scratch */
    guint vfs_in_use;
    double nic_bytes;         /* rx + tx through the physical NIC, cumulative */
    double vhost_pcpus;       /* the virtio path's CPU this tick */
};

struct SovaSimCluster {
    const SovaSimClusterScenario *sc;
    GRand *rng;
    guint64 now_ns, tick_ns;
    SimClusterHost *hosts;
    guint n_hosts;
    SimClusterVm *vms;
    guint n_vms;
    GHashTable *by_uuid;      /* uuid -> SimClusterVm* */
    GPtrArray *migrations;    /* SimClusterMigration*, until their end is polled */
    GArray *moves;            /* SovaSimClusterMove */
    GArray *threads;          /* scratch: SovaSimThread */
    guint *by_host;           /* this tick: VM indexes grouped by host ... */
    guint *host_first;        /* ... host h's are by_host[host_first[h] .. host_first[h + 1]) */
};

const SovaBackendOps *sova_sim_cluster_backend_ops(void);
SimClusterHost *sova_sim_cluster_host_of(SovaBackend *be);
double sova_sim_cluster_now_of(const SovaSimCluster *c);
/* the migration of vm started on host `from` (running, or ended and not yet polled) */
SimClusterMigration *sova_sim_cluster_find_migration(SovaSimCluster *c, guint vm, guint from,
                                                     guint *index);
/* hosts up or down at t: each follows its scenario's down-at/up-at unless forced */
gboolean sova_sim_cluster_scheduled_up(const SovaSimClusterHostSpec *s, double t);
void sova_sim_cluster_update_up(SovaSimCluster *c, double t);
/* ends the migrations due at t (or whose hosts went down) */
void sova_sim_cluster_follow_migrations(SovaSimCluster *c, double t);
/* the VM is in its migration's downtime at t */
gboolean sova_sim_cluster_paused(const SovaSimCluster *c, const SimClusterVm *vm, double t);
/* starts one: checks done by the caller; returns it (running) */
SimClusterMigration *sova_sim_cluster_start_migration(SovaSimCluster *c, guint vm, guint to,
                                                      const SovaMigrateOptions *opts);
