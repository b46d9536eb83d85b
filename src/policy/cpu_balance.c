/* cpu_balance.c — the default cpu policy: even out pCPU load with the fewest pin
 * changes, and once balanced change nothing.
 *
 * How it sees the host. Each vCPU weighs its `demand` (running time plus run-queue
 * delay, smoothed), so a vCPU squeezed onto a busy pCPU is seen at its true size
 * and the first plan already lands balanced. The predicted load of a pCPU is its
 * non-VM `other` load plus the demands placed on it; predicted utilisation caps
 * that at 100 (4 busy vCPUs on 2 pCPUs: 100 % and 100 %, stddev 0).
 *
 * What it does, every interval:
 *   1. Every managed vCPU must be pinned to exactly one usable pCPU, or the host is
 *      shared (below). Those that are not (unpinned, shared, or pinned to a
 *      reserved/offline pCPU) are "loose": they are placed, largest demand first,
 *      onto the least loaded pCPU of their VM's NUMA cell, or where they run now
 *      when that is within `tau` of it. They get a pin even when the host is
 *      balanced, except a loose vCPU with no rate yet (a VM that just arrived,
 *      by migration or boot: demand 0, it would be pinned blind onto one pCPU with
 *      its siblings): it is left where the kernel runs it until the next interval.
 *   2. It acts on the others only when the measured spread (stddev of util over
 *      usable pCPUs) exceeds params->target_stddev, or there are loose vCPUs (the
 *      layout changes anyway), and the predicted spread of the layout with the
 *      loose ones placed does too (a measured blip the demand model does not see
 *      is not worth a pin).
 *   3. Local search from the current layout, never from scratch: repeatedly take
 *      the most loaded pCPU and move to the least loaded pCPU of the vCPU's cell
 *      the vCPU whose demand is closest to half their gap (the move that cuts
 *      sum(load^2) most); fall back to a swap when no single move helps. A move
 *      must narrow the two pCPUs' gap by at least tau = max(min_gain, 0.5) points;
 *      leaving the VM's cell costs NUMA_PENALTY more. It stops when the predicted
 *      stddev is under target/2 (hysteresis: the next measurement is noisy) or
 *      when no move helps.
 *   4. The plan is kept only if it cuts the predicted stddev by at least
 *      params->min_gain; otherwise only the loose vCPUs are pinned. So a stable but
 *      imperfect layout (3 busy vCPUs on 2 pCPUs: 200 % vs 100 % of demand) yields
 *      an empty plan, interval after interval: no move can improve it.
 * Sharing (cpu_share.h): pins that would lose work against the kernel's own
 * scheduler are not made. After steps 1-3, if the layout found risks losing more
 * than the target (points of one pCPU, pCPUs near or across 100 % by the noise
 * margin, judged without the VMs the controller is migrating away), every vCPU is
 * instead allowed on every usable pCPU ("shared"). A shared host is pinned again
 * only when the pins would lose (almost) nothing with twice the margin for
 * SHARE_CALM intervals in a row, a wait that doubles each time pins put back fail
 * soon (see go_shared). A saturated host (4 busy vCPUs on 2 pCPUs) loses nothing
 * pinned and stays pinned.
 * Noise: the policy's state (cpu_noise.c) learns how far its predicted pCPU
 * utilisation missed the measured one. A host that wobbles by sigma points every
 * interval can never stay under the target, so the target becomes
 * hypot(target, sigma) and the required gain min_gain + sigma: it does not chase
 * wobbles, yet a real change (a VM waking up) is far above both. Without state
 * (NULL, as in most tests) sigma is 0 and a shared host is pinned as soon as that
 * looks safe.
 * Steps 2-4 judge the *uncapped* predicted load (demand), the same measure the
 * search minimises, so each accepted plan lowers one quantity and plans cannot
 * cycle. The capped one (utilisation, reported as spread_after) would call 3 + 1
 * busy vCPUs on 2 pCPUs balanced though one vCPU gets three times the CPU of the
 * others, and would call moving one of 2 busy vCPUs off a shared pCPU of 4 a loss
 * (100/0/0/0 -> 90/0/90/0 raises the util stddev) though it nearly doubles their work.
 * The measured spread, always utilisation, still decides whether to look at all.
 * Reserved and offline pCPUs are never used. Deterministic: ties go to the lowest
 * pCPU id, then the vCPU order of the model.
 *
 * Cost: pCPUs sit in balanced trees ordered by (load, id), each pCPU's vCPUs in an
 * array sorted by demand; a move costs O(cells * log) plus the array shift, and a
 * source with no useful move is set aside until its load changes (the least
 * loaded pCPU of a cell only gets busier as moves go, so it stays useless). */
