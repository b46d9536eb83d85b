/* metrics.c — the registry of metric families and its text rendering; see metrics.h. */
#include "daemon/metrics.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct {
    char *labels;             /* rendered, escaped: `a="x",b="y"`, or "" */
    double value;             /* gauge, counter */
    guint64 *buckets;         /* histogram: observations <= bounds[i] (not cumulative) */
    guint64 count;
    double sum;
} Sample;

struct SovaMetricFamily {
    char *name, *help;
    SovaMetricType type;
    double *bounds;
    guint n_bounds;
    GPtrArray *samples;       /* Sample*, in order of first appearance */
    GHashTable *by_labels;    /* labels -> Sample* */
};

struct SovaMetrics {
    GPtrArray *families;      /* SovaMetricFamily*, in order of first use */
};

static void sample_free(gpointer p)
{
    Sample *s = p;
    g_free(s->labels);
    g_free(s->buckets);
    g_free(s);
}

static void family_free(gpointer p)
{
    SovaMetricFamily *f = p;
    g_free(f->name);
    g_free(f->help);
    g_free(f->bounds);
    g_hash_table_unref(f->by_labels);
    g_ptr_array_unref(f->samples);
    g_free(f);
}

SovaMetrics *sova_metrics_new(void)
{
    SovaMetrics *m = g_new0(SovaMetrics, 1);
    m->families = g_ptr_array_new_with_free_func(family_free);
    return m;
}

void sova_metrics_free(SovaMetrics *m)
{
    if (!m)
        return;
    g_ptr_array_unref(m->families);
    g_free(m);
}

static SovaMetricFamily *find(const SovaMetrics *m, const char *name)
{
    for (guint i = 0; i < m->families->len; i++) {
        SovaMetricFamily *f = g_ptr_array_index(m->families, i);
        if (!strcmp(f->name, name))
            return f;
    }
    return NULL;
}

SovaMetricFamily *sova_metrics_family(SovaMetrics *m, const char *name, SovaMetricType type,
                                      const char *help)
{
    SovaMetricFamily *f = find(m, name);
    if (f)
        return f;
    f = g_new0(SovaMetricFamily, 1);
    f->name = g_strdup(name);
    f->help = g_strdup(help);
    f->type = type;
    f->samples = g_ptr_array_new_with_free_func(sample_free);
    f->by_labels = g_hash_table_new(g_str_hash, g_str_equal);
    g_ptr_array_add(m->families, f);
    return f;
}

SovaMetricFamily *sova_metrics_histogram(SovaMetrics *m, const char *name, const char *help,
                                         const double *bounds, guint n_bounds)
{
    SovaMetricFamily *f = find(m, name);
    if (f)
        return f;
    f = sova_metrics_family(m, name, SOVA_METRIC_HISTOGRAM, help);
    f->bounds = g_memdup2(bounds, n_bounds * sizeof *bounds);
    f->n_bounds = n_bounds;
    return f;
}

char *sova_metrics_escape(const char *value)
{
    g_autofree char *valid = g_utf8_make_valid(value ? value : "", -1);
    GString *out = g_string_sized_new(strlen(valid) + 2);
    for (const char *p = valid; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '"')
            g_string_append(out, "\\\"");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

static char *labels_text(va_list ap)
{
    GString *out = g_string_new(NULL);
    const char *name;
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        g_autofree char *esc = sova_metrics_escape(value);
        g_string_append_printf(out, "%s%s=\"%s\"", out->len ? "," : "", name, esc);
    }
    return g_string_free(out, FALSE);
}

static Sample *sample(SovaMetricFamily *f, va_list ap)
{
    g_autofree char *labels = labels_text(ap);
    Sample *s = g_hash_table_lookup(f->by_labels, labels);
    if (s)
        return s;
    s = g_new0(Sample, 1);
    s->labels = g_steal_pointer(&labels);
    if (f->type == SOVA_METRIC_HISTOGRAM)
        s->buckets = g_new0(guint64, f->n_bounds);
    g_ptr_array_add(f->samples, s);
    g_hash_table_insert(f->by_labels, s->labels, s);
    return s;
}

