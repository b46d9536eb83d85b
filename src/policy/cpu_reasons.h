/* cpu_reasons.h — what the `balance` cpu policy says (cpu_reasons.c): the actions of a
 * layout, each with its reason, and the plan's reason, so that `sova agent --dry-run`,
 * the logs and the simulator tell why every pin changed, and why nothing did. */
#pragma once
#include "policy/cpu_layout.h"
#include "model/plan.h"

/* step 4 of cpu_balance.c: why no managed vCPU moves, or NULL when the plan stands.
 * The learnt noise widens the limit to hypot(target, noise) and the gain needed to
 * min_gain + noise, but never blocks a clear gain: a predicted stddev above the target
 * that the plan cuts by min_gain + noise and by at least twice the noise is acted on,
 * whatever the widened limit says.
 * measured: the measured util stddev; before/after: the predicted load stddev before and
 * after the search; noise: the learnt noise (widens the target and the gain); looked:
 * the search was allowed to move managed vCPUs */
char *cpu_reasons_judge(double measured, double before, double after, double noise,
                        const SovaCpuPolicyParams *params, gboolean looked);
/* appends the pins of b's layout that change something, each with its reason, and sets
 * the plan's reason: `why` (from cpu_reasons_judge), or when NULL the move's figures
 * (measured stddev against limit, predicted before -> after); returns how many pins are
 * moves of managed vCPUs (the rest bring loose ones under management) */
guint cpu_reasons_pins(const Balancer *b, SovaPlan *plan, const char *why, double measured,
                       double limit, double before, double after);
/* appends a share action over `group` (cpu_group.h; NULL: every usable pCPU) for each of
 * its members not in it yet (the vCPUs b places on its pCPUs), pins the others as b places
 * them (those that wait for a rate stay as they are) and sets the plan's reason: pins would
 * give VM `unfair_vm` (index into model->vms) `worst` x its CFS service (cpu_service.h), or
 * when unfair_vm < 0 they would lose `loss` with `margin` (cpu_share.h) */
void cpu_reasons_share(const Balancer *b, SovaPlan *plan, const SovaCpuSet *group, double loss,
                       double margin, int unfair_vm, double worst);
