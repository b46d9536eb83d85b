/* top_host.c — the frames of `sova top` over one host, from the agent's interval records
 * (dry run): per-pCPU bars, each VM's vCPUs (placement, usage, demand, run-queue delay),
 * its NIC mode and rates, what the policy would do next and why, and the changes seen
 * between samples (pins, VFs) with the reason the policy gave for them. */
#include "cli/top.h"
#include "cli/status_net.h"
#include <stdio.h>
#include <string.h>

void sova_top_host_init(SovaTopHost *t)
{
    t->history = g_ptr_array_new_with_free_func(g_free);
    t->planned = g_ptr_array_new();
}

static void planned_clear(SovaTopHost *t)
{
    for (guint i = 0; i < t->planned->len; i++) {
        SovaAction *a = g_ptr_array_index(t->planned, i);
        g_free(a->reason);
        g_free(a);
    }
    g_ptr_array_set_size(t->planned, 0);
}

void sova_top_host_clear(SovaTopHost *t)
{
    planned_clear(t);
    g_ptr_array_unref(t->planned);
    g_ptr_array_unref(t->history);
}

static void remember(SovaTopHost *t, char *line)
{
    g_ptr_array_add(t->history, line);
    if (t->history->len > SOVA_TOP_HISTORY)
        g_ptr_array_remove_index(t->history, 0);
}

/* the reason the last plan gave for an action of this kind on this VM (and vCPU), or NULL */
static const char *planned_reason(const SovaTopHost *t, SovaActionKind kind, const char *uuid,
                                  int vcpu)
{
    for (guint i = 0; i < t->planned->len; i++) {
        const SovaAction *a = g_ptr_array_index(t->planned, i);
        if (a->kind == kind && !strcmp(a->uuid, uuid) &&
            (kind != SOVA_ACTION_PIN || a->vcpu == vcpu))
            return a->reason;
    }
    return NULL;
}

static gboolean holds_vf(const SovaVmSample *vm)
{
    for (guint i = 0; vm && i < vm->nics->len; i++)
        if (sova_vm_nic(vm, i)->role == SOVA_NIC_VF)
            return TRUE;
    return FALSE;
}

static void note_pins(SovaTopHost *t, const SovaVmSample *was, const SovaVmSample *vm,
                      const char *clock)
{
    for (guint k = 0; k < vm->vcpus->len && k < was->vcpus->len; k++) {
        const SovaVcpuSample *a = sova_vm_vcpu(was, k), *b = sova_vm_vcpu(vm, k);
        if (!a->affinity || !b->affinity || sova_cpuset_equal(a->affinity, b->affinity))
            continue;
        g_autofree char *from = sova_cpuset_format(a->affinity);
        g_autofree char *to = sova_cpuset_format(b->affinity);
        const char *why = planned_reason(t, SOVA_ACTION_PIN, vm->uuid, (int)k);
        remember(t, g_strdup_printf("%s pin %s vcpu %u: %s -> %s (%s)", clock, vm->name, k, from,
                                    to, why ? why : "not planned here: another agent or by hand"));
    }
}

void sova_top_host_note(SovaTopHost *t, const SovaAgentInterval *iv, const char *clock)
{
    for (guint i = 0; iv->prev && i < iv->snapshot->vms->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(iv->snapshot->vms, i);
        const SovaVmSample *was = sova_snapshot_find_vm(iv->prev, vm->uuid);
        if (!was)
            continue;
        note_pins(t, was, vm, clock);
        if (holds_vf(was) != holds_vf(vm)) {
            SovaActionKind k = holds_vf(vm) ? SOVA_ACTION_ATTACH_VF : SOVA_ACTION_DETACH_VF;
            const char *why = planned_reason(t, k, vm->uuid, -1);
            remember(t, g_strdup_printf("%s %s %s (%s)", clock,
                                        k == SOVA_ACTION_ATTACH_VF ? "attach-vf" : "detach-vf",
                                        vm->name, why ? why : "not planned here"));
        }
    }
    planned_clear(t);
    const SovaPlan *plans[] = { iv->plan, iv->net ? iv->net->plan : NULL };
    for (guint p = 0; p < G_N_ELEMENTS(plans); p++)
        for (guint i = 0; plans[p] && i < sova_plan_len(plans[p]); i++) {
            const SovaAction *a = sova_plan_action(plans[p], i);
            SovaAction *c = g_new0(SovaAction, 1);
            c->kind = a->kind;
            g_strlcpy(c->uuid, a->uuid, sizeof c->uuid);
            c->vcpu = a->vcpu;
            c->reason = g_strdup(a->reason ? a->reason : "");
            g_ptr_array_add(t->planned, c);
        }
}

static void bar(GString *out, double frac, guint width)
{
    guint n = (guint)(CLAMP(frac, 0, 1) * width + 0.5);
    g_string_append_c(out, '[');
    for (guint i = 0; i < width; i++)
        g_string_append_c(out, i < n ? '#' : '.');
    g_string_append_c(out, ']');
}