#include "policy/cpu_policy.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_noise.h"
#include "policy/cpu_share.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NUMA_PENALTY 10.0     /* extra gap narrowing (points) to move a vCPU out of its VM's cell */

typedef enum { NOTE_NONE, NOTE_MOVE, NOTE_SWAP } NoteKind;

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
    double *demand;           /* per vCPU: its demand (a copy, for speed) */
    int *to;                  /* per vCPU: where it is placed */
    gboolean *loose;          /* per vCPU: not under management, placing it is free */
    gboolean *waits;          /* per vCPU: loose with no rate yet (just arrived): not placed */
    GArray **on;              /* per pCPU id: vCPU indices there, by (demand, index) */
    GTree **cells;            /* per cell: its usable pCPUs by (load, id) */
    gboolean *stuck;          /* per pCPU id: no useful move out of it (until its load changes) */
    double sum, sumsq;        /* of load over usable pCPUs */
    double tau;
    gboolean move_managed;
    guint moves;
    Note *notes;
} Balancer;

typedef struct {
    guint v, w;               /* w only for swaps */
    guint src, dst;
    gboolean swap;
    double gain;              /* reduction of sum(load^2); 0 = none found */
} Move;

static inline double dem(const Balancer *b, guint v)
{
    return b->demand[v];
}

#define KEY(p) GUINT_TO_POINTER((p) + 1)
#define PCPU(k) (GPOINTER_TO_UINT(k) - 1)

static gint pcpu_cmp(gconstpointer a, gconstpointer c, gpointer data)
{
    const Balancer *b = data;
    guint x = PCPU(a), y = PCPU(c);
    if (b->load[x] != b->load[y])
        return b->load[x] < b->load[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int first_pcpu(GTree *t)
{
    GTreeNode *n = g_tree_node_first(t);
    return n ? (int)PCPU(g_tree_node_key(n)) : -1;
}

/* the least loaded usable pCPU over all cells (lowest id on a tie) */
static int global_min(const Balancer *b)
{
    int best = -1;
    for (guint c = 0; c < b->n_cells; c++) {
        int q = first_pcpu(b->cells[c]);
        if (q >= 0 && (best < 0 || pcpu_cmp(KEY(q), KEY(best), (gpointer)b) < 0))
            best = q;
    }
    return best;
}

/* the most loaded pCPU that is not stuck, or -1 */
static int top_source(const Balancer *b)
{
    int best = -1;
    for (guint c = 0; c < b->n_cells; c++) {
        GTreeNode *n = g_tree_node_last(b->cells[c]);
        while (n && b->stuck[PCPU(g_tree_node_key(n))])
            n = g_tree_node_previous(n);
        if (n && (best < 0 || pcpu_cmp(g_tree_node_key(n), KEY(best), (gpointer)b) > 0))
            best = (int)PCPU(g_tree_node_key(n));
    }
    return best;
}

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

/* index of the first vCPU on p with demand >= d */
static guint lower_bound(const Balancer *b, guint p, double d)
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

static void relocate(Balancer *b, guint v, guint q)
{
    guint p = (guint)b->to[v];
    on_remove(b, p, v);
    load_add(b, p, -dem(b, v));
    place(b, v, q);
}

static double mean_load(const Balancer *b)
{
    return b->n_usable ? b->sum / b->n_usable : 0;
}

static double uncapped_stddev(const Balancer *b)
{
    double mean = mean_load(b);
    return b->n_usable ? sqrt(MAX(0.0, b->sumsq / b->n_usable - mean * mean)) : 0;
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
    guint pos = lower_bound(b, p, g / 2), v;
    double gain = scan_move(b, p, q, pos, TRUE, g, tier, &v);
    if (gain > best->gain)
        *best = (Move){ .v = v, .src = p, .dst = q, .gain = gain };
    gain = scan_move(b, p, q, pos, FALSE, g, tier, &v);
    if (gain > best->gain) {
        /* equal demands below: take the first of their run that is eligible */
        guint w, start = lower_bound(b, p, dem(b, v));
        scan_move(b, p, q, start, TRUE, g, tier, &w);
        *best = (Move){ .v = w, .src = p, .dst = q, .gain = gain };
    }
}

/* the best single move out of p: first within cells, then out of them */
static Move find_move(const Balancer *b, guint p)
{
    Move best = { 0 };
    for (guint c = 0; c < b->n_cells; c++) {
        int q = first_pcpu(b->cells[c]);
        if (q >= 0)
            best_move_to(b, p, (guint)q, 0, &best);
    }
    if (best.gain == 0 && b->n_cells > 1) {
        int q = global_min(b);
        if (q >= 0)
            best_move_to(b, p, (guint)q, 1, &best);
    }
    return best;
}

/* the eligible w on q closest to demand `want` (above at/after pos, or below it) whose
 * swap with v narrows the gap g; updates *best when better */
static void swap_scan(const Balancer *b, guint v, guint p, guint q, double g, gboolean up, Move *best)
{
    GArray *aq = b->on[q];
    guint pos = lower_bound(b, q, dem(b, v) - g / 2);
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
        int q = first_pcpu(b->cells[c]);
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
        n->mean = mean_load(b);
    }
    n->kind = kind;
    n->dst_load = b->load[dst];
}

static void apply(Balancer *b, const Move *mv)
{
    note_move(b, mv->v, mv->src, mv->dst, mv->swap ? NOTE_SWAP : NOTE_MOVE);
    if (mv->swap)
        note_move(b, mv->w, mv->dst, mv->src, NOTE_SWAP);
    relocate(b, mv->v, mv->dst);
    if (mv->swap)
        relocate(b, mv->w, mv->src);
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
        if (last && (busiest < 0 || pcpu_cmp(g_tree_node_key(last), KEY(busiest), b) > 0))
            busiest = (int)PCPU(g_tree_node_key(last));
    }
    Move sw = busiest >= 0 ? find_swap(b, (guint)busiest) : (Move){ 0 };
    if (sw.gain == 0)
        return FALSE;
    apply(b, &sw);
    sources_reset(b);
    return TRUE;
}

