/* cluster_sova.h — the inside of the `sova` cluster policy (cluster_sova.c), shared by its
 * files and nobody else: the plan being built (Sova: the planner of cluster_private.h plus
 * what this policy adds: thresholds widened by noise, hot hosts, VMs with VF demand, the
 * ranked candidate hosts), a candidate move, and what the policy remembers between plans.
 *   cluster_sova.c          the policy's steps (evacuate, serve VF demand, balance)
 *   cluster_sova_moves.c    who may move, VF coordination, a move's gain and cost
 *   cluster_sova_search.c   the search for the next relief move, kept from round to round
 *   cluster_sova_hosts.c    which hosts are tried: sources, destinations, hot hosts
 *   cluster_sova_reasons.c  the reason texts of the moves and of the plan
 *   cluster_sova_noise.c    how noisy host loads are, learnt from plan to plan
 *   cluster_sova_unmet.c    what it minimises: the VMs' demand their hosts cannot serve
 *   cluster_sova_trend.c    which VMs' demand rises (or falls) steadily: the time ahead
 *   cluster_sova_headroom.c a host relieved of an overload is relieved down to 1 - headroom */
#pragma once
#include "policy/cluster_private.h"

#define K_SRC 8                /* most loaded hosts whose VMs are tried */
#define K_DST 16               /* least loaded hosts they are tried on */
#define MIN_RELIEF 0.02        /* a move must serve this much more demand (hosts' worth: 2 % of
                                * an average host) or it is not made */
#define RELIEF_NOISE_K 0.5     /* a relief move must also serve this times the learnt noise of
                                * host loads: a host that reads at its capacity within the noise
                                * (its unmet demand is the burst model's, about MIN_RELIEF) is not
                                * relieved by a move whose gain the next sample may not show
                                * (divided by sqrt(k) for a host overloaded k samples in a row:
                                * their mean is surer; cs_min_relief) */
#define CLEAR_UNMET 0.10       /* unmet demand (hosts' worth) no burst shows: relieved at once,
                                * without waiting for a confirming sample, before the noise of
                                * host loads is learnt; after, MIN_RELIEF + NOISE_K * sigma */
#define TIE_WEIGHT 0.01        /* what evening out host load (the largest per-resource
                                * deviation) adds to a move's score: it breaks ties */
#define RANK_MARGIN 48         /* hosts ranked beyond what the caps can reach */
#define MAX_BACKOFF_DOUBLINGS CL_MAX_BACKOFF_DOUBLINGS
#define NOISE_ALPHA 0.2        /* weight of the newest miss in the learnt noise */
#define NOISE_K 2.0            /* pure noise of sigma rarely shows an imbalance above 2 sigma */
#define TREND_WINDOW 30        /* samples (plans) a VM's demand trend is fitted over */
#define TREND_T 4.0            /* a slope is a trend only beyond this many standard errors */
#define TREND_CONSISTENT 0.5   /* ... and when each third of the window rises (falls) at least
                                * this share of it: a step leaves a third flat */
#define NOW_SLACK 1e-6         /* a move made for later must not leave more unmet now */
#define AHEAD 4                /* reliefs are judged now [0]; at the horizon H on the trends'
                                * bounds [1] (whether to act); at H and 2H on their estimates
                                * [2], [3] (what a move is worth) */

typedef enum { MOVE_BALANCE, MOVE_VF, MOVE_EVACUATE } MoveKind;

typedef struct {
    gboolean found;
    MoveKind kind;
    guint v, b;
    double gain, score, after, cost_s;
    double base;              /* gain - cost_weight * cost (the unit's): score
                               * without the tie-break */
    double relief;            /* unmet demand it serves (cluster_sova_unmet.c) */
    gboolean takes_vf;
} Move;

typedef struct SovaSearch SovaSearch;

