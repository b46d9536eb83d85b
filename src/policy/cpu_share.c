/* cpu_share.c — when single-pCPU pins lose work, and sharing instead: the loss estimate,
 * the decision to share or to pin again, and share actions; see cpu_share.h. */
#include "policy/cpu_share.h"
#include "policy/cpu_placement.h"
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

double sova_cpu_share_loss(const SovaModel *m, const double *load, const int *to, double margin)
{
    guint n;
    g_autofree guint *ids = sova_cpu_usable_ids(m, &n);
    g_autofree guint *count = g_new0(guint, MAX(m->n_pcpus, 1));
    g_autofree gboolean *usable = g_new0(gboolean, MAX(m->n_pcpus, 1));
    g_autofree double *left = g_memdup2(load, sizeof(double) * MAX(m->n_pcpus, 1));
    for (guint k = 0; k < n; k++) {
        count[ids[k]] = sova_model_pcpu(m, ids[k])->other >= 1.0;
        usable[ids[k]] = TRUE;
    }
    for (guint v = 0; v < m->vcpus->len; v++) {
        if (to[v] < 0 || (guint)to[v] >= m->n_pcpus || !usable[to[v]])
            continue;
        count[to[v]]++;
        if (sova_model_vm(m, sova_model_vcpu(m, v)->vm)->leaving) {
            left[to[v]] -= sova_model_vcpu(m, v)->demand;
            count[to[v]]--;
        }
    }
    return sova_cpu_pin_loss(left, count, ids, n, margin);
}

/* a host that is not shared (or not by this policy): share it when the pins lose more
 * than the target, or have been unfair to a VM SHARE_CONFIRM intervals in a row (at once
 * when the kernel shares it already: nothing changes); the first reading of pins the agent
 * found in place does not count (its window is the agent's short first wait, agent.h: rig
 * case 1 read 4 busy guests pinned 2 per pCPU 0.88x over 0.2 s); pins put back that fail
 * again soon double the calm needed */
static gboolean decide_pinned(SovaCpuShareState *st, double loss, double target, gboolean unfair,
                              gboolean shared, gboolean first)
{
    st->calm = 0;
    st->pinned_for++;
    if (st->pinned_for > SHARE_HOLD * st->need)
        st->need = SHARE_CALM;
    st->unfair_for = unfair && (shared || !first) ? st->unfair_for + 1 : 0;
    /* the kernel shares it already (first decision): staying shared needs no confirmation */
    if (loss <= target && st->unfair_for < (shared ? 1u : SHARE_CONFIRM))
        return FALSE;
    st->unfair_for = 0;
    if (st->repinned && st->pinned_for <= SHARE_HOLD * st->need)
        st->need = MIN(2 * st->need, SHARE_CALM_MAX);
    st->repinned = FALSE;
    return TRUE;
}

/* a shared host: pin it again once the pins have looked safe `need` intervals in a row */
static gboolean decide_shared(SovaCpuShareState *st, double calm_loss, double target,
                              gboolean unfair)
{
    st->calm = calm_loss <= target / 2 && !unfair ? st->calm + 1 : 0;
    if (st->calm < st->need)
        return TRUE;
    st->pinned_for = 0;
    st->repinned = TRUE;
    return FALSE;
}

gboolean sova_cpu_share_decide(SovaCpuShareState *st, const SovaModel *m, const double *load,
                               const int *to, double margin, double target, double *loss)
{
    return sova_cpu_share_decide_fair(st, m, load, to, margin, target, FALSE, FALSE, loss);
}

gboolean sova_cpu_share_decide_fair(SovaCpuShareState *st, const SovaModel *m, const double *load,
                                    const int *to, double margin, double target, gboolean unfair,
                                    gboolean unfair_calm, double *loss)
{
    return sova_cpu_share_decide_group(st, m, load, to, margin, target, unfair, unfair_calm,
                                       sova_cpu_all_shared(m), loss);
}

gboolean sova_cpu_share_decide_group(SovaCpuShareState *st, const SovaModel *m, const double *load,
                                     const int *to, double margin, double target,
                                     gboolean unfair, gboolean unfair_calm, gboolean shared,
                                     double *loss)
{
    *loss = sova_cpu_share_loss(m, load, to, margin);
    if (!st)
        return shared
                   ? sova_cpu_share_loss(m, load, to, 2 * margin) > target / 2 || unfair_calm
                   : *loss > target || unfair;
    gboolean first = !st->planned;   /* unpinned VMs at start were not shared by us */
    st->planned = TRUE;
    st->need = MAX(st->need, SHARE_CALM);
    if (first || !shared)
        return decide_pinned(st, *loss, target, unfair, shared, first);
    return decide_shared(st, sova_cpu_share_loss(m, load, to, 2 * margin), target, unfair_calm);
}

double *sova_cpu_shared_load(const SovaModel *m, const double *load, double mean)
{
    guint n;
    g_autofree guint *ids = sova_cpu_usable_ids(m, &n);
    double *flat = g_memdup2(load, sizeof(double) * MAX(m->n_pcpus, 1));
    for (guint k = 0; k < n; k++)
        flat[ids[k]] = MAX(sova_model_pcpu(m, ids[k])->other, mean);
    return flat;
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
