/* cluster_policy.c — the registry of cluster policies, and the planner they share
 * (cluster_private.h): per-host sums that make a what-if move cost O(resources), so the
 * sova policy can try thousands of moves on a 1,000-host cluster within its budget.
 *
 * Sums are updated incrementally on commit; s1/s2 (the imbalance's moments) too, with the
 * exact old and new loads of the two hosts, so no drift builds up beyond rounding. */
#include "policy/cluster_private.h"
#include <math.h>
#include <string.h>

static const SovaPolicy *const policies[] = {
    &sova_cluster_policy_sova.head,
    &sova_cluster_policy_prototype.head,
    &sova_cluster_policy_watcher.head,
    &sova_cluster_policy_proxlb.head,
    &sova_cluster_policy_drs.head,
};

static SovaRegistry registry = { "cluster", policies, G_N_ELEMENTS(policies), NULL };

const SovaClusterPolicy *sova_cluster_policy_find(const char *name)
{
    return (const SovaClusterPolicy *)sova_registry_find(&registry, name);
}

const char *sova_cluster_policy_list(void)
{
    return sova_registry_list(&registry);
}

/* ---------- planner: set-up ---------- */

static gboolean valid_host(const ClPlanner *P, int h)
{
    return h >= 0 && (guint)h < P->n_hosts;
}

static void init_hosts(ClPlanner *P)
{
    for (guint h = 0; h < P->n_hosts; h++) {
        const SovaClusterHost *host = sova_cluster_host(P->c, h);
        P->counted[h] = sova_cluster_host_counted(host);
        for (int r = 0; r < CL_R; r++) {
            P->cap[h * CL_R + r] = sova_cluster_host_capacity(host, r);
            P->sum[h * CL_R + r] = sova_cluster_host_base(host, r);
        }
        P->n_counted += P->counted[h];
    }
}

/* sums, VMs by host (counting sort), in-flight migrations, group counts */
static void init_vms(ClPlanner *P)
{
    const SovaClusterVm *vms = (const SovaClusterVm *)(gpointer)P->c->vms->data;
    for (guint i = 0; i < P->n_vms; i++) {
        const SovaClusterVm *v = &vms[i];
        P->host_of[i] = valid_host(P, v->host) ? v->host : -1;
        if (P->host_of[i] < 0)
            continue;
        double *sum = &P->sum[v->host * CL_R];   /* sova_cluster_vm_demand(), unrolled */
        sum[SOVA_RES_CPU] += v->cpu;
        sum[SOVA_RES_MEM] += (double)v->memory_kib;
        sum[SOVA_RES_NET] += v->net_Bps;
        P->first[v->host + 1]++;
        if (!v->migrating && v->cpu_unmet > 0)
            P->cpu_unmet[v->host] += v->cpu_unmet;
        if (v->migrating) {
            P->inflight[v->host]++;
            if (valid_host(P, v->from_host))
                P->inflight[v->from_host]++;
            P->total_inflight++;
        }
        if (v->wants_vf || v->unmet_vf)
            g_array_append_val(P->vf_vms, i);
        if (v->group) {
            guint *gc = g_hash_table_lookup(P->groups, v->group);
            if (!gc) {
                gc = g_new0(guint, P->n_hosts);
                g_hash_table_insert(P->groups, v->group, gc);
            }
            gc[v->host]++;
        }
    }
    for (guint h = 0; h < P->n_hosts; h++)
        P->first[h + 1] += P->first[h];
    g_autofree guint *fill = g_memdup2(P->first, sizeof(guint) * (P->n_hosts + 1));
    for (guint i = 0; i < P->n_vms; i++)
        if (P->host_of[i] >= 0)
            P->list[fill[P->host_of[i]]++] = i;
}

static void init_moments(ClPlanner *P)
{
    P->wsum = 0;
    for (int r = 0; r < CL_R; r++) {
        P->w[r] = sova_cluster_weight(P->c, r);
        P->wsum += P->w[r];
        P->s1[r] = P->s2[r] = 0;
        for (guint h = 0; h < P->n_hosts; h++) {
            if (!P->counted[h])
                continue;
            double l = cl_load(P, h, r);
            P->s1[r] += l;
            P->s2[r] += l * l;
        }
    }
}

void cl_planner_init(ClPlanner *P, const SovaCluster *c, const SovaClusterParams *p)
{
    memset(P, 0, sizeof *P);
    P->c = c;
    P->p = p;
    P->n_hosts = c->hosts->len;
    P->n_vms = c->vms->len;
    P->sum = g_new0(double, (gsize)P->n_hosts * CL_R);
    P->cap = g_new0(double, (gsize)P->n_hosts * CL_R);
    P->counted = g_new0(gboolean, P->n_hosts);
    P->host_of = g_new(int, P->n_vms);
    P->planned = g_new0(guint8, P->n_vms);
    P->first = g_new0(guint, P->n_hosts + 1);
    P->list = g_new0(guint, P->n_vms);
    P->inflight = g_new0(guint, P->n_hosts);
    P->cpu_unmet = g_new0(double, P->n_hosts);
    P->vf_delta = g_new0(int, P->n_hosts);
    P->groups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    P->vf_vms = g_array_new(FALSE, FALSE, sizeof(guint));
    init_hosts(P);
    init_vms(P);
    init_moments(P);
    cl_rules_init(P);
}

