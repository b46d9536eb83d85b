/* agent_report.c — the agent's interval records as text or JSON lines; see report.h.
 *
 * JSON: {"interval", "seconds", "stddev", "pcpus": [...], "plan": {...}, "results": [...],
 * "executed", "failed", "calls", "net": {...}, "takeover": {...}} ("takeover": the first
 * sample's release of stacked vCPUs, in the first interval's record only); text: "would
 * <action>" for every action a dry run skipped, the take-over's, the cpu plane's, then the
 * net plane's. */
#include "cli/report.h"
#include "util/json.h"
#include <stdio.h>

/* what a plane planned and what became of it: "plan", "results", "executed", "failed" */
static void plan_to_json(JsonBuilder *b, const SovaPlan *plan, const SovaPlanResults *results,
                         guint executed, guint failed)
{
    json_builder_set_member_name(b, "plan");
    json_builder_add_value(b, sova_plan_to_json(plan));
    json_builder_set_member_name(b, "results");
    json_builder_add_value(b, sova_plan_results_to_json(results));
    sova_json_int(b, "executed", executed);
    sova_json_int(b, "failed", failed);
}

static void vm_to_json(const SovaNetVmLoad *v, const SovaNetVmStatus *st, JsonBuilder *b)
{
    json_builder_begin_object(b);
    sova_json_string(b, "vm", v->name);
    sova_json_string(b, "uuid", v->uuid);
    sova_json_string(b, "mode", v->has_vf ? "vf" : v->has_standby ? "virtio" : "none");
    sova_json_string(b, "override", v->override == SOVA_NET_ALWAYS  ? "always"
                                    : v->override == SOVA_NET_NEVER ? "never"
                                                                    : "auto");
    sova_json_double(b, "rx_Bps", v->smooth.rx_bps);
    sova_json_double(b, "tx_Bps", v->smooth.tx_bps);
    sova_json_double(b, "rx_pps", v->smooth.rx_pps);
    sova_json_double(b, "tx_pps", v->smooth.tx_pps);
    if (v->has_vf)   /* its VF's traffic invisible to the host: the rates are carried over */
        sova_json_bool(b, "blind", v->blind);
    if (v->leaving)           /* the controller is migrating it: the agent leaves it alone */
        sova_json_bool(b, "leaving", TRUE);
    if (st) {
        sova_json_double(b, "benefit", st->benefit);
        sova_json_bool(b, "wants_vf", st->wants_vf);
        sova_json_bool(b, "holds_vf_after", st->holds_vf);
        sova_json_bool(b, "unmet", st->unmet);
    }
    json_builder_end_object(b);
}

static void net_to_json(const SovaAgentNetInterval *iv, JsonBuilder *b)
{
    json_builder_begin_object(b);
    sova_json_string(b, "policy", iv->policy);
    sova_json_int(b, "pool", iv->result->pool_size);
    sova_json_int(b, "in_use", iv->result->in_use);
    sova_json_int(b, "unmet", iv->result->unmet);
    sova_json_double(b, "nic_util", iv->result->nic_util);
    json_builder_set_member_name(b, "vms");
    json_builder_begin_array(b);
    for (guint i = 0; i < iv->model->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(iv->model, i);
        vm_to_json(v, sova_net_result_find(iv->result, v->uuid), b);
    }
    json_builder_end_array(b);
    plan_to_json(b, iv->plan, iv->results, iv->executed, iv->failed);
    json_builder_end_object(b);
}

JsonNode *sova_agent_interval_to_json(const SovaAgentInterval *iv)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_int(b, "interval", (gint64)iv->number);
    sova_json_double(b, "seconds", iv->model->interval_s);
    sova_json_double(b, "stddev", iv->stddev);
    sova_model_pcpus_to_json(iv->model, b);
    plan_to_json(b, iv->plan, iv->results, iv->executed, iv->failed);
    sova_json_int(b, "calls", (gint64)iv->calls);
    if (iv->net) {
        json_builder_set_member_name(b, "net");
        net_to_json(iv->net, b);
    }
    if (iv->takeover) {
        json_builder_set_member_name(b, "takeover");
        json_builder_begin_object(b);
        plan_to_json(b, iv->takeover, iv->takeover_results, iv->takeover_results->done,
                     iv->takeover_results->failed);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void print_would(const SovaPlanResults *r)
{
    for (guint i = 0; i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        if (res->outcome != SOVA_ACTION_SKIPPED)
            continue;
        g_autofree char *what = sova_action_describe(res->action);
        printf("would %s\n", what);
    }
}

void sova_report_agent(const SovaAgentInterval *iv, gpointer data)
{
    const SovaReport *rep = data;
    if (rep->json) {
        g_autoptr(JsonNode) root = sova_agent_interval_to_json(iv);
        g_autofree char *text = json_to_string(root, FALSE);
        printf("%s\n", text);
    } else {
        if (iv->takeover)
            print_would(iv->takeover_results);
        print_would(iv->results);
        if (iv->net)
            print_would(iv->net->results);
    }
    fflush(stdout);
}
