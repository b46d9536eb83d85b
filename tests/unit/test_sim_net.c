/* test_sim_net.c — the simulator's net model: the virtio cap, its drops and host CPU
 * cost, a VF's line rate, the pool, counters moving between the standby's tap and the
 * VF's, the switch latency and the detach gap, the clairvoyant look-ahead, the net
 * scenario keys (errors name FILE:LINE). Whole runs under the agent's net policy and the
 * baselines: test_sim_net_run.c. Expected figures are computed from the scenario's own
 * parameters. */
#include "backend/sim/sim_backend.h"
#include "config/config.h"
#include <math.h>
#include <string.h>

static SovaSimScenario *scenario(const char *text)
{
    g_autoptr(GError) err = NULL;
    SovaSimScenario *sc = sova_sim_scenario_load_data("test.conf", text, &err);
    g_assert_no_error(err);
    return sc;
}

/* one VM offering 500 kpps of 1000-byte packets; virtio carries 200 kpps at 2.5 µs each */
#define CAP 200000.0
#define US 2.5
#define OFFER 500000.0
static const char one_vm[] =
    "[scenario]\nduration=20\n"
    "[host]\npcpus=2\nvfs=1\nvirtio-pps-cap=200000\nvirtio-us-per-packet=2.5\n"
    "vf-attach-latency=2\nvf-detach-gap=0.5\n"
    "[vm a]\ndemand=constant:0\nnet-demand=constant:50\nnet-packet-bytes=1000\n";

static SovaAction *vf_action(SovaPlan *plan, SovaBackend *be, guint vm, SovaActionKind kind)
{
    return sova_plan_add_vf(plan, kind, sova_sim_backend_vm_uuid(be, vm), "a", "test");
}

static gboolean vf_move(SovaBackend *be, guint vm, SovaActionKind kind, GError **error)
{
    g_autoptr(SovaPlan) plan = sova_plan_new();
    return sova_backend_execute(be, vf_action(plan, be, vm, kind), error);
}

static const SovaNicSample *nic(const SovaSnapshot *s, guint vm, SovaNicRole role)
{
    const SovaVmSample *v = g_ptr_array_index(s->vms, vm);
    for (guint i = 0; i < v->nics->len; i++)
        if (sova_vm_nic(v, i)->role == role)
            return sova_vm_nic(v, i);
    return NULL;
}

static guint64 packets(const SovaNicSample *n)
{
    return n ? n->rx_packets + n->tx_packets : 0;
}

static guint64 busy_ns(SovaBackend *be, guint n_pcpus)
{
    guint64 sum = 0;
    for (guint p = 0; p < n_pcpus; p++)
        sum += sova_sim_backend_pcpu_busy_ns(be, p);
    return sum;
}

/* virtio caps the VM at 200 kpps, and those packets cost 2.5 µs of host CPU each, which
 * shows as busy pCPU time although no vCPU ran */
static void test_virtio_cap_and_cpu(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(one_vm);
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    sova_backend_wait(be, 10, NULL);
    SovaSimNetTruth t;
    sova_sim_backend_net_truth(be, 0, &t);
    g_assert_cmpfloat_with_epsilon(t.offered_pkts, OFFER * 10, 1);
    g_assert_cmpfloat_with_epsilon(t.delivered_pkts, CAP * 10, 1);
    g_assert_cmpfloat_with_epsilon(t.delivered_bytes, CAP * 10 * 1000, 1000);
    g_assert_cmpfloat_with_epsilon(t.vhost_cpu_s, CAP * 10 * US * 1e-6, 1e-6);
    g_assert_cmpfloat_with_epsilon(busy_ns(be, 2) / 1e9, CAP * 10 * US * 1e-6, 1e-3);
    /* the snapshot: the standby's tap carries it all, the node stats show the vhost CPU */
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    const SovaNicSample *sb = nic(s, 0, SOVA_NIC_STANDBY);
    g_assert_nonnull(sb);
    g_assert_cmpstr(sb->alias, ==, "ua-sova-net0");
    g_assert_nonnull(sb->target_dev);
    g_assert_cmpfloat_with_epsilon((double)packets(sb), CAP * 10, 2);
    g_assert_null(nic(s, 0, SOVA_NIC_VF));
    g_assert_cmpuint(s->vf_pool, ==, 1);
    g_assert_cmpuint(sova_snapshot_pcpu(s, 0)->busy_ns + sova_snapshot_pcpu(s, 1)->busy_ns, >, 0);
}

/* over virtio, the guest-bound half of what the cap holds back shows as rx drops on the
 * standby's tap; the guest-sent half is not seen (no tx drops); once on the VF (line
 * rate) nothing more is dropped, on either tap */
