/* test_netmodel.c — per-VM network rates from two snapshots: arithmetic, standby + VF
 * summed per MAC, a freshly attached VF counting from zero, counter resets, new VMs,
 * EWMA, VF holders, exclusions, the physical NIC's utilisation, and drops: counted as
 * load, reset with the other counters, and extrapolated into the demand estimate only
 * near the host's virtio ceiling, 4x at most. */
#include "model/netmodel.h"

#define UUID_A "00000000-0000-0000-0000-00000000000a"
#define UUID_B "00000000-0000-0000-0000-00000000000b"
#define MAC_A "52:54:00:00:00:0a"

static SovaSnapshot *host(double t)
{
    SovaSnapshot *s = sova_snapshot_new(1);
    s->time_us = (gint64)(t * 1e6);
    return s;
}

static SovaNicSample *nic(SovaVmSample *vm, const char *alias, const char *tap, SovaNicRole role,
                          guint64 rxb, guint64 txb, guint64 rxp, guint64 txp)
{
    SovaNicSample *n = sova_vm_add_nic(vm, alias, MAC_A, tap, role);
    n->rx_bytes = rxb;
    n->tx_bytes = txb;
    n->rx_packets = rxp;
    n->tx_packets = txp;
    return n;
}

static SovaVmSample *vm(SovaSnapshot *s, const char *uuid, const char *name)
{
    return sova_snapshot_add_vm(s, uuid, name, 1);
}

static void test_rates(void)
{
    g_autoptr(SovaSnapshot) a = host(10);
    g_autoptr(SovaSnapshot) b = host(12);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 1000, 2000, 10, 20);
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 5000, 2400, 210, 30);
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    g_assert_cmpfloat_with_epsilon(m->interval_s, 2.0, 1e-9);
    g_assert_cmpuint(m->vms->len, ==, 1);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_false(v->fresh);
    g_assert_true(v->has_standby);
    g_assert_false(v->has_vf);
    g_assert_cmpstr(v->mac, ==, MAC_A);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_bps, 2000, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_bps, 200, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_pps, 100, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_pps, 5, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&v->smooth), 105, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_bps(&v->smooth), 2200, 1e-9);
    g_assert_cmpfloat(m->nic_util, ==, -1);   /* capacity unknown */
}

/* while a VF is attached the traffic moves to it: both are summed; the VF is new, so it
 * counts from zero; an OTHER NIC is not counted */
static void test_vf_summed_from_zero(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    SovaVmSample *va = vm(a, UUID_A, "a");
    nic(va, "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 100, 100, 1, 1);
    nic(va, "ua-mgmt", "vnet1", SOVA_NIC_OTHER, 0, 0, 0, 0);
    SovaVmSample *vb = vm(b, UUID_A, "a");
    nic(vb, "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 300, 100, 3, 1);
    nic(vb, "ua-sova-vf0", "vnet5", SOVA_NIC_VF, 7000, 1000, 70, 10);
    nic(vb, "ua-mgmt", "vnet1", SOVA_NIC_OTHER, 1000000, 1000000, 1000, 1000);
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_true(v->has_vf);
    g_assert_cmpstr(v->vf_alias, ==, "ua-sova-vf0");
    g_assert_cmpuint(m->vfs_in_use, ==, 1);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_bps, 200 + 7000, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_bps, 0 + 1000, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_pps, 2 + 70, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_pps, 0 + 10, 1e-9);
}

/* a hostdev VF has no tap: while it is held the load is unknown and carried over */
static void test_blind_vf(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    g_autoptr(SovaSnapshot) c = host(2);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 0, 0);
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 8000, 0);
    SovaVmSample *vc = vm(c, UUID_A, "a");
    nic(vc, "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 8000, 0);   /* flat: traffic moved */
    nic(vc, "hostdev0", NULL, SOVA_NIC_VF, 0, 0, 0, 0);
    SovaNetModelParams p = {.ewma_alpha = 0.5};
    g_autoptr(SovaNetModel) m1 = sova_net_model_build(a, b, NULL, &p);
    g_autoptr(SovaNetModel) m2 = sova_net_model_build(b, c, m1, &p);
    const SovaNetVmLoad *v = sova_net_model_vm(m2, 0);
    g_assert_true(v->has_vf);
    g_assert_true(v->blind);
    g_assert_cmpfloat(sova_net_rates_pps(&v->raw), ==, 0);
    g_assert_cmpfloat_with_epsilon(v->smooth.rx_pps, 8000, 1e-9);   /* not decayed to 4000 */
}

