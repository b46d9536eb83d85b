/* sim_bench_scale.h — bench-sim's scale figures (sim_bench_scale.c): libvirt calls per agent
 * interval against the test driver (P3), the agent's own CPU time with 100 VMs (M1). */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

/* libvirt calls of a first sample, a later one and a pin, with 1, 10 and 100 domains */
GArray *bench_sim_run_calls(void);
void bench_sim_print_calls(GArray *calls);
/* the agent's CPU time per interval under each of `policies` (NULL-terminated cpu policy
 * names) on a 100-VM simulated host */
GArray *bench_sim_run_cpu(char **policies);
void bench_sim_print_cpu(GArray *cpu);
/* both as the "scale" object of --json; either may be NULL */
JsonNode *bench_sim_scale_json(GArray *calls, GArray *cpu);
