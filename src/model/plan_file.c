/* plan_file.c — writing and reading plan files; see plan_file.h. */
#include "model/plan_file.h"
#include "util/error.h"
#include "util/json.h"
#include <math.h>
#include <string.h>

/* ---- writing ---- */

static double fin(double v)
{
    return isfinite(v) ? v : 0;
}

static void host_json(JsonBuilder *b, const char *member, const SovaCluster *c, int h)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_object(b);
    if (h >= 0 && (guint)h < c->hosts->len) {
        sova_json_string(b, "host", sova_cluster_host(c, h)->name);
        sova_json_double(b, "cpu", fin(sova_cluster_host_load(c, h, SOVA_RES_CPU)));
        sova_json_double(b, "mem", fin(sova_cluster_host_load(c, h, SOVA_RES_MEM)));
        sova_json_double(b, "net", fin(sova_cluster_host_load(c, h, SOVA_RES_NET)));
        sova_json_double(b, "score", fin(sova_cluster_host_score(c, h)));
    }
    json_builder_end_object(b);
}

static void assumed_json(JsonBuilder *b, const SovaCluster *c, const SovaAction *a)
{
    json_builder_set_member_name(b, "assumed");
    json_builder_begin_object(b);
    int v = sova_cluster_find_vm(c, a->uuid);
    json_builder_set_member_name(b, "vm");
    json_builder_begin_object(b);
    if (v >= 0) {
        const SovaClusterVm *vm = sova_cluster_vm(c, v);
        sova_json_double(b, "cpu", fin(vm->cpu));
        sova_json_int(b, "memory_kib", (gint64)vm->memory_kib);
        sova_json_double(b, "net_Bps", fin(vm->net_Bps));
    }
    json_builder_end_object(b);
    host_json(b, "source", c, a->from_host);
    host_json(b, "destination", c, a->to_host);
    json_builder_end_object(b);
}

static void action_json(JsonBuilder *b, const SovaCluster *c, const SovaAction *a,
                        double before, double after)
{
    json_builder_begin_object(b);
    sova_json_string(b, "action", "migrate");
    sova_json_string(b, "vm", a->vm_name);
    sova_json_string(b, "uuid", a->uuid);
    sova_json_string(b, "from", a->from_host_name);
    sova_json_string(b, "to", a->to_host_name);
    sova_json_string(b, "reason", a->reason ? a->reason : "");
    sova_json_double(b, "gain", fin(a->gain));
    sova_json_double(b, "cost_s", fin(a->cost));
    json_builder_set_member_name(b, "expected");
    json_builder_begin_object(b);
    sova_json_double(b, "imbalance_before", fin(before));
    sova_json_double(b, "imbalance_after", fin(after));
    json_builder_end_object(b);
    assumed_json(b, c, a);
    json_builder_end_object(b);
}

JsonNode *sova_plan_file_to_json(const SovaCluster *c, const SovaPlan *plan,
                                 const double *expected, const SovaPlanFileInfo *info)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc((gint64)info->created);
    g_autofree char *iso = t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
    guint n = sova_plan_len(plan);
    json_builder_begin_object(b);
    sova_json_int(b, "sova_plan", SOVA_PLAN_FILE_VERSION);
    sova_json_string(b, "created", iso);
    sova_json_double(b, "created_unix", fin(info->created));
    sova_json_double(b, "sampled_unix", fin(info->sampled));
    sova_json_string(b, "policy", info->policy ? info->policy : "");
    sova_json_double(b, "imbalance", fin(expected[0]));
    sova_json_double(b, "imbalance_after", fin(expected[n]));
    sova_json_string(b, "reason", plan->reason ? plan->reason : "");
    json_builder_set_member_name(b, "actions");
    json_builder_begin_array(b);
    for (guint i = 0; i < n; i++)
        if (sova_plan_action(plan, i)->kind == SOVA_ACTION_MIGRATE)
            action_json(b, c, sova_plan_action(plan, i), expected[i], expected[i + 1]);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- reading ---- */

static void action_clear(gpointer p)
{
    SovaPlanFileAction *a = p;
    g_free(a->vm);
    g_free(a->from);
    g_free(a->to);
    g_free(a->reason);
}

void sova_plan_file_free(SovaPlanFile *f)
{
    if (!f)
        return;
    g_free(f->policy);
    if (f->actions)
        g_array_unref(f->actions);
    g_free(f);
}

SovaPlanFileAction *sova_plan_file_action(const SovaPlanFile *f, guint i)
{
    return &g_array_index(f->actions, SovaPlanFileAction, i);
}

/* a number member; FALSE when absent and required, or not a finite number */
static gboolean number(JsonObject *o, const char *name, gboolean required, double *out,
                       const char *where, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n)
        return required ? sova_error_invalid(error, "%s: no \"%s\"", where, name) : TRUE;
    GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
    if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
        return sova_error_invalid(error, "%s: \"%s\" is not a number", where, name);
    *out = json_node_get_double(n);
    return isfinite(*out) ? TRUE
                          : sova_error_invalid(error, "%s: \"%s\" is not finite", where, name);
}

