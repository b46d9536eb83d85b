/* bench_scenarios.c — the simulator benches' scenario lists; see bench_scenarios.h. */
#include "bench_scenarios.h"
#include <string.h>

static const char *const prefixes[] = { "net-", "cluster-", NULL };

static gboolean any_prefix(const char *name)
{
    for (guint i = 0; prefixes[i]; i++)
        if (g_str_has_prefix(name, prefixes[i]))
            return TRUE;
    return FALSE;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *sova_bench_scenario_files(const char *dir, const char *prefix)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while (d && (n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".conf") &&
            (prefix ? g_str_has_prefix(n, prefix) : !any_prefix(n)))
            g_ptr_array_add(files, g_strdup(n));
    g_ptr_array_sort(files, by_name);
    return files;
}
