/* cluster_private.h — what the cluster policies share and nobody else sees: a planner
 * that answers "what if VM v moved to host h" in O(resources) from per-host sums, and
 * keeps the hard constraints (capacity with headroom, pinned VMs, usable hosts,
 * anti-affinity, concurrency) in one place.
 *
 * A plan is built by trying moves on the planner (cl_* functions) and committing the
 * chosen ones with cl_commit(), which updates the sums, the group counts, the VF and
 * in-flight accounting, and appends the MIGRATE action. The cluster itself is never
 * modified. */
#pragma once
#include "policy/cluster_policy.h"
#include "model/migration_cost.h"

#define CL_R SOVA_RES_N

typedef struct {
    const SovaCluster *c;
    const SovaClusterParams *p;
    guint n_hosts, n_vms;
    double *sum;              /* [h * CL_R + r]: base + demands of the VMs there (plan applied) */
    double *cap;              /* [h * CL_R + r]: capacity, 0 unknown */
    gboolean *counted;        /* per host: counts in the imbalance */
    double w[CL_R], wsum;     /* imbalance weights (0 for unmeasured resources) */
    double s1[CL_R], s2[CL_R];/* sum and sum of squares of counted hosts' normalised loads */
    guint n_counted;
    int *host_of;             /* per VM: its host once the plan is applied, -1 unknown */
    guint8 *planned;          /* per VM: this plan moves it (bytes: VMs are many) */
    guint *first, *list;      /* VMs by host (as in the cluster): list[first[h] .. first[h+1]) */
    guint *inflight;          /* per host: migrations in flight or planned (source or dest) */
    double *cpu_unmet;        /* per host: the measured unmet CPU (cpu_unmet) of its VMs not
                               * migrating, pCPUs, as the cluster is (not plan applied) */
    guint total_inflight;
    int *vf_delta;            /* per host: VFs planned moves take (+) or give back (-) */
    GHashTable *groups;       /* group name -> guint[n_hosts], owned */
    GArray *vf_vms;           /* guint: VMs that want a VF or lack one (wants_vf, unmet_vf) */
    gboolean ignore_caps;     /* cl_rules_ok leaves the caps out (sova_cluster_checker) */
    guint8 *blocked;          /* per VM: its rules contradict each other, it stays; NULL when
                               * no VM has a rule beyond migrate= and group= */
} ClPlanner;

void cl_planner_init(ClPlanner *P, const SovaCluster *c, const SovaClusterParams *p);
void cl_planner_clear(ClPlanner *P);

double cl_load(const ClPlanner *P, guint h, SovaResource r);
/* the host's weighted score (as sova_cluster_host_score), plan applied */
double cl_score(const ClPlanner *P, guint h);
double cl_imbalance(const ClPlanner *P);
/* mean normalised load of r over counted hosts */
double cl_mean(const ClPlanner *P, SovaResource r);
/* the imbalance once VM v has moved to host b (plan applied, v not moved yet) */
double cl_imbalance_after(const ClPlanner *P, guint v, guint b);
/* cl_imbalance and cl_imbalance_after are the weighted MEAN of the per-resource deviations
 * (what the baselines, modelled on other tools, keep using); these two are the LARGEST
 * (each weighted by w[r] / the largest w), as sova_cluster_imbalance: a skewed resource is
 * not diluted by flat ones */
double cl_imbalance_max(const ClPlanner *P);
double cl_imbalance_max_after(const ClPlanner *P, guint v, guint b);
/* resource r's part of cl_imbalance_max_after (a lower bound of it, whatever r) */
double cl_deviation_after(const ClPlanner *P, guint v, guint b, SovaResource r);
/* an upper bound of imb - cl_imbalance_max_after(P, v, b) (imb = cl_imbalance_max(P)),
 * from resource r's part (tightest for cl_imbalance_max_resource's): O(resources), no
 * what-if; about v's share of a host over sqrt(hosts), where imb grows with the cluster */
