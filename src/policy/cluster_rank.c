/* cluster_rank.c — hosts kept in order of a key (how far above or below the mean they
 * are), so that the sova planner finds its few candidate sources and destinations in
 * O(K + log hosts) per move instead of a scan of every host: a committed move changes the
 * keys of two hosts only. Backed by a GSequence (a balanced tree); ties go to the lower
 * host index, so the order is deterministic.
 * A plan that can make at most M moves, each re-ranking the two hosts it touches, only ever
 * needs the first K + 2M hosts of the initial order besides the hosts it touched: so the
 * initial ranking keeps just the best `limit` hosts, picked in O(hosts log limit) with a
 * heap, and a plan with small caps does not pay for sorting the whole cluster. */
#include "policy/cluster_private.h"
#include <string.h>

static gint rank_cmp(gconstpointer a, gconstpointer b, gpointer data)
{
    const double *key = data;
    guint x = GPOINTER_TO_UINT(a), y = GPOINTER_TO_UINT(b);
    if (key[x] != key[y])
        return key[x] > key[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

void cl_rank_init(ClRank *R, guint n_hosts)
{
    R->seq = g_sequence_new(NULL);
    R->at = g_new0(GSequenceIter *, n_hosts);
    R->key = g_new0(double, n_hosts);
}

void cl_rank_clear(ClRank *R)
{
    if (R->seq)
        g_sequence_free(R->seq);
    g_free(R->at);
    g_free(R->key);
    R->seq = NULL;
    R->at = NULL;
    R->key = NULL;
}

void cl_rank_set(ClRank *R, guint h, gboolean keep, double key)
{
    if (R->at[h]) {
        g_sequence_remove(R->at[h]);
        R->at[h] = NULL;
    }
    if (!keep)
        return;
    R->key[h] = key;
    R->at[h] = g_sequence_insert_sorted(R->seq, GUINT_TO_POINTER(h), rank_cmp, R->key);
}

static int cmp_ranked(const void *a, const void *b, void *data)
{
    return rank_cmp(GUINT_TO_POINTER(*(const guint *)a), GUINT_TO_POINTER(*(const guint *)b),
                    data);
}

/* sift-down in a min-heap (by rank: the heap's top is the worst kept host) */
static void heap_down(guint *heap, guint n, guint i, double *key)
{
    for (;;) {
        guint l = 2 * i + 1, r = l + 1, worst = i;
        if (l < n && rank_cmp(GUINT_TO_POINTER(heap[l]), GUINT_TO_POINTER(heap[worst]), key) > 0)
            worst = l;
        if (r < n && rank_cmp(GUINT_TO_POINTER(heap[r]), GUINT_TO_POINTER(heap[worst]), key) > 0)
            worst = r;
        if (worst == i)
            return;
        guint t = heap[i];
        heap[i] = heap[worst];
        heap[worst] = t;
        i = worst;
    }
}

void cl_rank_build(ClRank *R, guint n_hosts, const gboolean *keep, const double *key, guint limit)
{
    g_autofree guint *heap = g_new(guint, MIN(limit, n_hosts) + 1);
    guint n = 0;
    memcpy(R->key, key, sizeof(double) * n_hosts);
    for (guint h = 0; h < n_hosts && limit; h++) {
        if (!keep[h])
            continue;
        if (n < limit) {
            heap[n++] = h;
            if (n == limit)
                for (guint i = n / 2; i-- > 0;)
                    heap_down(heap, n, i, R->key);
        } else if (rank_cmp(GUINT_TO_POINTER(h), GUINT_TO_POINTER(heap[0]), R->key) < 0) {
            heap[0] = h;
            heap_down(heap, n, 0, R->key);
        }
    }
    g_qsort_with_data(heap, n, sizeof(guint), cmp_ranked, R->key);
    for (guint i = 0; i < n; i++)
        R->at[heap[i]] = g_sequence_append(R->seq, GUINT_TO_POINTER(heap[i]));
}

guint cl_rank_top(const ClRank *R, guint *out, guint k, gboolean (*want)(guint h, gpointer data),
                  gpointer data)
{
    guint n = 0;
    for (GSequenceIter *it = g_sequence_get_begin_iter(R->seq);
         n < k && !g_sequence_iter_is_end(it); it = g_sequence_iter_next(it)) {
        guint h = GPOINTER_TO_UINT(g_sequence_get(it));
        if (!want || want(h, data))
            out[n++] = h;
    }
    return n;
}
