/* status_net.c — the net plane's part of `sova status`: each VM's NIC mode and rates.
 *
 * From the same two snapshots as the cpu part: the net model (rates per MAC, standby
 * and VF summed), the mode (vf / virtio), the operator's override, and what the agent
 * last published (wants a VF, unmet) when it runs with the net plane on. */
#include "cli/status_net.h"
#include "util/json.h"
#include <stdio.h>

static const char *mode(const SovaNetVmLoad *v)
{
    return v->has_vf ? "vf" : v->has_standby ? "virtio" : "-";
}

static const char *override(SovaNetOverride o)
{
    return o == SOVA_NET_ALWAYS ? "always" : o == SOVA_NET_NEVER ? "never" : "auto";
}

static const char *agent_says(const SovaVmSample *vm)
{
    if (!vm || !vm->has_net_status)
        return "-";
    return vm->net_unmet ? "wants VF, none free" : vm->net_wants_vf ? "wants VF" : "no VF needed";
}

SovaNetModel *sova_status_net_model(const SovaSnapshot *a, const SovaSnapshot *b,
                                    const SovaConfig *cfg)
{
    SovaNetModelParams np = {.ewma_alpha = 1.0, .nic_capacity_Bps = b->host_nic_capacity_Bps,
                             .exclude = (const char *const *)cfg->exclude};
    return sova_net_model_build(a, b, NULL, &np);
}

void sova_status_net_text(const SovaSnapshot *s, const SovaNetModel *m)
{
    g_autofree char *util = m->nic_util >= 0 ? g_strdup_printf("%.0f%%", m->nic_util * 100)
                                             : g_strdup("unknown");
    printf("\nnet: VF pool %u, in use %u; host NIC utilisation %s\n", s->vf_pool, m->vfs_in_use,
           util);
    printf("  VM                   mode    override  rx pkt/s  tx pkt/s   rx MB/s   tx MB/s  "
           "agent\n");
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        const SovaVmSample *vm = sova_snapshot_find_vm(s, v->uuid);
        printf("  %-20s %-7s %-8s %9.0f %9.0f %9.2f %9.2f  %s\n", v->name, mode(v),
               override(v->override), v->raw.rx_pps, v->raw.tx_pps, v->raw.rx_bps / 1e6,
               v->raw.tx_bps / 1e6, agent_says(vm));
    }
}

void sova_status_net_json(const SovaSnapshot *s, const SovaNetModel *m, JsonBuilder *b)
{
    json_builder_set_member_name(b, "net");
    json_builder_begin_object(b);
    sova_json_int(b, "vf_pool", s->vf_pool);
    sova_json_int(b, "vf_in_use", m->vfs_in_use);
    sova_json_double(b, "nic_util", m->nic_util);
    json_builder_set_member_name(b, "vms");
    json_builder_begin_array(b);
    for (guint i = 0; i < m->vms->len; i++) {
        const SovaNetVmLoad *v = sova_net_model_vm(m, i);
        const SovaVmSample *vm = sova_snapshot_find_vm(s, v->uuid);
        json_builder_begin_object(b);
        sova_json_string(b, "name", v->name);
        sova_json_string(b, "uuid", v->uuid);
        sova_json_string(b, "mode", mode(v));
        sova_json_string(b, "override", override(v->override));
        sova_json_double(b, "rx_pps", v->raw.rx_pps);
        sova_json_double(b, "tx_pps", v->raw.tx_pps);
        sova_json_double(b, "rx_Bps", v->raw.rx_bps);
        sova_json_double(b, "tx_Bps", v->raw.tx_bps);
        if (vm && vm->has_net_status) {
            sova_json_bool(b, "wants_vf", vm->net_wants_vf);
            sova_json_bool(b, "unmet", vm->net_unmet);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}
