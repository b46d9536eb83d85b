/* cluster_gather.c — keep-together groups found split across hosts, gathered on one.
 *
 * A keep-together group (together='NAME') whose VMs run on more than one host (placed so
 * by hand, or before the rule was written) is gathered before any policy plans
 * (sova_cluster_plan): of the hosts its VMs are on, the one that needs the fewest of them
 * moved (then the least migration cost, then the lower index) and that takes them all —
 * up, not excluded nor in maintenance, each of them allowed there by its hosts=, each
 * mover free to migrate (not migrate='no', not excluded), no VM of a mover's
 * anti-affinity group there, room within the headroom for all the movers together —
 * receives the others. Each
 * host's part moves as a unit (one migration against the caps) as far as the caps allow
 * now, the other parts at later intervals, to the same host. A group is left alone
 * (quietly: it may be gathered later) while a member is migrating, has a VF detach
 * pending, backs off after a failed migration, or runs on a host that is down; a group
 * whose rules contradict each other is reported as such (cluster_rules.c). A group that
 * no host of its own can gather is not touched at all, never half-moved, and
 * sova_cluster_ungathered() says why, naming the group, its VMs and each host's refusal.
 * migrate='manual' and the automation level apply afterwards (sova_cluster_plan_levels):
 * a gathering one of whose migrations is only recommended is recommended whole. */
#include "policy/cluster_private.h"
#include <string.h>

typedef struct {
    const char *name;
    GArray *members;          /* guint VM indexes, cluster order */
} Group;

static void group_free(gpointer p)
{
    Group *g = p;
    if (!g)
        return;
    g_array_unref(g->members);
    g_free(g);
}

static gboolean on_known_host(const SovaCluster *c, const SovaClusterVm *vm)
{
    return vm->host >= 0 && (guint)vm->host < c->hosts->len;
}

/* the keep-together groups whose VMs are on more than one host, in cluster order; NULL
 * when none */
static GPtrArray *split_groups(const SovaCluster *c)
{
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GHashTable) by_name = NULL;
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *vm = sova_cluster_vm(c, v);
        if (!vm->together || !on_known_host(c, vm))
            continue;
        if (!all) {
            all = g_ptr_array_new_with_free_func(group_free);
            by_name = g_hash_table_new(g_str_hash, g_str_equal);
        }
        Group *g = g_hash_table_lookup(by_name, vm->together);
        if (!g) {
            g = g_new0(Group, 1);
            g->name = vm->together;
            g->members = g_array_new(FALSE, FALSE, sizeof(guint));
            g_ptr_array_add(all, g);
            g_hash_table_insert(by_name, (gpointer)g->name, g);
        }
        g_array_append_val(g->members, v);
    }
    GPtrArray *out = NULL;
    for (guint i = 0; all && i < all->len; i++) {
        Group *g = g_ptr_array_index(all, i);
        int h0 = sova_cluster_vm(c, g_array_index(g->members, guint, 0))->host;
        gboolean split = FALSE;
        for (guint k = 1; k < g->members->len && !split; k++)
            split = sova_cluster_vm(c, g_array_index(g->members, guint, k))->host != h0;
        if (!split)
            continue;
        if (!out)
            out = g_ptr_array_new_with_free_func(group_free);
        g_ptr_array_add(out, g);
        g_ptr_array_index(all, i) = NULL;   /* out owns it now */
    }
    return out;
}

/* the group is left alone for now: a member in transit, backing off, on a down host, or
 * with contradictory rules */
static gboolean waits(const ClPlanner *P, const Group *g)
{
    for (guint k = 0; k < g->members->len; k++) {
        guint v = g_array_index(g->members, guint, k);
        const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
        if (vm->migrating || vm->vf_detaching || P->planned[v] || cl_rules_block(P, v) ||
            cl_backing_off(P, v) || !sova_cluster_host(P->c, P->host_of[v])->up)
            return TRUE;
    }
    return FALSE;
}

