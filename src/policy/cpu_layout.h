/* cpu_layout.h — the working layout of the `balance` cpu policy (cpu_balance.c): where
 * each vCPU is placed and the predicted load of each pCPU, kept ordered so that the local
 * search (cpu_search.c) finds the most and least loaded pCPUs and the vCPU of a given
 * demand on a pCPU in O(log n). Shared by cpu_balance.c, cpu_search.c and cpu_reasons.c;
 * nobody else sees it.
 *
 * The predicted load of a pCPU is its non-VM `other` load plus the demands of the vCPUs
 * placed on it, uncapped (the measure the search minimises; see cpu_balance.c).
 * pCPUs sit in balanced trees ordered by (load, id), one tree per NUMA cell; each pCPU's
 * vCPUs in an array sorted by (demand, model index). Ties go to the lowest pCPU id, then
 * the vCPU order of the model: the layout is deterministic.
 *
 * Which vCPUs are "loose" (not pinned to exactly one usable pCPU: placing them is free)
 * and "waiting" (loose with no rate yet: a VM that just arrived, left where the kernel
 * runs it; or loose, allowed on every usable pCPU, and young: its demand not yet known
 * well enough to tell a duty cycle from a level, cpu_robust.h) is decided here, when the current
 * layout is built (cpu_layout_place_current). */
#pragma once
#include <glib.h>
#include <math.h>
#include "model/model.h"
#include "policy/cpu_policy.h"

typedef enum { NOTE_NONE, NOTE_MOVE, NOTE_SWAP, NOTE_SMT } NoteKind;

typedef struct {              /* why a vCPU moved, for its action's reason */
    NoteKind kind;
    guint src;                /* pCPU of its first move, with its load and the mean then */
    double src_load, mean;
    double dst_load;          /* load of its last destination before it arrived */
} Note;

typedef struct {
    const SovaModel *m;
    guint n_usable, n_cells, n_vcpus;
    guint *usable;
    int *pcell;               /* per pCPU id: cell index, -1 when not usable */
    int *vcell;               /* per vCPU: cell index of its VM, -1 = any */
    double *load;             /* per pCPU id: predicted load, uncapped */
    double *demand;           /* per vCPU: its planning demand (the model's, or a robust one:
                               * cpu_robust.h), a copy */
    int *to;                  /* per vCPU: where it is placed */
    gboolean *loose;          /* per vCPU: not under management, placing it is free */
    gboolean *waits;          /* per vCPU: loose with no rate yet (just arrived), or shared
                               * by the kernel with too little history: not placed */
    gboolean *young;          /* per vCPU: too little history (cpu_robust.h) */
    const gboolean *fast;     /* per vCPU: demand swings faster than the agent follows
                               * (cpu_robust.h); the caller's, may be NULL */
    GArray **on;              /* per pCPU id: vCPU indices there, by (demand, index) */
    GTree **cells;            /* per cell: its usable pCPUs by (load, id) */
    gboolean *stuck;          /* per pCPU id: no useful move out of it (until its load changes);
                               * the search's, cleared here whenever the load changes */
    double sum, sumsq;        /* of load over usable pCPUs */
    double tau;               /* the smallest gap narrowing worth a move: max(min_gain, 0.5) */
    const SovaCpuSet *frozen; /* pCPUs of a shared pin set left as it is (cpu_group.h): not
                               * usable here; its members wait; NULL: none */
    gboolean move_managed;    /* the search may move managed vCPUs (else only loose ones) */
    guint moves;
    Note *notes;              /* per vCPU: why it moved (the search writes, cpu_reasons reads) */
} Balancer;

static inline double dem(const Balancer *b, guint v)
{
    return b->demand[v];
}

/* tree keys: pCPU ids shifted by one (a GTree key may not be NULL) */
#define KEY(p) GUINT_TO_POINTER((p) + 1)
#define PCPU(k) (GPOINTER_TO_UINT(k) - 1)

/* the empty layout of m's usable pCPUs (their `other` load only), no vCPU placed yet */
Balancer *cpu_layout_new(const SovaModel *m, const SovaCpuPolicyParams *params);
/* the same, planning on `demand` (per vCPU; NULL: the model's); a loose vCPU the kernel
 * shares that is `young` (per vCPU, may be NULL: too little history, cpu_robust.h) waits */
Balancer *cpu_layout_new_with(const SovaModel *m, const SovaCpuPolicyParams *params,
                              const double *demand, const gboolean *young);
/* the same, leaving the shared pin set `frozen` (may be NULL) as it is: its pCPUs are not
 * used and its members (vCPUs whose affinity is exactly it) wait */
Balancer *cpu_layout_new_frozen(const SovaModel *m, const SovaCpuPolicyParams *params,
                                const double *demand, const gboolean *young,
                                const SovaCpuSet *frozen);
void cpu_layout_free(Balancer *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Balancer, cpu_layout_free)

/* the layout before any managed vCPU moves: managed vCPUs where they are pinned, then the
 * loose ones (but those that wait) placed, largest demand first, onto the least loaded
 * pCPU of their VM's cell, or where they run now when that is within tau of it */
void cpu_layout_place_current(Balancer *b);
/* moves placed vCPU v to pCPU q */
void cpu_layout_relocate(Balancer *b, guint v, guint q);

/* (load, id) order of two tree keys (these are inline: the search calls them in its inner
 * loops) */
static inline gint cpu_layout_pcpu_cmp(gconstpointer a, gconstpointer c, gpointer data)
{
    const Balancer *b = data;
    guint x = PCPU(a), y = PCPU(c);
    if (b->load[x] != b->load[y])
        return b->load[x] < b->load[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* the least loaded pCPU of a cell's tree, or -1 */
static inline int cpu_layout_first_pcpu(GTree *t)
{
    GTreeNode *n = g_tree_node_first(t);
    return n ? (int)PCPU(g_tree_node_key(n)) : -1;
}

/* the least loaded usable pCPU over all cells (lowest id on a tie) */
static inline int cpu_layout_global_min(const Balancer *b)
{
    int best = -1;
    for (guint c = 0; c < b->n_cells; c++) {
        int q = cpu_layout_first_pcpu(b->cells[c]);
        if (q >= 0 && (best < 0 || cpu_layout_pcpu_cmp(KEY(q), KEY(best), (gpointer)b) < 0))
            best = q;
    }
    return best;
}

/* index of the first vCPU on p with demand >= d */
static inline guint cpu_layout_lower_bound(const Balancer *b, guint p, double d)
{
    GArray *a = b->on[p];
    guint lo = 0, hi = a->len;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (dem(b, g_array_index(a, guint, mid)) < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* mean and stddev of the predicted (uncapped) loads over the usable pCPUs, from the
 * running sums (fast, as the search goes) */
static inline double cpu_layout_mean(const Balancer *b)
{
    return b->n_usable ? b->sum / b->n_usable : 0;
}

static inline double cpu_layout_running_stddev(const Balancer *b)
{
    double mean = cpu_layout_mean(b);
    return b->n_usable ? sqrt(MAX(0.0, b->sumsq / b->n_usable - mean * mean)) : 0;
}

/* the same stddev, recomputed exactly from the loads */
double cpu_layout_stddev(const Balancer *b);
/* stddev of the predicted utilisation (loads capped at 100) */
double cpu_layout_capped_stddev(const Balancer *b);
