/* cluster_sova_search.c — the `sova` policy's search for its next relief move, with what
 * each source's search found kept from round to round within one plan (TARGETS C2).
 *
 * A round tries every movable VM on the K_SRC best sources on each of the K_DST best
 * destinations and keeps the best move (cs_consider). One commit changes two hosts (its
 * source a and destination b): what a VM on another source would gain on another
 * destination — its relief, its cost, whether it fits — is what it was. So each source
 * keeps, for each destination it was searched against, the best move to it and the
 * version (commits touching it) both hosts had then; the next round searches a source
 * again only on destinations new to it or changed since (all of them when the source
 * itself changed), and rescores what it kept (the tie-break on evenness moves with every
 * commit). A destination taken by another move leaves the source its next best. On a plan
 * with many moves (caps lifted: one per host, hosts / 2 in the cluster) a round then costs
 * about one source's search instead of K_SRC, whatever the cluster's size. What may differ
 * from a search from scratch: among the moves from one source to one destination whose
 * relief and cost are the same, the one kept is the best by the tie-break as it stood
 * when it was searched (test cluster-sova-search checks plans against one-move plans). */
#include "policy/cluster_sova.h"
#include <math.h>

typedef struct {
    guint src_ver;              /* the source's version when it was searched */
    guint n_dst;
    guint dst[K_DST], dst_ver[K_DST];   /* the destinations searched, with their versions */
    Move best[K_DST];           /* the best move to each (best[j].found: any) */
    guint n_vms;                /* the source's VMs (planner list order) ... */
    double *relief;             /* ... what each one's leaving serves (NAN: not known) */
} SrcSearch;

struct SovaSearch {
    guint n_hosts;
    guint *ver;                 /* per host: commits that touched it */
    SrcSearch **src;            /* per host as a source: NULL until searched */
};

SovaSearch *cs_search_new(guint n_hosts)
{
    SovaSearch *s = g_new0(SovaSearch, 1);
    s->n_hosts = n_hosts;
    s->ver = g_new0(guint, n_hosts);
    s->src = g_new0(SrcSearch *, n_hosts);
    return s;
}

void cs_search_free(SovaSearch *s)
{
    if (!s)
        return;
    for (guint h = 0; h < s->n_hosts; h++)
        if (s->src[h]) {
            g_free(s->src[h]->relief);
            g_free(s->src[h]);
        }
    g_free(s->src);
    g_free(s->ver);
    g_free(s);
}

void cs_search_touch(SovaSearch *s, guint h)
{
    s->ver[h]++;
}

/* each movable VM of source a (in the cluster's order, so that what the relief of leaving
 * a is, computed once a VM, serves every destination) on each destination dst[todo[i]],
 * the best into best[todo[i]] */
static void try_dests(Sova *S, guint a, SrcSearch *c, const guint *dst, const guint *todo,
                      guint nt, double imb, Move *best)
{
    ClPlanner *P = &S->P;
    for (guint k = P->first[a]; nt && k < P->first[a + 1]; k++) {
        guint v = P->list[k];
        const SovaMigrationCost *cost;
        if (P->host_of[v] != (int)a || !cs_movable(S, v, FALSE) || !(cost = cs_cost_ok(S, v)))
            continue;
        double *relief = &c->relief[k - P->first[a]];
        if (isnan(*relief))
            *relief = cs_relief_src(S, v);
        else
            cs_relief_src_known(S, v, *relief);
        for (guint i = 0; i < nt; i++)
            cs_consider(S, v, dst[todo[i]], cost, MOVE_BALANCE, imb, &best[todo[i]]);
    }
}

/* the move to b found when b was last searched from this source, if b has not changed
 * since (and the source had not either: the caller checks) */
static const Move *kept(const SovaSearch *s, const SrcSearch *c, guint b)
{
    for (guint j = 0; j < c->n_dst; j++)
        if (c->dst[j] == b)
            return c->dst_ver[j] == s->ver[b] ? &c->best[j] : NULL;
    return NULL;
}

/* source a's best move on dst[0 .. nd): for each destination, what was found before when
 * neither changed since, else searched again */
static Move search_source(Sova *S, guint a, const guint *dst, guint nd, double imb)
{
    SovaSearch *s = S->search;
    SrcSearch *old = s->src[a], *c = g_new(SrcSearch, 1);
    gboolean same = old && old->src_ver == s->ver[a];
    c->n_vms = S->P.first[a + 1] - S->P.first[a];
    if (same) {
        c->relief = old->relief;
        old->relief = NULL;
    } else {
        c->relief = g_new(double, c->n_vms);
        for (guint k = 0; k < c->n_vms; k++)
            c->relief[k] = NAN;
    }
    Move best = {0};
    guint todo[K_DST], nt = 0;
    c->src_ver = s->ver[a];
    c->n_dst = nd;
    for (guint j = 0; j < nd; j++) {
        const Move *m = same ? kept(s, old, dst[j]) : NULL;
        c->dst[j] = dst[j];
        c->dst_ver[j] = s->ver[dst[j]];
        c->best[j] = m ? *m : (Move){0};
        if (!m)
            todo[nt++] = j;
        else if (m->found)
            cs_rescore(S, &c->best[j], imb);   /* the tie-break moved with the commits */
    }
    try_dests(S, a, c, dst, todo, nt, imb, c->best);
    for (guint j = 0; j < nd; j++)
        if (c->best[j].found && (!best.found || c->best[j].score > best.score))
            best = c->best[j];
    if (old)
        g_free(old->relief);
    g_free(old);
    s->src[a] = c;
    return best;
}

void cs_search_best(Sova *S, double imb, Move *best)
{
    guint src[K_SRC], dst[K_DST];
    guint ns = cl_rank_top(&S->src, src, K_SRC, NULL, NULL);
    guint nd = cs_pick_destinations(S, dst, FALSE);
    for (guint i = 0; i < ns; i++) {
        Move m = search_source(S, src[i], dst, nd, imb);
        if (m.found && (!best->found || m.score > best->score))
            *best = m;
    }
}
