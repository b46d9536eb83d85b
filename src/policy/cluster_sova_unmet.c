/* cluster_sova_unmet.c — what the `sova` cluster policy minimises: the demand of VMs their
 * hosts cannot serve (issue 17: what the VMs get, not how even the hosts look).
 *
 * A host's unmet demand of resource r is the expected overflow of its normalised load L_r
 * (the sum of its VMs' demands as the agents measure them: CPU time plus run-queue delay,
 * memory, network including drops, over its capacity):
 *     E[max(0, X - 1)],  X ~ Normal(L_r, sigma_r)
 *     = sigma * pdf(z) + (L - 1) * (1 - cdf(z)),   z = (1 - L) / sigma
 * sigma_r being how much a host's load bursts within an interval: SIGMA_CPU (0.05) for
 * CPU, SIGMA_NET (0.15) for network, whose traffic is burstier, 0 for memory (it does not burst: plain max(0, L - 1)). Not the learnt noise
 * of host loads (cluster_sova_noise.c): that is how far a sample misses the next one, and
 * a move does not make it smaller; it only makes the policy wait for a confirming sample
 * (cluster_sova.c). So a
 * host at 175 % CPU leaves 0.75 of a host unmet, one at 100 % about 0.4 sigma, one at 85 %
 * practically nothing: a move that takes load off a full host towards an idle one serves
 * more of the VMs' demand, one between two hosts that both have room serves none.
 * In hosts' worth: each resource's overflow is weighted by the host's capacity against the
 * cluster's mean capacity of it (a big host's overflow leaves more demand unmet) and by
 * the resource's weight against the largest weight (weights 1;1;1: every resource counts
 * fully; none is diluted by the others). The relief of a move v: a -> b is
 * unmet(a) + unmet(b) before minus after; O(resources), each host's unmet demand now kept
 * in S->unmet (updated when a move touches the host); what a VM's leaving its host serves
 * is computed once for a run of destinations (and kept by the search, cluster_sova_search.c,
 * while its host is unchanged). */
#include "policy/cluster_sova.h"
#include <math.h>

#define SIGMA_CPU 0.05         /* how much a host's load bursts within an interval: CPU ... */
#define SIGMA_NET 0.15         /* ... and network (traffic is burstier) */

static double overflow(double load, double sigma)
{
    if (sigma <= 0)
        return MAX(0.0, load - 1);
    double z = (1 - load) / sigma;
    if (z > 8.5)
        return 0;   /* below 1e-17: most hosts, without exp() or erfc() */
    double pdf = exp(-0.5 * z * z) / sqrt(2 * G_PI), tail = 0.5 * erfc(z / G_SQRT2);
    return MAX(0.0, sigma * pdf + (load - 1) * tail);
}

void cs_unmet_init(Sova *S)
{
    const ClPlanner *P = &S->P;
    double wmax = 0;
    for (int r = 0; r < CL_R; r++)
        wmax = MAX(wmax, P->w[r]);
    for (int r = 0; r < CL_R; r++) {
        double cap = 0;
        guint n = 0;
        for (guint h = 0; h < P->n_hosts; h++)
            if (P->counted[h] && P->cap[h * CL_R + r] > 0) {
                cap += P->cap[h * CL_R + r];
                n++;
            }
        S->mean_cap[r] = n ? cap / n : 0;
        S->unmet_w[r] = wmax > 0 && S->mean_cap[r] > 0 ? P->w[r] / wmax : 0;
        S->unmet_sigma[r] = r == SOVA_RES_CPU ? SIGMA_CPU : r == SOVA_RES_NET ? SIGMA_NET : 0;
    }
    S->relief_v = G_MAXUINT;
    S->unmet = g_new(double, P->n_hosts);
    for (guint h = 0; h < P->n_hosts; h++)
        cs_unmet_update(S, h);
}

/* host h's unmet demand with `delta` (per resource, in the resources' units) added */
static double unmet_with(const Sova *S, guint h, const double *delta)
{
    const ClPlanner *P = &S->P;
    double u = 0;
    for (int r = 0; r < CL_R; r++) {
        double cap = P->cap[h * CL_R + r];
        if (S->unmet_w[r] <= 0 || cap <= 0)
            continue;
        double load = (P->sum[h * CL_R + r] + (delta ? delta[r] : 0)) / cap;
        u += S->unmet_w[r] * cap / S->mean_cap[r] * overflow(load, S->unmet_sigma[r]);
    }
    return u;
}

static double unmet_of(const Sova *S, guint h)
{
    return S->P.counted[h] || cl_host_accepts(&S->P, h) ? unmet_with(S, h, NULL) : 0;
}

void cs_unmet_update(Sova *S, guint h)
{
    S->unmet[h] = unmet_of(S, h);
    S->relief_v = G_MAXUINT;   /* a host's load changed */
}

double cs_unmet_host(const Sova *S, guint h)
{
    return S->unmet[h];
}

double cs_unmet_total(const Sova *S)
{
    double u = 0;
    for (guint h = 0; h < S->P.n_hosts; h++)
        u += cs_unmet_host(S, h);
    return u;
}

/* v's demand per resource, positive or negated, with its keep-together mates' (cl_mates:
 * they move with it, so its move relieves its host of, and adds to b, the whole unit's) */
static void demand_of(const Sova *S, guint v, double sign, double *d)
{
    const SovaClusterVm *vm = sova_cluster_vm(S->P.c, v);
    g_autoptr(GArray) mates = S->P.blocked && vm->together ? cl_mates(&S->P, v) : NULL;
    for (int r = 0; r < CL_R; r++) {
        d[r] = sova_cluster_vm_demand(vm, r);
        for (guint i = 0; mates && i < mates->len; i++)
            d[r] += sova_cluster_vm_demand(sova_cluster_vm(S->P.c, g_array_index(mates, guint, i)), r);
        d[r] *= sign;
    }
}

double cs_relief_src(Sova *S, guint v)
{
    int a = S->P.host_of[v];
    if (S->relief_v != v) {
        double minus[CL_R];
        demand_of(S, v, -1, minus);
        S->relief_src = a >= 0 ? S->unmet[a] - unmet_with(S, (guint)a, minus) : 0;
        S->relief_v = v;
    }
    return S->relief_src;
}

void cs_relief_src_known(Sova *S, guint v, double src)
{
    S->relief_v = v;
    S->relief_src = src;
}

double cs_relief_bound(Sova *S, guint v, guint b)
{
    return cs_relief_src(S, v) + S->unmet[b];
}

double cs_relief(Sova *S, guint v, guint b)
{
    double src = cs_relief_src(S, v);
    double d[CL_R];
    demand_of(S, v, 1, d);
    return src + S->unmet[b] - unmet_with(S, b, d);
}
