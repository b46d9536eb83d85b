/* test_net_pf_handover.c — the net model when a VF counted by its PF (from_pf) changes
 * hands. The PF's driver refreshes the VF's counters on its own clock, so the new holder's
 * first sample may predate the last holder's last traffic; the next refresh would bring that
 * traffic, and the new holder's own since the attach, in one lump:
 *  - a busy holder displaced, the PF refreshing every 2 s: the new holder's first rate is its
 *    own, not inflated by the last holder's tail;
 *  - an idle holder displaced, same PF: the new holder's first rate is not inflated by its own
 *    traffic from before its stale baseline;
 *  - a PF that refreshes on each query (mlx5): the first rate comes the interval after the
 *    takeover, as early as the counters allow;
 *  - a VF whose counters stay unmoved for as long as a PF leaves them settles without a move;
 *  - a VF free for longer than a PF leaves its counters: nothing to settle either.
 * Counters are hand-built: VM a holds VF ua-sova-vf0 until just after t=1, then b. */
#include "model/netmodel.h"

#define UUID_A "00000000-0000-0000-0000-00000000000a"
#define UUID_B "00000000-0000-0000-0000-00000000000b"
#define B_PPS 20000.0         /* b's true rate, rx + tx, on its VF from t = 1.2 */

/* VM a and b, each with its standby (quiet); `holder` (0 = a, 1 = b, -1 = nobody) holds the
 * VF, whose PF shows `vf` packets each way (1000 bytes each) */
static SovaSnapshot *snap(double t, int holder, guint64 vf)
{
    SovaSnapshot *s = sova_snapshot_new(1);
    s->time_us = (gint64)(t * 1e6);
    const char *uuids[] = { UUID_A, UUID_B }, *names[] = { "a", "b" };
    const char *macs[] = { "52:54:00:00:00:0a", "52:54:00:00:00:0b" };
    const char *taps[] = { "vnet0", "vnet1" };
    for (int i = 0; i < 2; i++) {
        SovaVmSample *vm = sova_snapshot_add_vm(s, uuids[i], names[i], 1);
        sova_vm_add_nic(vm, "ua-sova-net0", macs[i], taps[i], SOVA_NIC_STANDBY);
        if (i == holder) {
            SovaNicSample *f = sova_vm_add_nic(vm, "ua-sova-vf0", macs[i], NULL, SOVA_NIC_VF);
            f->from_pf = TRUE;
            f->rx_packets = f->tx_packets = vf;
            f->rx_bytes = f->tx_bytes = vf * 1000;
        }
    }
    return s;
}

typedef struct {
    double t;
    int holder;
    guint64 vf;
} Step;

/* the model over the steps; returns the model of b's first reading with a rate after
 * `after` (NULL if none), and in *at the time of that reading */
static SovaNetModel *run(const Step *steps, guint n, double after, double *at)
{
    SovaNetModelParams p = {.ewma_alpha = 1};
    SovaSnapshot *prev = snap(steps[0].t, steps[0].holder, steps[0].vf);
    SovaNetModel *m = sova_net_model_build(NULL, prev, NULL, &p);
    for (guint i = 1; i < n; i++) {
        SovaSnapshot *cur = snap(steps[i].t, steps[i].holder, steps[i].vf);
        SovaNetModel *next = sova_net_model_build(prev, cur, m, &p);
        sova_net_model_free(m);
        sova_snapshot_free(prev);
        prev = cur;
        m = next;
        const SovaNetVmLoad *b = sova_net_model_find(m, UUID_B);
        if (steps[i].holder == 1 && steps[i].t > after && !b->fresh && !b->no_news) {
            *at = steps[i].t;
            sova_snapshot_free(prev);
            return m;
        }
    }
    sova_snapshot_free(prev);
    sova_net_model_free(m);
    return NULL;
}

static void assert_b_rate(const SovaNetModel *m)
{
    g_assert_nonnull(m);
    const SovaNetVmLoad *b = sova_net_model_find(m, UUID_B);
    g_assert_cmpfloat(b->raw_s, >, 0);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&b->raw), B_PPS, 0.1 * B_PPS);
}

/* a at 100 kpps each way; the PF refreshes at 0.5, 2.5, 4.5, 6.5: its refresh at 2.5 brings
 * a's last 0.5 s (50000 each way) and b's first 1.3 s (13000) */
