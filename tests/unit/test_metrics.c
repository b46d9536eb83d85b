/* test_metrics.c — the Prometheus rendering (daemon/metrics.c) and the agent's and the
 * controller's families built from hand-made interval records (metrics_agent.c,
 * metrics_controller.c): exact text for the registry (HELP/TYPE lines, label escaping,
 * cumulative histogram buckets, values in the C locale), and for the records the values
 * in base units, counters that add up across records, gauges that follow the last one. */
#include "daemon/metrics_agent.h"
#include "daemon/metrics_controller.h"
#include "cluster_fixtures.h"
#include "config/config.h"
#include "config/controller_config.h"
#include "util/listen.h"
#include <locale.h>
#include <string.h>

#define UUID1 "00000000-0000-0000-0000-000000000001"

/* the rendered text has this exact line */
static void assert_line(const char *text, const char *line)
{
    g_autofree char *needle = g_strdup_printf("\n%s\n", line);
    g_autofree char *hay = g_strdup_printf("\n%s", text);
    if (!strstr(hay, needle))
        g_error("no line \"%s\" in:\n%s", line, text);
}

static void assert_no(const char *text, const char *part)
{
    if (strstr(text, part))
        g_error("\"%s\" should not be in:\n%s", part, text);
}

static void test_render(void)
{
    g_autoptr(SovaMetrics) m = sova_metrics_new();
    SovaMetricFamily *g = sova_metrics_family(m, "sova_x_ratio", SOVA_METRIC_GAUGE,
                                              "A gauge.\nSecond line \\ here.");
    sova_metric_set(g, 0.25, "vm", "a\"b\\c\nd", "vcpu", "0", NULL);
    sova_metric_set(g, 0.5, "vm", "plain", "vcpu", "1", NULL);
    sova_metric_set(g, 0.75, "vm", "plain", "vcpu", "1", NULL);   /* same labels: replaced */
    SovaMetricFamily *c = sova_metrics_family(m, "sova_y_total", SOVA_METRIC_COUNTER, "A counter.");
    sova_metric_add(c, 2, NULL);
    sova_metric_add(c, 3, NULL);
    const double bounds[] = { 0.005, 1 };
    SovaMetricFamily *h = sova_metrics_histogram(m, "sova_z_seconds", "A histogram.", bounds, 2);
    sova_metric_observe(h, 0.001, NULL);
    sova_metric_observe(h, 0.5, NULL);
    sova_metric_observe(h, 7, NULL);
    /* a second lookup of a family gives the same one */
    g_assert_true(sova_metrics_family(m, "sova_y_total", SOVA_METRIC_COUNTER, "x") == c);
    g_autofree char *text = sova_metrics_render(m);
    g_assert_cmpstr(text, ==,
        "# HELP sova_x_ratio A gauge.\\nSecond line \\\\ here.\n"
        "# TYPE sova_x_ratio gauge\n"
        "sova_x_ratio{vm=\"a\\\"b\\\\c\\nd\",vcpu=\"0\"} 0.25\n"
        "sova_x_ratio{vm=\"plain\",vcpu=\"1\"} 0.75\n"
        "# HELP sova_y_total A counter.\n"
        "# TYPE sova_y_total counter\n"
        "sova_y_total 5\n"
        "# HELP sova_z_seconds A histogram.\n"
        "# TYPE sova_z_seconds histogram\n"
        "sova_z_seconds_bucket{le=\"0.005\"} 1\n"
        "sova_z_seconds_bucket{le=\"1\"} 2\n"
        "sova_z_seconds_bucket{le=\"+Inf\"} 3\n"
        "sova_z_seconds_sum 7.501\n"
        "sova_z_seconds_count 3\n");
    sova_metric_family_clear(g);
    g_autofree char *cleared = sova_metrics_render(m);
    assert_no(cleared, "sova_x_ratio{");
    assert_line(cleared, "# TYPE sova_x_ratio gauge");
}

