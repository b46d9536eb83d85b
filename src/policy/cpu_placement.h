/* cpu_placement.h — what the cpu policies share: the usable pCPUs, predicted
 * pCPU loads for a proposed placement, and turning a placement into pin actions.
 *
 * A placement is an array `to[i]` (one pCPU id per vCPU of model->vcpus). Its
 * predicted load on pCPU p is `other` (non-VM load on p) plus the weights (usage
 * or demand) of the vCPUs placed there; utilisation is that load capped at 100,
 * because a pCPU cannot be busier than busy: 4 busy vCPUs on 2 pCPUs predict
 * 100 % and 100 %, stddev 0, however they are split. */
#pragma once
#include <glib.h>
#include "model/model.h"
#include "model/plan.h"

typedef enum {
    SOVA_WEIGHT_USAGE,        /* what the vCPU ran this interval (the seed's measure) */
    SOVA_WEIGHT_DEMAND,       /* what it wanted: EWMA of usage + run-queue delay */
} SovaWeight;

/* ids of the usable pCPUs (online, not reserved), ascending; *n_out gets their count */
guint *sova_cpu_usable_ids(const SovaModel *m, guint *n_out);
double sova_cpu_vcpu_weight(const SovaVcpuLoad *v, SovaWeight w);
/* TRUE when the vCPU is pinned to exactly one usable pCPU (it is under management) */
gboolean sova_cpu_vcpu_managed(const SovaModel *m, const SovaVcpuLoad *v);
/* "unpinned" / "pinned to reserved pCPU 3" / "pinned to offline pCPU 3": why it is not managed */
char *sova_cpu_unmanaged_why(const SovaModel *m, const SovaVcpuLoad *v);
/* per pCPU id (n_pcpus entries): other + the weights of the vCPUs placed there by `to` */
double *sova_cpu_predict_load(const SovaModel *m, const int *to, SovaWeight w);
/* population stddev of min(100, load[id]) over the n pCPUs in ids */
double sova_cpu_capped_stddev(const double *load, const guint *ids, guint n);
/* TRUE when pinning the vCPU to `to` changes something (pinning where it is already
 * pinned is not a change; pinning an unpinned vCPU where it runs is) */
gboolean sova_cpu_pin_changes(const SovaVcpuLoad *v, int to);
/* appends the pin of vCPU i (index into model->vcpus) to pCPU `to`, from where it is */
void sova_cpu_plan_pin(SovaPlan *p, const SovaModel *m, guint i, int to, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);
