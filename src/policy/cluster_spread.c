/* cluster_spread.c — the planner's loads and imbalance (cluster_private.h): a host's
 * normalised load, the cluster's mean and its imbalance (the weighted mean of the
 * per-resource deviations, or their largest), and what they would be once a VM (with its
 * keep-together mates) had moved, in O(resources) from the planner's per-host sums and
 * moments. */
#include "policy/cluster_private.h"
#include <math.h>

double cl_load(const ClPlanner *P, guint h, SovaResource r)
{
    double cap = P->cap[h * CL_R + r];
    return cap > 0 ? P->sum[h * CL_R + r] / cap : 0;
}

double cl_score(const ClPlanner *P, guint h)
{
    double load[CL_R];
    for (int r = 0; r < CL_R; r++)
        load[r] = cl_load(P, h, r);
    return sova_cluster_score_of(P->c, sova_cluster_host(P->c, h), load);
}

double cl_mean(const ClPlanner *P, SovaResource r)
{
    return P->n_counted ? P->s1[r] / P->n_counted : 0;
}

double cl_imbalance(const ClPlanner *P)
{
    double s = 0;
    if (P->wsum <= 0)
        return 0;
    for (int r = 0; r < CL_R; r++)
        if (P->w[r] > 0)
            s += P->w[r] * sova_cluster_stddev(P->s1[r], P->s2[r], P->n_counted);
    return s / P->wsum;
}

double cl_imbalance_max(const ClPlanner *P)
{
    double m = 0, wmax = 0;
    for (int r = 0; r < CL_R; r++)
        wmax = MAX(wmax, P->w[r]);
    for (int r = 0; r < CL_R && wmax > 0; r++)
        if (P->w[r] > 0)
            m = MAX(m, P->w[r] / wmax * sova_cluster_stddev(P->s1[r], P->s2[r], P->n_counted));
    return m;
}

/* the normalised load v adds to host h's r */
static double share(const ClPlanner *P, guint v, guint h, SovaResource r)
{
    double cap = P->cap[h * CL_R + r];
    return cap > 0 ? sova_cluster_vm_demand(sova_cluster_vm(P->c, v), r) / cap : 0;
}

/* what v moves with it to h of r: its share, and its keep-together mates' (cl_mates) */
static double unit_share(const ClPlanner *P, guint v, const GArray *mates, guint h, SovaResource r)
{
    double x = share(P, v, h, r);
    for (guint i = 0; mates && i < mates->len; i++)
        x += share(P, g_array_index(mates, guint, i), h, r);
    return x;
}

/* v's keep-together mates that move with it (NULL: none) */
static GArray *unit_mates(const ClPlanner *P, guint v)
{
    return P->blocked && sova_cluster_vm(P->c, v)->together ? cl_mates(P, v) : NULL;
}

/* the stddev of r's normalised load over counted hosts once v (and its mates) has moved to b */
static double stddev_after(const ClPlanner *P, guint v, const GArray *mates, guint b, int r)
{
    int a = P->host_of[v];
    double s1 = P->s1[r], s2 = P->s2[r];
    if (a >= 0 && P->counted[a]) {
        double la = cl_load(P, a, r), xa = unit_share(P, v, mates, a, r);
        s1 -= xa;
        s2 += (la - xa) * (la - xa) - la * la;
    }
    if (P->counted[b]) {
        double lb = cl_load(P, b, r), xb = unit_share(P, v, mates, b, r);
        s1 += xb;
        s2 += (lb + xb) * (lb + xb) - lb * lb;
    }
    return sova_cluster_stddev(s1, s2, P->n_counted);
}

double cl_imbalance_after(const ClPlanner *P, guint v, guint b)
{
    double s = 0;
    if (P->wsum <= 0)
        return 0;
    g_autoptr(GArray) mates = unit_mates(P, v);
    for (int r = 0; r < CL_R; r++)
        if (P->w[r] > 0)
            s += P->w[r] * stddev_after(P, v, mates, b, r);
    return s / P->wsum;
}

/* the stddev of r's load once demand d (of one VM without mates) has left counted host a
 * (a < 0: none) for b: stddev_after without a call per share (the planner's inner loop) */
static double stddev_after_one(const ClPlanner *P, int a, guint b, int r, double d)
{
    double s1 = P->s1[r], s2 = P->s2[r];
    if (a >= 0 && P->counted[a] && P->cap[a * CL_R + r] > 0) {
        double cap = P->cap[a * CL_R + r], la = P->sum[a * CL_R + r] / cap, xa = d / cap;
        s1 -= xa;
        s2 += xa * (xa - 2 * la);
    }
    if (P->counted[b] && P->cap[b * CL_R + r] > 0) {
        double cap = P->cap[b * CL_R + r], lb = P->sum[b * CL_R + r] / cap, xb = d / cap;
        s1 += xb;
        s2 += xb * (xb + 2 * lb);
    }
    return sova_cluster_stddev(s1, s2, P->n_counted);
}

