/* cpu_balance_private.h — what the `balance` cpu policy's two files share: its state across
 * intervals, the inputs every plan of one interval reads, and the functions one file calls in
 * the other. cpu_balance.c runs the steps (its top comment describes the policy);
 * cpu_balance_group.c keeps a shared pin set standing. Nobody else includes this. */
#pragma once
#include "policy/cpu_layout.h"
#include "policy/cpu_noise.h"
#include "policy/cpu_share.h"
#include "policy/cpu_robust.h"

typedef struct {
    SovaCpuNoise *noise;
    SovaCpuShareState share;
    SovaCpuRobust *robust;
    SovaCpuSet *group;        /* the shared pin set this policy made (cpu_group.h), or NULL */
    double sat_worst;         /* EWMA of the best pins' worst ratio on a saturated host
                               * (cpu_service.h); 0: none yet */
    guint fine_for;           /* intervals in a row it was short by the finer tolerance */
    SovaCpuSet *smaller;      /* a smaller shared set that would do (see shrink), or NULL */
    guint smaller_for;        /* intervals in a row it was that one */
} BalanceState;

/* what every plan of one interval reads */
typedef struct {
    const SovaModel *m;
    const SovaCpuPolicyParams *params;
    const double *demand;
    const gboolean *young;
    const gboolean *fast;
    double measured, noise;
    gboolean look;
} Inputs;

/* the one-pCPU pins of the layout around `frozen` (cpu_balance.c; see there) */
Balancer *cpu_balance_plan_pins(const Inputs *in, const SovaCpuSet *frozen, SovaPlan *plan,
                                Balancer *found, double found_before);

/* ---- cpu_balance_group.c ---- */

/* the shared pin set in place: the one this policy made while some vCPU is in it, or every
 * usable pCPU when the kernel shares the whole host; NULL when none */
SovaCpuSet *cpu_balance_current_group(const SovaModel *m, const BalanceState *st);
/* the set this policy made (NULL: none); st may be NULL */
void cpu_balance_remember_group(BalanceState *st, const SovaCpuSet *group);
/* a shared pin set that stays: the rest of the host is pinned around it, and when the rest
 * loses work too, the set grows by the rest's own group */
void cpu_balance_plan_around(const Inputs *in, const SovaCpuSet *group, double margin,
                             BalanceState *st, SovaPlan *plan);
/* forgets the smaller set a shrink was waiting on */
void cpu_balance_forget_smaller(BalanceState *st);
/* a shared set that grew gives way when demand falls (see the file); TRUE when it did */
gboolean cpu_balance_shrink(const Balancer *best, const SovaCpuSet *group, double margin,
                            BalanceState *st, SovaPlan *plan);
