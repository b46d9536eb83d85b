/* test_net_policy.c — the net policies on hand-made models and on a tiny fake host.
 *
 * The fake host keeps per-NIC counters: a VM's traffic goes to its VF while it holds
 * one and to its standby otherwise, a plan's actions add or remove the VF NIC (or
 * fail, when told to), and each interval goes through sova_net_model_build, so the
 * policies see what the agent will see. `balance` must hold steady under noisy load
 * where the `sova` baseline flaps; scarcity, dwell time, the switch cap, overrides and
 * backoff after failed attaches are checked interval by interval. With a virtio cap the
 * fake host drops what is offered above it (rx drops): both policies must rank VMs
 * pressed against the cap by what they drop, and `balance` must hand a quiet holder's
 * VF over at once. */
#include <string.h>
#include "model/netmodel.h"
#include "policy/net_policy.h"

/* ---------- hand-made models ---------- */

typedef struct {
    const char *name;
    double pps;
    gboolean vf;
    SovaNetOverride ov;
} Vm;

static char *uuid_of(const char *name)
{
    guint h = g_str_hash(name);
    return g_strdup_printf("00000000-0000-0000-0000-0000%08x", h);
}

static SovaNetModel *model(const Vm *vms, guint n)
{
    SovaNetModel *m = sova_net_model_new(0);
    for (guint i = 0; i < n; i++) {
        g_autofree char *u = uuid_of(vms[i].name);
        sova_net_model_add_vm(m, u, vms[i].name, vms[i].pps, 0, vms[i].vf)->override = vms[i].ov;
    }
    return m;
}

static SovaNetPolicyParams params(guint pool)
{
    SovaNetPolicyParams p = SOVA_NET_PARAMS_DEFAULT;
    p.pool_size = pool;
    return p;
}

/* the action of the plan for VM name, or NULL */
static const SovaAction *action_for(const SovaPlan *plan, const char *name)
{
    for (guint i = 0; i < sova_plan_len(plan); i++)
        if (strcmp(sova_plan_action(plan, i)->vm_name, name) == 0)
            return sova_plan_action(plan, i);
    return NULL;
}

static gboolean attaches(const SovaPlan *plan, const char *name)
{
    const SovaAction *a = action_for(plan, name);
    return a && a->kind == SOVA_ACTION_ATTACH_VF;
}

static gboolean detaches(const SovaPlan *plan, const char *name)
{
    const SovaAction *a = action_for(plan, name);
    return a && a->kind == SOVA_ACTION_DETACH_VF;
}

/* applies a plan to the hand-made VMs */
static void apply(Vm *vms, guint n, const SovaPlan *plan)
{
    for (guint i = 0; i < n; i++)
        if (action_for(plan, vms[i].name))
            vms[i].vf = attaches(plan, vms[i].name);
}

static SovaPlan *run(const SovaNetPolicy *pol, Vm *vms, guint n, const SovaNetPolicyParams *p,
                     SovaNetState *st, SovaNetResult *res)
{
    g_autoptr(SovaNetModel) m = model(vms, n);
    SovaPlan *plan = pol->plan(m, p, st, res);
    apply(vms, n, plan);
    return plan;
}

static void test_registry(void)
{
    g_assert_true(sova_net_policy_find("balance") == &sova_net_policy_balance);
    g_assert_true(sova_net_policy_find("sova") == &sova_net_policy_sova);
    g_assert_null(sova_net_policy_find("nope"));
    g_assert_nonnull(strstr(sova_net_policy_list(), "sova"));
}

