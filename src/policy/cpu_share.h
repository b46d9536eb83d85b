/* cpu_share.h — when single-pCPU pins lose work, and sharing instead.
 *
 * A vCPU pinned alone to one pCPU cannot borrow the idle time of another: a pCPU whose
 * vCPUs want more than 100 % loses the excess even while a neighbour idles, where the
 * kernel's scheduler (every vCPU allowed on every usable pCPU: "shared") would move
 * the work there within milliseconds. Pins lose nothing when every pCPU has room, or
 * when every pCPU is saturated anyway (4 busy vCPUs on 2 pCPUs). They lose when the
 * host runs near its capacity with pCPUs on both sides of 100 %, and when demand
 * moves faster than the agent's interval. So the estimate allows each pCPU's
 * predicted load a margin (the noise of the predictions, at least the target
 * spread) either way:
 *     excess = sum over pCPUs of max(0, load + margin - 100)   (pCPUs with 2+ vCPUs)
 *     slack  = sum over pCPUs of max(0, 100 - load + margin)
 *     loss   = min(excess, slack)   points of one pCPU per interval
 * (without the margin, min(excess, slack) is exactly the work pins lose against a
 * perfectly shared host). A pCPU with at most one vCPU cannot overflow by noise:
 * one vCPU never wants more than one pCPU. */
#pragma once
#include <glib.h>
#include "model/model.h"
#include "model/plan.h"

/* the loss estimate above; load and count are per pCPU id (count: vCPUs placed there),
 * ids the n usable pCPUs */
double sova_cpu_pin_loss(const double *load, const guint *count, const guint *ids, guint n,
                         double margin);
/* the usable pCPUs as a set (n_pcpus wide) */
SovaCpuSet *sova_cpu_share_set(const SovaModel *m);
/* TRUE when the host has vCPUs and every one is shared */
gboolean sova_cpu_all_shared(const SovaModel *m);
/* appends a share action for vCPU i (index into model->vcpus) */
void sova_cpu_plan_share(SovaPlan *p, const SovaModel *m, guint i, const SovaCpuSet *set,
                         const char *fmt, ...) G_GNUC_PRINTF(5, 6);
