/* cpu_policy.h — the cpu plane's policies: pure functions Model -> Plan.
 *
 * A policy reads a SovaModel and its own state (kept by the caller between
 * intervals) and returns a plan of pin actions. No I/O, no libvirt, no clock:
 * the same function runs in the agent, the simulator and the unit tests.
 * Policies have the shape every plane shares (policy/registry.h) and are selected
 * by name (`--cpu-policy`). Callers plan through sova_cpu_plan(). */
#pragma once
#include <glib.h>
#include "model/model.h"
#include "model/plan.h"
#include "policy/registry.h"
#include "policy/cpu_takeover.h"

typedef struct {
    double target_stddev;     /* act only when the pCPU util stddev (points)
                               * exceeds this; default 5 */
    double min_gain;          /* balance: the plan must cut the stddev by at least
                               * this (points); default 2 */
} SovaCpuPolicyParams;

#define SOVA_CPU_PARAMS_DEFAULT ((SovaCpuPolicyParams){ .target_stddev = 5.0, .min_gain = 2.0 })

typedef struct {
    SOVA_POLICY_HEAD;
    SovaPlan *(*plan)(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state);
    /* optional: what to do with the layout found, from the agent's first snapshot alone,
     * before anything is measured (cpu_takeover.h), with the policy's state (what it
     * decides there is its own decision); NULL: nothing (zigzag, lpt) */
    SovaPlan *(*takeover)(const SovaSnapshot *s, const SovaCpuTakeoverParams *params,
                          gpointer state);
} SovaCpuPolicy;

/* what every caller plans through (agent, simulator): a REREAD plan (nothing to do; the
 * backend re-reads every pin at its next sample) when the model found the placement
 * stale and the backend can re-read it (SovaModel.stale_pcpu, placement_cached), else
 * policy->plan() */
SovaPlan *sova_cpu_plan(const SovaCpuPolicy *policy, const SovaModel *m,
                        const SovaCpuPolicyParams *params, gpointer state);

/* NULL when unknown */
const SovaCpuPolicy *sova_cpu_policy_find(const char *name);
/* "balance, zigzag, lpt" */
const char *sova_cpu_policy_list(void);

extern const SovaCpuPolicy sova_cpu_policy_balance;
extern const SovaCpuPolicy sova_cpu_policy_zigzag;
extern const SovaCpuPolicy sova_cpu_policy_lpt;