typedef struct {
    ClPlanner P;
    const SovaClusterParams *p;
    double now;
    double scale;             /* sqrt(counted hosts): imbalance -> deviation vector length */
    double sigma;             /* learnt noise of host loads (0 without a state) */
    double thr;               /* the threshold, widened by the noise */
    SovaResource imb_r;       /* the resource of the largest deviation, last looked at (a
                               * bound's: any resource gives one) */
    double min_relief;        /* a relief move serves at least this: MIN_RELIEF +
                               * RELIEF_NOISE_K * sigma (from a host overloaded k samples in
                               * a row, less: cs_min_relief) */
    const guint *over_run;    /* per host: samples in a row, this one included, it has been
                               * overloaded (0: not now); NULL without a state */
    const gboolean *waits;    /* per host: a transition (a migration touched it since the last
                               * plan) that was not overloaded on the last sample: not a
                               * source this plan, whatever it reads (NULL: none) */
    guint8 *relieving;        /* per host: bit r set while resource r, relieved of an overload
                               * in this run, has not been back within 1 - headroom since
                               * (NULL without a state) */
    guint8 *over_cap;         /* per host: bit r set when resource r reads at its capacity or
                               * over it (above 1 - sigma: a reading trails a moving demand by
                               * about the learnt noise) at the plan's start ... */
    guint8 *at_cap;           /* ... and not clearly over it (its unmet demand under a clear
                               * overload's, MIN_RELIEF + NOISE_K * sigma).
                               * relieving and at_cap: its unmet demand is counted against
                               * 1 - headroom of it (cs_unmet_cap), the level every destination
                               * keeps: back at its capacity, it is relieved at once and down
                               * to that (cluster_sova_headroom.c) */
    gboolean at_cap_off;      /* TRUE: relieving and at_cap count as without them (while
                               * every clear overload is relieved first) */
    int refine_host;          /* >= 0: its over_cap resources are counted so too (while
                               * cs_headroom_refine values a move from it) */
    double mean_cap[CL_R];    /* mean capacity of counted hosts, per resource */
    double unmet_w[CL_R];     /* weight of each resource's unmet demand (0: not counted) */
    double unmet_sigma[CL_R]; /* how much loads burst, per resource */
    double unmet0;            /* the cluster's unmet demand when the plan began */
    double *unmet;            /* per host: its unmet demand now, plan applied */
    double horizon;           /* seconds ahead a move is judged at: the cooldown it commits to */
    double *slope;            /* [v * CL_R + r]: demand trend per second (0: none); NULL: none */
    double *slope_est;        /* ... its estimate (slope: its bound nearer 0) */
    double *drift2;           /* [v]: how fast the spread of its CPU demand about its trend
                               * grows (pCPU^2 a second); NULL: none */
    double *drift2_host;      /* [h]: the sum over its VMs, plan applied (with trends) */
    guint n_trends;           /* VM resources with a trend (0: everything as without them) */
    double *shift[AHEAD];     /* [k][h * CL_R + r]: its VMs' forecast k (AHEAD) ahead minus
                               * their demand now (k >= 1) */
    double *unmet_ahead[AHEAD]; /* [k][h]: its unmet demand k (AHEAD) ahead ([0]: unmet) */
    double relief_src_ahead[AHEAD]; /* what relief_v's leaving serves k (AHEAD) ahead */
    double *excess;           /* per host: measured unmet CPU beyond the burst model, of the
                               * VMs on it now (pCPUs; cluster_sova_unmet.c) */
    double *excess_vm;        /* per VM: its share of that; NULL when no host has any */
    guint relief_v;           /* the VM whose relief_src is known (G_MAXUINT: none) ... */
    double relief_src;        /* ... what its leaving its host serves */
    GArray *hot;              /* guint: hosts hot for high_water_samples */
    gboolean *is_hot;         /* per host: in `hot` */
    guint hot_left;           /* hot hosts still above high_water, plan applied */
    GArray *vf_vms;           /* guint: VMs with VF demand */
    double mean0[CL_R];       /* per-resource means when the plan began: ranking keys */
    ClRank src, dst;          /* sources, destinations */
    SovaMigrationCost **cost; /* per VM: its migration cost, once known (few are asked) */
    GArray *cost_known;       /* guint: the VMs whose cost is known (to free them) */
    guint evac_stuck, evac_waiting, rejected_cost;
    gboolean episode;         /* balancing carries on from the last plans */
    SovaSearch *search;       /* what each source's search found (cluster_sova_search.c) */
} Sova;

/* ---------- the state: the balancing episode, and how noisy host loads are ---------- */

typedef struct {
    gboolean episode;         /* balancing began above the threshold, not yet under half */
    guint n_hosts;
    double *pred;             /* [h * CL_R + r]: loads the last plan predicted; NULL none */
    gboolean *moving;         /* per host: a migration was planned or in flight there */
    gboolean learnt;
    double sigma2;            /* EWMA of the weighted mean squared miss of that prediction */
    GHashTable *trends;       /* VM UUID -> its last demand samples (cluster_sova_trend.c) */
    double *unmet;            /* per host (n_hosts): its unmet demand when the last plan began;
                               * NULL before the first */
    guint *over_run;          /* per host (n_hosts): samples in a row, up to the last plan's,
                               * it was overloaded (unmet demand >= MIN_RELIEF) */
    guint8 *relieving;        /* per host (n_hosts): Sova's relieving after the last plan */
} SovaState;

