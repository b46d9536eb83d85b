/* cpu_policy.h — the cpu plane's policies: pure functions Model -> Plan.
 *
 * A policy reads a SovaModel and its own state (kept by the caller between
 * intervals) and returns a plan of pin actions. No I/O, no libvirt, no clock:
 * the same function runs in the agent, the simulator and the unit tests.
 * Policies are selected by name (`--cpu-policy`). */
#pragma once
#include <glib.h>
#include "model/model.h"
#include "model/plan.h"

typedef struct {
    double target_stddev;     /* act only when the pCPU util stddev (points) exceeds this; default 5 */
    double min_gain;          /* balance: the plan must cut the stddev by at least this (points); default 2 */
} SovaCpuPolicyParams;

#define SOVA_CPU_PARAMS_DEFAULT ((SovaCpuPolicyParams){ .target_stddev = 5.0, .min_gain = 2.0 })

typedef struct {
    const char *name;
    const char *summary;      /* one line, for --help and docs */
    gpointer (*state_new)(void);          /* may be NULL: stateless */
    void (*state_free)(gpointer state);
    SovaPlan *(*plan)(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state);
} SovaCpuPolicy;

/* NULL when unknown */
const SovaCpuPolicy *sova_cpu_policy_find(const char *name);
/* "balance, zigzag, lpt" */
const char *sova_cpu_policy_list(void);

extern const SovaCpuPolicy sova_cpu_policy_balance;
extern const SovaCpuPolicy sova_cpu_policy_zigzag;
extern const SovaCpuPolicy sova_cpu_policy_lpt;