/* packets weigh more than bytes: 5000 small packets/s beat 1000 full ones */
static void test_benefit_weights(void)
{
    SovaNetPolicyParams p = params(1);
    g_autoptr(SovaNetModel) m = sova_net_model_new(0);
    sova_net_model_add_vm(m, "u1", "small", 5000, 5000 * 64, FALSE);
    sova_net_model_add_vm(m, "u2", "bulk", 1000, 1000 * 1500, FALSE);
    const SovaNetVmLoad *small = sova_net_model_vm(m, 0), *bulk = sova_net_model_vm(m, 1);
    g_assert_cmpfloat(sova_net_benefit(small, &p), >, sova_net_benefit(bulk, &p));
    g_assert_cmpfloat(sova_net_benefit(bulk, &p), >, 1000);   /* bytes count, a little */
}

/* scarcity: 2 VFs, 5 VMs: the two with the highest benefit get them, in one interval
 * (no cap); the others that want one are reported as unmet demand */
static void test_scarcity(void)
{
    Vm vms[] = {{"idle", 100, 0, 0}, {"b", 5000, 0, 0}, {"c", 3000, 0, 0},
                {"top", 8000, 0, 0}, {"e", 2500, 0, 0}};
    SovaNetPolicyParams p = params(2);
    p.max_switches = 0;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaNetResult) res = sova_net_result_new();
    g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, vms, 5, &p, st, res);
    g_assert_cmpuint(sova_plan_len(plan), ==, 2);
    g_assert_true(attaches(plan, "top"));
    g_assert_true(attaches(plan, "b"));
    g_assert_cmpuint(res->in_use, ==, 2);
    g_assert_cmpuint(res->unmet, ==, 2);   /* c and e want one; idle does not */
    g_autofree char *uc = uuid_of("c"), *ui = uuid_of("idle");
    g_assert_true(sova_net_result_find(res, uc)->unmet);
    g_assert_false(sova_net_result_find(res, ui)->wants_vf);
    /* settled: nothing more to do */
    g_autoptr(SovaPlan) again = run(&sova_net_policy_balance, vms, 5, &p, st, NULL);
    g_assert_cmpuint(sova_plan_len(again), ==, 0);
}

/* the cap on switches per interval: 4 free VFs, 4 candidates, 2 per interval, best first */
static void test_switch_cap(void)
{
    Vm vms[] = {{"a", 3000, 0, 0}, {"b", 9000, 0, 0}, {"c", 4000, 0, 0}, {"d", 8000, 0, 0}};
    SovaNetPolicyParams p = params(4);
    p.max_switches = 2;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaPlan) p1 = run(&sova_net_policy_balance, vms, 4, &p, st, NULL);
    g_assert_cmpuint(sova_plan_len(p1), ==, 2);
    g_assert_true(attaches(p1, "b") && attaches(p1, "d"));
    g_autoptr(SovaPlan) p2 = run(&sova_net_policy_balance, vms, 4, &p, st, NULL);
    g_assert_cmpuint(sova_plan_len(p2), ==, 2);
    g_assert_true(attaches(p2, "a") && attaches(p2, "c"));
}

/* a holder whose load drops keeps its VF until it has been below `exit` for
 * exit_intervals intervals, and never within min_dwell of its attach */
static void test_exit_and_dwell(void)
{
    Vm vms[] = {{"a", 5000, 0, 0}};
    SovaNetPolicyParams p = params(1);
    p.exit_intervals = 2;
    p.min_dwell = 5;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaPlan) first = run(&sova_net_policy_balance, vms, 1, &p, st, NULL);
    g_assert_true(attaches(first, "a"));
    vms[0].pps = 10;   /* idle right after the switch */
    guint detached_at = 0;
    for (guint t = 2; t <= 10 && !detached_at; t++) {
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, vms, 1, &p, st, NULL);
        if (detaches(plan, "a"))
            detached_at = t;
    }
    g_assert_cmpuint(detached_at, ==, 1 + p.min_dwell);   /* low long enough at 3, dwell until 6 */

    /* without dwell: exactly exit_intervals intervals below exit */
    Vm w[] = {{"w", 5000, 1, 0}};
    p.min_dwell = 0;
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    w[0].pps = 500;
    g_autoptr(SovaPlan) q1 = run(&sova_net_policy_balance, w, 1, &p, st2, NULL);
    g_assert_cmpuint(sova_plan_len(q1), ==, 0);
    w[0].pps = 5000;   /* back up: the count starts over */
    g_autoptr(SovaPlan) q2 = run(&sova_net_policy_balance, w, 1, &p, st2, NULL);
    w[0].pps = 500;
    g_autoptr(SovaPlan) q3 = run(&sova_net_policy_balance, w, 1, &p, st2, NULL);
    g_assert_cmpuint(sova_plan_len(q2) + sova_plan_len(q3), ==, 0);
    g_autoptr(SovaPlan) q4 = run(&sova_net_policy_balance, w, 1, &p, st2, NULL);
    g_assert_true(detaches(q4, "w"));
    g_assert_nonnull(strstr(sova_plan_action(q4, 0)->reason, "below exit"));
}