/* ---------- who may move, VFs, what-if (cluster_sova_moves.c) ---------- */

/* v may be moved now: cl_vm_movable, not backing off after a failure, and unless
 * evacuating not within its cooldown */
gboolean cs_movable(const Sova *S, guint v, gboolean evacuating);
/* v wants a VF its host cannot give: none free there, or its host's NIC is saturated */
gboolean cs_vf_need(const ClPlanner *P, guint v);
/* fills S->vf_vms: the movable VMs with VF demand (when VFs have a value) */
void cs_find_vf_vms(Sova *S);
/* tries v -> b; keeps it in *best when it is the best so far */
void cs_consider(Sova *S, guint v, guint b, const SovaMigrationCost *cost, MoveKind kind,
                 double imb, Move *best);
/* what a relief move from host a must serve: MIN_RELIEF + RELIEF_NOISE_K * sigma / sqrt(k),
 * a overloaded k samples in a row (k >= 1): the margin is for the noise of one sample's
 * reading, and k samples in a row that all read an overload average it down by sqrt(k) */
double cs_min_relief(const Sova *S, int a);
/* cs_consider for a relief move (MOVE_BALANCE) in a search that does not try VMs in the
 * cluster's order (cluster_sova_search.c): of two moves with the same score, the one of the
 * VM that comes first in the cluster is kept, as cs_consider's in-order callers keep it */
void cs_consider_relief(Sova *S, guint v, guint b, const SovaMigrationCost *cost, double imb,
                        Move *best);
/* an upper bound of the score without its tie-break (gain - cost_weight * cost) of any
 * move of v whose relief is at most relief_max (+inf when no bound is known) */
double cs_base_bound(const Sova *S, guint v, const SovaMigrationCost *cost, double relief_max);
/* tests only: TRUE makes the search the plain one (every VM of a source in the cluster's
 * order, the loose bounds) that the fast one must match move for move */
extern gboolean cs_reference_search;
/* an upper bound of m's score at imbalance imb, without its what-if (cs_rescore's) */
double cs_score_bound(const Sova *S, const Move *m, double imb);
/* m's tie-break, and so its score, again at imbalance imb (the plan's state now) */
void cs_rescore(Sova *S, Move *m, double imb);
/* the migration cost of v, computed once a plan */
const SovaMigrationCost *cs_cost_of(Sova *S, guint v);
/* sets up and frees what cs_cost_of keeps */
void cs_cost_init(Sova *S);
void cs_cost_clear(Sova *S);
/* the cost of v, or NULL when v is not to be chosen for balancing */
const SovaMigrationCost *cs_cost_ok(Sova *S, guint v);

/* ---------- candidate hosts (cluster_sova_hosts.c) ---------- */

/* h is hot (for high_water_samples) and still above high_water, plan applied */
gboolean cs_still_hot(const Sova *S, guint h);
/* fills S->hot, S->is_hot and S->hot_left */
void cs_find_hot(Sova *S);
/* a hot host's standing after its load changed (was: it was still hot before) */
void cs_update_hot(Sova *S, guint h, gboolean was);
/* ranks the hosts as sources and destinations, from the plan's initial means */
void cs_rank_init(Sova *S);
/* (re-)ranks host h as a source and as a destination, after its load changed */
void cs_rank_host(Sova *S, guint h);
/* the K_DST best destinations; with need_vf, only hosts with a free VF */
guint cs_pick_destinations(Sova *S, guint *dst, gboolean need_vf);

/* ---------- the search for relief moves (cluster_sova_search.c) ---------- */

SovaSearch *cs_search_new(guint n_hosts);
void cs_search_free(SovaSearch *s);
/* a commit changed host h: what was searched from it or on it is stale */
void cs_search_touch(SovaSearch *s, guint h);
/* the best relief move from the K_SRC best sources to the K_DST best destinations, into
 * *best (what earlier rounds of the plan found reused where nothing it depends on changed) */
void cs_search_best(Sova *S, double imb, Move *best);

/* ---------- unmet demand (cluster_sova_unmet.c) ---------- */

/* sets mean_cap, unmet_w, unmet_sigma and every host's unmet (after S->sigma is known) */
void cs_unmet_init(Sova *S);
/* the capacity of resource r of host h its unmet demand is counted against: all of it, or
 * 1 - headroom of it when S->relieving and S->at_cap both say so (or h is S->refine_host
 * and S->over_cap says so) */
