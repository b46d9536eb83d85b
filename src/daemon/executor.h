/* executor.h — the one executor of every plane: runs a plan on backends and says what
 * became of each action.
 *
 * The agent's cpu and net plans (pin, attach-vf, detach-vf) run on the host's backend;
 * the controller's plans (migrate: start only, the controller follows the migration)
 * run on the backends of the hosts the actions name. The executor decides nothing and
 * logs nothing: it returns one SovaActionResult per action, in plan order, which the
 * daemon hands to the policy (sova_policy_feedback) and to the CLI (interval records).
 * A REREAD plan (model/plan.h) makes the backend drop its cached placement, dry run or
 * not: that changes nothing on the host, only what sova reads next. An action only
 * recommended (a RECOMMEND plan, or its own `recommend` mark) is never tried: RECOMMENDED. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "model/plan.h"

/* the hosts a cluster plan's host indexes refer to */
typedef struct {
    SovaBackend *const *backends;     /* by host index (SovaAction.from_host / to_host) */
    guint n;
    const SovaMigrateOptions *migrate; /* how to migrate; NULL = the backend's defaults */
    const char *const *migrate_uris;  /* per destination host; NULL or NULL entries: migrate's */
    /* optional: TRUE when the VM is migrating already (its action then fails) */
    gboolean (*busy)(const char *uuid, gpointer data);
    gpointer busy_data;
} SovaExecHosts;

typedef struct {
    gboolean dry_run;                 /* every action SKIPPED; nothing changes on a host */
    const SovaExecHosts *hosts;       /* for MIGRATE actions; NULL: they fail */
} SovaExecOptions;

/* Carries out `plan` on `be` (pin and VF actions; may be NULL for a cluster plan) and
 * returns the result of every action. An action that fails does not stop the others. */
SovaPlanResults *sova_execute(SovaBackend *be, const SovaPlan *plan, const SovaExecOptions *opts);
