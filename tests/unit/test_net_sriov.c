/* test_net_sriov.c — the net plane with hostdev VFs (issue 13), without SR-IOV hardware:
 *  - the net model on VF counters from the PF (SovaNicSample.from_pf): a VF taken over
 *    with another holder's counts is fresh, not a burst; intervals in which the PF did not
 *    refresh bring no news, and the next move is spread over them, with what the standby
 *    carried meanwhile; a VF quiet for longer is idle; the first look after a blind spell
 *    replaces the rates carried through it;
 *  - the balance policy with a blind holder: what it last showed halves every
 *    blind_half_life intervals in a challenge, so a seen candidate takes the VF in the end;
 *    a seen holder and a blind holder nobody challenges keep theirs;
 *  - the simulator's vf-counters=pf: counters of the VF, not the VM, moving only when the
 *    PF refreshes them;
 *  - the policy on the simulator in the three modes (yes, pf, no) on a host whose hot VMs
 *    change halfway. */
#include "backend/sim/sim_backend.h"
#include "config/config.h"
#include "model/netmodel.h"
#include "policy/net_policy.h"
#include "sim/sim_run.h"
#include <string.h>

#define UUID_A "00000000-0000-0000-0000-00000000000a"
#define MAC_A "52:54:00:00:00:0a"

static SovaSnapshot *host(double t)
{
    SovaSnapshot *s = sova_snapshot_new(1);
    s->time_us = (gint64)(t * 1e6);
    return s;
}

/* VM a with its standby (vnet0: sb packets each way) and, when vf >= 0, a hostdev VF counted
 * by the PF (vf packets each way, 1000 bytes each) */
static SovaSnapshot *snap(double t, guint64 sb, gint64 vf)
{
    SovaSnapshot *s = host(t);
    SovaVmSample *vm = sova_snapshot_add_vm(s, UUID_A, "a", 1);
    SovaNicSample *n = sova_vm_add_nic(vm, "ua-sova-net0", MAC_A, "vnet0", SOVA_NIC_STANDBY);
    n->rx_packets = n->tx_packets = sb;
    n->rx_bytes = n->tx_bytes = sb * 1000;
    if (vf >= 0) {
        SovaNicSample *f = sova_vm_add_nic(vm, "ua-sova-vf0", MAC_A, NULL, SOVA_NIC_VF);
        f->from_pf = TRUE;
        f->rx_packets = f->tx_packets = (guint64)vf;
        f->rx_bytes = f->tx_bytes = (guint64)vf * 1000;
    }
    return s;
}

static SovaNetModel *step(const SovaSnapshot *a, const SovaSnapshot *b, const SovaNetModel *last)
{
    SovaNetModelParams p = {.ewma_alpha = 1};
    return sova_net_model_build(a, b, last, &p);
}

/* ---- the model ---- */

/* the VF still counts what its last holder sent (a million packets): the interval the VM
 * takes it over gives it no rate, the next one what moved */
static void test_model_pf_takeover(void)
{
    g_autoptr(SovaSnapshot) s0 = snap(0, 1000, -1);
    g_autoptr(SovaSnapshot) s1 = snap(1, 2000, 1000000);
    g_autoptr(SovaSnapshot) s2 = snap(2, 2000, 1003000);
    g_autoptr(SovaNetModel) m0 = step(s0, s0, NULL);
    g_autoptr(SovaNetModel) m1 = step(s0, s1, m0);
    const SovaNetVmLoad *v1 = sova_net_model_vm(m1, 0);
    g_assert_true(v1->has_vf);
    g_assert_false(v1->blind);
    g_assert_true(v1->fresh);
    g_assert_cmpfloat(sova_net_rates_pps(&v1->raw), ==, 0);
    g_autoptr(SovaNetModel) m2 = step(s1, s2, m1);
    const SovaNetVmLoad *v2 = sova_net_model_vm(m2, 0);
    g_assert_false(v2->fresh);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&v2->raw), 6000, 1e-6);
}

/* a PF that refreshes every 2 s, sampled every second: the interval without a move brings
 * no news (smooth carried, not halved); the next covers both, with the 500 packets each
 * way the standby carried in the quiet one */
