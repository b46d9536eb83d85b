/* cluster_sova_unmet.c — what the `sova` cluster policy minimises: the demand of VMs their
 * hosts cannot serve (issue 17: what the VMs get, not how even the hosts look).
 *
 * A host's unmet demand of resource r is the expected overflow of its normalised load L_r
 * (the sum of its VMs' demands as the agents measure them: CPU time plus run-queue delay,
 * memory, network including drops, over its capacity):
 *     E[max(0, X - 1)],  X ~ Normal(L_r, sigma_r)
 *     = sigma * pdf(z) + (L - 1) * (1 - cdf(z)),   z = (1 - L) / sigma
 * sigma_r being how much a host's load bursts within an interval: SIGMA_CPU (0.05) for
 * CPU, SIGMA_NET (0.15) for network, whose traffic is burstier, 0 for memory (it does not burst:
 * plain max(0, L - 1)). Not the learnt noise of host loads (cluster_sova_noise.c): that is how far
 * a sample misses the next one, and a move does not make it smaller; it only makes the policy wait
 * for a confirming sample (cluster_sova.c). So a
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
 * while its host is unchanged).
 * Measured unmet CPU (issue 17): each VM's cpu_unmet, the run-queue delay its host left
 * it (its agent's fresh summary, else the controller's own estimate: cluster_vm_cpu.h).
 * Unmet CPU that the host's idle pCPUs could serve (capacity minus the demand) is the host
 * level's to serve (its agent re-pins: issue 17's coordination; the cluster moving VMs for
 * it would fight the agent). Where a host's VMs measured more unmet CPU than that plus what
 * the burst model expects of its load (a host at 95 % whose VMs wait for more than its
 * idle 5 % and the model's bursts: their bursts are bigger than the model's), the
 * difference is its EXCESS, shared among its VMs in proportion to their unmet part, and
 * counts in the host's unmet demand (pCPUs over the mean capacity, as the rest). A VM that
 * leaves takes its share with it and gets its demand on a host with room (the
 * destination's unmet is the burst model's with the VM added); the others keep theirs
 * (nothing says their wait ends). Where the model sees an overload (its expected overflow
 * at least MIN_RELIEF of the host), that is what is relieved, as without measurements:
 * there the delay mostly is the overload's, and how the scheduler shared it among the VMs
 * says nothing about which one should leave. So the excess only adds what the model
 * misses. VMs migrating now are left out (what they measured was on the host they leave).
 * Ahead (cluster_sova_trend.c): when some VMs' demand rises or falls steadily, each host's
 * unmet demand is also kept at the horizon (the cooldown a move commits its VM to) on the
 * trends' bounds, and at it and twice it on their estimates (AHEAD), every VM's demand
 * forecast along its trend (S->unmet_ahead, from the per-host sums of forecast minus
 * demand in S->shift; the measured excess as it is now), and cs_reliefs gives what a move
 * serves at each. A host's unmet demand (cs_unmet_host) is then the larger of now and at
 * the horizon (bounds): a host that will run out within the cooldown is a source, and
 * relieved, before its VMs go without. Without trends nothing of this is computed. */
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

/* how much resource r's load bursts within an interval (0: memory does not) */
static double burst_sigma(int r)
{
    return r == SOVA_RES_CPU ? SIGMA_CPU : r == SOVA_RES_NET ? SIGMA_NET : 0;
}

double cs_overflow(int r, double load)
{
    return overflow(load, burst_sigma(r));
}

/* each VM's share of its host's excess (S->excess_vm, NULL when no host has any) */
static void find_excess(Sova *S)
{
    const ClPlanner *P = &S->P;
    double cap_cpu = 0;
    S->excess_vm = NULL;
    S->excess = g_new0(double, P->n_hosts);
    for (guint h = 0; h < P->n_hosts; h++) {
        double measured = P->cpu_unmet[h];
        cap_cpu = P->cap[h * CL_R + SOVA_RES_CPU];
        if (measured <= 0 || cap_cpu <= 0)
            continue;
        double load = cl_load(P, h, SOVA_RES_CPU);
        double over = overflow(load, S->unmet_sigma[SOVA_RES_CPU]);
        if (over >= MIN_RELIEF)
            continue;   /* overloaded by its demand: the model's relief is the measure */
        double model = cap_cpu * over;
        double idle = cap_cpu * MAX(0.0, 1 - load);   /* the host level's to use */
        double excess = measured - model - idle;
        if (excess <= 0)
            continue;
        if (!S->excess_vm)
            S->excess_vm = g_new0(double, P->n_vms);
        for (guint k = P->first[h]; k < P->first[h + 1]; k++) {
            const SovaClusterVm *vm = sova_cluster_vm(P->c, P->list[k]);
            if (!vm->migrating && vm->cpu_unmet > 0)
                S->excess_vm[P->list[k]] = excess * vm->cpu_unmet / measured;
        }
    }
}

