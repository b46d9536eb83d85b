/* cpu_balance_group.c — the `balance` policy's shared pin set over intervals (cpu_balance.c,
 * "Shared pin sets"; the set itself is found by cpu_group.c): which set is in place, the rest
 * of the host pinned around it, the set grown when the rest loses work too, and shrunk when a
 * strictly smaller one would do for the calm wait. Apart from cpu_balance.c, which runs the
 * steps of one interval, because this is the set's life across intervals. */
#include "policy/cpu_balance_private.h"
#include "policy/cpu_group.h"
#include "policy/cpu_reasons.h"
#include "policy/cpu_service.h"
#include "policy/cpu_search.h"
#include "policy/cpu_placement.h"

/* the shared pin set in place: the one this policy made while some vCPU is in it, or every
 * usable pCPU when the kernel shares the whole host; NULL when none */
SovaCpuSet *cpu_balance_current_group(const SovaModel *m, const BalanceState *st)
{
    if (st && st->group && cpu_group_present(m, st->group))
        return sova_cpuset_copy(st->group);
    return sova_cpu_all_shared(m) ? sova_cpu_share_set(m) : NULL;
}

void cpu_balance_remember_group(BalanceState *st, const SovaCpuSet *group)
{
    if (!st)
        return;
    sova_cpuset_free(st->group);
    st->group = group ? sova_cpuset_copy(group) : NULL;
}

/* a shared pin set that stays: the rest of the host is pinned around it, and when the rest
 * loses work too, the set grows by the rest's own group */
void cpu_balance_plan_around(const Inputs *in, const SovaCpuSet *group, double margin,
                             BalanceState *st, SovaPlan *plan)
{
    double before;
    g_autoptr(Balancer) rest = cpu_search_run_frozen(in->m, in->params, in->demand, in->young,
                                                     group, in->look, &before);
    rest->fast = in->fast;
    double level = sova_cpu_cfs_level(in->m, rest->demand);
    gboolean lossy = cpu_group_rest_loss(rest, margin) > in->params->target_stddev
                     || cpu_group_fast_crowded(rest)
                     || sova_cpu_service_unfair(in->m, rest->load, rest->to, rest->demand,
                                                SOVA_SERVICE_TOL, in->noise);
    g_autoptr(SovaCpuSet) more = lossy ? cpu_group_find(rest, margin, level)
                                       : cpu_group_extend(rest, margin, level);
    if (more) {
        for (guint p = 0; p < in->m->n_pcpus; p++)
            if (sova_cpuset_has(group, p))
                sova_cpuset_add(more, p);
        cpu_reasons_share(rest, plan, more, cpu_group_rest_loss(rest, margin), margin, -1, 1.0);
        cpu_balance_remember_group(st, more);
        return;
    }
    g_autoptr(Balancer) b = cpu_balance_plan_pins(in, group, plan, NULL, 0);
    g_autofree char *set = sova_cpuset_format(group);
    g_autofree char *text = g_strdup_printf("%s; the vCPUs sharing pCPUs %s stay", plan->reason,
                                            set);
    sova_plan_set_reason(plan, "%s", text);
}

/* TRUE when every pCPU of a is in b and b has more */
static gboolean strict_subset(const SovaCpuSet *a, const SovaCpuSet *b, guint n)
{
    gboolean more = FALSE;
    for (guint p = 0; p < n; p++) {
        if (sova_cpuset_has(a, p) && !sova_cpuset_has(b, p))
            return FALSE;
        more = more || (sova_cpuset_has(b, p) && !sova_cpuset_has(a, p));
    }
    return more;
}

void cpu_balance_forget_smaller(BalanceState *st)
{
    g_clear_pointer(&st->smaller, sova_cpuset_free);
    st->smaller_for = 0;
}

/* a shared set that grew gives way when demand falls: the set a new group would take from the
 * best pins found (`best`, every member placed, cpu_group_find) is a strict part of it, the
 * same one for the calm wait of the shared host (SHARE_CALM, cpu_share.h) in a row: the
 * vCPUs on its pCPUs share it, the others are pinned as placed. TRUE when it did (plan made) */
gboolean cpu_balance_shrink(const Balancer *best, const SovaCpuSet *group, double margin,
                            BalanceState *st, SovaPlan *plan)
{
    if (!st)
        return FALSE;
    const SovaModel *m = best->m;
    g_autoptr(SovaCpuSet) fresh = cpu_group_find(best, margin, sova_cpu_cfs_level(m, best->demand));
    if (!fresh || !strict_subset(fresh, group, m->n_pcpus)) {
        cpu_balance_forget_smaller(st);
        return FALSE;
    }
    if (st->smaller && sova_cpuset_equal(st->smaller, fresh)) {
        st->smaller_for++;
    } else {
        cpu_balance_forget_smaller(st);
        st->smaller = sova_cpuset_copy(fresh);
        st->smaller_for = 1;
    }
    if (st->smaller_for < MAX(st->share.need, SHARE_CALM))
        return FALSE;
    cpu_balance_forget_smaller(st);
    cpu_reasons_share(best, plan, fresh, cpu_group_rest_loss(best, margin), margin, -1, 1.0);
    g_autofree char *was = sova_cpuset_format(group);
    g_autofree char *text = g_strdup_printf("demand fell, the shared set of pCPUs %s shrinks: %s",
                                            was, plan->reason);
    sova_plan_set_reason(plan, "%s", text);
    cpu_balance_remember_group(st, fresh);
    return TRUE;
}
