/* sim_load.h — the one loader for what both scenario formats share: the single-host
 * format (docs/scenario.md, sim_scenario_host.c) and the cluster format
 * (docs/cluster-scenario.md, sim_scenario_cluster.c).
 *
 * Shared: reading the file, refusing a group or key given twice (GKeyFile would merge them
 * silently), unknown groups and keys, the run's timing (description, duration, interval,
 * tick, seed), demand shapes, a host's NIC keys (sim_nic.h), a VM's traffic keys, VM and
 * host names defined twice (a hash table: linear in their number), and the size limits
 * below. Every error is "FILE:LINE: message". */
#pragma once
#include <glib.h>
#include "util/keyfile.h"
#include "backend/sim/sim_demand.h"
#include "backend/sim/sim_nic.h"
#include "backend/sim/sim_scenario.h"

/* Limits (docs/scenario.md, docs/cluster-scenario.md, "Limits"): what one run may
 * allocate stays within a few hundred MiB. */
#define SOVA_SIM_MAX_INTERVALS 1000000u       /* duration / interval */
#define SOVA_SIM_MAX_SERIES 16777216.0        /* intervals × pCPUs (the utilisation series) */
#define SOVA_SIM_MAX_VMS 100000u              /* VMs in a scenario */
#define SOVA_SIM_MAX_VCPUS 1048576u           /* vCPUs in a scenario, all VMs */
#define SOVA_SIM_MAX_HOSTS 10000u             /* hosts in a cluster scenario */

typedef struct {
    SovaKeyFile k;            /* the file, with FILE:LINE errors */
    char *text;               /* the file's text when the loader read it */
    char *dir;                /* for trace files */
    GPtrArray *demands;       /* the scenario's (it owns them): every shape parsed goes here */
    GHashTable *names;        /* VM names seen -> their group */
    guint n_vcpus;            /* vCPUs defined so far */
} SovaSimLoader;

/* Reads `path` when `text` is NULL. Parses it and refuses a group defined twice.
 * Call sova_sim_loader_close() whatever it returns. */
gboolean sova_sim_loader_open(SovaSimLoader *ld, const char *path, const char *text,
                              GPtrArray *demands, GError **error);
void sova_sim_loader_close(SovaSimLoader *ld);

/* Unknown groups and keys are errors; `groups` lists the known ones for the message */
gboolean sova_sim_loader_check_known(const SovaSimLoader *ld, SovaKeyfileKeysOf keys_of,
                                     const char *groups, GError **error);

/* the timing of a run, in `group` ([scenario] or [cluster]); set the defaults first */
typedef struct {
    char *description;
    double duration, interval, tick;  /* seconds */
    guint64 seed;
} SovaSimTiming;

typedef struct {
    double duration_min, duration_max, interval_min, interval_max, tick_min;
} SovaSimTimingLimits;

gboolean sova_sim_load_timing(const SovaSimLoader *ld, const char *group,
                              const SovaSimTimingLimits *lim, SovaSimTiming *t, GError **error);
/* duration / interval intervals of `n_pcpus` pCPUs each fit the limits; else an error
 * naming `group`'s `key` line (or the file alone when group is NULL) */
gboolean sova_sim_check_run_size(const SovaSimLoader *ld, const char *group, const char *key,
                                 double duration, double interval, guint n_pcpus, GError **error);
/* the same check for a run whose duration was overridden (no file line to name) */
gboolean sova_sim_check_series(const char *path, double duration, double interval,
                               guint n_pcpus, GError **error);

/* `key` in `group`: shapes separated by ';' (empty items skipped), each kept in the
 * scenario's demands. NULL with error when one is bad or none is given; NULL without
 * error when the key is absent. `max` > 0: at most that many. */
GPtrArray *sova_sim_load_shapes(const SovaSimLoader *ld, const char *group, const char *key,
                                guint max, GError **error);

/* the host's NIC: nic-gbps, vfs, virtio-pps-cap, virtio-us-per-packet, vf-pps-cap,
 * vf-attach-latency, vf-detach-gap, vf-counters, vf-stats-period (set the defaults first) */
gboolean sova_sim_load_nic(const SovaSimLoader *ld, const char *group, SovaSimNicSpec *nic,
                           GError **error);

/* a VM group's traffic: net-demand (one shape, or with `list` a ';' list cycled over the
 * group's VMs), net-peak-pps, net-packet-bytes, and with `jitter` net-jitter.
 * Set the defaults first. Without net-demand, `shapes` stays NULL and the other keys
 * are errors. */
typedef struct {
    GPtrArray *shapes;        /* SovaDemandSpec* (the scenario owns them); NULL: no traffic */
    double peak_pps, packet_bytes, jitter;
} SovaSimTraffic;

gboolean sova_sim_load_traffic(const SovaSimLoader *ld, const char *group, gboolean list,
                               gboolean jitter, SovaSimTraffic *t, GError **error);
void sova_sim_traffic_clear(SovaSimTraffic *t);
/* the k-th VM of the group gets the k-th shape (cycled) and the rest; none without traffic */
void sova_sim_traffic_fill(const SovaSimTraffic *t, SovaSimScenario *sc, SovaSimVmSpec *vm,
                           guint k);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SovaSimTraffic, sova_sim_traffic_clear)

/* `count` in a bulk group: required, 1..max */
gboolean sova_sim_load_count(const SovaSimLoader *ld, const char *group, guint max, guint *count,
                             GError **error);
/* records VM `name` of `group` with `n_vcpus` vCPUs: an error when the name is taken or
 * the scenario's VMs or vCPUs pass the limits */
gboolean sova_sim_loader_add_vm(SovaSimLoader *ld, const char *group, const char *name,
                                guint n_vcpus, GError **error);
