/* sim_demand.c — parsing and evaluating demand shapes; see sim_demand.h.
 *
 * Numbers are parsed with g_ascii_strtod (locale-independent) and every parameter is
 * range-checked here, so a scenario that loads cannot produce a demand outside 0..100. */
#include "backend/sim/sim_demand.h"
#include "util/error.h"
#include <errno.h>
#include <math.h>
#include <string.h>

static gboolean parse_num(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    while (g_ascii_isspace(*s))
        s++;
    errno = 0;
    double v = g_ascii_strtod(s, &end);
    while (end && g_ascii_isspace(*end))
        end++;
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return FALSE;
    *out = v;
    return TRUE;
}

/* shape:a:b:...: checks the count (min..max) and each value against its range */
typedef struct {
    const char *name, *usage;
    guint min, max;
    double lo[5], hi[5];
} Shape;

static const Shape shapes[] = {
    [SOVA_DEMAND_CONSTANT] = { "constant", "constant:VALUE", 1, 1, { 0 }, { 100 } },
    [SOVA_DEMAND_SQUARE] = { "square", "square:HIGH:LOW:PERIOD[:DUTY[:OFFSET]]", 3, 5,
                             { 0, 0, 0.001, 0, 0 }, { 100, 100, 1e9, 1, 1e9 } },
    [SOVA_DEMAND_RAMP] = { "ramp", "ramp:FROM:TO:SECONDS[:START]", 3, 4,
                           { 0, 0, 0.001, 0 }, { 100, 100, 1e9, 1e9 } },
    [SOVA_DEMAND_WALK] = { "walk", "walk:START:STEP[:LO:HI]", 2, 4,
                           { 0, 0, 0, 0 }, { 100, 100, 100, 100 } },
};

static gboolean parse_params(SovaDemandSpec *d, const Shape *sh, const char *args, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(args, ":", -1);
    guint n = g_strv_length(parts);
    if (n < sh->min || n > sh->max)
        return sova_error_invalid(error, "demand \"%s\": expected %s", d->text, sh->usage);
    for (guint i = 0; i < n; i++)
        if (!parse_num(parts[i], sh->lo[i], sh->hi[i], &d->p[i]))
            return sova_error_invalid(error, "demand \"%s\": parameter %u (\"%s\") must be a "
                                      "number from %g to %g (%s)", d->text, i + 1, parts[i],
                                      sh->lo[i], sh->hi[i], sh->usage);
    /* defaults of the optional parameters */
    if (d->kind == SOVA_DEMAND_SQUARE && n < 4)
        d->p[3] = 0.5;
    if (d->kind == SOVA_DEMAND_RAMP && n < 4)
        d->p[3] = 0;
    if (d->kind == SOVA_DEMAND_WALK && n < 3)
        d->p[2] = 0;
    if (d->kind == SOVA_DEMAND_WALK && n < 4)
        d->p[3] = 100;
    if (d->kind == SOVA_DEMAND_WALK &&
        (d->p[2] > d->p[3] || d->p[0] < d->p[2] || d->p[0] > d->p[3]))
        return sova_error_invalid(error, "demand \"%s\": need LO <= START <= HI", d->text);
    return TRUE;
}

static gint phase_order(gconstpointer a, gconstpointer b)
{
    double x = ((const SovaDemandPhase *)a)->from, y = ((const SovaDemandPhase *)b)->from;
    return (x > y) - (x < y);
}

/* "0-120=100,120-600=30" */
static gboolean parse_phases(SovaDemandSpec *d, const char *args, GError **error)
{
    g_auto(GStrv) items = g_strsplit(args, ",", -1);
    d->phases = g_array_new(FALSE, FALSE, sizeof(SovaDemandPhase));
    for (guint i = 0; items[i]; i++) {
        SovaDemandPhase ph;
        g_auto(GStrv) kv = g_strsplit(items[i], "=", 2);
        g_auto(GStrv) range = kv[0] && kv[1] ? g_strsplit(kv[0], "-", 2) : NULL;
        if (!range || !range[0] || !range[1] || !parse_num(range[0], 0, 1e9, &ph.from) ||
            !parse_num(range[1], 0, 1e9, &ph.to) || ph.to <= ph.from ||
            !parse_num(kv[1], 0, 100, &ph.value))
            return sova_error_invalid(error,
                                      "demand \"%s\": bad phase \"%s\" (expected FROM-TO=VALUE, "
                                      "seconds FROM < TO, VALUE 0..100)", d->text, items[i]);
        g_array_append_val(d->phases, ph);
    }
    if (!d->phases->len)
        return sova_error_invalid(error, "demand \"%s\": no phases", d->text);
    g_array_sort(d->phases, phase_order);
    for (guint i = 1; i < d->phases->len; i++)
        if (g_array_index(d->phases, SovaDemandPhase, i).from <
            g_array_index(d->phases, SovaDemandPhase, i - 1).to)
            return sova_error_invalid(error, "demand \"%s\": phases overlap", d->text);
    return TRUE;
}

/* one CSV row: "time,value[,value...]"; returns the number of values, 0 if not numeric */
static guint parse_row(const char *line, GArray *row)
{
    g_auto(GStrv) cells = g_strsplit(line, ",", -1);
    g_array_set_size(row, 0);
    for (guint i = 0; cells[i]; i++) {
        double v;
        if (!parse_num(cells[i], i == 0 ? 0 : 0, i == 0 ? 1e12 : 100, &v))
            return 0;
        g_array_append_val(row, v);
    }
    return row->len;
}

