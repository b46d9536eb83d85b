/* cluster_vm_rules.c — the operator's per-VM rules in the planner every cluster policy
 * uses (cluster_private.h): allowed hosts (hosts=), keep-together groups (together=), and
 * VMs whose rules contradict each other (model/cluster_rules.c), which are not moved.
 *
 * A keep-together group's VMs that share a host form a unit: a move of one is a move of
 * all of them to the same host or of none. cl_can_move() checks the unit (each member
 * movable and allowed there, no anti-affinity clash, their demands together within the
 * destination's headroom, the concurrency caps room for one migration: a unit's VMs
 * migrate at once and count as one against the caps), cl_commit() appends
 * the mates' migrations right after the VM's, and sova_cluster_plan() finally drops a unit
 * any filter cut in part (cl_whole_units), so no policy can half-move one. A VM on a host
 * its hosts= rule excludes is an evacuee, as on a host in maintenance (cl_evacuees). */
#include "policy/cluster_private.h"
#include <string.h>

void cl_rules_init(ClPlanner *P)
{
    gboolean any = FALSE;
    for (guint v = 0; v < P->n_vms && !any; v++) {
        const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
        any = vm->together || vm->hosts || vm->conflict;
    }
    if (!any)
        return;
    P->blocked = g_new0(guint8, P->n_vms);
    g_autoptr(GPtrArray) why = sova_cluster_rule_conflicts(P->c);
    for (guint v = 0; v < P->n_vms; v++)
        P->blocked[v] = sova_cluster_vm(P->c, v)->conflict != NULL ||
                        (why && g_ptr_array_index(why, v) != NULL);
}

void cl_rules_clear(ClPlanner *P)
{
    g_clear_pointer(&P->blocked, g_free);
}

gboolean cl_rules_block(const ClPlanner *P, guint v)
{
    return P->blocked && P->blocked[v];
}

gboolean cl_allowed(const ClPlanner *P, guint v, guint b)
{
    return sova_cluster_vm_allowed(P->c, v, b);
}

gboolean cl_must_leave(const ClPlanner *P, guint v)
{
    int h = P->host_of[v];
    return h >= 0 && !cl_allowed(P, v, (guint)h);
}

const char *cl_leave_cause(const ClPlanner *P, guint v)
{
    int h = P->host_of[v];
    if (h >= 0 && sova_cluster_host(P->c, h)->maintenance)
        return "maintenance";
    return "its hosts= rule excludes it";
}

GArray *cl_mates(const ClPlanner *P, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    GArray *m = g_array_new(FALSE, FALSE, sizeof(guint));
    int a = P->host_of[v];
    if (!vm->together || a < 0 || P->planned[v])
        return m;
    for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
        guint u = P->list[k];
        if (u != v && P->host_of[u] == a &&
            g_strcmp0(sova_cluster_vm(P->c, u)->together, vm->together) == 0)
            g_array_append_val(m, u);
    }
    return m;
}

/* the unit's demands (v and mates) fit on b within the headroom */
static gboolean unit_fits(const ClPlanner *P, guint v, const GArray *mates, guint b)
{
    double limit = 1.0 - P->p->headroom;
    for (int r = 0; r < CL_R; r++) {
        double cap = P->cap[b * CL_R + r];
        if (cap <= 0)
            continue;
        double d = sova_cluster_vm_demand(sova_cluster_vm(P->c, v), r);
        for (guint i = 0; i < mates->len; i++)
            d += sova_cluster_vm_demand(sova_cluster_vm(P->c, g_array_index(mates, guint, i)), r);
        if ((P->sum[b * CL_R + r] + d) / cap > limit)
            return FALSE;
    }
    return TRUE;
}

/* the caps leave room for one more migration between a and b (a unit counts as one) */
static gboolean caps_room(const ClPlanner *P, guint a, guint b)
{
    return P->ignore_caps || cl_caps_allow(P, a, b);
}

