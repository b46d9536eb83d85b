/* controller_report.c — the controller's interval records as text or JSON lines; see
 * report.h.
 *
 * JSON: {"interval", "now", "imbalance", "dry_run", "cluster": {...}, "plan": {...},
 * "results": [...], "started", "failed_to_start", "in_flight", "finished": [...]}; text:
 * "would migrate ...; imbalance A -> B" for every migration a dry run skipped, "recommend
 * migrate ...; imbalance A -> B" for every one only recommended (mode, migrate='manual'). */
#include "cli/report.h"
#include "util/json.h"
#include <stdio.h>

static void json_migration(JsonBuilder *b, const SovaControllerMigration *m)
{
    json_builder_begin_object(b);
    sova_json_string(b, "vm", m->vm_name);
    sova_json_string(b, "uuid", m->uuid);
    sova_json_string(b, "from", m->from);
    sova_json_string(b, "to", m->to);
    sova_json_bool(b, "ok", m->ok);
    sova_json_bool(b, "aborted", m->aborted);
    sova_json_double(b, "duration_s", m->duration_s);
    sova_json_double(b, "downtime_s", m->downtime_s);
    sova_json_string(b, "reason", m->reason ? m->reason : "");
    if (m->error)
        sova_json_string(b, "error", m->error);
    sova_json_double(b, "imbalance_before", m->imbalance_before);
    sova_json_double(b, "imbalance_after", m->imbalance_after);
    json_builder_end_object(b);
}

JsonNode *sova_controller_interval_to_json(const SovaControllerInterval *iv)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_int(b, "interval", (gint64)iv->number);
    sova_json_double(b, "now", iv->now);
    sova_json_double(b, "imbalance", iv->imbalance);
    sova_json_bool(b, "dry_run", iv->dry_run);
    json_builder_set_member_name(b, "cluster");
    json_builder_add_value(b, sova_cluster_to_json(iv->cluster));
    json_builder_set_member_name(b, "plan");
    json_builder_add_value(b, sova_plan_to_json(iv->plan));
    json_builder_set_member_name(b, "results");
    json_builder_add_value(b, sova_plan_results_to_json(iv->results));
    sova_json_int(b, "started", iv->started);
    sova_json_int(b, "failed_to_start", iv->failed_to_start);
    sova_json_int(b, "recommended", iv->recommended);
    sova_json_int(b, "in_flight", iv->in_flight);
    json_builder_set_member_name(b, "finished");
    json_builder_begin_array(b);
    for (guint i = 0; i < iv->n_finished; i++)
        json_migration(b, &iv->finished[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void print_would(const SovaControllerInterval *iv)
{
    for (guint i = 0; i < sova_plan_results_len(iv->results); i++) {
        const SovaActionResult *res = sova_plan_result(iv->results, i);
        gboolean rec = res->outcome == SOVA_ACTION_RECOMMENDED;
        if ((res->outcome != SOVA_ACTION_SKIPPED && !rec) ||
            res->action->kind != SOVA_ACTION_MIGRATE)
            continue;
        g_autofree char *what = sova_action_describe(res->action);
        printf("%s %s; imbalance %.3f -> %.3f\n", rec ? "recommend" : "would", what,
               iv->expected[i], iv->expected[i + 1]);
    }
}

void sova_report_controller(const SovaControllerInterval *iv, gpointer data)
{
    const SovaReport *rep = data;
    if (rep->json) {
        g_autoptr(JsonNode) root = sova_controller_interval_to_json(iv);
        g_autofree char *text = json_to_string(root, FALSE);
        printf("%s\n", text);
    } else {
        print_would(iv);
    }
    fflush(stdout);
}
