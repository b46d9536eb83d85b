/* cpu_noise.h — how far a cpu policy's predictions can be trusted.
 *
 * Each interval, the policy predicts every pCPU's utilisation for the next one;
 * the next interval measures it. The spread of the difference is measurement
 * and workload noise the policy cannot balance away: a host whose pCPUs wobble
 * by 6 points from one interval to the next can never stay under a 5-point
 * target, and re-planning on each wobble is churn. `balance` widens its target
 * and its required gain by this noise. */
#pragma once
#include <glib.h>
#include "model/model.h"

typedef struct {
    double *if_kept;          /* per pCPU id: util predicted if the plan is not executed */
    double *if_planned;       /* ... and if it is; NULL before the first interval */
    guint n_pcpus;
    double var;               /* EWMA of the variance of (measured - predicted) util */
} SovaCpuNoise;

SovaCpuNoise *sova_cpu_noise_new(void);
void sova_cpu_noise_free(SovaCpuNoise *n);
/* compares this interval's measured util with the closer of last interval's two
 * predictions (so a dry run, which executes nothing, is judged fairly). A sample is
 * the median absolute deviation of the per-pCPU misses (as a normal's sigma), so a
 * real load change on a few pCPUs hardly counts, and it counts at most `cap`
 * points, so even a change on all of them cannot blind the policy for long. The
 * estimate is an EWMA of the samples' variance. Returns the noise: a standard
 * deviation, in points */
double sova_cpu_noise_update(SovaCpuNoise *n, const SovaModel *m, double cap);
/* remembers the predicted loads (uncapped, per pCPU id) for the next interval */
void sova_cpu_noise_expect(SovaCpuNoise *n, const SovaModel *m, const double *if_kept,
                           const double *if_planned);
