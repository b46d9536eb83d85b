/* cpuset.h — a set of pCPU numbers of any width.
 *
 * Affinities, reserved pCPUs and online masks are sets of pCPU ids. libvirt's own
 * cpumaps are byte arrays that only the backend builds (VIR_USE_CPU); everything
 * above the backend uses this type, so no code assumes "8 pCPUs fit in a byte". */
#pragma once
#include <glib.h>

/* the most pCPUs sova handles on one host (bounds every pCPU count and id it reads) */
#define SOVA_MAX_PCPUS 8192

typedef struct {
    guint n;          /* width: ids 0 .. n-1 are representable */
    guint64 bits[];   /* (n + 63) / 64 words */
} SovaCpuSet;

SovaCpuSet *sova_cpuset_new(guint n);
SovaCpuSet *sova_cpuset_copy(const SovaCpuSet *s);
void sova_cpuset_free(SovaCpuSet *s);
void sova_cpuset_add(SovaCpuSet *s, guint cpu);        /* ignored when cpu >= n */
void sova_cpuset_remove(SovaCpuSet *s, guint cpu);
gboolean sova_cpuset_has(const SovaCpuSet *s, guint cpu); /* FALSE when s == NULL or cpu >= n */
guint sova_cpuset_count(const SovaCpuSet *s);
int sova_cpuset_first(const SovaCpuSet *s);           /* -1 when empty */
int sova_cpuset_only(const SovaCpuSet *s);            /* the single member, or -1 */
gboolean sova_cpuset_equal(const SovaCpuSet *a, const SovaCpuSet *b);
/* "0-3,8,10-11"; "" for an empty set */
char *sova_cpuset_format(const SovaCpuSet *s);
/* parses "0-3,8" (whitespace allowed); ids must be < n_max */
SovaCpuSet *sova_cpuset_parse(const char *text, guint n_max, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SovaCpuSet, sova_cpuset_free)