/* a candidate takes a holder's VF only after beating it by `margin` for
 * challenge_intervals intervals in a row; the detach comes first in the plan */
static void test_challenge(void)
{
    Vm vms[] = {{"holder", 3000, 1, 0}, {"close", 4000, 0, 0}, {"strong", 6000, 0, 0}};
    SovaNetPolicyParams p = params(1);
    p.min_dwell = 0;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaNetResult) res = sova_net_result_new();
    for (guint t = 1; t < p.challenge_intervals; t++) {
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, vms, 3, &p, st, res);
        g_assert_cmpuint(sova_plan_len(plan), ==, 0);
        g_assert_cmpuint(res->unmet, ==, 2);
    }
    g_autoptr(SovaPlan) swap = run(&sova_net_policy_balance, vms, 3, &p, st, res);
    g_assert_cmpuint(sova_plan_len(swap), ==, 2);
    g_assert_cmpint(sova_plan_action(swap, 0)->kind, ==, SOVA_ACTION_DETACH_VF);
    g_assert_cmpstr(sova_plan_action(swap, 0)->vm_name, ==, "holder");
    g_assert_cmpint(sova_plan_action(swap, 1)->kind, ==, SOVA_ACTION_ATTACH_VF);
    g_assert_cmpstr(sova_plan_action(swap, 1)->vm_name, ==, "strong");
    g_assert_cmpuint(res->in_use, ==, 1);

    /* "close" (4000 vs 3000, under 1.5x) never takes it */
    Vm w[] = {{"holder", 3000, 1, 0}, {"close", 4000, 0, 0}};
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    for (guint t = 0; t < 20; t++) {
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, 0);
    }
}

/* a single interval where the challenger falls short takes back one beat, not all: with
 * challenge_intervals 4, beat beat miss beat beat beat takes the VF on the sixth (two
 * misses in a row take back two) */
static void test_challenge_one_miss(void)
{
    Vm vms[] = {{"holder", 3000, 1, 0}, {"strong", 6000, 0, 0}};
    SovaNetPolicyParams p = params(1);
    p.min_dwell = 0;
    p.challenge_intervals = 4;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    double load[] = {6000, 6000, 4000, 6000, 6000, 6000};
    for (guint t = 0; t < G_N_ELEMENTS(load); t++) {
        vms[1].pps = load[t];
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, vms, 2, &p, st, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, t + 1 < G_N_ELEMENTS(load) ? 0 : 2);
    }
    g_assert_true(vms[1].vf);

    Vm w[] = {{"holder", 3000, 1, 0}, {"strong", 6000, 0, 0}};
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    double load2[] = {6000, 6000, 6000, 4000, 4000, 6000, 6000};   /* 3 - 2 + 2 = 3 */
    for (guint t = 0; t < G_N_ELEMENTS(load2); t++) {
        w[1].pps = load2[t];
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, 0);
    }
    g_autoptr(SovaPlan) last = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
    g_assert_true(attaches(last, "strong"));
}

