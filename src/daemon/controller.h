/* controller.h — the cluster controller's loop: sample every host, reconcile, build the
 * cluster, plan migrations, start them, follow them, report.
 *
 * Like the agent (agent.h), it is a library over backends so that `sova controller`
 * (libvirt backends, one per host URI), the cluster simulator, the tests and the
 * benchmarks all drive the same code. Hosts are SovaBackends; the controller reads
 * them with the same sample() the agent uses, starts migrations through the executor
 * (executor.h) and follows them with sova_backend_migrate_poll(). Time:
 * sova_backend_wait() of the FIRST host's backend (real time for libvirt; the simulated
 * cluster's shared clock for the simulator). It prints nothing: each interval ends in a
 * record (SovaControllerInterval) for the observer, which the CLI renders as text or
 * JSON (cli/controller_report.c); what it logs goes through util/log.h. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "model/cluster.h"
#include "model/plan.h"
#include "policy/cluster_policy.h"

typedef struct SovaController SovaController;

#define SOVA_CONTROLLER_DRAIN_TIMEOUT 60.0   /* seconds: SovaControllerOptions.drain_timeout */

/* How the caller (the CLI, on SIGTERM/SIGINT) stops sova_controller_run. The first request
 * ends the loop (nothing new is planned or started) and drains: the migrations in flight
 * are followed for at most drain_timeout seconds. The second request, or that limit,
 * aborts those still running (migrate_abort: each VM stays on its source, its marks
 * removed) and the run returns once they have ended. Later requests change nothing.
 * Zero-initialise it; requests come from the thread that runs the loop (GLib signal
 * sources dispatched by the backends' wait) or are atomic. */
typedef struct {
    volatile gint requests;   /* so far */
    volatile gint stop;       /* 1 from the first: the loop's wait returns */
    volatile gint abort;      /* 1 from the second: the drain's wait returns */
} SovaControllerStop;

/* records one request; returns how many there were so far (1: drain, 2: abort) */
guint sova_controller_stop_request(SovaControllerStop *s);

typedef struct {
    const char *name;         /* host name, for messages and the cluster model */
    SovaBackend *backend;     /* the caller's */
    gboolean maintenance;     /* evacuate it */
    gboolean excluded;        /* never a source or a destination */
    const char *migrate_uri;  /* data channel into this host as a destination
                               * (VIR_MIGRATE_PARAM_URI); NULL = opts->migrate's */
} SovaControllerHost;

/* one finished (or failed) migration */
typedef struct {
    char uuid[SOVA_UUID_LEN];
    const char *vm_name;
    const char *from, *to;
    gboolean ok;
    gboolean aborted;
    double duration_s, downtime_s;  /* downtime -1 unknown */
    const char *error;        /* !ok: why */
    const char *reason;       /* why it was planned */
    double imbalance_before, imbalance_after;  /* when planned; after = the planner's estimate */
} SovaControllerMigration;

/* what one interval did; its pointers live until the observer returns */
typedef struct {
    guint64 number;
    double now;
    gboolean dry_run;
    const SovaCluster *cluster;
    const SovaPlan *plan;
    const SovaPlanResults *results;  /* one per action of plan (SKIPPED in a dry run) */
    const double *expected;   /* imbalance expected before action i (expected[i]) and after
                               * it (expected[i + 1]), the plan's actions applied in order */
    double imbalance;
    guint started, failed_to_start;
    guint in_flight;
    const SovaControllerMigration *finished;  /* migrations that ended during this interval */
    guint n_finished;
} SovaControllerInterval;

typedef void (*SovaControllerObserver)(const SovaControllerInterval *iv, gpointer user_data);
/* called by sova_controller_run before each interval, between intervals (not during the
 * drain): where the CLI applies a reload (sova_controller_reconfigure) */
typedef void (*SovaControllerBetween)(SovaController *c, gpointer user_data);

typedef struct {
    gboolean dry_run;
    gboolean json;            /* the observer renders records as JSON */
    gboolean quiet;           /* no log lines at all (simulator, benchmarks) */
    gboolean hold_unconfirmed;/* a plan the policy has not confirmed (SOVA_PLAN_UNCONFIRMED)
                               * is neither carried out nor reported: the caller samples
                               * again (one-shot callers; `once` sets it) */
    double interval;          /* seconds between samples */
    SovaClusterParams params;
    double weights[SOVA_RES_N];
    SovaMigrateOptions migrate;
    char **exclude;           /* VM names or UUIDs never migrated */
    char **groups;            /* anti-affinity from config: "group:vm1,vm2" entries; may be NULL */
    double ewma_alpha;
    double drain_timeout;     /* seconds a stop waits for the migrations in flight before it
                               * aborts them; 0 = SOVA_CONTROLLER_DRAIN_TIMEOUT */
    guint sample_threads;     /* hosts sampled at once; 0 = SOVA_SAMPLE_THREADS (64) */
    double sample_timeout;    /* seconds a host's sample may take before the host counts as
                               * not sampled this interval; 0 = SOVA_SAMPLE_TIMEOUT (10) */
    SovaControllerObserver observer;
    gpointer observer_data;
    SovaControllerBetween between;  /* may be NULL */
    gpointer between_data;
} SovaControllerOptions;

SovaController *sova_controller_new(const SovaControllerHost *hosts, guint n_hosts,
                                    const SovaClusterPolicy *policy,
                                    const SovaControllerOptions *opts);
void sova_controller_free(SovaController *c);
/* A reload (controller_reload.c): from the next interval on, the policy (its state starts
 * afresh when it is another one), its parameters, the interval, weights, smoothing,
 * exclusions, groups, the migration settings of migrations not yet started, the drain
 * timeout, and each host's maintenance, exclusion and migrate_uri, by host name (hosts
 * not named keep theirs). The hosts, their backends, dry_run, json, quiet, the observer
 * and the between hook stay. */
void sova_controller_reconfigure(SovaController *c, const SovaControllerHost *hosts,
                                 guint n_hosts, const SovaClusterPolicy *policy,
                                 const SovaControllerOptions *opts);
/* one interval: follow migrations in flight, sample all hosts in parallel (a host that
 * cannot be read, or does not answer within sample_timeout, is down for this interval, not
 * fatal; one still busy with a late sample is neither waited for nor polled), reconcile
 * (stale leaving marks), plan, start migrations,
 * report. The first call only sets baselines. FALSE with error when no host at all could
 * be read (the interval then planned nothing); a migration that does not start is in the
 * record (results), not an error of the interval. */
gboolean sova_controller_step(SovaController *c, GError **error);
/* steps every interval until a stop request (or, with `once`, after one planned interval
 * that the policy confirmed and, unless dry-run, until the migrations it started have
 * finished), then drains as SovaControllerStop says; stop may be NULL (never stopped).
 * Returns an exit status: 1 with `once` when a migration failed (or did not start) or no
 * host could be read, and then error says why; else 0 (also after a stop that aborted
 * migrations: the operator asked for it). */
int sova_controller_run(SovaController *c, gboolean once, const SovaControllerStop *stop,
                        GError **error);
/* the last cluster built (NULL before the second sample) */
const SovaCluster *sova_controller_cluster(const SovaController *c);
guint64 sova_controller_migrations(const SovaController *c);   /* completed */
guint64 sova_controller_migration_failures(const SovaController *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaController, sova_controller_free)