/* a non-empty string member (a copy), or NULL with error */
static char *string(JsonObject *o, const char *name, gboolean required, const char *where,
                    GError **error)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n && !required)
        return g_strdup("");
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return sova_error_invalid(error, "%s: \"%s\" is missing or not a string", where, name),
               NULL;
    const char *s = json_node_get_string(n);
    if (required && !*s)
        return sova_error_invalid(error, "%s: \"%s\" is empty", where, name), NULL;
    return g_strdup(s);
}

static gboolean valid_uuid(const char *s)
{
    if (strlen(s) != SOVA_UUID_LEN - 1)
        return FALSE;
    for (guint i = 0; s[i]; i++) {
        gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !g_ascii_isxdigit(s[i]))
            return FALSE;
    }
    return TRUE;
}

static gboolean read_expected(JsonObject *o, SovaPlanFileAction *a, const char *where,
                              GError **error)
{
    JsonNode *n = json_object_get_member(o, "expected");
    if (!n)
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return sova_error_invalid(error, "%s: \"expected\" is not an object", where);
    JsonObject *e = json_node_get_object(n);
    return number(e, "imbalance_before", FALSE, &a->imbalance_before, where, error) &&
           number(e, "imbalance_after", FALSE, &a->imbalance_after, where, error);
}

static gboolean read_action(JsonNode *n, guint i, SovaPlanFileAction *a, GError **error)
{
    g_autofree char *where = g_strdup_printf("action %u", i + 1);
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return sova_error_invalid(error, "%s is not an object", where);
    JsonObject *o = json_node_get_object(n);
    g_autofree char *kind = string(o, "action", TRUE, where, error);
    g_autofree char *uuid = kind ? string(o, "uuid", TRUE, where, error) : NULL;
    if (!uuid)
        return FALSE;
    if (strcmp(kind, "migrate") != 0)
        return sova_error_invalid(error, "%s: \"%s\" is not an action sova applies (migrate)",
                                  where, kind);
    if (!valid_uuid(uuid))
        return sova_error_invalid(error, "%s: \"%s\" is not a UUID", where, uuid);
    g_strlcpy(a->uuid, uuid, sizeof a->uuid);
    if (!(a->vm = string(o, "vm", TRUE, where, error)) ||
        !(a->from = string(o, "from", TRUE, where, error)) ||
        !(a->to = string(o, "to", TRUE, where, error)) ||
        !(a->reason = string(o, "reason", FALSE, where, error)))
        return FALSE;
    if (strcmp(a->from, a->to) == 0)
        return sova_error_invalid(error, "%s: %s goes from %s to itself", where, a->vm, a->from);
    return number(o, "gain", FALSE, &a->gain, where, error) &&
           number(o, "cost_s", FALSE, &a->cost_s, where, error) &&
           read_expected(o, a, where, error);
}

static gboolean read_head(JsonObject *o, SovaPlanFile *f, GError **error)
{
    double version = 0;
    if (!number(o, "sova_plan", TRUE, &version, "the plan", error))
        return FALSE;
    if (version != SOVA_PLAN_FILE_VERSION)
        return sova_error_invalid(error, "plan format %g, this sova reads %d", version,
                                  SOVA_PLAN_FILE_VERSION);
    f->version = (int)version;
    f->sampled = -1;
    if (!number(o, "created_unix", TRUE, &f->created, "the plan", error) ||
        !number(o, "sampled_unix", FALSE, &f->sampled, "the plan", error) ||
        !number(o, "imbalance", FALSE, &f->imbalance, "the plan", error))
        return FALSE;
    f->policy = string(o, "policy", FALSE, "the plan", error);
    return f->policy != NULL;
}

static gboolean read_actions(JsonObject *o, SovaPlanFile *f, GError **error)
{
    JsonNode *n = json_object_get_member(o, "actions");
    if (!n || !JSON_NODE_HOLDS_ARRAY(n))
        return sova_error_invalid(error, "the plan has no \"actions\" array");
    JsonArray *arr = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        SovaPlanFileAction a = { 0 };
        gboolean ok = read_action(json_array_get_element(arr, i), i, &a, error);
        g_array_append_val(f->actions, a);   /* cleared with the file either way */
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

SovaPlanFile *sova_plan_file_parse(const char *text, gssize len, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    if (!json_parser_load_from_data(parser, text, len, &err)) {
        sova_error_invalid(error, "not JSON: %s", err->message);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        sova_error_invalid(error, "not a sova plan (a JSON object)");
        return NULL;
    }
    g_autoptr(SovaPlanFile) f = g_new0(SovaPlanFile, 1);
    f->actions = g_array_new(FALSE, TRUE, sizeof(SovaPlanFileAction));
    g_array_set_clear_func(f->actions, action_clear);
    JsonObject *o = json_node_get_object(root);
    if (!read_head(o, f, error) || !read_actions(o, f, error))
        return NULL;
    return g_steal_pointer(&f);
}