/* overrides win: never loses its VF at once (even within its dwell time) and never
 * gets one; always gets one first, and takes an auto holder's VF without waiting */
static void test_overrides(void)
{
    SovaNetPolicyParams p = params(1);
    p.min_dwell = 100;
    Vm vms[] = {{"busy", 9000, 0, SOVA_NET_NEVER}, {"quiet", 0, 0, SOVA_NET_ALWAYS},
                {"mid", 5000, 0, 0}};
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaNetResult) res = sova_net_result_new();
    g_autoptr(SovaPlan) p1 = run(&sova_net_policy_balance, vms, 3, &p, st, res);
    g_assert_cmpuint(sova_plan_len(p1), ==, 1);
    g_assert_true(attaches(p1, "quiet"));
    g_autofree char *ub = uuid_of("busy");
    g_assert_false(sova_net_result_find(res, ub)->wants_vf);

    /* an auto holder within its dwell time keeps its VF, even against an `always` VM */
    Vm w[] = {{"auto", 9000, 0, 0}, {"vip", 0, 0, 0}};
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    g_autoptr(SovaPlan) q1 = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
    g_assert_true(attaches(q1, "auto"));
    w[1].ov = SOVA_NET_ALWAYS;
    w[0].ov = SOVA_NET_AUTO;
    g_autoptr(SovaPlan) q2 = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
    g_assert_cmpuint(sova_plan_len(q2), ==, 0);   /* the holder is within its dwell time */

    /* but `never` takes a VF back at once, whatever the dwell time */
    Vm x[] = {{"x", 9000, 0, 0}};
    g_autoptr(SovaNetState) st3 = sova_net_state_new();
    g_autoptr(SovaPlan) r1 = run(&sova_net_policy_balance, x, 1, &p, st3, NULL);
    g_assert_true(attaches(r1, "x"));
    x[0].ov = SOVA_NET_NEVER;
    g_autoptr(SovaPlan) r2 = run(&sova_net_policy_balance, x, 1, &p, st3, NULL);
    g_assert_true(detaches(r2, "x"));
    g_assert_cmpstr(sova_plan_action(r2, 0)->reason, ==, "override: never");

    /* an `always` VM takes an auto holder's VF out of its dwell time without a challenge */
    p.min_dwell = 0;
    Vm y[] = {{"auto", 9000, 1, 0}, {"vip", 0, 0, SOVA_NET_ALWAYS}};
    g_autoptr(SovaNetState) st4 = sova_net_state_new();
    g_autoptr(SovaPlan) s1 = run(&sova_net_policy_balance, y, 2, &p, st4, NULL);
    g_assert_true(detaches(s1, "auto"));
    g_assert_true(attaches(s1, "vip"));
}

/* the baseline re-ranks every interval: a hair's difference moves the VF */
static void test_baseline_reranks(void)
{
    Vm vms[] = {{"a", 5000, 1, 0}, {"b", 5001, 0, 0}};
    SovaNetPolicyParams p = params(1);
    g_autoptr(SovaNetState) st = sova_net_state_new();
    g_autoptr(SovaPlan) plan = run(&sova_net_policy_sova, vms, 2, &p, st, NULL);
    g_assert_true(detaches(plan, "a"));
    g_assert_true(attaches(plan, "b"));
    g_assert_cmpint(sova_plan_action(plan, 0)->kind, ==, SOVA_ACTION_DETACH_VF);
    /* and the default keeps it where it is */
    Vm w[] = {{"a", 5000, 1, 0}, {"b", 5001, 0, 0}};
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    g_autoptr(SovaPlan) keep = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
    g_assert_cmpuint(sova_plan_len(keep), ==, 0);
}

/* ---------- a fake host: counters, switches, noise ---------- */