gboolean cl_rules_ok(const ClPlanner *P, guint v, guint b)
{
    if (cl_rules_block(P, v) || !cl_allowed(P, v, b))
        return FALSE;
    if (!sova_cluster_vm(P->c, v)->together)
        return TRUE;
    g_autoptr(GArray) mates = cl_mates(P, v);
    if (!mates->len)
        return TRUE;
    for (guint i = 0; i < mates->len; i++) {
        guint u = g_array_index(mates, guint, i);
        if (!cl_vm_movable(P, u) || !cl_allowed(P, u, b) || !cl_group_ok(P, u, b))
            return FALSE;
    }
    return unit_fits(P, v, mates, b) && caps_room(P, (guint)P->host_of[v], b);
}

void cl_commit_mates(ClPlanner *P, SovaPlan *plan, guint v, const GArray *mates, int a, guint b)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    for (guint i = 0; i < mates->len; i++) {
        guint u = g_array_index(mates, guint, i);
        const SovaClusterVm *mu = sova_cluster_vm(P->c, u);
        cl_apply(P, u, b, FALSE);
        sova_plan_add_migrate(plan, mu->uuid, mu->name, a,
                              a >= 0 ? sova_cluster_host(P->c, a)->name : "?", (int)b,
                              sova_cluster_host(P->c, b)->name, 0, cl_cost(P, u).total_s,
                              "keeps together with %s (together='%s')", vm->name,
                              vm->together);
    }
}

/* ---- the last filter: no unit half-moved, no move against a rule ---- */

/* the index of the action's VM, or -1 */
static int action_vm(const SovaCluster *c, const SovaAction *a)
{
    return sova_cluster_find_vm(c, a->uuid);
}

gboolean cl_rides_with(const SovaCluster *c, const SovaPlan *plan, guint i)
{
    const SovaAction *a = sova_plan_action(plan, i);
    int v = a->kind == SOVA_ACTION_MIGRATE ? action_vm(c, a) : -1;
    const char *name = v >= 0 ? sova_cluster_vm(c, v)->together : NULL;
    for (guint j = 0; name && j < i; j++) {
        const SovaAction *e = sova_plan_action(plan, j);
        int u = e->kind == SOVA_ACTION_MIGRATE ? action_vm(c, e) : -1;
        if (u >= 0 && e->from_host == a->from_host && e->to_host == a->to_host &&
            g_strcmp0(sova_cluster_vm(c, u)->together, name) == 0)
            return TRUE;
    }
    return FALSE;
}

/* the plan moves every VM of v's unit (its together group on its host) to the same host */
static gboolean unit_whole(const SovaCluster *c, const SovaPlan *plan, guint v, int to)
{
    const SovaClusterVm *vm = sova_cluster_vm(c, v);
    for (guint u = 0; u < c->vms->len; u++) {
        const SovaClusterVm *mu = sova_cluster_vm(c, u);
        if (u == v || mu->host != vm->host || g_strcmp0(mu->together, vm->together) != 0)
            continue;
        gboolean moved = FALSE;
        for (guint i = 0; i < sova_plan_len(plan) && !moved; i++) {
            const SovaAction *a = sova_plan_action(plan, i);
            moved = a->kind == SOVA_ACTION_MIGRATE && a->to_host == to &&
                    strcmp(a->uuid, mu->uuid) == 0;
        }
        if (!moved)
            return FALSE;
    }
    return TRUE;
}

/* why the migration breaks a rule, or NULL */
static const char *breaks(const SovaCluster *c, const SovaPlan *plan, const SovaAction *a,
                          const GPtrArray *conflicts)
{
    int v = action_vm(c, a);
    if (v < 0 || a->to_host < 0 || (guint)a->to_host >= c->hosts->len)
        return NULL;   /* not ours to judge: the executor refuses it */
    if (sova_cluster_vm(c, v)->conflict || (conflicts && g_ptr_array_index(conflicts, v)))
        return "contradictory rules";
    if (!sova_cluster_vm_allowed(c, (guint)v, (guint)a->to_host))
        return "hosts=";
    if (sova_cluster_vm(c, v)->together && !unit_whole(c, plan, (guint)v, a->to_host))
        return "together=";
    return NULL;
}

