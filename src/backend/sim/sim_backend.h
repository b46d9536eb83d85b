/* sim_backend.h — the simulator: a second implementation of the backend interface.
 *
 * It plays a host from a scenario in simulated time and reports exactly what the libvirt
 * backend would: cumulative vCPU time and run-queue delay, the pCPU each vCPU last ran on,
 * affinities, node busy/idle per pCPU (optionally with seeded measurement noise), and it
 * counts the libvirt calls the real backend would make (P + 2 per sample, 1 per pin).
 * wait() advances simulated time in ticks without sleeping, so the agent's real loop and
 * real policies run unchanged against it. Deterministic for a given scenario and seed. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "sim_scenario.h"

/* `sc` must outlive the backend (its demand shapes are shared, not copied). With
 * `unpin_all` every vCPU starts unpinned (within its VM's affinity), whatever the scenario
 * says: the "no sova, plain CFS" baseline. */
SovaBackend *sova_sim_backend_new(const SovaSimScenario *sc, guint64 seed, gboolean unpin_all);
gboolean sova_backend_is_sim(SovaBackend *be);

/* simulated seconds since the start */
double sova_sim_backend_now(SovaBackend *be);

/* Ground truth, without measurement noise, for reports and tests. VM index = scenario order. */
guint64 sova_sim_backend_pcpu_busy_ns(SovaBackend *be, guint pcpu);
void sova_sim_backend_vm_truth(SovaBackend *be, guint vm, guint64 *ran_ns, guint64 *wanted_ns);
void sova_sim_backend_vcpu_truth(SovaBackend *be, guint vm, guint vcpu, guint64 *ran_ns,
                                 guint64 *delay_ns);

/* When on, the process CPU time spent inside sample() and execute() is added up, so a
 * benchmark can subtract the simulator's own cost from the agent's. */
void sova_sim_backend_set_timing(SovaBackend *be, gboolean on);
guint64 sova_sim_backend_cpu_ns(SovaBackend *be);
