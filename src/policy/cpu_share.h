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
 * one vCPU never wants more than one pCPU. A layout is judged as it will be once the
 * VMs the controller is migrating away (`leaving`) are gone.
 *
 * The decision (sova_cpu_share_decide, for `balance`): a host that is not shared is
 * shared when its best pins risk losing more than the target (points of one pCPU). A
 * shared host goes back to pins only when they would lose (almost) nothing with twice
 * the margin:
 *     loss(2 * margin) <= target / 2   for `need` intervals in a row
 * since each switch re-pins every vCPU. Either way, pins that would give some VM less than
 * its CFS service (cpu_service.h) count as losing: they share a pinned host once they have
 * for SHARE_CONFIRM (2) intervals in a row (a real shortfall shows every interval; the
 * reading of a fair layout on a real host can dip for one: rig case 3 read 0.87x, then
 * 0.93x), and keep a shared host from being calm. A shared host shows no noise to learn from, so
 * when pins put back fail again within SHARE_HOLD (8) x `need` intervals, `need`
 * doubles (from SHARE_CALM = 30 up to SHARE_CALM_MAX = 240); it returns to SHARE_CALM once
 * pins have held that long. Why 30: demand that turns every half minute or so (a square
 * wave of a minute, phases, a random walk near capacity) looks calm for 10-20 intervals at
 * a time, and each return to pins that fails costs every vCPU two pin changes (issue 18:
 * 9-11 per vCPU over 10 minutes with a wait of 3; 1 with 30). Without state, a shared host is
 * pinned as soon as the pins look safe. A saturated host (4 busy vCPUs on 2 pCPUs) loses nothing
 * pinned and stays pinned. */
#pragma once
#include <glib.h>
#include "model/model.h"
#include "model/plan.h"

#define SHARE_CALM 30         /* intervals a shared host must look safe to pin before it is */
#define SHARE_CALM_MAX 240
#define SHARE_HOLD 8          /* pins put back must hold SHARE_HOLD x need intervals */
#define SHARE_CONFIRM 2       /* intervals in a row pins must look unfair to a VM to share */
#define SHARE_CONFIRM_FINE 10 /* ... only by the finer tolerance of a saturated host
                               * (cpu_service.h) */

/* the loss estimate above; load and count are per pCPU id (count: vCPUs placed there),
 * ids the n usable pCPUs */
double sova_cpu_pin_loss(const double *load, const guint *count, const guint *ids, guint n,
                         double margin);
/* the loss estimate of a layout: `to` places each vCPU (index into model->vcpus) on a
 * pCPU id (or -1 / an unusable pCPU: not placed), `load` is the predicted load of each
 * pCPU id for that layout (as sova_cpu_predict_load with SOVA_WEIGHT_DEMAND); the vCPUs
 * of leaving VMs are taken out (their demand and their count) before estimating */
double sova_cpu_share_loss(const SovaModel *m, const double *load, const int *to, double margin);

/* what the decision remembers between intervals (zeroed: a fresh state) */
typedef struct {
    gboolean planned;         /* it decided before: a shared host is shared by this policy */
    guint calm;               /* intervals in a row a shared host's pins would have lost nothing */
    guint need;               /* calm intervals needed to pin again (backs off, see above) */
    guint pinned_for;         /* intervals since the host was last pinned again after sharing */
    gboolean repinned;        /* it was: pins put back by this policy */
    guint unfair_for;         /* intervals in a row a pinned host's pins were unfair */
} SovaCpuShareState;

/* share the host rather than pin it as the layout (load, to) says? st may be NULL (no
 * memory: pin as soon as it looks safe). margin: the noise margin of the loss estimate;
 * target: the policy's target stddev. *loss gets the layout's loss with that margin. */
gboolean sova_cpu_share_decide(SovaCpuShareState *st, const SovaModel *m, const double *load,
                               const int *to, double margin, double target, double *loss);
/* the same decision, also sharing when the pins would give some VM less than the kernel
 * would (cpu_service.h): `unfair` for the layout as judged now (a pinned host is shared
 * when it holds), `unfair_calm` with no noise allowed (a shared host is not calm while it
 * holds) */
gboolean sova_cpu_share_decide_fair(SovaCpuShareState *st, const SovaModel *m, const double *load,
                                    const int *to, double margin, double target, gboolean unfair,
                                    gboolean unfair_calm, double *loss);
/* the same decision for a host where part of the vCPUs may share a group of pCPUs
 * (cpu_group.h): `shared` says whether a shared set (or the shared host) is in place now */
gboolean sova_cpu_share_decide_group(SovaCpuShareState *st, const SovaModel *m, const double *load,
                                     const int *to, double margin, double target,
                                     gboolean unfair, gboolean unfair_calm, gboolean shared,
                                     double *loss);
/* the predicted loads per pCPU id when shared: `mean` (the mean predicted load over the
 * usable pCPUs) water-filled over them, at least each one's `other`; others as in load */
double *sova_cpu_shared_load(const SovaModel *m, const double *load, double mean);
/* the usable pCPUs as a set (n_pcpus wide) */
SovaCpuSet *sova_cpu_share_set(const SovaModel *m);
/* TRUE when the host has vCPUs and every one is shared */
gboolean sova_cpu_all_shared(const SovaModel *m);
/* appends a share action for vCPU i (index into model->vcpus) */
void sova_cpu_plan_share(SovaPlan *p, const SovaModel *m, guint i, const SovaCpuSet *set,
                         const char *fmt, ...) G_GNUC_PRINTF(5, 6);