/* a decimal comma locale must not leak into the values */
static void test_render_locale(void)
{
    const char *was = setlocale(LC_NUMERIC, NULL);
    g_autofree char *saved = g_strdup(was);
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        g_test_skip("no decimal-comma locale installed");
        return;
    }
    g_autoptr(SovaMetrics) m = sova_metrics_new();
    sova_metric_set(sova_metrics_family(m, "sova_a", SOVA_METRIC_GAUGE, "A."), 1.5, NULL);
    g_autofree char *text = sova_metrics_render(m);
    setlocale(LC_NUMERIC, saved);
    assert_line(text, "sova_a 1.5");
}

typedef struct {
    SovaSnapshot *snap;
    SovaModel *model;
    SovaPlan *plan;
    SovaPlanResults *results;
    SovaAgentInterval iv;
} AgentRecord;

/* pCPU 0 at 50 %, pCPU 1 at 10 % (reserved); VM "web" with one vCPU (usage 40, delay 10,
 * demand 50) holding a VF of a pool of 2; a pin done and a share refused */
static void agent_record(AgentRecord *r, gboolean with_vm)
{
    r->snap = sova_snapshot_new(2);
    r->snap->vf_pool = 2;
    r->model = sova_model_new(2);
    r->model->interval_s = 1.0;
    sova_model_pcpu(r->model, 0)->util = 50;
    sova_model_pcpu(r->model, 1)->util = 10;
    sova_model_pcpu(r->model, 1)->reserved = TRUE;
    r->plan = sova_plan_new();
    r->results = sova_plan_results_new();
    if (with_vm) {
        SovaVmSample *vs = sova_snapshot_add_vm(r->snap, UUID1, "web", 1);
        sova_vm_add_nic(vs, "ua-sova-net0", "52:54:00:00:00:01", "vnet0", SOVA_NIC_STANDBY);
        sova_vm_add_nic(vs, "ua-sova-vf0", "52:54:00:00:00:01", NULL, SOVA_NIC_VF);
        SovaVmLoad *vm = sova_model_add_vm(r->model, UUID1, "web", 1);
        SovaVcpuLoad *v = sova_model_vcpu(r->model, vm->first_vcpu);
        v->usage = 40;
        v->delay = 10;
        v->demand = 50;
        SovaAction *pin = sova_plan_add_pin(r->plan, UUID1, "web", 0, 1, 0,
                                            "pCPU 1 at 90%% vs mean 50%%: move to pCPU 0");
        g_autoptr(SovaCpuSet) set = sova_cpuset_new(2);
        sova_cpuset_add(set, 0);
        sova_cpuset_add(set, 1);
        SovaAction *share = sova_plan_add_share(r->plan, UUID1, "web", 0, 0, set, "share");
        sova_plan_results_add(r->results, pin, SOVA_ACTION_DONE, NULL);
        sova_plan_results_add(r->results, share, SOVA_ACTION_FAILED, "refused");
    }
    r->iv = (SovaAgentInterval){ .number = 1, .snapshot = r->snap, .model = r->model,
                                 .plan = r->plan, .results = r->results, .stddev = 20,
                                 .duration_s = 0.02 };
}

static void agent_record_clear(AgentRecord *r)
{
    sova_plan_results_free(r->results);
    sova_plan_free(r->plan);
    sova_model_free(r->model);
    sova_snapshot_free(r->snap);
}

