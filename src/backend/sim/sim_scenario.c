/* sim_scenario.c — the scenario type both loaders fill (sim_scenario_host.c,
 * sim_scenario_cluster.c): building it and reading it; see sim_scenario.h. */
#include "backend/sim/sim_scenario.h"

static void host_free(gpointer p)
{
    SovaSimHostSpec *h = p;
    g_free(h->name);
    g_free(h->background);
    g_free(h);
}

static void vm_free(gpointer p)
{
    SovaSimVmSpec *vm = p;
    g_free(vm->name);
    g_free(vm->demand);
    g_free(vm->pin);
    g_free(vm->group);
    sova_cpuset_free(vm->affinity);
    g_free(vm);
}

SovaSimScenario *sova_sim_scenario_new(const char *path)
{
    SovaSimScenario *sc = g_new0(SovaSimScenario, 1);
    sc->path = g_strdup(path);
    sc->hosts = g_ptr_array_new_with_free_func(host_free);
    sc->host_index = g_hash_table_new(g_str_hash, g_str_equal);
    sc->vms = g_ptr_array_new_with_free_func(vm_free);
    sc->demands = g_ptr_array_new_with_free_func((GDestroyNotify)sova_demand_free);
    return sc;
}

void sova_sim_scenario_free(SovaSimScenario *sc)
{
    if (!sc)
        return;
    g_free(sc->path);
    g_free(sc->description);
    g_hash_table_unref(sc->host_index);
    g_ptr_array_unref(sc->vms);
    g_ptr_array_unref(sc->hosts);
    g_ptr_array_unref(sc->demands);
    g_free(sc);
}

SovaSimHostSpec *sova_sim_scenario_add_host(SovaSimScenario *sc, const char *name, guint n_pcpus)
{
    SovaSimHostSpec *h = g_new0(SovaSimHostSpec, 1);
    h->name = g_strdup(name);
    h->n_pcpus = n_pcpus;
    h->sockets = h->cells = h->threads_per_core = 1;
    h->smt_factor = 1;
    h->down_at = h->up_at = -1;
    h->nic.vf_counters = SOVA_SIM_VF_COUNTERS_YES;
    h->nic.vf_stats_period = 2;
    g_ptr_array_add(sc->hosts, h);
    g_hash_table_insert(sc->host_index, h->name, GUINT_TO_POINTER(sc->hosts->len));
    return h;
}

SovaSimVmSpec *sova_sim_scenario_add_vm(SovaSimScenario *sc, const char *name, guint n_vcpus,
                                        guint64 memory_kib, int line)
{
    SovaSimVmSpec *vm = g_new0(SovaSimVmSpec, 1);
    vm->name = g_strdup(name);
    vm->n_vcpus = n_vcpus;
    vm->memory_kib = memory_kib;
    vm->demand = g_new0(const SovaDemandSpec *, n_vcpus);
    vm->pin = g_new(int, n_vcpus);
    for (guint i = 0; i < n_vcpus; i++)
        vm->pin[i] = -1;
    vm->line = line;
    g_ptr_array_add(sc->vms, vm);
    return vm;
}

const SovaSimHostSpec *sova_sim_scenario_host(const SovaSimScenario *sc, guint i)
{
    return i < sc->hosts->len ? g_ptr_array_index(sc->hosts, i) : NULL;
}

void sova_sim_scenario_set_vf_counters(SovaSimScenario *sc, SovaSimVfCounters mode)
{
    for (guint i = 0; i < sc->hosts->len; i++)
        ((SovaSimHostSpec *)g_ptr_array_index(sc->hosts, i))->nic.vf_counters = mode;
}

const SovaSimVmSpec *sova_sim_scenario_vm(const SovaSimScenario *sc, guint i)
{
    return i < sc->vms->len ? g_ptr_array_index(sc->vms, i) : NULL;
}

int sova_sim_scenario_find_host(const SovaSimScenario *sc, const char *name)
{
    return (int)GPOINTER_TO_UINT(g_hash_table_lookup(sc->host_index, name)) - 1;
}

guint sova_sim_scenario_n_vcpus(const SovaSimScenario *sc)
{
    guint n = 0;
    for (guint i = 0; i < sc->vms->len; i++)
        n += sova_sim_scenario_vm(sc, i)->n_vcpus;
    return n;
}
