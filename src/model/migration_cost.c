/* migration_cost.c — the pre-copy live-migration model; see migration_cost.h.
 *
 * Round 0 sends all memory; each later round sends what the guest dirtied while the
 * previous one was on the wire (never more than all of memory). When the remainder can be
 * sent within max_downtime_s the guest is paused and the remainder copied: that copy is the
 * downtime. With a dirty rate at or above the link speed the remainder never shrinks: the
 * migration does not converge (QEMU would throttle the guest with auto-converge). A
 * remainder that still exceeds the allowed downtime after MAX_ROUNDS rounds counts as not
 * converging too: the figures are then those of a forced switch-over at that point. */
#include "model/migration_cost.h"

#define MAX_ROUNDS 30
#define DEFAULT_DIRTY_FRACTION 0.01   /* of memory per second, when the dirty rate is unknown */

SovaMigrationCost sova_migration_cost(double memory_bytes, double dirty_Bps, double bandwidth_Bps,
                                      double max_downtime_s)
{
    SovaMigrationCost c = {.converges = TRUE};
    if (memory_bytes <= 0 || bandwidth_Bps <= 0)
        return c;
    if (dirty_Bps <= 0)
        dirty_Bps = DEFAULT_DIRTY_FRACTION * memory_bytes;
    double remain = memory_bytes;
    while (remain / bandwidth_Bps > max_downtime_s) {
        if (c.rounds == MAX_ROUNDS || dirty_Bps >= bandwidth_Bps) {
            c.converges = FALSE;
            break;
        }
        double t = remain / bandwidth_Bps;
        c.total_s += t;
        c.transferred_bytes += remain;
        c.rounds++;
        remain = MIN(memory_bytes, dirty_Bps * t);
    }
    c.downtime_s = remain / bandwidth_Bps;
    c.total_s += c.downtime_s;
    c.transferred_bytes += remain;
    c.rounds++;
    return c;
}
