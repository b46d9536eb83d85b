/* sim_result.c — what a scenario run measured, once it ran (the run itself: sim_run.c):
 * the result's lifetime, its JSON, Jain's index, and a run against the CFS run of the same
 * seed. Apart from sim_run.c because nothing here touches the simulator or the agent: these
 * read a finished SovaSimResult, for `sova sim` and the benchmarks. */
#include "sim/sim_run.h"
#include "util/json.h"
#include <math.h>
#include <string.h>

double sova_jain_index(const double *x, guint n)
{
    double sum = 0, sq = 0;
    for (guint i = 0; i < n; i++) {
        sum += x[i];
        sq += x[i] * x[i];
    }
    return n && sq > 0 ? sum * sum / (n * sq) : 1.0;
}

void sova_sim_result_free(SovaSimResult *r)
{
    if (!r)
        return;
    for (guint i = 0; r->vms && i < r->vms->len; i++)
        g_free(g_array_index(r->vms, SovaSimVmResult, i).name);
    if (r->vms)
        g_array_unref(r->vms);
    g_free(r->scenario);
    g_free(r->policy);
    g_free(r->stddev);
    g_free(r->util);
    g_free(r->seen_stddev);
    g_free(r->pins);
    g_free(r->net_mode);
    g_free(r->net_offered_pps);
    g_free(r->net_delivered_pps);
    g_free(r->vfs_held);
    g_free(r);
}

static void add_series(JsonBuilder *b, const char *name, const double *v, guint n)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (guint i = 0; i < n; i++)
        json_builder_add_double_value(b, round(v[i] * 100) / 100);
    json_builder_end_array(b);
}