/* the local search of step 3 (see the top of the file) */
static void improve(Balancer *b, double aim)
{
    guint budget = 8 * (b->n_vcpus + b->n_usable) + 64;
    sources_reset(b);
    while (budget-- > 0 && uncapped_stddev(b) > aim) {
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
        double floor = b->load[first_pcpu(b->cells[b->pcell[p]])];
        apply(b, &mv);
        if (b->load[p] < floor)
            sources_reset(b);          /* a cell's least loaded got less loaded: look again */
    }
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
        b->pcell[p] = sova_model_pcpu_usable(m, p) ? cell_index(ids, sova_model_pcpu(m, p)->cell) : -1;
    b->vcell = g_new(int, MAX(b->n_vcpus, 1));
    for (guint v = 0; v < b->n_vcpus; v++) {
        int cell = sova_model_vm(m, sova_model_vcpu(m, v)->vm)->cell;
        b->vcell[v] = cell >= 0 ? cell_index(ids, cell) : -1;
    }
    b->cells = g_new(GTree *, MAX(b->n_cells, 1));
    for (guint c = 0; c < b->n_cells; c++)
        b->cells[c] = g_tree_new_with_data(pcpu_cmp, b);
}

static Balancer *balancer_new(const SovaModel *m, const SovaCpuPolicyParams *params)
{
    Balancer *b = g_new0(Balancer, 1);
    b->m = m;
    b->n_vcpus = m->vcpus->len;
    b->usable = sova_cpu_usable_ids(m, &b->n_usable);
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
        b->demand[v] = sova_model_vcpu(m, v)->demand;
    b->to = g_new(int, MAX(b->n_vcpus, 1));
    b->loose = g_new0(gboolean, MAX(b->n_vcpus, 1));
    b->waits = g_new0(gboolean, MAX(b->n_vcpus, 1));
    b->notes = g_new0(Note, MAX(b->n_vcpus, 1));
    return b;
}

static void balancer_free(Balancer *b)
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
    g_free(b->notes);
    g_free(b->pcell);
    g_free(b->vcell);
    g_free(b->usable);
    g_free(b);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Balancer, balancer_free)