double cl_deviation_after(const ClPlanner *P, guint v, guint b, SovaResource r)
{
    double wmax = 0;
    for (int i = 0; i < CL_R; i++)
        wmax = MAX(wmax, P->w[i]);
    if (wmax <= 0 || P->w[r] <= 0)
        return 0;
    g_autoptr(GArray) mates = unit_mates(P, v);
    double d = mates ? stddev_after(P, v, mates, b, r)
                     : stddev_after_one(P, P->host_of[v], b, r,
                                        sova_cluster_vm_demand(sova_cluster_vm(P->c, v), r));
    return P->w[r] / wmax * d;
}

/* an upper bound of imb - cl_imbalance_max_after(P, v, b), imb = cl_imbalance_max(P) now,
 * in O(resources), without the what-if: for any resource r, after >= w_r / wmax * s'_r
 * (s'_r: r's stddev after), and the vector of counted hosts' deviations from their mean
 * changes by at most the loads' change (the centring is a projection), so
 * s'_r >= s_r - |delta_r| / sqrt(n), delta_r being v's share of its host (minus) and of b
 * (plus). Hence imb - after <= (imb - w_r / wmax * s_r) + w_r / wmax * |delta_r| / sqrt(n),
 * smallest for the resource of the largest deviation (r = imb_r, any r is right). A
 * keep-together unit's (several VMs move) is left at imb (after >= 0). DROP_SLACK covers
 * rounding: what it prunes could not win by more than that. */
#define DROP_SLACK 1e-9

double cl_imbalance_drop_bound_d(const ClPlanner *P, int a, guint b, double d, double imb,
                                 SovaResource r)
{
    double wmax = 0;
    for (int i = 0; i < CL_R; i++)
        wmax = MAX(wmax, P->w[i]);
    if (wmax <= 0 || P->w[r] <= 0 || P->n_counted < 2)
        return imb;
    double norm2 = 0;
    if (a >= 0 && P->counted[a] && P->cap[a * CL_R + r] > 0)
        norm2 += (d / P->cap[a * CL_R + r]) * (d / P->cap[a * CL_R + r]);
    if (P->counted[b] && P->cap[b * CL_R + r] > 0)
        norm2 += (d / P->cap[b * CL_R + r]) * (d / P->cap[b * CL_R + r]);
    double k = P->w[r] / wmax, s = sova_cluster_stddev(P->s1[r], P->s2[r], P->n_counted);
    double bound = imb - k * s + k * sqrt(norm2 / P->n_counted) + DROP_SLACK;
    return MIN(imb, bound);
}

double cl_imbalance_drop_bound(const ClPlanner *P, guint v, guint b, double imb, SovaResource r)
{
    const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
    if (P->blocked && vm->together)
        return imb;
    return cl_imbalance_drop_bound_d(P, P->host_of[v], b, sova_cluster_vm_demand(vm, r), imb, r);
}

SovaResource cl_imbalance_max_resource(const ClPlanner *P)
{
    double m = -1;
    SovaResource best = SOVA_RES_CPU;
    for (int r = 0; r < CL_R; r++) {
        double d = P->w[r] * sova_cluster_stddev(P->s1[r], P->s2[r], P->n_counted);
        if (P->w[r] > 0 && d > m) {
            m = d;
            best = r;
        }
    }
    return best;
}

double cl_imbalance_max_after(const ClPlanner *P, guint v, guint b)
{
    double m = 0, wmax = 0;
    for (int r = 0; r < CL_R; r++)
        wmax = MAX(wmax, P->w[r]);
    g_autoptr(GArray) mates = wmax > 0 ? unit_mates(P, v) : NULL;
    if (wmax > 0 && !mates) {
        const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
        for (int r = 0; r < CL_R; r++)
            if (P->w[r] > 0)
                m = MAX(m, P->w[r] / wmax *
                               stddev_after_one(P, P->host_of[v], b, r,
                                                sova_cluster_vm_demand(vm, r)));
        return m;
    }
    for (int r = 0; r < CL_R && wmax > 0; r++)
        if (P->w[r] > 0)
            m = MAX(m, P->w[r] / wmax * stddev_after(P, v, mates, b, r));
    return m;
}

double cl_vm_size(const ClPlanner *P, guint v, guint h)
{
    double s = 0;
    if (P->wsum <= 0)
        return 0;
    for (int r = 0; r < CL_R; r++)
        s += P->w[r] * share(P, v, h, r);
    return s / P->wsum;
}