/* why host t cannot take the group's VMs that are elsewhere, or NULL when it can */
static char *refusal(const ClPlanner *P, const Group *g, guint t)
{
    const SovaClusterHost *host = sova_cluster_host(P->c, t);
    if (!cl_host_accepts(P, t))
        return g_strdup_printf("%s takes no VM (%s)", host->name,
                               host->maintenance ? "maintenance" : "excluded");
    double need[CL_R] = {0};
    for (guint k = 0; k < g->members->len; k++) {
        guint v = g_array_index(g->members, guint, k);
        const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
        if (!cl_allowed(P, v, t))   /* one already there too: it would have to leave again */
            return g_strdup_printf("%s: its hosts= excludes %s", vm->name, host->name);
        if (P->host_of[v] == (int)t)
            continue;
        if (vm->pinned)
            return g_strdup_printf("%s may not migrate (migrate='no' or excluded)", vm->name);
        if (sova_cluster_host(P->c, P->host_of[v])->excluded)
            return g_strdup_printf("%s runs on %s, which is excluded", vm->name,
                                   sova_cluster_host(P->c, P->host_of[v])->name);
        if (!cl_group_ok(P, v, t))
            return g_strdup_printf("%s: a VM of its anti-affinity group='%s' runs on %s",
                                   vm->name, vm->group, host->name);
        for (int r = 0; r < CL_R; r++)
            need[r] += sova_cluster_vm_demand(vm, r);
    }
    for (int r = 0; r < CL_R; r++) {
        double cap = P->cap[t * CL_R + r];
        if (cap > 0 && (P->sum[t * CL_R + r] + need[r]) / cap > 1.0 - P->p->headroom)
            return g_strdup_printf("%s has no room for them (%s, headroom %.0f %%)", host->name,
                                   cl_resource_name(r), P->p->headroom * 100);
    }
    return NULL;
}

typedef struct {
    guint host, moves;
    double cost_s;
} Candidate;

static gint by_moves_then_cost(gconstpointer x, gconstpointer y)
{
    const Candidate *a = x, *b = y;
    if (a->moves != b->moves)
        return a->moves < b->moves ? -1 : 1;
    if (a->cost_s != b->cost_s)
        return a->cost_s < b->cost_s ? -1 : 1;
    return a->host < b->host ? -1 : a->host > b->host;
}

/* the hosts the group's VMs are on, the cheapest to gather on first */
static GArray *candidates(const ClPlanner *P, const Group *g)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Candidate));
    for (guint k = 0; k < g->members->len; k++) {
        guint t = (guint)P->host_of[g_array_index(g->members, guint, k)];
        gboolean seen = FALSE;
        for (guint i = 0; i < out->len && !seen; i++)
            seen = g_array_index(out, Candidate, i).host == t;
        if (seen)
            continue;
        Candidate cd = {.host = t};
        for (guint j = 0; j < g->members->len; j++) {
            guint v = g_array_index(g->members, guint, j);
            if (P->host_of[v] != (int)t) {
                cd.moves++;
                cd.cost_s += cl_cost(P, v).total_s;
            }
        }
        g_array_append_val(out, cd);
    }
    g_array_sort(out, by_moves_then_cost);
    return out;
}

/* "a on h0; b, c on h1": where the group's VMs are */
static char *layout(const ClPlanner *P, const Group *g)
{
    GString *s = g_string_new(NULL);
    for (guint h = 0; h < P->n_hosts; h++) {
        gboolean first = TRUE;
        for (guint k = 0; k < g->members->len; k++) {
            guint v = g_array_index(g->members, guint, k);
            if (P->host_of[v] != (int)h)
                continue;
            g_string_append_printf(s, "%s%s", first ? (s->len ? "; " : "") : ", ",
                                   sova_cluster_vm(P->c, v)->name);
            first = FALSE;
        }
        if (!first)
            g_string_append_printf(s, " on %s", sova_cluster_host(P->c, h)->name);
    }
    return g_string_free(s, FALSE);
}