typedef struct {
    char name[16];
    char uuid[SOVA_UUID_LEN];
    double mean_pps;          /* true load: mean_pps * (1 + noise * U(-1, 1)) */
    gboolean vf;
    gboolean fail_attach;     /* every attach fails */
    guint64 sb_pkts, vf_pkts; /* cumulative packets on the standby and on the VF */
    guint64 sb_drops;         /* cumulative rx drops on the standby (above the cap) */
    guint attaches, detaches;
    GArray *attach_ticks;     /* guint: intervals whose plan attached it */
} FakeVm;

typedef struct {
    FakeVm vms[8];
    guint n;
    double noise;
    double cap;               /* packets/s the standby carries; 0 = no cap */
    gboolean no_drops;        /* the host reports no drop counters */
    GRand *rand;
    double t;
    guint tick;
    SovaSnapshot *prev;
    SovaNetModel *last;
    SovaNetState *st;
    SovaNetPolicyParams p;
    const SovaNetPolicy *pol;
} Fake;

static void fake_init_seed(Fake *f, const SovaNetPolicy *pol, guint pool, double noise, guint32 seed)
{
    memset(f, 0, sizeof *f);
    f->pol = pol;
    f->p = params(pool);
    f->noise = noise;
    f->rand = g_rand_new_with_seed(seed);
    f->st = sova_net_state_new();
}

static void fake_init(Fake *f, const SovaNetPolicy *pol, guint pool, double noise)
{
    fake_init_seed(f, pol, pool, noise, 4242);
}

static FakeVm *fake_add(Fake *f, const char *name, double mean_pps)
{
    FakeVm *v = &f->vms[f->n++];
    g_strlcpy(v->name, name, sizeof v->name);
    g_snprintf(v->uuid, sizeof v->uuid, "00000000-0000-0000-0000-%012u", f->n);
    v->mean_pps = mean_pps;
    v->attach_ticks = g_array_new(FALSE, FALSE, sizeof(guint));
    return v;
}

static void fake_clear(Fake *f)
{
    for (guint i = 0; i < f->n; i++)
        g_array_unref(f->vms[i].attach_ticks);
    g_rand_free(f->rand);
    sova_snapshot_free(f->prev);
    sova_net_model_free(f->last);
    sova_net_state_free(f->st);
}

static SovaSnapshot *fake_snapshot(Fake *f)
{
    SovaSnapshot *s = sova_snapshot_new(1);
    s->time_us = (gint64)(f->t * 1e6);
    for (guint i = 0; i < f->n; i++) {
        FakeVm *v = &f->vms[i];
        SovaVmSample *vm = sova_snapshot_add_vm(s, v->uuid, v->name, 1);
        g_autofree char *mac = g_strdup_printf("52:54:00:00:00:%02x", i);
        SovaNicSample *sb = sova_vm_add_nic(vm, "ua-sova-net0", mac, "vnet0", SOVA_NIC_STANDBY);
        sb->rx_packets = v->sb_pkts;
        sb->rx_drops = f->no_drops ? 0 : v->sb_drops;
        if (v->vf)
            sova_vm_add_nic(vm, "ua-sova-vf0", mac, "vnet9", SOVA_NIC_VF)->rx_packets = v->vf_pkts;
    }
    return s;
}

static void fake_apply(Fake *f, const SovaPlan *plan)
{
    for (guint a = 0; a < sova_plan_len(plan); a++) {
        const SovaAction *act = sova_plan_action(plan, a);
        for (guint i = 0; i < f->n; i++) {
            FakeVm *v = &f->vms[i];
            if (strcmp(v->uuid, act->uuid) != 0)
                continue;
            if (act->kind == SOVA_ACTION_DETACH_VF) {
                v->vf = FALSE;
                v->detaches++;
            } else {
                g_array_append_val(v->attach_ticks, f->tick);
                if (v->fail_attach) {
                    sova_net_state_attach_failed(f->st, v->uuid);
                    continue;
                }
                v->vf = TRUE;
                v->vf_pkts = 0;   /* a new device */
                v->attaches++;
            }
        }
    }
}

