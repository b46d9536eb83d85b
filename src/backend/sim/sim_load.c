/* sim_load.c — what both scenario loaders share; see sim_load.h.
 *
 * GKeyFile merges two groups of the same name into one, so a second [vm a] would
 * silently change the first: sova_keyfile_check_duplicates (util/keyfile.h, the same
 * check sova.conf gets) refuses a group or a key given twice before anything is read. */
#include "backend/sim/sim_load.h"
#include "util/error.h"
#include <string.h>

gboolean sova_sim_loader_open(SovaSimLoader *ld, const char *path, const char *text,
                              GPtrArray *demands, GError **error)
{
    memset(ld, 0, sizeof *ld);
    ld->demands = demands;
    ld->dir = g_path_get_dirname(path);
    ld->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char *owned = NULL;
    if (!text) {
        g_autoptr(GError) e = NULL;
        if (!g_file_get_contents(path, &owned, NULL, &e)) {
            g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s", e->message);
            return FALSE;
        }
        text = owned;
    }
    ld->text = owned;   /* the key file points into it for line numbers */
    return sova_keyfile_parse(&ld->k, path, text, error) &&
           sova_keyfile_check_duplicates(&ld->k, error);
}

void sova_sim_loader_close(SovaSimLoader *ld)
{
    sova_keyfile_clear(&ld->k);
    g_clear_pointer(&ld->text, g_free);
    g_clear_pointer(&ld->dir, g_free);
    g_clear_pointer(&ld->names, g_hash_table_unref);
}

gboolean sova_sim_loader_check_known(const SovaSimLoader *ld, SovaKeyfileKeysOf keys_of,
                                     const char *groups, GError **error)
{
    g_auto(GStrv) all = g_key_file_get_groups(ld->k.kf, NULL);
    for (int g = 0; all[g]; g++) {
        const char *const *known = keys_of(all[g]);
        if (!known)
            return sova_keyfile_fail(&ld->k, all[g], NULL, error, "unknown group [%s] (known: %s)",
                                     all[g], groups);
        g_auto(GStrv) keys = g_key_file_get_keys(ld->k.kf, all[g], NULL, NULL);
        for (int k = 0; keys[k]; k++)
            if (!g_strv_contains(known, keys[k]))
                return sova_keyfile_fail(&ld->k, all[g], keys[k], error,
                                         "unknown key \"%s\" in [%s]", keys[k], all[g]);
    }
    return TRUE;
}

/* ---- timing and size ---- */

static gboolean series_ok(double duration, double interval, guint n_pcpus, char **why)
{
    double intervals = duration / interval;
    if (intervals > SOVA_SIM_MAX_INTERVALS)
        *why = g_strdup_printf("%.0f intervals (duration %g s / interval %g s): at most %u",
                               intervals, duration, interval, SOVA_SIM_MAX_INTERVALS);
    else if (intervals * n_pcpus > SOVA_SIM_MAX_SERIES)
        *why = g_strdup_printf("%.0f intervals × %u pCPUs: at most %.0f values in a run's series",
                               intervals, n_pcpus, SOVA_SIM_MAX_SERIES);
    return !*why;
}

gboolean sova_sim_check_run_size(const SovaSimLoader *ld, const char *group, const char *key,
                                 double duration, double interval, guint n_pcpus, GError **error)
{
    g_autofree char *why = NULL;
    if (series_ok(duration, interval, n_pcpus, &why))
        return TRUE;
    return sova_keyfile_fail(&ld->k, group, key, error, "too long a run: %s", why);
}

gboolean sova_sim_check_series(const char *path, double duration, double interval, guint n_pcpus,
                               GError **error)
{
    g_autofree char *why = NULL;
    if (series_ok(duration, interval, n_pcpus, &why))
        return TRUE;
    return sova_error_invalid(error, "%s: too long a run: %s", path, why);
}

