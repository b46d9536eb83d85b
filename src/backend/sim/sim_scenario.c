/* sim_scenario.c — loading and validating scenario files; see sim_scenario.h and
 * docs/scenario.md.
 *
 * GKeyFile parses the syntax but cannot say on which line a value stands, so errors
 * about values find their line by scanning the text for the group and the key (as
 * sova.conf's loader does). Everything is checked here, once; the simulator trusts a
 * loaded scenario. */
#include "sim_scenario.h"
#include "util/config.h"
#include "util/error.h"
#include <errno.h>
#include <string.h>

typedef struct {
    const char *path;
    const char *text;
    char *dir;                /* for trace files */
    GKeyFile *kf;
    SovaSimScenario *sc;
} Loader;

/* ---- line numbers ---- */

static gboolean is_header(const char *line, const char *group)
{
    g_autofree char *l = g_strstrip(g_strdup(line));
    g_autofree char *want = g_strdup_printf("[%s]", group);
    return strcmp(l, want) == 0;
}

/* the line of `[group]`'s header (key NULL) or of `key=` inside it; 0 if not found */
static int find_line(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in = FALSE;
    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (l[0] == '[') {
            in = is_header(l, group);
            if (in && !key)
                return i + 1;
        } else if (in && key && g_str_has_prefix(l, key)) {
            const char *rest = l + strlen(key);
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest == '=')
                return i + 1;
        }
    }
    return 0;
}