double cl_imbalance_drop_bound(const ClPlanner *P, guint v, guint b, double imb, SovaResource r);
/* the same for a VM (no keep-together mates) of demand d in r on host a (-1: none): it
 * grows with d, so the largest d of several VMs bounds them all */
double cl_imbalance_drop_bound_d(const ClPlanner *P, int a, guint b, double d, double imb,
                                 SovaResource r);
/* the resource whose weighted deviation is the largest now (cl_imbalance_max's) */
SovaResource cl_imbalance_max_resource(const ClPlanner *P);

/* VM v may be moved at all: not pinned, not migrating, not planned, no VF detach of its
 * agent's pending (it moves once the VF is gone), on an up host that is not excluded
 * (cooldown and backoff are the sova policy's business) */
gboolean cl_vm_movable(const ClPlanner *P, guint v);
/* host b may receive VMs: up, not excluded, not in maintenance */
gboolean cl_host_accepts(const ClPlanner *P, guint b);
/* v fits on b: every resource with a known capacity stays <= 1 - headroom */
gboolean cl_fits(const ClPlanner *P, guint v, guint b);
/* no VM of v's anti-affinity group is on b (plan applied) */
gboolean cl_group_ok(const ClPlanner *P, guint v, guint b);
/* every hard rule for moving v to b: not planned yet, accepts, fits, group, b != v's host,
 * and the per-VM rules (cl_rules_ok) */
gboolean cl_can_move(const ClPlanner *P, guint v, guint b);

/* v failed to migrate and its backoff (params' backoff_s, doubled per failure in a row)
 * has not run out at c->now */
gboolean cl_backing_off(const ClPlanner *P, guint v);
#define CL_MAX_BACKOFF_DOUBLINGS 16

/* ---- per-VM rules (cluster_vm_rules.c) ---- */
void cl_rules_init(ClPlanner *P);
void cl_rules_clear(ClPlanner *P);
/* v's rules contradict each other: it is not moved */
gboolean cl_rules_block(const ClPlanner *P, guint v);
/* v may run on b by its hosts= rule */
gboolean cl_allowed(const ClPlanner *P, guint v, guint b);
/* v runs on a host its hosts= rule excludes: it is an evacuee */
gboolean cl_must_leave(const ClPlanner *P, guint v);
/* why an evacuee leaves: "maintenance" or its hosts= rule */
const char *cl_leave_cause(const ClPlanner *P, guint v);
/* v's keep-together mates on its host, not planned (guint indexes; free it) */
GArray *cl_mates(const ClPlanner *P, guint v);
/* moving v to b moves its whole unit: every mate movable, allowed on b, no anti-affinity
 * clash there, all of them fit, and the caps have room for all of them */
gboolean cl_rules_ok(const ClPlanner *P, guint v, guint b);
/* applies and appends the mates' migrations after v's (cl_commit calls it) */
void cl_commit_mates(ClPlanner *P, SovaPlan *plan, guint v, const GArray *mates, int a, guint b);
/* some migration of the plan moves a VM with a rule beyond migrate= and group= (together=,
 * hosts=, or contradictory ones): O(actions x VMs), to skip the rest when none does */
gboolean cl_plan_has_rules(const SovaCluster *c, const SovaPlan *plan);
/* action i migrates a VM whose keep-together mate an earlier action moves the same way:
 * it rides with that migration (the caps count a unit once) */
gboolean cl_rides_with(const SovaCluster *c, const SovaPlan *plan, guint i);
/* drops every migration that breaks a per-VM rule or moves part of a keep-together unit;
 * returns how many were dropped (the last filter of sova_cluster_plan) */
guint cl_whole_units(const SovaCluster *c, SovaPlan *plan);
/* keep-together groups split across hosts gathered (cluster_gather.c): the migrations
 * that gather them now, NULL when none; *view is then a copy of c with those migrations in
 * flight, for the policy to plan on (else NULL) */
