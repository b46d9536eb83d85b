/* cluster_vm_cpu.c — a VM's CPU demand and unmet part for the controller, its agent's or
 * its own; see cluster_vm_cpu.h. */
#include "model/cluster_vm_cpu.h"
#include <string.h>

void sova_vm_cpu_estimate_init(SovaVmCpuEstimate *e)
{
    memset(e, 0, sizeof *e);
    e->own = e->own_unmet = -1;
}

double sova_vm_cpu_smooth(double alpha, double carried, gboolean have, double raw)
{
    if (!have)
        return carried < 0 ? 0 : carried;
    return carried < 0 ? raw : alpha * raw + (1 - alpha) * carried;
}

/* the VM's CPU demand and its delay part this interval in pCPUs; FALSE when it has no rate
 * yet */
static gboolean raw_cpu(const SovaModel *m, const char *uuid, double *demand, double *unmet)
{
    for (guint i = 0; m && i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        if (strcmp(vm->uuid, uuid) != 0)
            continue;
        gboolean any = FALSE;
        double sum = 0, late = 0;
        for (guint k = 0; k < vm->n_vcpus; k++) {
            const SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + k);
            if (v->fresh)
                continue;
            any = TRUE;
            double d = MIN(100.0, v->usage + v->delay);
            sum += d / 100.0;
            late += MAX(0.0, d - v->usage) / 100.0;
        }
        *demand = sum;
        *unmet = late;
        return any;
    }
    return FALSE;
}

SovaVmCpu sova_vm_cpu_update(SovaVmCpuEstimate *e, const SovaModel *m, const SovaVmSample *vm,
                             double alpha, double interval_s)
{
    double demand = 0, unmet = 0;
    gboolean have = raw_cpu(m, vm->uuid, &demand, &unmet);
    e->own = sova_vm_cpu_smooth(alpha, e->own, have, demand);
    e->own_unmet = sova_vm_cpu_smooth(alpha, e->own_unmet, have, unmet);
    SovaVmCpu out = { 0 };
    out.demand = sova_cpu_summary_choose(&vm->cpu_summary, interval_s, e->own, &e->track,
                                         &out.from_agent);
    out.unmet = out.from_agent ? vm->cpu_summary.unmet : e->own_unmet;
    out.unmet = CLAMP(out.unmet, 0.0, out.demand);
    return out;
}

void sova_vm_cpu_credit(SovaVmCpuEstimate *const *e, guint n, double freed)
{
    double sum = 0;
    for (guint i = 0; i < n; i++)
        sum += MAX(0.0, e[i]->own_unmet);
    if (freed <= 0 || sum <= 0)
        return;
    double keep = MAX(0.0, sum - freed) / sum;
    for (guint i = 0; i < n; i++)
        if (e[i]->own_unmet > 0)
            e[i]->own_unmet *= keep;
}
