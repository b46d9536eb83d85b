/* cpu_reasons.c — the actions of the `balance` policy and the words for them: a moved
 * vCPU's reason names the pCPU it left (its load, the mean then) and where it went; a
 * loose vCPU's says why it was not managed; the plan's reason gives the measured and the
 * predicted spread, or why nothing moves. The limit shown is the target widened by the
 * learnt noise, when there is any. See cpu_reasons.h. */
#include "policy/cpu_reasons.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_share.h"
#include <math.h>

/* "5.0", or "7.1 (target 5.0, noise 5.1)" when noise widens it */
static char *describe_limit(double limit, double target, double noise)
{
    if (noise < 0.05)
        return g_strdup_printf("%.1f", target);
    return g_strdup_printf("%.1f (target %.1f, noise %.1f)", limit, target, noise);
}

/* why no managed vCPU moves, or NULL when the plan stands */
char *cpu_reasons_judge(double measured, double before, double after, double noise,
                        const SovaCpuPolicyParams *params, gboolean looked)
{
    double limit = hypot(params->target_stddev, noise);   /* a balanced host still shows noise */
    g_autofree char *lim = describe_limit(limit, params->target_stddev, noise);
    double gain = before - after;
    gboolean clear = before > params->target_stddev && gain >= params->min_gain + noise
                     && gain >= 2 * noise;   /* well above the noise: the widened limit yields */
    if (!looked || (measured <= limit && before <= limit && !clear))
        return g_strdup_printf("balanced: stddev %.1f <= %s", measured, lim);
    if (clear)
        return NULL;
    if (before <= limit)
        return g_strdup_printf("balanced: predicted stddev %.1f <= %s (measured %.1f)",
                               before, lim, measured);
    if (before - after < params->min_gain + noise)
        return g_strdup_printf("no plan improves stddev %.1f by >= %.1f", before,
                               params->min_gain + noise);
    return NULL;
}

/* appends the pins that change something; returns how many are moves of managed vCPUs */
static guint emit(const Balancer *b, SovaPlan *plan)
{
    guint moved = 0;
    const SovaModel *m = b->m;
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        const Note *n = &b->notes[v];
        int to = b->to[v];
        if (b->waits[v] || !sova_cpu_pin_changes(vc, to))
            continue;
        if (b->loose[v]) {
            g_autofree char *why = sova_cpu_unmanaged_why(m, vc);
            if (to == vc->pcpu)
                sova_cpu_plan_pin(plan, m, v, to, "%s: bring under management", why);
            else
                sova_cpu_plan_pin(plan, m, v, to, "%s: bring under management on pCPU %d (%.0f%%)",
                                  why, to, MIN(100.0, b->load[to]));
        } else if (n->kind == NOTE_SMT) {
            sova_cpu_plan_pin(plan, m, v, to, "pCPU %u (%.0f%%) shares its core with a busy "
                              "thread: swap to pCPU %d (%.0f%%) on a core with room",
                              n->src, n->src_load, to, n->dst_load);
            moved++;
        } else {
            sova_cpu_plan_pin(plan, m, v, to,
                              "pCPU %u at %.0f%% vs mean %.0f%%: %s to pCPU %d (%.0f%%)",
                              n->src, n->src_load, n->mean, n->kind == NOTE_SWAP ? "swap" : "move",
                              to, n->dst_load);
            moved++;
        }
    }
    return moved;
}

/* its affinity is the group already (a shared vCPU: every usable pCPU) */
static gboolean in_group(const Balancer *b, const SovaVcpuLoad *vc, const SovaCpuSet *group)
{
    if (vc->set)
        return sova_cpuset_equal(vc->set, group);
    if (!vc->shared)
        return FALSE;
    g_autoptr(SovaCpuSet) all = sova_cpu_share_set(b->m);
    return sova_cpuset_equal(all, group);
}

/* a member of the group: placed on one of its pCPUs, or already in it (or in the frozen
 * group it grows from) */
