/* plan.h — what a policy decided: a list of actions, each with its reason, and what
 * became of each action once executed.
 *
 * Policies produce plans; the executor (daemon/executor.h) carries out their actions on
 * a backend and returns one SovaActionResult per action (SovaPlanResults), which the
 * daemon hands back to the policy (its feedback call, policy/registry.h) and to the CLI
 * in its interval record. A plan is plain data, and so are its results. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "model/snapshot.h"

typedef enum {
    SOVA_ACTION_PIN,          /* pin one vCPU to one pCPU, or share it: a set of pCPUs */
    SOVA_ACTION_ATTACH_VF,    /* net plane: give the VM a VF (same MAC as its standby) */
    SOVA_ACTION_DETACH_VF,    /* net plane: take it back */
    SOVA_ACTION_MIGRATE,      /* cluster plane: live-migrate the VM to another host */
} SovaActionKind;

typedef struct {
    SovaActionKind kind;
    char uuid[SOVA_UUID_LEN];
    char *vm_name;
    int vcpu;                 /* PIN: vCPU number */
    int from_pcpu;            /* PIN: where it was (its pin, else where it ran); -1 unknown */
    int to_pcpu;              /* PIN: where it goes; -1 when to_set says */
    SovaCpuSet *to_set;       /* PIN: the pCPUs it may run on when shared (the kernel places
                               * it among them); NULL for a pin to one pCPU */
    int from_host, to_host;   /* MIGRATE: host indexes in the cluster (-1 otherwise) */
    char *from_host_name;     /* MIGRATE: host names, for messages; NULL otherwise */
    char *to_host_name;
    double gain, cost;        /* MIGRATE: imbalance removed, and the move's cost (seconds of
                               * migration time, as the policy estimated) */
    char *reason;             /* short, human: why */
} SovaAction;

/* what the caller does with a plan: part of the policy contract (docs/design.md) */
typedef enum {
    SOVA_PLAN_ACT = 0,        /* carry the actions out (an empty plan: nothing to do) */
    SOVA_PLAN_UNCONFIRMED,    /* the policy saw something it acts on only when the next sample
                               * shows it again; the actions it holds (if any) need no
                               * confirmation. A one-shot caller samples again and re-plans
                               * before it acts (`--once`, `sova status --host`). */
    SOVA_PLAN_REREAD,         /* the model showed the backend's cached view is stale (cpu:
                               * pins changed behind sova's back): no actions; the executor
                               * makes the backend re-read everything at its next sample */
} SovaPlanStatus;

typedef struct {
    SovaPlanStatus status;
    GPtrArray *actions;       /* SovaAction* */
    char *reason;             /* why the policy acted, or why it did not */
    double spread_before;     /* the policy's measure of imbalance (cpu: pCPU util stddev) */
    double spread_after;      /* predicted after the plan; = before when the plan is empty */
} SovaPlan;

SovaPlan *sova_plan_new(void);
void sova_plan_free(SovaPlan *p);
/* appends a pin action; reason is printf-style */
SovaAction *sova_plan_add_pin(SovaPlan *p, const char *uuid, const char *vm_name, int vcpu,
                              int from_pcpu, int to_pcpu, const char *reason_fmt, ...)
    G_GNUC_PRINTF(7, 8);
/* appends a share action: the vCPU may run on every pCPU of `set` (copied) */
SovaAction *sova_plan_add_share(SovaPlan *p, const char *uuid, const char *vm_name, int vcpu,
                                int from_pcpu, const SovaCpuSet *set, const char *reason_fmt, ...)
    G_GNUC_PRINTF(7, 8);
/* appends an ATTACH_VF or DETACH_VF action for a VM; reason is printf-style */
SovaAction *sova_plan_add_vf(SovaPlan *p, SovaActionKind kind, const char *uuid,
                             const char *vm_name, const char *reason_fmt, ...)
    G_GNUC_PRINTF(5, 6);
/* appends a MIGRATE action; reason is printf-style */
SovaAction *sova_plan_add_migrate(SovaPlan *p, const char *uuid, const char *vm_name,
                                  int from_host, const char *from_name, int to_host,
                                  const char *to_name, double gain, double cost,
                                  const char *reason_fmt, ...) G_GNUC_PRINTF(10, 11);
void sova_plan_set_reason(SovaPlan *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
guint sova_plan_len(const SovaPlan *p);
SovaAction *sova_plan_action(const SovaPlan *p, guint i);

/* "pin", "attach-vf", "detach-vf", "migrate" */
const char *sova_action_kind_name(SovaActionKind kind);
/* one line per action: "pin web1 vcpu 0: pCPU 0 -> pCPU 1 (reason)",
 * "pin web1 vcpu 0: pCPU 0 -> pCPUs 0-3 (reason)" (shared),
 * "attach-vf web1 (reason)", "detach-vf web1 (reason)", "migrate web1: h1 -> h2 (reason)" */
char *sova_action_describe(const SovaAction *a);
JsonNode *sova_plan_to_json(const SovaPlan *p);
const char *sova_plan_status_name(SovaPlanStatus s);   /* "act", "unconfirmed", "reread" */

/* ---- what became of a plan's actions ---- */

typedef enum {
    SOVA_ACTION_DONE,         /* carried out (MIGRATE: started) */
    SOVA_ACTION_FAILED,       /* refused: `error` says why; the action had no effect */
    SOVA_ACTION_SKIPPED,      /* not tried: a dry run */
} SovaActionOutcome;

typedef struct {
    const SovaAction *action; /* the plan's; valid while the plan lives */
    SovaActionOutcome outcome;
    char *error;              /* FAILED: why (owned) */
} SovaActionResult;

typedef struct {
    GArray *results;          /* SovaActionResult, one per action, in plan order */
    guint done, failed, skipped;
} SovaPlanResults;

SovaPlanResults *sova_plan_results_new(void);
void sova_plan_results_free(SovaPlanResults *r);
/* appends the result of `a`; error (FAILED only) is copied */
void sova_plan_results_add(SovaPlanResults *r, const SovaAction *a, SovaActionOutcome outcome,
                           const char *error);
guint sova_plan_results_len(const SovaPlanResults *r);
const SovaActionResult *sova_plan_result(const SovaPlanResults *r, guint i);
/* the results as JSON: [{"action": "...", "outcome": "done"|"failed"|"skipped", "error"}] */
JsonNode *sova_plan_results_to_json(const SovaPlanResults *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaPlan, sova_plan_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaPlanResults, sova_plan_results_free)
