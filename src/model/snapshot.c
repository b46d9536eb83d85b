/* snapshot.c — construction and lookup for SovaSnapshot; see snapshot.h. */
#include "model/snapshot.h"
#include <string.h>

static void vcpu_clear(gpointer p)
{
    SovaVcpuSample *v = p;
    g_clear_pointer(&v->affinity, sova_cpuset_free);
}

static void nic_clear(gpointer p)
{
    SovaNicSample *n = p;
    g_clear_pointer(&n->alias, g_free);
    g_clear_pointer(&n->target_dev, g_free);
}

static void vm_free(gpointer p)
{
    SovaVmSample *vm = p;
    g_free(vm->name);
    g_free(vm->group);
    g_free(vm->together);
    g_strfreev(vm->hosts);
    g_array_unref(vm->vcpus);
    g_array_unref(vm->nics);
    g_free(vm);
}

SovaSnapshot *sova_snapshot_new(guint n_pcpus)
{
    SovaSnapshot *s = g_new0(SovaSnapshot, 1);
    s->n_pcpus = n_pcpus;
    s->pcpus = g_array_sized_new(FALSE, TRUE, sizeof(SovaPcpuSample), n_pcpus);
    g_array_set_size(s->pcpus, n_pcpus);
    for (guint i = 0; i < n_pcpus; i++) {
        SovaPcpuSample *p = sova_snapshot_pcpu(s, i);
        p->id = i;
        p->online = TRUE;
        p->socket = p->core = p->cell = -1;
    }
    s->vms = g_ptr_array_new_with_free_func(vm_free);
    return s;
}

void sova_snapshot_free(SovaSnapshot *s)
{
    if (!s)
        return;
    g_free(s->host);
    g_array_unref(s->pcpus);
    g_ptr_array_unref(s->vms);
    g_free(s);
}

SovaVmSample *sova_snapshot_add_vm(SovaSnapshot *s, const char *uuid, const char *name,
                                   guint n_vcpus)
{
    SovaVmSample *vm = g_new0(SovaVmSample, 1);
    g_strlcpy(vm->uuid, uuid, sizeof vm->uuid);
    vm->name = g_strdup(name);
    vm->state = SOVA_VM_RUNNING;
    vm->vcpus = g_array_sized_new(FALSE, TRUE, sizeof(SovaVcpuSample), n_vcpus);
    g_array_set_clear_func(vm->vcpus, vcpu_clear);
    g_array_set_size(vm->vcpus, n_vcpus);
    for (guint i = 0; i < n_vcpus; i++)
        sova_vm_vcpu(vm, i)->pcpu = -1;
    vm->nics = g_array_new(FALSE, TRUE, sizeof(SovaNicSample));
    g_array_set_clear_func(vm->nics, nic_clear);
    g_ptr_array_add(s->vms, vm);
    return vm;
}

SovaVmSample *sova_snapshot_find_vm(const SovaSnapshot *s, const char *uuid)
{
    for (guint i = 0; i < s->vms->len; i++) {
        SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if (strcmp(vm->uuid, uuid) == 0)
            return vm;
    }
    return NULL;
}

SovaVcpuSample *sova_vm_vcpu(const SovaVmSample *vm, guint i)
{
    return &g_array_index(vm->vcpus, SovaVcpuSample, i);
}

gboolean sova_vm_named(const SovaVmSample *vm, const char *want)
{
    return strcmp(want, vm->name) == 0 || g_ascii_strcasecmp(want, vm->uuid) == 0;
}

gboolean sova_vm_listed(const SovaVmSample *vm, const char *const *list)
{
    for (guint i = 0; list && list[i]; i++)
        if (sova_vm_named(vm, list[i]))
            return TRUE;
    return FALSE;
}

SovaPcpuSample *sova_snapshot_pcpu(const SovaSnapshot *s, guint id)
{
    return &g_array_index(s->pcpus, SovaPcpuSample, id);
}

SovaNicSample *sova_vm_add_nic(SovaVmSample *vm, const char *alias, const char *mac,
                               const char *target_dev, SovaNicRole role)
{
    SovaNicSample n = {0};
    n.alias = g_strdup(alias);
    g_strlcpy(n.mac, mac ? mac : "", sizeof n.mac);
    n.target_dev = g_strdup(target_dev);
    n.role = role;
    g_array_append_val(vm->nics, n);
    return sova_vm_nic(vm, vm->nics->len - 1);
}

SovaNicSample *sova_vm_nic(const SovaVmSample *vm, guint i)
{
    return &g_array_index(vm->nics, SovaNicSample, i);
}

const char *sova_nic_role_name(SovaNicRole role)
{
    switch (role) {
    case SOVA_NIC_STANDBY: return "standby";
    case SOVA_NIC_VF: return "vf";
    case SOVA_NIC_OTHER: return "other";
    }
    return "?";
}

SovaCpuSet *sova_snapshot_usable_pcpus(const SovaSnapshot *s, const SovaCpuSet *reserved)
{
    SovaCpuSet *set = sova_cpuset_new(s->n_pcpus);
    for (guint i = 0; i < s->n_pcpus; i++)
        if (sova_snapshot_pcpu(s, i)->online && !sova_cpuset_has(reserved, i))
            sova_cpuset_add(set, i);
    return set;
}