static gboolean member(const Balancer *b, guint v, const SovaCpuSet *group)
{
    const SovaVcpuLoad *vc = sova_model_vcpu(b->m, v);
    if (in_group(b, vc, group) || (vc->set && sova_cpuset_equal(vc->set, b->frozen)))
        return TRUE;
    if (b->frozen && vc->pinned >= 0 && sova_cpuset_has(b->frozen, (guint)vc->pinned))
        return TRUE;
    return b->to[v] >= 0 && sova_cpuset_has(group, (guint)b->to[v]);
}

/* shares the group's members not in it yet and pins the others as b places them (those
 * that wait for a rate stay as they are); returns how many are members */
static guint emit_share(const Balancer *b, SovaPlan *plan, const SovaCpuSet *group,
                        const char *why)
{
    const SovaModel *m = b->m;
    g_autofree char *what = sova_cpuset_format(group);
    guint members = 0;
    for (guint v = 0; v < b->n_vcpus; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        if (b->waits[v] && !member(b, v, group))
            continue;
        if (!member(b, v, group)) {
            if (sova_cpu_pin_changes(vc, b->to[v]))
                sova_cpu_plan_pin(plan, m, v, b->to[v], "%s: pinned beside the shared pCPUs %s",
                                  why, what);
            continue;
        }
        members++;
        if (!in_group(b, vc, group))
            sova_cpu_plan_share(plan, m, v, group, "%s: share pCPUs %s", why, what);
    }
    return members;
}

void cpu_reasons_share(const Balancer *b, SovaPlan *plan, const SovaCpuSet *group, double loss,
                       double margin, int unfair_vm, double worst)
{
    g_autofree char *why = NULL, *text = NULL;
    g_autoptr(SovaCpuSet) all = sova_cpu_share_set(b->m);
    gboolean host = !group || sova_cpuset_equal(group, all);
    if (unfair_vm >= 0) {
        const char *name = sova_model_vm(b->m, (guint)unfair_vm)->name;
        why = g_strdup_printf("pins would give %s %.2fx its share under the kernel's scheduler",
                              name, worst);
        text = g_strdup(why);
    } else {
        why = g_strdup_printf("pins would lose %.0f%% of a pCPU", loss);
        text = g_strdup_printf("pins would lose %.1f%% of a pCPU (margin %.1f)", loss, margin);
    }
    guint members = emit_share(b, plan, host ? all : group, why);
    g_autofree char *what = sova_cpuset_format(group ? group : all);
    if (host)
        sova_plan_set_reason(plan, "%s: %s", text,
                             sova_plan_len(plan) ? "share every usable pCPU" : "stay shared");
    else
        sova_plan_set_reason(plan, "%s: %u vCPUs share pCPUs %s, the others stay pinned", text,
                             members, what);
}

guint cpu_reasons_pins(const Balancer *b, SovaPlan *plan, const char *why, double measured,
                       double limit, double before, double after)
{
    guint moved = emit(b, plan), loose = sova_plan_len(plan) - moved;
    g_autofree char *text = why ? g_strdup(why)
                                : g_strdup_printf("stddev %.1f > %.1f: %u vCPUs move, predicted "
                                                  "load stddev %.1f -> %.1f",
                                                  measured, limit, moved, before, after);
    guint smt = 0;
    for (guint v = 0; v < b->n_vcpus; v++)
        smt += b->notes[v].kind == NOTE_SMT && !b->loose[v]
               && sova_cpu_pin_changes(sova_model_vcpu(b->m, v), b->to[v]);
    g_autofree char *cores = smt ? g_strdup_printf("; %u vCPUs swapped onto cores with room", smt)
                                 : g_strdup("");
    if (loose)
        sova_plan_set_reason(plan, "%s%s; %u unmanaged vCPUs brought under management", text,
                             cores, loose);
    else
        sova_plan_set_reason(plan, "%s%s", text, cores);
    return moved;
}
