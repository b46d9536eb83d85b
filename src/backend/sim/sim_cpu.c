/* sim_cpu.c — one tick of the simulator's CPU model; see sim_cpu.h.
 *
 * Cost per tick: O(pCPUs log pCPUs) per affinity group for the water-filling, plus
 * O(unpinned threads × pCPUs) to report where they run (and with SMT, O(pCPUs × threads
 * per core) for the speeds); a 64-pCPU host with 256 unpinned
 * vCPUs simulates ten minutes at 100 ms ticks in about a tenth of a second. */
#include "backend/sim/sim_cpu.h"
#include "util/error.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    const SovaCpuSet *set;    /* NULL = every pCPU */
    guint size;               /* how many pCPUs it allows */
    double demand;            /* total demand of its threads */
    double *fill;             /* per pCPU: the part of that demand water-filled there */
} Group;

static gboolean allowed(const SovaCpuSet *set, guint p)
{
    return !set || sova_cpuset_has(set, p);
}

static int pinned_to(const SovaSimThread *t, guint n_pcpus)
{
    if (!t->affinity)
        return n_pcpus == 1 ? 0 : -1;
    int only = sova_cpuset_only(t->affinity);
    return only >= 0 && (guint)only < n_pcpus ? only : -1;
}

static guint set_size(const SovaCpuSet *set, guint n_pcpus)
{
    guint c = 0;
    for (guint p = 0; p < n_pcpus; p++)
        c += allowed(set, p);
    return c;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Water-fills `amount` over the allowed pCPUs on top of `load`: finds the level h with
 * sum(max(0, h - load[p])) = amount and records each pCPU's part in fill[]. */
static void water_fill(guint n_pcpus, const SovaCpuSet *set, const double *load, double amount,
                       double *fill)
{
    g_autofree double *lv = g_new(double, n_pcpus);
    guint k = 0;
    for (guint p = 0; p < n_pcpus; p++)
        if (allowed(set, p))
            lv[k++] = load[p];
    qsort(lv, k, sizeof *lv, cmp_double);
    double level = 0, below = 0;   /* below = sum of the i lowest loads */
    for (guint i = 0; i < k; i++) {
        below += lv[i];
        /* the level if the water covers exactly the i+1 lowest pCPUs */
        level = (amount + below) / (i + 1);
        if (i + 1 == k || level <= lv[i + 1])
            break;
    }
    for (guint p = 0; p < n_pcpus; p++)
        fill[p] = allowed(set, p) && k ? MAX(0.0, level - load[p]) : 0;
}

/* word-wise equality for sets of the same width (the common case), else the general one */
static gboolean same_set(const SovaCpuSet *a, const SovaCpuSet *b)
{
    if (a == b)
        return TRUE;
    if (a && b && a->n == b->n)
        return memcmp(a->bits, b->bits, (a->n + 63) / 64 * sizeof(guint64)) == 0;
    return sova_cpuset_equal(a, b);
}

static Group *find_group(GArray *groups, const SovaCpuSet *set)
{
    for (guint i = 0; i < groups->len; i++) {
        Group *g = &g_array_index(groups, Group, i);
        if (same_set(g->set, set))
            return g;
    }
    return NULL;
}

static gint group_order(gconstpointer a, gconstpointer b)
{
    guint x = ((const Group *)a)->size, y = ((const Group *)b)->size;
    return (x > y) - (x < y);
}

typedef struct {
    guint index;
    double demand;
} Member;

static gint member_order(gconstpointer a, gconstpointer b)
{
    const Member *x = a, *y = b;
    if (x->demand != y->demand)
        return x->demand < y->demand ? 1 : -1;   /* largest first */
    return (x->index > y->index) - (x->index < y->index);
}

/* Where each thread of the group is reported to run ("the pCPU it last ran on"): the way
 * CFS spreads runnable tasks, largest first onto the pCPU with the most of the group's
 * room left, but a thread that still fits where it ran stays there (no needless
 * migration). Does not change how much anyone runs, only the reported pCPU. */
static void place_group(const Group *g, guint n_pcpus, SovaSimThread *threads, GArray *members)
{
    g_autofree double *room = g_memdup2(g->fill, n_pcpus * sizeof(double));
    g_array_sort(members, member_order);
    for (guint m = 0; m < members->len; m++) {
        const Member *mb = &g_array_index(members, Member, m);
        SovaSimThread *t = &threads[mb->index];
        int prev = t->pcpu;
        gboolean prev_ok = prev >= 0 && (guint)prev < n_pcpus && allowed(g->set, (guint)prev);
        if (mb->demand <= 0 && prev_ok)
            continue;
        int best = prev_ok && room[prev] >= mb->demand - 1e-9 ? prev : -1;
        if (best < 0)
            for (guint p = 0; p < n_pcpus; p++)
                if (allowed(g->set, p) && (best < 0 || room[p] > room[best] + 1e-12))
                    best = (int)p;
        t->pcpu = best;
        room[best] -= mb->demand;
    }
}

/* the group index of each unpinned thread (-1 for pinned ones), creating groups */
static int *assign_groups(guint n_pcpus, SovaSimThread *threads, guint n_threads, double *load,
                          GArray *groups)
{
    int *gidx = g_new(int, n_threads);
    for (guint i = 0; i < n_threads; i++) {
        SovaSimThread *t = &threads[i];
        t->demand = CLAMP(t->demand, 0.0, 1.0);
        int pin = pinned_to(t, n_pcpus);
        gidx[i] = -1;
        if (pin >= 0) {
            load[pin] += t->demand;
            t->pcpu = pin;
            continue;
        }
        if (!find_group(groups, t->affinity)) {
            Group g = { .set = t->affinity, .size = set_size(t->affinity, n_pcpus) };
            g_array_append_val(groups, g);
        }
    }
    g_array_sort(groups, group_order);   /* the most constrained first */
    for (guint i = 0; i < n_threads; i++)
        if (pinned_to(&threads[i], n_pcpus) < 0) {
            Group *g = find_group(groups, threads[i].affinity);
            gidx[i] = (int)(g - &g_array_index(groups, Group, 0));
            g->demand += threads[i].demand;
        }
    return gidx;
}

void sova_sim_cpu_smt_speed(guint n_pcpus, guint threads_per_core, double smt_factor,
                            const double *busy, double *speed)
{
    guint tpc = MAX(1u, threads_per_core);
    for (guint p = 0; p < n_pcpus; p++) {
        guint first = p / tpc * tpc;
        double others = 0;
        for (guint q = first; q < first + tpc && q < n_pcpus; q++)
            if (q != p)
                others += busy[q];
        double overlap = MAX(0.0, busy[p] + MIN(1.0, others) - 1.0);
        speed[p] = busy[p] > 0 ? 1.0 - (1.0 - smt_factor) * overlap / busy[p] : 1.0;
    }
}

/* what each unpinned group's threads run and achieve, and where they are reported to run */
static void share_groups(guint n_pcpus, GArray *groups, const int *gidx, const double *share,
                         const double *speed, SovaSimThread *threads, guint n_threads)
{
    g_autoptr(GArray) members = g_array_new(FALSE, FALSE, sizeof(Member));
    for (guint gi = 0; gi < groups->len; gi++) {
        Group *g = &g_array_index(groups, Group, gi);
        double got = 0, done = 0;
        for (guint p = 0; p < n_pcpus; p++) {
            got += g->fill[p] * share[p];
            if (speed)
                done += g->fill[p] * share[p] * speed[p];
        }
        double ratio = g->demand > 0 ? got / g->demand : 1.0;
        double work_ratio = g->demand > 0 ? done / g->demand : 1.0;
        g_array_set_size(members, 0);
        for (guint i = 0; i < n_threads; i++)
            if (gidx[i] == (int)gi) {
                SovaSimThread *t = &threads[i];
                t->run = g->size ? t->demand * ratio : 0;
                t->wait = t->demand - t->run;
                t->work = !speed ? t->run : g->size ? t->demand * work_ratio : 0;
                g_array_append_val(members, ((Member){ i, t->demand }));
            }
        if (g->size)
            place_group(g, n_pcpus, threads, members);
        g_free(g->fill);
    }
}

void sova_sim_cpu_share_smt(guint n_pcpus, guint threads_per_core, double smt_factor,
                            const double *background, SovaSimThread *threads, guint n_threads,
                            double *busy)
{
    g_autofree double *load = g_new0(double, n_pcpus);   /* total demand per pCPU */
    g_autoptr(GArray) groups = g_array_new(FALSE, TRUE, sizeof(Group));
    for (guint p = 0; background && p < n_pcpus; p++)
        load[p] = CLAMP(background[p], 0.0, 1.0);
    g_autofree int *gidx = assign_groups(n_pcpus, threads, n_threads, load, groups);
    for (guint gi = 0; gi < groups->len; gi++) {
        Group *g = &g_array_index(groups, Group, gi);
        g->fill = g_new0(double, n_pcpus);
        if (g->size == 0)
            continue;
        water_fill(n_pcpus, g->set, load, g->demand, g->fill);
        for (guint p = 0; p < n_pcpus; p++)
            load[p] += g->fill[p];
    }
    g_autofree double *share = g_new(double, n_pcpus);   /* what each unit of demand gets */
    g_autofree double *b = g_new(double, n_pcpus);
    for (guint p = 0; p < n_pcpus; p++) {
        share[p] = load[p] > 1.0 ? 1.0 / load[p] : 1.0;
        b[p] = MIN(1.0, load[p]);
        if (busy)
            busy[p] = b[p];
    }
    /* no SMT slowdown: work is run, computed exactly as without the model */
    g_autofree double *speed = NULL;
    if (threads_per_core > 1 && smt_factor < 1.0) {
        speed = g_new(double, n_pcpus);
        sova_sim_cpu_smt_speed(n_pcpus, threads_per_core, smt_factor, b, speed);
    }
    share_groups(n_pcpus, groups, gidx, share, speed, threads, n_threads);
    for (guint i = 0; i < n_threads; i++)
        if (gidx[i] < 0) {
            SovaSimThread *t = &threads[i];
            t->run = t->demand * share[t->pcpu];
            t->wait = t->demand - t->run;
            t->work = speed ? t->run * speed[t->pcpu] : t->run;
        }
}

void sova_sim_cpu_share(guint n_pcpus, const double *background, SovaSimThread *threads,
                        guint n_threads, double *busy)
{
    sova_sim_cpu_share_smt(n_pcpus, 1, 1.0, background, threads, n_threads, busy);
}

SovaCpuSet *sova_sim_cpu_pin(const SovaAction *a, const char *name, guint n_vcpus, guint n_pcpus,
                             int *pcpu, GError **error)
{
    gboolean to_ok = a->to_set ? sova_cpuset_count(a->to_set) > 0
                               : a->to_pcpu >= 0 && (guint)a->to_pcpu < n_pcpus;
    if (a->vcpu < 0 || (guint)a->vcpu >= n_vcpus || !to_ok) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_BACKEND,
                    "%s has no vCPU %d or the host no pCPU %d", name, a->vcpu, a->to_pcpu);
        return NULL;
    }
    SovaCpuSet *set = sova_cpuset_new(n_pcpus);
    for (guint p = 0; p < n_pcpus; p++)
        if (a->to_set ? sova_cpuset_has(a->to_set, p) : (int)p == a->to_pcpu)
            sova_cpuset_add(set, p);
    if (!a->to_set)
        *pcpu = a->to_pcpu;
    return set;
}
