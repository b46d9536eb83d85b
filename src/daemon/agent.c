/* agent.c — the host agent's loop; see agent.h.
 *
 * Each interval: sample the backend, build the model against the previous
 * snapshot, ask the cpu policy for a plan, execute it (unless dry-run), report.
 * The agent owns no policy logic and no hypervisor calls; it is glue, and stays
 * small so that what runs in the simulator is exactly what runs on a host. */
#include "daemon/agent.h"
#include "util/json.h"
#include "util/error.h"
#include "util/log.h"
#include <stdio.h>

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
    gboolean failed_actions;  /* some action failed in the last planned interval */
    gboolean warned_reserved;
    SovaAgentNet *net;        /* NULL: the net plane is off */
};

SovaAgent *sova_agent_new(SovaBackend *be, const SovaConfig *cfg, const SovaCpuPolicy *policy,
                          const SovaAgentOptions *opts)
{
    SovaAgent *a = g_new0(SovaAgent, 1);
    a->be = be;
    a->policy = policy;
    a->policy_state = policy->state_new ? policy->state_new() : NULL;
    a->params.target_stddev = cfg->target_stddev;
    a->params.min_gain = cfg->min_gain;
    if (opts)
        a->opts = *opts;
    a->interval = cfg->interval;
    a->reconnect_max = MAX(cfg->reconnect_max, cfg->interval);
    a->ewma_alpha = cfg->ewma_alpha;
    a->reserved = sova_cpuset_copy(cfg->reserved);
    a->exclude = g_strdupv(cfg->exclude);
    a->net = sova_agent_net_new(cfg);
    return a;
}

void sova_agent_free(SovaAgent *a)
{
    if (!a)
        return;
    if (a->policy->state_free)
        a->policy->state_free(a->policy_state);
    sova_cpuset_free(a->reserved);
    g_strfreev(a->exclude);
    sova_agent_net_free(a->net);
    sova_snapshot_free(a->prev);
    sova_model_free(a->model);
    g_free(a);
}

guint64 sova_agent_pin_changes(const SovaAgent *a) { return a->pin_changes; }
guint64 sova_agent_vf_switches(const SovaAgent *a) { return a->net ? sova_agent_net_switches(a->net) : 0; }
const char *sova_agent_net_policy(const SovaAgent *a) { return a->net ? sova_agent_net_policy_name(a->net) : NULL; }

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

/* carries out the plan's actions; returns how many succeeded */
static guint execute_plan(SovaAgent *a, const SovaPlan *plan, guint *failed)
{
    guint done = 0;
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *act = sova_plan_action(plan, i);
        g_autofree char *what = sova_action_describe(act);
        g_autoptr(GError) err = NULL;
        if (a->opts.dry_run) {
            if (!a->opts.json && !a->opts.quiet)
                printf("would %s\n", what);
            continue;
        }
        if (!sova_backend_execute(a->be, act, &err)) {
            (*failed)++;
            sova_warn("failed: %s: %s", what, err->message);
            continue;
        }
        done++;
        if (act->kind == SOVA_ACTION_PIN)
            a->pin_changes++;
        if (!a->opts.json && !a->opts.quiet)
            sova_info("  %s", what);
    }
    if (a->opts.dry_run && !a->opts.json && !a->opts.quiet)
        fflush(stdout);
    return done;
}

static void print_json(const SovaAgentInterval *iv)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_int(b, "interval", (gint64)iv->number);
    sova_json_double(b, "seconds", iv->model->interval_s);
    sova_json_double(b, "stddev", iv->stddev);
    sova_model_pcpus_to_json(iv->model, b);
    json_builder_set_member_name(b, "plan");
    json_builder_add_value(b, sova_plan_to_json(iv->plan));
    sova_json_int(b, "executed", iv->executed);
    sova_json_int(b, "failed", iv->failed);
    sova_json_int(b, "calls", (gint64)iv->calls);
    if (iv->net) {
        json_builder_set_member_name(b, "net");
        sova_agent_net_to_json(iv->net, b);
    }
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, FALSE);
    printf("%s\n", text);
    fflush(stdout);
}

/* Pins changed behind our back (virsh vcpupin, another tool, a reconnect that raced an
 * operator) show up as vCPUs pinned to a pCPU that ran more than the pCPU was busy.
 * Planning on that placement would be wrong: instead the backend re-reads every pin
 * at the next sample, and this interval plans nothing. NULL when the placement is sound. */
