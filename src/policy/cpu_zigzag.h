/* cpu_zigzag.h — the seed's zig-zag policy's state between intervals.
 *
 * Public so tests (and the simulator) can start it at a given offset. */
#pragma once
#include <glib.h>

typedef struct {
    double prev_stddev;       /* the previous interval's pCPU util stddev; 0 at start */
    guint offset;             /* where the next zig-zag starts: 0-based index into the
                               * usable pCPUs (taken modulo their number) */
} SovaZigzagState;
