/* release.c — the hand-back run; see release.h. */
#include "daemon/release.h"
#include "daemon/executor.h"

/* VMs the plan detaches a VF from that still hold one in `s` */
static guint vfs_left(const SovaPlan *plan, const SovaSnapshot *s)
{
    guint n = 0;
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        const SovaVmSample *vm = a->kind == SOVA_ACTION_DETACH_VF
                                     ? sova_snapshot_find_vm(s, a->uuid) : NULL;
        for (guint k = 0; vm && k < vm->nics->len; k++)
            if (sova_vm_nic(vm, k)->role == SOVA_NIC_VF) {
                n++;
                break;
            }
    }
    return n;
}

/* samples until no detached VF is left or the timeout passed; returns how many are left */
static guint wait_detaches(SovaBackend *be, const SovaPlan *plan, double timeout)
{
    guint left = 0;
    for (double waited = 0; waited <= timeout; waited += 0.2) {
        g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
        left = s ? vfs_left(plan, s) : left;
        if (s && !left)
            return 0;
        sova_backend_wait(be, 0.2, NULL);
    }
    return left;
}

gboolean sova_release_run(SovaBackend *be, const SovaReleaseOptions *o, SovaReleaseOutcome *out,
                          GError **error)
{
    *out = (SovaReleaseOutcome){ 0 };
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, error);
    if (!s)
        return FALSE;
    out->plan = sova_release_plan(s, &o->params, error);
    if (!out->plan)
        return FALSE;
    SovaExecOptions eo = { .dry_run = o->dry_run };
    out->results = sova_execute(be, out->plan, &eo);
    gboolean detached = FALSE;
    for (guint i = 0; i < sova_plan_results_len(out->results); i++) {
        const SovaActionResult *r = sova_plan_result(out->results, i);
        detached |= r->outcome == SOVA_ACTION_DONE && r->action->kind == SOVA_ACTION_DETACH_VF;
    }
    if (detached)
        out->vfs_left = wait_detaches(be, out->plan,
                                      o->detach_timeout > 0 ? o->detach_timeout : 10);
    return TRUE;
}

void sova_release_outcome_clear(SovaReleaseOutcome *out)
{
    g_clear_pointer(&out->plan, sova_plan_free);
    g_clear_pointer(&out->results, sova_plan_results_free);
}
