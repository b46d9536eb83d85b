/* cpu_search.c — the local search of the `balance` policy (step 3 of cpu_balance.c):
 * improve a layout by the fewest moves, starting from the current one, never from scratch.
 *
 * Repeatedly take the most loaded pCPU and move to the least loaded pCPU of the vCPU's
 * cell the vCPU whose demand is closest to half their gap: transferring t from a pCPU to
 * one g below it cuts sum(load^2) by 2t(g - t), most when t = g / 2. Fall back to a swap
 * when no single move helps. A move must narrow the two pCPUs' gap by at least tau =
 * max(min_gain, 0.5) points (no pin change for crumbs); leaving the VM's cell costs
 * NUMA_PENALTY more. It stops when the predicted stddev is under the aim or when no move
 * helps. Every move lowers sum(load^2), so the search ends; a move budget bounds it anyway.
 * Each moved vCPU gets a Note (where it came from, the loads then) for its reason.
 *
 * Cost: a source with no useful move is set aside ("stuck") until its load changes: the
 * least loaded pCPU of a cell only gets busier as moves go, so it stays useless. */
#include "policy/cpu_search.h"
#include "policy/cpu_numa.h"
#include <string.h>

#define NUMA_PENALTY 10.0     /* extra gap narrowing (points) to move a vCPU out of its VM's cell */

typedef struct {
    guint v, w;               /* w only for swaps */
    guint src, dst;
    gboolean swap;
    double gain;              /* reduction of sum(load^2); 0 = none found */
} Move;

/* the most loaded pCPU that is not stuck, or -1 */
static int top_source(const Balancer *b)
{
    int best = -1;
    for (guint c = 0; c < b->n_cells; c++) {
        GTreeNode *n = g_tree_node_last(b->cells[c]);
        while (n && b->stuck[PCPU(g_tree_node_key(n))])
            n = g_tree_node_previous(n);
        if (n && (best < 0 || cpu_layout_pcpu_cmp(g_tree_node_key(n), KEY(best), (gpointer)b) > 0))
            best = (int)PCPU(g_tree_node_key(n));
    }
    return best;
}

static gboolean movable(const Balancer *b, guint v)
{
    return b->loose[v] || b->move_managed;
}

/* may vCPU v go to pCPU q? tier 0: only within its VM's cell; tier 1: only out of it */
static gboolean eligible(const Balancer *b, guint v, guint q, int tier)
{
    gboolean home = b->vcell[v] < 0 || b->vcell[v] == b->pcell[q];
    return movable(b, v) && (tier == 0 ? home : !home);
}

/* gap narrowing needed for a move in this tier, in points */
static double needed(const Balancer *b, int tier)
{
    return tier == 0 ? b->tau : b->tau + NUMA_PENALTY;
}

/* transferring t from a pCPU to one g below it narrows their gap by 2 * min(t, g - t)
 * and cuts sum(load^2) by 2t(g - t); 0 when it does not narrow it by `need` */
static double transfer_gain(double t, double g, double need)
{
    if (2 * MIN(t, g - t) < need)
        return 0;
    return 2 * t * (g - t);
}

/* the first eligible vCPU on p at or after index i (up) or before it (down) whose
 * move to q narrows the gap g by `need`; returns its gain (0: none) */
static double scan_move(const Balancer *b, guint p, guint q, guint i, gboolean up, double g,
                        int tier, guint *found)
{
    GArray *a = b->on[p];
    for (guint k = 0; up ? i + k < a->len : k < i; k++) {
        guint v = g_array_index(a, guint, up ? i + k : i - 1 - k);
        double gain = transfer_gain(dem(b, v), g, needed(b, tier));
        if (gain == 0)
            return 0;
        if (eligible(b, v, q, tier)) {
            *found = v;
            return gain;
        }
    }
    return 0;
}

/* the best single move of a vCPU from p to q (demand closest to half their gap;
 * among equal demands the first in model order); updates *best when better */
static void best_move_to(const Balancer *b, guint p, guint q, int tier, Move *best)
{
    double g = b->load[p] - b->load[q];
    if (p == q || g < needed(b, tier))
        return;
    guint pos = cpu_layout_lower_bound(b, p, g / 2), v;
    double gain = scan_move(b, p, q, pos, TRUE, g, tier, &v);
    if (gain > best->gain)
        *best = (Move){ .v = v, .src = p, .dst = q, .gain = gain };
    gain = scan_move(b, p, q, pos, FALSE, g, tier, &v);
    if (gain > best->gain) {
        /* equal demands below: take the first of their run that is eligible */
        guint w, start = cpu_layout_lower_bound(b, p, dem(b, v));
        scan_move(b, p, q, start, TRUE, g, tier, &w);
        *best = (Move){ .v = w, .src = p, .dst = q, .gain = gain };
    }
}

/* the best single move out of p: first within cells, then out of them */
static Move find_move(const Balancer *b, guint p)
{
    Move best = { 0 };
    for (guint c = 0; c < b->n_cells; c++) {
        int q = cpu_layout_first_pcpu(b->cells[c]);
        if (q >= 0)
            best_move_to(b, p, (guint)q, 0, &best);
    }
    if (best.gain == 0 && b->n_cells > 1) {
        int q = cpu_layout_global_min(b);
        if (q >= 0)
            best_move_to(b, p, (guint)q, 1, &best);
    }
    return best;
}

/* the eligible w on q closest to demand `want` (above at/after pos, or below it) whose
 * swap with v narrows the gap g; updates *best when better */
