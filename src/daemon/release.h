/* release.h — `sova release`: the hand-back run on one host's backend. It samples the
 * host, plans the hand-back (policy/release.h), carries it out through the executor (a
 * dry run skips every action), and samples again until the VFs it detached are gone from
 * the VMs (the guest confirms a detach) or detach_timeout has passed. Nothing is logged
 * here: the caller renders the plan and its results. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "policy/release.h"

typedef struct {
    SovaReleaseParams params;
    gboolean dry_run;
    double detach_timeout;    /* seconds to wait for the detaches; 0 = 10 */
} SovaReleaseOptions;

typedef struct {
    SovaPlan *plan;
    SovaPlanResults *results;
    guint vfs_left;           /* VMs that still held sova's VF when the wait ended */
} SovaReleaseOutcome;

/* FALSE with error when the host cannot be read or params.vm names no VM sova manages */
gboolean sova_release_run(SovaBackend *be, const SovaReleaseOptions *o, SovaReleaseOutcome *out,
                          GError **error);
void sova_release_outcome_clear(SovaReleaseOutcome *out);