static void test_agent(void)
{
    g_autoptr(SovaMetrics) m = sova_metrics_new();
    sova_metrics_agent_init(m);
    g_autofree char *before = sova_metrics_render(m);
    assert_line(before, "sova_agent_intervals_total 0");
    assert_line(before, "sova_pin_changes_total{reason=\"balance\"} 0");
    assert_line(before, "sova_agent_interval_duration_seconds_count 0");

    AgentRecord r;
    agent_record(&r, TRUE);
    sova_metrics_agent_observe(m, &r.iv);
    sova_metrics_agent_observe(m, &r.iv);
    agent_record_clear(&r);
    g_autofree char *text = sova_metrics_render(m);
    assert_line(text, "sova_agent_intervals_total 2");
    assert_line(text, "sova_pcpu_utilisation_ratio{cpu=\"0\",state=\"online\"} 0.5");
    assert_line(text, "sova_pcpu_utilisation_ratio{cpu=\"1\",state=\"reserved\"} 0.1");
    assert_line(text, "sova_pcpu_utilisation_stddev_ratio 0.2");
    assert_line(text, "sova_vcpu_usage_ratio{vm=\"web\",vcpu=\"0\"} 0.4");
    assert_line(text, "sova_vcpu_demand_ratio{vm=\"web\",vcpu=\"0\"} 0.5");
    assert_line(text, "sova_vcpu_run_delay_ratio{vm=\"web\",vcpu=\"0\"} 0.1");
    assert_line(text, "sova_pin_changes_total{reason=\"balance\"} 2");
    assert_line(text, "sova_pin_changes_total{reason=\"share\"} 0");
    assert_line(text, "sova_actions_failed_total{action=\"pin\",reason=\"share\"} 2");
    assert_line(text, "sova_vf_pool 2");
    assert_line(text, "sova_vf_in_use 1");
    assert_line(text, "sova_agent_interval_duration_seconds_bucket{le=\"0.025\"} 2");
    assert_line(text, "sova_agent_interval_duration_seconds_bucket{le=\"0.01\"} 0");
    assert_line(text, "sova_agent_interval_duration_seconds_sum 0.04");

    /* the VM left: its gauges go, the counters stay */
    agent_record(&r, FALSE);
    sova_metrics_agent_observe(m, &r.iv);
    agent_record_clear(&r);
    g_autofree char *after = sova_metrics_render(m);
    assert_no(after, "vm=\"web\"");
    assert_line(after, "sova_pin_changes_total{reason=\"balance\"} 2");
    assert_line(after, "sova_vf_in_use 0");
}

static void test_reason_class(void)
{
    g_autoptr(SovaPlan) p = sova_plan_new();
    SovaAction *manage = sova_plan_add_pin(p, UUID1, "a", 0, 0, 0, "unpinned: bring under management");
    SovaAction *attach = sova_plan_add_vf(p, SOVA_ACTION_ATTACH_VF, UUID1, "a", "override: always");
    SovaAction *detach = sova_plan_add_vf(p, SOVA_ACTION_DETACH_VF, UUID1, "a", "benefit 3 < exit 5");
    g_assert_cmpstr(sova_metrics_reason_class(manage), ==, "manage");
    g_assert_cmpstr(sova_metrics_reason_class(attach), ==, "override");
    g_assert_cmpstr(sova_metrics_reason_class(detach), ==, "load");
}