static void test_model_pf_no_news(void)
{
    g_autoptr(SovaSnapshot) s0 = snap(0, 0, 0);
    g_autoptr(SovaSnapshot) s1 = snap(1, 0, 4000);
    g_autoptr(SovaSnapshot) s2 = snap(2, 500, 4000);
    g_autoptr(SovaSnapshot) s3 = snap(3, 500, 7500);
    g_autoptr(SovaNetModel) m0 = step(s0, s0, NULL);
    g_autoptr(SovaNetModel) m1 = step(s0, s1, m0);
    g_autoptr(SovaNetModel) m2 = step(s1, s2, m1);
    const SovaNetVmLoad *v2 = sova_net_model_vm(m2, 0);
    g_assert_true(v2->no_news);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&v2->smooth), 8000, 1e-6);
    g_autoptr(SovaNetModel) m3 = step(s2, s3, m2);
    const SovaNetVmLoad *v3 = sova_net_model_vm(m3, 0);
    g_assert_false(v3->no_news);
    /* (3500 + 500) each way over 2 s */
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&v3->raw), 4000, 1e-6);
}

/* unmoved for longer than a PF leaves them (SOVA_NET_PF_REFRESH_MAX): the VF is idle */
static void test_model_pf_idle(void)
{
    g_autoptr(SovaSnapshot) s0 = snap(0, 0, 0);
    g_autoptr(SovaSnapshot) s1 = snap(1, 0, 4000);
    g_autoptr(SovaNetModel) m = step(s0, s1, NULL);
    g_autoptr(SovaSnapshot) prev = snap(1, 0, 4000);
    gboolean went_idle = FALSE;
    for (guint t = 2; t < 8 && !went_idle; t++) {
        g_autoptr(SovaSnapshot) cur = snap(t, 0, 4000);
        SovaNetModel *next = step(prev, cur, m);
        sova_net_model_free(m);
        m = next;
        const SovaNetVmLoad *v = sova_net_model_vm(m, 0);
        went_idle = !v->no_news;
        if (went_idle) {
            g_assert_cmpfloat(t - 1, >=, SOVA_NET_PF_REFRESH_MAX);
            g_assert_cmpfloat(sova_net_rates_pps(&v->smooth), ==, 0);
        }
        sova_snapshot_free(prev);
        prev = g_steal_pointer(&cur);
    }
    g_assert_true(went_idle);
}

/* a VF without counters: blind, rates carried; back on its standby, the first look wins */
static void test_model_blind_then_seen(void)
{
    g_autoptr(SovaSnapshot) s0 = snap(0, 0, -1);
    g_autoptr(SovaSnapshot) s1 = snap(1, 50000, -1);
    g_autoptr(SovaNetModel) m1 = sova_net_model_build(s0, s1, NULL, &(SovaNetModelParams){.ewma_alpha = 0.5});
    SovaSnapshot *s2 = snap(2, 50000, -1);
    SovaNicSample *vf = sova_vm_add_nic(g_ptr_array_index(s2->vms, 0), "ua-sova-vf0", MAC_A, NULL,
                                        SOVA_NIC_VF);
    (void)vf;
    g_autoptr(SovaNetModel) m2 = sova_net_model_build(s1, s2, m1, &(SovaNetModelParams){.ewma_alpha = 0.5});
    g_assert_true(sova_net_model_vm(m2, 0)->blind);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&sova_net_model_vm(m2, 0)->smooth), 100000, 1e-6);
    g_autoptr(SovaSnapshot) s3 = snap(3, 50100, -1);   /* quiet now: 100 packets each way */
    g_autoptr(SovaNetModel) m3 = sova_net_model_build(s2, s3, m2, &(SovaNetModelParams){.ewma_alpha = 0.5});
    g_assert_false(sova_net_model_vm(m3, 0)->blind);
    g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&sova_net_model_vm(m3, 0)->smooth), 200, 1e-6);
    sova_snapshot_free(s2);
}

/* ---- the policy ---- */

/* holder h (blind or seen) with benefit 100000 and, when cand, candidate c at 80000 */
static SovaNetModel *holder_model(gboolean blind, gboolean cand)
{
    SovaNetModel *m = sova_net_model_new(0);
    sova_net_model_add_vm(m, "uh", "h", 100000, 0, TRUE)->blind = blind;
    sova_net_model_add_vm(m, "uc", "c", cand ? 80000 : 500, 0, FALSE);
    return m;
}