double cs_unmet_cap(const Sova *S, guint h, int r);
/* the expected overflow of one resource r at normalised load `load`, bursts included (a
 * fraction of the capacity) */
double cs_overflow(int r, double load);

/* ---------- relief down to 1 - headroom (cluster_sova_headroom.c) ---------- */

/* S->relieving from the last plan's (those still above 1 - headroom), S->over_cap, at_cap
 * (`clear`: the unmet demand of a clear overload, cluster_sova.c) */
void cs_relieving_init(Sova *S, const SovaState *st, double clear);
/* a relief move from host a: its resources at or over their capacity are being relieved */
void cs_relieving_start(Sova *S, int a);
/* off (TRUE): the hosts being relieved that read at their capacity count as others do, so
 * that every clear overload goes first; on again (FALSE): they count against 1 - headroom
 * (their unmet demand, ranks and what the search kept, again) */
void cs_at_cap_off(Sova *S, gboolean off);
/* of the relief moves from best's source that serve its demand over the capacity as well as
 * best does, the one that leaves it most within 1 - headroom (valued as if it were
 * relieving) replaces best */
void cs_headroom_refine(Sova *S, double imb, Move *best);
/* host h's unmet demand again, after a move touched it */
void cs_unmet_update(Sova *S, guint h);
/* host h's expected unmet demand, hosts' worth, plan applied (0 for a host that neither
 * counts nor accepts VMs): now, or at the horizon with demand trends followed if more */
double cs_unmet_host(const Sova *S, guint h);
double cs_unmet_total(const Sova *S);
/* how much less demand goes unmet once v has moved to b (plan applied); the source's part
 * is computed once for a run of calls on the same v */
double cs_relief(Sova *S, guint v, guint b);
/* what v's leaving its host serves (the part of cs_relief that is the same for every
 * destination), computed once for a run of calls on the same v */
double cs_relief_src(Sova *S, guint v);
/* tells cs_relief that what v's leaving its host serves is `src` (known from before, its
 * host unchanged since) */
void cs_relief_src_known(Sova *S, guint v, double src);
/* an upper bound of cs_relief(S, v, b) without b's what-if: what leaving v's host serves
 * plus b's unmet demand now (adding v to b leaves at least as much unmet there) */
double cs_relief_bound(Sova *S, guint v, guint b);
/* what v's move to b serves now and ahead (r[0 .. AHEAD), as AHEAD says), demand
 * trends followed; all cs_relief without trends. cs_relief_bound bounds each. */
void cs_reliefs(Sova *S, guint v, guint b, double *r);
/* the most of what v's leaving its host serves now or ahead (cs_relief_src without
 * trends), and of host h's unmet demand: their sum bounds each of cs_reliefs' */
double cs_relief_src_most(Sova *S, guint v);
double cs_unmet_most(const Sova *S, guint h);
/* v (and its keep-together mates) about to move to b: the hosts' forecasts follow */
void cs_shift_move(Sova *S, guint v, guint b);

/* ---------- demand trends (cluster_sova_trend.c) ---------- */

GHashTable *cs_trends_new(void);
/* adds each VM's demand now to its samples, fills slope[v * CL_R + r] (per second, 0 for
 * no trend) and returns how many are not 0; forgets VMs no longer in c */
guint cs_learn_trends(GHashTable *trends, const SovaCluster *c, double *slope, double *est,
                      double *drift2);
/* the trend of samples y at times x (n of them, oldest first): the least-squares slope when
 * there are TREND_WINDOW, it is TREND_T standard errors from 0 and every third of the
 * window shares it; else 0 */
double cs_trend_slope(const double *x, const double *y, guint n, double *est);
/* v's demand of r k (AHEAD) ahead along its trend: 0 now, 1 H on its bound, 2 H and 3 2H
 * on its estimate */
double cs_forecast(const Sova *S, guint v, int r, guint k);

/* ---------- reasons (cluster_sova_reasons.c) ---------- */

/* the reason of move m, planned at imbalance imb */
char *cs_move_reason(const Sova *S, const Move *m, double imb);
/* the plan's reason: its trigger, and what came of it */
void cs_set_reason(const Sova *S, SovaPlan *plan, double imb, guint n_evac, gboolean balancing);

/* ---------- noise (cluster_sova_noise.c) ---------- */

/* learns how far the loads measured now are from what the last plan predicted */
void cs_learn_noise(SovaState *st, const ClPlanner *P);
/* the loads once the plan is carried out: the next plan's prediction */
void cs_remember(SovaState *st, const ClPlanner *P);
