/* plan.c — building, describing and serialising plans; see plan.h. */
#include "model/plan.h"
#include "util/json.h"
#include <stdarg.h>
#include <string.h>

static void action_free(gpointer p)
{
    SovaAction *a = p;
    g_free(a->vm_name);
    g_free(a->from_host_name);
    g_free(a->to_host_name);
    sova_cpuset_free(a->to_set);
    g_free(a->reason);
    g_free(a);
}

SovaPlan *sova_plan_new(void)
{
    SovaPlan *p = g_new0(SovaPlan, 1);
    p->actions = g_ptr_array_new_with_free_func(action_free);
    return p;
}

void sova_plan_free(SovaPlan *p)
{
    if (!p)
        return;
    g_ptr_array_unref(p->actions);
    g_free(p->reason);
    g_free(p);
}

/* a new action of `kind` on the VM, appended to p, with its reason; every vCPU, pCPU and host
 * field -1 (none): the caller sets those its kind has */
static SovaAction *add_action(SovaPlan *p, SovaActionKind kind, const char *uuid,
                              const char *vm_name, const char *reason_fmt, va_list ap)
{
    SovaAction *a = g_new0(SovaAction, 1);
    a->kind = kind;
    g_strlcpy(a->uuid, uuid, sizeof a->uuid);
    a->vm_name = g_strdup(vm_name);
    a->vcpu = a->from_pcpu = a->to_pcpu = -1;
    a->from_host = a->to_host = -1;
    a->reason = g_strdup_vprintf(reason_fmt, ap);
    g_ptr_array_add(p->actions, a);
    return a;
}

SovaAction *sova_plan_add_pin(SovaPlan *p, const char *uuid, const char *vm_name, int vcpu,
                              int from_pcpu, int to_pcpu, const char *reason_fmt, ...)
{
    va_list ap;
    va_start(ap, reason_fmt);
    SovaAction *a = add_action(p, SOVA_ACTION_PIN, uuid, vm_name, reason_fmt, ap);
    va_end(ap);
    a->vcpu = vcpu;
    a->from_pcpu = from_pcpu;
    a->to_pcpu = to_pcpu;
    return a;
}

SovaAction *sova_plan_add_share(SovaPlan *p, const char *uuid, const char *vm_name, int vcpu,
                                int from_pcpu, const SovaCpuSet *set, const char *reason_fmt, ...)
{
    va_list ap;
    va_start(ap, reason_fmt);
    SovaAction *a = add_action(p, SOVA_ACTION_PIN, uuid, vm_name, reason_fmt, ap);
    va_end(ap);
    a->vcpu = vcpu;
    a->from_pcpu = from_pcpu;
    a->to_set = sova_cpuset_copy(set);
    return a;
}

SovaAction *sova_plan_add_vf(SovaPlan *p, SovaActionKind kind, const char *uuid,
                             const char *vm_name, const char *reason_fmt, ...)
{
    g_return_val_if_fail(kind == SOVA_ACTION_ATTACH_VF || kind == SOVA_ACTION_DETACH_VF, NULL);
    va_list ap;
    va_start(ap, reason_fmt);
    SovaAction *a = add_action(p, kind, uuid, vm_name, reason_fmt, ap);
    va_end(ap);
    return a;
}

SovaAction *sova_plan_add_clear_meta(SovaPlan *p, const char *uuid, const char *vm_name,
                                     const char *reason_fmt, ...)
{
    va_list ap;
    va_start(ap, reason_fmt);
    SovaAction *a = add_action(p, SOVA_ACTION_CLEAR_META, uuid, vm_name, reason_fmt, ap);
    va_end(ap);
    return a;
}

SovaAction *sova_plan_add_migrate(SovaPlan *p, const char *uuid, const char *vm_name,
                                  int from_host, const char *from_name, int to_host,
                                  const char *to_name, double gain, double cost,
                                  const char *reason_fmt, ...)
{
    va_list ap;
    va_start(ap, reason_fmt);
    SovaAction *a = add_action(p, SOVA_ACTION_MIGRATE, uuid, vm_name, reason_fmt, ap);
    va_end(ap);
    a->from_host = from_host;
    a->to_host = to_host;
    a->from_host_name = g_strdup(from_name);
    a->to_host_name = g_strdup(to_name);
    a->gain = gain;
    a->cost = cost;
    return a;
}