/* descending demand; equal demands in model order */
static gint demand_desc(gconstpointer x, gconstpointer y, gpointer data)
{
    const Balancer *b = data;
    guint i = *(const guint *)x, j = *(const guint *)y;
    if (dem(b, i) != dem(b, j))
        return dem(b, i) > dem(b, j) ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* step 1: loose vCPUs, largest first, onto the least loaded pCPU of their cell, or
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
        int q = b->vcell[v] >= 0 ? first_pcpu(b->cells[b->vcell[v]]) : global_min(b);
        int cur = sova_model_vcpu(b->m, v)->pcpu;
        if (cur >= 0 && sova_model_pcpu_usable(b->m, (guint)cur)
            && (b->vcell[v] < 0 || b->vcell[v] == b->pcell[cur])
            && b->load[cur] - b->load[q] <= b->tau)
            q = cur;
        place(b, v, (guint)q);
    }
}

/* the layout before any managed vCPU moves: managed where pinned (in bulk, before
 * the trees exist), then the loose ones placed one by one */
static void place_current(Balancer *b)
{
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(b->m, v);
        b->loose[v] = !sova_cpu_vcpu_managed(b->m, vc);
        b->waits[v] = b->loose[v] && vc->fresh;
        b->to[v] = vc->pinned;   /* a waiting vCPU stays as it is */
        if (b->loose[v])
            continue;
        b->to[v] = vc->pinned;
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

static double capped_stddev(const Balancer *b)
{
    return sova_cpu_capped_stddev(b->load, b->usable, b->n_usable);
}

/* appends the pins that change something; returns how many are moves of managed vCPUs */
static guint emit(const Balancer *b, SovaPlan *plan)
{
    guint moved = 0;
    const SovaModel *m = b->m;
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        const Note *n = &b->notes[v];
        int to = b->to[v];
        if (b->waits[v] || !sova_cpu_pin_changes(vc, to))
            continue;
        if (b->loose[v]) {
            g_autofree char *why = sova_cpu_unmanaged_why(m, vc);
            if (to == vc->pcpu)
                sova_cpu_plan_pin(plan, m, v, to, "%s: bring under management", why);
            else
                sova_cpu_plan_pin(plan, m, v, to, "%s: bring under management on pCPU %d (%.0f%%)",
                                  why, to, MIN(100.0, b->load[to]));
        } else {
            sova_cpu_plan_pin(plan, m, v, to, "pCPU %u at %.0f%% vs mean %.0f%%: %s to pCPU %d (%.0f%%)",
                              n->src, n->src_load, n->mean, n->kind == NOTE_SWAP ? "swap" : "move",
                              to, n->dst_load);
            moved++;
        }
    }
    return moved;
}

/* stddev of the predicted loads, uncapped, recomputed exactly */
static double load_stddev(const Balancer *b)
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

/* builds the layout and, when allowed, improves it; *before gets the predicted
 * (uncapped) stddev of the layout before the search */
static Balancer *balance_run(const SovaModel *m, const SovaCpuPolicyParams *params,
                             gboolean move_managed, double *before)
{
    Balancer *b = balancer_new(m, params);
    place_current(b);
    *before = load_stddev(b);
    b->move_managed = move_managed;
    improve(b, params->target_stddev / 2);
    return b;
}

static gboolean any_unmanaged(const SovaModel *m)
{
    for (guint v = 0; v < m->vcpus->len; v++)
        if (!sova_cpu_vcpu_managed(m, sova_model_vcpu(m, v)) && !sova_model_vcpu(m, v)->fresh)
            return TRUE;
    return FALSE;
}

/* the predicted loads of the layout as it is now (vCPUs where they run) */
static double *load_if_kept(const SovaModel *m)
{
    g_autofree int *at = g_new(int, MAX(m->vcpus->len, 1));
    for (guint v = 0; v < m->vcpus->len; v++)
        at[v] = sova_model_vcpu(m, v)->pcpu;
    return sova_cpu_predict_load(m, at, SOVA_WEIGHT_DEMAND);
}

/* the work (points of one pCPU) the pins of b's layout risk losing against sharing,
 * judged as the layout will be once the VMs the controller is migrating away are gone */
