/* metrics_agent.c — the agent's metric families from its interval records; see
 * metrics_agent.h. */
#include "daemon/metrics_agent.h"
#include <string.h>

static const double duration_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                           10 };

typedef struct {
    SovaMetricFamily *intervals, *duration, *sample_interval;
    SovaMetricFamily *pcpu_util, *pcpu_stddev;
    SovaMetricFamily *vcpu_usage, *vcpu_demand, *vcpu_delay;
    SovaMetricFamily *pins, *failed;
    SovaMetricFamily *vf_pool, *vf_in_use, *vf_switches;
} Families;

static const char *action_name(SovaActionKind k)
{
    return k == SOVA_ACTION_PIN ? "pin" : k == SOVA_ACTION_ATTACH_VF ? "attach-vf"
         : k == SOVA_ACTION_DETACH_VF ? "detach-vf" : "migrate";
}

const char *sova_metrics_reason_class(const SovaAction *a)
{
    const char *why = a->reason ? a->reason : "";
    if (a->kind == SOVA_ACTION_PIN)
        return a->to_set ? "share" : strstr(why, "under management") ? "manage" : "balance";
    if (a->kind == SOVA_ACTION_ATTACH_VF || a->kind == SOVA_ACTION_DETACH_VF)
        return g_str_has_prefix(why, "override") ? "override" : "load";
    return "other";
}

static Families families(SovaMetrics *m)
{
    Families f;
    f.intervals = sova_metrics_family(m, "sova_agent_intervals_total", SOVA_METRIC_COUNTER,
                                      "Intervals the agent planned (sampled, modelled, planned, "
                                      "acted).");
    f.duration = sova_metrics_histogram(m, "sova_agent_interval_duration_seconds",
                                        "Time one interval's work took, from sampling to its "
                                        "record.",
                                        duration_buckets, G_N_ELEMENTS(duration_buckets));
    f.sample_interval = sova_metrics_family(m, "sova_agent_sample_interval_seconds",
                                            SOVA_METRIC_GAUGE,
                                            "Time between the last interval's two samples.");
    f.pcpu_util = sova_metrics_family(m, "sova_pcpu_utilisation_ratio", SOVA_METRIC_GAUGE,
                                      "Busy fraction of each pCPU over the last interval (state: "
                                      "online, reserved, offline).");
    f.pcpu_stddev = sova_metrics_family(m, "sova_pcpu_utilisation_stddev_ratio", SOVA_METRIC_GAUGE,
                                        "Standard deviation of the usable pCPUs' busy fraction "
                                        "over the last interval.");
    f.vcpu_usage = sova_metrics_family(m, "sova_vcpu_usage_ratio", SOVA_METRIC_GAUGE,
                                       "Fraction of one pCPU each managed vCPU ran over the last "
                                       "interval.");
    f.vcpu_demand = sova_metrics_family(m, "sova_vcpu_demand_ratio", SOVA_METRIC_GAUGE,
                                        "Each managed vCPU's demand (run time plus run-queue "
                                        "delay, smoothed) as a fraction of one pCPU.");
    f.vcpu_delay = sova_metrics_family(m, "sova_vcpu_run_delay_ratio", SOVA_METRIC_GAUGE,
                                       "Fraction of the last interval each managed vCPU waited "
                                       "runnable in the run queue.");
    f.pins = sova_metrics_family(m, "sova_pin_changes_total", SOVA_METRIC_COUNTER,
                                 "vCPU pin changes carried out, by reason class (balance, manage, "
                                 "share).");
    f.failed = sova_metrics_family(m, "sova_actions_failed_total", SOVA_METRIC_COUNTER,
                                   "Actions the hypervisor refused, by action and reason class.");
    f.vf_pool = sova_metrics_family(m, "sova_vf_pool", SOVA_METRIC_GAUGE,
                                    "SR-IOV VFs this host can hand out.");
    f.vf_in_use = sova_metrics_family(m, "sova_vf_in_use", SOVA_METRIC_GAUGE,
                                      "VMs holding a VF.");
    f.vf_switches = sova_metrics_family(m, "sova_vf_switches_total", SOVA_METRIC_COUNTER,
                                        "VF attaches and detaches carried out, by action and "
                                        "reason class.");
    return f;
}

