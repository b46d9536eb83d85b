/* vm_churn.c — a VM came to or left a host between two snapshots; see vm_churn.h. */
#include "model/vm_churn.h"

gboolean sova_vms_changed(const SovaSnapshot *prev, const SovaSnapshot *cur, const SovaModel *m)
{
    for (guint i = 0; i < m->vcpus->len; i++)
        if (sova_model_vcpu(m, i)->fresh)
            return TRUE;
    g_autoptr(GHashTable) now = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < cur->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(cur->vms, i);
        if (vm->state != SOVA_VM_OTHER)
            g_hash_table_add(now, (gpointer)vm->uuid);
    }
    for (guint i = 0; i < prev->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(prev->vms, i);
        if (vm->state != SOVA_VM_OTHER && !g_hash_table_contains(now, vm->uuid))
            return TRUE;
    }
    return FALSE;
}