/* the interval (1-based) at which c takes h's VF, 0 if not within `limit` */
static guint takes_over(gboolean blind, gboolean cand, guint half_life, guint limit)
{
    SovaNetPolicyParams p = SOVA_NET_PARAMS_DEFAULT;
    p.pool_size = 1;
    p.blind_half_life = half_life;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaNetModel) m = holder_model(blind, cand);
    for (guint t = 1; t <= limit; t++) {
        g_autoptr(SovaPlan) plan = sova_net_policy_balance.plan(m, &p, st, NULL);
        for (guint i = 0; i < sova_plan_len(plan); i++) {
            const SovaAction *a = sova_plan_action(plan, i);
            if (a->kind == SOVA_ACTION_DETACH_VF && !strcmp(a->vm_name, "h")) {
                g_assert_true(blind);
                g_assert_nonnull(strstr(sova_plan_action(plan, 1)->reason, "blind"));
                return t;
            }
        }
    }
    return 0;
}

static void test_policy_blind_decay(void)
{
    /* 80000 > 1.5 x 100000 x 2^(-t/10) from t = 10 (2^-0.907 = 0.533), then 4 beats */
    guint t = takes_over(TRUE, TRUE, 10, 100);
    g_assert_cmpuint(t, >=, 10);
    g_assert_cmpuint(t, <=, 14);
    /* a longer half-life waits longer */
    g_assert_cmpuint(takes_over(TRUE, TRUE, 20, 100), >, t + 5);
    /* a seen holder beats the candidate by its own figures; a blind one nobody wants to
     * replace keeps its VF; no decay: trusted for ever */
    g_assert_cmpuint(takes_over(FALSE, TRUE, 10, 100), ==, 0);
    g_assert_cmpuint(takes_over(TRUE, FALSE, 10, 200), ==, 0);
    g_assert_cmpuint(takes_over(TRUE, TRUE, 0, 200), ==, 0);
}

/* ---- the simulator ---- */

static SovaSimScenario *scenario(const char *text)
{
    g_autoptr(GError) err = NULL;
    SovaSimScenario *sc = sova_sim_scenario_load_data("test.conf", text, &err);
    g_assert_no_error(err);
    return sc;
}

static const SovaNicSample *vf_of(const SovaSnapshot *s, guint vm)
{
    const SovaVmSample *v = g_ptr_array_index(s->vms, vm);
    for (guint i = 0; i < v->nics->len; i++)
        if (sova_vm_nic(v, i)->role == SOVA_NIC_VF)
            return sova_vm_nic(v, i);
    return NULL;
}

static gboolean vf_move(SovaBackend *be, guint vm, SovaActionKind kind)
{
    g_autoptr(SovaPlan) plan = sova_plan_new();
    SovaAction *a = sova_plan_add_vf(plan, kind, sova_sim_backend_vm_uuid(be, vm), "x", "test");
    return sova_backend_execute(be, a, NULL);
}

/* vf-counters=pf, refreshed every 2 s: no tap, from_pf, counters that move only at a
 * refresh, and that the next holder of the VF inherits */
static void test_sim_pf_counters(void)
{
    g_autoptr(SovaSimScenario) sc = scenario(
        "[scenario]\ntick=0.1\n[host]\npcpus=1\nvfs=1\nvf-counters=pf\nvf-stats-period=2\n"
        "vf-attach-latency=0\nvf-detach-gap=0\n"
        "[vms]\ncount=2\ndemand=constant:0\nnet-demand=constant:10\n");
    g_assert_cmpint(sova_sim_scenario_host(sc, 0)->nic.vf_counters, ==, SOVA_SIM_VF_COUNTERS_PF);
    g_autoptr(SovaBackend) be = sova_sim_backend_new(sc, 1, FALSE);
    g_assert_true(vf_move(be, 0, SOVA_ACTION_ATTACH_VF));
    guint64 last = 0, changes = 0;
    for (guint k = 0; k < 8; k++) {
        sova_backend_wait(be, 0.5, NULL);
        g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
        const SovaNicSample *vf = vf_of(s, 0);
        g_assert_nonnull(vf);
        g_assert_null(vf->target_dev);
        g_assert_true(vf->from_pf);
        guint64 now = vf->rx_packets + vf->tx_packets;
        g_assert_cmpuint(now, >=, last);
        changes += now != last;
        last = now;
    }
    g_assert_cmpuint(changes, ==, 2);   /* 4 s, a refresh every 2 s (at 1 s and 3 s) */
    g_assert_true(vf_move(be, 0, SOVA_ACTION_DETACH_VF));
    g_assert_true(vf_move(be, 1, SOVA_ACTION_ATTACH_VF));
    g_autoptr(SovaSnapshot) s = sova_backend_sample(be, NULL);
    const SovaNicSample *next = vf_of(s, 1);
    g_assert_nonnull(next);
    g_assert_cmpuint(next->rx_packets + next->tx_packets, >=, last);   /* the VF's, not the VM's */
}