/* one interval: traffic, sample, model, plan, apply; returns the number of actions */
static guint fake_step(Fake *f)
{
    f->t += 1;
    f->tick++;
    for (guint i = 0; i < f->n; i++) {
        FakeVm *v = &f->vms[i];
        double pps = MAX(v->mean_pps * (1 + f->noise * g_rand_double_range(f->rand, -1, 1)), 0);
        if (v->vf) {
            v->vf_pkts += (guint64)pps;
            continue;
        }
        double carried = f->cap > 0 ? MIN(pps, f->cap) : pps;
        v->sb_pkts += (guint64)carried;
        v->sb_drops += (guint64)(pps - carried);
    }
    SovaSnapshot *cur = fake_snapshot(f);
    SovaNetModelParams mp = {.ewma_alpha = 0.5};
    SovaNetModel *m = sova_net_model_build(f->prev, cur, f->last, &mp);
    g_autoptr(SovaPlan) plan = f->pol->plan(m, &f->p, f->st, NULL);
    fake_apply(f, plan);
    sova_snapshot_free(f->prev);
    sova_net_model_free(f->last);
    f->prev = cur;
    f->last = m;
    return sova_plan_len(plan);
}

static guint fake_run(Fake *f, guint intervals)
{
    guint actions = 0;
    for (guint i = 0; i < intervals; i++)
        actions += fake_step(f);
    return actions;
}

/* two VMs with the same noisy load (+-40 %), one VF: over 20 random runs of 100
 * intervals the default hands it out once and never moves it; the baseline moves it
 * back and forth in every run */
static void test_noise_two_vms(void)
{
    for (guint32 seed = 1; seed <= 20; seed++) {
        Fake f;
        fake_init_seed(&f, &sova_net_policy_balance, 1, 0.4, seed);
        fake_add(&f, "a", 5000);
        fake_add(&f, "b", 5000);
        guint actions = fake_run(&f, 100);
        g_assert_cmpuint(actions, ==, 1);
        g_assert_cmpuint(f.vms[0].attaches + f.vms[1].attaches, ==, 1);
        g_assert_true(f.vms[0].vf != f.vms[1].vf);
        fake_clear(&f);

        fake_init_seed(&f, &sova_net_policy_sova, 1, 0.4, seed);
        fake_add(&f, "a", 5000);
        fake_add(&f, "b", 5000);
        guint flaps = fake_run(&f, 100);
        if (seed == 1)
            g_test_message("baseline: %u actions in 100 intervals", flaps);
        g_assert_cmpuint(flaps, >, 20);
        g_assert_cmpuint(f.vms[0].attaches, >, 5);
        g_assert_cmpuint(f.vms[1].attaches, >, 5);
        fake_clear(&f);
    }
}

/* one VM whose load wanders across `enter` (1200..2800 pps, enter 2000, exit 1000): the
 * default keeps its VF; the baseline gives and takes it */
static void test_noise_threshold(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0.4);
    FakeVm *v = fake_add(&f, "v", 2000);
    guint actions = fake_run(&f, 100);
    g_assert_cmpuint(v->attaches, ==, 1);
    g_assert_cmpuint(v->detaches, ==, 0);
    g_assert_cmpuint(actions, ==, 1);
    fake_clear(&f);

    fake_init(&f, &sova_net_policy_sova, 1, 0.4);
    v = fake_add(&f, "v", 2000);
    fake_run(&f, 100);
    g_assert_cmpuint(v->detaches, >, 5);
    fake_clear(&f);
}

