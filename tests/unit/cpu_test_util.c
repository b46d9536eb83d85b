/* cpu_test_util.c — hand-made hosts and the apply-and-remeasure loop for the cpu
 * policy tests; see cpu_test_util.h. */
#include "cpu_test_util.h"
#include <math.h>
#include <string.h>

SovaModel *cpu_test_host(guint n_pcpus)
{
    return sova_model_new(n_pcpus);
}

guint cpu_test_add_vm(SovaModel *m, const char *name, guint n, double demand, int pin)
{
    g_autofree char *uuid = g_strdup_printf("00000000-0000-0000-0000-%012u", m->vms->len);
    SovaVmLoad *vm = sova_model_add_vm(m, uuid, name, n);
    for (guint i = 0; i < n; i++) {
        SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + i);
        v->demand = demand;
        v->pinned = pin >= 0 ? pin : -1;
        v->pcpu = pin >= 0 ? pin : -pin - 1;
    }
    return m->vms->len - 1;
}

guint cpu_test_vcpu_of(const SovaModel *m, const char *name)
{
    for (guint i = 0; i < m->vms->len; i++)
        if (strcmp(sova_model_vm(m, i)->name, name) == 0)
            return sova_model_vm(m, i)->first_vcpu;
    g_assert_not_reached();
}

double cpu_test_load(const SovaModel *m, guint p)
{
    double load = sova_model_pcpu(m, p)->other;
    for (guint i = 0; i < m->vcpus->len; i++)
        if (sova_model_vcpu(m, i)->pcpu == (int)p)
            load += sova_model_vcpu(m, i)->demand;
    return load;
}

guint cpu_test_count_on(const SovaModel *m, guint p)
{
    guint n = 0;
    for (guint i = 0; i < m->vcpus->len; i++)
        n += sova_model_vcpu(m, i)->pcpu == (int)p;
    return n;
}

double cpu_test_load_stddev(const SovaModel *m)
{
    double sum = 0, sq = 0;
    guint n = 0;
    for (guint p = 0; p < m->n_pcpus; p++) {
        if (!sova_model_pcpu_usable(m, p))
            continue;
        double u = MIN(100.0, cpu_test_load(m, p));
        sum += u;
        sq += u * u;
        n++;
    }
    double mean = n ? sum / n : 0;
    return n ? sqrt(MAX(0.0, sq / n - mean * mean)) : 0;
}

/* shared vCPUs: their demand water-filled over the usable pCPUs' room left by the
 * pinned ones (all of it when it fits, else in proportion); util includes their part */
static void settle_shared(SovaModel *m)
{
    double want = 0, room = 0;
    for (guint i = 0; i < m->vcpus->len; i++)
        if (sova_model_vcpu(m, i)->shared)
            want += sova_model_vcpu(m, i)->demand;
    if (want <= 0)
        return;
    for (guint p = 0; p < m->n_pcpus; p++)
        if (sova_model_pcpu_usable(m, p))
            room += 100.0 - sova_model_pcpu(m, p)->util;
    double share = want > room ? room / want : 1.0, fill = MIN(want, room);
    for (guint i = 0; i < m->vcpus->len; i++) {
        SovaVcpuLoad *v = sova_model_vcpu(m, i);
        if (!v->shared)
            continue;
        v->usage = v->demand * share;
        v->delay = v->demand - v->usage;
    }
    /* lowest first: raise the least busy pCPUs to a common level */
    for (guint iter = 0; iter <= m->n_pcpus && fill > 1e-9; iter++) {
        double level = 100.0;
        for (guint p = 0; p < m->n_pcpus; p++)
            if (sova_model_pcpu_usable(m, p))
                level = MIN(level, sova_model_pcpu(m, p)->util);
        double next = 100.0;
        for (guint p = 0; p < m->n_pcpus; p++)
            if (sova_model_pcpu_usable(m, p) && sova_model_pcpu(m, p)->util > level + 1e-9)
                next = MIN(next, sova_model_pcpu(m, p)->util);
        guint at = 0;
        for (guint p = 0; p < m->n_pcpus; p++)
            at += sova_model_pcpu_usable(m, p) && fabs(sova_model_pcpu(m, p)->util - level) <= 1e-9;
        double step = MIN(next - level, fill / MAX(at, 1u));
        for (guint p = 0; p < m->n_pcpus; p++)
            if (sova_model_pcpu_usable(m, p) && fabs(sova_model_pcpu(m, p)->util - level) <= 1e-9) {
                sova_model_pcpu(m, p)->util += step;
                sova_model_pcpu(m, p)->vcpu_util += step;
            }
        fill -= step * at;
    }
}