void sova_metrics_agent_init(SovaMetrics *m)
{
    Families f = families(m);
    sova_metric_add(f.intervals, 0, NULL);
    sova_metric_add(f.duration, 0, NULL);   /* the histogram's sample, empty */
    const char *pin_classes[] = { "balance", "manage", "share" };
    for (guint i = 0; i < G_N_ELEMENTS(pin_classes); i++)
        sova_metric_add(f.pins, 0, "reason", pin_classes[i], NULL);
}

static void pcpus(const Families *f, const SovaModel *model, double stddev)
{
    sova_metric_family_clear(f->pcpu_util);
    for (guint i = 0; i < model->n_pcpus; i++) {
        const SovaPcpuLoad *p = sova_model_pcpu(model, i);
        char cpu[16];
        g_snprintf(cpu, sizeof cpu, "%u", p->id);
        const char *state = !p->online ? "offline" : p->reserved ? "reserved" : "online";
        sova_metric_set(f->pcpu_util, p->util / 100.0, "cpu", cpu, "state", state, NULL);
    }
    sova_metric_set(f->pcpu_stddev, stddev / 100.0, NULL);
}

static void vcpus(const Families *f, const SovaModel *model)
{
    sova_metric_family_clear(f->vcpu_usage);
    sova_metric_family_clear(f->vcpu_demand);
    sova_metric_family_clear(f->vcpu_delay);
    for (guint i = 0; i < model->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(model, i);
        for (guint k = 0; k < vm->n_vcpus; k++) {
            const SovaVcpuLoad *v = sova_model_vcpu(model, vm->first_vcpu + k);
            char n[16];
            g_snprintf(n, sizeof n, "%u", v->index);
            sova_metric_set(f->vcpu_usage, v->usage / 100.0, "vm", vm->name, "vcpu", n, NULL);
            sova_metric_set(f->vcpu_demand, v->demand / 100.0, "vm", vm->name, "vcpu", n, NULL);
            sova_metric_set(f->vcpu_delay, v->delay / 100.0, "vm", vm->name, "vcpu", n, NULL);
        }
    }
}

/* what became of each action: pins and VF switches done, refusals */
static void results(const Families *f, const SovaPlanResults *r)
{
    for (guint i = 0; r && i < sova_plan_results_len(r); i++) {
        const SovaActionResult *res = sova_plan_result(r, i);
        const SovaAction *a = res->action;
        const char *why = sova_metrics_reason_class(a);
        if (res->outcome == SOVA_ACTION_FAILED)
            sova_metric_add(f->failed, 1, "action", action_name(a->kind), "reason", why, NULL);
        else if (res->outcome == SOVA_ACTION_DONE && a->kind == SOVA_ACTION_PIN)
            sova_metric_add(f->pins, 1, "reason", why, NULL);
        else if (res->outcome == SOVA_ACTION_DONE)
            sova_metric_add(f->vf_switches, 1, "action",
                            a->kind == SOVA_ACTION_ATTACH_VF ? "attach" : "detach", "reason", why,
                            NULL);
    }
}

static guint vms_holding_vf(const SovaSnapshot *s)
{
    guint n = 0;
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        gboolean has = FALSE;
        for (guint k = 0; k < vm->nics->len; k++)
            has |= sova_vm_nic(vm, k)->role == SOVA_NIC_VF;
        n += has;
    }
    return n;
}

void sova_metrics_agent_observe(SovaMetrics *m, const SovaAgentInterval *iv)
{
    sova_metrics_agent_init(m);
    Families f = families(m);
    sova_metric_add(f.intervals, 1, NULL);
    sova_metric_observe(f.duration, iv->duration_s, NULL);
    sova_metric_set(f.sample_interval, iv->model->interval_s, NULL);
    pcpus(&f, iv->model, iv->stddev);
    vcpus(&f, iv->model);
    results(&f, iv->takeover_results);
    results(&f, iv->results);
    if (iv->net)
        results(&f, iv->net->results);
    sova_metric_set(f.vf_pool, iv->snapshot->vf_pool, NULL);
    sova_metric_set(f.vf_in_use, vms_holding_vf(iv->snapshot), NULL);
}
