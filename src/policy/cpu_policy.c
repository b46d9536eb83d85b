/* cpu_policy.c — the registry of cpu policies, by name, and the planning call every
 * caller goes through (a stale placement is re-read before any policy plans on it). */
#include "policy/cpu_policy.h"
#include <string.h>

static const SovaPolicy *const policies[] = {
    &sova_cpu_policy_balance.head,
    &sova_cpu_policy_zigzag.head,
    &sova_cpu_policy_lpt.head,
};

static SovaRegistry registry = { "cpu", policies, G_N_ELEMENTS(policies), NULL };

const SovaCpuPolicy *sova_cpu_policy_find(const char *name)
{
    return (const SovaCpuPolicy *)sova_registry_find(&registry, name);
}

const char *sova_cpu_policy_list(void)
{
    return sova_registry_list(&registry);
}

/* Pins changed behind sova's back (virsh vcpupin, another tool, a reconnect that raced an
 * operator) show up as vCPUs pinned to a pCPU that ran more than the pCPU was busy.
 * Planning on that placement would be wrong: this interval plans nothing, and the
 * backend re-reads every pin before the next one. */
static SovaPlan *reread_plan(const SovaModel *m)
{
    const SovaPcpuLoad *p = sova_model_pcpu(m, (guint)m->stale_pcpu);
    SovaPlan *plan = sova_plan_new();
    plan->status = SOVA_PLAN_REREAD;
    sova_plan_set_reason(plan, "pCPU %u was %.0f%% busy but the vCPUs pinned to it ran %.0f%%: "
                         "pins changed outside sova; re-reading them before planning",
                         p->id, p->util, p->pinned_util);
    plan->spread_before = plan->spread_after = sova_model_util_stddev(m, NULL);
    return plan;
}

/* the VM of the plan's action a is marked leaving (the controller is migrating it) */
static gboolean leaving(const SovaModel *m, const SovaAction *a)
{
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        if (strcmp(vm->uuid, a->uuid) == 0)
            return vm->leaving;
    }
    return FALSE;
}

/* A VM the controller is migrating away is not pinned: a pin needs the domain's job, which
 * the migration holds (the call would wait for it), and the VM is about to go anyway; its
 * demand already counts on neither side (cpu_service.h). The destination's agent places it
 * when it has arrived and its mark is gone. Every policy's plan goes through this. */
static void drop_leaving(const SovaModel *m, SovaPlan *plan)
{
    for (guint i = sova_plan_len(plan); i-- > 0;)
        if (leaving(m, sova_plan_action(plan, i)))
            g_ptr_array_remove_index(plan->actions, i);
}

SovaPlan *sova_cpu_plan(const SovaCpuPolicy *policy, const SovaModel *m,
                        const SovaCpuPolicyParams *params, gpointer state)
{
    if (m->stale_pcpu >= 0 && m->placement_cached)
        return reread_plan(m);
    SovaPlan *plan = policy->plan(m, params, state);
    drop_leaving(m, plan);
    return plan;
}
