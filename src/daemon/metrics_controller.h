/* metrics_controller.h — the cluster controller's Prometheus metrics, a pure function of
 * its interval records (controller.h) over a registry (metrics.h).
 *
 * Gauges describe the last interval (each host's load per resource as a fraction of its
 * capacity, whether it was read, the imbalance, the migrations in flight); counters and
 * histograms add up the migrations the records say were started, completed or failed
 * since the controller started. */
#pragma once
#include "daemon/controller.h"
#include "daemon/metrics.h"

/* adds the controller's families to m, each counter at 0 */
void sova_metrics_controller_init(SovaMetrics *m);
/* one interval's record into m (inits the families on first use) */
void sova_metrics_controller_observe(SovaMetrics *m, const SovaControllerInterval *iv);
/* "cpu", "memory", "network": the `resource` label */
const char *sova_metrics_resource_name(SovaResource r);