void cpu_test_settle(SovaModel *m)
{
    g_autofree double *wanted = g_new0(double, m->n_pcpus);
    for (guint i = 0; i < m->vcpus->len; i++) {
        const SovaVcpuLoad *v = sova_model_vcpu(m, i);
        if (v->pcpu >= 0 && !v->shared)
            wanted[v->pcpu] += v->demand;
    }
    for (guint p = 0; p < m->n_pcpus; p++) {
        SovaPcpuLoad *pc = sova_model_pcpu(m, p);
        double room = MAX(0.0, 100.0 - pc->other);
        double share = wanted[p] > room ? room / wanted[p] : 1.0;
        pc->vcpu_util = 0;
        for (guint i = 0; i < m->vcpus->len; i++) {
            SovaVcpuLoad *v = sova_model_vcpu(m, i);
            if (v->pcpu != (int)p || v->shared)
                continue;
            v->usage = v->demand * share;
            v->delay = v->demand - v->usage;
            pc->vcpu_util += v->usage;
        }
        pc->util = MIN(100.0, pc->other + pc->vcpu_util);
    }
    settle_shared(m);
}

static SovaVcpuLoad *find_vcpu(SovaModel *m, const char *uuid, int index)
{
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        if (strcmp(vm->uuid, uuid) == 0 && index >= 0 && (guint)index < vm->n_vcpus)
            return sova_model_vcpu(m, vm->first_vcpu + index);
    }
    g_assert_not_reached();
}

guint cpu_test_apply(SovaModel *m, const SovaPlan *p)
{
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        g_assert_cmpint(a->kind, ==, SOVA_ACTION_PIN);
        SovaVcpuLoad *v = find_vcpu(m, a->uuid, a->vcpu);
        g_assert_cmpint(a->from_pcpu, ==, v->pcpu);
        sova_cpuset_free(v->set);
        v->set = a->to_set ? sova_cpuset_copy(a->to_set) : NULL;
        v->shared = FALSE;
        if (a->to_set) {
            v->shared = TRUE;   /* a set of every usable pCPU: the shared host */
            for (guint p = 0; p < m->n_pcpus; p++)
                if (sova_cpuset_has(a->to_set, p) != sova_model_pcpu_usable(m, p))
                    v->shared = FALSE;
            v->pinned = -1;   /* it keeps its pcpu: where it last ran */
        }
        else
            v->pinned = v->pcpu = a->to_pcpu;
    }
    cpu_test_settle(m);
    return sova_plan_len(p);
}

guint cpu_test_rounds(const SovaCpuPolicy *pol, gpointer state, const SovaCpuPolicyParams *params,
                      SovaModel *m, guint rounds)
{
    guint changes = 0;
    for (guint r = 0; r < rounds; r++) {
        g_autoptr(SovaPlan) p = pol->plan(m, params, state);
        changes += cpu_test_apply(m, p);
    }
    return changes;
}

const SovaAction *cpu_test_find(const SovaPlan *p, const char *vm, int vcpu)
{
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        if (strcmp(a->vm_name, vm) == 0 && a->vcpu == vcpu)
            return a;
    }
    return NULL;
}

char *cpu_test_describe(const SovaPlan *p)
{
    GString *s = g_string_new(p->reason);
    for (guint i = 0; i < sova_plan_len(p); i++) {
        g_autofree char *line = sova_action_describe(sova_plan_action(p, i));
        g_string_append_printf(s, "\n%s", line);
    }
    return g_string_free(s, FALSE);
}

SovaModel *cpu_test_random_host(guint n_pcpus, guint n_vcpus, double fill, guint32 seed)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(seed);
    SovaModel *m = cpu_test_host(n_pcpus);
    double mean_demand = fill * n_pcpus / n_vcpus;
    for (guint made = 0, k = 0; made < n_vcpus; k++) {
        guint n = MIN((guint)g_rand_int_range(rnd, 1, 9), n_vcpus - made);
        g_autofree char *name = g_strdup_printf("vm%05u", k);
        cpu_test_add_vm(m, name, n, 0, 0);
        for (guint i = 0; i < n; i++) {
            SovaVcpuLoad *v = sova_model_vcpu(m, made + i);
            /* skewed: most vCPUs light, some heavy, mean about mean_demand */
            double x = g_rand_double(rnd);
            v->demand = MIN(100.0, 2 * mean_demand * x * x * 1.5);
            v->pinned = v->pcpu = g_rand_int_range(rnd, 0, (gint32)n_pcpus);
        }
        made += n;
    }
    cpu_test_settle(m);
    return m;
}
