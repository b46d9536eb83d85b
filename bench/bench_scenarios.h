/* bench_scenarios.h — which scenario files of bench/scenarios each simulator bench runs.
 *
 * One directory holds them all, told apart by name: net-*.conf (bench-sim-net),
 * cluster-*.conf (bench-sim-cluster), and every other *.conf (bench-sim's single hosts). */
#pragma once
#include <glib.h>

/* the *.conf names in dir starting with `prefix`, sorted; with prefix NULL, those that
 * start with no bench's prefix. An unreadable dir gives an empty list. */
GPtrArray *sova_bench_scenario_files(const char *dir, const char *prefix);