static SovaPlan *stale_placement(SovaAgent *a, const SovaModel *m)
{
    if (m->stale_pcpu < 0 || !sova_backend_forget_placement(a->be))
        return NULL;
    const SovaPcpuLoad *p = sova_model_pcpu(m, (guint)m->stale_pcpu);
    SovaPlan *plan = sova_plan_new();
    sova_plan_set_reason(plan, "pCPU %u was %.0f%% busy but the vCPUs pinned to it ran %.0f%%: "
                         "pins changed outside sova; re-reading them before planning",
                         p->id, p->util, p->pinned_util);
    plan->spread_before = plan->spread_after = sova_model_util_stddev(m, NULL);
    if (!a->opts.quiet)
        sova_warn("%s", plan->reason);
    return plan;
}

/* after execution: the JSON line, or (text mode) a debug line for a quiet interval */
static void report(SovaAgent *a, const SovaAgentInterval *iv)
{
    if (a->opts.json && !a->opts.quiet)
        print_json(iv);
    else if (!sova_plan_len(iv->plan))
        sova_debug("interval %" G_GUINT64_FORMAT ": stddev %.1f: %s", iv->number, iv->stddev,
                   iv->plan->reason ? iv->plan->reason : "no change");
    if (a->opts.observer)
        a->opts.observer(iv, a->opts.observer_data);
}

gboolean sova_agent_step(SovaAgent *a, GError **error)
{
    guint64 calls0 = a->be->calls;
    g_autoptr(SovaSnapshot) cur = sova_backend_sample(a->be, error);
    if (!cur)
        return FALSE;
    check_reserved(a, cur);
    if (!a->prev || cur->time_us <= a->prev->time_us) {
        /* the first sample (or a clock that did not advance) only sets the baseline */
        sova_snapshot_free(a->prev);
        a->prev = g_steal_pointer(&cur);
        return TRUE;
    }
    SovaModelParams mp = { .ewma_alpha = a->ewma_alpha, .reserved = a->reserved,
                           .exclude = (const char *const *)a->exclude };
    SovaModel *model = sova_model_build(a->prev, cur, a->model, &mp);
    g_autoptr(SovaPlan) plan = stale_placement(a, model);
    if (!plan)
        plan = a->policy->plan(model, &a->params, a->policy_state);
    SovaAgentInterval iv = { .number = ++a->number, .time_us = cur->time_us, .snapshot = cur,
                             .model = model, .plan = plan,
                             .stddev = sova_model_util_stddev(model, NULL) };
    if (sova_plan_len(plan) && !a->opts.json && !a->opts.quiet)
        sova_info("interval %" G_GUINT64_FORMAT ": %s", iv.number, plan->reason ? plan->reason : "");
    iv.executed = execute_plan(a, plan, &iv.failed);
    SovaAgentNetInterval net;
    if (a->net) {
        gboolean say = !a->opts.json && !a->opts.quiet;
        net = sova_agent_net_step(a->net, a->be, a->prev, cur, a->opts.dry_run, say);
        iv.net = &net;
    }
    a->failed_actions = iv.failed > 0 || (iv.net && iv.net->failed > 0);
    iv.calls = a->be->calls - calls0;
    report(a, &iv);
    sova_model_free(a->model);
    a->model = model;
    sova_snapshot_free(a->prev);
    a->prev = g_steal_pointer(&cur);
    return TRUE;
}

int sova_agent_run(SovaAgent *a, gboolean once, const volatile gint *stop)
{
    double backoff = a->interval;
    while (!(stop && g_atomic_int_get(stop))) {
        g_autoptr(GError) err = NULL;
        guint64 before = a->number;
        if (!sova_agent_step(a, &err)) {
            if (once) {
                g_printerr("sova: %s\n", err->message);
                return 1;
            }
            sova_warn("%s; retrying in %.0f s", err->message, backoff);
            if (!sova_backend_wait(a->be, backoff, stop))
                break;
            backoff = MIN(backoff * 2, a->reconnect_max);
            continue;
        }
        backoff = a->interval;
        if (once && a->number > before)
            return a->failed_actions ? 1 : 0;
        if (!sova_backend_wait(a->be, a->interval, stop))
            break;
    }
    return 0;
}
