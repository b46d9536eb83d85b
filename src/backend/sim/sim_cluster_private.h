/* sim_cluster_private.h — the simulator's state, shared by its clock and CPU
 * (sim_cluster.c), its migrations and hosts going down (sim_cluster_migration.c) and each
 * host's backend face (sim_backend.c). Not for other users. */
#pragma once
#include "backend/sim/sim_cluster.h"
#include "backend/sim/sim_cpu.h"
#include "backend/sim/sim_net.h"
#include "model/snapshot.h"

/* a cumulative counter in ns: the truth, and what was reported (with noise) */
typedef struct {
    guint64 truth;            /* as delivered */
    guint64 reported;         /* as last reported */
    guint64 last;             /* truth at the last report */
} SimCounter;

typedef struct {
    SovaCpuSet *affinity;     /* its pins (every allowed pCPU of its host when unpinned) */
    int pcpu;                 /* where it last ran; -1 unknown */
    SovaDemandState state;
    double shape;             /* this tick: the demand shape's value, points (before jitter) */
    double jitter;            /* current offset, points (the VM's `jitter`) */
    double next_jitter;       /* simulated second of the next draw */
    double demand;            /* this tick, 0..1 */
    SimCounter time, delay;   /* reported: since it arrived on its host */
    guint64 wanted_ns;        /* truth, whole run */
    guint64 work_ns;          /* truth, whole run: what its running achieved (its time, less
                                 the SMT slowdown) */
} SimVcpu;

typedef struct {
    guint vm, from, to;
    double start, end;        /* simulated seconds: the switch-over's end (or the failure's) */
    double total_s, downtime_s;
    gboolean fails;           /* ends FAILED at `end` (timeout, no convergence) */
    gboolean aborted;         /* by its timeout, or on request (migrate_abort) */
    gboolean gave_vf;         /* the VM gave back a VF as it started: its again if aborted */
    SovaMigrationState state;
    char *error;
} SimMigration;

typedef struct {
    const SovaSimVmSpec *spec;
    char uuid[SOVA_UUID_LEN];
    int host;                 /* where it runs now */
    SimVcpu *vcpus;
    gboolean paused_now;      /* this tick: in a migration's downtime */
    gboolean nics_stale;      /* a VF moved: the libvirt backend re-reads its XML next sample */
    gboolean has_status;      /* what the agent published */
    SovaNetPublish published;
    SovaCpuSummary cpu_published; /* the agent's CPU summary (.has FALSE: none), `at` in
                               * simulated seconds */
    SimMigration *migration;  /* in flight; NULL none */
    double paused_s;          /* truth: seconds in downtimes */
    guint moves;              /* migrations completed */
} SimVm;

/* one simulated host: its backend (first, so that a SovaBackend* is a SimHost*) */
typedef struct {
    SovaBackend parent;
    SovaSimCluster *cluster;
    guint index;
    gboolean owner;           /* freeing this backend frees the cluster (a single host) */
    const SovaSimHostSpec *spec;
    gboolean up;
    int forced;               /* -1 follow the scenario's down-at/up-at; 0 down; 1 up */
    double *background;       /* per pCPU, 0..1 */
    double *tick_background;  /* scratch: background plus this tick's vhost load */
    double *busy;             /* scratch: this tick's busy fraction per pCPU */
    SimCounter *pbusy, *pidle;
    GRand *noise_rng;
    gboolean timing;          /* add up the process CPU time of sample() and execute() */
    guint64 cpu_ns;
    guint64 vf_refused;       /* VF attaches and detaches that failed */
} SimHost;

struct SovaSimCluster {
    const SovaSimScenario *sc;
    GMutex lock;              /* a sample (the controller samples hosts from several threads)
                               * against the clock's advance */
    GRand *rng;               /* demand: every VM's, in scenario order, every tick */
    guint64 now_ns, tick_ns;
    SimHost *hosts;
    guint n_hosts;
    SimVm *vms;
    guint n_vms;
    GHashTable *by_uuid;      /* uuid -> SimVm* */
    SovaSimNet *net;
    GPtrArray *migrations;    /* SimMigration*, until their end is polled */
    GArray *moves;            /* SovaSimClusterMove */
    GArray *threads;          /* scratch: SovaSimThread */
    guint *by_host;           /* this tick: VM indexes grouped by host ... */
    guint *host_first;        /* ... host h's are by_host[host_first[h] .. host_first[h + 1]) */
    gboolean grouped;         /* by_host is where every VM runs now (a VM's arrival clears it) */
};

const SovaBackendOps *sova_sim_host_ops(void);
/* groups the VMs by the host they run on now (by_host, host_first) */
void sova_sim_cluster_group_by_host(SovaSimCluster *c);
double sova_sim_cluster_now_of(const SovaSimCluster *c);
SimHost *sova_sim_host_of(SovaBackend *be);

/* hosts up or down at t: each follows its scenario's down-at/up-at unless forced */
gboolean sova_sim_cluster_scheduled_up(const SovaSimHostSpec *s, double t);
void sova_sim_cluster_update_up(SovaSimCluster *c, double t);
/* ends the migrations due at t (or whose hosts went down) */
void sova_sim_cluster_follow_migrations(SovaSimCluster *c, double t);
/* migrate_abort: a running migration ends now, FAILED and aborted, the VM on its source
 * with the VF it gave back for it; FALSE (nothing changed) once it switches over */
gboolean sova_sim_cluster_abort_migration(SovaSimCluster *c, SimMigration *m);
/* the VM is in its migration's downtime at t */
gboolean sova_sim_cluster_paused(const SimVm *vm, double t);
/* the migration of vm started on host `from` (running, or ended and not yet polled) */
SimMigration *sova_sim_cluster_find_migration(SovaSimCluster *c, guint vm, guint from,
                                              guint *index);
/* starts one: checks done by the caller; gives back the VM's VF; returns it (running) */
SimMigration *sova_sim_cluster_start_migration(SovaSimCluster *c, guint vm, guint to,
                                               const SovaMigrateOptions *opts);
/* the VM runs on `host` from now on, a new domain: fresh counters, no pins */
void sova_sim_cluster_arrive(SovaSimCluster *c, guint vm, guint host);
