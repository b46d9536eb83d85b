/* agent_net.h — the host agent's net plane: one interval of VF switching.
 *
 * Kept apart from agent.c so the cpu loop stays readable: from the same two snapshots
 * the agent already took, build the net model, ask the net policy for a plan, run it
 * through the executor, hand the results back to the policy (its feedback call: a
 * failed attach makes it back off that VM), and publish each VM's wants/unmet signal
 * through the backend when it changes (the controller reads it), with whether a detach
 * it requested is still pending (the controller does not move that VM meanwhile). A VM
 * the controller is migrating (`leaving`) is held as it is and nothing is published for
 * it. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "model/netmodel.h"
#include "policy/net_policy.h"
#include "config/config.h"

typedef struct SovaAgentNet SovaAgentNet;

/* what the net plane did this interval */
typedef struct {
    const char *policy;
    const SovaNetModel *model;
    const SovaPlan *plan;
    const SovaPlanResults *results;  /* one per action of plan (SKIPPED in a dry run) */
    const SovaNetResult *result;
    guint executed, failed;
} SovaAgentNetInterval;

/* NULL when the configuration does not turn the net plane on */
SovaAgentNet *sova_agent_net_new(const SovaConfig *cfg);
void sova_agent_net_free(SovaAgentNet *n);
/* a reload: the thresholds, smoothing and exclusions of cfg from the next interval on
 * (the policy, the VF network and pool stay) */
void sova_agent_net_reconfigure(SovaAgentNet *n, const SovaConfig *cfg);
/* one interval from prev -> cur; the returned pointers live until the next step.
 * `say`: log actions as text; `dry_run`: plan and report, never execute. */
SovaAgentNetInterval sova_agent_net_step(SovaAgentNet *n, SovaBackend *be,
                                         const SovaSnapshot *prev, const SovaSnapshot *cur,
                                         gboolean dry_run, gboolean say);
const char *sova_agent_net_policy_name(const SovaAgentNet *n);
guint64 sova_agent_net_switches(const SovaAgentNet *n);   /* VF actions executed */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaAgentNet, sova_agent_net_free)
