/* cluster_build.h — from one snapshot per host per interval to the SovaCluster the
 * cluster policies read.
 *
 * Each host's pair of snapshots becomes the same SovaModel and SovaNetModel the host
 * agent builds; the builder then sums them into host loads and keeps, between
 * intervals, what one snapshot pair cannot know:
 *   - each VM's smoothed CPU and network demand, by UUID, across hosts: a VM that just
 *     arrived is "fresh" on its destination (no rate yet) and would look idle; it keeps
 *     the demand it had on its source;
 *   - migrations in flight: the VM counts on its destination (cluster.h `migrating`);
 *   - each VM's last move and failures (cooldown and backoff for the policies);
 *   - each host's hot_samples and NIC utilisation history.
 * Pure: no I/O, no clock (time comes from the snapshots). */
#pragma once
#include <glib.h>
#include "model/cluster.h"
#include "model/snapshot.h"

typedef struct SovaClusterBuilder SovaClusterBuilder;

typedef struct {
    double ewma_alpha;        /* weight of the newest interval, (0, 1] */
    double weights[SOVA_RES_N];
    double high_water;        /* a host's score above this counts as a hot sample */
    const char *const *exclude; /* VM names or UUIDs never migrated; may be NULL */
    const char *const *groups;  /* "NAME:vm1,vm2" anti-affinity entries; may be NULL */
    double interval_s;        /* the controller's interval, for how late an agent's CPU
                               * summary may be (model/cpu_summary.h); 0: 10 s */
} SovaClusterBuildParams;

/* how many NIC utilisation samples a host keeps */
#define SOVA_CLUSTER_NIC_HISTORY 10

/* hosts are fixed for the builder's life: names[i] is host i */
SovaClusterBuilder *sova_cluster_builder_new(const char *const *names, guint n_hosts,
                                             const SovaClusterBuildParams *params);
void sova_cluster_builder_free(SovaClusterBuilder *b);

/* new parameters from the next update on (a reload): smoothing, weights, high water,
 * exclusions and groups; what the builder learnt (demands, history) is kept */
void sova_cluster_builder_set_params(SovaClusterBuilder *b, const SovaClusterBuildParams *params);

/* per-host flags the controller sets (config, command line) */
void sova_cluster_builder_set_host(SovaClusterBuilder *b, guint host, gboolean maintenance,
                                   gboolean excluded);

/* One interval: snaps[i] is host i's new snapshot (taken over by the builder), or NULL
 * when the host could not be read (it is down this interval). Returns the cluster
 * (owned by the caller), or NULL while no host has two snapshots yet. */
SovaCluster *sova_cluster_builder_update(SovaClusterBuilder *b, SovaSnapshot **snaps);

/* migrations: started (the VM counts on `to` until finished), finished (ok: it moved
 * at `now`; failed: one more failure at `now`) */
void sova_cluster_builder_migration_started(SovaClusterBuilder *b, const char *uuid,
                                            guint from, guint to);
void sova_cluster_builder_migration_finished(SovaClusterBuilder *b, const char *uuid,
                                             gboolean ok, double now);
/* a VM's migration history: last_moved / failures / failed_at (< 0 never) */
void sova_cluster_builder_history(const SovaClusterBuilder *b, const char *uuid,
                                  double *last_moved, guint *failures, double *failed_at);
/* the newest snapshot of host i (NULL before the first or while down) */
const SovaSnapshot *sova_cluster_builder_snapshot(const SovaClusterBuilder *b, guint host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaClusterBuilder, sova_cluster_builder_free)
