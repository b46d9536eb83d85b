/* cluster_caps.c — the concurrency caps, held for every cluster policy in one place.
 *
 * sova_cluster_plan() is how the controller (and so the simulator and the benches) asks
 * a policy for a plan: the policy plans as it likes (baselines such as ProxLB plan many
 * migrations a run, as the originals do) and the plan is then held to params->max_per_host
 * (migrations per host, source or destination) and params->max_total (in the cluster),
 * counting the migrations already in flight (VMs with migrating = TRUE). Policies stay
 * pure and unaware of the filter; `sova` plans within the caps itself, so for it the
 * filter changes nothing.
 *
 * The filter walks the plan in order and keeps each migration the caps still allow. A
 * policy planned its moves one after another, each on the cluster with the earlier ones
 * done, so once a move is dropped the later ones are checked again against the hard rules
 * (capacity with headroom, anti-affinity, a host that accepts) with only the kept moves
 * applied: a move that relied on room a dropped one would have freed is dropped too.
 * The common case (nothing to drop) only counts the migrations in flight: O(VMs) reads
 * of one flag, no planner. */
#include "policy/cluster_private.h"
#include <string.h>

/* per-host and total migrations in flight */
static guint count_inflight(const SovaCluster *c, guint *per)
{
    guint n_hosts = c->hosts->len, total = 0;
    const SovaClusterVm *vms = (const SovaClusterVm *)(gpointer)c->vms->data;
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = &vms[i];
        if (!v->migrating)
            continue;
        if (v->host >= 0 && (guint)v->host < n_hosts)
            per[v->host]++;
        if (v->from_host >= 0 && (guint)v->from_host < n_hosts)
            per[v->from_host]++;
        total++;
    }
    return total;
}

static gboolean host_ok(const SovaCluster *c, int h)
{
    return h >= 0 && (guint)h < c->hosts->len;
}

/* the plan's migrations fit in the caps as they are */
static gboolean within_caps(const SovaCluster *c, const SovaClusterParams *p,
                            const SovaPlan *plan)
{
    if (!sova_plan_len(plan))
        return TRUE;
    g_autofree guint *per = g_new0(guint, c->hosts->len);
    guint total = count_inflight(c, per);
    gboolean units = cl_plan_has_rules(c, plan);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        if (a->kind != SOVA_ACTION_MIGRATE || (units && cl_rides_with(c, plan, i)))
            continue;   /* a keep-together unit counts once */
        if (!host_ok(c, a->from_host) || !host_ok(c, a->to_host))
            return FALSE;
        per[a->from_host]++;
        per[a->to_host]++;
        total++;
        if ((p->max_total && total > p->max_total) ||
            (p->max_per_host && (per[a->from_host] > p->max_per_host ||
                                 per[a->to_host] > p->max_per_host)))
            return FALSE;
    }
    return TRUE;
}

/* the VM a migration moves: looked up among the VMs of its source host */
static int vm_of(const ClPlanner *P, const SovaAction *a)
{
    if (!host_ok(P->c, a->from_host))
        return -1;
    for (guint k = P->first[a->from_host]; k < P->first[a->from_host + 1]; k++)
        if (strcmp(sova_cluster_vm(P->c, P->list[k])->uuid, a->uuid) == 0)
            return (int)P->list[k];
    return -1;
}

/* the migration may start with the moves kept so far applied; one that rides with its
 * keep-together mate's takes no slot of its own */
static gboolean keep(ClPlanner *P, const SovaPlan *plan, guint i, gboolean dropped_before)
{
    const SovaAction *a = sova_plan_action(plan, i);
    int v = vm_of(P, a);
    if (v < 0 || !host_ok(P->c, a->to_host) || !cl_vm_movable(P, (guint)v))
        return FALSE;
    if (P->blocked && cl_rides_with(P->c, plan, i)) {
        cl_apply(P, (guint)v, (guint)a->to_host, FALSE);
        return TRUE;
    }
    if (!cl_caps_allow(P, (guint)a->from_host, (guint)a->to_host))
        return FALSE;
    /* a prefix of the policy's own sequence needs no second look at the hard rules */
    if (dropped_before && !cl_can_move(P, (guint)v, (guint)a->to_host))
        return FALSE;
    cl_apply(P, (guint)v, (guint)a->to_host, FALSE);
    return TRUE;
}

guint cl_hold_to_caps(const SovaCluster *c, const SovaClusterParams *p, SovaPlan *plan)
{
    if ((!p->max_total && !p->max_per_host) || within_caps(c, p, plan))
        return 0;
    ClPlanner P;
    guint dropped = 0;
    gboolean dropped_before = FALSE;
    cl_planner_init(&P, c, p);
    guint flying = P.total_inflight;
    for (guint i = 0; i < plan->actions->len;) {
        const SovaAction *a = sova_plan_action(plan, i);
        if (a->kind != SOVA_ACTION_MIGRATE || keep(&P, plan, i, dropped_before)) {
            i++;
            continue;
        }
        g_ptr_array_remove_index(plan->actions, i);
        dropped++;
        dropped_before = TRUE;
    }
    plan->spread_after = cl_imbalance(&P);
    g_autofree char *why = g_strdup(plan->reason ? plan->reason : "");
    sova_plan_set_reason(plan, "%s; %u migration(s) held back by the caps (%u per host, %u "
                         "in the cluster, %u in flight)", why, dropped, p->max_per_host,
                         p->max_total, flying);
    cl_planner_clear(&P);
    return dropped;
}

guint cl_recheck(const SovaCluster *c, const SovaClusterParams *p, SovaPlan *plan)
{
    ClPlanner P;
    guint dropped = 0;
    cl_planner_init(&P, c, p);
    for (guint i = 0; i < plan->actions->len;) {
        const SovaAction *a = sova_plan_action(plan, i);
        if (a->kind != SOVA_ACTION_MIGRATE || keep(&P, plan, i, TRUE)) {
            i++;
            continue;
        }
        g_ptr_array_remove_index(plan->actions, i);
        dropped++;
    }
    cl_planner_clear(&P);
    return dropped;
}

/* the gathering's migrations first, the reason saying so */
static void put_first(SovaPlan *plan, SovaPlan *gather)
{
    guint n = sova_plan_len(gather);
    for (guint i = 0; i < n; i++)
        g_ptr_array_insert(plan->actions, (gint)i, g_ptr_array_steal_index(gather->actions, 0));
    g_autofree char *why = g_strdup(plan->reason ? plan->reason : "");
    sova_plan_set_reason(plan, "%u migration(s) gather keep-together groups split across "
                         "hosts; %s", n, why);
}

SovaPlan *sova_cluster_plan(const SovaClusterPolicy *policy, const SovaCluster *c,
                            const SovaClusterParams *params, gpointer state)
{
    g_autoptr(SovaCluster) view = NULL;
    g_autoptr(SovaPlan) gather = cl_gather(c, params, &view);
    SovaPlan *plan = policy->plan(view ? view : c, params, state);
    if (gather)
        put_first(plan, gather);
    cl_hold_to_caps(c, params, plan);
    /* per-VM rules last: a unit cut by the caps goes whole; what remains is checked again */
    while (cl_whole_units(c, plan) && cl_recheck(c, params, plan))
        ;
    return plan;
}
