/* release.c — the hand-back plan; see release.h. */
#include "policy/release.h"
#include "util/error.h"

static void release_vm(SovaPlan *plan, const SovaVmSample *vm, const SovaCpuSet *all)
{
    g_autofree char *where = sova_cpuset_format(all);
    for (guint i = 0; !vm->cpu_manual && i < vm->vcpus->len; i++) {
        const SovaVcpuSample *v = sova_vm_vcpu(vm, i);
        if (v->affinity && sova_cpuset_equal(v->affinity, all))
            continue;
        sova_plan_add_share(plan, vm->uuid, vm->name, (int)i,
                            v->affinity ? sova_cpuset_only(v->affinity) : -1, all,
                            "hand-back: every usable pCPU (%s), the kernel's scheduler decides",
                            where);
    }
    for (guint i = 0; i < vm->nics->len; i++)
        if (sova_vm_nic(vm, i)->role == SOVA_NIC_VF) {
            sova_plan_add_vf(plan, SOVA_ACTION_DETACH_VF, vm->uuid, vm->name,
                             "hand-back: sova's VF; the standby NIC carries the traffic");
            break;   /* one request takes back sova's VF */
        }
    if (vm->has_meta)
        sova_plan_add_clear_meta(plan, vm->uuid, vm->name, "hand-back: sova's metadata");
}

SovaPlan *sova_release_plan(const SovaSnapshot *s, const SovaReleaseParams *p, GError **error)
{
    g_autoptr(SovaPlan) plan = sova_plan_new();
    g_autoptr(SovaCpuSet) all = sova_snapshot_usable_pcpus(s, p->reserved);
    guint n = 0;
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if ((p->vm && !sova_vm_named(vm, p->vm)) || vm->state == SOVA_VM_OTHER ||
            sova_vm_listed(vm, p->exclude))
            continue;
        release_vm(plan, vm, all);
        n++;
    }
    if (p->vm && !n) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID,
                    "no running VM named %s that sova manages on this host", p->vm);
        return NULL;
    }
    sova_plan_set_reason(plan, "hand-back of %u VM(s): %u action(s)", n, sova_plan_len(plan));
    return g_steal_pointer(&plan);
}
