/* cluster_sova_hosts.c — which hosts the `sova` cluster policy tries: the SOURCES whose
 * VMs it tries to move and the DESTINATIONS it tries them on, and the hot hosts.
 *
 * A source's key is the demand it leaves unmet (cluster_sova_unmet.c), then how far it is
 * above the plan's initial per-resource means, weighted:
 *     up(h)   = 1e3 * unmet(h) + sum over r of w[r] * max(0, load(h, r) - mean0[r])
 *               (+1e6 when still hot)
 * a destination's how far below them (the lower score first on a tie):
 *     down(h) = sum over r of w[r] * max(0, mean0[r] - load(h, r))   - 1e-9 * score(h)
 * A source counts in the imbalance, a destination accepts VMs, and both have a free slot
 * under max_per_host. The means stay those of the plan's start, so a host's key changes
 * only when a move touches it: each move re-ranks its two hosts in O(log hosts)
 * (cluster_rank.c), and only the best K_DST + 2 x (moves the caps allow) + RANK_MARGIN
 * hosts are ranked at all, which is all a plan can reach. A hot host has been above
 * high_water for high_water_samples samples (host->hot_samples, counted by the
 * controller); it is a source before any other while it stays above high_water. A host a
 * migration touched since the last plan that was not overloaded on the last sample is no
 * source this plan (S->waits: what it reads is a transition, cluster_sova.c), even while
 * another host's relief goes on. */
#include "policy/cluster_sova.h"

/* how far h is above (sign 1) or below (sign -1) the plan's initial means, weighted */
static double deviation(const Sova *S, guint h, double sign)
{
    const ClPlanner *P = &S->P;
    double d = 0;
    for (int r = 0; r < CL_R; r++)
        if (P->w[r] > 0)
            d += P->w[r] * MAX(0.0, sign * (cl_load(P, h, r) - S->mean0[r]));
    return d;
}

/* hot hosts first, then by the demand they leave unmet, then by their deviation */
static double source_key(const Sova *S, guint h)
{
    return deviation(S, h, 1) + 1e3 * cs_unmet_host(S, h) + (cs_still_hot(S, h) ? 1e6 : 0);
}

static gboolean has_slot(const Sova *S, guint h)
{
    return !S->p->max_per_host || S->P.inflight[h] < S->p->max_per_host;
}

/* h may be a source: counted, a free slot, something to relieve, and not a transition
 * waiting for its next sample */
static gboolean may_source(const Sova *S, guint h, double up)
{
    return S->P.counted[h] && has_slot(S, h) && up > 0 && !(S->waits && S->waits[h]);
}

gboolean cs_still_hot(const Sova *S, guint h)
{
    return S->is_hot[h] && cl_score(&S->P, h) > S->p->high_water;
}

/* (re-)ranks host h as a source and as a destination, after its load changed */
void cs_rank_host(Sova *S, guint h)
{
    const ClPlanner *P = &S->P;
    double up = source_key(S, h);
    cl_rank_set(&S->src, h, may_source(S, h, up), up);
    cl_rank_set(&S->dst, h, cl_host_accepts(P, h) && has_slot(S, h),
                deviation(S, h, -1) - 1e-9 * cl_score(P, h));
}

void cs_rank_init(Sova *S)
{
    const ClPlanner *P = &S->P;
    guint n = P->n_hosts;
    g_autofree double *up = g_new(double, n), *down = g_new(double, n);
    g_autofree gboolean *src = g_new(gboolean, n), *dst = g_new(gboolean, n);
    for (int r = 0; r < CL_R; r++)
        S->mean0[r] = cl_mean(P, r);
    for (guint h = 0; h < n; h++) {
        up[h] = source_key(S, h);
        down[h] = deviation(S, h, -1) - 1e-9 * cl_score(P, h);
        src[h] = may_source(S, h, up[h]);
        dst[h] = cl_host_accepts(P, h) && has_slot(S, h);
    }
    cl_rank_init(&S->src, n);
    cl_rank_init(&S->dst, n);
    /* each move re-ranks the two hosts it touches: K + 2 * moves of the initial order are
     * all a plan can reach (cluster_rank.c); a margin for hosts without a free VF */
    guint moves = P->p->max_total ? P->p->max_total - MIN(P->total_inflight, P->p->max_total)
                                  : n;
    guint limit = (guint)MIN((guint64)n, (guint64)K_DST + 2 * (guint64)moves + RANK_MARGIN);
    cl_rank_build(&S->src, n, src, up, limit);
    cl_rank_build(&S->dst, n, dst, down, limit);
}

static gboolean vf_free_host(guint h, gpointer data)
{
    return cl_vf_free(&((const Sova *)data)->P, h) > 0;
}

/* the K_DST best destinations; with need_vf, only hosts with a free VF */
guint cs_pick_destinations(Sova *S, guint *dst, gboolean need_vf)
{
    return cl_rank_top(&S->dst, dst, K_DST, need_vf ? vf_free_host : NULL, S);
}

void cs_find_hot(Sova *S)
{
    const ClPlanner *P = &S->P;
    for (guint h = 0; S->p->high_water_samples && h < P->n_hosts; h++)
        if (P->counted[h] &&
            sova_cluster_host(P->c, h)->hot_samples >= S->p->high_water_samples) {
            g_array_append_val(S->hot, h);
            S->is_hot[h] = TRUE;
            S->hot_left += cs_still_hot(S, h);
        }
}

/* a hot host's standing after its load changed */
void cs_update_hot(Sova *S, guint h, gboolean was)
{
    gboolean now = cs_still_hot(S, h);
    S->hot_left += now;
    S->hot_left -= was;
}
