/* cpu_robust.h — demand that changes faster than the agent can follow, planned on a robust
 * estimate instead of chased (the `balance` cpu policy, cpu_balance.c).
 *
 * The model's demand is an EWMA: a vCPU on a duty cycle of a few seconds shows a value
 * between its busy and idle levels that moves every interval, and pins planned on it are
 * wrong within the interval and re-planned the next (issue 18: 26 pin changes per vCPU).
 * So each vCPU's raw demand per interval, min(100, usage + delay), is kept over the last
 * ROBUST_WINDOW (10) intervals. A vCPU is "fast" when over that window both
 *     stddev > ROBUST_SPREAD (10 points)   and   crossings of the window's mean >= ROBUST_CROSS (3)
 * (a step change crosses once, and a walk or measurement noise stays within the spread).
 * A fast vCPU is planned on
 *     robust = max(demand, the ROBUST_PCT (0.9) quantile of its window)
 * — near its busy level: what it will want within the next few seconds — and any other
 * on its EWMA demand, so a sustained change still moves it once, as soon as it shows.
 * A shorter window (from ROBUST_KNOWN + 1 samples) is judged the same with
 * max(2, ceil(ROBUST_CROSS * n / ROBUST_WINDOW)) crossings. A vCPU with at most
 * ROBUST_KNOWN (3) samples (none judged yet) is "young": `balance` leaves such a vCPU where it is
 * while the kernel shares it (it would pin it on a demand it cannot judge yet, then move it again).
 * A vCPU missing from an interval (its VM gone, or fresh: no rate) loses its window. */
#pragma once
#include <glib.h>
#include "model/model.h"

#define ROBUST_WINDOW 10
#define ROBUST_SPREAD 10.0
#define ROBUST_CROSS 3
#define ROBUST_PCT 0.9
#define ROBUST_KNOWN 3
#define ROBUST_SWING 20.0

typedef struct SovaCpuRobust SovaCpuRobust;

SovaCpuRobust *sova_cpu_robust_new(void);
void sova_cpu_robust_free(SovaCpuRobust *r);
/* records this interval's raw demands and returns the planning demand of every vCPU
 * (index into model->vcpus; g_free it); young (per vCPU, may be NULL) gets TRUE for a
 * vCPU with at most ROBUST_KNOWN samples; *n_fast (may be NULL) gets how many are
 * fast. r may be NULL: the model's demands, nobody young */
double *sova_cpu_robust_update(SovaCpuRobust *r, const SovaModel *m, gboolean *young,
                               guint *n_fast);
/* the same; is_fast (per vCPU, may be NULL; zeroed by the caller) gets TRUE for a fast one
 * whose window also spreads more than ROBUST_SWING (20 points): a swing no pin can follow
 * (a duty cycle), not the noise of a busy real host (cpu_group.h shares such vCPUs) */
double *sova_cpu_robust_update_fast(SovaCpuRobust *r, const SovaModel *m, gboolean *young,
                                    gboolean *is_fast, guint *n_fast);
/* the decision on one window of n samples, oldest first (exposed for tests): TRUE when
 * fast, *robust then gets its robust level */
gboolean sova_cpu_robust_window(const double *x, guint n, double *robust);