static void test_controller(void)
{
    g_autoptr(SovaCluster) c = cluster(3);
    vm(c, "big", 0, 8, 16, 0);
    sova_cluster_host(c, 2)->up = FALSE;
    SovaControllerMigration done[] = {
        { .vm_name = "a", .from = "h0", .to = "h1", .ok = TRUE, .duration_s = 12, .downtime_s = 0.03 },
        { .vm_name = "b", .from = "h0", .to = "h1", .ok = TRUE, .duration_s = 40, .downtime_s = -1 },
        { .vm_name = "c", .from = "h0", .to = "h1", .ok = FALSE, .duration_s = 3, .error = "x" },
    };
    SovaControllerInterval iv = { .number = 1, .cluster = c, .started = 2, .failed_to_start = 1,
                                  .in_flight = 1, .finished = done, .n_finished = 3 };
    g_autoptr(SovaMetrics) m = sova_metrics_new();
    sova_metrics_controller_observe(m, &iv);
    g_autofree char *text = sova_metrics_render(m);
    assert_line(text, "sova_host_load_ratio{host=\"h0\",resource=\"cpu\"} 0.5");
    assert_line(text, "sova_host_load_ratio{host=\"h0\",resource=\"memory\"} 0.25");
    assert_line(text, "sova_host_load_ratio{host=\"h1\",resource=\"cpu\"} 0");
    assert_no(text, "sova_host_load_ratio{host=\"h2\"");
    assert_line(text, "sova_host_up{host=\"h2\"} 0");
    assert_line(text, "sova_host_up{host=\"h0\"} 1");
    assert_line(text, "sova_hosts_down 1");
    assert_line(text, "sova_migrations_started_total 2");
    assert_line(text, "sova_migrations_completed_total 2");
    assert_line(text, "sova_migrations_failed_total{phase=\"start\"} 1");
    assert_line(text, "sova_migrations_failed_total{phase=\"run\"} 1");
    assert_line(text, "sova_migrations_in_flight 1");
    assert_line(text, "sova_migration_duration_seconds_bucket{le=\"10\"} 0");
    assert_line(text, "sova_migration_duration_seconds_bucket{le=\"20\"} 1");
    assert_line(text, "sova_migration_duration_seconds_count 2");
    assert_line(text, "sova_migration_duration_seconds_sum 52");
    assert_line(text, "sova_migration_downtime_seconds_count 1");
    assert_line(text, "sova_migration_downtime_seconds_bucket{le=\"0.05\"} 1");
    g_autofree char *imb = g_strdup_printf("sova_cluster_resource_imbalance{resource=\"cpu\"} 0.25");
    assert_line(text, imb);
}

static void test_listen(void)
{
    struct { const char *text, *host; guint port; } good[] = {
        { "127.0.0.1:9464", "127.0.0.1", 9464 }, { "[::1]:80", "::1", 80 },
        { ":9464", NULL, 9464 }, { "*:0", NULL, 0 }, { "localhost:9", "localhost", 9 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *host = NULL;
        guint port = 1;
        g_autoptr(GError) e = NULL;
        g_assert_true(sova_listen_parse(good[i].text, &host, &port, &e));
        g_assert_cmpstr(host, ==, good[i].host);
        g_assert_cmpuint(port, ==, good[i].port);
    }
    const char *bad[] = { "9464", "127.0.0.1:", "127.0.0.1:65536", "::1:80", "[1.2.3.4]:80",
                          "example.org:80", "1.2.3.4:x" };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        g_assert_false(sova_listen_parse(bad[i], NULL, NULL, &e));
        g_assert_nonnull(strstr(e->message, "ADDR:PORT"));
    }
}

/* [metrics]: listen is the agent's, controller-listen the controller's; a bad one names its line */
static void test_config(void)
{
    const char *text = "[agent]\ninterval = 2\n[metrics]\nlisten = 127.0.0.1:9464\n"
                       "controller-listen = [::1]:9465\n";
    g_autoptr(SovaConfig) a = sova_config_new();
    g_autoptr(GError) e = NULL;
    g_assert_true(sova_config_load_data(a, "t.conf", text, &e));
    g_assert_cmpstr(a->metrics_listen, ==, "127.0.0.1:9464");
    g_autoptr(SovaCtlConfig) c = sova_ctl_config_new();
    g_assert_true(sova_ctl_config_load_data(c, "t.conf", text, &e));
    g_assert_cmpstr(c->metrics_listen, ==, "[::1]:9465");
    g_autoptr(SovaConfig) b = sova_config_new();
    g_assert_false(sova_config_load_data(b, "t.conf", "[metrics]\n\nlisten = 9464\n", &e));
    g_assert_nonnull(strstr(e->message, "t.conf:3: listen:"));
    g_assert_null(b->metrics_listen);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/metrics/render", test_render);
    g_test_add_func("/metrics/render-locale", test_render_locale);
    g_test_add_func("/metrics/agent", test_agent);
    g_test_add_func("/metrics/reason-class", test_reason_class);
    g_test_add_func("/metrics/controller", test_controller);
    g_test_add_func("/metrics/listen", test_listen);
    g_test_add_func("/metrics/config", test_config);
    return g_test_run();
}
