/* cpu_takeover.c — the take-over release of stacked vCPUs; see cpu_takeover.h. */
#include "policy/cpu_takeover.h"
#include "model/model.h"
#include <string.h>

static gboolean subset(const SovaCpuSet *a, const SovaCpuSet *b)
{
    for (guint p = 0; p < a->n; p++)
        if (sova_cpuset_has(a, p) && !sova_cpuset_has(b, p))
            return FALSE;
    return TRUE;
}

/* the VM's vCPUs may be released: sova manages it, it runs, nobody migrates it, and its pins
 * are not sova's own (no CPU summary of a sova agent on it) */
static gboolean releasable(const SovaVmSample *vm, const SovaCpuTakeoverParams *p)
{
    return sova_model_manages(vm, p->exclude) && vm->state == SOVA_VM_RUNNING && !vm->leaving &&
           !vm->cpu_summary.has;
}

/* the distinct affinities of the vCPUs that may run (NULL: unknown, anywhere), each with how
 * many vCPUs have it; *idle gets the usable pCPUs none of them may run on */
typedef struct {
    GPtrArray *sets;          /* SovaCpuSet*, distinct */
    GArray *count;            /* guint, vCPUs with sets[i] */
} Affinities;

static void affinities_add(Affinities *af, const SovaCpuSet *set)
{
    for (guint i = 0; i < af->sets->len; i++)
        if (sova_cpuset_equal(g_ptr_array_index(af->sets, i), set)) {
            g_array_index(af->count, guint, i)++;
            return;
        }
    guint one = 1;
    g_ptr_array_add(af->sets, sova_cpuset_copy(set));
    g_array_append_val(af->count, one);
}

static void affinities_read(const SovaSnapshot *s, Affinities *af, SovaCpuSet *idle)
{
    af->sets = g_ptr_array_new_with_free_func((GDestroyNotify)sova_cpuset_free);
    af->count = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if (vm->state == SOVA_VM_OTHER)
            continue;
        for (guint k = 0; k < vm->vcpus->len; k++) {
            const SovaCpuSet *a = sova_vm_vcpu(vm, k)->affinity;
            for (guint p = 0; p < idle->n; p++)
                if (!a || sova_cpuset_has(a, p))
                    sova_cpuset_remove(idle, p);
            if (a)
                affinities_add(af, a);
        }
    }
}

/* how many vCPUs are confined to `a` (their affinity is within it) */
static guint crowd(const Affinities *af, const SovaCpuSet *a)
{
    guint n = 0;
    for (guint i = 0; i < af->sets->len; i++)
        if (subset(g_ptr_array_index(af->sets, i), a))
            n += g_array_index(af->count, guint, i);
    return n;
}

/* `a` is a proper part of the usable pCPUs holding more vCPUs than it has pCPUs */
static gboolean stacked(const Affinities *af, const SovaCpuSet *a, const SovaCpuSet *all)
{
    guint n = a ? sova_cpuset_count(a) : 0;
    return n && subset(a, all) && n < sova_cpuset_count(all) && crowd(af, a) > n;
}

/* the VM's stacked vCPUs shared over `all` */
static void release_vm(SovaPlan *plan, const SovaVmSample *vm, const Affinities *af,
                       const SovaCpuSet *all, const char *idle_text, const char *all_text)
{
    for (guint k = 0; k < vm->vcpus->len; k++) {
        const SovaCpuSet *a = sova_vm_vcpu(vm, k)->affinity;
        if (!stacked(af, a, all))
            continue;
        g_autofree char *where = sova_cpuset_format(a);
        sova_plan_add_share(plan, vm->uuid, vm->name, (int)k, sova_cpuset_only(a), all,
                            "take-over: %u vCPUs confined to pCPUs %s beside idle pCPUs %s: "
                            "shared over %s, the kernel's scheduler decides until measured",
                            crowd(af, a), where, idle_text, all_text);
    }
}

/* every vCPU of the VM is shared over `all`, or is to be (a share action of the plan) */
static gboolean vm_shared_after(const SovaVmSample *vm, const SovaCpuSet *all, const SovaPlan *plan)
{
    for (guint k = 0; k < vm->vcpus->len; k++) {
        const SovaCpuSet *a = sova_vm_vcpu(vm, k)->affinity;
        gboolean shared = a && sova_cpuset_equal(a, all);
        for (guint i = 0; !shared && i < sova_plan_len(plan); i++) {
            const SovaAction *x = sova_plan_action(plan, i);
            shared = strcmp(x->uuid, vm->uuid) == 0 && x->vcpu == (int)k;
        }
        if (!shared)
            return FALSE;
    }
    return TRUE;
}

/* after the plan, every vCPU sova manages is shared over `all`, and by sova: the plan shares
 * some, or every VM carries sova's summary (an agent before this one shared the host) */
static gboolean shared_by_sova(const SovaSnapshot *s, const SovaCpuTakeoverParams *p,
                               const SovaCpuSet *all, const SovaPlan *plan)
{
    guint n = 0, marked = 0;
    for (guint i = 0; i < s->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
        if (!sova_model_manages(vm, p->exclude) || !vm->vcpus->len)
            continue;
        if (!vm_shared_after(vm, all, plan))
            return FALSE;
        n++;
        marked += vm->cpu_summary.has;
    }
    return n && sova_cpuset_count(all) > 1 && (sova_plan_len(plan) || marked == n);
}

SovaPlan *sova_cpu_takeover_plan(const SovaSnapshot *s, const SovaCpuTakeoverParams *p,
                                 gboolean *shared)
{
    SovaPlan *plan = sova_plan_new();
    g_autoptr(SovaCpuSet) all = sova_snapshot_usable_pcpus(s, p->reserved);
    g_autoptr(SovaCpuSet) idle = sova_cpuset_copy(all);
    Affinities af;
    affinities_read(s, &af, idle);
    if (sova_cpuset_count(idle)) {
        g_autofree char *idle_text = sova_cpuset_format(idle);
        g_autofree char *all_text = sova_cpuset_format(all);
        for (guint i = 0; i < s->vms->len; i++) {
            const SovaVmSample *vm = g_ptr_array_index(s->vms, i);
            if (releasable(vm, p))
                release_vm(plan, vm, &af, all, idle_text, all_text);
        }
        if (sova_plan_len(plan))
            sova_plan_set_reason(plan, "take-over: %u stacked vCPU(s) while pCPUs %s run none: "
                                 "the kernel's scheduler shares them until measured",
                                 sova_plan_len(plan), idle_text);
    }
    if (!sova_plan_len(plan))
        sova_plan_set_reason(plan, "take-over: no vCPUs stacked beside an idle pCPU");
    if (shared)
        *shared = shared_by_sova(s, p, all, plan);
    g_ptr_array_unref(af.sets);
    g_array_unref(af.count);
    return plan;
}
