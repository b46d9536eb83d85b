/* vm_churn.c — a VM came to or left a host between two snapshots; see vm_churn.h. */
#include "model/vm_churn.h"

/* the UUIDs of the VMs of snap that are not off */
static GHashTable *live_vms(const SovaSnapshot *snap)
{
    GHashTable *now = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < snap->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(snap->vms, i);
        if (vm->state != SOVA_VM_OTHER)
            g_hash_table_add(now, (gpointer)vm->uuid);
    }
    return now;
}

gboolean sova_vms_changed(const SovaSnapshot *prev, const SovaSnapshot *cur, const SovaModel *m)
{
    for (guint i = 0; i < m->vcpus->len; i++)
        if (sova_model_vcpu(m, i)->fresh)
            return TRUE;
    g_autoptr(GHashTable) now = live_vms(cur);
    for (guint i = 0; i < prev->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(prev->vms, i);
        if (vm->state != SOVA_VM_OTHER && !g_hash_table_contains(now, vm->uuid))
            return TRUE;
    }
    return FALSE;
}

double sova_vms_left_cpu(const SovaSnapshot *prev, const SovaSnapshot *cur,
                         double (*used)(const char *uuid, gpointer data), gpointer data)
{
    g_autoptr(GHashTable) now = live_vms(cur);
    double sum = 0;
    for (guint i = 0; i < prev->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(prev->vms, i);
        if (vm->state != SOVA_VM_OTHER && !g_hash_table_contains(now, vm->uuid))
            sum += MAX(0.0, used(vm->uuid, data));
    }
    return sum;
}
