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
 * commit) unless a bound of its score cannot beat the best found so far. A destination
 * taken by another move leaves the source its next best. What may differ from a search
 * from scratch: among the moves from one source to one destination whose relief and cost
 * are the same, the one kept is the best by the tie-break as it stood when it was searched
 * (test cluster-sova-search checks plans against one-move plans).
 * Each source's candidates (its movable VMs, what each one's leaving serves, its cost) are
 * found once while the source is unchanged and tried by a bound of their score, the
 * highest first: once a destination's best is beyond the bound of the candidates left
 * (their key + b's unmet demand + the most the tie-break can add, cl_imbalance_drop_bound_d
 * with their largest demand), the rest are not tried on it. A new destination in the top
 * K_DST then costs each source a few what-ifs, not one per VM. The order of trying does not
 * change the choice: of equal scores, the VM first in the cluster's order is kept
 * (cs_consider_relief), as the plain search in that order keeps it; cs_reference_search
 * (tests) runs the plain search, and test cluster-sova-search checks both make the same
 * plans on varied random clusters.
 * On a plan with many moves (caps lifted: one per host, hosts / 2 in the cluster) a round
 * then costs about one source's search and a few what-ifs per source, whatever the
 * cluster's size. */
#include "policy/cluster_sova.h"
#include <math.h>

/* a movable VM of a source, with what does not change while the source does not */
typedef struct {
    guint v;
    const SovaMigrationCost *cost;
    double relief;              /* what its leaving the source serves */
    double key;                 /* cs_base_bound of its moves without b's unmet demand */
} Cand;

typedef struct {
    guint src_ver;              /* the source's version when it was searched */
    guint n_dst;
    guint dst[K_DST], dst_ver[K_DST];   /* the destinations searched, with their versions */
    Move best[K_DST];           /* the best move to each (best[j].found: any) */
    guint n_cand;               /* the source's movable VMs ... */
    Cand *cand;                 /* ... by key, the highest first (NULL: not looked for yet) */
    gboolean unit;              /* one of them moves with keep-together mates */
    double dmax[CL_R];          /* the largest demand of them, per resource */
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
            g_free(s->src[h]->cand);
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

static gint by_key(gconstpointer x, gconstpointer y)
{
    const Cand *a = x, *b = y;
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return a->v < b->v ? -1 : a->v > b->v;
}

/* source a's movable VMs that may balance, what each one's leaving serves, by key */
static void find_cands(Sova *S, guint a, SrcSearch *c)
{
    ClPlanner *P = &S->P;
    c->cand = g_new(Cand, P->first[a + 1] - P->first[a]);
    c->n_cand = 0;
    c->unit = FALSE;
    for (int r = 0; r < CL_R; r++)
        c->dmax[r] = 0;
    for (guint k = P->first[a]; k < P->first[a + 1]; k++) {
        guint v = P->list[k];
        const SovaMigrationCost *cost;
        if (P->host_of[v] != (int)a || !cs_movable(S, v, FALSE) || !(cost = cs_cost_ok(S, v)))
            continue;
        const SovaClusterVm *vm = sova_cluster_vm(P->c, v);
        double relief = cs_relief_src(S, v);   /* with demand trends, the most ahead bounds */
        c->cand[c->n_cand++] = (Cand){v, cost, relief,
                                      cs_base_bound(S, v, cost, cs_relief_src_most(S, v))};
        c->unit |= P->blocked && vm->together;
        for (int r = 0; r < CL_R; r++)
            c->dmax[r] = MAX(c->dmax[r], sova_cluster_vm_demand(vm, r));
    }
    if (!cs_reference_search && c->n_cand > 1)   /* cand is NULL on an empty source */
        qsort(c->cand, c->n_cand, sizeof(Cand), by_key);
}

/* what the tie-break of any move of c's VMs to b adds at most */
static double tie_most(const Sova *S, guint a, const SrcSearch *c, guint b, double imb)
{
    if (c->unit)
        return TIE_WEIGHT * S->scale * imb;
    return TIE_WEIGHT * S->scale * cl_imbalance_drop_bound_d(&S->P, (int)a, b, c->dmax[S->imb_r],
                                                             imb, S->imb_r);
}

/* each candidate of source a on each destination dst[todo[i]], the best into best[todo[i]]:
 * by key, so that once a destination's best is beyond what the candidates left could
 * score there (key + b's unmet demand + tie_most), the rest is not tried on it */
static void try_dests(Sova *S, guint a, SrcSearch *c, const guint *dst, const guint *todo,
                      guint nt, double imb, Move *best)
{
    double most[K_DST];
    gboolean open[K_DST];
    guint n_open = nt;
    for (guint i = 0; i < nt; i++) {
        most[i] = cs_reference_search ? INFINITY
                                      : cs_unmet_most(S, dst[todo[i]]) +
                                            tie_most(S, a, c, dst[todo[i]], imb);
        open[i] = TRUE;
    }
    for (guint k = 0; n_open && k < c->n_cand; k++) {
        const Cand *x = &c->cand[k];
        cs_relief_src_known(S, x->v, x->relief);
        for (guint i = 0; i < nt; i++) {
            Move *m = &best[todo[i]];
            if (!open[i])
                continue;
            if (m->found && x->key + most[i] < m->score) {
                open[i] = FALSE;   /* keys only fall from here */
                n_open--;
                continue;
            }
            cs_consider_relief(S, x->v, dst[todo[i]], x->cost, imb, m);
        }
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

/* source a's best move on dst[0 .. nd) into *best when it beats it: for each destination,
 * what was found before when neither changed since (rescored: the tie-break moved with the
 * commits; not even that when its bound cannot beat *best), else searched again */
static void search_source(Sova *S, guint a, const guint *dst, guint nd, double imb, Move *best)
{
    SovaSearch *s = S->search;
    SrcSearch *old = s->src[a], *c = g_new(SrcSearch, 1);
    gboolean same = old && old->src_ver == s->ver[a];
    if (same) {
        *c = *old;   /* its candidates; the rest is set below */
        old->cand = NULL;
    } else {
        c->cand = NULL;
    }
    guint todo[K_DST], nt = 0;
    gboolean stale[K_DST];
    c->src_ver = s->ver[a];
    c->n_dst = nd;
    for (guint j = 0; j < nd; j++) {
        const Move *m = same ? kept(s, old, dst[j]) : NULL;
        c->dst[j] = dst[j];
        c->dst_ver[j] = s->ver[dst[j]];
        c->best[j] = m ? *m : (Move){0};
        stale[j] = m && m->found;
        if (!m)
            todo[nt++] = j;
    }
    if (nt && !c->cand)
        find_cands(S, a, c);
    if (nt)
        try_dests(S, a, c, dst, todo, nt, imb, c->best);
    for (guint j = 0; j < nd; j++) {
        Move *m = &c->best[j];
        if (!m->found || (stale[j] && best->found && cs_score_bound(S, m, imb) <= best->score))
            continue;   /* (a stale score is rescored when next kept) */
        if (stale[j])
            cs_rescore(S, m, imb);
        if (!best->found || m->score > best->score)
            *best = *m;
    }
    if (old)
        g_free(old->cand);
    g_free(old);
    s->src[a] = c;
}

void cs_search_best(Sova *S, double imb, Move *best)
{
    guint src[K_SRC], dst[K_DST];
    guint ns = cl_rank_top(&S->src, src, K_SRC, NULL, NULL);
    guint nd = cs_pick_destinations(S, dst, FALSE);
    for (guint i = 0; i < ns; i++)
        search_source(S, src[i], dst, nd, imb, best);
}
