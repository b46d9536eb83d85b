/* agent.c — the host agent's loop; see agent.h.
 *
 * Each interval: sample the backend, build the model against the previous snapshot, ask
 * the cpu policy for a plan (sova_cpu_plan), run it through the executor (a dry run
 * skips every action), feed the results back to the policy, then the net plane, then the
 * record to the observer. The agent owns no policy logic and no hypervisor calls; it is
 * glue, and stays small so that what runs in the simulator is exactly what runs on a host. */
#include "daemon/agent.h"
#include "daemon/action_log.h"
#include "daemon/agent_cpu_pub.h"
#include "util/error.h"
#include "util/log.h"

struct SovaAgent {
    SovaBackend *be;
    const SovaCpuPolicy *policy;
    gpointer policy_state;
    SovaCpuPolicyParams params;
    SovaAgentOptions opts;
    double interval;
    double reconnect_max;
    double ewma_alpha;
    SovaCpuSet *reserved;
    char **exclude;
    SovaSnapshot *prev;
    SovaModel *model;
    guint64 number;
    guint64 pin_changes;
    SovaPlan *plan;           /* the last interval's, and what became of it */
    SovaPlanResults *results;
    SovaPlan *takeover;       /* what the first sample's take-over did (cpu_takeover.h), or NULL */
    SovaPlanResults *takeover_results;
    char *failure;            /* the first action refused in the last planned interval */
    gboolean warned_reserved;
    SovaAgentNet *net;        /* NULL: the net plane is off */
    SovaAgentCpuPub *cpu_pub; /* each VM's CPU summary, for the controller */
    SovaMode mode;            /* [agent] mode: manual recommends every pin */
};

SovaAgent *sova_agent_new(SovaBackend *be, const SovaConfig *cfg, const SovaCpuPolicy *policy,
                          const SovaAgentOptions *opts)
{
    SovaAgent *a = g_new0(SovaAgent, 1);
    a->be = be;
    if (opts)
        a->opts = *opts;
    sova_agent_reconfigure(a, cfg, policy);
    a->net = sova_agent_net_new(cfg);
    a->cpu_pub = sova_agent_cpu_pub_new();
    return a;
}

void sova_agent_reconfigure(SovaAgent *a, const SovaConfig *cfg, const SovaCpuPolicy *policy)
{
    if (policy != a->policy) {
        if (a->policy)
            sova_policy_state_free(&a->policy->head, a->policy_state);
        a->policy = policy;
        a->policy_state = sova_policy_state_new(&policy->head);
    }
    a->params.target_stddev = cfg->target_stddev;
    a->params.min_gain = cfg->min_gain;
    a->interval = cfg->interval;
    a->reconnect_max = MAX(cfg->reconnect_max, cfg->interval);
    a->ewma_alpha = cfg->ewma_alpha;
    a->mode = cfg->mode;
    sova_cpuset_free(a->reserved);
    a->reserved = sova_cpuset_copy(cfg->reserved);
    a->warned_reserved = FALSE;
    g_strfreev(a->exclude);
    a->exclude = g_strdupv(cfg->exclude);
    if (a->net)
        sova_agent_net_reconfigure(a->net, cfg);
}

void sova_agent_free(SovaAgent *a)
{
    if (!a)
        return;
    sova_policy_state_free(&a->policy->head, a->policy_state);
    sova_plan_free(a->plan);
    sova_plan_results_free(a->results);
    sova_plan_free(a->takeover);
    sova_plan_results_free(a->takeover_results);
    g_free(a->failure);
    sova_cpuset_free(a->reserved);
    g_strfreev(a->exclude);
    sova_agent_net_free(a->net);
    sova_agent_cpu_pub_free(a->cpu_pub);
    sova_snapshot_free(a->prev);
    sova_model_free(a->model);
    g_free(a);
}

guint64 sova_agent_pin_changes(const SovaAgent *a) { return a->pin_changes; }
guint64 sova_agent_vf_switches(const SovaAgent *a)
{
    return a->net ? sova_agent_net_switches(a->net) : 0;
}

const char *sova_agent_net_policy(const SovaAgent *a)
{
    return a->net ? sova_agent_net_policy_name(a->net) : NULL;
}

