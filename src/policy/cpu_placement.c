/* cpu_placement.c — usable pCPUs, predicted loads and pin actions shared by the
 * cpu policies; see cpu_placement.h. */
#include "policy/cpu_placement.h"
#include <math.h>
#include <stdarg.h>

guint *sova_cpu_usable_ids(const SovaModel *m, guint *n_out)
{
    guint *ids = g_new(guint, MAX(m->n_pcpus, 1));
    guint n = 0;
    for (guint p = 0; p < m->n_pcpus; p++)
        if (sova_model_pcpu_usable(m, p))
            ids[n++] = p;
    *n_out = n;
    return ids;
}

double sova_cpu_vcpu_weight(const SovaVcpuLoad *v, SovaWeight w)
{
    return w == SOVA_WEIGHT_USAGE ? v->usage : v->demand;
}

gboolean sova_cpu_vcpu_managed(const SovaModel *m, const SovaVcpuLoad *v)
{
    return v->pinned >= 0 && sova_model_pcpu_usable(m, (guint)v->pinned);
}

char *sova_cpu_unmanaged_why(const SovaModel *m, const SovaVcpuLoad *v)
{
    if (v->pinned < 0)
        return g_strdup("unpinned");
    if ((guint)v->pinned >= m->n_pcpus || !sova_model_pcpu(m, v->pinned)->online)
        return g_strdup_printf("pinned to offline pCPU %d", v->pinned);
    return g_strdup_printf("pinned to reserved pCPU %d", v->pinned);
}

double *sova_cpu_predict_load(const SovaModel *m, const int *to, SovaWeight w)
{
    double *load = g_new0(double, MAX(m->n_pcpus, 1));
    for (guint p = 0; p < m->n_pcpus; p++)
        load[p] = sova_model_pcpu(m, p)->other;
    for (guint i = 0; i < m->vcpus->len; i++)
        if (to[i] >= 0 && (guint)to[i] < m->n_pcpus)
            load[to[i]] += sova_cpu_vcpu_weight(sova_model_vcpu(m, i), w);
    return load;
}

double sova_cpu_capped_stddev(const double *load, const guint *ids, guint n)
{
    double sum = 0, sq = 0;
    if (n == 0)
        return 0;
    for (guint k = 0; k < n; k++) {
        double u = MIN(100.0, load[ids[k]]);
        sum += u;
        sq += u * u;
    }
    double mean = sum / n;
    return sqrt(MAX(0.0, sq / n - mean * mean));
}

gboolean sova_cpu_pin_changes(const SovaVcpuLoad *v, int to)
{
    return v->pinned != to;
}

void sova_cpu_plan_pin(SovaPlan *p, const SovaModel *m, guint i, int to, const char *fmt, ...)
{
    const SovaVcpuLoad *v = sova_model_vcpu(m, i);
    const SovaVmLoad *vm = sova_model_vm(m, v->vm);
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sova_plan_add_pin(p, vm->uuid, vm->name, (int)v->index, v->pcpu, to, "%s", reason);
}
