/* cpu_noise.c — the noise of pCPU utilisation predictions; see cpu_noise.h. */
#include "policy/cpu_noise.h"
#include <math.h>
#include <stdlib.h>

#define NOISE_WEIGHT 0.3       /* EWMA weight of the newest sample */

SovaCpuNoise *sova_cpu_noise_new(void)
{
    return g_new0(SovaCpuNoise, 1);
}

void sova_cpu_noise_free(SovaCpuNoise *n)
{
    if (!n)
        return;
    g_free(n->if_kept);
    g_free(n->if_planned);
    g_free(n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *x, guint n)
{
    qsort(x, n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* a robust variance over usable pCPUs of measured util minus predicted (capped)
 * util: the squared median absolute deviation (scaled to a normal's sigma). A shift
 * common to all pCPUs is not imbalance, and a real load change on a few pCPUs is
 * not noise: the median ignores both */
static double residual_var(const SovaModel *m, const double *pred)
{
    g_autofree double *r = g_new(double, MAX(m->n_pcpus, 1));
    guint k = 0;
    for (guint p = 0; p < m->n_pcpus; p++)
        if (sova_model_pcpu_usable(m, p))
            r[k++] = sova_model_pcpu(m, p)->util - MIN(100.0, pred[p]);
    if (k == 0)
        return 0;
    double mid = median(r, k);
    for (guint i = 0; i < k; i++)
        r[i] = fabs(r[i] - mid);
    double mad = 1.4826 * median(r, k);
    return mad * mad;
}

double sova_cpu_noise_update(SovaCpuNoise *n, const SovaModel *m, double cap)
{
    if (n->if_planned && n->n_pcpus == m->n_pcpus) {
        double sample = MIN(residual_var(m, n->if_kept), residual_var(m, n->if_planned));
        sample = MIN(sample, cap * cap);
        n->var = (1 - NOISE_WEIGHT) * n->var + NOISE_WEIGHT * sample;
    }
    return sqrt(n->var);
}

void sova_cpu_noise_expect(SovaCpuNoise *n, const SovaModel *m, const double *if_kept,
                           const double *if_planned)
{
    g_free(n->if_kept);
    g_free(n->if_planned);
    n->n_pcpus = m->n_pcpus;
    n->if_kept = g_memdup2(if_kept, sizeof(double) * MAX(m->n_pcpus, 1));
    n->if_planned = g_memdup2(if_planned, sizeof(double) * MAX(m->n_pcpus, 1));
}