gboolean sova_sim_load_timing(const SovaSimLoader *ld, const char *group,
                              const SovaSimTimingLimits *lim, SovaSimTiming *t, GError **error)
{
    t->description = sova_keyfile_get_raw(&ld->k, group, "description");
    if (!sova_keyfile_get_double(&ld->k, group, "duration", lim->duration_min, lim->duration_max,
                                 &t->duration, error) ||
        !sova_keyfile_get_double(&ld->k, group, "interval", lim->interval_min, lim->interval_max,
                                 &t->interval, error) ||
        !sova_keyfile_get_double(&ld->k, group, "tick", lim->tick_min, 60, &t->tick, error) ||
        !sova_keyfile_get_uint(&ld->k, group, "seed", 0, G_MAXUINT64, &t->seed, error))
        return FALSE;
    if (t->tick > t->interval)
        return sova_keyfile_fail(&ld->k, group, "tick", error,
                                 "tick (%g s) must not be longer than "
                                 "the interval (%g s)", t->tick, t->interval);
    if (t->duration < t->interval)
        return sova_keyfile_fail(&ld->k, group, "duration", error,
                                 "duration (%g s) is shorter than "
                                 "one interval (%g s)", t->duration, t->interval);
    return sova_sim_check_run_size(ld, group, "duration", t->duration, t->interval, 1, error);
}

/* ---- shapes, NICs, traffic ---- */

GPtrArray *sova_sim_load_shapes(const SovaSimLoader *ld, const char *group, const char *key,
                                guint max, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(&ld->k, group, key);
    if (!s)
        return NULL;
    g_auto(GStrv) items = g_strsplit(s, ";", -1);
    g_autoptr(GPtrArray) out = g_ptr_array_new();
    for (guint i = 0; items[i]; i++) {
        if (!*g_strstrip(items[i]))
            continue;
        g_autoptr(GError) e = NULL;
        SovaDemandSpec *d = sova_demand_parse(items[i], ld->dir, &e);
        if (!d)
            return sova_keyfile_fail(&ld->k, group, key, error, "%s: %s", key, e->message), NULL;
        g_ptr_array_add(ld->demands, d);
        g_ptr_array_add(out, d);
    }
    if (!out->len)
        return sova_keyfile_fail(&ld->k, group, key, error, "%s: empty", key), NULL;
    if (max && out->len > max)
        return sova_keyfile_fail(&ld->k, group, key, error,
                                 "%s: %u shapes given for one VM (give %u)",
                                 key, out->len, max), NULL;
    return g_steal_pointer(&out);
}

/* vf-counters: yes (a tap), pf (the PF's per-VF stats) or no */
static gboolean load_vf_counters(const SovaSimLoader *ld, const char *g, SovaSimVfCounters *out,
                                 GError **error)
{
    g_autofree char *s = NULL;
    if (!sova_keyfile_get_string(&ld->k, g, "vf-counters", &s, error))
        return FALSE;
    if (!s)
        return TRUE;
    if (!g_ascii_strcasecmp(s, "pf"))
        *out = SOVA_SIM_VF_COUNTERS_PF;
    else if (!g_ascii_strcasecmp(s, "yes") || !g_ascii_strcasecmp(s, "true") || !strcmp(s, "1"))
        *out = SOVA_SIM_VF_COUNTERS_YES;
    else if (!g_ascii_strcasecmp(s, "no") || !g_ascii_strcasecmp(s, "false") || !strcmp(s, "0"))
        *out = SOVA_SIM_VF_COUNTERS_NO;
    else
        return sova_keyfile_fail(&ld->k, g, "vf-counters", error,
                                 "vf-counters: \"%s\" is not yes, pf or no", s);
    return TRUE;
}

gboolean sova_sim_load_nic(const SovaSimLoader *ld, const char *g, SovaSimNicSpec *nic,
                           GError **error)
{
    return sova_keyfile_get_double(&ld->k, g, "nic-gbps", 0, 1e4, &nic->nic_gbps, error) &&
           sova_keyfile_get_guint(&ld->k, g, "vfs", 0, 4096, &nic->vfs, error) &&
           sova_keyfile_get_double(&ld->k, g, "virtio-pps-cap", 1, 1e10, &nic->virtio_pps_cap,
                                   error) &&
           sova_keyfile_get_double(&ld->k, g, "virtio-us-per-packet", 0, 1e6,
                                   &nic->virtio_us_per_packet, error) &&
           sova_keyfile_get_double(&ld->k, g, "vf-pps-cap", 0, 1e10, &nic->vf_pps_cap, error) &&
           sova_keyfile_get_double(&ld->k, g, "vf-attach-latency", 0, 3600, &nic->vf_attach_latency,
                                   error) &&
           sova_keyfile_get_double(&ld->k, g, "vf-detach-gap", 0, 3600, &nic->vf_detach_gap,
                                   error) &&
           sova_keyfile_get_double(&ld->k, g, "vf-stats-period", 0, 3600, &nic->vf_stats_period,
                                   error) &&
           load_vf_counters(ld, g, &nic->vf_counters, error);
}