static void test_virtio_drops(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(one_vm);
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    sova_backend_wait(be, 10, NULL);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    const SovaNicSample *sb = nic(s, 0, SOVA_NIC_STANDBY);
    g_assert_cmpfloat_with_epsilon((double)sb->rx_drops, (OFFER - CAP) / 2 * 10, 2);
    g_assert_cmpuint(sb->tx_drops, ==, 0);
    g_assert_true(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, NULL));
    sova_backend_wait(be, 2, NULL);                      /* the latency: still virtio */
    g_autoptr(SovaSnapshot) s2 = sova_backend_sample(be, NULL);
    g_assert_cmpfloat_with_epsilon((double)nic(s2, 0, SOVA_NIC_STANDBY)->rx_drops,
                                   (OFFER - CAP) / 2 * 12, 2);
    sova_backend_wait(be, 3, NULL);
    g_autoptr(SovaSnapshot) s3 = sova_backend_sample(be, NULL);
    g_assert_cmpuint(nic(s3, 0, SOVA_NIC_STANDBY)->rx_drops, ==,
                     nic(s2, 0, SOVA_NIC_STANDBY)->rx_drops);
    g_assert_cmpuint(nic(s3, 0, SOVA_NIC_VF)->rx_drops, ==, 0);
    /* below the cap nothing is dropped */
    g_autoptr(SovaSimScenario) sc2 = scenario(
        "[scenario]\nduration=20\n[host]\npcpus=2\nvfs=1\nvirtio-pps-cap=200000\n"
        "[vm a]\ndemand=constant:0\nnet-demand=constant:15\n");
    g_autoptr(SovaBackend) be2 = sova_sim_backend_new(sc2, 1, FALSE);
    sova_backend_wait(be2, 10, NULL);
    g_autoptr(SovaSnapshot) q = sova_backend_sample(be2, NULL);
    g_assert_cmpuint(nic(q, 0, SOVA_NIC_STANDBY)->rx_drops, ==, 0);
    g_assert_cmpuint(packets(nic(q, 0, SOVA_NIC_STANDBY)), >, 0);
}

/* attached at 0 s: the first 2 s (the latency) still go over virtio, then line rate; the
 * standby's counters stop and the VF's tap counts; after a detach the traffic is lost for
 * the gap, then the standby counts again and the VF is gone */
