/* cpu_group.c — shared pin sets: which pCPUs a group takes, and the loss of the layout
 * around one; see cpu_group.h. */
#include "policy/cpu_group.h"
#include "policy/cpu_share.h"

/* vCPUs (and non-VM load) on p in b's layout */
static guint tasks_on(const Balancer *b, guint p)
{
    return b->on[p]->len + (sova_model_pcpu(b->m, p)->other >= 1.0);
}

gboolean cpu_group_holds_fast(const Balancer *b, guint p)
{
    GArray *a = b->on[p];
    for (guint i = 0; b->fast && i < a->len; i++)
        if (b->fast[g_array_index(a, guint, i)])
            return TRUE;
    return FALSE;
}

static gboolean holds_fast(const Balancer *b, guint p)
{
    return cpu_group_holds_fast(b, p);
}

gboolean cpu_group_fast_crowded(const Balancer *b)
{
    for (guint k = 0; k < b->n_usable; k++)
        if (tasks_on(b, b->usable[k]) >= 2 && holds_fast(b, b->usable[k]))
            return TRUE;
    return FALSE;
}

static gboolean covers_cell(const Balancer *b, const SovaCpuSet *g, int cell)
{
    for (guint k = 0; k < b->n_usable; k++)
        if (sova_cpuset_has(g, b->usable[k]) && b->pcell[b->usable[k]] == cell)
            return TRUE;
    return FALSE;
}

/* the least loaded usable pCPU not in g, of a cell g covers when there is one; -1 when none */
static int next_fill(const Balancer *b, const SovaCpuSet *g)
{
    int best = -1;
    gboolean best_home = FALSE;
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        if (sova_cpuset_has(g, p))
            continue;
        gboolean home = covers_cell(b, g, b->pcell[p]);
        if (best < 0 || (home && !best_home)
            || (home == best_home && b->load[p] < b->load[best]))
            best = (int)p, best_home = home;
    }
    return best;
}

/* the group, over 100 % by more than the margin, would spill onto q, which has room: pinned
 * apart, q idles while the group's members wait (the kernel would run them there) */
static gboolean spills(const Balancer *b, double mean, double margin, int q)
{
    return mean > 100.0 + margin && b->load[q] < 100.0;
}

/* adds the least loaded pCPUs (home cells first) to g, whose n pCPUs carry `sum`, until it
 * has two, its mean load is at most `aim`, and it would not spill onto the next one; returns
 * its size */
static guint grow(const Balancer *b, SovaCpuSet *g, double sum, guint n, double aim, double margin)
{
    for (;;) {
        int q = next_fill(b, g);
        if (q < 0 || !(n < 2 || sum / n > aim || spills(b, sum / n, margin, q)))
            break;
        sova_cpuset_add(g, (guint)q);
        sum += b->load[q];
        n++;
    }
    return n;
}

/* a group that takes half of a NUMA cell or more takes all of it: the kernel shares within
 * the cell (and its L3) either way, and sets that follow cells stay the same from one
 * interval to the next; returns the group's size */
static guint round_to_cells(const Balancer *b, SovaCpuSet *g)
{
    g_autofree guint *in = g_new0(guint, MAX(b->n_cells, 1));
    g_autofree guint *all = g_new0(guint, MAX(b->n_cells, 1));
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        all[b->pcell[p]]++;
        in[b->pcell[p]] += sova_cpuset_has(g, p);
    }
    guint n = 0;
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k], c = (guint)b->pcell[p];
        if (2 * in[c] >= all[c] && in[c] > 0)
            sova_cpuset_add(g, p);
        n += sova_cpuset_has(g, p);
    }
    return n;
}

SovaCpuSet *cpu_group_find(const Balancer *b, double margin, double level)
{
    g_autoptr(SovaCpuSet) g = sova_cpuset_new(b->m->n_pcpus);
    double sum = 0;
    guint n = 0;
    for (guint k = 0; k < b->n_usable; k++) {
        guint p = b->usable[k];
        if (tasks_on(b, p) >= 2 && (b->load[p] + margin > 100.0 || holds_fast(b, p))) {
            sova_cpuset_add(g, p);
            sum += b->load[p];
            n++;
        }
    }
    if (n == 0)
        return NULL;
    if (grow(b, g, sum, n, MAX(100.0 - margin, level), margin) < 2)
        return NULL;
    round_to_cells(b, g);
    return g_steal_pointer(&g);
}

/* the load the frozen group carries: its members' demand and the non-VM load of its pCPUs,
 * that taken over the group as a whole (its pCPUs' busy time less what its members ran):
 * the kernel moves members within the group faster than the samples say where they ran, so
 * per pCPU the split between members and other load is not known */
static double group_sum(const Balancer *b, guint *n)
{
    const SovaModel *m = b->m;
    double busy = 0, ran = 0, want = 0;
    *n = 0;
    for (guint p = 0; p < m->n_pcpus; p++)
        if (sova_cpuset_has(b->frozen, p) && sova_model_pcpu_usable(m, p)) {
            busy += sova_model_pcpu(m, p)->util;
            (*n)++;
        }
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        gboolean in = vc->set ? sova_cpuset_equal(vc->set, b->frozen)
                              : vc->pinned >= 0 && sova_cpuset_has(b->frozen, (guint)vc->pinned);
        if (in) {
            ran += vc->usage;
            want += b->demand[v];
        }
    }
    return want + MAX(0.0, busy - ran);
}

SovaCpuSet *cpu_group_extend(const Balancer *b, double margin, double level)
{
    guint n;
    double sum = group_sum(b, &n), aim = MAX(100.0 - margin, level);
    if (n == 0)
        return NULL;
    g_autoptr(SovaCpuSet) g = sova_cpuset_copy(b->frozen);
    int q = next_fill(b, g);
    if (sum / n <= aim + margin && (q < 0 || !spills(b, sum / n, margin, q)))
        return NULL;
    guint grown = grow(b, g, sum, n, aim, margin);
    if (grown <= n)
        return NULL;
    round_to_cells(b, g);
    return g_steal_pointer(&g);
}

gboolean cpu_group_present(const SovaModel *m, const SovaCpuSet *group)
{
    if (!group)
        return FALSE;
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaCpuSet *set = sova_model_vcpu(m, v)->set;
        if (set && sova_cpuset_equal(set, group))
            return TRUE;
    }
    return FALSE;
}

double cpu_group_rest_loss(const Balancer *b, double margin)
{
    g_autofree guint *count = g_new0(guint, MAX(b->m->n_pcpus, 1));
    for (guint k = 0; k < b->n_usable; k++)
        count[b->usable[k]] = tasks_on(b, b->usable[k]);
    return sova_cpu_pin_loss(b->load, count, b->usable, b->n_usable, margin);
}