/* a counter that went backwards (device re-created) counts from zero, not as a huge rate */
static void test_counter_reset(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(2);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 900000, 900000, 900, 900);
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 400, 200, 4, 2);
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_bps, 200, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_pps, 1, 1e-9);
}

/* a VM missing from prev has no rate yet; one not running is left out */
static void test_new_and_stopped(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 5000, 5000, 50, 50);
    SovaVmSample *stopped = vm(b, UUID_B, "b");
    stopped->state = SOVA_VM_PAUSED;
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    g_assert_cmpuint(m->vms->len, ==, 1);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_true(v->fresh);
    g_assert_cmpfloat(sova_net_rates_pps(&v->raw), ==, 0);
    g_assert_cmpfloat(sova_net_rates_pps(&v->smooth), ==, 0);
    g_assert_null(sova_net_model_find(m, UUID_B));
}

static void test_ewma_and_override(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    g_autoptr(SovaSnapshot) c = host(2);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 0, 0);
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 1000, 0);
    SovaVmSample *vc = vm(c, UUID_A, "a");
    vc->net_override = SOVA_NET_ALWAYS;
    nic(vc, "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 4000, 0);
    SovaNetModelParams p = {.ewma_alpha = 0.5};
    g_autoptr(SovaNetModel) m1 = sova_net_model_build(a, b, NULL, &p);
    g_assert_cmpfloat_with_epsilon(sova_net_model_vm(m1, 0)->smooth.rx_pps, 1000, 1e-9);
    g_autoptr(SovaNetModel) m2 = sova_net_model_build(b, c, m1, &p);
    const SovaNetVmLoad *v = sova_net_model_vm(m2, 0);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_pps, 3000, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->smooth.rx_pps, 0.5 * 3000 + 0.5 * 1000, 1e-9);
    g_assert_cmpint(v->override, ==, SOVA_NET_ALWAYS);
}

static void test_exclude(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    vm(a, UUID_A, "a");
    vm(b, UUID_A, "a");
    vm(a, UUID_B, "b");
    vm(b, UUID_B, "b");
    const char *const ex[] = {"a", NULL};
    SovaNetModelParams p = {.exclude = ex};
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, &p);
    g_assert_cmpuint(m->vms->len, ==, 1);
    g_assert_cmpstr(sova_net_model_vm(m, 0)->name, ==, "b");
    g_assert_false(sova_net_model_vm(m, 0)->has_standby);   /* no NIC at all: not switchable */
}

/* utilisation: host counters when known, else the managed VMs' traffic */
static void test_nic_util(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 0, 0);
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 300000, 100000, 0, 0);
    SovaNetModelParams p = {.nic_capacity_Bps = 1e6};
    g_autoptr(SovaNetModel) est = sova_net_model_build(a, b, NULL, &p);
    g_assert_cmpfloat_with_epsilon(est->nic_util, 0.3, 1e-9);
    a->has_host_nic = b->has_host_nic = TRUE;
    a->host_nic_rx_bytes = 1000;
    b->host_nic_rx_bytes = 1000;
    a->host_nic_tx_bytes = 0;
    b->host_nic_tx_bytes = 800000;
    g_autoptr(SovaNetModel) meas = sova_net_model_build(a, b, NULL, &p);
    g_assert_cmpfloat_with_epsilon(meas->nic_tx_Bps, 800000, 1e-9);
    g_assert_cmpfloat_with_epsilon(meas->nic_util, 0.8, 1e-9);
}

