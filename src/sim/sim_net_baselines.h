/* sim_net_baselines.h — who holds the VFs when the agent does not decide: the baselines
 * of SovaSimNetMode (sim_run.h) on a simulated host. */
#pragma once
#include "backend/backend.h"
#include "backend/sim/sim_scenario.h"

/* the first `vfs` VMs with traffic (scenario order) get a VF, once, at the start */
void sova_sim_net_static_first_come(SovaBackend *be, const SovaSimScenario *sc);
/* the VFs to the VMs that gain most from one over the next `seconds`; a holder keeps its
 * VF unless a VM gains more than (1 + margin) times as much; switches are the backend's */
void sova_sim_net_oracle_step(SovaBackend *be, const SovaSimScenario *sc, double seconds,
                              double margin);