/* three busy VMs and one VF: the busiest gets it and keeps it; the rest is unmet */
static void test_busiest_holds(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0.2);
    fake_add(&f, "low", 3000);
    FakeVm *top = fake_add(&f, "top", 9000);
    fake_add(&f, "mid", 5000);
    fake_run(&f, 50);
    g_assert_true(top->vf);
    g_assert_cmpuint(top->attaches, ==, 1);
    g_assert_false(f.vms[0].vf || f.vms[2].vf);
    g_autoptr(SovaNetResult) res = sova_net_result_new();
    g_autoptr(SovaPlan) plan = f.pol->plan(f.last, &f.p, f.st, res);
    g_assert_cmpuint(res->unmet, ==, 2);
    g_assert_cmpuint(res->in_use, ==, 1);
    fake_clear(&f);
}

/* traffic moving to the VF does not look like the VM going idle (standby + VF summed) */
static void test_switch_keeps_load(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0);
    FakeVm *v = fake_add(&f, "v", 5000);
    fake_run(&f, 2);
    g_assert_true(v->vf);
    for (guint i = 0; i < 20; i++) {
        fake_step(&f);
        const SovaNetVmLoad *l = sova_net_model_find(f.last, v->uuid);
        g_assert_true(l->has_vf);
        g_assert_cmpfloat_with_epsilon(sova_net_rates_pps(&l->raw), 5000, 1e-6);
    }
    g_assert_cmpuint(v->attaches, ==, 1);
    g_assert_cmpuint(v->detaches, ==, 0);
    fake_clear(&f);
}

/* virtio carries 3000 pps: two VMs pressed against it (5000 and 10000 pps offered) look
 * the same from their delivered traffic; the tap's drops tell them apart, and the VF goes
 * to the one that gains most, under either policy. Without drop counters the tie is
 * broken by UUID, in favour of the smaller. */
static void test_drops_rank_candidates(void)
{
    const SovaNetPolicy *pols[] = {&sova_net_policy_balance, &sova_net_policy_sova};
    for (guint i = 0; i < G_N_ELEMENTS(pols); i++) {
        for (int drops = 0; drops <= 1; drops++) {
            Fake f;
            fake_init(&f, pols[i], 1, 0);
            f.cap = 3000;
            f.no_drops = !drops;
            FakeVm *small = fake_add(&f, "small", 5000);
            FakeVm *big = fake_add(&f, "big", 10000);
            fake_run(&f, 4);   /* the EWMA starts from 0: above enter from the third */
            g_assert_true(drops ? big->vf : small->vf);
            g_assert_true(drops ? !small->vf : !big->vf);
            fake_clear(&f);
        }
    }
}

/* a holder above the cap keeps its VF against a candidate pressed against the cap
 * whose delivered rate is lower than the holder's: only its drops show that a VF would
 * gain it more (12000 - 3000 against 6000 - 3000), and after challenge_intervals it
 * takes the VF; without drop counters it never does */
static void test_drops_challenge(void)
{
    for (int drops = 0; drops <= 1; drops++) {
        Fake f;
        fake_init(&f, &sova_net_policy_balance, 1, 0);
        f.cap = 3000;
        f.no_drops = !drops;
        FakeVm *holder = fake_add(&f, "holder", 6000);
        fake_run(&f, 3);
        g_assert_true(holder->vf);
        FakeVm *big = fake_add(&f, "big", 12000);
        fake_run(&f, 2 + f.p.challenge_intervals + 2);
        g_assert_true(drops ? big->vf : holder->vf);
        g_assert_cmpuint(big->attaches + holder->detaches, ==, drops ? 2 : 0);
        fake_clear(&f);
    }
}

/* a holder whose load falls below the cap gains nothing from its VF: a candidate at the
 * cap with drops takes it in the first interval where that shows, without waiting for
 * challenge_intervals */