static gboolean fail(const Loader *ld, const char *group, const char *key, GError **error,
                     const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static gboolean fail(const Loader *ld, const char *group, const char *key, GError **error,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    int line = group ? find_line(ld->text, group, key) : 0;
    if (!line && key)
        line = find_line(ld->text, group, NULL);
    if (line)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s:%d: %s", ld->path, line, msg);
    else
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s: %s", ld->path, msg);
    return FALSE;
}

/* ---- values ---- */

static char *get_raw(const Loader *ld, const char *group, const char *key)
{
    if (!g_key_file_has_key(ld->kf, group, key, NULL))
        return NULL;
    return g_strstrip(g_key_file_get_string(ld->kf, group, key, NULL));
}

static gboolean parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean get_double(const Loader *ld, const char *group, const char *key, double lo,
                           double hi, double *out, GError **error)
{
    g_autofree char *s = get_raw(ld, group, key);
    if (s && !parse_double(s, lo, hi, out))
        return fail(ld, group, key, error, "%s: \"%s\" is not a number from %g to %g", key, s, lo, hi);
    return TRUE;
}

static gboolean get_uint(const Loader *ld, const char *group, const char *key, guint64 lo,
                         guint64 hi, guint64 *out, GError **error)
{
    g_autofree char *s = get_raw(ld, group, key);
    if (s && !g_ascii_string_to_unsigned(s, 10, lo, hi, out, NULL))
        return fail(ld, group, key, error, "%s: \"%s\" is not a whole number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT, key, s, lo, hi);
    return TRUE;
}

static gboolean get_guint(const Loader *ld, const char *group, const char *key, guint lo, guint hi,
                          guint *out, GError **error)
{
    guint64 v = *out;
    if (!get_uint(ld, group, key, lo, hi, &v, error))
        return FALSE;
    *out = (guint)v;
    return TRUE;
}

/* ---- known groups and keys ---- */

static const char *const host_keys[] = { "name", "pcpus", "sockets", "cells", "threads-per-core",
                                         "memory", "background", "noise", "nic-gbps", "vfs", NULL };
static const char *const scenario_keys[] = { "description", "duration", "interval", "tick", "seed", NULL };
static const char *const vm_keys[] = { "vcpus", "memory", "demand", "pin", "affinity", NULL };
static const char *const vms_keys[] = { "count", "vcpus", "memory", "demand", "pin", "affinity", NULL };

static const char *const *known_keys(const char *group)
{
    if (!strcmp(group, "host"))
        return host_keys;
    if (!strcmp(group, "scenario"))
        return scenario_keys;
    if (g_str_has_prefix(group, "vm ") && group[3])
        return vm_keys;
    if (!strcmp(group, "vms") || (g_str_has_prefix(group, "vms ") && group[4]))
        return vms_keys;
    return NULL;
}

static gboolean check_known(const Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->kf, NULL);
    for (int g = 0; groups[g]; g++) {
        const char *const *known = known_keys(groups[g]);
        if (!known)
            return fail(ld, groups[g], NULL, error, "unknown group [%s] (known: [host], [scenario], "
                        "[vm NAME], [vms], [vms PREFIX])", groups[g]);
        g_auto(GStrv) keys = g_key_file_get_keys(ld->kf, groups[g], NULL, NULL);
        for (int k = 0; keys[k]; k++)
            if (!g_strv_contains(known, keys[k]))
                return fail(ld, groups[g], keys[k], error, "unknown key \"%s\" in [%s]", keys[k], groups[g]);
    }
    if (!g_key_file_has_group(ld->kf, "host"))
        return fail(ld, NULL, NULL, error, "no [host] group");
    return TRUE;
}

/* ---- [host] and [scenario] ---- */

static gboolean load_background(const Loader *ld, SovaSimHostSpec *h, GError **error)
{
    h->background = g_new0(double, h->n_pcpus);
    g_autofree char *s = get_raw(ld, "host", "background");
    if (!s)
        return TRUE;
    g_auto(GStrv) items = g_strsplit(s, ",", -1);
    guint n = g_strv_length(items);
    if (n != 1 && n != h->n_pcpus)
        return fail(ld, "host", "background", error, "background: give one value for every pCPU "
                    "or one for all (got %u values for %u pCPUs)", n, h->n_pcpus);
    for (guint p = 0; p < h->n_pcpus; p++) {
        const char *item = g_strstrip(items[n == 1 ? 0 : p]);
        if (!parse_double(item, 0, 100, &h->background[p]))
            return fail(ld, "host", "background", error, "background: \"%s\" is not a percentage 0..100", item);
    }
    return TRUE;
}

static gboolean load_topology(const Loader *ld, SovaSimHostSpec *h, GError **error)
{
    guint64 mem = 65536;
    if (!get_guint(ld, "host", "pcpus", 1, SOVA_MAX_PCPUS, &h->n_pcpus, error) ||
        !get_guint(ld, "host", "sockets", 1, SOVA_MAX_PCPUS, &h->sockets, error) ||
        !get_guint(ld, "host", "cells", 1, SOVA_MAX_PCPUS, &h->cells, error) ||
        !get_guint(ld, "host", "threads-per-core", 1, 8, &h->threads_per_core, error) ||
        !get_uint(ld, "host", "memory", 1, G_GUINT64_CONSTANT(1) << 40, &mem, error))
        return FALSE;
    if (!h->n_pcpus)
        return fail(ld, "host", NULL, error, "[host] needs pcpus=N");
    h->memory_kib = mem * 1024;
    if (h->n_pcpus % h->sockets)
        return fail(ld, "host", "sockets", error, "%u pCPUs cannot be split evenly over %u sockets",
                    h->n_pcpus, h->sockets);
    if (h->n_pcpus % h->cells)
        return fail(ld, "host", "cells", error, "%u pCPUs cannot be split evenly over %u NUMA cells",
                    h->n_pcpus, h->cells);
    if ((h->n_pcpus / h->sockets) % h->threads_per_core)
        return fail(ld, "host", "threads-per-core", error, "a socket's %u pCPUs cannot be split into "
                    "cores of %u threads", h->n_pcpus / h->sockets, h->threads_per_core);
    return TRUE;
}

static gboolean load_host(const Loader *ld, SovaSimHostSpec *h, GError **error)
{
    h->sockets = h->cells = h->threads_per_core = 1;
    g_autofree char *name = get_raw(ld, "host", "name");
    h->name = name ? g_steal_pointer(&name) : g_strdup("simhost");
    return load_topology(ld, h, error) && load_background(ld, h, error) &&
           get_double(ld, "host", "noise", 0, 50, &h->noise, error) &&
           get_double(ld, "host", "nic-gbps", 0, 1e4, &h->nic_gbps, error) &&
           get_guint(ld, "host", "vfs", 0, 4096, &h->vfs, error);
}

static gboolean load_scenario(const Loader *ld, SovaSimScenario *sc, GError **error)
{
    sc->duration = 600;
    sc->interval = 1;
    sc->tick = 0.1;
    sc->seed = 1;
    sc->description = get_raw(ld, "scenario", "description");
    if (!get_double(ld, "scenario", "duration", 0.001, 1e8, &sc->duration, error) ||
        !get_double(ld, "scenario", "interval", 0.001, 86400, &sc->interval, error) ||
        !get_double(ld, "scenario", "tick", 0.0001, 60, &sc->tick, error) ||
        !get_uint(ld, "scenario", "seed", 0, G_MAXUINT64, &sc->seed, error))
        return FALSE;
    if (sc->tick > sc->interval)
        return fail(ld, "scenario", "tick", error, "tick (%g s) must not be longer than the interval (%g s)",
                    sc->tick, sc->interval);
    if (sc->duration < sc->interval)
        return fail(ld, "scenario", "duration", error, "duration (%g s) is shorter than one interval (%g s)",
                    sc->duration, sc->interval);
    return TRUE;
}

/* ---- VMs ---- */

static void vm_free(gpointer p)
{
    SovaSimVmSpec *vm = p;
    g_free(vm->name);
    g_free(vm->demand);
    g_free(vm->pin);
    sova_cpuset_free(vm->affinity);
    g_free(vm);
}

/* "a;b;c" -> parsed specs (owned by the scenario); empty items are skipped */
static GPtrArray *load_demands(const Loader *ld, const char *group, GError **error)
{
    g_autofree char *s = get_raw(ld, group, "demand");
    if (!s)
        return fail(ld, group, NULL, error, "[%s] needs demand=SHAPE (see docs/scenario.md)", group), NULL;
    g_auto(GStrv) items = g_strsplit(s, ";", -1);
    g_autoptr(GPtrArray) out = g_ptr_array_new();
    for (guint i = 0; items[i]; i++) {
        if (!*g_strstrip(items[i]))
            continue;
        g_autoptr(GError) e = NULL;
        SovaDemandSpec *d = sova_demand_parse(items[i], ld->dir, &e);
        if (!d)
            return fail(ld, group, "demand", error, "%s", e->message), NULL;
        g_ptr_array_add(ld->sc->demands, d);
        g_ptr_array_add(out, d);
    }
    if (!out->len)
        return fail(ld, group, "demand", error, "demand: empty"), NULL;
    return g_steal_pointer(&out);
}

static gboolean check_trace_columns(const Loader *ld, const char *group, const SovaDemandSpec *d,
                                    guint n_vcpus, GError **error)
{
    if (d->kind == SOVA_DEMAND_TRACE && d->columns != 1 && d->columns != n_vcpus)
        return fail(ld, group, "demand", error, "demand \"%s\": the trace has %u value columns; "
                    "give 1 (every vCPU) or one per vCPU (%u)", d->text, d->columns, n_vcpus);
    return TRUE;
}

static gboolean load_affinity(const Loader *ld, const char *group, SovaSimVmSpec *vm, GError **error)
{
    g_autofree char *s = get_raw(ld, group, "affinity");
    if (!s)
        return TRUE;
    g_autoptr(GError) e = NULL;
    vm->affinity = sova_cpuset_parse(s, ld->sc->host.n_pcpus, &e);
    if (!vm->affinity)
        return fail(ld, group, "affinity", error, "affinity: %s", e->message);
    if (!sova_cpuset_count(vm->affinity))
        return fail(ld, group, "affinity", error, "affinity: empty");
    return TRUE;
}

static gboolean parse_pcpu(const Loader *ld, const char *group, const char *text, int *out, GError **error)
{
    guint64 v;
    g_autofree char *t = g_strstrip(g_strdup(text));
    if (!g_ascii_string_to_unsigned(t, 10, 0, G_MAXUINT, &v, NULL))
        return fail(ld, group, "pin", error, "pin: \"%s\" is not a pCPU number", t);
    if (v >= ld->sc->host.n_pcpus)
        return fail(ld, group, "pin", error, "pin: pCPU %s does not exist (the host has pCPUs 0-%u)",
                    t, ld->sc->host.n_pcpus - 1);
    *out = (int)v;
    return TRUE;
}

/* Where the k-th vCPU of a group goes. Layouts: unpinned, all-on-N, alternating (pCPUs 0
 * and 1 in turn), round-robin (0, 1, ..., P-1, 0, ...), balanced (-2: placed after loading),
 * or a comma list of pCPUs taken in turn. */
static gboolean layout_pin(const Loader *ld, const char *group, const char *layout, guint k, int *out,
                           GError **error)
{
    guint n = ld->sc->host.n_pcpus;
    if (!layout || !strcmp(layout, "unpinned"))
        *out = -1;
    else if (!strcmp(layout, "balanced"))
        *out = -2;
    else if (!strcmp(layout, "alternating"))
        *out = (int)(k % MIN(2u, n));
    else if (!strcmp(layout, "round-robin"))
        *out = (int)(k % n);
    else if (g_str_has_prefix(layout, "all-on-"))
        return parse_pcpu(ld, group, layout + 7, out, error);
    else {
        g_auto(GStrv) items = g_strsplit(layout, ",", -1);
        return parse_pcpu(ld, group, items[k % g_strv_length(items)], out, error);
    }
    return TRUE;
}

/* [vm NAME]: pin is "unpinned", one pCPU for all vCPUs, or one per vCPU */
static gboolean check_vm_pin_count(const Loader *ld, const char *group, const char *pin, guint n_vcpus,
                                   GError **error)
{
    if (!pin || !strcmp(pin, "unpinned") || !strcmp(pin, "balanced"))
        return TRUE;
    g_auto(GStrv) items = g_strsplit(pin, ",", -1);
    guint n = g_strv_length(items);
    if (n != 1 && n != n_vcpus)
        return fail(ld, group, "pin", error, "pin: %u pCPUs given for %u vCPUs (give one per vCPU, "
                    "one for all, or \"unpinned\")", n, n_vcpus);
    return TRUE;
}

static SovaSimVmSpec *vm_new(const char *name, guint n_vcpus, guint64 mem_mib, int line)
{
    SovaSimVmSpec *vm = g_new0(SovaSimVmSpec, 1);
    vm->name = g_strdup(name);
    vm->n_vcpus = n_vcpus;
    vm->memory_kib = mem_mib * 1024;
    vm->demand = g_new0(const SovaDemandSpec *, n_vcpus);
    vm->pin = g_new0(int, n_vcpus);
    vm->line = line;
    return vm;
}

/* fills one VM's vCPUs: demand `which` for all of them (or, when which < 0, the demands in
 * turn, one per vCPU), pins from `layout` starting at the group's vCPU number *k */
static gboolean vm_fill(const Loader *ld, const char *group, SovaSimVmSpec *vm, GPtrArray *demands,
                        int which, const char *layout, guint *k, GError **error)
{
    for (guint i = 0; i < vm->n_vcpus; i++) {
        vm->demand[i] = g_ptr_array_index(demands, (which >= 0 ? (guint)which : i) % demands->len);
        if (!check_trace_columns(ld, group, vm->demand[i], vm->n_vcpus, error) ||
            !layout_pin(ld, group, layout, (*k)++, &vm->pin[i], error))
            return FALSE;
    }
    if (vm->affinity)
        for (guint i = 0; i < vm->n_vcpus; i++)
            if (vm->pin[i] >= 0 && !sova_cpuset_has(vm->affinity, (guint)vm->pin[i]))
                return fail(ld, group, "pin", error, "pin: vCPU %u is pinned to pCPU %d, outside its "
                            "affinity", i, vm->pin[i]);
    return TRUE;
}

static gboolean add_vm(const Loader *ld, const char *group, SovaSimVmSpec *vm, GHashTable *names,
                       GError **error)
{
    g_ptr_array_add(ld->sc->vms, vm);
    if (g_hash_table_contains(names, vm->name))
        return fail(ld, group, NULL, error, "VM \"%s\" is defined twice", vm->name);
    g_hash_table_add(names, vm->name);
    return TRUE;
}

static gboolean load_vm(const Loader *ld, const char *group, GHashTable *names, GError **error)
{
    guint n_vcpus = 1;
    guint64 mem = 1024;
    if (!get_guint(ld, group, "vcpus", 1, 4096, &n_vcpus, error) ||
        !get_uint(ld, group, "memory", 1, G_GUINT64_CONSTANT(1) << 30, &mem, error))
        return FALSE;
    g_autoptr(GPtrArray) demands = load_demands(ld, group, error);
    if (!demands)
        return FALSE;
    if (demands->len != 1 && demands->len != n_vcpus)
        return fail(ld, group, "demand", error, "demand: %u shapes given for %u vCPUs (give one per "
                    "vCPU, or one for all)", demands->len, n_vcpus);
    g_autofree char *pin = get_raw(ld, group, "pin");
    if (!check_vm_pin_count(ld, group, pin, n_vcpus, error))
        return FALSE;
    SovaSimVmSpec *vm = vm_new(group + 3, n_vcpus, mem, find_line(ld->text, group, NULL));
    guint k = 0;
    if (!add_vm(ld, group, vm, names, error) || !load_affinity(ld, group, vm, error))
        return FALSE;
    return vm_fill(ld, group, vm, demands, -1, pin, &k, error);
}

/* [vms] / [vms PREFIX]: count VMs named PREFIX1..PREFIXcount; a demand list is cycled over them */
static gboolean load_vms(const Loader *ld, const char *group, GHashTable *names, GError **error)
{
    guint n_vcpus = 1, count = 0;
    guint64 mem = 1024;
    if (!get_guint(ld, group, "count", 1, 100000, &count, error) ||
        !get_guint(ld, group, "vcpus", 1, 4096, &n_vcpus, error) ||
        !get_uint(ld, group, "memory", 1, G_GUINT64_CONSTANT(1) << 30, &mem, error))
        return FALSE;
    if (!count)
        return fail(ld, group, NULL, error, "[%s] needs count=N", group);
    g_autoptr(GPtrArray) demands = load_demands(ld, group, error);
    if (!demands)
        return FALSE;
    g_autofree char *pin = get_raw(ld, group, "pin");
    const char *prefix = group[3] ? group + 4 : "vm";
    guint k = 0;
    for (guint i = 0; i < count; i++) {
        g_autofree char *name = g_strdup_printf("%s%u", prefix, i + 1);
        SovaSimVmSpec *vm = vm_new(name, n_vcpus, mem, find_line(ld->text, group, NULL));
        if (!add_vm(ld, group, vm, names, error) || !load_affinity(ld, group, vm, error) ||
            !vm_fill(ld, group, vm, demands, (int)i, pin, &k, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_all_vms(const Loader *ld, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(ld->kf, NULL);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    for (int g = 0; groups[g]; g++) {
        gboolean ok = TRUE;
        if (g_str_has_prefix(groups[g], "vm "))
            ok = load_vm(ld, groups[g], names, error);
        else if (!strcmp(groups[g], "vms") || g_str_has_prefix(groups[g], "vms "))
            ok = load_vms(ld, groups[g], names, error);
        if (!ok)
            return FALSE;
    }
    if (!ld->sc->vms->len)
        return fail(ld, NULL, NULL, error, "no VMs: add a [vm NAME] or [vms] group");
    return TRUE;
}

/* ---- balanced layout ---- */

typedef struct {
    SovaSimVmSpec *vm;
    guint vcpu;
    double demand;
} Item;

static gint item_order(gconstpointer a, gconstpointer b)
{
    double x = ((const Item *)a)->demand, y = ((const Item *)b)->demand;
    return (x < y) - (x > y);   /* largest first; g_array_sort is stable */
}

/* pin=balanced: largest initial demand first onto the least loaded allowed pCPU */
static void place_balanced(SovaSimScenario *sc)
{
    guint n = sc->host.n_pcpus;
    g_autofree double *load = g_memdup2(sc->host.background, n * sizeof(double));
    g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(Item));
    for (guint i = 0; i < sc->vms->len; i++) {
        SovaSimVmSpec *vm = g_ptr_array_index(sc->vms, i);
        for (guint v = 0; v < vm->n_vcpus; v++) {
            SovaDemandState st = { 0 };
            double d = sova_demand_at(vm->demand[v], &st, v, 0, NULL);
            if (vm->pin[v] >= 0)
                load[vm->pin[v]] += d;
            else if (vm->pin[v] == -2)
                g_array_append_val(items, ((Item){ vm, v, d }));
        }
    }
    g_array_sort(items, item_order);
    for (guint i = 0; i < items->len; i++) {
        Item *it = &g_array_index(items, Item, i);
        int best = -1;
        for (guint p = 0; p < n; p++)
            if ((!it->vm->affinity || sova_cpuset_has(it->vm->affinity, p)) &&
                (best < 0 || load[p] < load[best]))
                best = (int)p;
        it->vm->pin[it->vcpu] = best;
        load[best] += it->demand;
    }
}

/* ---- entry points ---- */

/* GKeyFile's syntax errors quote the bad line but give no number: find the first line
 * that is neither blank, a comment, a [group] nor key=value */
static int syntax_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        gsize n = strlen(l);
        if (!n || l[0] == '#' || (l[0] == '[' && l[n - 1] == ']') || (l[0] != '=' && strchr(l, '=')))
            continue;
        return i + 1;
    }
    return 0;
}

SovaSimScenario *sova_sim_scenario_load_data(const char *path, const char *text, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) e = NULL;
    if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &e)) {
        int line = syntax_line(text);
        if (line)
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s:%d: %s", path, line, e->message);
        else
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s: %s", path, e->message);
        return NULL;
    }
    g_autoptr(SovaSimScenario) sc = g_new0(SovaSimScenario, 1);
    sc->path = g_strdup(path);
    sc->vms = g_ptr_array_new_with_free_func(vm_free);
    sc->demands = g_ptr_array_new_with_free_func((GDestroyNotify)sova_demand_free);
    g_autofree char *dir = g_path_get_dirname(path);
    Loader ld = { .path = path, .text = text, .dir = dir, .kf = kf, .sc = sc };
    if (!check_known(&ld, error) || !load_host(&ld, &sc->host, error) ||
        !load_scenario(&ld, sc, error) || !load_all_vms(&ld, error))
        return NULL;
    place_balanced(sc);
    return g_steal_pointer(&sc);
}

SovaSimScenario *sova_sim_scenario_load(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e)) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s", e->message);
        return NULL;
    }
    return sova_sim_scenario_load_data(path, text, error);
}

void sova_sim_scenario_free(SovaSimScenario *sc)
{
    if (!sc)
        return;
    g_free(sc->path);
    g_free(sc->description);
    g_free(sc->host.name);
    g_free(sc->host.background);
    if (sc->vms)
        g_ptr_array_unref(sc->vms);
    if (sc->demands)
        g_ptr_array_unref(sc->demands);
    g_free(sc);
}

guint sova_sim_scenario_n_vcpus(const SovaSimScenario *sc)
{
    guint n = 0;
    for (guint i = 0; i < sc->vms->len; i++)
        n += ((SovaSimVmSpec *)g_ptr_array_index(sc->vms, i))->n_vcpus;
    return n;
}