void sova_metric_set(SovaMetricFamily *f, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    sample(f, ap)->value = value;
    va_end(ap);
}

void sova_metric_add(SovaMetricFamily *f, double delta, ...)
{
    va_list ap;
    va_start(ap, delta);
    sample(f, ap)->value += delta;
    va_end(ap);
}

void sova_metric_observe(SovaMetricFamily *f, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    Sample *s = sample(f, ap);
    va_end(ap);
    if (!s->buckets)
        return;   /* not a histogram */
    for (guint i = 0; i < f->n_bounds; i++)
        if (value <= f->bounds[i]) {
            s->buckets[i]++;
            break;
        }
    s->count++;
    s->sum += value;
}

void sova_metric_family_clear(SovaMetricFamily *f)
{
    g_hash_table_remove_all(f->by_labels);
    g_ptr_array_set_size(f->samples, 0);
}

/* the shortest decimal that reads back as v (0.005, not 0.0050000000000000001); never the
 * locale's decimal comma */
static const char *shortest(char *buf, gsize n, double v)
{
    for (int digits = 6; digits < 17; digits++) {
        char fmt[8];
        g_snprintf(fmt, sizeof fmt, "%%.%dg", digits);
        g_ascii_formatd(buf, n, fmt, v);
        if (g_ascii_strtod(buf, NULL) == v)
            return buf;
    }
    return g_ascii_formatd(buf, n, "%.17g", v);
}

/* a value as Prometheus reads it: a decimal, NaN, +Inf, -Inf */
static void append_value(GString *out, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    if (isnan(v))
        g_string_append(out, "NaN");
    else if (isinf(v))
        g_string_append(out, v > 0 ? "+Inf" : "-Inf");
    else
        g_string_append(out, shortest(buf, sizeof buf, v));
}

static void append_line(GString *out, const char *name, const char *suffix, const char *labels,
                        const char *extra, double v)
{
    g_string_append_printf(out, "%s%s", name, suffix);
    if (*labels || extra)
        g_string_append_printf(out, "{%s%s%s}", labels, *labels && extra ? "," : "",
                               extra ? extra : "");
    g_string_append_c(out, ' ');
    append_value(out, v);
    g_string_append_c(out, '\n');
}

static void render_histogram(GString *out, const SovaMetricFamily *f, const Sample *s)
{
    guint64 cumulative = 0;
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    for (guint i = 0; i < f->n_bounds; i++) {
        cumulative += s->buckets[i];
        g_autofree char *le = g_strdup_printf("le=\"%s\"",
                                              shortest(buf, sizeof buf, f->bounds[i]));
        append_line(out, f->name, "_bucket", s->labels, le, (double)cumulative);
    }
    append_line(out, f->name, "_bucket", s->labels, "le=\"+Inf\"", (double)s->count);
    append_line(out, f->name, "_sum", s->labels, NULL, s->sum);
    append_line(out, f->name, "_count", s->labels, NULL, (double)s->count);
}

static const char *type_name(SovaMetricType t)
{
    return t == SOVA_METRIC_COUNTER     ? "counter"
           : t == SOVA_METRIC_HISTOGRAM ? "histogram"
                                        : "gauge";
}

static void append_help(GString *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
}

char *sova_metrics_render(const SovaMetrics *m)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < m->families->len; i++) {
        const SovaMetricFamily *f = g_ptr_array_index(m->families, i);
        g_string_append_printf(out, "# HELP %s ", f->name);
        append_help(out, f->help);
        g_string_append_printf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
        for (guint k = 0; k < f->samples->len; k++) {
            const Sample *s = g_ptr_array_index(f->samples, k);
            if (f->type == SOVA_METRIC_HISTOGRAM)
                render_histogram(out, f, s);
            else
                append_line(out, f->name, "", s->labels, NULL, s->value);
        }
    }
    return g_string_free(out, FALSE);
}
