/* cpu_test_util.h — hand-made hosts for the cpu policy tests, and a tiny "real
 * system" that applies a plan and re-measures, so tests can run a policy
 * interval after interval and count the pin changes.
 *
 * The simulated truth is each vCPU's `demand`. After a plan is applied, a pCPU
 * gives its `other` load first and shares the rest among the vCPUs on it, in
 * proportion to demand when it is oversubscribed: usage = demand * share, delay =
 * demand - usage, util = min(100, other + sum of usages). */
#pragma once
#include "model/model.h"
#include "model/plan.h"
#include "policy/cpu_policy.h"

/* an n-pCPU host (cell 0, no background load) */
SovaModel *cpu_test_host(guint n_pcpus);
/* adds VM `name` with n vCPUs of the given demand; pin >= 0 pins them all there,
 * pin < 0 leaves them unpinned, running on pCPU -pin - 1 (so -1 = runs on pCPU 0).
 * Call cpu_test_settle() after building. Returns the VM's index. */
guint cpu_test_add_vm(SovaModel *m, const char *name, guint n, double demand, int pin);
/* the first vCPU (index into model->vcpus) of VM `name` */
guint cpu_test_vcpu_of(const SovaModel *m, const char *name);
/* recomputes usage, delay, util, vcpu_util from demands and placement */
void cpu_test_settle(SovaModel *m);
/* pins as the plan says, then settles; returns the number of actions */
guint cpu_test_apply(SovaModel *m, const SovaPlan *p);
/* plans and applies `rounds` times; returns the total number of pin actions */
guint cpu_test_rounds(const SovaCpuPolicy *pol, gpointer state, const SovaCpuPolicyParams *params,
                      SovaModel *m, guint rounds);
/* other + demands of the vCPUs placed on p (uncapped) */
double cpu_test_load(const SovaModel *m, guint p);
guint cpu_test_count_on(const SovaModel *m, guint p);
/* stddev of min(100, cpu_test_load) over usable pCPUs */
double cpu_test_load_stddev(const SovaModel *m);
/* the plan's action for VM `vm` vCPU `vcpu`, or NULL */
const SovaAction *cpu_test_find(const SovaPlan *p, const char *vm, int vcpu);
/* every action on one line each, for comparing two plans */
char *cpu_test_describe(const SovaPlan *p);
/* a seeded host of n_pcpus with n_vcpus spread over VMs of 1..8 vCPUs, mean load
 * about `fill` percent, all pinned at random (unbalanced) */
SovaModel *cpu_test_random_host(guint n_pcpus, guint n_vcpus, double fill, guint32 seed);
