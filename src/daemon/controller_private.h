/* controller_private.h — what controller.c and controller_flights.c share: the
 * controller's state and the bookkeeping of migrations in flight. Not for other files. */
#pragma once
#include "daemon/controller.h"
#include "model/cluster_build.h"
#include "daemon/controller_sample.h"

typedef struct {
    char uuid[SOVA_UUID_LEN];
    char *vm_name;
    guint from, to;
    char *reason;
    double imbalance_before, imbalance_after;
    double logged_at;         /* elapsed seconds at the last progress line */
} Flight;

struct SovaController {
    SovaControllerHost *hosts;  /* names owned */
    guint n_hosts;
    gboolean *down;           /* host i could not be read at the last sample */
    gboolean *late;           /* host i did not answer its last sample in time */
    SovaSampler *sampler;     /* samples every host in parallel */
    const SovaClusterPolicy *policy;
    gpointer policy_state;
    SovaControllerOptions opts; /* strings and lists owned */
    SovaClusterBuilder *builder;
    SovaCluster *cluster;
    GPtrArray *flights;       /* Flight* */
    double now;
    guint64 number, migrations, failures;
    gboolean failed;          /* some migration failed (or did not start) since the start */
    char *failure;            /* the first such failure, for the exit status */
    guint held;               /* UNCONFIRMED plans held in a row (hold_unconfirmed) */
    GHashTable *stale_seen;   /* UUIDs whose stale leaving mark a dry run reported */
};

void flight_free(Flight *f);
/* a sample of host i still runs (a late one): its backend is not to be used meanwhile */
gboolean sova_ctl_host_busy(const SovaController *c, guint i);
/* TRUE when a migration of uuid is in flight (an SovaExecHosts.busy) */
gboolean in_flight(const char *uuid, gpointer controller);
/* polls every flight; those that ended go to `done` (their Flight to `ended`, their
 * error strings to `strings`) and are removed from the flights */
void poll_flights(SovaController *c, GArray *done, GPtrArray *ended, GPtrArray *strings);
/* the log line of a migration that ended; imbalance_now NAN when unknown */
void log_finished(const SovaController *c, const SovaControllerMigration *m,
                  double imbalance_now);
/* the imbalance expected after each action of the plan, applied in order (n + 1 values) */
double *expected_after(const SovaCluster *cl, const SovaPlan *plan);
/* books what the executor did with the plan's migrations: a flight for each that started,
 * a failure for each that did not; counts them in iv */
void flights_after_start(SovaController *c, const SovaCluster *cl, const SovaPlanResults *r,
                         const double *expected, SovaControllerInterval *iv);
/* opts copied into c->opts (its strings and lists duplicated, defaults filled in) */
void sova_ctl_copy_options(SovaController *c, const SovaControllerOptions *opts);
/* the cluster builder's parameters from c->opts (pointing into them) */
void sova_ctl_build_params(const SovaController *c, SovaClusterBuildParams *bp);
