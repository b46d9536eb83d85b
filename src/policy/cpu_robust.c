/* cpu_robust.c — the robust planning demand of fast-changing vCPUs; see cpu_robust.h. */
#include "policy/cpu_robust.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double x[ROBUST_WINDOW];  /* ring of raw demands */
    guint n, pos;
    guint seen;               /* the generation it was last updated in */
} Window;

struct SovaCpuRobust {
    GHashTable *windows;      /* "uuid/index" -> Window */
    guint gen;
};

SovaCpuRobust *sova_cpu_robust_new(void)
{
    SovaCpuRobust *r = g_new0(SovaCpuRobust, 1);
    r->windows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return r;
}

void sova_cpu_robust_free(SovaCpuRobust *r)
{
    if (!r)
        return;
    g_hash_table_unref(r->windows);
    g_free(r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* population stddev of the window */
static double spread(const double *x, guint n)
{
    double mean = 0, var = 0;
    for (guint i = 0; i < n; i++)
        mean += x[i] / n;
    for (guint i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean) / n;
    return sqrt(var);
}

gboolean sova_cpu_robust_window(const double *x, guint n, double *robust)
{
    if (n <= ROBUST_KNOWN)
        return FALSE;
    double mean = 0, var = 0;
    for (guint i = 0; i < n; i++)
        mean += x[i] / n;
    for (guint i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean) / n;
    guint cross = 0;
    int side = 0;
    for (guint i = 0; i < n; i++) {
        int s = x[i] > mean ? 1 : x[i] < mean ? -1 : 0;
        if (s && side && s != side)
            cross++;
        if (s)
            side = s;
    }
    guint need = MAX(2u, (guint)ceil((double)ROBUST_CROSS * n / ROBUST_WINDOW));
    if (sqrt(var) <= ROBUST_SPREAD || cross < need)
        return FALSE;
    double sorted[ROBUST_WINDOW];
    memcpy(sorted, x, n * sizeof(double));
    qsort(sorted, n, sizeof(double), cmp_double);
    *robust = sorted[MIN(n - 1, (guint)ceil(ROBUST_PCT * n) - 1)];
    return TRUE;
}

/* the window of vCPU v, oldest first, into out; returns its length */
static guint ordered(const Window *w, double *out)
{
    for (guint i = 0; i < w->n; i++)
        out[i] = w->x[(w->pos + ROBUST_WINDOW - w->n + i) % ROBUST_WINDOW];
    return w->n;
}

static Window *window_of(SovaCpuRobust *r, const SovaModel *m, const SovaVcpuLoad *vc)
{
    g_autofree char *key = g_strdup_printf("%s/%u", sova_model_vm(m, vc->vm)->uuid, vc->index);
    Window *w = g_hash_table_lookup(r->windows, key);
    if (!w) {
        w = g_new0(Window, 1);
        g_hash_table_insert(r->windows, g_steal_pointer(&key), w);
    }
    return w;
}

static gboolean stale(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    return ((Window *)value)->seen != *(guint *)data;
}

double *sova_cpu_robust_update(SovaCpuRobust *r, const SovaModel *m, gboolean *young,
                               guint *n_fast)
{
    return sova_cpu_robust_update_fast(r, m, young, NULL, n_fast);
}

double *sova_cpu_robust_update_fast(SovaCpuRobust *r, const SovaModel *m, gboolean *young,
                                    gboolean *is_fast, guint *n_fast)
{
    double *d = g_new(double, MAX(m->vcpus->len, 1));
    guint fast = 0;
    if (r)
        r->gen++;
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        d[v] = vc->demand;
        if (!r || vc->fresh)
            continue;
        Window *w = window_of(r, m, vc);
        w->seen = r->gen;
        w->x[w->pos] = MIN(100.0, vc->usage + vc->delay);
        w->pos = (w->pos + 1) % ROBUST_WINDOW;
        w->n = MIN(w->n + 1, ROBUST_WINDOW);
        if (young)
            young[v] = w->n <= ROBUST_KNOWN;
        double x[ROBUST_WINDOW], robust;
        guint n = ordered(w, x);
        if (sova_cpu_robust_window(x, n, &robust)) {
            d[v] = MAX(d[v], robust);
            fast++;
            if (is_fast)
                is_fast[v] = spread(x, n) > ROBUST_SWING;
        }
    }
    if (r)
        g_hash_table_foreach_remove(r->windows, stale, &r->gen);
    if (n_fast)
        *n_fast = fast;
    return d;
}
