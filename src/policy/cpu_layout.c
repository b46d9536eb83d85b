/* cpu_layout.c — the `balance` policy's working layout: vCPUs placed on pCPUs, predicted
 * loads kept in ordered trees and sorted arrays, and the layout it starts from; see
 * cpu_layout.h.
 *
 * Why ordered: the local search (cpu_search.c) asks, move after move, for the most and the
 * least loaded pCPU of each NUMA cell and for the vCPU on a pCPU whose demand is closest
 * to a value. Trees by (load, id) and arrays by (demand, index) answer in O(log n), so a
 * move costs O(cells * log) plus the array shift, and a 256-pCPU host plans in about a
 * millisecond. */
#include "policy/cpu_layout.h"
#include "policy/cpu_placement.h"
#include <math.h>

/* changes p's load, keeping the trees ordered and the sums current; p may give load again */
static void load_add(Balancer *b, guint p, double delta)
{
    GTree *cell = b->cells[b->pcell[p]];
    g_tree_remove(cell, KEY(p));
    b->stuck[p] = FALSE;
    b->sum += delta;
    b->sumsq += (b->load[p] + delta) * (b->load[p] + delta) - b->load[p] * b->load[p];
    b->load[p] += delta;
    g_tree_insert(cell, KEY(p), KEY(p));
}

static gint vcpu_cmp(gconstpointer a, gconstpointer c, gpointer data)
{
    const Balancer *b = data;
    guint x = *(const guint *)a, y = *(const guint *)c;
    double dx = dem(b, x), dy = dem(b, y);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* where v is, or would go, in p's sorted array */
static guint position(const Balancer *b, guint p, guint v)
{
    GArray *a = b->on[p];
    guint lo = 0, hi = a->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (vcpu_cmp(&g_array_index(a, guint, mid), &v, (gpointer)b) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void on_remove(Balancer *b, guint p, guint v)
{
    guint i = position(b, p, v);
    g_assert(i < b->on[p]->len && g_array_index(b->on[p], guint, i) == v);
    g_array_remove_index(b->on[p], i);
}

static void on_insert(Balancer *b, guint p, guint v)
{
    g_array_insert_val(b->on[p], position(b, p, v), v);
}

static void place(Balancer *b, guint v, guint p)
{
    b->to[v] = (int)p;
    on_insert(b, p, v);
    load_add(b, p, dem(b, v));
}

void cpu_layout_relocate(Balancer *b, guint v, guint q)
{
    guint p = (guint)b->to[v];
    on_remove(b, p, v);
    load_add(b, p, -dem(b, v));
    place(b, v, q);
}

/* stddev of the predicted loads, uncapped, recomputed exactly */
double cpu_layout_stddev(const Balancer *b)
{
    double sum = 0, sq = 0;
    for (guint k = 0; k < b->n_usable; k++) {
        double l = b->load[b->usable[k]];
        sum += l;
        sq += l * l;
    }
    double mean = b->n_usable ? sum / b->n_usable : 0;
    return b->n_usable ? sqrt(MAX(0.0, sq / b->n_usable - mean * mean)) : 0;
}

double cpu_layout_capped_stddev(const Balancer *b)
{
    return sova_cpu_capped_stddev(b->load, b->usable, b->n_usable);
}

/* the index of NUMA cell `cell` among the sorted distinct cells, or -1 */
static int cell_index(const GArray *ids, int cell)
{
    for (guint i = 0; i < ids->len; i++)
        if (g_array_index(ids, int, i) == cell)
            return (int)i;
    return -1;
}

/* cell indices: the distinct cells of the usable pCPUs, in ascending order; a VM
 * whose cell has no usable pCPU (or is unknown) may go anywhere */
static void cells_init(Balancer *b)
{
    const SovaModel *m = b->m;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int));
    for (guint k = 0; k < b->n_usable; k++) {
        int cell = sova_model_pcpu(m, b->usable[k])->cell;
        guint i = 0;
        while (i < ids->len && g_array_index(ids, int, i) < cell)
            i++;
        if (i == ids->len || g_array_index(ids, int, i) != cell)
            g_array_insert_val(ids, i, cell);
    }
    b->n_cells = ids->len;
    b->pcell = g_new(int, MAX(m->n_pcpus, 1));
    for (guint p = 0; p < m->n_pcpus; p++)
        b->pcell[p] = -1;
    for (guint k = 0; k < b->n_usable; k++)
        b->pcell[b->usable[k]] = cell_index(ids, sova_model_pcpu(m, b->usable[k])->cell);
    b->vcell = g_new(int, MAX(b->n_vcpus, 1));
    for (guint v = 0; v < b->n_vcpus; v++) {
        int cell = sova_model_vm(m, sova_model_vcpu(m, v)->vm)->cell;
        b->vcell[v] = cell >= 0 ? cell_index(ids, cell) : -1;
    }
    b->cells = g_new(GTree *, MAX(b->n_cells, 1));
    for (guint c = 0; c < b->n_cells; c++)
        b->cells[c] = g_tree_new_with_data(cpu_layout_pcpu_cmp, b);
}

Balancer *cpu_layout_new(const SovaModel *m, const SovaCpuPolicyParams *params)
{
    return cpu_layout_new_with(m, params, NULL, NULL);
}

Balancer *cpu_layout_new_with(const SovaModel *m, const SovaCpuPolicyParams *params,
                              const double *demand, const gboolean *young)
{
    return cpu_layout_new_frozen(m, params, demand, young, NULL);
}

Balancer *cpu_layout_new_frozen(const SovaModel *m, const SovaCpuPolicyParams *params,
                                const double *demand, const gboolean *young,
                                const SovaCpuSet *frozen)
{
    Balancer *b = g_new0(Balancer, 1);
    b->m = m;
    b->n_vcpus = m->vcpus->len;
    b->frozen = frozen;
    b->usable = sova_cpu_usable_ids(m, &b->n_usable);
    guint kept = 0;
    for (guint k = 0; k < b->n_usable; k++)
        if (!sova_cpuset_has(frozen, b->usable[k]))
            b->usable[kept++] = b->usable[k];
    b->n_usable = kept;
    b->tau = MAX(params->min_gain, 0.5);
    cells_init(b);
    b->load = g_new0(double, MAX(m->n_pcpus, 1));
    b->stuck = g_new0(gboolean, MAX(m->n_pcpus, 1));
    b->on = g_new0(GArray *, MAX(m->n_pcpus, 1));
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        b->load[p] = sova_model_pcpu(m, p)->other;
        b->on[p] = g_array_new(FALSE, FALSE, sizeof(guint));
    }
    b->demand = g_new(double, MAX(b->n_vcpus, 1));
    for (guint v = 0; v < b->n_vcpus; v++)
        b->demand[v] = demand ? demand[v] : sova_model_vcpu(m, v)->demand;
    b->to = g_new(int, MAX(b->n_vcpus, 1));
    b->loose = g_new0(gboolean, MAX(b->n_vcpus, 1));
    b->waits = g_new0(gboolean, MAX(b->n_vcpus, 1));
    b->young = young ? g_memdup2(young, sizeof(gboolean) * MAX(b->n_vcpus, 1))
                     : g_new0(gboolean, MAX(b->n_vcpus, 1));
    b->notes = g_new0(Note, MAX(b->n_vcpus, 1));
    return b;
}

