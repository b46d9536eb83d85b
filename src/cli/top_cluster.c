/* top_cluster.c — the frames of `sova top --host URI …`, from the controller's interval
 * records (dry run): the imbalance, each host's load per resource as bars, the VMs whose
 * CPU demand goes most unmet (demand and unmet part, from their agent's summary or the
 * controller's estimate), the migrations in flight, and the next planned moves with their
 * reasons. */
#include "cli/top.h"

static void bar(GString *out, const SovaCluster *c, guint h, SovaResource r)
{
    const SovaClusterHost *host = sova_cluster_host(c, h);
    if (!host->up || sova_cluster_host_capacity(host, r) <= 0) {
        g_string_append(out, "      -        ");
        return;
    }
    double load = sova_cluster_host_load(c, h, r);
    guint n = (guint)(CLAMP(load, 0, 1) * 8 + 0.5);
    g_string_append_c(out, '[');
    for (guint i = 0; i < 8; i++)
        g_string_append_c(out, i < n ? '#' : '.');
    g_string_append_printf(out, "]%4.0f%%", load * 100);
}

static const char *state(const SovaClusterHost *h)
{
    return !h->up ? "down" : h->maintenance ? "maint" : h->excluded ? "excluded" : "up";
}

static void hosts(GString *out, const SovaCluster *c)
{
    g_string_append(out,
                    "host             state    cpu             memory          network          "
                    "VMs\n");
    for (guint i = 0; i < c->hosts->len; i++) {
        const SovaClusterHost *h = sova_cluster_host(c, i);
        guint vms = 0;
        for (guint v = 0; v < c->vms->len; v++)
            vms += sova_cluster_vm(c, v)->host == (int)i;
        g_string_append_printf(out, "%-16.16s %-8s ", h->name, state(h));
        for (SovaResource r = 0; r < SOVA_RES_N; r++) {
            bar(out, c, i, r);
            g_string_append_c(out, ' ');
        }
        g_string_append_printf(out, "%3u\n", vms);
    }
}

static void in_flight(GString *out, const SovaCluster *c)
{
    guint n = 0;
    g_string_append(out, "\nmigrations in flight:\n");
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if (!v->migrating)
            continue;
        n++;
        g_string_append_printf(out, "  %s: %s -> %s\n", v->name,
                               v->from_host >= 0 ? sova_cluster_host(c, v->from_host)->name : "?",
                               v->host >= 0 ? sova_cluster_host(c, v->host)->name : "?");
    }
    if (!n)
        g_string_append(out, "  (none)\n");
}

#define TOP_UNMET 8     /* VMs listed by unmet CPU */

/* the VMs whose CPU demand goes most unmet, with where the figures come from */
static void unmet_vms(GString *out, const SovaCluster *c)
{
    guint shown[TOP_UNMET], n = 0, agents = 0;
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        agents += v->cpu_from_agent;
        if (v->cpu_unmet < 0.005)
            continue;
        guint k = n < TOP_UNMET ? n++ : TOP_UNMET;   /* insertion into the top list */
        while (k > 0 && sova_cluster_vm(c, shown[k - 1])->cpu_unmet < v->cpu_unmet) {
            if (k < TOP_UNMET)
                shown[k] = shown[k - 1];
            k--;
        }
        if (k < TOP_UNMET)
            shown[k] = i;
    }
    g_string_append_printf(out, "\nunmet CPU (pCPUs; %u of %u VMs from their agents' summaries, "
                           "the rest the controller's estimate):\n", agents, c->vms->len);
    for (guint j = 0; j < n; j++) {
        const SovaClusterVm *v = sova_cluster_vm(c, shown[j]);
        g_string_append_printf(out, "  %-20.20s on %-16.16s demand %5.2f unmet %5.2f (%s)\n",
                               v->name, v->host >= 0 ? sova_cluster_host(c, v->host)->name : "?",
                               v->cpu, v->cpu_unmet, sova_cluster_vm_cpu_source(v));
    }
    if (!n)
        g_string_append(out, "  (none)\n");
}

static void next(GString *out, const SovaControllerInterval *iv, const char *policy)
{
    const SovaPlan *p = iv->plan;
    g_string_append_printf(out, "\nnext (policy %s%s): %s\n", policy,
                           p->status == SOVA_PLAN_UNCONFIRMED
                               ? ", to be confirmed by the next sample" : "",
                           p->reason && *p->reason ? p->reason : "nothing to do");
    for (guint i = 0; i < sova_plan_len(p) && i < 8; i++) {
        g_autofree char *what = sova_action_describe(sova_plan_action(p, i));
        g_string_append_printf(out, "  would %s\n", what);
    }
}

void sova_top_cluster_frame(GString *out, const SovaControllerInterval *iv, const char *policy,
                            const char *clock)
{
    const SovaCluster *c = iv->cluster;
    g_string_append_printf(out, "sova top - cluster of %u hosts, %u VMs - %s\n", c->hosts->len,
                           c->vms->len, clock);
    g_string_append_printf(out, "imbalance %.3f (cpu %.3f, memory %.3f, network %.3f)\n\n",
                           sova_cluster_imbalance(c), sova_cluster_imbalance_of(c, SOVA_RES_CPU),
                           sova_cluster_imbalance_of(c, SOVA_RES_MEM),
                           sova_cluster_imbalance_of(c, SOVA_RES_NET));
    hosts(out, c);
    unmet_vms(out, c);
    in_flight(out, c);
    next(out, iv, policy);
}
