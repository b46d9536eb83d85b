/* sim_backend.h — the simulator as one host: a second implementation of the backend
 * interface, for a single-host scenario (a cluster of one host, sim_cluster.h).
 *
 * It plays a host from a scenario in simulated time and reports exactly what the libvirt
 * backend would: cumulative vCPU time and run-queue delay, the pCPU each vCPU last ran on,
 * affinities, node busy/idle per pCPU (optionally with seeded measurement noise), and it
 * counts the libvirt calls the real backend would make (P + 2 per sample, 1 per pin, 1 per
 * VF attach or detach, and 1 at the next sample to re-read the XML of a VM whose VF
 * moved). With network traffic in the scenario, every VM has a standby NIC and VFs can be
 * attached and detached (sim_net.h: the net model). wait() advances simulated time in
 * ticks without sleeping, so the agent's real loop and real policies run unchanged
 * against it. Deterministic for a given scenario and seed. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "backend/sim/sim_net.h"
#include "backend/sim/sim_scenario.h"

/* Host 0 of `sc` (its only host); sova_backend_free() frees the whole simulator. `sc` must
 * outlive the backend (its demand shapes are shared, not copied). With `unpin_all` every
 * vCPU starts unpinned (within its VM's affinity), whatever the scenario says: the "no
 * sova, plain CFS" baseline. */
SovaBackend *sova_sim_backend_new(const SovaSimScenario *sc, guint64 seed, gboolean unpin_all);
gboolean sova_backend_is_sim(SovaBackend *be);

/* simulated seconds since the start */
double sova_sim_backend_now(SovaBackend *be);

/* Ground truth, without measurement noise, for reports and tests. VM index = scenario order. */
guint64 sova_sim_backend_pcpu_busy_ns(SovaBackend *be, guint pcpu);
/* ran_ns: the work its vCPUs did (their CPU time, less the SMT slowdown: sim_cpu.h) */
void sova_sim_backend_vm_truth(SovaBackend *be, guint vm, guint64 *ran_ns, guint64 *wanted_ns);
void sova_sim_backend_vcpu_truth(SovaBackend *be, guint vm, guint vcpu, guint64 *ran_ns,
                                 guint64 *delay_ns);

/* When on, the process CPU time spent inside sample() and execute() is added up, so a
 * benchmark can subtract the simulator's own cost from the agent's. */
void sova_sim_backend_set_timing(SovaBackend *be, gboolean on);
guint64 sova_sim_backend_cpu_ns(SovaBackend *be);
/* the process's CPU time now (CLOCK_PROCESS_CPUTIME_ID), ns: what the timing above measures */
guint64 sova_sim_process_cpu_ns(void);

/* The net model's ground truth (sim_net.h), and the VFs held now */
void sova_sim_backend_net_truth(SovaBackend *be, guint vm, SovaSimNetTruth *out);
guint sova_sim_backend_vfs_in_use(SovaBackend *be);
guint64 sova_sim_backend_vf_refused(SovaBackend *be);   /* attaches/detaches that failed */
/* the clairvoyant baseline: VF switches take effect at once and lose nothing */
void sova_sim_backend_set_free_switches(SovaBackend *be, gboolean on);
/* per VM (scenario order), the packets a VF would deliver over virtio's in the next
 * `seconds` of simulated time, from the scenario's future demand */
void sova_sim_backend_net_gain_ahead(SovaBackend *be, double seconds, double *gain);
/* the look-ahead above from the demand shapes alone, without their jitter */
void sova_sim_backend_set_ahead_without_jitter(SovaBackend *be, gboolean on);
/* the UUID the simulator gave VM `vm` (scenario order), or NULL */
const char *sova_sim_backend_vm_uuid(SovaBackend *be, guint vm);