static double layout_loss(const Balancer *b, double margin)
{
    const SovaModel *m = b->m;
    g_autofree guint *count = g_new0(guint, MAX(m->n_pcpus, 1));
    g_autofree double *load = g_memdup2(b->load, sizeof(double) * MAX(m->n_pcpus, 1));
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        count[p] = b->on[p]->len + (sova_model_pcpu(m, p)->other >= 1.0);
    }
    for (guint v = 0; v < b->n_vcpus; v++)
        if (b->to[v] >= 0 && b->pcell[b->to[v]] >= 0 && !b->waits[v]
            && sova_model_vm(m, sova_model_vcpu(m, v)->vm)->leaving) {
            load[b->to[v]] -= dem(b, v);
            count[b->to[v]]--;
        }
    return sova_cpu_pin_loss(load, count, b->usable, b->n_usable, margin);
}

/* shares every vCPU not shared yet (those that wait for a rate stay as they are) */
static void emit_share(const Balancer *b, SovaPlan *plan, double loss)
{
    const SovaModel *m = b->m;
    g_autoptr(SovaCpuSet) set = sova_cpu_share_set(m);
    g_autofree char *what = sova_cpuset_format(set);
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        if (vc->shared || b->waits[v])
            continue;
        sova_cpu_plan_share(plan, m, v, set, "pins would lose %.0f%% of a pCPU: share pCPUs %s",
                            loss, what);
    }
}

/* the predicted loads when shared: the vCPUs' demand water-filled over the usable pCPUs
 * (for the noise estimate: what the next measurement should show) */
static double *shared_load(const Balancer *b)
{
    double *load = g_memdup2(b->load, sizeof(double) * MAX(b->m->n_pcpus, 1));
    double mean = mean_load(b);
    for (guint k = 0; k < b->n_usable; k++)
        load[b->usable[k]] = MAX(sova_model_pcpu(b->m, b->usable[k])->other, mean);
    return load;
}

/* "5.0", or "7.1 (target 5.0, noise 5.1)" when noise widens it */
static char *describe_limit(double limit, double target, double noise)
{
    if (noise < 0.05)
        return g_strdup_printf("%.1f", target);
    return g_strdup_printf("%.1f (target %.1f, noise %.1f)", limit, target, noise);
}

/* why no managed vCPU moves, or NULL when the plan stands */
static char *judge(double measured, double before, double after, double noise,
                   const SovaCpuPolicyParams *params, gboolean looked)
{
    double limit = hypot(params->target_stddev, noise);   /* a balanced host still shows noise */
    g_autofree char *lim = describe_limit(limit, params->target_stddev, noise);
    if (!looked || (measured <= limit && before <= limit))
        return g_strdup_printf("balanced: stddev %.1f <= %s", measured, lim);
    if (before <= limit)
        return g_strdup_printf("balanced: predicted stddev %.1f <= %s (measured %.1f)",
                               before, lim, measured);
    if (before - after < params->min_gain + noise)
        return g_strdup_printf("no plan improves stddev %.1f by >= %.1f", before,
                               params->min_gain + noise);
    return NULL;
}

typedef struct {
    SovaCpuNoise *noise;
    gboolean planned;         /* it planned before: a shared host is shared by this policy */
    guint calm;               /* intervals in a row a shared host's pins would have lost nothing */
    guint need;               /* calm intervals needed to pin again (backs off, see go_shared) */
    guint pinned_for;         /* intervals since the host was last pinned again after sharing */
    gboolean repinned;        /* it was: pins put back by this policy */
} BalanceState;

#define SHARE_CALM 3          /* intervals a shared host must look safe to pin before it is */
#define SHARE_CALM_MAX 240
#define SHARE_HOLD 8          /* pins put back must hold SHARE_HOLD x need intervals */

/* share the host? A host that is not shared is when the pins risk losing more than the
 * target; a shared host goes back to pins only when they would lose (almost) nothing
 * with twice the margin, `need` intervals in a row: each switch re-pins every vCPU. A
 * shared host shows no noise to learn from, so when pins put back fail again within
 * SHARE_HOLD x `need` intervals, `need` doubles (up to SHARE_CALM_MAX); it returns to
 * SHARE_CALM once pins have held that long. Without state, a shared host is pinned as
 * soon as the pins look safe. */
