/* controller_loop_fixtures.h — what the controller-loop tests (test_controller_loop*.c)
 * run the loop with: stub cluster policies that check the loop, not the planning; an
 * observer that sums up what the loop reported (Seen); and controllers over the fake
 * cluster of fake_cluster.h. */
#pragma once
#include "fake_cluster.h"

/* the VMs of c on host h */
guint count_on(const SovaCluster *c, guint h);
/* moves one VM (not migrating, not cooling down) from the up host with the most VMs to
 * the one with the fewest, when they differ by two or more and the caps allow */
extern const SovaClusterPolicy stub;
/* like stub, but (like sova) confirms on a second sample: its first plan says so
 * (UNCONFIRMED, nothing in it), the next ones act; it counts its plans */
extern const SovaClusterPolicy confirming;
/* never confirms: every plan UNCONFIRMED, with the stub's move in it */
extern const SovaClusterPolicy doubting;

/* what the loop reported, summed over the intervals by the controllers' observer; it
 * asserts that every finished migration went well, with the stub's reason */
typedef struct {
    guint intervals, started, finished_ok;
    guint failed_to_start, unconfirmed;
    guint recommended;        /* migrations only recommended (the automation level) */
    char start_error[64];     /* the last result that failed */
    double downtime, duration;
    gboolean saw_in_flight_on_dest;
    double imbalance_before, imbalance_after;
    SovaControllerStop *stop_after_start;   /* a stop request once one has started ... */
    const double *clock;      /* ... and the fake clock then */
    double stopped_at;
} Seen;

/* a controller over f's hosts h0, h1(, h2) (data URIs tcp://h0-data, tcp://h1-data,
 * none; the default tcp://default-data), interval 1, default params, no smoothing,
 * reporting to seen */
SovaController *controller_drain(Fake *f, Seen *seen, gboolean dry_run,
                                 const SovaClusterPolicy *policy, double drain_timeout);
/* the same at automation level `mode`, with the stub policy */
SovaController *controller_mode(Fake *f, Seen *seen, SovaMode mode);
/* the same without a drain timeout */
SovaController *controller_with(Fake *f, Seen *seen, gboolean dry_run,
                                const SovaClusterPolicy *policy);
/* the same with the stub policy */
SovaController *controller(Fake *f, Seen *seen, gboolean dry_run);
/* one step of c, asserted to succeed, then one second on f's clock */
void step(SovaController *c, Fake *f);