SovaPlan *cl_gather(const SovaCluster *c, const SovaClusterParams *p, SovaCluster **view);
/* drops the migrations that the hard rules no longer allow, in plan order with the kept
 * ones applied (cluster_caps.c); returns how many */
guint cl_recheck(const SovaCluster *c, const SovaClusterParams *p, SovaPlan *plan);
/* b has a VF nobody holds or is about to take */
guint cl_vf_free(const ClPlanner *P, guint b);
/* concurrency caps (0 = no cap) allow one more migration from a to b */
gboolean cl_caps_allow(const ClPlanner *P, guint a, guint b);
gboolean cl_caps_full(const ClPlanner *P);

/* the estimated cost of migrating v (params' bandwidth and downtime) */
SovaMigrationCost cl_cost(const ClPlanner *P, guint v);

/* applies v -> b to the planner's accounting (sums, groups, VFs, in flight), no action */
void cl_apply(ClPlanner *P, guint v, guint b, gboolean takes_vf);
/* commits v -> b: cl_apply(), and a MIGRATE action with gain, cost and reason */
void cl_commit(ClPlanner *P, SovaPlan *plan, guint v, guint b, double gain, double cost_s,
               gboolean takes_vf, const char *reason);

/* the resource in which host h is most above the mean (weighted), for reasons */
SovaResource cl_hottest_resource(const ClPlanner *P, guint h);
const char *cl_resource_name(SovaResource r);

/* baselines' evacuation: every movable VM on a maintenance host (or on a host its hosts=
 * rule excludes), biggest first, goes to the
 * least loaded host (score) that takes it; at most `limit` moves (0 = no limit). Returns the
 * number planned; VMs with nowhere to go are counted in *stuck (may be NULL). */
guint cl_evacuate_simple(ClPlanner *P, SovaPlan *plan, guint limit, guint *stuck);
/* a VM and its size on its host (cl_vm_size) */
typedef struct {
    guint v;
    double size;
} Sized;
/* the movable VMs on maintenance hosts and those on a host their hosts= rule excludes,
 * biggest first (Sized); `also` (may be NULL) must
 * accept them too */
GArray *cl_evacuees(const ClPlanner *P, gboolean (*also)(gconstpointer data, guint v),
                    gconstpointer data);
/* drops the plan's migrations beyond the concurrency caps (cluster_caps.c); returns how
 * many were dropped */
guint cl_hold_to_caps(const SovaCluster *c, const SovaClusterParams *p, SovaPlan *plan);
/* a VM's weighted, normalised size on host h (its share of h's score) */
double cl_vm_size(const ClPlanner *P, guint v, guint h);

/* hosts in descending order of a key (cluster_rank.c) */
typedef struct {
    GSequence *seq;           /* host indexes */
    GSequenceIter **at;       /* per host: its place, NULL when not ranked */
    double *key;              /* per host */
} ClRank;

void cl_rank_init(ClRank *R, guint n_hosts);
void cl_rank_clear(ClRank *R);
/* ranks the best `limit` hosts h with keep[h] under key[h] (R freshly initialised); the
 * others can still be ranked later with cl_rank_set() */
void cl_rank_build(ClRank *R, guint n_hosts, const gboolean *keep, const double *key,
                   guint limit);
/* (re-)ranks h under key, or drops it when !keep */
void cl_rank_set(ClRank *R, guint h, gboolean keep, double key);
/* the first k ranked hosts that `want` accepts (want NULL: all); returns how many */
guint cl_rank_top(const ClRank *R, guint *out, guint k, gboolean (*want)(guint h, gpointer data),
                  gpointer data);

extern const SovaClusterPolicy sova_cluster_policy_sova;
extern const SovaClusterPolicy sova_cluster_policy_prototype;
extern const SovaClusterPolicy sova_cluster_policy_watcher;
extern const SovaClusterPolicy sova_cluster_policy_proxlb;
extern const SovaClusterPolicy sova_cluster_policy_drs;