static void swap_scan(const Balancer *b, guint v, guint p, guint q, double g, gboolean up,
                      Move *best)
{
    GArray *aq = b->on[q];
    guint pos = cpu_layout_lower_bound(b, q, dem(b, v) - g / 2);
    for (guint k = 0; up ? pos + k < aq->len : k < pos; k++) {
        guint w = g_array_index(aq, guint, up ? pos + k : pos - 1 - k);
        double gain = transfer_gain(dem(b, v) - dem(b, w), g, b->tau);
        if (gain == 0)
            return;
        if (eligible(b, w, p, 0)) {
            if (gain > best->gain)
                *best = (Move){ .v = v, .w = w, .src = p, .dst = q, .swap = TRUE, .gain = gain };
            return;
        }
    }
}

/* the best swap of a vCPU on p with one on q (both staying in their cells) */
static void best_swap_with(const Balancer *b, guint p, guint q, Move *best)
{
    double g = b->load[p] - b->load[q];
    if (p == q || g < b->tau)
        return;
    GArray *ap = b->on[p];
    for (guint k = 0; k < ap->len; k++) {
        guint v = g_array_index(ap, guint, k);
        if (!eligible(b, v, q, 0))
            continue;
        swap_scan(b, v, p, q, g, TRUE, best);
        swap_scan(b, v, p, q, g, FALSE, best);
    }
}

static Move find_swap(const Balancer *b, guint p)
{
    Move best = { 0 };
    for (guint c = 0; c < b->n_cells; c++) {
        int q = cpu_layout_first_pcpu(b->cells[c]);
        if (q >= 0)
            best_swap_with(b, p, (guint)q, &best);
    }
    return best;
}

static void note_move(Balancer *b, guint v, guint src, guint dst, NoteKind kind)
{
    Note *n = &b->notes[v];
    if (n->kind == NOTE_NONE) {
        n->src = src;
        n->src_load = b->load[src];
        n->mean = cpu_layout_mean(b);
    }
    n->kind = kind;
    n->dst_load = b->load[dst];
}

static void apply(Balancer *b, const Move *mv)
{
    note_move(b, mv->v, mv->src, mv->dst, mv->swap ? NOTE_SWAP : NOTE_MOVE);
    if (mv->swap)
        note_move(b, mv->w, mv->dst, mv->src, NOTE_SWAP);
    cpu_layout_relocate(b, mv->v, mv->dst);
    if (mv->swap)
        cpu_layout_relocate(b, mv->w, mv->src);
    b->moves += mv->swap ? 2 : 1;
}

static void sources_reset(Balancer *b)
{
    memset(b->stuck, 0, sizeof(gboolean) * MAX(b->m->n_pcpus, 1));
}

/* when no single move helps anywhere: one swap from the busiest pCPU, if any helps */
static gboolean try_swap(Balancer *b)
{
    int busiest = -1;
    for (guint c = 0; c < b->n_cells; c++) {
        GTreeNode *last = g_tree_node_last(b->cells[c]);
        if (last && (busiest < 0
                     || cpu_layout_pcpu_cmp(g_tree_node_key(last), KEY(busiest), b) > 0))
            busiest = (int)PCPU(g_tree_node_key(last));
    }
    Move sw = busiest >= 0 ? find_swap(b, (guint)busiest) : (Move){ 0 };
    if (sw.gain == 0)
        return FALSE;
    apply(b, &sw);
    sources_reset(b);
    return TRUE;
}

/* the local search (see the top of the file) */
static void improve(Balancer *b, double aim)
{
    guint budget = 8 * (b->n_vcpus + b->n_usable) + 64;
    sources_reset(b);
    while (budget-- > 0 && cpu_layout_running_stddev(b) > aim) {
        int top = top_source(b);
        if (top < 0) {
            if (!try_swap(b))
                return;
            continue;
        }
        guint p = (guint)top;
        Move mv = find_move(b, p);
        if (mv.gain == 0) {
            b->stuck[p] = TRUE;        /* stays useless while the least loaded only get busier */
            continue;
        }
        double floor = b->load[cpu_layout_first_pcpu(b->cells[b->pcell[p]])];
        apply(b, &mv);
        if (b->load[p] < floor)
            sources_reset(b);          /* a cell's least loaded got less loaded: look again */
    }
}

/* builds the layout and, when allowed, improves it; *before gets the predicted
 * (uncapped) stddev of the layout before the search */
Balancer *cpu_search_run(const SovaModel *m, const SovaCpuPolicyParams *params,
                         gboolean move_managed, double *before)
{
    return cpu_search_run_with(m, params, NULL, NULL, move_managed, before);
}

Balancer *cpu_search_run_with(const SovaModel *m, const SovaCpuPolicyParams *params,
                              const double *demand, const gboolean *young,
                              gboolean move_managed, double *before)
{
    return cpu_search_run_frozen(m, params, demand, young, NULL, move_managed, before);
}

Balancer *cpu_search_run_frozen(const SovaModel *m, const SovaCpuPolicyParams *params,
                                const double *demand, const gboolean *young,
                                const SovaCpuSet *frozen, gboolean move_managed,
                                double *before)
{
    Balancer *b = cpu_layout_new_frozen(m, params, demand, young, frozen);
    cpu_layout_place_current(b);
    *before = cpu_layout_stddev(b);
    b->move_managed = move_managed;
    cpu_numa_spread(b);   /* whole VMs out of an overloaded cell first (cpu_numa.h) */
    improve(b, params->target_stddev / 2);
    return b;
}