static void test_vf_switch(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(one_vm);
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_autoptr(GError) err = NULL;
    guint64 calls = be->calls;
    g_assert_true(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(be->calls, ==, calls + 1);
    sova_backend_wait(be, 1, NULL);
    g_autoptr(SovaSnapshot) s1 = sova_backend_sample(be, NULL);
    const SovaNicSample *vf1 = nic(s1, 0, SOVA_NIC_VF);
    g_assert_nonnull(vf1);
    g_assert_cmpstr(vf1->alias, ==, "ua-sova-vf0");
    g_assert_cmpstr(vf1->mac, ==, nic(s1, 0, SOVA_NIC_STANDBY)->mac);
    g_assert_nonnull(vf1->target_dev);
    g_assert_cmpuint(packets(vf1), ==, 0);               /* the guest has not switched yet */
    g_assert_cmpfloat_with_epsilon((double)packets(nic(s1, 0, SOVA_NIC_STANDBY)), CAP, 2);
    sova_backend_wait(be, 2, NULL);                      /* 3 s: on the VF since 2 s */
    g_autoptr(SovaSnapshot) s3 = sova_backend_sample(be, NULL);
    sova_backend_wait(be, 2, NULL);                      /* 5 s */
    g_autoptr(SovaSnapshot) s5 = sova_backend_sample(be, NULL);
    g_assert_cmpuint(packets(nic(s5, 0, SOVA_NIC_STANDBY)), ==, packets(nic(s3, 0, SOVA_NIC_STANDBY)));
    g_assert_cmpfloat_with_epsilon((double)(packets(nic(s5, 0, SOVA_NIC_VF)) - packets(nic(s3, 0, SOVA_NIC_VF))),
                                   OFFER * 2, 2);
    SovaSimNetTruth t;
    sova_sim_backend_net_truth(be, 0, &t);
    g_assert_cmpfloat_with_epsilon(t.delivered_pkts, CAP * 2 + OFFER * 3, 1);
    g_assert_true(t.on_vf);
    /* detach: 0.5 s lost, then virtio again */
    g_assert_true(vf_move(be, 0, SOVA_ACTION_DETACH_VF, &err));
    sova_backend_wait(be, 2, NULL);                      /* 7 s */
    g_autoptr(SovaSnapshot) s7 = sova_backend_sample(be, NULL);
    g_assert_null(nic(s7, 0, SOVA_NIC_VF));
    g_assert_cmpfloat_with_epsilon((double)(packets(nic(s7, 0, SOVA_NIC_STANDBY)) -
                                            packets(nic(s5, 0, SOVA_NIC_STANDBY))), CAP * 1.5, 2);
    sova_sim_backend_net_truth(be, 0, &t);
    g_assert_cmpfloat_with_epsilon(t.gap_pkts, OFFER * 0.5, 1);
    g_assert_cmpuint(t.attaches, ==, 1);
    g_assert_cmpuint(t.detaches, ==, 1);
    /* 2 VF calls, 4 samples of P + 2, and the XML re-read in the sample after each move */
    g_assert_cmpuint(be->calls, ==, calls + 2 + 4 * (2 + 2) + 2);
    /* a detach without a VF is refused */
    g_assert_false(vf_move(be, 0, SOVA_ACTION_DETACH_VF, &err));
    g_assert_nonnull(err);
    g_assert_cmpuint(sova_sim_backend_vf_refused(be), ==, 1);
}

/* the same VM with a VF delivers more, and costs the host no CPU once on it */
static void test_vf_delivers_more(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(one_vm);
    g_autoptr(SovaBackend) virtio = sova_sim_backend_new(sc, 1, FALSE);
    g_autoptr(SovaBackend) vf = sova_sim_backend_new(sc, 1, FALSE);
    g_assert_true(vf_move(vf, 0, SOVA_ACTION_ATTACH_VF, NULL));
    sova_backend_wait(virtio, 10, NULL);
    sova_backend_wait(vf, 10, NULL);
    SovaSimNetTruth a, b;
    sova_sim_backend_net_truth(virtio, 0, &a);
    sova_sim_backend_net_truth(vf, 0, &b);
    g_assert_cmpfloat(b.delivered_pkts, >, a.delivered_pkts);
    g_assert_cmpfloat(b.vhost_cpu_s, <, a.vhost_cpu_s);
    g_assert_cmpuint(busy_ns(vf, 2), <, busy_ns(virtio, 2));
}

/* three VMs, two VFs: the third attach is refused, and a freed VF can be taken */
static void test_pool(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[host]\npcpus=2\nvfs=2\n"
                                             "[vms]\ncount=3\ndemand=constant:0\nnet-demand=constant:30\n");
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_autoptr(GError) err = NULL;
    g_assert_true(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, NULL));
    g_assert_false(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, NULL));   /* holds one already */
    g_assert_true(vf_move(be, 1, SOVA_ACTION_ATTACH_VF, NULL));
    g_assert_false(vf_move(be, 2, SOVA_ACTION_ATTACH_VF, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "no free VF"));
    g_assert_cmpuint(sova_sim_backend_vfs_in_use(be), ==, 2);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    g_assert_nonnull(nic(s, 0, SOVA_NIC_VF));
    g_assert_nonnull(nic(s, 1, SOVA_NIC_VF));
    g_assert_null(nic(s, 2, SOVA_NIC_VF));
    g_assert_cmpstr(nic(s, 0, SOVA_NIC_VF)->alias, !=, nic(s, 1, SOVA_NIC_VF)->alias);
    g_assert_true(vf_move(be, 0, SOVA_ACTION_DETACH_VF, NULL));
    g_assert_true(vf_move(be, 2, SOVA_ACTION_ATTACH_VF, NULL));
    g_assert_cmpuint(sova_sim_backend_vfs_in_use(be), ==, 2);
}

/* vf-counters=no: a hostdev VF, no tap, no counters, while the traffic flows over it */
static void test_vf_without_counters(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[host]\npcpus=1\nvfs=1\nvf-counters=no\nvf-attach-latency=0\n"
                                             "[vm a]\ndemand=constant:0\nnet-demand=constant:50\n");
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_assert_true(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, NULL));
    sova_backend_wait(be, 3, NULL);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    const SovaNicSample *vf = nic(s, 0, SOVA_NIC_VF);
    g_assert_nonnull(vf);
    g_assert_null(vf->target_dev);
    g_assert_cmpuint(packets(vf), ==, 0);
    g_assert_cmpuint(packets(nic(s, 0, SOVA_NIC_STANDBY)), ==, 0);
    SovaSimNetTruth t;
    sova_sim_backend_net_truth(be, 0, &t);
    g_assert_cmpfloat(t.vf_pkts, >, 0);
}