void sova_plan_set_reason(SovaPlan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(p->reason);
    p->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

guint sova_plan_len(const SovaPlan *p)
{
    return p->actions->len;
}

SovaAction *sova_plan_action(const SovaPlan *p, guint i)
{
    return g_ptr_array_index(p->actions, i);
}

const char *sova_action_kind_name(SovaActionKind k)
{
    switch (k) {
    case SOVA_ACTION_PIN: return "pin";
    case SOVA_ACTION_ATTACH_VF: return "attach-vf";
    case SOVA_ACTION_DETACH_VF: return "detach-vf";
    case SOVA_ACTION_MIGRATE: return "migrate";
    case SOVA_ACTION_CLEAR_META: return "clear-meta";
    }
    return "?";
}

char *sova_action_describe(const SovaAction *a)
{
    if (a->kind == SOVA_ACTION_MIGRATE)
        return g_strdup_printf("migrate %s: %s -> %s (%s)", a->vm_name, a->from_host_name,
                               a->to_host_name, a->reason);
    if (a->kind != SOVA_ACTION_PIN)
        return g_strdup_printf("%s %s (%s)", sova_action_kind_name(a->kind), a->vm_name, a->reason);
    g_autofree char *from = a->from_pcpu >= 0 ? g_strdup_printf("pCPU %d", a->from_pcpu)
                                                 : g_strdup("unpinned");
    if (a->to_set) {
        g_autofree char *set = sova_cpuset_format(a->to_set);
        return g_strdup_printf("pin %s vcpu %d: %s -> pCPUs %s (%s)", a->vm_name, a->vcpu, from,
                               set, a->reason);
    }
    return g_strdup_printf("pin %s vcpu %d: %s -> pCPU %d (%s)", a->vm_name, a->vcpu, from,
                           a->to_pcpu, a->reason);
}

static JsonNode *action_to_json(const SovaAction *a)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_string(b, "action", sova_action_kind_name(a->kind));
    sova_json_string(b, "vm", a->vm_name);
    sova_json_string(b, "uuid", a->uuid);
    if (a->kind == SOVA_ACTION_PIN) {
        sova_json_int(b, "vcpu", a->vcpu);
        json_builder_set_member_name(b, "from");
        if (a->from_pcpu >= 0)
            json_builder_add_int_value(b, a->from_pcpu);
        else
            json_builder_add_null_value(b);
        sova_json_int(b, "to", a->to_pcpu);
        if (a->to_set) {
            g_autofree char *set = sova_cpuset_format(a->to_set);
            sova_json_string(b, "to_set", set);
        }
    } else if (a->kind == SOVA_ACTION_MIGRATE) {
        sova_json_string(b, "from", a->from_host_name);
        sova_json_string(b, "to", a->to_host_name);
        sova_json_double(b, "gain", a->gain);
        sova_json_double(b, "cost_s", a->cost);
    }
    sova_json_string(b, "reason", a->reason);
    if (a->recommend)
        sova_json_bool(b, "recommend", TRUE);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *sova_plan_to_json(const SovaPlan *p)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_string(b, "status", sova_plan_status_name(p->status));
    sova_json_string(b, "reason", p->reason ? p->reason : "");
    sova_json_double(b, "spread_before", p->spread_before);
    sova_json_double(b, "spread_after", p->spread_after);
    json_builder_set_member_name(b, "actions");
    json_builder_begin_array(b);
    for (guint i = 0; i < p->actions->len; i++)
        json_builder_add_value(b, action_to_json(sova_plan_action(p, i)));
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

const char *sova_plan_status_name(SovaPlanStatus s)
{
    switch (s) {
    case SOVA_PLAN_ACT: return "act";
    case SOVA_PLAN_UNCONFIRMED: return "unconfirmed";
    case SOVA_PLAN_REREAD: return "reread";
    case SOVA_PLAN_RECOMMEND: return "recommend";
    }
    return "?";
}

const char *sova_mode_name(SovaMode m)
{
    static const char *const names[] = {"full", "partial", "manual"};
    return (guint)m < G_N_ELEMENTS(names) ? names[m] : "?";
}

gboolean sova_mode_parse(const char *text, SovaMode *out)
{
    for (SovaMode m = SOVA_MODE_FULL; text && m <= SOVA_MODE_MANUAL; m++)
        if (g_ascii_strcasecmp(text, sova_mode_name(m)) == 0) {
            *out = m;
            return TRUE;
        }
    return FALSE;
}

void sova_plan_apply_mode(SovaPlan *p, SovaMode mode)
{
    if (mode == SOVA_MODE_MANUAL && p->status == SOVA_PLAN_ACT)
        p->status = SOVA_PLAN_RECOMMEND;
    for (guint i = 0; mode != SOVA_MODE_FULL && i < sova_plan_len(p); i++)
        if (mode == SOVA_MODE_MANUAL || sova_plan_action(p, i)->kind == SOVA_ACTION_MIGRATE)
            sova_plan_action(p, i)->recommend = TRUE;   /* an UNCONFIRMED plan's too */
}

guint sova_plan_recommend_vm(SovaPlan *p, const char *uuid, guint kinds)
{
    guint n = 0;
    for (guint i = 0; i < sova_plan_len(p); i++) {
        SovaAction *a = sova_plan_action(p, i);
        if ((kinds & (1u << a->kind)) && strcmp(a->uuid, uuid) == 0) {
            a->recommend = TRUE;
            n++;
        }
    }
    return n;
}

gboolean sova_plan_recommends(const SovaPlan *p, const SovaAction *a)
{
    return p->status == SOVA_PLAN_RECOMMEND || a->recommend;
}

/* ---- results ---- */

static void result_clear(gpointer p)
{
    g_free(((SovaActionResult *)p)->error);
}

SovaPlanResults *sova_plan_results_new(void)
{
    SovaPlanResults *r = g_new0(SovaPlanResults, 1);
    r->results = g_array_new(FALSE, TRUE, sizeof(SovaActionResult));
    g_array_set_clear_func(r->results, result_clear);
    return r;
}

void sova_plan_results_free(SovaPlanResults *r)
{
    if (!r)
        return;
    g_array_unref(r->results);
    g_free(r);
}

void sova_plan_results_add(SovaPlanResults *r, const SovaAction *a, SovaActionOutcome outcome,
                           const char *error)
{
    SovaActionResult res = { .action = a, .outcome = outcome,
                             .error = outcome == SOVA_ACTION_FAILED
                                          ? g_strdup(error ? error : "failed") : NULL };
    g_array_append_val(r->results, res);
    r->done += outcome == SOVA_ACTION_DONE;
    r->failed += outcome == SOVA_ACTION_FAILED;
    r->skipped += outcome == SOVA_ACTION_SKIPPED;
    r->recommended += outcome == SOVA_ACTION_RECOMMENDED;
}

guint sova_plan_results_len(const SovaPlanResults *r)
{
    return r ? r->results->len : 0;
}

const SovaActionResult *sova_plan_result(const SovaPlanResults *r, guint i)
{
    return &g_array_index(r->results, SovaActionResult, i);
}

static const char *outcome_name(SovaActionOutcome o)
{
    switch (o) {
    case SOVA_ACTION_DONE: return "done";
    case SOVA_ACTION_FAILED: return "failed";
    case SOVA_ACTION_SKIPPED: return "skipped";
    case SOVA_ACTION_RECOMMENDED: return "recommended";
    }
    return "?";
}

JsonNode *sova_plan_results_to_json(const SovaPlanResults *r)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        json_builder_begin_object(b);
        sova_json_string(b, "action", sova_action_kind_name(res->action->kind));
        sova_json_string(b, "vm", res->action->vm_name);
        sova_json_string(b, "outcome", outcome_name(res->outcome));
        if (res->error)
            sova_json_string(b, "error", res->error);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}
