/* metrics_agent.h — the host agent's Prometheus metrics, a pure function of its interval
 * records (agent.h) over a registry (metrics.h).
 *
 * Gauges describe the last interval (pCPU utilisation and its spread, each vCPU's usage,
 * demand and run-queue delay, the VF pool), rebuilt from each record so that a VM that
 * left is gone; counters add up what the records say was done (pin changes and VF
 * switches carried out, actions refused, by reason class) since the agent started.
 * Ratios are 0..1 of one pCPU or of the interval, durations in seconds. */
#pragma once
#include "daemon/agent.h"
#include "daemon/metrics.h"

/* adds the agent's families to m, each counter at 0, so a scrape before the first interval
 * already lists them */
void sova_metrics_agent_init(SovaMetrics *m);
/* one interval's record into m (inits the families on first use) */
void sova_metrics_agent_observe(SovaMetrics *m, const SovaAgentInterval *iv);
/* the reason class of an action, the `reason` label: a pin "balance" (moved or swapped to
 * even the pCPUs out), "manage" (a vCPU brought under management), "share" (left to the
 * kernel on a set of pCPUs); a VF "override" (the VM's metadata says always or never) or
 * "load" (the policy's ranking) */
const char *sova_metrics_reason_class(const SovaAction *a);