static void check_reserved(SovaAgent *a, const SovaSnapshot *s)
{
    if (a->warned_reserved || !a->reserved)
        return;
    a->warned_reserved = TRUE;
    for (guint c = s->n_pcpus; c < a->reserved->n; c++)
        if (sova_cpuset_has(a->reserved, c)) {
            sova_warn("reserved pCPU %u does not exist on %s (it has %u pCPUs); ignored", c,
                      s->host ? s->host : "this host", s->n_pcpus);
            return;
        }
}

/* the log records of what the executor did on `host`: each action done (text mode), each
 * refused; one record per action, with its fields (action_log.h) */
static void log_results(SovaAgent *a, const SovaPlanResults *r, const char *host)
{
    for (guint i = 0; i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        if (res->outcome == SOVA_ACTION_SKIPPED)
            continue;
        g_autofree char *what = sova_action_describe(res->action);
        if (res->outcome == SOVA_ACTION_FAILED)
            sova_log_action(G_LOG_LEVEL_WARNING, res->action, host, "failed", "failed: %s: %s",
                            what, res->error);
        else if (res->outcome == SOVA_ACTION_RECOMMENDED && !a->opts.json && !a->opts.quiet)
            sova_log_action(G_LOG_LEVEL_INFO, res->action, host, "recommended",
                            "  recommended: %s", what);
        else if (!a->opts.json && !a->opts.quiet)
            sova_log_action(G_LOG_LEVEL_INFO, res->action, host, "done", "  %s", what);
    }
}

/* the first refused action of r, for an exit status that says why */
static void note_failure(SovaAgent *a, const SovaPlanResults *r)
{
    for (guint i = 0; !a->failure && i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        if (res->outcome == SOVA_ACTION_FAILED) {
            g_autofree char *what = sova_action_describe(res->action);
            a->failure = g_strdup_printf("failed: %s: %s", what, res->error);
        }
    }
}

static void count_pins(SovaAgent *a, const SovaPlanResults *r)
{
    for (guint i = 0; i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        a->pin_changes += res->outcome == SOVA_ACTION_DONE && res->action->kind == SOVA_ACTION_PIN;
    }
}

/* the first sample: the policy's take-over of the layout found, before anything is measured
 * (cpu_takeover.h), executed like a plan; its record goes with the first planned interval's */
static void take_over(SovaAgent *a, const SovaSnapshot *s)
{
    if (!a->policy->takeover)
        return;
    SovaCpuTakeoverParams tp = { .reserved = a->reserved,
                                 .exclude = (const char *const *)a->exclude };
    a->takeover = a->policy->takeover(s, &tp, a->policy_state);
    sova_plan_apply_mode(a->takeover, a->mode);
    if (sova_plan_len(a->takeover) && !a->opts.json && !a->opts.quiet)
        sova_info("%s", a->takeover->reason);
    SovaExecOptions eo = { .dry_run = a->opts.dry_run };
    a->takeover_results = sova_execute(a->be, a->takeover, &eo);
    log_results(a, a->takeover_results, s->host);
    count_pins(a, a->takeover_results);
}

/* plan, execute, feed back: the cpu plane's part of the interval */
static void cpu_interval(SovaAgent *a, const SovaModel *model, SovaAgentInterval *iv)
{
    sova_plan_free(a->plan);
    sova_plan_results_free(a->results);
    a->plan = sova_cpu_plan(a->policy, model, &a->params, a->policy_state);
    sova_plan_apply_mode(a->plan, a->mode);   /* VMs with cpu='manual' are not in the model */
    iv->plan = a->plan;
    if (a->plan->status == SOVA_PLAN_REREAD && !a->opts.quiet)
        sova_warn("%s", a->plan->reason);
    else if (sova_plan_len(a->plan) && !a->opts.json && !a->opts.quiet)
        sova_info("interval %" G_GUINT64_FORMAT ": %s", iv->number,
                  a->plan->reason ? a->plan->reason : "");
    SovaExecOptions eo = { .dry_run = a->opts.dry_run };
    a->results = sova_execute(a->be, a->plan, &eo);
    sova_policy_feedback(&a->policy->head, a->policy_state, a->plan, a->results);
    log_results(a, a->results, iv->snapshot->host);
    note_failure(a, a->results);
    iv->results = a->results;
    iv->executed = a->results->done;
    iv->failed = a->results->failed;
    count_pins(a, a->results);
}

