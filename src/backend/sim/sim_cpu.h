/* sim_cpu.h — the simulator's CPU model: who runs how much during one tick.
 *
 * A pure function over plain arrays, so it can be checked by hand in unit tests:
 *  - background (non-VM) load is a task bound to its pCPU;
 *  - a vCPU pinned to one pCPU shares that pCPU with everything else there;
 *  - unpinned vCPUs move the way CFS's load balancer moves them: their demand is
 *    water-filled over their allowed pCPUs, onto the least loaded first (groups with
 *    the same affinity are filled together, the most constrained group first);
 *  - a pCPU whose total demand D exceeds 100 % gives each task demand/D of what it
 *    wanted (share in proportion to demand, capped at 100 %);
 *  - what a vCPU wanted but did not get is its run-queue delay (runnable, not running);
 *  - SMT (sova_sim_cpu_share_smt): hardware threads of one core share its execution units.
 *    While a sibling is busy too, a thread runs at `smt_factor` of its lone speed; siblings'
 *    busy times overlap as little as their load allows (a core's threads busy b1, b2 overlap
 *    max(0, b1 + b2 - 1): the kernel spreads over idle cores first). Time is shared as above
 *    (demand is time; the counters report time); only the work that time achieves drops.
 * Fractions are of one pCPU over the tick: 0..1. */
#pragma once
#include <glib.h>
#include "model/cpuset.h"
#include "model/plan.h"

typedef struct {
    /* in */
    double demand;                /* 0..1 */
    const SovaCpuSet *affinity;   /* allowed pCPUs; NULL = all */
    /* out */
    double run;                   /* fraction of the tick it ran */
    double wait;                  /* fraction it was runnable but waiting: demand - run */
    double work;                  /* what that running achieved, in full-speed pCPU fractions:
                                     run, less the SMT slowdown (= run without SMT) */
    int pcpu;                     /* where it runs: its pin, or for unpinned threads where CFS
                                     would keep it (largest first onto the emptiest pCPU; it
                                     stays where it was while it fits); in: where it was */
} SovaSimThread;

/* Shares `n_pcpus` pCPUs among `threads` and the per-pCPU `background` demand (0..1;
 * may be NULL). Fills every thread's out fields and busy[p] (0..1; may be NULL).
 * Threads whose affinity allows no existing pCPU get nothing. */
void sova_sim_cpu_share(guint n_pcpus, const double *background, SovaSimThread *threads,
                        guint n_threads, double *busy);

/* The same with SMT: pCPUs p and q are siblings when p / threads_per_core == q /
 * threads_per_core; smt_factor in (0, 1] is a thread's speed while a sibling is busy too
 * (1, or threads_per_core 1: exactly sova_sim_cpu_share). */
void sova_sim_cpu_share_smt(guint n_pcpus, guint threads_per_core, double smt_factor,
                            const double *background, SovaSimThread *threads, guint n_threads,
                            double *busy);

/* Each pCPU's speed over the tick given every pCPU's busy fraction (0..1): 1 less (1 -
 * smt_factor) times the share of its busy time that a sibling is busy too, the overlap
 * being as small as the siblings' load allows. speed[p] = 1 with no sibling busy. */
void sova_sim_cpu_smt_speed(guint n_pcpus, guint threads_per_core, double smt_factor,
                            const double *busy, double *speed);

/* A pin action on a VM `name` of `n_vcpus` on a host of `n_pcpus`: the vCPU's new
 * affinity (its one pCPU, or the action's set), or NULL with an error when the vCPU or
 * the pCPUs do not exist. *pcpu is set to the pCPU of a one-pCPU pin (left alone for a set). */
SovaCpuSet *sova_sim_cpu_pin(const SovaAction *a, const char *name, guint n_vcpus, guint n_pcpus,
                             int *pcpu, GError **error);
