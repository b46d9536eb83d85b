/* agent.h — the host agent's loop: sample, model, plan, execute, report, wait.
 *
 * Thin glue over a backend (libvirt or the simulator) and a cpu policy. The loop is
 * a library so that the CLI (`sova agent`), the simulator (`sova sim`), the demo and
 * the tests all drive the very same code. It prints nothing: each interval ends in a
 * record (SovaAgentInterval) handed to the caller's observer, which the CLI renders as
 * text or JSON (cli/agent_report.c); what it logs goes through util/log.h. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "model/model.h"
#include "model/plan.h"
#include "policy/cpu_policy.h"
#include "daemon/agent_net.h"
#include "daemon/executor.h"
#include "config/config.h"

typedef struct SovaAgent SovaAgent;

/* what one interval did, handed to the observer after it is executed; its pointers
 * live until the next step */
typedef struct {
    guint64 number;           /* 1 for the first planned interval */
    gint64 time_us;           /* the snapshot's time */
    const SovaSnapshot *snapshot;
    const SovaSnapshot *prev; /* the interval's earlier snapshot (rates over prev -> snapshot) */
    const SovaModel *model;
    const SovaPlan *plan;     /* status REREAD: pins changed behind sova's back, re-read */
    const SovaPlanResults *results;  /* one per action of plan (SKIPPED in a dry run) */
    guint executed;           /* actions carried out (0 in dry-run) */
    guint failed;             /* actions the backend refused */
    guint64 calls;            /* backend calls made during this interval (sample + execute) */
    double stddev;            /* pCPU util stddev this interval */
    double duration_s;        /* how long this interval's work took: sample to report */
    const SovaAgentNetInterval *net;  /* the net plane's interval; NULL when it is off */
    /* the take-over at the first sample (cpu_takeover.h: stacked vCPUs handed to the kernel
     * before anything is measured) and what became of it: in the first planned interval's
     * record only, NULL otherwise and with a policy that has none */
    const SovaPlan *takeover;
    const SovaPlanResults *takeover_results;
} SovaAgentInterval;

typedef void (*SovaAgentObserver)(const SovaAgentInterval *iv, gpointer user_data);
/* called by sova_agent_run before each interval (and each retry), between intervals: where
 * the CLI applies a reload (sova_agent_reconfigure) */
typedef void (*SovaAgentBetween)(SovaAgent *a, gpointer user_data);

typedef struct {
    gboolean dry_run;         /* plan and report, never execute */
    gboolean json;            /* the observer renders records as JSON: log no text lines */
    gboolean quiet;           /* no log lines at all (simulator, benchmarks) */
    SovaAgentObserver observer;
    gpointer observer_data;
    SovaAgentBetween between; /* may be NULL */
    gpointer between_data;
} SovaAgentOptions;

/* the backend stays the caller's; cfg is copied where needed */
SovaAgent *sova_agent_new(SovaBackend *be, const SovaConfig *cfg, const SovaCpuPolicy *policy,
                          const SovaAgentOptions *opts);
void sova_agent_free(SovaAgent *a);

/* A reload: from the next interval on, the settings of cfg that can change at run time
 * (config_reload.c): interval, reconnect-max, the cpu policy (its state starts afresh when
 * it is another one) and its parameters, smoothing, reserved pCPUs, exclusions, the net
 * plane's thresholds and exclusions. What the backend was opened with stays. */
void sova_agent_reconfigure(SovaAgent *a, const SovaConfig *cfg, const SovaCpuPolicy *policy);

/* One interval. The first call only takes the baseline snapshot, and carries out the
 * policy's take-over of the layout it shows (SovaCpuPolicy.takeover). On a sampling error
 * returns FALSE with error, and the agent keeps its last good snapshot. */
gboolean sova_agent_step(SovaAgent *a, GError **error);

/* The first planned interval comes SOVA_AGENT_FIRST_WAIT seconds (at most the interval) after
 * the baseline sample, not a whole interval: a layout that costs work costs it until the
 * agent's first plan, and a short window is enough to see it (issue 18: the whole first
 * interval was 0.4-0.6 % of a two-minute bench scenario's work against the kernel's). The
 * one layout that costs work whatever the demand (vCPUs stacked beside an idle pCPU: every
 * vCPU pinned to one pCPU) does not wait for it: the policy's take-over hands those vCPUs to
 * the kernel at the baseline sample (policy/cpu_takeover.h). Not shorter than half a second:
 * libvirt's vCPU times and the host's per-pCPU times come in clock ticks (10 ms), so a 0.1 s
 * window reads utilisation to ±10 points — the rig's Prometheus check saw an idle pCPU at 18 %
 * over it — while 0.5 s reads it to ±2. vCPUs the kernel shares wait for a few samples anyway
 * (cpu_robust.h).
 * `once` keeps the whole interval: a one-shot reading is one interval's. */
#define SOVA_AGENT_FIRST_WAIT 0.5

/* seconds to wait before the next step: SOVA_AGENT_FIRST_WAIT (at most the interval) after
 * the baseline sample, else the interval */
double sova_agent_next_wait(const SovaAgent *a);

/* Steps every cfg->interval until *stop is set (or after one planned interval with
 * `once`); the first planned interval after sova_agent_next_wait. Sampling errors are
 * logged and retried with backoff (up to cfg->reconnect_max), never fatal, unless `once`.
 * Returns an exit status: 1 with `once` when sampling failed or an action was refused, and
 * then error says why. */
int sova_agent_run(SovaAgent *a, gboolean once, const volatile gint *stop, GError **error);

guint64 sova_agent_pin_changes(const SovaAgent *a);  /* pins executed since start */
guint64 sova_agent_vf_switches(const SovaAgent *a);  /* VF attaches + detaches executed */
/* the net plane's policy name, or NULL when the net plane is off */
const char *sova_agent_net_policy(const SovaAgent *a);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaAgent, sova_agent_free)