void sova_sim_traffic_clear(SovaSimTraffic *t)
{
    g_clear_pointer(&t->shapes, g_ptr_array_unref);
}

void sova_sim_traffic_fill(const SovaSimTraffic *t, SovaSimScenario *sc, SovaSimVmSpec *vm, guint k)
{
    if (!t->shapes)
        return;
    vm->net_demand = g_ptr_array_index(t->shapes, k % t->shapes->len);
    vm->net_peak_pps = t->peak_pps;
    vm->net_packet_bytes = t->packet_bytes;
    vm->net_jitter = t->jitter;
    sc->has_net = TRUE;
}

gboolean sova_sim_load_traffic(const SovaSimLoader *ld, const char *group, gboolean list,
                               gboolean jitter, SovaSimTraffic *t, GError **error)
{
    if (!sova_keyfile_get_double(&ld->k, group, "net-peak-pps", 1, 1e10, &t->peak_pps, error) ||
        !sova_keyfile_get_double(&ld->k, group, "net-packet-bytes", 64, 65536, &t->packet_bytes,
                                 error) ||
        (jitter &&
         !sova_keyfile_get_double(&ld->k, group, "net-jitter", 0, 100, &t->jitter, error)))
        return FALSE;
    GError *e = NULL;
    t->shapes = sova_sim_load_shapes(ld, group, "net-demand", list ? 0 : 1, &e);
    if (e) {
        g_propagate_error(error, e);
        return FALSE;
    }
    for (guint i = 0; t->shapes && i < t->shapes->len; i++) {
        const SovaDemandSpec *d = g_ptr_array_index(t->shapes, i);
        if (d->kind == SOVA_DEMAND_TRACE && d->columns != 1)
            return sova_keyfile_fail(&ld->k, group, "net-demand", error,
                                     "net-demand \"%s\": the trace "
                                     "has %u value columns; a VM's traffic takes one", d->text,
                                     d->columns);
    }
    static const char *const needs[] = { "net-peak-pps", "net-packet-bytes", "net-jitter" };
    for (guint i = 0; !t->shapes && i < G_N_ELEMENTS(needs); i++)
        if (g_key_file_has_key(ld->k.kf, group, needs[i], NULL))
            return sova_keyfile_fail(&ld->k, group, needs[i], error,
                                     "%s without net-demand (the VM "
                                     "has no traffic to shape)", needs[i]);
    return TRUE;
}

/* ---- counts and names ---- */

gboolean sova_sim_load_count(const SovaSimLoader *ld, const char *group, guint max, guint *count,
                             GError **error)
{
    *count = 0;
    if (!sova_keyfile_get_guint(&ld->k, group, "count", 1, max, count, error))
        return FALSE;
    if (!*count)
        return sova_keyfile_fail(&ld->k, group, NULL, error, "[%s] needs count=N", group);
    return TRUE;
}

gboolean sova_sim_loader_add_vm(SovaSimLoader *ld, const char *group, const char *name,
                                guint n_vcpus, GError **error)
{
    if (g_hash_table_contains(ld->names, name))
        return sova_keyfile_fail(&ld->k, group, NULL, error, "VM \"%s\" is defined twice", name);
    if (g_hash_table_size(ld->names) >= SOVA_SIM_MAX_VMS)
        return sova_keyfile_fail(&ld->k, group, NULL, error,
                                 "too many VMs: at most %u in a scenario", SOVA_SIM_MAX_VMS);
    if (ld->n_vcpus + (guint64)n_vcpus > SOVA_SIM_MAX_VCPUS)
        return sova_keyfile_fail(&ld->k, group, NULL, error,
                                 "too many vCPUs: at most %u in a scenario", SOVA_SIM_MAX_VCPUS);
    ld->n_vcpus += n_vcpus;
    g_hash_table_add(ld->names, g_strdup(name));
    return TRUE;
}
