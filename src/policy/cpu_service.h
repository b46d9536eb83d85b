/* cpu_service.h — what each VM gets from a layout, against what the kernel's scheduler
 * would give it (the CFS counterfactual), for the `balance` cpu policy (cpu_balance.c).
 *
 * A user who lets sova pin gives up the kernel's own balancing, so no VM may get less
 * than it would unpinned. Both sides are estimated from demand d (time + run-queue delay):
 *   unpinned (every vCPU allowed on every usable pCPU): the total demand D is water-filled
 *     over the usable pCPUs on top of their `other` load, to the level h with
 *     sum(max(0, h - other_p)) = D; every vCPU then gets d * min(1, 100 / h)
 *     (as the simulator's CFS: a pCPU over 100 % gives each of its tasks a share in
 *     proportion to demand);
 *   pinned on p (predicted load L_p = other_p + demands there): d * min(1, 100 / L_p);
 *     a vCPU the layout does not place (it waits where the kernel runs it) counts as
 *     unpinned.
 * A VM's service is the sum over its vCPUs; its shortfall
 *     short = cfs - pinned   (points of one pCPU)
 * counts only beyond the measurement noise: a layout is "unfair" when some VM has
 *     short > tol * cfs + noise / 2
 * with tol = SOVA_SERVICE_TOL (0.10) to leave pins, and the stricter SOVA_SERVICE_CALM
 * (0.04, no noise) before pins come back: hysteresis, since an overloaded host's best
 * pins sit within a few percent of CFS and each switch re-pins every vCPU.
 * Why 10 %: on real hosts the run-queue delay of vCPUs on an overloaded pCPU is
 * under-counted by several percent, so layouts exactly as fair as CFS read 0.90-0.96x
 * (rig case 1: 4 busy guests pinned 2 per pCPU; rig case 3: a 50 % guest beside a busy
 * one), while pins that truly cost a VM cost it far more (3 busy vCPUs on 2 pCPUs: 0.75x;
 * 6 busy and 6 light one-vCPU VMs on 4 pCPUs: 0.83x). VMs the controller is migrating
 * away (`leaving`) count on neither side. A vCPU whose demand reads SOVA_SERVICE_BUSY (85)
 * or more counts as 100 on both sides, for the same under-count: a vCPU that wants that
 * much wants all of a pCPU as far as sharing goes.
 * Saturated hosts: where the kernel's level h and every usable pCPU's pinned load exceed
 * 100 % by more than the noise (every vCPU waits, pinned or not), an under-count that scales
 * the demands of a pCPU alike scales L_p and h alike, and the ratio pinned / CFS = h / L_p
 * does not move: the readings can be trusted there, and both tolerances are divided by
 * SOVA_SERVICE_SAT (4: 2.5 % to leave pins, 1 % before they come back), on the better of
 * the worst ratios with busy vCPUs taken as 100 and at face value (4 busy guests pinned 2 per
 * pCPU whose delays read short by different amounts are fair as busy), smoothed over
 * intervals (`balance`: an EWMA of weight SOVA_SERVICE_SAT_ALPHA, 0.2), for
 * SHARE_CONFIRM_FINE (10) intervals in a row where a plain shortfall needs SHARE_CONFIRM
 * (cpu_share.h): a shortfall of a few points is within the noise of one reading, and the
 * readings of a fair layout settle within a few intervals of a change. Such a host gains
 * no work from pins (every pCPU runs full either way); pins only decide who gets it, and a
 * layout whose best split of the demand leaves one pCPU a few points above the others
 * (issue 18's noisy seed example: 8 vCPUs at 100..30 % and 15 points of background on 4
 * pCPUs, no pairing better than 140 against the kernel's 133.75: the two VMs there got
 * 0.955x) costs those VMs what sharing would not.
 * SMT: hardware threads of one core (the usable pCPUs of one (socket, core)) share its
 * execution units. While a sibling is busy too, a thread is taken to run at SOVA_SERVICE_SMT
 * (0.65) of its lone speed, and siblings' busy times to overlap as little as their load
 * allows (a core's threads busy b1, b2 overlap max(0, b1 + b2 - 100)): a pinned vCPU's
 * service is scaled by its pCPU's speed 1 - 0.35 * overlap / busy, the kernel's by the mean
 * speed of every usable pCPU at the level h (the kernel moves its tasks over all of them, so
 * each pays its share of the overlap). A light vCPU pinned beside a busy sibling thus pays
 * the whole overlap of its core alone. Where every pCPU is its own core, nothing changes. */
#pragma once
#include <glib.h>
#include "model/model.h"

#define SOVA_SERVICE_TOL 0.10
#define SOVA_SERVICE_SMT 0.65
#define SOVA_SERVICE_BUSY 85.0
#define SOVA_SERVICE_CALM 0.04
#define SOVA_SERVICE_SAT 4.0
#define SOVA_SERVICE_SAT_ALPHA 0.2

/* the unpinned level h above for the given per-vCPU demands (NULL: the model's), every
 * demand at face value: the measure of the layouts' predicted loads it is compared with
 * (a shared set's mean load, cpu_group.h). Busy readings taken as 100 there would put h
 * above what the set's loads can reach: 24 vCPUs reading 80..90 % on 16 pCPUs, h 128 at
 * face value, read up to 150, and a set of 12 pCPUs at 142 % looked no worse than the
 * kernel while its members got 0.9x their CFS share and 4 pinned pCPUs idled 15 % each */
double sova_cpu_cfs_level(const SovaModel *m, const double *demand);
/* the worst VM's pinned / CFS service ratio of the layout (to per vCPU; demand NULL: the
 * model's; the loads are recomputed from them, `load` is only the caller's layout's);
 * 1 when no VM demands anything. *vm (may be NULL) gets that VM's index, or -1 */
double sova_cpu_service_worst(const SovaModel *m, const double *load, const int *to,
                              const double *demand, int *vm);
/* TRUE when the layout gives some VM less than its CFS service beyond the tolerance
 * above; tol: the relative tolerance; noise: the learnt prediction noise (points) */
gboolean sova_cpu_service_unfair(const SovaModel *m, const double *load, const int *to,
                                 const double *demand, double tol, double noise);
/* on a host saturated both ways beyond the noise (points), the worst VM's pinned / CFS ratio
 * of the layout, the better of busy readings taken as 100 and at face value (see above);
 * 1 on a host that is not */
double sova_cpu_service_worst_saturated(const SovaModel *m, const int *to, const double *demand,
                                        double noise);