/* moves the group's part on host a to t, one migration against the caps */
static void move_part(ClPlanner *P, SovaPlan *plan, const Group *g, guint a, guint t,
                      guint there)
{
    const char *lead = NULL;
    for (guint k = 0; k < g->members->len; k++) {
        guint v = g_array_index(g->members, guint, k);
        const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
        if (P->host_of[v] != (int)a || P->planned[v])
            continue;
        double cost_s = cl_cost(P, v).total_s;
        cl_apply(P, v, t, FALSE);
        const char *to = sova_cluster_host(P->c, t)->name;
        if (!lead)
            sova_plan_add_migrate(plan, vm->uuid, vm->name, (int)a,
                                  sova_cluster_host(P->c, a)->name, (int)t, to, 0, cost_s,
                                  "gathers keep-together group together='%s' on %s (%u of "
                                  "its %u VMs there)", g->name, to, there, g->members->len);
        else
            sova_plan_add_migrate(plan, vm->uuid, vm->name, (int)a,
                                  sova_cluster_host(P->c, a)->name, (int)t, to, 0, cost_s,
                                  "keeps together with %s (together='%s')", lead, g->name);
        lead = lead ? lead : vm->name;
    }
}

/* one group: its migrations into plan, or why no host of its own can gather it (NULL: it
 * is gathered, or waits) */
static char *gather_group(ClPlanner *P, SovaPlan *plan, const Group *g)
{
    if (waits(P, g))
        return NULL;
    g_autoptr(GArray) cands = candidates(P, g);
    g_autoptr(GString) why = g_string_new(NULL);
    for (guint i = 0; i < cands->len; i++) {
        const Candidate *cd = &g_array_index(cands, Candidate, i);
        g_autofree char *no = refusal(P, g, cd->host);
        if (no) {
            g_string_append_printf(why, "%sonto %s: %s", why->len ? "; " : "",
                                   sova_cluster_host(P->c, cd->host)->name, no);
            continue;
        }
        guint there = g->members->len - cd->moves;
        for (guint k = 0; k < g->members->len; k++) {
            guint v = g_array_index(g->members, guint, k);
            int a = P->host_of[v];
            if (a != (int)cd->host && !P->planned[v] && cl_caps_allow(P, (guint)a, cd->host))
                move_part(P, plan, g, (guint)a, cd->host, there);
        }
        return NULL;
    }
    g_autofree char *where = layout(P, g);
    return g_strdup_printf("keep-together group together='%s' is split (%s) and cannot be "
                           "gathered, left as it is: %s", g->name, where, why->str);
}

/* every split group through gather_group; the refusals in *why (may be NULL) */
static void gather_all(ClPlanner *P, SovaPlan *plan, GPtrArray **why)
{
    g_autoptr(GPtrArray) groups = split_groups(P->c);
    for (guint i = 0; groups && i < groups->len; i++) {
        char *no = gather_group(P, plan, g_ptr_array_index(groups, i));
        if (no && why) {
            if (!*why)
                *why = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(*why, no);
        } else {
            g_free(no);
        }
    }
}

/* quick test before any planner: some VM has a keep-together group */
static gboolean any_together(const SovaCluster *c)
{
    for (guint v = 0; v < c->vms->len; v++)
        if (sova_cluster_vm(c, v)->together)
            return TRUE;
    return FALSE;
}

SovaPlan *cl_gather(const SovaCluster *c, const SovaClusterParams *p, SovaCluster **view)
{
    *view = NULL;
    if (!any_together(c))
        return NULL;
    ClPlanner P;
    cl_planner_init(&P, c, p);
    SovaPlan *plan = sova_plan_new();
    gather_all(&P, plan, NULL);
    cl_planner_clear(&P);
    if (!sova_plan_len(plan)) {
        sova_plan_free(plan);
        return NULL;
    }
    *view = sova_cluster_copy(c);
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        SovaClusterVm *vm = sova_cluster_vm(*view, (guint)sova_cluster_find_vm(c, a->uuid));
        vm->migrating = TRUE;   /* the policy sees the gathering in flight */
        vm->from_host = a->from_host;
        vm->host = a->to_host;
    }
    return plan;
}

GPtrArray *sova_cluster_ungathered(const SovaCluster *c, const SovaClusterParams *p)
{
    if (!any_together(c))
        return NULL;
    ClPlanner P;
    GPtrArray *why = NULL;
    g_autoptr(SovaPlan) scratch = sova_plan_new();   /* as cl_gather: each group's room */
    cl_planner_init(&P, c, p);
    gather_all(&P, scratch, &why);
    cl_planner_clear(&P);
    return why;
}
