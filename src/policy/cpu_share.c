/* cpu_share.c — the work single-pCPU pins would lose, and share actions; see cpu_share.h. */
#include "policy/cpu_share.h"
#include <stdarg.h>

double sova_cpu_pin_loss(const double *load, const guint *count, const guint *ids, guint n,
                         double margin)
{
    double excess = 0, slack = 0;
    for (guint k = 0; k < n; k++) {
        double l = load[ids[k]];
        excess += MAX(0.0, l + (count[ids[k]] >= 2 ? margin : 0) - 100.0);
        slack += MAX(0.0, 100.0 - l + margin);
    }
    return MIN(excess, slack);
}

SovaCpuSet *sova_cpu_share_set(const SovaModel *m)
{
    SovaCpuSet *set = sova_cpuset_new(m->n_pcpus);
    for (guint p = 0; p < m->n_pcpus; p++)
        if (sova_model_pcpu_usable(m, p))
            sova_cpuset_add(set, p);
    return set;
}

gboolean sova_cpu_all_shared(const SovaModel *m)
{
    for (guint v = 0; v < m->vcpus->len; v++)
        if (!sova_model_vcpu(m, v)->shared)
            return FALSE;
    return m->vcpus->len > 0;
}

void sova_cpu_plan_share(SovaPlan *p, const SovaModel *m, guint i, const SovaCpuSet *set,
                         const char *fmt, ...)
{
    const SovaVcpuLoad *v = sova_model_vcpu(m, i);
    const SovaVmLoad *vm = sova_model_vm(m, v->vm);
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sova_plan_add_share(p, vm->uuid, vm->name, (int)v->index, v->pcpu, set, "%s", reason);
}
