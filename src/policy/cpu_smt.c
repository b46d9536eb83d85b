/* cpu_smt.c — busy vCPUs on separate cores: swaps of pCPU contents between cores whose
 * threads overlap and cores with room; see cpu_smt.h. */
#include "policy/cpu_smt.h"

#define SMT_NUMA 10.0         /* extra overlap cut (points) to swap out of a VM's cell */

#define MAX_THREADS 8

typedef struct {
    Balancer *b;
    guint *th;                /* per pCPU id: its core's usable threads (MAX_THREADS each) */
    guint *n_th;              /* per pCPU id: how many */
} Cores;

/* by (socket, core), pCPUs of unknown core first, then by id */
static gint core_order(gconstpointer a, gconstpointer b, gpointer data)
{
    const SovaModel *m = data;
    const SovaPcpuLoad *x = sova_model_pcpu(m, *(const guint *)a);
    const SovaPcpuLoad *y = sova_model_pcpu(m, *(const guint *)b);
    int ux = x->core < 0, uy = y->core < 0;
    if (ux != uy)
        return ux ? -1 : 1;
    if (!ux && x->socket != y->socket)
        return x->socket < y->socket ? -1 : 1;
    if (!ux && x->core != y->core)
        return x->core < y->core ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static gboolean one_core(const SovaModel *m, guint p, guint q)
{
    const SovaPcpuLoad *x = sova_model_pcpu(m, p), *y = sova_model_pcpu(m, q);
    return x->core >= 0 && x->core == y->core && x->socket == y->socket;
}

/* the usable threads of each usable pCPU's core (p included), from the host's topology:
 * the pCPUs sorted by (socket, core), each run of one core (O(n log n)) */
static gboolean cores_init(Cores *c, Balancer *b)
{
    guint n = MAX(b->m->n_pcpus, 1);
    gboolean any = FALSE;
    c->b = b;
    c->th = g_new0(guint, n * MAX_THREADS);
    c->n_th = g_new0(guint, n);
    g_autoptr(GArray) ids = g_array_sized_new(FALSE, FALSE, sizeof(guint), b->n_usable);
    g_array_append_vals(ids, b->usable, b->n_usable);
    g_array_sort_with_data(ids, core_order, (gpointer)b->m);
    const guint *id = (const guint *)ids->data;
    for (guint k = 0, end; k < b->n_usable; k = end) {
        for (end = k + 1; end < b->n_usable && one_core(b->m, id[k], id[end]); end++)
            ;
        for (guint i = k; i < end; i++)
            for (guint j = k; j < end && c->n_th[id[i]] < MAX_THREADS; j++)
                c->th[id[i] * MAX_THREADS + c->n_th[id[i]]++] = id[j];
        any = any || end - k >= 2;
    }
    return any;
}

static void cores_clear(Cores *c)
{
    g_free(c->th);
    g_free(c->n_th);
}

/* the overlap of p's core with p's load taken as `lp` */
static double overlap_with(const Cores *c, guint p, double lp)
{
    double sum = 0;
    for (guint i = 0; i < c->n_th[p]; i++) {
        guint t = c->th[p * MAX_THREADS + i];
        sum += MIN(100.0, t == p ? lp : c->b->load[t]);
    }
    return MAX(0.0, sum - 100.0);
}

static gboolean same_core(const Balancer *b, guint p, guint q)
{
    const SovaPcpuLoad *x = sova_model_pcpu(b->m, p), *y = sova_model_pcpu(b->m, q);
    return p == q || (x->core >= 0 && x->core == y->core && x->socket == y->socket);
}

/* would moving the contents of p to q take a vCPU out of its VM's cell? */
static gboolean leaves_cell(const Balancer *b, guint p, guint q)
{
    GArray *a = b->on[p];
    for (guint i = 0; i < a->len; i++) {
        guint v = g_array_index(a, guint, i);
        if (b->vcell[v] >= 0 && b->vcell[v] != b->pcell[q])
            return TRUE;
    }
    return FALSE;
}

/* the overlap the swap of p's and q's contents cuts (negative: adds) */
static double swap_gain(const Cores *c, guint p, guint q)
{
    const Balancer *b = c->b;
    double before = overlap_with(c, p, b->load[p]) + overlap_with(c, q, b->load[q]);
    double after = overlap_with(c, p, b->load[q]) + overlap_with(c, q, b->load[p]);
    return before - after;
}

/* the vCPUs in `vs` (all on `from`, whose load was from_load) go to `to` (load to_load) */
static void move_all(Balancer *b, const GArray *vs, guint from, double from_load, guint to,
                     double to_load)
{
    for (guint i = 0; i < vs->len; i++) {
        guint v = g_array_index(vs, guint, i);
        Note *n = &b->notes[v];
        if (n->kind == NOTE_NONE)
            n->src = from, n->src_load = from_load, n->mean = cpu_layout_mean(b);
        n->kind = NOTE_SMT;
        n->dst_load = to_load;
        cpu_layout_relocate(b, v, to);
    }
    b->moves += vs->len;
}

static void swap_contents(Balancer *b, guint p, guint q)
{
    g_autoptr(GArray) from_p = g_array_copy(b->on[p]);
    g_autoptr(GArray) from_q = g_array_copy(b->on[q]);
    double lp = b->load[p], lq = b->load[q];
    move_all(b, from_p, p, lp, q, lq);
    move_all(b, from_q, q, lq, p, lp);
}

/* the best swap for a thread of the most overlapping core; FALSE when none is worth it */
static gboolean spread_once(const Cores *c)
{
    Balancer *b = c->b;
    int worst = -1;
    double worst_ov = SMT_MIN - 1e-9;
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        double ov = overlap_with(c, p, b->load[p]);
        if (ov > worst_ov && !b->stuck[p])
            worst = (int)p, worst_ov = ov;
    }
    if (worst < 0)
        return FALSE;
    const guint *th = &c->th[(guint)worst * MAX_THREADS];
    guint n = c->n_th[worst];
    int bp = -1, bq = -1;
    double best = 0;
    for (guint i = 0; i < n; i++)
        for (guint k = 0; k < b->n_usable; k++) {
            guint p = th[i], q = b->usable[k];
            if (same_core(b, p, q) || (b->on[p]->len == 0 && b->on[q]->len == 0))
                continue;
            gboolean out = leaves_cell(b, p, q) || leaves_cell(b, q, p);
            double gain = swap_gain(c, p, q) - (out ? SMT_NUMA : 0);
            if (gain >= SMT_GAIN && gain > best + 1e-9)
                bp = (int)p, bq = (int)q, best = gain;
        }
    if (bp < 0) {
        for (guint i = 0; i < n; i++)
            b->stuck[th[i]] = TRUE;   /* nothing helps this core: look at the next one */
        return TRUE;
    }
    swap_contents(b, (guint)bp, (guint)bq);
    return TRUE;
}

guint cpu_smt_spread(Balancer *b)
{
    Cores c;
    guint before = b->moves, budget = 4 * b->n_usable + 4;
    if (cores_init(&c, b)) {
        for (guint k = 0; k < b->n_usable; k++)
            b->stuck[b->usable[k]] = FALSE;
        while (budget-- > 0 && spread_once(&c))
            ;
    }
    cores_clear(&c);
    return b->moves - before;
}
