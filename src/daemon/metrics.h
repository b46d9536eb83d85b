/* metrics.h — a registry of Prometheus metric families and its rendering in the text
 * exposition format (version 0.0.4).
 *
 * Plain data, no I/O: the daemons' records fill it (metrics_agent.h,
 * metrics_controller.h), the CLI serves what sova_metrics_render() returns
 * (cli/metrics_http.c). Families render in the order they were first added; samples in
 * each family in the order their label sets first appeared. Names follow Prometheus's
 * conventions (base units, `_total` for counters, the `sova_` prefix): the callers'
 * business; label values are escaped here. */
#pragma once
#include <glib.h>

typedef enum {
    SOVA_METRIC_GAUGE,
    SOVA_METRIC_COUNTER,
    SOVA_METRIC_HISTOGRAM,
} SovaMetricType;

typedef struct SovaMetrics SovaMetrics;
typedef struct SovaMetricFamily SovaMetricFamily;

SovaMetrics *sova_metrics_new(void);
void sova_metrics_free(SovaMetrics *m);

/* the family `name`, added with its help text and type on first use */
SovaMetricFamily *sova_metrics_family(SovaMetrics *m, const char *name, SovaMetricType type,
                                      const char *help);
/* the histogram family `name` with its bucket upper bounds (ascending; +Inf is implied),
 * added on first use */
SovaMetricFamily *sova_metrics_histogram(SovaMetrics *m, const char *name, const char *help,
                                         const double *bounds, guint n_bounds);

/* Each takes the sample's labels as NULL-terminated name, value pairs (none: just NULL).
 * set: a gauge's value; add: a counter's increment (0 makes the sample exist); observe:
 * one observation into a histogram (add 0 makes a histogram's sample exist, empty). */
void sova_metric_set(SovaMetricFamily *f, double value, ...) G_GNUC_NULL_TERMINATED;
void sova_metric_add(SovaMetricFamily *f, double delta, ...) G_GNUC_NULL_TERMINATED;
void sova_metric_observe(SovaMetricFamily *f, double value, ...) G_GNUC_NULL_TERMINATED;
/* drops every sample of the family (a gauge rebuilt from each record: a VM gone is gone) */
void sova_metric_family_clear(SovaMetricFamily *f);

/* the text exposition format: # HELP and # TYPE lines, then the samples */
char *sova_metrics_render(const SovaMetrics *m);
/* a label value escaped for the exposition format (\\, \", \n) */
char *sova_metrics_escape(const char *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaMetrics, sova_metrics_free)