gboolean cl_plan_has_rules(const SovaCluster *c, const SovaPlan *plan)
{
    g_autoptr(GHashTable) ruled = NULL;   /* UUIDs of the VMs with such a rule */
    const SovaClusterVm *vms = (const SovaClusterVm *)(gpointer)c->vms->data;
    for (guint v = 0; v < c->vms->len; v++) {
        if (!vms[v].together && !vms[v].hosts && !vms[v].conflict)
            continue;
        if (!ruled)
            ruled = g_hash_table_new(g_str_hash, g_str_equal);
        g_hash_table_add(ruled, (gpointer)vms[v].uuid);
    }
    for (guint i = 0; ruled && i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        if (a->kind == SOVA_ACTION_MIGRATE && g_hash_table_contains(ruled, a->uuid))
            return TRUE;
    }
    return FALSE;
}

guint cl_whole_units(const SovaCluster *c, SovaPlan *plan)
{
    if (!cl_plan_has_rules(c, plan))
        return 0;   /* the common case: no VM moved has such a rule */
    g_autoptr(GPtrArray) conflicts = sova_cluster_rule_conflicts(c);
    guint dropped = 0;
    for (gboolean again = TRUE; again;) {
        again = FALSE;
        for (guint i = 0; i < sova_plan_len(plan);) {
            const SovaAction *a = sova_plan_action(plan, i);
            if (a->kind != SOVA_ACTION_MIGRATE || !breaks(c, plan, a, conflicts)) {
                i++;
                continue;
            }
            g_ptr_array_remove_index(plan->actions, i);
            dropped++;
            again = TRUE;   /* a unit member dropped: its mates' moves are partial now */
        }
    }
    if (dropped) {
        g_autofree char *why = g_strdup(plan->reason ? plan->reason : "");
        sova_plan_set_reason(plan, "%s; %u migration(s) dropped by per-VM rules (a "
                             "keep-together group moves whole or not at all)", why, dropped);
    }
    return dropped;
}

/* ---- automation levels ---- */

/* the plan moves a VM of keep-together group `name` that is only recommended (from any
 * host: a gathering's parts go together or not at all) */
static gboolean unit_recommended(const SovaCluster *c, const SovaPlan *plan, const char *name)
{
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        int v = a->kind == SOVA_ACTION_MIGRATE ? action_vm(c, a) : -1;
        if (v >= 0 && a->recommend &&
            g_strcmp0(sova_cluster_vm(c, v)->together, name) == 0)
            return TRUE;
    }
    return FALSE;
}

guint sova_cluster_plan_levels(const SovaCluster *c, SovaPlan *plan, SovaMode mode)
{
    sova_plan_apply_mode(plan, mode);
    guint n = 0;
    for (int pass = 0; pass < 2; pass++)   /* VMs' own level, then their units */
        for (guint i = 0; i < sova_plan_len(plan); i++) {
            SovaAction *a = sova_plan_action(plan, i);
            int v = a->kind == SOVA_ACTION_MIGRATE ? action_vm(c, a) : -1;
            if (v < 0)
                continue;
            const SovaClusterVm *vm = sova_cluster_vm(c, v);
            if (pass == 0 && vm->migrate_manual)
                a->recommend = TRUE;
            else if (pass == 1 && vm->together &&
                     unit_recommended(c, plan, vm->together))
                a->recommend = TRUE;
        }
    for (guint i = 0; i < sova_plan_len(plan); i++)
        n += sova_plan_recommends(plan, sova_plan_action(plan, i));
    return n;
}