/* the excess of the VMs that are on h now, plan applied (those that started there) */
static double excess_now(const Sova *S, guint h)
{
    const ClPlanner *P = &S->P;
    double e = 0;
    for (guint k = P->first[h]; S->excess_vm && k < P->first[h + 1]; k++)
        if (P->host_of[P->list[k]] == (int)h)
            e += S->excess_vm[P->list[k]];
    return e;
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
        S->unmet_sigma[r] = burst_sigma(r);
    }
    S->relief_v = G_MAXUINT;
    find_excess(S);
    S->unmet = g_new(double, P->n_hosts);
    S->unmet_ahead[0] = S->unmet;
    if (S->n_trends && S->drift2) {   /* each host's VMs' drifts, kept as moves are planned */
        S->drift2_host = g_new0(double, P->n_hosts);
        for (guint v = 0; v < P->n_vms; v++)
            if (P->host_of[v] >= 0)
                S->drift2_host[P->host_of[v]] += S->drift2[v];
    }
    for (guint k = 1; S->n_trends && k < AHEAD; k++) {
        S->unmet_ahead[k] = g_new(double, P->n_hosts);
        S->shift[k] = g_new0(double, (gsize)P->n_hosts * CL_R);
        for (guint v = 0; v < P->n_vms; v++)
            for (int r = 0; P->host_of[v] >= 0 && r < CL_R; r++)
                S->shift[k][P->host_of[v] * CL_R + r] +=
                    cs_forecast(S, v, r, k) -
                    sova_cluster_vm_demand(sova_cluster_vm(P->c, v), r);
    }
    for (guint h = 0; h < P->n_hosts; h++)
        cs_unmet_update(S, h);
}

double cs_unmet_cap(const Sova *S, guint h, int r)
{
    double cap = S->P.cap[h * CL_R + r];
    guint8 bit = (guint8)(1u << r);
    gboolean tight = (S->relieving && !S->at_cap_off && (S->relieving[h] & S->at_cap[h] & bit)) ||
                     (S->refine_host == (int)h && (S->over_cap[h] & bit));
    return tight ? cap * (1.0 - S->p->headroom) : cap;
}

/* the spread of host h's CPU load k horizons ahead (the trends' estimates, k >= 2: H and
 * 2H) when its VMs' drifts sum to drift2_host[h] + dvar: the burst sigma widened by how far
 * that demand may walk off its forecast in the time ahead (a walk's variance grows with
 * it). Without it demand 2H ahead would count as certain as demand now, and a move that
 * leaves a host just under its capacity then would be valued as one that leaves it room. */
static double cpu_sigma_at(const Sova *S, guint h, guint k, double dvar, double cap)
{
    double sigma = S->unmet_sigma[SOVA_RES_CPU];
    if (k < 2 || !S->drift2_host)
        return sigma;
    double ahead = (k == AHEAD - 1 ? 2 : 1) * S->horizon;
    double var = MAX(0.0, S->drift2_host[h] + dvar) * ahead / (cap * cap);
    return sqrt(sigma * sigma + var);
}

/* host h's unmet demand k horizons ahead with `delta` (per resource, in the resources'
 * units) added and `excess` (pCPUs) added to its excess; dvar: the drift (drift2) added to
 * its VMs' with delta */
static double unmet_at(const Sova *S, guint h, const double *delta, double excess, guint k,
                       double dvar)
{
    const ClPlanner *P = &S->P;
    double u = 0;
    if (S->excess_vm && S->unmet_w[SOVA_RES_CPU] > 0)
        u += S->unmet_w[SOVA_RES_CPU] * MAX(0.0, S->excess[h] + excess) /
             S->mean_cap[SOVA_RES_CPU];
    for (int r = 0; r < CL_R; r++) {
        double cap = cs_unmet_cap(S, h, r);
        if (S->unmet_w[r] <= 0 || cap <= 0)
            continue;
        double load = (P->sum[h * CL_R + r] + (k ? S->shift[k][h * CL_R + r] : 0) +
                       (delta ? delta[r] : 0)) / cap;
        double sigma = r == SOVA_RES_CPU ? cpu_sigma_at(S, h, k, dvar, cap) : S->unmet_sigma[r];
        u += S->unmet_w[r] * cap / S->mean_cap[r] * overflow(load, sigma);
    }
    return u;
}

static double unmet_with(const Sova *S, guint h, const double *delta, double excess)
{
    return unmet_at(S, h, delta, excess, 0, 0);
}

static gboolean counts(const Sova *S, guint h)
{
    return S->P.counted[h] || cl_host_accepts(&S->P, h);
}

void cs_unmet_update(Sova *S, guint h)
{
    S->excess[h] = excess_now(S, h);
    for (guint k = 0; k < (S->n_trends ? AHEAD : 1); k++)
        S->unmet_ahead[k][h] = counts(S, h) ? unmet_at(S, h, NULL, 0, k, 0) : 0;
    S->relief_v = G_MAXUINT;   /* a host's load changed */
}

double cs_unmet_host(const Sova *S, guint h)
{
    return S->n_trends ? MAX(S->unmet[h], S->unmet_ahead[1][h]) : S->unmet[h];
}

