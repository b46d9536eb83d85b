/* cluster_build_private.h — the cluster builder's state, shared by cluster_build.c (the
 * VMs, the assembly) and cluster_build_host.c (a host's figures). Not for other files. */
#pragma once
#include "model/cluster_build.h"
#include "model/model.h"
#include "model/netmodel.h"
#include "model/cluster_vm_cpu.h"
#include "model/vm_churn.h"

typedef struct {
    char *name;
    gboolean maintenance, excluded;
    SovaSnapshot *prev;       /* newest good snapshot */
    guint hot_samples;
    GArray *nic_history;      /* double, oldest first */
    gboolean other_known;     /* the non-VM load of an interval no VM came or went in: */
    double cpu_other;         /* pCPUs, and ... */
    double net_other_Bps;     /* ... NIC traffic (kept for the intervals one did) */
} BuildHost;

typedef struct {
    SovaVmCpu cpu;            /* what is planned on (cluster_vm_cpu.h) ... */
    SovaVmCpuEstimate est;    /* ... from its own estimate or its agent's summary */
    double net_Bps;           /* smoothed rx + tx; < 0 unknown */
    double last_moved, failed_at;
    guint failures;
    gboolean migrating;
    guint from, to;
    guint64 seen_at;
} BuildVm;

struct SovaClusterBuilder {
    SovaClusterBuildParams params;
    char **exclude, **groups;
    BuildHost *hosts;
    guint n_hosts;
    GHashTable *vms;          /* uuid -> BuildVm* */
    guint64 interval;
    gboolean built;           /* some interval produced a cluster */
    double now;               /* seconds: the newest snapshot's time */
};

/* one host's view of this interval */
typedef struct {
    gboolean up;
    SovaSnapshot *cur;
    SovaModel *model;
    SovaNetModel *net;
    double busy_share;        /* from the snapshots' CPU totals: the share of the pCPUs' time
                               * that was busy, 0..1; < 0 when they carry none */
    gboolean vms_changed;     /* a VM came or went between the two snapshots (vm_churn.h) */
    double left_cpu;          /* pCPUs the VMs that left it used there (vm_churn.h) */
    gboolean vms_left;        /* a VM left it between the two snapshots */
} HostView;

/* a VM holds a VF */
gboolean cb_holds_vf(const SovaVmSample *vm);
/* the VFs of s's VMs */
guint cb_vfs_held(const SovaSnapshot *s);
/* h from the host's view this interval (bh keeps its last clean non-VM load) */
void cb_fill_host(BuildHost *bh, const HostView *v, SovaClusterHost *h);
/* after the VMs are placed: hot samples and the NIC history (loads: every host's, per
 * resource) */
void cb_track_host(SovaClusterBuilder *b, SovaCluster *c, guint i, const HostView *v,
                   double *const loads[SOVA_RES_N]);
/* a VM's NIC traffic this interval (rx + tx, bytes/s) from its host's net model; FALSE
 * when it has no rate (new, or a VF the host does not see) */
gboolean cb_raw_net(const SovaNetModel *nm, const char *uuid, double *out);