/* after execution: a debug line for a quiet interval; the record to the observer */
static void report(SovaAgent *a, const SovaAgentInterval *iv)
{
    if (!a->opts.json && !sova_plan_len(iv->plan))
        sova_debug("interval %" G_GUINT64_FORMAT ": stddev %.1f: %s", iv->number, iv->stddev,
                   iv->plan->reason ? iv->plan->reason : "no change");
    if (a->opts.observer)
        a->opts.observer(iv, a->opts.observer_data);
}

gboolean sova_agent_step(SovaAgent *a, GError **error)
{
    guint64 calls0 = a->be->calls;
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(SovaSnapshot) cur = sova_backend_sample(a->be, error);
    if (!cur)
        return FALSE;
    check_reserved(a, cur);
    if (!a->prev || cur->time_us <= a->prev->time_us) {
        /* the first sample (or a clock that did not advance) only sets the baseline, and
         * the first one the take-over */
        if (!a->prev && a->number == 0 && !a->takeover)
            take_over(a, cur);
        sova_snapshot_free(a->prev);
        a->prev = g_steal_pointer(&cur);
        return TRUE;
    }
    SovaModelParams mp = { .ewma_alpha = a->ewma_alpha, .reserved = a->reserved,
                           .exclude = (const char *const *)a->exclude };
    SovaModel *model = sova_model_build(a->prev, cur, a->model, &mp);
    SovaAgentInterval iv = { .number = ++a->number, .time_us = cur->time_us, .snapshot = cur,
                             .prev = a->prev, .model = model,
                             .stddev = sova_model_util_stddev(model, NULL) };
    g_clear_pointer(&a->failure, g_free);
    if (iv.number == 1 && a->takeover) {
        iv.takeover = a->takeover;
        iv.takeover_results = a->takeover_results;
        note_failure(a, a->takeover_results);
    }
    cpu_interval(a, model, &iv);
    sova_agent_cpu_pub_step(a->cpu_pub, a->be, model, a->ewma_alpha, a->interval,
                            a->opts.dry_run);
    SovaAgentNetInterval net;
    if (a->net) {
        gboolean say = !a->opts.json && !a->opts.quiet;
        net = sova_agent_net_step(a->net, a->be, a->prev, cur, a->opts.dry_run, say);
        iv.net = &net;
        note_failure(a, net.results);
    }
    iv.calls = a->be->calls - calls0;
    iv.duration_s = (g_get_monotonic_time() - t0) / (double)G_USEC_PER_SEC;
    report(a, &iv);
    sova_model_free(a->model);
    a->model = model;
    sova_snapshot_free(a->prev);
    a->prev = g_steal_pointer(&cur);
    return TRUE;
}

double sova_agent_next_wait(const SovaAgent *a)
{
    return a->prev && a->number == 0 ? MIN(a->interval, SOVA_AGENT_FIRST_WAIT) : a->interval;
}

int sova_agent_run(SovaAgent *a, gboolean once, const volatile gint *stop, GError **error)
{
    double backoff = a->interval;
    while (!(stop && g_atomic_int_get(stop))) {
        g_autoptr(GError) err = NULL;
        guint64 before = a->number;
        if (a->opts.between)
            a->opts.between(a, a->opts.between_data);
        if (!sova_agent_step(a, &err)) {
            if (once) {
                g_propagate_error(error, g_steal_pointer(&err));
                return 1;
            }
            sova_warn("%s; retrying in %.0f s", err->message, backoff);
            if (!sova_backend_wait(a->be, backoff, stop))
                break;
            backoff = MIN(backoff * 2, a->reconnect_max);
            continue;
        }
        backoff = a->interval;
        if (once && a->number > before && a->failure) {
            g_set_error_literal(error, SOVA_ERROR, SOVA_ERROR_BACKEND, a->failure);
            return 1;
        }
        if (once && a->number > before)
            return 0;
        if (!sova_backend_wait(a->be, once ? a->interval : sova_agent_next_wait(a), stop))
            break;
    }
    return 0;
}