double cs_unmet_total(const Sova *S)
{
    double u = 0;
    for (guint h = 0; h < S->P.n_hosts; h++)
        u += cs_unmet_host(S, h);
    return u;
}

/* how fast the spread of v's CPU demand about its trend grows (pCPU^2 a second), with its
 * keep-together mates' (they move with it); 0 without drifts */
static double drift2_of(const Sova *S, guint v)
{
    const SovaClusterVm *vm = sova_cluster_vm(S->P.c, v);
    if (!S->drift2)
        return 0;
    g_autoptr(GArray) mates = S->P.blocked && vm->together ? cl_mates(&S->P, v) : NULL;
    double d = S->drift2[v];
    for (guint i = 0; mates && i < mates->len; i++)
        d += S->drift2[g_array_index(mates, guint, i)];
    return d;
}

/* v's demand per resource k horizons ahead, positive or negated, with its keep-together
 * mates' (cl_mates: they move with it, so its move relieves its host of, and adds to b, the
 * whole unit's); returns their share of the excess, with the same sign */
static double demand_at(const Sova *S, guint v, double sign, guint k, double *d)
{
    const SovaClusterVm *vm = sova_cluster_vm(S->P.c, v);
    g_autoptr(GArray) mates = S->P.blocked && vm->together ? cl_mates(&S->P, v) : NULL;
    double excess = S->excess_vm ? S->excess_vm[v] : 0;
    for (guint i = 0; S->excess_vm && mates && i < mates->len; i++)
        excess += S->excess_vm[g_array_index(mates, guint, i)];
    for (int r = 0; r < CL_R; r++) {
        d[r] = cs_forecast(S, v, r, k);
        for (guint i = 0; mates && i < mates->len; i++)
            d[r] += cs_forecast(S, g_array_index(mates, guint, i), r, k);
        d[r] *= sign;
    }
    return sign * excess;
}

double cs_relief_src(Sova *S, guint v)
{
    int a = S->P.host_of[v];
    if (S->relief_v != v) {
        for (guint k = 0; k < (S->n_trends ? AHEAD : 1); k++) {
            double minus[CL_R];
            double excess = demand_at(S, v, -1, k, minus);
            S->relief_src_ahead[k] =
                a >= 0 ? S->unmet_ahead[k][a] -
                             unmet_at(S, (guint)a, minus, excess, k, -drift2_of(S, v))
                       : 0;
        }
        S->relief_src = S->relief_src_ahead[0];
        S->relief_v = v;
    }
    return S->relief_src;
}

void cs_relief_src_known(Sova *S, guint v, double src)
{
    if (S->n_trends)
        return;   /* the ahead parts are not known: computed again */
    S->relief_v = v;
    S->relief_src = src;
}

double cs_relief_src_most(Sova *S, guint v)
{
    double most = cs_relief_src(S, v);
    for (guint k = 1; S->n_trends && k < AHEAD; k++)
        most = MAX(most, S->relief_src_ahead[k]);
    return most;
}

double cs_unmet_most(const Sova *S, guint h)
{
    double most = S->unmet[h];
    for (guint k = 1; S->n_trends && k < AHEAD; k++)
        most = MAX(most, S->unmet_ahead[k][h]);
    return most;
}

double cs_relief_bound(Sova *S, guint v, guint b)
{
    double bound = cs_relief_src(S, v) + S->unmet[b];
    for (guint k = 1; S->n_trends && k < AHEAD; k++)
        bound = MAX(bound, S->relief_src_ahead[k] + S->unmet_ahead[k][b]);
    return bound;
}

double cs_relief(Sova *S, guint v, guint b)
{
    double src = cs_relief_src(S, v);
    double d[CL_R];
    demand_at(S, v, 1, 0, d);
    return src + S->unmet[b] - unmet_with(S, b, d, 0);
}

void cs_reliefs(Sova *S, guint v, guint b, double *r)
{
    r[0] = cs_relief(S, v, b);
    for (guint k = 1; k < AHEAD; k++) {
        double d[CL_R];
        if (!S->n_trends) {
            r[k] = r[0];
            continue;
        }
        demand_at(S, v, 1, k, d);
        r[k] = S->relief_src_ahead[k] + S->unmet_ahead[k][b] -
               unmet_at(S, b, d, 0, k, drift2_of(S, v));
    }
}

void cs_shift_move(Sova *S, guint v, guint b)
{
    int a = S->P.host_of[v];
    if (S->n_trends && S->drift2_host) {
        double d2 = drift2_of(S, v);
        if (a >= 0)
            S->drift2_host[a] -= d2;
        S->drift2_host[b] += d2;
    }
    for (guint k = 1; S->n_trends && k < AHEAD; k++) {
        double now[CL_R], later[CL_R];
        demand_at(S, v, 1, 0, now);
        demand_at(S, v, 1, k, later);
        for (int r = 0; r < CL_R; r++) {
            if (a >= 0)
                S->shift[k][a * CL_R + r] -= later[r] - now[r];
            S->shift[k][b * CL_R + r] += later[r] - now[r];
        }
    }
}