void cl_planner_clear(ClPlanner *P)
{
    g_free(P->sum);
    g_free(P->cap);
    g_free(P->counted);
    g_free(P->host_of);
    g_free(P->planned);
    g_free(P->first);
    g_free(P->list);
    g_free(P->inflight);
    g_free(P->cpu_unmet);
    g_free(P->vf_delta);
    g_hash_table_unref(P->groups);
    g_array_unref(P->vf_vms);
    cl_rules_clear(P);
    memset(P, 0, sizeof *P);
}

/* ---------- planner: hard constraints ---------- */

gboolean cl_vm_movable(const ClPlanner *P, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    int h = P->host_of[v];
    if (h < 0 || vm->pinned || vm->migrating || vm->vf_detaching || P->planned[v] ||
        cl_rules_block(P, v))
        return FALSE;
    const SovaClusterHost *host = sova_cluster_host(P->c, h);
    return host->up && !host->excluded;
}

gboolean cl_backing_off(const ClPlanner *P, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    if (!vm->failures || vm->failed_at < 0)
        return FALSE;
    double wait = P->p->backoff_s * ldexp(1.0,
                                          (int)MIN(vm->failures - 1, CL_MAX_BACKOFF_DOUBLINGS));
    return P->c->now - vm->failed_at < wait;
}

gboolean cl_host_accepts(const ClPlanner *P, guint b)
{
    const SovaClusterHost *host = sova_cluster_host(P->c, b);
    return host->up && !host->excluded && !host->maintenance;
}

gboolean cl_fits(const ClPlanner *P, guint v, guint b)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    double limit = 1.0 - P->p->headroom;
    for (int r = 0; r < CL_R; r++) {
        double cap = P->cap[b * CL_R + r];
        if (cap > 0 && (P->sum[b * CL_R + r] + sova_cluster_vm_demand(vm, r)) / cap > limit)
            return FALSE;
    }
    return TRUE;
}

/* v's anti-affinity group's per-host counts, or NULL */
static guint *group_counts(const ClPlanner *P, guint v)
{
    const char *group = sova_cluster_vm(P->c, v)->group;
    return group ? g_hash_table_lookup(P->groups, group) : NULL;
}

gboolean cl_group_ok(const ClPlanner *P, guint v, guint b)
{
    const guint *gc = group_counts(P, v);
    return !gc || gc[b] == 0;
}

gboolean cl_can_move(const ClPlanner *P, guint v, guint b)
{
    return !P->planned[v] && P->host_of[v] != (int)b && cl_host_accepts(P, b) &&
           cl_group_ok(P, v, b) && cl_fits(P, v, b) && cl_rules_ok(P, v, b);
}

guint cl_vf_free(const ClPlanner *P, guint b)
{
    const SovaClusterHost *host = sova_cluster_host(P->c, b);
    gint64 free = (gint64)host->vf_pool - host->vf_in_use - P->vf_delta[b];
    return free > 0 ? (guint)free : 0;
}

gboolean cl_caps_full(const ClPlanner *P)
{
    return P->p->max_total && P->total_inflight >= P->p->max_total;
}

gboolean cl_caps_allow(const ClPlanner *P, guint a, guint b)
{
    guint per = P->p->max_per_host;
    return !cl_caps_full(P) && (!per || (P->inflight[a] < per && P->inflight[b] < per));
}

SovaMigrationCost cl_cost(const ClPlanner *P, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    double bw = P->p->bandwidth_Bps > 0 ? P->p->bandwidth_Bps : 125e6;
    double dt = P->p->max_downtime_s > 0 ? P->p->max_downtime_s : 1.0;
    return sova_migration_cost((double)vm->memory_kib * 1024.0, vm->dirty_Bps, bw, dt);
}

/* ---------- planner: committing a move ---------- */

/* moves v's demand from a to b, keeping s1/s2 exact for the two hosts */
static void move_sums(ClPlanner *P, guint v, int a, guint b)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    for (int r = 0; r < CL_R; r++) {
        double d = sova_cluster_vm_demand(vm, r);
        int hosts[2] = {a, (int)b};
        double sign[2] = {-1, 1};
        for (int k = 0; k < 2; k++) {
            int h = hosts[k];
            if (h < 0)
                continue;
            double before = cl_load(P, h, r);
            P->sum[h * CL_R + r] += sign[k] * d;
            if (!P->counted[h])
                continue;
            double after = cl_load(P, h, r);
            P->s1[r] += after - before;
            P->s2[r] += after * after - before * before;
        }
    }
}

