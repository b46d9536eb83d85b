/* cluster_vm_cpu.h — a VM's CPU as the controller plans on it (cluster_build.c): its
 * demand and the part of it its host left unmet, both in pCPUs, and where they came from.
 *
 * Two sources. The controller's own estimate, from its reading of the host at its own
 * interval: demand = vCPU time + run-queue delay (each vCPU capped at one pCPU), unmet =
 * the delay part of it, both smoothed (EWMA). And the agent's summary that the host agent
 * publishes in the domain's metadata (model/cpu_summary.h): the same two figures measured
 * at the agent's interval, finer than the controller's. Fresh, the demand is the
 * controller's own moved by what the summary says beyond the agent's noise
 * (sova_cpu_summary_choose), the unmet part the summary's as published (at most the
 * demand); stale or absent, the controller's own estimate. */
#pragma once
#include "model/cpu_summary.h"
#include "model/model.h"

typedef struct {
    double own;               /* its own smoothed demand, pCPUs; < 0 unknown */
    double own_unmet;         /* its own smoothed unmet part (delay), pCPUs; < 0 unknown */
    SovaCpuSummaryTrack track;/* the agent's summary it used last */
} SovaVmCpuEstimate;

/* what the controller plans on for one VM this interval */
typedef struct {
    double demand, unmet;     /* pCPUs; unmet <= demand */
    gboolean from_agent;      /* both from the agent's fresh summary */
} SovaVmCpu;

void sova_vm_cpu_estimate_init(SovaVmCpuEstimate *e);
/* e ewma-smoothed value: raw when nothing was carried (< 0), carried when no raw */
double sova_vm_cpu_smooth(double alpha, double carried, gboolean have, double raw);
/* reads the VM's CPU this interval from its host's model m (NULL: not read), updates e
 * (EWMA alpha) and chooses between it and the VM's summary (a controller of interval
 * interval_s); call once per reading */
SovaVmCpu sova_vm_cpu_update(SovaVmCpuEstimate *e, const SovaModel *m, const SovaVmSample *vm,
                             double alpha, double interval_s);

/* the own unmet estimates (run-queue delay) of the n VMs left on a host after VMs that used
 * freed pCPUs there went away, made so much smaller in all, in proportion to each: the
 * delay they measured while those VMs were there, smoothed, says the host was short of at
 * most that much more than it is now (the scheduler gives freed pCPUs to the waiting).
 * Without it, a host relieved by a migration reads its remaining VMs' smoothed delay for a
 * few samples more as demand it cannot serve. */
void sova_vm_cpu_credit(SovaVmCpuEstimate *const *e, guint n, double freed);