static gboolean parse_trace(SovaDemandSpec *d, const char *file, const char *base_dir,
                            GError **error)
{
    g_autofree char *path = g_path_is_absolute(file) || !base_dir
                                ? g_strdup(file) : g_build_filename(base_dir, file, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e))
        return sova_error_invalid(error, "demand \"%s\": %s", d->text, e->message);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GArray) row = g_array_new(FALSE, FALSE, sizeof(double));
    d->times = g_array_new(FALSE, FALSE, sizeof(double));
    d->values = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; lines[i]; i++) {
        g_strstrip(lines[i]);
        if (!lines[i][0] || lines[i][0] == '#')
            continue;
        guint n = parse_row(lines[i], row);
        if (n == 0 && d->times->len == 0 && g_ascii_isalpha(lines[i][0]))
            continue;   /* a header line */
        if (n < 2 || (d->columns && n - 1 != d->columns))
            return sova_error_invalid(error, "%s:%u: expected \"seconds,value[,value...]\" with "
                                      "%s values 0..100", path, i + 1,
                                      d->columns ? "the same number of" : "numeric");
        double t = g_array_index(row, double, 0);
        if (d->times->len && t <= g_array_index(d->times, double, d->times->len - 1))
            return sova_error_invalid(error, "%s:%u: times must increase", path, i + 1);
        d->columns = n - 1;
        g_array_append_val(d->times, t);
        g_array_append_vals(d->values, &g_array_index(row, double, 1), n - 1);
    }
    if (!d->times->len)
        return sova_error_invalid(error, "demand \"%s\": %s has no data rows", d->text, path);
    return TRUE;
}

SovaDemandSpec *sova_demand_parse(const char *text, const char *base_dir, GError **error)
{
    g_autoptr(SovaDemandSpec) d = g_new0(SovaDemandSpec, 1);
    d->text = g_strstrip(g_strdup(text));
    const char *colon = strchr(d->text, ':');
    g_autofree char *name = g_strndup(d->text, colon ? (gsize)(colon - d->text) : strlen(d->text));
    const char *args = colon ? colon + 1 : "";
    gboolean ok;
    if (!strcmp(name, "phases")) {
        d->kind = SOVA_DEMAND_PHASES;
        ok = parse_phases(d, args, error);
    } else if (!strcmp(name, "trace")) {
        d->kind = SOVA_DEMAND_TRACE;
        ok = *args ? parse_trace(d, args, base_dir, error)
                   : sova_error_invalid(error, "demand \"%s\": expected trace:FILE.csv", d->text);
    } else {
        guint k;
        for (k = 0; k < G_N_ELEMENTS(shapes); k++)
            if (!strcmp(name, shapes[k].name))
                break;
        if (k == G_N_ELEMENTS(shapes))
            return sova_error_invalid(error, "unknown demand shape \"%s\" (known: constant, "
                                      "square, ramp, walk, phases, trace)", name), NULL;
        d->kind = (SovaDemandKind)k;
        ok = parse_params(d, &shapes[k], args, error);
    }
    return ok ? g_steal_pointer(&d) : NULL;
}

void sova_demand_free(SovaDemandSpec *d)
{
    if (!d)
        return;
    g_free(d->text);
    if (d->phases)
        g_array_unref(d->phases);
    if (d->times)
        g_array_unref(d->times);
    if (d->values)
        g_array_unref(d->values);
    g_free(d);
}

static double square_at(const SovaDemandSpec *d, double t)
{
    double period = d->p[2], pos = fmod(t + d->p[4], period) / period;
    return pos < d->p[3] ? d->p[0] : d->p[1];
}

static double ramp_at(const SovaDemandSpec *d, double t)
{
    double f = CLAMP((t - d->p[3]) / d->p[2], 0.0, 1.0);
    return d->p[0] + (d->p[1] - d->p[0]) * f;
}

/* one uniform step of ±STEP per simulated second, taken on the first tick at or after it */
static double walk_at(const SovaDemandSpec *d, SovaDemandState *st, double t, GRand *rng)
{
    if (!st->started) {
        st->started = TRUE;
        st->value = d->p[0];
        st->next_step = 1.0;
    }
    while (t >= st->next_step) {
        double step = g_rand_double_range(rng, -d->p[1], d->p[1]);   /* once: CLAMP repeats it */
        st->value = CLAMP(st->value + step, d->p[2], d->p[3]);
        st->next_step += 1.0;
    }
    return st->value;
}

static double phases_at(const SovaDemandSpec *d, double t)
{
    for (guint i = 0; i < d->phases->len; i++) {
        const SovaDemandPhase *ph = &g_array_index(d->phases, SovaDemandPhase, i);
        if (t >= ph->from && t < ph->to)
            return ph->value;
    }
    return 0;
}

/* the last row at or before t (the first row before the trace starts); binary search */
static double trace_at(const SovaDemandSpec *d, guint vcpu, double t)
{
    guint lo = 0, hi = d->times->len;
    while (hi - lo > 1) {
        guint mid = (lo + hi) / 2;
        if (g_array_index(d->times, double, mid) <= t)
            lo = mid;
        else
            hi = mid;
    }
    guint col = d->columns == 1 ? 0 : MIN(vcpu, d->columns - 1);
    return g_array_index(d->values, double, lo * d->columns + col);
}

double sova_demand_at(const SovaDemandSpec *d, SovaDemandState *st, guint vcpu, double t,
                      GRand *rng)
{
    switch (d->kind) {
    case SOVA_DEMAND_CONSTANT: return d->p[0];
    case SOVA_DEMAND_SQUARE: return square_at(d, t);
    case SOVA_DEMAND_RAMP: return ramp_at(d, t);
    case SOVA_DEMAND_WALK: return walk_at(d, st, t, rng);
    case SOVA_DEMAND_PHASES: return phases_at(d, t);
    case SOVA_DEMAND_TRACE: return trace_at(d, vcpu, t);
    }
    return 0;
}