/* the physical NIC is shared: two VMs on VFs sending more than it carries get the same
 * fraction, and its counters carry what was delivered */
static void test_nic_shared(void)
{
    /* 2 VMs x 500 kpps x 1000 B = 1 GB/s, 0.5 GB/s per direction; the NIC carries 0.25 */
    g_autoptr(SovaSimScenario) sc = scenario("[host]\npcpus=1\nvfs=2\nnic-gbps=2\nvf-attach-latency=0\n"
                                             "[vms]\ncount=2\ndemand=constant:0\nnet-demand=constant:50\n");
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_assert_true(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, NULL));
    g_assert_true(vf_move(be, 1, SOVA_ACTION_ATTACH_VF, NULL));
    sova_backend_wait(be, 4, NULL);
    SovaSimNetTruth a, b;
    sova_sim_backend_net_truth(be, 0, &a);
    sova_sim_backend_net_truth(be, 1, &b);
    double cap_per_dir = 2e9 / 8;
    g_assert_cmpfloat_with_epsilon(a.delivered_bytes + b.delivered_bytes, 2 * cap_per_dir * 4, 1e3);
    g_assert_cmpfloat_with_epsilon(a.delivered_pkts, b.delivered_pkts, 1);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    g_assert_true(s->has_host_nic);
    g_assert_cmpfloat(s->host_nic_capacity_Bps, ==, cap_per_dir);
    g_assert_cmpfloat_with_epsilon((double)s->host_nic_rx_bytes, cap_per_dir * 4, 1e3);
}

/* a CPU-only scenario has no NICs: its snapshots are as before */
static void test_no_net(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[host]\npcpus=2\n[vm a]\ndemand=constant:50\n");
    g_assert_false(sc->has_net);
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    sova_backend_wait(be, 1, NULL);
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    g_assert_cmpuint(((SovaVmSample *)g_ptr_array_index(s->vms, 0))->nics->len, ==, 0);
    g_assert_false(s->has_host_nic);
    g_assert_false(vf_move(be, 0, SOVA_ACTION_ATTACH_VF, NULL));
}

/* the look-ahead predicts exactly what a free VF gains, random walks and jitter included */
static void test_gain_ahead(void)
{
    g_autoptr(SovaSimScenario) sc = scenario("[scenario]\nseed=3\n[host]\npcpus=2\nvfs=1\n"
                                             "[vm a]\ndemand=walk:50:10\nnet-demand=walk:30:8\nnet-jitter=5\n");
    g_autoptr(SovaBackend) with = sova_sim_backend_new(sc, 3, FALSE);
    g_autoptr(SovaBackend) without = sova_sim_backend_new(sc, 3, FALSE);
    sova_backend_wait(with, 7.3, NULL);
    sova_backend_wait(without, 7.3, NULL);
    double gain = 0;
    sova_sim_backend_net_gain_ahead(with, 10, &gain);
    g_assert_cmpfloat(gain, >, 0);
    sova_sim_backend_set_free_switches(with, TRUE);
    g_assert_true(vf_move(with, 0, SOVA_ACTION_ATTACH_VF, NULL));
    SovaSimNetTruth a0, b0, a1, b1;
    sova_sim_backend_net_truth(with, 0, &a0);
    sova_sim_backend_net_truth(without, 0, &b0);
    sova_backend_wait(with, 10, NULL);
    sova_backend_wait(without, 10, NULL);
    sova_sim_backend_net_truth(with, 0, &a1);
    sova_sim_backend_net_truth(without, 0, &b1);
    g_assert_cmpfloat_with_epsilon(a1.offered_pkts - a0.offered_pkts, b1.offered_pkts - b0.offered_pkts, 1e-3);
    double gained = (a1.delivered_pkts - a0.delivered_pkts) - (b1.delivered_pkts - b0.delivered_pkts);
    g_assert_cmpfloat_with_epsilon(gained, gain, 1e-3 * gain);
}

/* ---- scenario keys ---- */