/* drops count as load: a tap that delivered 100 rx + 100 tx packets/s of 1000 bytes and
 * dropped 100 rx packets/s shows 300 pps of load, its dropped bytes estimated at the
 * delivered mean size; the demand estimate assumes tx held back in rx's share (one half):
 * 400 pps, 400 kB/s */
static void test_drops_counted(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(2);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 0, 0, 0, 0)->rx_drops = 50;
    SovaNicSample *n = nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY,
                           200000, 200000, 200, 200);
    n->rx_drops = 250;
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_pps, 200, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_drop_pps, 100, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_pps, 100, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.tx_drop_pps, 0, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_bps, 200000, 1e-6);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&v->raw), 300, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_delivered_pps(&v->raw), 200, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_drop_share(&v->raw), 0.5, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&v->raw), 400, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_bps(&v->raw), 400000, 1e-6);
    /* the EWMA carries the drops too */
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&v->smooth), 400, 1e-9);
}

/* without drops, demand is the load; a VM that gets almost nothing through is scaled by
 * at most 1 / (1 - SOVA_NET_MAX_DROP_SHARE) */
static void test_demand_bounds(void)
{
    SovaNetRates none = {.rx_pps = 300, .tx_pps = 100, .rx_bps = 3e5, .tx_bps = 1e5};
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&none), 400, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_bps(&none), 4e5, 1e-6);
    SovaNetRates choked = {.rx_pps = 1000, .rx_drop_pps = 995, .tx_pps = 5};
    g_assert_cmpfloat_with_epsilon(sova_net_rates_delivered_pps(&choked), 10, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&choked),
                                   10 / (1 - SOVA_NET_MAX_DROP_SHARE), 1e-6);
    SovaNetRates zero = {0};
    g_assert_cmpfloat(sova_net_rates_demand_pps(&zero), ==, 0);
}

/* a drop counter that went backwards means the device was re-created, like any other
 * counter: every counter of that NIC counts from zero (not a huge wrapped delta) */