static gboolean go_shared(BalanceState *st, const SovaModel *m, const Balancer *b, double loss,
                          double margin, double target)
{
    if (!st)
        return sova_cpu_all_shared(m) ? layout_loss(b, 2 * margin) > target / 2 : loss > target;
    gboolean first = !st->planned;   /* unpinned VMs at start were not shared by us */
    st->planned = TRUE;
    st->need = MAX(st->need, SHARE_CALM);
    if (first || !sova_cpu_all_shared(m)) {
        st->calm = 0;
        st->pinned_for++;
        if (st->pinned_for > SHARE_HOLD * st->need)
            st->need = SHARE_CALM;
        if (loss <= target)
            return FALSE;
        if (st->repinned && st->pinned_for <= SHARE_HOLD * st->need)
            st->need = MIN(2 * st->need, SHARE_CALM_MAX);
        st->repinned = FALSE;
        return TRUE;
    }
    st->calm = layout_loss(b, 2 * margin) <= target / 2 ? st->calm + 1 : 0;
    if (st->calm < st->need)
        return TRUE;
    st->pinned_for = 0;
    st->repinned = TRUE;
    return FALSE;
}

static SovaPlan *balance_plan(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state)
{
    BalanceState *st = state;
    SovaCpuNoise *nstate = st ? st->noise : NULL;
    SovaPlan *plan = sova_plan_new();
    double target = params->target_stddev, measured = sova_model_util_stddev(m, NULL);
    double noise = nstate ? sova_cpu_noise_update(nstate, m, 2 * target) : 0;
    double before, after;
    guint n_usable;
    g_free(sova_cpu_usable_ids(m, &n_usable));
    plan->spread_before = plan->spread_after = measured;
    if (n_usable == 0) {
        sova_plan_set_reason(plan, "no usable pCPU");
        return plan;
    }

    /* loose vCPUs change the layout anyway: judge it as it will be once they are placed */
    gboolean look = measured > hypot(target, noise) || any_unmanaged(m);
    g_autoptr(Balancer) b = balance_run(m, params, look, &before);
    after = load_stddev(b);
    /* would the best pins found lose work against sharing? (see cpu_share.h) */
    double margin = hypot(target, noise), loss = layout_loss(b, margin);
    if (go_shared(st, m, b, loss, margin, target)) {
        emit_share(b, plan, loss);
        sova_plan_set_reason(plan, "pins would lose %.1f%% of a pCPU (margin %.1f): %s", loss,
                             margin,
                             sova_plan_len(plan) ? "share every usable pCPU" : "stay shared");
        if (nstate) {
            g_autofree double *kept = load_if_kept(m), *flat = shared_load(b);
            sova_cpu_noise_expect(nstate, m, kept, flat);
        }
        return plan;
    }
    g_autofree char *why = judge(measured, before, after, noise, params, look);
    if (look && why) {
        balancer_free(g_steal_pointer(&b));
        b = balance_run(m, params, FALSE, &before);   /* only the loose vCPUs */
    }
    guint moved = emit(b, plan), loose = sova_plan_len(plan) - moved;
    if (!why)
        why = g_strdup_printf("stddev %.1f > %.1f: %u vCPUs move, predicted load stddev %.1f -> %.1f",
                              measured, hypot(target, noise), moved, before, after);
    if (loose)
        sova_plan_set_reason(plan, "%s; %u unmanaged vCPUs brought under management", why, loose);
    else
        sova_plan_set_reason(plan, "%s", why);
    if (sova_plan_len(plan))
        plan->spread_after = capped_stddev(b);
    if (nstate) {
        g_autofree double *kept = load_if_kept(m);
        sova_cpu_noise_expect(nstate, m, kept, b->load);
    }
    return plan;
}

static gpointer balance_state_new(void)
{
    BalanceState *st = g_new0(BalanceState, 1);
    st->noise = sova_cpu_noise_new();
    return st;
}

static void balance_state_free(gpointer state)
{
    BalanceState *st = state;
    if (!st)
        return;
    sova_cpu_noise_free(st->noise);
    g_free(st);
}

const SovaCpuPolicy sova_cpu_policy_balance = {
    .name = "balance",
    .summary = "fewest pin changes that bring the pCPU spread under target, on demand, NUMA-aware",
    .state_new = balance_state_new,
    .state_free = balance_state_free,
    .plan = balance_plan,
};
