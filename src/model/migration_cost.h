/* migration_cost.h — what a live migration costs: a pre-copy model shared by the cluster
 * policies (to weigh a move) and the cluster simulator (to play it).
 *
 * Pre-copy sends all memory once, then in rounds what was dirtied meanwhile, until the
 * remainder fits in the allowed downtime; it converges only when the link outruns the
 * dirty rate (auto-converge throttles the guest otherwise). */
#pragma once
#include <glib.h>

typedef struct {
    double total_s;           /* from start to the switch-over */
    double downtime_s;        /* the final stop-and-copy */
    double transferred_bytes;
    guint rounds;
    gboolean converges;       /* FALSE: the dirty rate outruns the link */
} SovaMigrationCost;

/* memory_bytes, dirty_Bps (0 = unknown: a default of 1 % of memory per second),
 * bandwidth_Bps > 0, max_downtime_s > 0 */
SovaMigrationCost sova_migration_cost(double memory_bytes, double dirty_Bps, double bandwidth_Bps,
                                      double max_downtime_s);
