/* metrics_controller.c — the controller's metric families from its interval records; see
 * metrics_controller.h. */
#include "daemon/metrics_controller.h"

/* migrations take seconds to minutes; their downtime milliseconds to seconds */
static const double duration_buckets[] = { 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600 };
static const double downtime_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };

typedef struct {
    SovaMetricFamily *intervals, *load, *up, *down, *imbalance, *resource_imbalance;
    SovaMetricFamily *started, *completed, *failed, *in_flight, *duration, *downtime;
} Families;

const char *sova_metrics_resource_name(SovaResource r)
{
    return r == SOVA_RES_CPU ? "cpu" : r == SOVA_RES_MEM ? "memory" : "network";
}

static Families families(SovaMetrics *m)
{
    Families f;
    f.intervals = sova_metrics_family(m, "sova_controller_intervals_total", SOVA_METRIC_COUNTER,
                                      "Intervals the controller planned.");
    f.load = sova_metrics_family(m, "sova_host_load_ratio", SOVA_METRIC_GAUGE,
                                 "Each host's load of a resource as a fraction of its capacity (may exceed 1).");
    f.up = sova_metrics_family(m, "sova_host_up", SOVA_METRIC_GAUGE,
                               "1 when the host was read in the last interval, else 0.");
    f.down = sova_metrics_family(m, "sova_hosts_down", SOVA_METRIC_GAUGE,
                                 "Hosts that could not be read in the last interval.");
    f.imbalance = sova_metrics_family(m, "sova_cluster_imbalance", SOVA_METRIC_GAUGE,
                                      "The largest per-resource standard deviation of the hosts' load fractions, each weighted "
                                      "against the largest weight: what the baseline policies act on (sova acts on unmet demand).");
    f.resource_imbalance = sova_metrics_family(m, "sova_cluster_resource_imbalance", SOVA_METRIC_GAUGE,
                                               "Standard deviation of the hosts' load fractions, per resource.");
    f.started = sova_metrics_family(m, "sova_migrations_started_total", SOVA_METRIC_COUNTER,
                                    "Live migrations started.");
    f.completed = sova_metrics_family(m, "sova_migrations_completed_total", SOVA_METRIC_COUNTER,
                                      "Live migrations that completed.");
    f.failed = sova_metrics_family(m, "sova_migrations_failed_total", SOVA_METRIC_COUNTER,
                                   "Live migrations that failed, by phase (start: refused; run: failed or aborted in flight).");
    f.in_flight = sova_metrics_family(m, "sova_migrations_in_flight", SOVA_METRIC_GAUGE,
                                      "Live migrations running now.");
    f.duration = sova_metrics_histogram(m, "sova_migration_duration_seconds",
                                        "Duration of the completed live migrations.",
                                        duration_buckets, G_N_ELEMENTS(duration_buckets));
    f.downtime = sova_metrics_histogram(m, "sova_migration_downtime_seconds",
                                        "Downtime (the VM paused) of the completed live migrations, when the hypervisor reported it.",
                                        downtime_buckets, G_N_ELEMENTS(downtime_buckets));
    return f;
}

void sova_metrics_controller_init(SovaMetrics *m)
{
    Families f = families(m);
    sova_metric_add(f.intervals, 0, NULL);
    sova_metric_add(f.started, 0, NULL);
    sova_metric_add(f.completed, 0, NULL);
    sova_metric_add(f.failed, 0, "phase", "start", NULL);
    sova_metric_add(f.failed, 0, "phase", "run", NULL);
    sova_metric_add(f.duration, 0, NULL);   /* the histograms' samples, empty */
    sova_metric_add(f.downtime, 0, NULL);
}

static void hosts(const Families *f, const SovaCluster *c)
{
    sova_metric_family_clear(f->load);
    sova_metric_family_clear(f->up);
    guint down = 0;
    for (guint i = 0; i < c->hosts->len; i++) {
        const SovaClusterHost *h = sova_cluster_host(c, i);
        sova_metric_set(f->up, h->up, "host", h->name, NULL);
        down += !h->up;
        for (SovaResource r = 0; h->up && r < SOVA_RES_N; r++)
            if (sova_cluster_host_capacity(h, r) > 0)
                sova_metric_set(f->load, sova_cluster_host_load(c, i, r), "host", h->name,
                                "resource", sova_metrics_resource_name(r), NULL);
    }
    sova_metric_set(f->down, down, NULL);
    sova_metric_set(f->imbalance, sova_cluster_imbalance(c), NULL);
    for (SovaResource r = 0; r < SOVA_RES_N; r++)
        sova_metric_set(f->resource_imbalance, sova_cluster_imbalance_of(c, r), "resource",
                        sova_metrics_resource_name(r), NULL);
}

static void finished(const Families *f, const SovaControllerMigration *m, guint n)
{
    for (guint i = 0; i < n; i++) {
        if (!m[i].ok) {
            sova_metric_add(f->failed, 1, "phase", "run", NULL);
            continue;
        }
        sova_metric_add(f->completed, 1, NULL);
        sova_metric_observe(f->duration, m[i].duration_s, NULL);
        if (m[i].downtime_s >= 0)
            sova_metric_observe(f->downtime, m[i].downtime_s, NULL);
    }
}

void sova_metrics_controller_observe(SovaMetrics *m, const SovaControllerInterval *iv)
{
    sova_metrics_controller_init(m);
    Families f = families(m);
    sova_metric_add(f.intervals, 1, NULL);
    if (iv->cluster)
        hosts(&f, iv->cluster);
    sova_metric_add(f.started, iv->started, NULL);
    sova_metric_add(f.failed, iv->failed_to_start, "phase", "start", NULL);
    sova_metric_set(f.in_flight, iv->in_flight, NULL);
    finished(&f, iv->finished, iv->n_finished);
}