static void test_keys(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(
        "[host]\npcpus=2\nvfs=3\nnic-gbps=10\nvirtio-pps-cap=150000\nvirtio-us-per-packet=4\n"
        "vf-pps-cap=2000000\nvf-attach-latency=1.5\nvf-detach-gap=0.1\nvf-counters=no\n"
        "[vms x]\ncount=3\ndemand=constant:1\nnet-demand=constant:10;square:60:5:30\n"
        "net-peak-pps=2000000\nnet-packet-bytes=256\nnet-jitter=3\n"
        "[vm quiet]\ndemand=constant:1\n");
    g_assert_true(sc->has_net);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->nic.virtio_pps_cap, ==, 150000);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->nic.virtio_us_per_packet, ==, 4);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->nic.vf_pps_cap, ==, 2000000);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->nic.vf_attach_latency, ==, 1.5);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->nic.vf_detach_gap, ==, 0.1);
    g_assert_false(sova_sim_scenario_host(sc, 0)->nic.vf_counters);
    const SovaSimVmSpec *x1 = g_ptr_array_index(sc->vms, 0), *x2 = g_ptr_array_index(sc->vms, 1),
                        *x3 = g_ptr_array_index(sc->vms, 2), *quiet = g_ptr_array_index(sc->vms, 3);
    g_assert_cmpint(x1->net_demand->kind, ==, SOVA_DEMAND_CONSTANT);
    g_assert_cmpint(x2->net_demand->kind, ==, SOVA_DEMAND_SQUARE);
    g_assert_true(x3->net_demand == x1->net_demand);   /* the list cycles */
    g_assert_cmpfloat(x2->net_peak_pps, ==, 2000000);
    g_assert_cmpfloat(x2->net_packet_bytes, ==, 256);
    g_assert_cmpfloat(x2->net_jitter, ==, 3);
    g_assert_null(quiet->net_demand);
    /* defaults */
    g_autoptr(SovaSimScenario) d = scenario("[host]\npcpus=1\n[vm a]\ndemand=constant:1\nnet-demand=constant:1\n");
    g_assert_cmpfloat(sova_sim_scenario_host(d, 0)->nic.virtio_pps_cap, >, 0);
    g_assert_true(sova_sim_scenario_host(d, 0)->nic.vf_counters);
    g_assert_cmpfloat(((const SovaSimVmSpec *)g_ptr_array_index(d->vms, 0))->net_packet_bytes, >, 0);
}

typedef struct {
    const char *text;
    int line;
    const char *says;
} Bad;

#define HOST "[host]\npcpus=2\n"                  /* lines 1-2 */
#define VM "[vm a]\ndemand=constant:5\n"          /* 2 lines */

static const Bad bads[] = {
    { HOST VM "net-demand=constant:500\n", 5, "net-demand" },
    { HOST VM "net-demand=wave:5\n", 5, "unknown demand shape" },
    { HOST VM "net-demand=constant:5;constant:6\n", 5, "2 shapes given for one VM" },
    { HOST VM "net-peak-pps=1000\n", 5, "net-peak-pps without net-demand" },
    { HOST VM "net-demand=constant:5\nnet-packet-bytes=10\n", 6, "net-packet-bytes" },
    { HOST VM "net-demand=constant:5\nnet-jitter=x\n", 6, "net-jitter" },
    { HOST "vf-counters=maybe\n" VM, 3, "not yes, pf or no" },
    { HOST "virtio-pps-cap=0\n" VM, 3, "virtio-pps-cap" },
    { HOST "vf-attach-latency=-1\n" VM, 3, "vf-attach-latency" },
    { HOST "vfs=many\n" VM, 3, "vfs" },
    { HOST "[vms]\ncount=2\ndemand=constant:5\nnet-demand=\n", 6, "net-demand: empty" },
    { HOST "[vms]\ncount=2\ndemand=constant:5\nnet-jitter=2\n", 6, "without net-demand" },
};

static void test_bad(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(bads); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load_data("net.conf", bads[i].text, &err);
        g_assert_null(sc);
        g_assert_nonnull(err);
        g_autofree char *where = g_strdup_printf("net.conf:%d: ", bads[i].line);
        if (!g_str_has_prefix(err->message, where) || !strstr(err->message, bads[i].says))
            g_error("case %u: \"%s\" should start with \"%s\" and say \"%s\"", i, err->message, where,
                    bads[i].says);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim-net/virtio-cap-and-cpu", test_virtio_cap_and_cpu);
    g_test_add_func("/sim-net/virtio-drops", test_virtio_drops);
    g_test_add_func("/sim-net/vf-switch", test_vf_switch);
    g_test_add_func("/sim-net/vf-delivers-more", test_vf_delivers_more);
    g_test_add_func("/sim-net/pool", test_pool);
    g_test_add_func("/sim-net/vf-without-counters", test_vf_without_counters);
    g_test_add_func("/sim-net/nic-shared", test_nic_shared);
    g_test_add_func("/sim-net/no-net", test_no_net);
    g_test_add_func("/sim-net/gain-ahead", test_gain_ahead);
    g_test_add_func("/sim-net/keys", test_keys);
    g_test_add_func("/sim-net/bad", test_bad);
    return g_test_run();
}
