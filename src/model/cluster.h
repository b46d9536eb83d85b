/* cluster.h — the cluster as the controller sees it: hosts, their VMs, and each host's
 * normalised load per resource.
 *
 * Built by the controller from one snapshot-pair per host (the same SovaModel and
 * SovaNetModel the host agent builds) or by the cluster simulator; read by the pure
 * cluster policies (policy/cluster_policy.h). Plain data: hosts and VMs are indexes into
 * arrays, a VM's host is an index, and "what if VM v moved to host h" is answered by
 * sova_cluster_move() on a copy, so policies can try moves without touching anything.
 *
 * Units: CPU in pCPUs (1.0 = one pCPU busy for the whole interval), memory in KiB,
 * network in bytes/s (rx + tx through the host's physical NIC). Time in seconds on the
 * controller's clock (real or simulated), given as `now`. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "model/snapshot.h"

typedef enum {
    SOVA_RES_CPU,
    SOVA_RES_MEM,
    SOVA_RES_NET,
    SOVA_RES_N,
} SovaResource;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *name;
    int host;                 /* index into hosts; while migrating: the destination */
    int from_host;            /* while migrating: the source; else -1 */
    double cpu;               /* demand in pCPUs: smoothed vCPU time + delay */
    double cpu_unmet;         /* the part of cpu its host left unmet (run-queue delay), pCPUs */
    gboolean cpu_from_agent;  /* cpu and cpu_unmet are its agent's fresh summary's, not the
                               * controller's own estimate (model/cluster_vm_cpu.h) */
    guint n_vcpus;
    guint64 memory_kib;
    double dirty_Bps;         /* memory dirty rate, bytes/s; 0 unknown (the cost model assumes
                               * a default fraction of memory per second) */
    double net_Bps;           /* host-side NIC traffic, rx + tx, bytes/s (smoothed) */
    gboolean holds_vf;
    gboolean wants_vf;        /* the host agent published that it wants a VF */
    gboolean unmet_vf;        /* ... and its host had none free */
    gboolean vf_detaching;    /* its agent's detach of its VF is still pending: not moved until
                               * the VF is gone (the migration would detach it a second time) */
    gboolean pinned;          /* never migrate: config exclude or metadata migrate='no' */
    char *group;              /* anti-affinity group, NULL = none */
    char *together;           /* keep-together group: its VMs on one host move as one; NULL */
    char **hosts;             /* the only hosts it may run on (names); NULL = any */
    gboolean migrate_manual;  /* migrate='manual': its migrations are only recommended */
    char *conflict;           /* its rules contradict each other (why, naming the rule): it is
                               * not moved at all (cluster_rules.c); NULL = none */
    gboolean migrating;       /* a migration is in flight (its load counts on `host`) */
    gboolean leaving;         /* a controller's leaving mark is on it: some controller is
                               * migrating it away (this one or another: `sova status`) */
    double last_moved;        /* `now` when its last migration finished; < 0 never */
    guint failures;           /* failed migrations in a row */
    double failed_at;         /* `now` of the last failure; < 0 never */
} SovaClusterVm;

typedef struct {
    char *name;               /* for messages; unique */
    gboolean up;              /* read this interval; a down host is neither
                               * source nor destination */
    gboolean maintenance;     /* evacuate: every movable VM leaves, nothing arrives */
    gboolean excluded;        /* neither source nor destination (config) */
    double cpu_capacity;      /* pCPUs available to VMs (online minus reserved) */
    double cpu_other;         /* non-VM CPU load, pCPUs */
    guint64 memory_kib;       /* available to VMs */
    double nic_capacity_Bps;  /* rx + tx the physical NIC carries; 0 = unknown (net ignored) */
    double net_other_Bps;     /* traffic not attributed to any VM */
    guint vf_pool, vf_in_use;
    guint hot_samples;        /* consecutive samples above the high-water mark (the controller
                               * counts; policies read) */
    GArray *nic_history;      /* double: the host NIC's utilisation, last samples, oldest first
                               * (the Sova prototype baseline's "3 of the last 5") */
} SovaClusterHost;

typedef struct {
    double now;               /* seconds */
    GArray *hosts;            /* SovaClusterHost */
    GArray *vms;              /* SovaClusterVm */
    double weights[SOVA_RES_N]; /* how much each resource counts in the imbalance; sum > 0 */
} SovaCluster;