void cl_apply(ClPlanner *P, guint v, guint b, gboolean takes_vf)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    int a = P->host_of[v];
    move_sums(P, v, a, b);
    guint *gc = group_counts(P, v);
    if (gc) {
        if (a >= 0)
            gc[a]--;
        gc[b]++;
    }
    if (vm->holds_vf && a >= 0)
        P->vf_delta[a]--;
    if (takes_vf)
        P->vf_delta[b]++;
    if (a >= 0)
        P->inflight[a]++;
    P->inflight[b]++;
    P->total_inflight++;
    P->host_of[v] = (int)b;
    P->planned[v] = TRUE;
}

void cl_commit(ClPlanner *P, SovaPlan *plan, guint v, guint b, double gain, double cost_s,
               gboolean takes_vf, const char *reason)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    int a = P->host_of[v];
    g_autoptr(GArray) mates = cl_mates(P, v);   /* before v leaves its host */
    cl_apply(P, v, b, takes_vf);
    sova_plan_add_migrate(plan, vm->uuid, vm->name, a,
                          a >= 0 ? sova_cluster_host(P->c, a)->name : "?", (int)b,
                          sova_cluster_host(P->c, b)->name, gain, cost_s, "%s", reason);
    cl_commit_mates(P, plan, v, mates, a, b);
}

/* ---------- helpers for reasons and baselines ---------- */

const char *cl_resource_name(SovaResource r)
{
    static const char *const names[CL_R] = {"cpu", "mem", "net"};
    return r < CL_R ? names[r] : "?";
}

SovaResource cl_hottest_resource(const ClPlanner *P, guint h)
{
    SovaResource best = SOVA_RES_CPU;
    double best_d = -G_MAXDOUBLE;
    for (int r = 0; r < CL_R; r++) {
        if (P->w[r] <= 0)
            continue;
        double d = P->w[r] * (cl_load(P, h, r) - cl_mean(P, r));
        if (d > best_d) {
            best_d = d;
            best = r;
        }
    }
    return best;
}

static gint by_size_desc(gconstpointer x, gconstpointer y)
{
    const Sized *a = x, *b = y;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return a->v < b->v ? -1 : a->v > b->v;
}

GArray *cl_evacuees(const ClPlanner *P, gboolean (*also)(gconstpointer data, guint v),
                    gconstpointer data)
{
    GArray *todo = g_array_new(FALSE, FALSE, sizeof(Sized));
    for (guint h = 0; h < P->n_hosts; h++) {
        gboolean maintenance = sova_cluster_host(P->c, h)->maintenance;
        if (!maintenance && !P->blocked)
            continue;   /* no VM has a hosts= rule: only maintenance hosts have evacuees */
        for (guint k = P->first[h]; k < P->first[h + 1]; k++) {
            Sized s = {P->list[k], cl_vm_size(P, P->list[k], h)};
            if (!maintenance && !cl_must_leave(P, s.v))
                continue;
            if (cl_vm_movable(P, s.v) && (!also || also(data, s.v)))
                g_array_append_val(todo, s);
        }
    }
    g_array_sort(todo, by_size_desc);
    return todo;
}

/* the least loaded host (score) that takes v, or -1 */
static int least_loaded_for(const ClPlanner *P, guint v)
{
    int best = -1;
    double best_s = G_MAXDOUBLE;
    for (guint b = 0; b < P->n_hosts; b++) {
        if (!cl_can_move(P, v, b))
            continue;
        double s = cl_score(P, b);
        if (s < best_s) {
            best_s = s;
            best = (int)b;
        }
    }
    return best;
}

guint cl_evacuate_simple(ClPlanner *P, SovaPlan *plan, guint limit, guint *stuck)
{
    g_autoptr(GArray) todo = cl_evacuees(P, NULL, NULL);
    guint n = 0;
    for (guint i = 0; i < todo->len && (!limit || n < limit); i++) {
        guint v = g_array_index(todo, Sized, i).v;
        int b = least_loaded_for(P, v);
        if (b < 0) {
            if (stuck)
                (*stuck)++;
            continue;
        }
        double before = cl_imbalance(P), after = cl_imbalance_after(P, v, b);
        SovaMigrationCost cost = cl_cost(P, v);
        g_autofree char *why = g_strdup_printf(
            "evacuating %s (%s) to the least loaded host; imbalance %.3f -> %.3f",
            sova_cluster_host(P->c, P->host_of[v])->name, cl_leave_cause(P, v), before, after);
        cl_commit(P, plan, v, b, before - after, cost.total_s, FALSE, why);
        n++;
    }
    return n;
}
