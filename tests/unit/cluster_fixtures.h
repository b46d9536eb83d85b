/* cluster_fixtures.h — building clusters for the cluster-policy tests (test_cluster_policy*.c):
 * hosts of 16 pCPUs, 64 GiB and a 10 Gbit/s NIC, VMs by hand or of random size from a seed,
 * and a plan applied to the cluster as the controller would once the migrations finish
 * (each moved VM's last_moved = now; a VM that wants a VF gets one on arrival when a VF is
 * free, else its demand stays unmet). */
#pragma once
#include "model/cluster.h"
#include "policy/cluster_policy.h"

#define GIB_KIB (1024.0 * 1024.0)
#define NIC_BPS 1.25e9   /* every host's NIC, bytes/s */

/* n_hosts empty hosts h0, h1, ... at now = 10000 */
SovaCluster *cluster(guint n_hosts);
/* VM `name` on host h: cpu pCPUs (ceil(cpu) vCPUs), mem_gib GiB, net bytes/s */
SovaClusterVm *vm(SovaCluster *c, const char *name, int h, double cpu, double mem_gib,
                  double net);
/* VM "vmN" (N: its index) on host h, without traffic */
void vmf(SovaCluster *c, int h, double cpu, double mem_gib);
/* n hosts with `per` VMs each of random size, plus `hot` extra VMs on host 0 */
SovaCluster *random_cluster(guint n, guint per, guint hot, guint32 seed);
/* SOVA_CLUSTER_PARAMS_DEFAULT */
SovaClusterParams params(void);
/* the registered cluster policy `name` (asserted to exist) */
const SovaClusterPolicy *policy(const char *name);
/* a `sova` policy state (a SovaState, policy/cluster_sova.h) as if a plan over c had run:
 * noise sigma learnt, and on the last sample no host overloaded, touched by a migration or
 * being relieved (the tests set its arrays to say otherwise); free with its state_free */
gpointer learnt_state(const SovaCluster *c, double sigma);
/* policy `name`'s plan for c, without a state */
SovaPlan *plan_with(const char *name, const SovaCluster *c, const SovaClusterParams *p);
/* the index in c of the action's VM (asserted to exist) */
int vm_of(const SovaCluster *c, const SovaAction *a);
/* the controller once the plan's migrations finished (see the top of this file) */
void apply(SovaCluster *c, const SovaPlan *plan);
/* which host resources are over 1 - headroom now: [h * SOVA_RES_N + r], g_free it */
gboolean *overfull(const SovaCluster *c, const SovaClusterParams *p);
/* every host resource not in was_over (from overfull) is within 1 - headroom */
void assert_within_capacity(const SovaCluster *c, const SovaClusterParams *p,
                            const gboolean *was_over);
/* runs policy `name` on c for `rounds` plans, each applied, and asserts the hard rules each
 * time: pinned VMs never move, host `maint` (in maintenance) receives nothing, every host
 * resource not over 1 - headroom at the start stays within it; and at the end every VM
 * left on `maint` is pinned */
void assert_hard_rules(const char *name, SovaCluster *c, const SovaClusterParams *p,
                       guint maint, int rounds);
/* the plan's action for VM `name`, or NULL */
const SovaAction *action_for(const SovaPlan *plan, const char *name);
/* sets host h's NIC utilisation history to u[0..n), oldest first */
void nic_history(SovaCluster *c, guint h, const double *u, guint n);
/* the cluster's unmet demand as the sova policy counts it (cluster_sova_unmet.c's formula,
 * written out independently), hosts' worth, for clusters whose hosts all have the same
 * capacity and weights 1: per host, the expected overflow of its CPU load with bursts of
 * 0.05, of its network load with bursts of 0.15, and of its memory without */
double unmet(const SovaCluster *c);
/* the largest CPU load of any host */
double max_cpu_load(const SovaCluster *c);
/* the registered cluster policies' names, g_strfreev it */
char **names_of_policies(void);
/* params() with caps no test of the per-VM rules reaches (20 in all, 20 per host) */
SovaClusterParams roomy(void);
/* v joins keep-together group `name` (together='name'); returns v */
SovaClusterVm *together(SovaClusterVm *v, const char *name);