static void test_quiet_holder_handover(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0);
    f.cap = 3000;
    FakeVm *old = fake_add(&f, "old", 9000);
    FakeVm *next = fake_add(&f, "next", 1000);
    fake_run(&f, 10);
    g_assert_true(old->vf);
    old->mean_pps = 1000;
    next->mean_pps = 9000;
    guint took = 0;
    for (guint i = 1; i <= 10 && !took; i++) {
        fake_step(&f);
        if (next->vf)
            took = i;
    }
    /* EWMA 0.5: after one interval old is at 5000 (still above the cap), after two at 3000 */
    g_assert_cmpuint(took, ==, 2);
    g_assert_cmpuint(took, <, f.p.challenge_intervals);
    g_assert_false(old->vf);
    fake_clear(&f);
}

/* a failing attach is retried after 2, 4, 8 ... intervals (backoff_base 2) */
static void test_backoff(void)
{
    Fake f;
    fake_init(&f, &sova_net_policy_balance, 1, 0);
    FakeVm *v = fake_add(&f, "v", 5000);
    v->fail_attach = TRUE;
    fake_run(&f, 40);
    guint want[] = {2, 4, 8, 16, 32};   /* the first interval has no rates yet */
    g_assert_cmpuint(v->attach_ticks->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++)
        g_assert_cmpuint(g_array_index(v->attach_ticks, guint, i), ==, want[i]);
    /* once it works, the failures are forgotten */
    v->fail_attach = FALSE;
    fake_run(&f, 40);
    g_assert_true(v->vf);
    fake_clear(&f);
}

/* plans with VF actions describe themselves and serialise */
static void test_plan_text_json(void)
{
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_vf(plan, SOVA_ACTION_ATTACH_VF, "u1", "web1", "benefit %d", 42);
    sova_plan_add_vf(plan, SOVA_ACTION_DETACH_VF, "u2", "db", "idle");
    g_autofree char *d0 = sova_action_describe(sova_plan_action(plan, 0));
    g_autofree char *d1 = sova_action_describe(sova_plan_action(plan, 1));
    g_assert_cmpstr(d0, ==, "attach-vf web1 (benefit 42)");
    g_assert_cmpstr(d1, ==, "detach-vf db (idle)");
    g_autoptr(JsonNode) j = sova_plan_to_json(plan);
    JsonArray *acts = json_object_get_array_member(json_node_get_object(j), "actions");
    g_assert_cmpuint(json_array_get_length(acts), ==, 2);
    JsonObject *a0 = json_array_get_object_element(acts, 0);
    g_assert_cmpstr(json_object_get_string_member(a0, "action"), ==, "attach-vf");
    g_assert_cmpstr(json_object_get_string_member(a0, "uuid"), ==, "u1");
    g_assert_false(json_object_has_member(a0, "vcpu"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-policy/registry", test_registry);
    g_test_add_func("/net-policy/benefit-weights", test_benefit_weights);
    g_test_add_func("/net-policy/scarcity", test_scarcity);
    g_test_add_func("/net-policy/switch-cap", test_switch_cap);
    g_test_add_func("/net-policy/exit-and-dwell", test_exit_and_dwell);
    g_test_add_func("/net-policy/challenge", test_challenge);
    g_test_add_func("/net-policy/challenge-one-miss", test_challenge_one_miss);
    g_test_add_func("/net-policy/overrides", test_overrides);
    g_test_add_func("/net-policy/baseline-reranks", test_baseline_reranks);
    g_test_add_func("/net-policy/noise-two-vms", test_noise_two_vms);
    g_test_add_func("/net-policy/noise-threshold", test_noise_threshold);
    g_test_add_func("/net-policy/busiest-holds", test_busiest_holds);
    g_test_add_func("/net-policy/switch-keeps-load", test_switch_keeps_load);
    g_test_add_func("/net-policy/backoff", test_backoff);
    g_test_add_func("/net-policy/drops-rank-candidates", test_drops_rank_candidates);
    g_test_add_func("/net-policy/drops-challenge", test_drops_challenge);
    g_test_add_func("/net-policy/quiet-holder-handover", test_quiet_holder_handover);
    g_test_add_func("/net-policy/plan-text-json", test_plan_text_json);
    return g_test_run();
}