static void test_busy_holder_displaced(void)
{
    static const Step steps[] = {
        { 0, 0, 1000000 }, { 1, 0, 1100000 }, { 2, 1, 1100000 }, { 3, 1, 1163000 },
        { 4, 1, 1163000 }, { 5, 1, 1183000 }, { 6, 1, 1183000 }, { 7, 1, 1203000 },
    };
    double at = 0;
    g_autoptr(SovaNetModel) m = run(steps, G_N_ELEMENTS(steps), 0, &at);
    assert_b_rate(m);
}

/* a idle; same PF: the refresh at 2.5 brings b's own 1.3 s (13000 each way), which its stale
 * baseline at 2 lacks: over the interval 2..3 it would read 26 kpps */
static void test_own_traffic_before_baseline(void)
{
    static const Step steps[] = {
        { 0, 0, 1000000 }, { 1, 0, 1000000 }, { 2, 1, 1000000 }, { 3, 1, 1013000 },
        { 4, 1, 1013000 }, { 5, 1, 1033000 }, { 6, 1, 1033000 }, { 7, 1, 1053000 },
    };
    double at = 0;
    g_autoptr(SovaNetModel) m = run(steps, G_N_ELEMENTS(steps), 0, &at);
    assert_b_rate(m);
}

/* a PF that refreshes on each query: b's baseline at 2 holds all of a's traffic (and b's
 * first 0.8 s); its first rate comes at 3 */
static void test_refresh_on_query(void)
{
    static const Step steps[] = {
        { 0, 0, 1000000 }, { 1, 0, 1100000 }, { 2, 1, 1108000 }, { 3, 1, 1118000 },
        { 4, 1, 1128000 },
    };
    double at = 0;
    g_autoptr(SovaNetModel) m = run(steps, G_N_ELEMENTS(steps), 0, &at);
    assert_b_rate(m);
    g_assert_cmpfloat(at, ==, 3);
}

/* a idle, and b for its first 3 s: unmoved for SOVA_NET_PF_REFRESH_MAX after the takeover,
 * a refresh has come and brought nothing: b is idle (as on a VF it had held for long), and
 * the counters are a clean baseline, so b's first traffic gives its rate at once */
static void test_settles_when_quiet(void)
{
    static const Step steps[] = {
        { 0, 0, 1000000 }, { 1, 0, 1000000 }, { 2, 1, 1000000 }, { 3, 1, 1000000 },
        { 4, 1, 1000000 }, { 5, 1, 1000000 }, { 6, 1, 1010000 }, { 7, 1, 1020000 },
    };
    double at = 0;
    g_autoptr(SovaNetModel) idle = run(steps, G_N_ELEMENTS(steps), 0, &at);
    g_assert_nonnull(idle);
    g_assert_cmpfloat(at, ==, 5);
    g_assert_cmpfloat(sova_net_rates_pps(&sova_net_model_find(idle, UUID_B)->raw), ==, 0);
    g_autoptr(SovaNetModel) m = run(steps, G_N_ELEMENTS(steps), 5, &at);
    assert_b_rate(m);
    g_assert_cmpfloat(at, ==, 6);
}

/* the VF free from 1 to 4, longer than a PF leaves its counters: whatever a sent before it
 * left has been refreshed in, even though the counters did not move (a idle at the end) */
static void test_free_long_enough(void)
{
    static const Step steps[] = {
        { 0, 0, 1000000 }, { 1, 0, 1000000 }, { 2, -1, 0 }, { 3, -1, 0 }, { 4, -1, 0 },
        { 5, 1, 1000000 }, { 6, 1, 1010000 }, { 7, 1, 1020000 },
    };
    double at = 0;
    g_autoptr(SovaNetModel) m = run(steps, G_N_ELEMENTS(steps), 0, &at);
    assert_b_rate(m);
    g_assert_cmpfloat(at, ==, 6);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-pf-handover/busy-holder-displaced", test_busy_holder_displaced);
    g_test_add_func("/net-pf-handover/own-traffic-before-baseline",
                    test_own_traffic_before_baseline);
    g_test_add_func("/net-pf-handover/refresh-on-query", test_refresh_on_query);
    g_test_add_func("/net-pf-handover/settles-when-quiet", test_settles_when_quiet);
    g_test_add_func("/net-pf-handover/free-long-enough", test_free_long_enough);
    return g_test_run();
}