static void test_drop_counter_reset(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    nic(vm(a, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 1000, 1000, 10, 10)
        ->rx_drops = 5000;
    nic(vm(b, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 3000, 3000, 30, 30)
        ->rx_drops = 7;
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_drop_pps, 7, 1e-9);
    g_assert_cmpfloat_with_epsilon(v->raw.rx_pps, 30 + 7, 1e-9);   /* from zero, not +20 */
    g_assert_cmpfloat_with_epsilon(v->raw.tx_pps, 30, 1e-9);
    /* and the tx drop counter alike */
    g_autoptr(SovaSnapshot) c = host(2);
    nic(vm(c, UUID_A, "a"), "ua-sova-net0", "vnet0", SOVA_NIC_STANDBY, 4000, 4000, 40, 40)
        ->rx_drops = 7;                   /* only tx drops went backwards, 9 -> 0 */
    sova_vm_nic(g_ptr_array_index(b->vms, 0), 0)->tx_drops = 9;
    g_autoptr(SovaNetModel) m2 = sova_net_model_build(b, c, NULL, NULL);
    g_assert_cmpfloat_with_epsilon(sova_net_model_vm(m2, 0)->raw.rx_pps, 40 + 7, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_model_vm(m2, 0)->raw.rx_drop_pps, 7, 1e-9);
}

/* a standby on tap `tap` that delivered `pkts` packets each way (1000 bytes each) and
 * whose tap dropped `drops` packets for the guest, counted from zero */
static void standby(SovaSnapshot *s, const char *uuid, const char *name, const char *tap,
                    guint64 pkts, guint64 drops)
{
    nic(vm(s, uuid, name), "ua-sova-net0", tap, SOVA_NIC_STANDBY, pkts * 1000, pkts * 1000,
        pkts, pkts)->rx_drops = drops;
}

/* issue 16 item 13: a guest that stops draining its queue makes its tap drop all that is
 * sent to it. Next to a VM really at the virtio ceiling (200 pps delivered while
 * dropping), one that delivers 100 pps and "drops" 900 has its demand at what it
 * delivered, not 10x that: it does not outbid the busy one */
static void test_drops_need_evidence(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    standby(a, UUID_A, "busy", "vnet0", 0, 0);
    standby(b, UUID_A, "busy", "vnet0", 100, 100);
    standby(a, UUID_B, "lazy", "vnet1", 0, 0);
    standby(b, UUID_B, "lazy", "vnet1", 50, 900);
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    g_assert_cmpfloat_with_epsilon(m->virtio_ceiling_pps, 200, 1e-9);
    const SovaNetVmLoad *busy = sova_net_model_find(m, UUID_A), *lazy = sova_net_model_find(m, UUID_B);
    g_assert_false(busy->raw.drops_unproven);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&busy->smooth), 400, 1e-9);
    g_assert_true(lazy->raw.drops_unproven && lazy->smooth.drops_unproven);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&lazy->smooth), 100, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_bps(&lazy->smooth), 1e5, 1e-6);
    g_assert_cmpfloat(sova_net_rates_demand_pps(&lazy->smooth), <,
                      sova_net_rates_demand_pps(&busy->smooth));

    /* the ceiling is the host's and outlives the interval: the next one, with the busy VM
     * quiet, still gives the lazy one's drops no weight */
    g_autoptr(SovaSnapshot) c = host(2);
    standby(c, UUID_A, "busy", "vnet0", 100, 100);
    standby(c, UUID_B, "lazy", "vnet1", 100, 1800);
    g_autoptr(SovaNetModel) m2 = sova_net_model_build(b, c, m, NULL);
    g_assert_cmpfloat(m2->virtio_ceiling_pps, >, 150);   /* sank a tenth of the way only */
    lazy = sova_net_model_find(m2, UUID_B);
    g_assert_true(lazy->raw.drops_unproven);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&lazy->raw), 100, 1e-9);
}

/* a VM alone at the ceiling: its drops count, but inflate its demand 4x at most */
static void test_inflation_bounded(void)
{
    g_autoptr(SovaSnapshot) a = host(0);
    g_autoptr(SovaSnapshot) b = host(1);
    standby(a, UUID_A, "a", "vnet0", 0, 0);
    standby(b, UUID_A, "a", "vnet0", 50, 5000);
    g_autoptr(SovaNetModel) m = sova_net_model_build(a, b, NULL, NULL);
    const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
    g_assert_false(v->raw.drops_unproven);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_delivered_pps(&v->raw), 100, 1e-9);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_demand_pps(&v->raw), 400, 1e-9);   /* was 1000 */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netmodel/rates", test_rates);
    g_test_add_func("/netmodel/vf-summed-from-zero", test_vf_summed_from_zero);
    g_test_add_func("/netmodel/blind-vf", test_blind_vf);
    g_test_add_func("/netmodel/counter-reset", test_counter_reset);
    g_test_add_func("/netmodel/new-and-stopped", test_new_and_stopped);
    g_test_add_func("/netmodel/ewma-and-override", test_ewma_and_override);
    g_test_add_func("/netmodel/exclude", test_exclude);
    g_test_add_func("/netmodel/nic-util", test_nic_util);
    g_test_add_func("/netmodel/drops-counted", test_drops_counted);
    g_test_add_func("/netmodel/demand-bounds", test_demand_bounds);
    g_test_add_func("/netmodel/drop-counter-reset", test_drop_counter_reset);
    g_test_add_func("/netmodel/drops-need-evidence", test_drops_need_evidence);
    g_test_add_func("/netmodel/inflation-bounded", test_inflation_bounded);
    return g_test_run();
}
