/* cpu_service.c — each VM's service under a layout against its CFS counterfactual; the
 * formulas are in cpu_service.h. */
#include "policy/cpu_service.h"
#include "policy/cpu_placement.h"
#include <stdlib.h>

/* a vCPU that reads busy is taken as fully busy (see cpu_service.h) */
static double demand_of(const SovaModel *m, const double *demand, guint v)
{
    double d = demand ? demand[v] : sova_model_vcpu(m, v)->demand;
    return d >= SOVA_SERVICE_BUSY ? 100.0 : d;
}

static gboolean counts(const SovaModel *m, guint v)
{
    return !sova_model_vm(m, sova_model_vcpu(m, v)->vm)->leaving;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sova_cpu_cfs_level(const SovaModel *m, const double *demand)
{
    guint n;
    g_autofree guint *ids = sova_cpu_usable_ids(m, &n);
    if (n == 0)
        return 0;
    double total = 0;
    for (guint v = 0; v < m->vcpus->len; v++)
        if (counts(m, v))
            total += demand_of(m, demand, v);
    g_autofree double *lv = g_new(double, n);
    for (guint k = 0; k < n; k++)
        lv[k] = sova_model_pcpu(m, ids[k])->other;
    qsort(lv, n, sizeof *lv, cmp_double);
    double level = 0, below = 0;
    for (guint i = 0; i < n; i++) {
        below += lv[i];
        level = (total + below) / (i + 1);
        if (i + 1 == n || level <= lv[i + 1])
            break;
    }
    return level;
}

static double ratio(double load)
{
    return load > 100.0 ? 100.0 / load : 1.0;
}

/* per VM: pinned and CFS service (points); leaving VMs' demand taken out of the loads */
static void services(const SovaModel *m, const double *load, const int *to, const double *demand,
                     double *pinned, double *cfs)
{
    (void)load;   /* recomputed with busy vCPUs taken as 100 and leaving VMs taken out */
    g_autofree double *left = g_new0(double, MAX(m->n_pcpus, 1));
    for (guint p = 0; p < m->n_pcpus; p++)
        left[p] = sova_model_pcpu(m, p)->other;
    for (guint v = 0; v < m->vcpus->len; v++)
        if (counts(m, v) && to[v] >= 0 && (guint)to[v] < m->n_pcpus)
            left[to[v]] += demand_of(m, demand, v);
    double r_cfs = ratio(sova_cpu_cfs_level(m, demand));
    for (guint v = 0; v < m->vcpus->len; v++) {
        guint vm = sova_model_vcpu(m, v)->vm;
        double d = demand_of(m, demand, v);
        if (!counts(m, v))
            continue;
        gboolean placed = to[v] >= 0 && (guint)to[v] < m->n_pcpus
                          && sova_model_pcpu_usable(m, (guint)to[v]);
        cfs[vm] += d * r_cfs;
        pinned[vm] += placed ? d * ratio(left[to[v]]) : d * r_cfs;
    }
}

double sova_cpu_service_worst(const SovaModel *m, const double *load, const int *to,
                              const double *demand, int *vm)
{
    g_autofree double *pinned = g_new0(double, MAX(m->vms->len, 1));
    g_autofree double *cfs = g_new0(double, MAX(m->vms->len, 1));
    services(m, load, to, demand, pinned, cfs);
    double worst = 1.0;
    int at = -1;
    for (guint i = 0; i < m->vms->len; i++)
        if (cfs[i] > 0 && pinned[i] / cfs[i] < worst) {
            worst = pinned[i] / cfs[i];
            at = (int)i;
        }
    if (vm)
        *vm = at;
    return worst;
}

gboolean sova_cpu_service_unfair(const SovaModel *m, const double *load, const int *to,
                                 const double *demand, double tol, double noise)
{
    g_autofree double *pinned = g_new0(double, MAX(m->vms->len, 1));
    g_autofree double *cfs = g_new0(double, MAX(m->vms->len, 1));
    services(m, load, to, demand, pinned, cfs);
    for (guint i = 0; i < m->vms->len; i++)
        if (cfs[i] - pinned[i] > tol * cfs[i] + noise / 2)
            return TRUE;
    return FALSE;
}