void cpu_layout_free(Balancer *b)
{
    for (guint k = 0; k < b->n_usable; k++)
        g_array_unref(b->on[b->usable[k]]);
    for (guint c = 0; c < b->n_cells; c++)
        g_tree_unref(b->cells[c]);
    g_free(b->cells);
    g_free(b->on);
    g_free(b->stuck);
    g_free(b->load);
    g_free(b->to);
    g_free(b->demand);
    g_free(b->loose);
    g_free(b->waits);
    g_free(b->young);
    g_free(b->notes);
    g_free(b->pcell);
    g_free(b->vcell);
    g_free(b->usable);
    g_free(b);
}

/* descending demand; equal demands in model order */
static gint demand_desc(gconstpointer x, gconstpointer y, gpointer data)
{
    const Balancer *b = data;
    guint i = *(const guint *)x, j = *(const guint *)y;
    if (dem(b, i) != dem(b, j))
        return dem(b, i) > dem(b, j) ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* step 1 of cpu_balance.c: loose vCPUs, largest first, onto the least loaded pCPU of their cell, or
 * where they run when that is within tau of it */
static void place_loose(Balancer *b)
{
    g_autoptr(GArray) loose = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint v = 0; v < b->n_vcpus; v++)
        if (b->loose[v] && !b->waits[v])
            g_array_append_val(loose, v);
    g_array_sort_with_data(loose, demand_desc, b);
    for (guint k = 0; k < loose->len; k++) {
        guint v = g_array_index(loose, guint, k);
        int q = b->vcell[v] >= 0 ? cpu_layout_first_pcpu(b->cells[b->vcell[v]])
                                 : cpu_layout_global_min(b);
        int cur = sova_model_vcpu(b->m, v)->pcpu;
        if (cur >= 0 && (guint)cur < b->m->n_pcpus && b->pcell[cur] >= 0
            && (b->vcell[v] < 0 || b->vcell[v] == b->pcell[cur])
            && b->load[cur] - b->load[q] <= b->tau)
            q = cur;
        place(b, v, (guint)q);
    }
}

/* a vCPU of the frozen shared pin set, or pinned onto one of its pCPUs: left as it is */
static gboolean frozen_member(const Balancer *b, const SovaVcpuLoad *vc)
{
    if (!b->frozen)
        return FALSE;
    if (vc->set)
        return sova_cpuset_equal(vc->set, b->frozen);
    return vc->pinned >= 0 && sova_cpuset_has(b->frozen, (guint)vc->pinned);
}

/* the layout before any managed vCPU moves: managed where pinned (in bulk, before
 * the trees exist), then the loose ones placed one by one */
void cpu_layout_place_current(Balancer *b)
{
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(b->m, v);
        b->loose[v] = !sova_cpu_vcpu_managed(b->m, vc);
        b->waits[v] = b->loose[v] && (vc->fresh || (vc->shared && b->young[v]));
        b->to[v] = vc->pinned;   /* a waiting vCPU stays as it is */
        if (frozen_member(b, vc)) {
            b->loose[v] = b->waits[v] = TRUE;
            b->to[v] = -1;
        }
        if (b->loose[v])
            continue;
        g_array_append_val(b->on[vc->pinned], v);
        b->load[vc->pinned] += dem(b, v);
    }
    b->sum = b->sumsq = 0;
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        g_array_sort_with_data(b->on[p], vcpu_cmp, b);
        b->sum += b->load[p];
        b->sumsq += b->load[p] * b->load[p];
        g_tree_insert(b->cells[b->pcell[p]], KEY(p), KEY(p));
    }
    place_loose(b);
}
