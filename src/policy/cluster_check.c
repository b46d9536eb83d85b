/* cluster_check.c — an operator's migrations checked against the cluster as it is now
 * (`sova apply`): the same hard rules every cluster policy plans within (cluster_private.h),
 * one migration after the other with those accepted so far applied, each refusal saying
 * why in the operator's terms (the VM moved since, the destination is full, a rule).
 * The concurrency caps are not a reason to refuse: the caller holds the accepted plan to
 * them (sova_cluster_hold_to_caps) and starts the rest later. */
#include "policy/cluster_private.h"
#include <string.h>

struct SovaClusterChecker {
    ClPlanner P;
};

SovaClusterChecker *sova_cluster_checker_new(const SovaCluster *c, const SovaClusterParams *p)
{
    SovaClusterChecker *k = g_new0(SovaClusterChecker, 1);
    cl_planner_init(&k->P, c, p);
    k->P.ignore_caps = TRUE;
    return k;
}

void sova_cluster_checker_free(SovaClusterChecker *k)
{
    if (!k)
        return;
    cl_planner_clear(&k->P);
    g_free(k);
}

/* why the destination is full: its loads once the VM is there, against the limit */
static char *no_room(const ClPlanner *P, guint v, guint b)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    GString *s = g_string_new(NULL);
    for (int r = 0; r < CL_R; r++) {
        double cap = P->cap[b * CL_R + r];
        if (cap > 0)
            g_string_append_printf(s, "%s%s %.2f", s->len ? ", " : "", cl_resource_name(r),
                                   (P->sum[b * CL_R + r] + sova_cluster_vm_demand(vm, r)) / cap);
    }
    char *why = g_strdup_printf("%s has no room for it (%s with it, limit %.2f)",
                                sova_cluster_host(P->c, b)->name, s->str, 1.0 - P->p->headroom);
    g_string_free(s, TRUE);
    return why;
}

static char *host_refuses(const ClPlanner *P, guint b)
{
    const SovaClusterHost *h = sova_cluster_host(P->c, b);
    return g_strdup_printf("%s %s", h->name, !h->up ? "cannot be read (down)"
                                             : h->excluded ? "is excluded"
                                                           : "is in maintenance");
}

/* the VM's own state: it exists, runs where the plan says, may move */
static char *vm_refuses(const ClPlanner *P, int v, int a, const char *name, const char *from)
{
    if (v < 0)
        return g_strdup_printf("%s runs on no host the controller can read", name);
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    if (vm->migrating)
        return g_strdup_printf("%s is migrating already", name);
    if (P->planned[v])
        return g_strdup_printf("%s is moved by an earlier action of the plan", name);
    if (a < 0)
        return g_strdup_printf("no host %s in the cluster", from);
    if (P->host_of[v] != a)
        return g_strdup_printf("%s runs on %s now, not on %s: the plan is stale for it", name,
                               P->host_of[v] >= 0 ? sova_cluster_host(P->c, P->host_of[v])->name
                                                  : "?", from);
    if (vm->vf_detaching)
        return g_strdup_printf("%s is giving its VF back (the guest has not released it yet)",
                               name);
    if (vm->pinned)
        return g_strdup_printf("%s may not be migrated (migrate='no', [controller] exclude or "
                               "another manager's VM)", name);
    if (cl_rules_block(P, v))
        return g_strdup_printf("%s has contradictory rules%s%s", name, vm->conflict ? ": " : "",
                               vm->conflict ? vm->conflict : "");
    return NULL;
}

/* the destination's and the rules' word on v -> b */
static char *move_refuses(const ClPlanner *P, guint v, guint b)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    const char *to = sova_cluster_host(P->c, b)->name;
    if (!cl_host_accepts(P, b))
        return host_refuses(P, b);
    if (!cl_allowed(P, v, b)) {
        g_autofree char *list = g_strjoinv(",", vm->hosts);
        return g_strdup_printf("its rule hosts='%s' does not allow %s", list, to);
    }
    if (!cl_group_ok(P, v, b))
        return g_strdup_printf("a VM of its anti-affinity group '%s' is on %s", vm->group, to);
    if (!cl_fits(P, v, b))
        return no_room(P, v, b);
    if (!cl_rules_ok(P, v, b))
        return g_strdup_printf("its keep-together group '%s' cannot move whole to %s",
                               vm->together, to);
    return NULL;
}

char *sova_cluster_checker_try(SovaClusterChecker *k, SovaPlan *plan, const char *uuid,
                               const char *vm_name, const char *from, const char *to,
                               const char *reason, double gain, double cost_s)
{
    ClPlanner *P = &k->P;
    int v = sova_cluster_find_vm(P->c, uuid);
    int a = sova_cluster_find_host(P->c, from), b = sova_cluster_find_host(P->c, to);
    char *why = vm_refuses(P, v, a, vm_name, from);
    if (!why && b < 0)
        why = g_strdup_printf("no host %s in the cluster", to);
    if (!why)
        why = move_refuses(P, (guint)v, (guint)b);
    if (why)
        return why;
    cl_apply(P, (guint)v, (guint)b, FALSE);
    sova_plan_add_migrate(plan, uuid, sova_cluster_vm(P->c, v)->name, a, from, b, to, gain,
                          cost_s, "%s", reason && *reason ? reason : "the operator's plan");
    return NULL;
}

guint sova_cluster_hold_to_caps(const SovaCluster *c, const SovaClusterParams *p,
                                SovaPlan *plan)
{
    guint dropped = cl_hold_to_caps(c, p, plan);
    for (guint n; (n = cl_whole_units(c, plan)); dropped += n)
        dropped += cl_recheck(c, p, plan);
    return dropped;
}