/* two columns of bars when there are more than 8 pCPUs */
static void pcpus(GString *out, const SovaModel *m)
{
    guint cols = m->n_pcpus > 8 ? 2 : 1, rows = (m->n_pcpus + cols - 1) / cols;
    for (guint r = 0; r < rows; r++) {
        for (guint c = 0; c < cols; c++) {
            guint id = c * rows + r;
            if (id >= m->n_pcpus)
                break;
            const SovaPcpuLoad *p = sova_model_pcpu(m, id);
            g_string_append_printf(out, "%s%4u ", c ? "   " : "", id);
            bar(out, p->util / 100.0, 20);
            g_string_append_printf(out, " %5.1f%% %-3s", p->util,
                                   !p->online ? "off" : p->reserved ? "res" : "");
        }
        while (out->len && out->str[out->len - 1] == ' ')
            g_string_truncate(out, out->len - 1);
        g_string_append_c(out, '\n');
    }
}

static void vms(GString *out, const SovaAgentInterval *iv)
{
    const SovaModel *m = iv->model;
    g_string_append(out,
                    "\nVM                   vcpu  pCPU  affinity        usage  demand   delay\n");
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaVmLoad *vm = sova_model_vm(m, i);
        const SovaVmSample *vs = sova_snapshot_find_vm(iv->snapshot, vm->uuid);
        for (guint k = 0; k < vm->n_vcpus; k++) {
            const SovaVcpuLoad *v = sova_model_vcpu(m, vm->first_vcpu + k);
            const SovaVcpuSample *s = vs && k < vs->vcpus->len ? sova_vm_vcpu(vs, k) : NULL;
            g_autofree char *aff = s && s->affinity ? sova_cpuset_format(s->affinity)
                                                    : g_strdup("?");
            g_string_append_printf(out, "%-20.20s %4u  %4d  %-14.14s %5.1f%%  %5.1f%%  %5.1f%%\n",
                                   k ? "" : vm->name, k, s ? s->pcpu : -1, aff, v->usage, v->demand,
                                   v->delay);
        }
    }
    if (!m->vms->len)
        g_string_append(out, "(no managed VM running)\n");
}

static void nics(GString *out, const SovaAgentInterval *iv)
{
    SovaNetModelParams np = { .ewma_alpha = 1.0,
                              .nic_capacity_Bps = iv->snapshot->host_nic_capacity_Bps };
    g_autoptr(SovaNetModel) net = sova_net_model_build(iv->prev, iv->snapshot, NULL, &np);
    g_string_append_printf(out, "\nNIC                  mode     rx MB/s  tx MB/s  rx pkt/s  "
                                "tx pkt/s   (VF pool %u, in use %u)\n", iv->snapshot->vf_pool,
                           net->vfs_in_use);
    for (guint i = 0; i < net->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(net, i);
        g_string_append_printf(out, "%-20.20s %-7s %8.2f %8.2f %9.0f %9.0f\n", v->name,
                               v->has_vf ? "vf" : v->has_standby ? "virtio" : "-",
                               v->raw.rx_bps / 1e6, v->raw.tx_bps / 1e6, v->raw.rx_pps,
                               v->raw.tx_pps);
    }
    if (!net->vms->len)
        g_string_append(out, "(no VM with a NIC sova knows)\n");
}

static void plan(GString *out, const char *plane, const SovaPlan *p)
{
    g_string_append_printf(out, "next %s: %s\n", plane,
                           p->reason && *p->reason ? p->reason : "nothing to do");
    for (guint i = 0; i < sova_plan_len(p) && i < 5; i++) {
        g_autofree char *what = sova_action_describe(sova_plan_action(p, i));
        g_string_append_printf(out, "  would %s\n", what);
    }
    if (sova_plan_len(p) > 5)
        g_string_append_printf(out, "  ... and %u more\n", sova_plan_len(p) - 5);
}

void sova_top_host_frame(GString *out, const SovaTopHost *t, const SovaAgentInterval *iv,
                         const char *uri, const char *policy, const char *clock)
{
    const SovaModel *m = iv->model;
    double mean, sd = sova_model_util_stddev(m, &mean);
    g_string_append_printf(out, "sova top - %s (%s) - %s - interval %.1f s\n",
                           iv->snapshot->host ? iv->snapshot->host : "?", uri, clock,
                           m->interval_s);
    g_string_append_printf(out, "%u pCPUs, util mean %.1f%%, stddev %.1f; %u VMs managed\n\n",
                           m->n_pcpus, mean, sd, m->vms->len);
    pcpus(out, m);
    vms(out, iv);
    nics(out, iv);
    g_string_append_c(out, '\n');
    g_autofree char *cpu = g_strdup_printf("(cpu, policy %s)", policy);
    plan(out, cpu, iv->plan);
    if (iv->net) {
        g_autofree char *net = g_strdup_printf("(net, policy %s)", iv->net->policy);
        plan(out, net, iv->net->plan);
    }
    g_string_append(out, "\nrecent changes:\n");
    for (guint i = 0; i < t->history->len; i++)
        g_string_append_printf(out, "  %s\n", (const char *)g_ptr_array_index(t->history, i));
    if (!t->history->len)
        g_string_append(out, "  (none seen yet)\n");
}
