/* model.h — rates and demand derived from two snapshots of one host.
 *
 * This is what cpu policies read. Utilisations are percentages of one pCPU over the
 * interval (0..100). A vCPU's demand is its running time plus its run-queue delay,
 * smoothed by an EWMA: a vCPU squeezed onto a busy pCPU shows the CPU it wanted,
 * not only what it got, so a plan built on demand lands balanced the first time.
 *
 * Arrays are flat: model->vcpus holds every vCPU of every VM; each VM names the
 * range of its vCPUs. Only managed VMs (not excluded by config, not cpu='manual' in their
 * metadata) appear in model->vms; the load of unmanaged ones is part of each pCPU's `other`
 * load. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "model/snapshot.h"

typedef struct {
    guint id;
    gboolean online;          /* the host reports it online */
    gboolean reserved;        /* the config keeps it for the host: no vCPU goes there */
    int socket, core, cell;
    double util;              /* % busy over the interval, from node stats */
    double vcpu_util;         /* % of it used by managed vCPUs attributed to it: a vCPU pinned
                               * to it, or unpinned and last run there; the members of a pin
                               * set (several pCPUs, not all usable) spread over the set's
                               * pCPUs in proportion to their busy time (model.c) */
    double other;             /* max(0, util - vcpu_util): load that is not managed vCPUs */
    double pinned_util;       /* the part of vcpu_util from vCPUs pinned to it alone */
} SovaPcpuLoad;

typedef struct {
    guint vm;                 /* index into model->vms */
    guint index;              /* vCPU number within its VM */
    double usage;             /* % of one pCPU it ran this interval */
    double delay;             /* % of the interval it waited runnable */
    double demand;            /* EWMA of min(100, usage + delay) */
    int pcpu;                 /* pCPU its load is attributed to: its pin, else
                               * where it last ran; -1 */
    int pinned;               /* the one pCPU its affinity allows, or -1 (several, or unknown) */
    gboolean shared;          /* its affinity is exactly the usable pCPUs, two or more (left to
                               * the kernel's scheduler; an unpinned vCPU is shared when no
                               * pCPU is reserved or offline) */
    gboolean fresh;           /* no rate yet (new VM or vCPU, counter reset):
                               * usage = delay = demand = 0 */
    SovaCpuSet *set;          /* its affinity when it allows two or more pCPUs (owned), else NULL:
                               * a shared pin set (cpu policies) or an operator's restriction */
} SovaVcpuLoad;

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *name;
    int cell;                 /* NUMA cell most of its vCPUs are on; -1 when unknown */
    guint first_vcpu;         /* its vCPUs are model->vcpus[first_vcpu .. first_vcpu + n_vcpus) */
    guint n_vcpus;
    gboolean leaving;         /* the controller is migrating it away: its load is about to go */
} SovaVmLoad;

typedef struct {
    double interval_s;        /* wall time between the two snapshots */
    guint n_pcpus;
    GArray *pcpus;            /* SovaPcpuLoad, index = id */
    GArray *vms;              /* SovaVmLoad */
    GArray *vcpus;            /* SovaVcpuLoad */
    int stale_pcpu;           /* a pCPU whose pinned vCPUs ran more than it was busy, or -1:
                               * the pins the snapshot reports are not the real ones */
    gboolean placement_cached;/* the newer snapshot's: the backend can re-read the pins */
} SovaModel;

/* how many points the vCPUs pinned to a pCPU may out-run its measured busy time
 * (sampling skew) before the placement is taken as stale */
#define SOVA_MODEL_STALE_SLACK 25.0

typedef struct {
    double ewma_alpha;        /* weight of the newest sample, (0, 1]; 1 = no smoothing */
    const SovaCpuSet *reserved; /* pCPUs kept for the host; may be NULL */
    const char *const *exclude; /* VM names or UUIDs left alone; NULL-terminated; may be NULL */
} SovaModelParams;

/* Builds the model of the interval prev -> cur. `last` is the previous model (for the EWMA;
 * may be NULL). A VM or vCPU missing from prev, or whose counters went backwards (it was
 * restarted), is marked fresh: it is scheduled, but with no demand until the next interval. */
SovaModel *sova_model_build(const SovaSnapshot *prev, const SovaSnapshot *cur,
                            const SovaModel *last, const SovaModelParams *params);
void sova_model_free(SovaModel *m);
/* sova's CPU plane manages the VM (the model holds its vCPUs): its state is known (not
 * OTHER), it is not cpu='manual' (the operator places it), and `exclude` (the config's VM
 * names or UUIDs; may be NULL) does not list it. An unmanaged VM's load counts as `other`. */
gboolean sova_model_manages(const SovaVmSample *vm, const char *const *exclude);

SovaPcpuLoad *sova_model_pcpu(const SovaModel *m, guint id);
SovaVcpuLoad *sova_model_vcpu(const SovaModel *m, guint i);
SovaVmLoad *sova_model_vm(const SovaModel *m, guint i);
/* TRUE when vCPUs may be placed on it: online and not reserved */
gboolean sova_model_pcpu_usable(const SovaModel *m, guint id);
/* mean and standard deviation (population) of util over usable pCPUs */
double sova_model_util_stddev(const SovaModel *m, double *mean);

/* adds member "pcpus": [{id, online, reserved, cell, socket, core, util}, ...] to the
 * object being built */
void sova_model_pcpus_to_json(const SovaModel *m, JsonBuilder *b);

/* helpers for tests and the simulator: an empty model with n pCPUs (online, cell 0) */
SovaModel *sova_model_new(guint n_pcpus);
SovaVmLoad *sova_model_add_vm(SovaModel *m, const char *uuid, const char *name, guint n_vcpus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaModel, sova_model_free)
