/* cluster_sova_reasons.c — what the `sova` cluster policy says: the reason of each
 * migration (evacuation, a VF, or its source's hottest resource; then the unmet demand it
 * serves, the imbalance before -> after and the cost), and the plan's reason (its
 * trigger: the demand hosts cannot serve, hot hosts, evacuees, VF demand; then what came
 * of it: migrations, waiting for the caps, no room, no move that pays),
 * so that the controller's log and `sova sim-cluster --log` tell why a VM moved, and why
 * none did. */
#include "policy/cluster_sova.h"

char *cs_move_reason(const Sova *S, const Move *m, double imb)
{
    const ClPlanner *P = &S->P;
    int a = P->host_of[m->v];
    const char *src = sova_cluster_host(P->c, a)->name;
    const char *dst = sova_cluster_host(P->c, m->b)->name;
    g_autofree char *why = NULL;
    if (m->kind == MOVE_EVACUATE) {
        why = g_strdup_printf("evacuating %s (%s)", src, cl_leave_cause(P, m->v));
    } else if (m->takes_vf) {
        why = sova_cluster_vm(P->c, m->v)->unmet_vf
                  ? g_strdup_printf("wants a VF, %s has none free, %s has %u", src, dst,
                                    cl_vf_free(P, m->b))
                  : g_strdup_printf("wants a VF, NIC of %s at %.2f, %s has %u free VF", src,
                                    cl_load(P, a, SOVA_RES_NET), dst, cl_vf_free(P, m->b));
    } else {
        SovaResource r = cl_hottest_resource(P, a);
        why = g_strdup_printf("host %s %s %.2f vs mean %.2f", src, cl_resource_name(r),
                              cl_load(P, a, r), cl_mean(P, r));
    }
    return g_strdup_printf("%s; serves %.3f of a host's unmet demand; imbalance %.3f -> %.3f; "
                           "cost %.1f s", why, m->relief, imb, m->after, m->cost_s);
}

/* the trigger, in words */
static char *describe(const Sova *S, double imb, guint n_evac)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "unmet demand %.3f of a host %s %.3f (largest deviation %.3f)",
                           S->unmet0, S->unmet0 >= MIN_RELIEF ? ">=" : "<", MIN_RELIEF, imb);
    if (S->sigma > 0)
        g_string_append_printf(s, ", load noise %.3f", S->sigma);
    if (S->n_trends)
        g_string_append_printf(s, ", %u steady demand trend(s): unmet demand by %.0f s "
                               "ahead counted", S->n_trends, S->horizon);
    if (S->hot->len)
        g_string_append_printf(s, ", %u host(s) above %.2f for %u samples (%s ...)",
                               S->hot->len, S->p->high_water, S->p->high_water_samples,
                               sova_cluster_host(S->P.c, g_array_index(S->hot, guint, 0))->name);
    if (n_evac)
        g_string_append_printf(s, ", %u VM(s) to evacuate", n_evac);
    if (S->vf_vms->len)
        g_string_append_printf(s, ", %u VM(s) with VF demand", S->vf_vms->len);
    return g_string_free(s, FALSE);
}

void cs_set_reason(const Sova *S, SovaPlan *plan, double imb, guint n_evac,
                       gboolean balancing)
{
    g_autofree char *trigger = describe(S, imb, n_evac);
    const ClPlanner *P = &S->P;
    if (sova_plan_len(plan)) {
        sova_plan_set_reason(plan, "%s: %u migration(s), unmet demand -> %.3f, imbalance %.3f "
                             "-> %.3f%s", trigger, sova_plan_len(plan), cs_unmet_total(S), imb,
                             cl_imbalance_max(P),
                             S->evac_stuck ? "; some evacuees have no host with room" : "");
    } else if (!balancing && !n_evac && !S->vf_vms->len) {
        sova_plan_set_reason(plan, "%s: %s", trigger,
                             S->unmet0 >= MIN_RELIEF ? "first sample of it, waiting for a second"
                                                     : "nothing to do");
    } else if (cl_caps_full(P) || S->evac_waiting) {
        sova_plan_set_reason(plan, "%s: waiting, %u migration(s) in flight (caps %u per host, "
                             "%u total)", trigger, P->total_inflight, S->p->max_per_host,
                             S->p->max_total);
    } else if (S->evac_stuck) {
        sova_plan_set_reason(plan, "%s: %u evacuee(s) have no host with room", trigger,
                             S->evac_stuck);
    } else {
        sova_plan_set_reason(plan, "%s: no move serves more than it costs%s", trigger,
                             S->rejected_cost ? " (some VMs would not converge)" : "");
    }
}
