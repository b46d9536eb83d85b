/* cpu_takeover.h — what the agent does with the layout it finds, before it has measured
 * anything: the pins that cannot serve their vCPUs as well as the kernel would are handed
 * to the kernel until the policy has measured them (issue 18, TARGETS P5).
 *
 * The rule is structural, from the agent's first snapshot alone (no rates yet). A set of
 * vCPUs confined to a proper part A of the usable pCPUs (online, not reserved) that holds
 * more of them than A has pCPUs ("stacked": eight vCPUs pinned to pCPU 0), while some usable
 * pCPU runs no vCPU at all (none is allowed on it: "idle"), cannot be served better than the
 * kernel would serve it unpinned, whatever the demand: unpinned, they could use the idle
 * pCPU; pinned, they can only wait for one another. So the safe start is the kernel's own:
 * each such vCPU is allowed on every usable pCPU, as `--cpu-policy none` (CFS) has it, and
 * the policy plans it once it has measured it (balance leaves a vCPU the kernel shares
 * where it runs until it has a few samples: cpu_robust.h). Measuring first instead cost the
 * work of the idle pCPUs over the first measurement (0.5 s: SOVA_AGENT_FIRST_WAIT), 0.3 %
 * of a two-minute run on 4 pCPUs; the release costs one pin change per vCPU released.
 *
 * Nothing else is touched: a layout that uses every usable pCPU, or whose crowded pCPUs
 * leave none idle, may serve its vCPUs well or badly, and only measurement can tell
 * (the policy's first plan does). Never a VM sova does not manage (excluded, cpu='manual'),
 * one the controller is migrating (`leaving`), nor one whose pins are sova's own: a VM
 * carrying sova's CPU summary (SovaCpuSummary, written by an agent every interval or
 * minute and removed by `sova release`) was placed by a sova agent, so an agent restarted
 * over its own layout keeps it and judges it by measurement, as before the restart. Their
 * vCPUs still count where they run (a pCPU they may use is not idle; they crowd A). */
#pragma once
#include <glib.h>
#include "model/plan.h"
#include "model/snapshot.h"

typedef struct {
    const SovaCpuSet *reserved;   /* [cpu] reserved: never used; may be NULL */
    const char *const *exclude;   /* [cpu] exclude: VMs sova does not manage; may be NULL */
} SovaCpuTakeoverParams;

/* the share actions (to every usable pCPU) for the stacked vCPUs of s, each with its reason;
 * an empty plan when there are none, or no usable pCPU is idle. *shared (may be NULL) says
 * whether the host is then shared by sova: every vCPU sova manages shared over the usable
 * pCPUs (two or more), by this plan, or by an agent before this one (every such VM carries
 * sova's summary). A host the kernel shares at start (a fresh install, nothing pinned) is
 * not: no decision of sova's shared it. */
SovaPlan *sova_cpu_takeover_plan(const SovaSnapshot *s, const SovaCpuTakeoverParams *p,
                                 gboolean *shared);
