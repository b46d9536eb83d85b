/* cluster_rules.c — the operator's per-VM rules as the cluster sees them, and the ones
 * that contradict each other.
 *
 * Rules come from the domain metadata (docs/sova.conf.5.md, "Domain metadata"): migrate='no'
 * (or a config exclusion: `pinned`), anti-affinity group=, keep-together together=, allowed
 * hosts hosts=. The planner (policy/cluster_policy.c) holds every move to them. Rules that
 * cannot all hold are never half-applied: the VMs concerned are not moved at all, and the
 * message names the VM and the rule, for the controller's log and `sova status`. */
#include "model/cluster.h"
#include <string.h>

gboolean sova_cluster_vm_allowed(const SovaCluster *c, guint v, guint h)
{
    const SovaClusterVm *vm = sova_cluster_vm(c, v);
    if (!vm->hosts)
        return TRUE;
    return g_strv_contains((const char *const *)vm->hosts, sova_cluster_host(c, h)->name);
}

static gboolean any_host_allowed(const SovaCluster *c, guint v)
{
    for (guint h = 0; h < c->hosts->len; h++)
        if (sova_cluster_vm_allowed(c, v, h))
            return TRUE;
    return FALSE;
}

/* one VM's own rules: hosts= naming nothing known, or a VM that cannot leave a host it may
 * not be on */
static char *own_conflict(const SovaCluster *c, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(c, v);
    if (!vm->hosts)
        return NULL;
    g_autofree char *list = g_strjoinv(",", vm->hosts);
    if (!any_host_allowed(c, v))
        return g_strdup_printf("%s: hosts='%s' names no host of the cluster", vm->name, list);
    gboolean known = vm->host >= 0 && (guint)vm->host < c->hosts->len;
    if (vm->pinned && known && !sova_cluster_vm_allowed(c, v, (guint)vm->host))
        return g_strdup_printf("%s: hosts='%s' excludes %s, where it runs, but it may not be "
                               "migrated (migrate='no' or excluded)", vm->name, list,
                               sova_cluster_host(c, vm->host)->name);
    return NULL;
}

/* keep-together group name -> its members (GArray of guint, cluster order): one pass */
static GHashTable *groups_of(const SovaCluster *c)
{
    GHashTable *g = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)g_array_unref);
    for (guint i = 0; i < c->vms->len; i++) {
        const char *name = sova_cluster_vm(c, i)->together;
        if (!name)
            continue;
        GArray *m = g_hash_table_lookup(g, name);
        if (!m) {
            m = g_array_new(FALSE, FALSE, sizeof(guint));
            g_hash_table_insert(g, (gpointer)name, m);
        }
        g_array_append_val(m, i);
    }
    return g;
}

/* a contradiction inside keep-together group `name`, or NULL */
static char *group_conflict(const SovaCluster *c, const char *name, GArray *m)
{
    for (guint i = 0; i < m->len; i++)
        for (guint j = i + 1; j < m->len; j++) {
            const SovaClusterVm *a = sova_cluster_vm(c, g_array_index(m, guint, i));
            const SovaClusterVm *b = sova_cluster_vm(c, g_array_index(m, guint, j));
            if (a->group && g_strcmp0(a->group, b->group) == 0)
                return g_strdup_printf("%s, %s: together='%s' keeps them on one host but "
                                       "group='%s' keeps them apart", a->name, b->name, name,
                                       a->group);
        }
    for (guint h = 0; h < c->hosts->len; h++) {
        gboolean all = TRUE;
        for (guint i = 0; i < m->len && all; i++)
            all = sova_cluster_vm_allowed(c, g_array_index(m, guint, i), h);
        if (all)
            return NULL;
    }
    return g_strdup_printf("%s: together='%s' but their hosts= rules allow no host to all of "
                           "them", sova_cluster_vm(c, g_array_index(m, guint, 0))->name, name);
}

GPtrArray *sova_cluster_rule_conflicts(const SovaCluster *c)
{
    GPtrArray *out = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) groups = NULL;
    for (guint v = 0; v < c->vms->len; v++) {
        const SovaClusterVm *vm = sova_cluster_vm(c, v);
        if (!vm->hosts && !vm->together)
            continue;   /* no rule beyond migrate= and group=: nothing to contradict */
        char *why = own_conflict(c, v);
        if (!why && vm->together && g_hash_table_add(seen, vm->together)) {
            if (!groups)
                groups = groups_of(c);
            GArray *m = g_hash_table_lookup(groups, vm->together);
            g_autofree char *gwhy = group_conflict(c, vm->together, m);
            for (guint i = 0; gwhy && i < m->len; i++) {
                if (!out)
                    out = g_ptr_array_new_full(c->vms->len, g_free);
                g_ptr_array_set_size(out, c->vms->len);
                guint k = g_array_index(m, guint, i);
                if (!g_ptr_array_index(out, k))
                    g_ptr_array_index(out, k) = g_strdup(gwhy);
            }
        }
        if (!why)
            continue;
        if (!out)
            out = g_ptr_array_new_full(c->vms->len, g_free);
        g_ptr_array_set_size(out, c->vms->len);
        g_free(g_ptr_array_index(out, v));
        g_ptr_array_index(out, v) = why;
    }
    return out;
}

guint sova_cluster_check_rules(SovaCluster *c)
{
    g_autoptr(GPtrArray) why = sova_cluster_rule_conflicts(c);
    guint n = 0;
    for (guint v = 0; v < c->vms->len; v++) {
        SovaClusterVm *vm = sova_cluster_vm(c, v);
        g_clear_pointer(&vm->conflict, g_free);
        if (why && g_ptr_array_index(why, v)) {
            vm->conflict = g_strdup(g_ptr_array_index(why, v));
            n++;
        }
    }
    return n;
}
