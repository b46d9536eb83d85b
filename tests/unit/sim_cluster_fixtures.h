/* sim_cluster_fixtures.h — what the cluster simulator's tests (test_sim_cluster*.c) share:
 * a two-host scenario to extend, loading scenario text (asserted to load), and a VM's
 * truth: the CPU time it ran and wanted, and its host. */
#pragma once
#include "backend/sim/sim_cluster.h"
#include "backend/sim/sim_scenario.h"

/* hosts a and b of 4 pCPUs, 64 GiB, a 10 Gbit/s NIC and 2 VFs; 600 s, interval 10, tick
 * 0.1, seed 7. Its 15 lines end with a newline: what follows starts at line 16. */
#define TWO_HOSTS \
    "[cluster]\nduration = 600\ninterval = 10\ntick = 0.1\nseed = 7\n" \
    "[host a]\npcpus = 4\nmemory = 64\nnic-gbps = 10\nvfs = 2\n" \
    "[host b]\npcpus = 4\nmemory = 64\nnic-gbps = 10\nvfs = 2\n"

/* scenario text, loaded as "test.conf" (asserted to load) */
SovaSimScenario *load(const char *text);
/* the CPU seconds VM vm ran, and wanted, so far */
double ran(SovaSimCluster *c, guint vm);
double wanted(SovaSimCluster *c, guint vm);
/* the host VM vm runs on */
int host_of(SovaSimCluster *c, guint vm);