SovaCluster *sova_cluster_new(void);   /* empty, weights 1, 1, 1 */
void sova_cluster_free(SovaCluster *c);
SovaCluster *sova_cluster_copy(const SovaCluster *c);
/* appends; the returned pointer is valid until the next add */
SovaClusterHost *sova_cluster_add_host(SovaCluster *c, const char *name);
SovaClusterVm *sova_cluster_add_vm(SovaCluster *c, const char *uuid, const char *name, int host);
/* where v's cpu and cpu_unmet come from: "agent" (its agent's fresh summary) or
 * "controller" (the controller's own estimate) */
const char *sova_cluster_vm_cpu_source(const SovaClusterVm *v);
SovaClusterHost *sova_cluster_host(const SovaCluster *c, guint i);
SovaClusterVm *sova_cluster_vm(const SovaCluster *c, guint i);
int sova_cluster_find_vm(const SovaCluster *c, const char *uuid);   /* index or -1 */
int sova_cluster_find_host(const SovaCluster *c, const char *name); /* index or -1 */

/* a host's load of one resource, normalised to its capacity (0 = idle, 1 = full; may exceed
 * 1); NET is 0 when the NIC capacity is unknown */
double sova_cluster_host_load(const SovaCluster *c, guint host, SovaResource r);
/* every host's sova_cluster_host_load of r, in one pass over the VMs (g_free it) */
double *sova_cluster_loads(const SovaCluster *c, SovaResource r);
/* the weighted mean of the host's normalised loads */
double sova_cluster_host_score(const SovaCluster *c, guint host);
/* standard deviation of the normalised load across up, non-excluded hosts (not in
 * maintenance either: a host being emptied has left the balance), per resource */
double sova_cluster_imbalance_of(const SovaCluster *c, SovaResource r);
/* the combined imbalance: the LARGEST per-resource deviation, each weighted by w_r / the
 * largest w (weights 1;1;1: the plain largest), so that one skewed resource is not diluted
 * by flat ones (a weighted mean of 0.25, 0 and 0 read 0.083); a resource that no counted
 * host measures (capacity 0) drops out. What the reports show and the sova policy's
 * tie-break; the baselines keep their weighted mean (policy/cluster_private.h) */
double sova_cluster_imbalance(const SovaCluster *c);
/* moves VM v to host h in c (what-if; updates vf_in_use when it holds a VF: a VF is given
 * back on the source and not taken on the destination, the agent there decides afresh) */
void sova_cluster_move(SovaCluster *c, guint v, guint h);
/* VMs of `group` on host h, other than v */
guint sova_cluster_group_count(const SovaCluster *c, const char *group, guint h, int except_vm);

/* building blocks for planners that keep per-host sums themselves (policy/cluster_*.c):
 * a host's capacity of r (0 unknown) and its non-VM load of r, in the units above */
double sova_cluster_host_capacity(const SovaClusterHost *h, SovaResource r);
double sova_cluster_host_base(const SovaClusterHost *h, SovaResource r);
/* what VM v adds to its host's r */
double sova_cluster_vm_demand(const SovaClusterVm *v, SovaResource r);
/* the host counts in the imbalance: up, not excluded, not in maintenance */
gboolean sova_cluster_host_counted(const SovaClusterHost *h);
/* the weight r gets in the imbalance: 0 when unweighted or unmeasured */
double sova_cluster_weight(const SovaCluster *c, SovaResource r);
/* the host's score from its normalised loads (resources with a known capacity only) */
double sova_cluster_score_of(const SovaCluster *c, const SovaClusterHost *h,
                             const double load[SOVA_RES_N]);
/* population stddev from the sum and the sum of squares of n values (0 when n < 2) */
double sova_cluster_stddev(double s1, double s2, guint n);

/* ---- per-VM rules (cluster_rules.c) ---- */
/* VM v may run on host h by its hosts= rule */
gboolean sova_cluster_vm_allowed(const SovaCluster *c, guint v, guint h);
/* Why each VM's rules contradict each other, or NULL when no VM's do: n_vms entries, NULL
 * where a VM's rules hold together (g_ptr_array_unref it). A keep-together group whose
 * members share an anti-affinity group or no allowed host, hosts= naming no host of the
 * cluster, a VM that may not be moved but runs on a host its hosts= excludes. Every VM of
 * a contradictory keep-together group gets the message. */
GPtrArray *sova_cluster_rule_conflicts(const SovaCluster *c);
/* sets every VM's `conflict` from sova_cluster_rule_conflicts(); returns how many have one */
guint sova_cluster_check_rules(SovaCluster *c);

/* {"now", "imbalance", "hosts": [{name, up, maintenance, cpu, mem, net, score, vfs, vf_in_use,
 *  vms}], "vms": [{name, uuid, host, cpu, memory_kib, net_Bps, ...}]} for status and --json */
JsonNode *sova_cluster_to_json(const SovaCluster *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaCluster, sova_cluster_free)
