/* cpuset.c — pCPU sets as bit arrays; see cpuset.h. */
#include "model/cpuset.h"
#include "util/error.h"
#include <stdlib.h>
#include <string.h>

static gsize words(guint n) { return (n + 63) / 64; }

SovaCpuSet *sova_cpuset_new(guint n)
{
    SovaCpuSet *s = g_malloc0(sizeof *s + words(n) * sizeof(guint64));
    s->n = n;
    return s;
}

SovaCpuSet *sova_cpuset_copy(const SovaCpuSet *s)
{
    if (!s)
        return NULL;
    gsize size = sizeof *s + words(s->n) * sizeof(guint64);
    return g_memdup2(s, size);
}

void sova_cpuset_free(SovaCpuSet *s) { g_free(s); }

void sova_cpuset_add(SovaCpuSet *s, guint cpu)
{
    if (cpu < s->n)
        s->bits[cpu / 64] |= G_GUINT64_CONSTANT(1) << (cpu % 64);
}

void sova_cpuset_remove(SovaCpuSet *s, guint cpu)
{
    if (cpu < s->n)
        s->bits[cpu / 64] &= ~(G_GUINT64_CONSTANT(1) << (cpu % 64));
}

gboolean sova_cpuset_has(const SovaCpuSet *s, guint cpu)
{
    return s && cpu < s->n && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

guint sova_cpuset_count(const SovaCpuSet *s)
{
    guint c = 0;
    for (gsize i = 0; s && i < words(s->n); i++)
        c += __builtin_popcountll(s->bits[i]);
    return c;
}

int sova_cpuset_first(const SovaCpuSet *s)
{
    for (gsize i = 0; s && i < words(s->n); i++)
        if (s->bits[i])
            return (int)(i * 64 + __builtin_ctzll(s->bits[i]));
    return -1;
}

int sova_cpuset_only(const SovaCpuSet *s)
{
    return sova_cpuset_count(s) == 1 ? sova_cpuset_first(s) : -1;
}

gboolean sova_cpuset_equal(const SovaCpuSet *a, const SovaCpuSet *b)
{
    if (!a || !b)
        return a == b;
    guint n = MAX(a->n, b->n);
    for (guint c = 0; c < n; c++)
        if (sova_cpuset_has(a, c) != sova_cpuset_has(b, c))
            return FALSE;
    return TRUE;
}

char *sova_cpuset_format(const SovaCpuSet *s)
{
    GString *out = g_string_new(NULL);
    guint n = s ? s->n : 0;
    for (guint c = 0; c < n; c++) {
        if (!sova_cpuset_has(s, c))
            continue;
        guint end = c;
        while (end + 1 < n && sova_cpuset_has(s, end + 1))
            end++;
        if (out->len)
            g_string_append_c(out, ',');
        if (end == c)
            g_string_append_printf(out, "%u", c);
        else
            g_string_append_printf(out, "%u-%u", c, end);
        c = end;
    }
    return g_string_free(out, FALSE);
}

static gboolean parse_id(const char *p, char **end, guint n_max, guint *out, GError **error)
{
    while (g_ascii_isspace(*p))
        p++;
    if (!g_ascii_isdigit(*p)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "expected a pCPU number at \"%s\"", p);
        return FALSE;
    }
    guint64 v = g_ascii_strtoull(p, end, 10);
    if (v >= n_max) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "pCPU %" G_GUINT64_FORMAT " is out of range (this host has pCPUs 0-%u)",
                    v, n_max - 1);
        return FALSE;
    }
    while (g_ascii_isspace(**end))
        (*end)++;
    *out = (guint)v;
    return TRUE;
}

SovaCpuSet *sova_cpuset_parse(const char *text, guint n_max, GError **error)
{
    g_autoptr(SovaCpuSet) s = sova_cpuset_new(n_max);
    const char *p = text;
    while (g_ascii_isspace(*p))
        p++;
    while (*p) {
        char *end;
        guint lo, hi;
        if (!parse_id(p, &end, n_max, &lo, error))
            return NULL;
        hi = lo;
        if (*end == '-' && !parse_id(end + 1, &end, n_max, &hi, error))
            return NULL;
        if (hi < lo) {
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "bad pCPU range %u-%u in \"%s\"",
                        lo, hi, text);
            return NULL;
        }
        for (guint c = lo; c <= hi; c++)
            sova_cpuset_add(s, c);
        if (*end && *end != ',') {
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                        "unexpected \"%s\" in pCPU list \"%s\"", end, text);
            return NULL;
        }
        p = *end ? end + 1 : end;
    }
    return g_steal_pointer(&s);
}