/* 2 VFs; a and b hot (about 450 kpps) for 80 s, then c and d; two quiet VMs */
static const char halfway[] =
    "[scenario]\nduration=200\nseed=5\n"
    "[host]\npcpus=8\nvfs=2\nvf-counters=%s\n"
    "[vm a]\ndemand=constant:5\nnet-demand=phases:0-80=45,80-200=3\nnet-jitter=5\n"
    "[vm b]\ndemand=constant:5\nnet-demand=phases:0-80=40,80-200=3\nnet-jitter=5\n"
    "[vm c]\ndemand=constant:5\nnet-demand=phases:0-80=3,80-200=45\nnet-jitter=5\n"
    "[vm d]\ndemand=constant:5\nnet-demand=phases:0-80=3,80-200=40\nnet-jitter=5\n"
    "[vms quiet]\ncount=2\ndemand=constant:5\nnet-demand=constant:8\nnet-jitter=3\n";

static SovaSimResult *run_halfway(const char *mode, guint half_life)
{
    g_autofree char *text = g_strdup_printf(halfway, mode);
    g_autoptr(SovaSimScenario) sc = scenario(text);
    g_autoptr(SovaConfig) cfg = sova_config_new();
    cfg->net_blind_half_life = half_life;
    SovaSimRunOptions o = { .policy = sova_cpu_policy_find("balance"), .cfg = cfg,
                            .net_mode = SOVA_SIM_NET_AGENT, .net_policy = &sova_net_policy_balance };
    g_autoptr(GError) err = NULL;
    SovaSimResult *r = sova_sim_run(sc, &o, &err);
    g_assert_no_error(err);
    return r;
}

static double vf_s(const SovaSimResult *r, guint vm)
{
    return g_array_index(r->vms, SovaSimVmResult, vm).vf_s;
}

static void test_sim_three_modes(void)
{
    static const char *const modes[] = { "yes", "pf", "no" };
    for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
        g_autoptr(SovaSimResult) r = run_halfway(modes[i], 80);
        /* the first hot pair holds the VFs in the first half, the second pair takes them
         * over in the second, whether the host sees the holders' traffic or not */
        for (guint vm = 0; vm < 4; vm++)
            if (vf_s(r, vm) < 40)
                g_error("vf-counters=%s: VM %u held a VF %.0f s", modes[i], vm, vf_s(r, vm));
        g_assert_cmpfloat(vf_s(r, 4) + vf_s(r, 5), <, 20);
    }
    /* blind holders trusted for ever: the second pair never gets a VF */
    g_autoptr(SovaSimResult) never = run_halfway("no", 0);
    g_assert_cmpfloat(vf_s(never, 2) + vf_s(never, 3), <, 5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-sriov/model/pf-takeover", test_model_pf_takeover);
    g_test_add_func("/net-sriov/model/pf-no-news", test_model_pf_no_news);
    g_test_add_func("/net-sriov/model/pf-idle", test_model_pf_idle);
    g_test_add_func("/net-sriov/model/blind-then-seen", test_model_blind_then_seen);
    g_test_add_func("/net-sriov/policy/blind-decay", test_policy_blind_decay);
    g_test_add_func("/net-sriov/sim/pf-counters", test_sim_pf_counters);
    g_test_add_func("/net-sriov/sim/three-modes", test_sim_three_modes);
    return g_test_run();
}
