/* cpu_search.h — the local search of the `balance` cpu policy (cpu_search.c): from the
 * current layout, the fewest vCPU moves that even out the pCPUs' predicted load. */
#pragma once
#include "policy/cpu_layout.h"

/* builds the current layout (cpu_layout_place_current) and, when move_managed, improves it
 * until its predicted stddev is under params->target_stddev / 2 (hysteresis: the next
 * measurement is noisy) or no move helps; without move_managed only the loose vCPUs are
 * placed. *before gets the predicted (uncapped) stddev of the layout before the search. */
Balancer *cpu_search_run(const SovaModel *m, const SovaCpuPolicyParams *params,
                         gboolean move_managed, double *before);
/* the same, planning on `demand` (per vCPU; NULL: the model's), young as in
 * cpu_layout_new_with */
Balancer *cpu_search_run_with(const SovaModel *m, const SovaCpuPolicyParams *params,
                              const double *demand, const gboolean *young,
                              gboolean move_managed, double *before);
/* the same, leaving the shared pin set `frozen` as it is (cpu_layout_new_frozen) */
Balancer *cpu_search_run_frozen(const SovaModel *m, const SovaCpuPolicyParams *params,
                                const double *demand, const gboolean *young,
                                const SovaCpuSet *frozen, gboolean move_managed,
                                double *before);
