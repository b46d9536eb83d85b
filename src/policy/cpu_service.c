/* cpu_service.c — each VM's service under a layout against its CFS counterfactual; the
 * formulas are in cpu_service.h. */
#include "policy/cpu_service.h"
#include "policy/cpu_placement.h"
#include <stdlib.h>

/* a vCPU that reads busy is taken as fully busy (see cpu_service.h), unless at face value */
static double demand_as(const SovaModel *m, const double *demand, guint v, gboolean face)
{
    double d = demand ? demand[v] : sova_model_vcpu(m, v)->demand;
    return d >= SOVA_SERVICE_BUSY && !face ? 100.0 : d;
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

/* the level h; face: busy readings at face value (else taken as 100) */
static double level_as(const SovaModel *m, const double *demand, gboolean face)
{
    guint n;
    g_autofree guint *ids = sova_cpu_usable_ids(m, &n);
    if (n == 0)
        return 0;
    double total = 0;
    for (guint v = 0; v < m->vcpus->len; v++)
        if (counts(m, v))
            total += demand_as(m, demand, v, face);
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

double sova_cpu_cfs_level(const SovaModel *m, const double *demand)
{
    return level_as(m, demand, TRUE);
}

static double ratio(double load)
{
    return load > 100.0 ? 100.0 / load : 1.0;
}

static const SovaModel *sort_model;   /* qsort has no user data; set just around the call */

static int core_order(const void *a, const void *b)
{
    const SovaPcpuLoad *x = sova_model_pcpu(sort_model, *(const guint *)a);
    const SovaPcpuLoad *y = sova_model_pcpu(sort_model, *(const guint *)b);
    if (x->socket != y->socket)
        return x->socket < y->socket ? -1 : 1;
    if (x->core != y->core)
        return x->core < y->core ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static gboolean same_core(const SovaModel *m, guint p, guint q)
{
    const SovaPcpuLoad *a = sova_model_pcpu(m, p), *b = sova_model_pcpu(m, q);
    return a->core >= 0 && a->core == b->core && a->socket == b->socket;
}

/* per pCPU id: the speed of its busy time given every pCPU's busy % (SMT, see cpu_service.h):
 * 1 less (1 - SOVA_SERVICE_SMT) times the share of it that a sibling is busy too, the
 * overlap as small as the load allows; usable pCPUs only (ids sorted by core) */
static void smt_speed(const SovaModel *m, const guint *ids, guint n, const double *busy,
                      double *speed)
{
    for (guint k = 0, end; k < n; k = end) {
        double sum = 0;
        for (end = k; end < n && (end == k || same_core(m, ids[k], ids[end])); end++)
            sum += busy[ids[end]];
        for (guint j = k; j < end; j++) {
            double b = busy[ids[j]];
            double ov = MAX(0.0, b + MIN(100.0, sum - b) - 100.0);
            speed[ids[j]] = b > 0 ? 1.0 - (1.0 - SOVA_SERVICE_SMT) * ov / b : 1.0;
        }
    }
}

/* the pinned layout's speeds (busy = min(100, load)) and the kernel's mean speed (every
 * usable pCPU at min(100, level), its tasks spread over all of them) */
static double smt_speeds(const SovaModel *m, const double *left, double level, double *speed)
{
    guint n;
    g_autofree guint *ids = sova_cpu_usable_ids(m, &n);
    sort_model = m;
    qsort(ids, n, sizeof *ids, core_order);
    sort_model = NULL;
    g_autofree double *busy = g_new0(double, MAX(m->n_pcpus, 1));
    g_autofree double *flat = g_new0(double, MAX(m->n_pcpus, 1));
    g_autofree double *fspeed = g_new0(double, MAX(m->n_pcpus, 1));
    for (guint k = 0; k < n; k++) {
        busy[ids[k]] = MIN(100.0, left[ids[k]]);
        flat[ids[k]] = MIN(100.0, level);
    }
    smt_speed(m, ids, n, busy, speed);
    smt_speed(m, ids, n, flat, fspeed);
    double sum = 0;
    for (guint k = 0; k < n; k++)
        sum += fspeed[ids[k]];
    return n ? sum / n : 1.0;
}

/* TRUE when the kernel's level and every usable pCPU's load under the pins (left) exceed 100
 * by more than `above`: the host is saturated both ways (see cpu_service.h) */
static gboolean saturated(const SovaModel *m, const double *left, double level, double above)
{
    guint n;
    g_autofree guint *ids = sova_cpu_usable_ids(m, &n);
    if (n == 0 || level <= 100.0 + above)
        return FALSE;
    for (guint k = 0; k < n; k++)
        if (left[ids[k]] <= 100.0 + above)
            return FALSE;
    return TRUE;
}

/* per VM: pinned and CFS service (points); leaving VMs' demand taken out of the loads;
 * face: busy readings at face value. *sat (may be NULL) gets saturated(.., above) */
static void services_sat(const SovaModel *m, const int *to, const double *demand,
                         double *pinned, double *cfs, double above, gboolean face,
                         gboolean *sat)
{
    g_autofree double *left = g_new0(double, MAX(m->n_pcpus, 1));
    for (guint p = 0; p < m->n_pcpus; p++)
        left[p] = sova_model_pcpu(m, p)->other;
    for (guint v = 0; v < m->vcpus->len; v++)
        if (counts(m, v) && to[v] >= 0 && (guint)to[v] < m->n_pcpus)
            left[to[v]] += demand_as(m, demand, v, face);
    double level = level_as(m, demand, face), r_cfs = ratio(level);
    if (sat)
        *sat = saturated(m, left, level, above);
    g_autofree double *speed = g_new0(double, MAX(m->n_pcpus, 1));
    double s_cfs = smt_speeds(m, left, level, speed);
    for (guint v = 0; v < m->vcpus->len; v++) {
        guint vm = sova_model_vcpu(m, v)->vm;
        double d = demand_as(m, demand, v, face);
        if (!counts(m, v))
            continue;
        gboolean placed = to[v] >= 0 && (guint)to[v] < m->n_pcpus
                          && sova_model_pcpu_usable(m, (guint)to[v]);
        cfs[vm] += d * r_cfs * s_cfs;
        pinned[vm] += placed ? d * ratio(left[to[v]]) * speed[to[v]] : d * r_cfs * s_cfs;
    }
}

/* the worst VM's pinned / CFS ratio (1 when nobody wants anything), that VM in *vm (may be
 * NULL; -1: none); above, face, sat as services_sat's */
static double worst_as(const SovaModel *m, const int *to, const double *demand, double above,
                       gboolean face, gboolean *sat, int *vm)
{
    g_autofree double *pinned = g_new0(double, MAX(m->vms->len, 1));
    g_autofree double *cfs = g_new0(double, MAX(m->vms->len, 1));
    services_sat(m, to, demand, pinned, cfs, above, face, sat);
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

double sova_cpu_service_worst(const SovaModel *m, const double *load, const int *to,
                              const double *demand, int *vm)
{
    (void)load;   /* recomputed with busy vCPUs taken as 100 and leaving VMs taken out */
    return worst_as(m, to, demand, 0, FALSE, NULL, vm);
}

/* some VM short of its CFS service beyond tol (relative) and noise / 2 (points) */
gboolean sova_cpu_service_unfair(const SovaModel *m, const double *load, const int *to,
                                 const double *demand, double tol, double noise)
{
    (void)load;   /* recomputed as in sova_cpu_service_worst */
    g_autofree double *pinned = g_new0(double, MAX(m->vms->len, 1));
    g_autofree double *cfs = g_new0(double, MAX(m->vms->len, 1));
    services_sat(m, to, demand, pinned, cfs, noise, FALSE, NULL);
    for (guint i = 0; i < m->vms->len; i++)
        if (cfs[i] - pinned[i] > tol * cfs[i] + noise / 2)
            return TRUE;
    return FALSE;
}

double sova_cpu_service_worst_saturated(const SovaModel *m, const int *to, const double *demand,
                                        double noise)
{
    gboolean sat;
    double busy = worst_as(m, to, demand, noise, FALSE, &sat, NULL);
    return sat ? MAX(busy, worst_as(m, to, demand, noise, TRUE, NULL, NULL)) : 1.0;
}