static void add_vms(JsonBuilder *b, const SovaSimResult *r)
{
    json_builder_set_member_name(b, "vms");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->vms->len; i++) {
        const SovaSimVmResult *v = &g_array_index(r->vms, SovaSimVmResult, i);
        json_builder_begin_object(b);
        sova_json_string(b, "name", v->name);
        sova_json_int(b, "vcpus", v->n_vcpus);
        sova_json_double(b, "demanded_s", v->demanded_s);
        sova_json_double(b, "delivered_s", v->delivered_s);
        if (r->has_net) {
            sova_json_double(b, "net_offered_pkts", v->net_offered_pkts);
            sova_json_double(b, "net_delivered_pkts", v->net_delivered_pkts);
            sova_json_double(b, "net_offered_bytes", v->net_offered_bytes);
            sova_json_double(b, "net_delivered_bytes", v->net_delivered_bytes);
            sova_json_double(b, "vf_s", v->vf_s);
            sova_json_int(b, "vf_switches", v->vf_switches);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void add_net(JsonBuilder *b, const SovaSimResult *r, gboolean with_series)
{
    json_builder_set_member_name(b, "net");
    json_builder_begin_object(b);
    sova_json_string(b, "mode", r->net_mode);
    sova_json_int(b, "vfs", r->vfs);
    sova_json_double(b, "offered_pkts", r->net_offered_pkts);
    sova_json_double(b, "delivered_pkts", r->net_delivered_pkts);
    sova_json_double(b, "offered_bytes", r->net_offered_bytes);
    sova_json_double(b, "delivered_bytes", r->net_delivered_bytes);
    sova_json_double(b, "delivered_ratio", sova_sim_net_ratio(r));
    sova_json_double(b, "vf_pkts", r->net_vf_pkts);
    sova_json_double(b, "detach_gap_pkts", r->net_gap_pkts);
    sova_json_double(b, "vhost_cpu_s", r->vhost_cpu_s);
    sova_json_int(b, "vf_attaches", (gint64)r->vf_attaches);
    sova_json_int(b, "vf_detaches", (gint64)r->vf_detaches);
    sova_json_int(b, "vf_switches", (gint64)(r->vf_attaches + r->vf_detaches));
    sova_json_int(b, "vf_refused", (gint64)r->vf_refused);
    if (with_series) {
        add_series(b, "offered_pps", r->net_offered_pps, r->n_intervals);
        add_series(b, "delivered_pps", r->net_delivered_pps, r->n_intervals);
        json_builder_set_member_name(b, "vfs_held");
        json_builder_begin_array(b);
        for (guint k = 0; k < r->n_intervals; k++)
            json_builder_add_int_value(b, r->vfs_held[k]);
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
}

static double vm_share(const SovaSimVmResult *v)
{
    return MIN(1.0, v->delivered_s / v->demanded_s);
}

gboolean sova_sim_vs_cfs(const SovaSimResult *run, const SovaSimResult *cfs, SovaSimVsCfs *out)
{
    memset(out, 0, sizeof *out);
    if (run->vms->len != cfs->vms->len)
        return FALSE;
    out->worst_vm = 1;
    for (guint i = 0; i < run->vms->len; i++) {
        const SovaSimVmResult *a = &g_array_index(run->vms, SovaSimVmResult, i),
                              *b = &g_array_index(cfs->vms, SovaSimVmResult, i);
        if (strcmp(a->name, b->name)) {
            memset(out, 0, sizeof *out);
            return FALSE;
        }
        if (a->demanded_s <= 0 || b->demanded_s <= 0 || b->delivered_s <= 0)
            continue;
        double x = vm_share(a) / vm_share(b);
        if (x < out->worst_vm) {
            out->worst_vm = x;
            out->worst = i;
        }
    }
    out->total = cfs->delivered_s > 0 ? run->delivered_s / cfs->delivered_s : 1;
    out->pins_per_vcpu = run->n_vcpus ? (double)run->pin_changes / run->n_vcpus : 0;
    out->pins_after_per_vcpu = run->n_vcpus ? (double)run->pins_after / run->n_vcpus : 0;
    return TRUE;
}

void sova_sim_vs_cfs_json(JsonBuilder *b, const SovaSimResult *run, const SovaSimVsCfs *v)
{
    sova_json_double(b, "worst_vm_x_cfs", v->worst_vm);
    sova_json_string(b, "worst_vm",
                     run->vms->len ? g_array_index(run->vms, SovaSimVmResult, v->worst).name : "");
    sova_json_double(b, "total_x_cfs", v->total);
    sova_json_double(b, "pins_per_vcpu", v->pins_per_vcpu);
    sova_json_double(b, "pins_after_per_vcpu", v->pins_after_per_vcpu);
}

double sova_sim_net_ratio(const SovaSimResult *r)
{
    return r->net_offered_pkts > 0 ? r->net_delivered_pkts / r->net_offered_pkts : 1.0;
}

JsonNode *sova_sim_result_to_json(const SovaSimResult *r, gboolean with_series)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_string(b, "scenario", r->scenario);
    sova_json_string(b, "policy", r->policy);
    sova_json_int(b, "seed", (gint64)r->seed);
    sova_json_int(b, "pcpus", r->n_pcpus);
    sova_json_int(b, "vcpus", r->n_vcpus);
    sova_json_double(b, "interval_s", r->interval_s);
    sova_json_int(b, "intervals", r->n_intervals);
    sova_json_double(b, "target_stddev", r->target);
    json_builder_set_member_name(b, "intervals_until_balanced");
    if (r->settled >= 0)
        json_builder_add_int_value(b, r->settled);
    else
        json_builder_add_null_value(b);
    sova_json_int(b, "intervals_above_target", r->above);
    sova_json_double(b, "stddev_mean_after", r->mean_after);
    sova_json_double(b, "stddev_median_after", r->median_after);
    sova_json_double(b, "stddev_p95_after", r->p95_after);
    sova_json_int(b, "pin_changes", (gint64)r->pin_changes);
    sova_json_int(b, "pin_changes_after_balanced", (gint64)r->pins_after);
    sova_json_int(b, "libvirt_calls", (gint64)r->calls);
    sova_json_double(b, "demanded_s", r->demanded_s);
    sova_json_double(b, "delivered_s", r->delivered_s);
    sova_json_double(b, "jain", r->jain);
    add_vms(b, r);
    if (r->has_net)
        add_net(b, r, with_series);
    if (with_series) {
        add_series(b, "stddev", r->stddev, r->n_intervals);
        if (r->seen_stddev)
            add_series(b, "stddev_seen_by_agent", r->seen_stddev, r->n_intervals);
        json_builder_set_member_name(b, "pcpu_util");
        json_builder_begin_array(b);
        for (guint p = 0; p < r->n_pcpus; p++) {
            g_autofree double *col = g_new(double, r->n_intervals);
            for (guint k = 0; k < r->n_intervals; k++)
                col[k] = r->util[(gsize)k * r->n_pcpus + p];
            json_builder_begin_array(b);
            for (guint k = 0; k < r->n_intervals; k++)
                json_builder_add_double_value(b, round(col[k] * 100) / 100);
            json_builder_end_array(b);
        }
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
