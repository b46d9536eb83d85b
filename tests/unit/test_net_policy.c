/* test_net_policy.c — the net policies on hand-made models: the registry, the benefit's
 * weights, scarcity, the cap on switches, exit and dwell time, challenges, overrides, and
 * the `sova` baseline re-ranking every interval where `balance` keeps the VF where it is;
 * and plans with VF actions describe themselves and serialise. Interval by interval on a
 * tiny fake host (fake_net_host.h): test_net_policy_host.c (noise, backoff after failed
 * attaches) and test_net_policy_drops.c (a virtio cap and its rx drops). */
#include <math.h>
#include <string.h>
#include "model/netmodel.h"
#include "policy/net_policy.h"
#include "policy/net_private.h"

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

    /* "close" (4000 vs 3000, under 1.4x) never takes it */
    Vm w[] = {{"holder", 3000, 1, 0}, {"close", 4000, 0, 0}};
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    for (guint t = 0; t < 20; t++) {
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, w, 2, &p, st2, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, 0);
    }
}

/* a single interval where the challenger falls short takes back one beat, not all: with
 * challenge_intervals 4, beat beat miss beat beat beat takes the VF on the sixth (two
 * misses in a row take back two). A miss is a reading far enough down to be a new level
 * (net_level.c): a dip the level smooths over is no miss */
static void test_challenge_one_miss(void)
{
    Vm vms[] = {{"holder", 3000, 1, 0}, {"strong", 8000, 0, 0}};
    SovaNetPolicyParams p = params(1);
    p.min_dwell = 0;
    p.challenge_intervals = 4;
    g_autoptr(SovaNetState) st = sova_net_state_new();
    double load[] = {8000, 8000, 2100, 8000, 8000, 8000};
    for (guint t = 0; t < G_N_ELEMENTS(load); t++) {
        vms[1].pps = load[t];
        g_autoptr(SovaPlan) plan = run(&sova_net_policy_balance, vms, 2, &p, st, NULL);
        g_assert_cmpuint(sova_plan_len(plan), ==, t + 1 < G_N_ELEMENTS(load) ? 0 : 2);
    }
    g_assert_true(vms[1].vf);

    Vm w[] = {{"holder", 3000, 1, 0}, {"strong", 8000, 0, 0}};
    g_autoptr(SovaNetState) st2 = sova_net_state_new();
    double load2[] = {8000, 8000, 8000, 2100, 2100, 8000, 8000};   /* 3 - 2 + 2 = 3 */
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

/* a VM the controller is migrating (leaving) is held as it is, by every net policy: its
 * VF is neither taken back (the migration gives it back) nor handed to another VM, and it
 * gets none; the other VMs share what is left of the pool */
static void test_leaving_held(void)
{
    const SovaNetPolicy *pols[] = {&sova_net_policy_balance, &sova_net_policy_sova};
    for (guint k = 0; k < G_N_ELEMENTS(pols); k++) {
        SovaNetPolicyParams p = params(2);
        g_autoptr(SovaNetState) st = sova_net_state_new();
        for (guint round = 0; round < 8; round++) {
            g_autoptr(SovaNetModel) m = sova_net_model_new(0);
            sova_net_model_add_vm(m, "u1", "holder", 0, 0, TRUE)->leaving = TRUE;
            sova_net_model_add_vm(m, "u2", "goer", 90000, 0, FALSE)->leaving = TRUE;
            sova_net_model_add_vm(m, "u3", "busy", 9000, 0, FALSE);
            sova_net_model_add_vm(m, "u4", "busier", 20000, 0, round > 0);
            m->vfs_in_use = round > 0 ? 2 : 1;
            g_autoptr(SovaNetResult) res = sova_net_result_new();
            g_autoptr(SovaPlan) plan = pols[k]->plan(m, &p, st, res);
            g_assert_null(action_for(plan, "holder"));
            g_assert_null(action_for(plan, "goer"));
            g_assert_false(sova_net_result_find(res, "u2")->wants_vf);
            g_assert_false(sova_net_result_find(res, "u2")->unmet);   /* nothing to publish */
            if (round == 0) {   /* one VF is free: the busiest that stays gets it */
                g_assert_true(attaches(plan, "busier"));
                g_assert_cmpuint(sova_plan_len(plan), ==, 1);
            }
        }
    }
}

/* the level a VM is ranked on (net_level.c): steady noisy readings average out; a step far
 * beyond the noise is a new level at once; a dip within the noise is not */
static void test_level(void)
{
    SovaNetLevel l = {0};
    GRand *r = g_rand_new_with_seed(5);
    double worst_reading = 0, worst_level = 0;
    for (guint i = 0; i < 200; i++) {
        double x = 5000 + g_rand_double_range(r, -1500, 1500);
        sova_net_level_add(&l, x, x);
        if (i >= 20) {
            worst_reading = MAX(worst_reading, fabs(x - 5000));
            worst_level = MAX(worst_level, fabs(sova_net_level_benefit(&l) - 5000));
        }
    }
    g_rand_free(r);
    g_assert_cmpfloat(worst_level, <, 0.6 * worst_reading);
    g_assert_cmpuint(l.n, >, 3);   /* no regime of its own noise */
    sova_net_level_add(&l, 4000, 4000);   /* within the noise */
    g_assert_cmpuint(l.n, >, 3);
    sova_net_level_add(&l, 20000, 20000);   /* the VM got busy */
    g_assert_cmpuint(l.n, ==, 1);
    g_assert_cmpfloat(sova_net_level_benefit(&l), ==, 20000);
    g_assert_cmpfloat(sova_net_level_demand(&l), ==, 20000);
}

/* a level fed noisy readings keeps a noise estimate near the truth (the RMS of all its
 * successive differences / sqrt 2: there is no shift): a reading the tail of the noise sets
 * apart as a regime of its own, the next one falling back, was noise, not a shift. The
 * readings are a background VM's benefit, clipped at 0 (mostly 0, now and then a burst):
 * leaving the bursts out of the noise, as a regime's steps, took it to nothing, and then
 * every burst starts a regime */
static void test_level_noise(void)
{
    SovaNetLevel l = {0};
    GRand *r = g_rand_new_with_seed(11);
    double ss = 0, prev = 0;
    for (guint i = 0; i < 3000; i++) {
        double x = MAX(0, g_rand_double_range(r, -1500, 1500) - 500);
        if (i > 0)
            ss += (x - prev) * (x - prev) / 2;
        prev = x;
        sova_net_level_add(&l, x, x);
    }
    g_rand_free(r);
    double truth = sqrt(ss / 2999);
    g_assert_cmpfloat(sqrt(l.var), >, 0.8 * truth);
    g_assert_cmpfloat(sqrt(l.var), <, 1.25 * truth);
    sova_net_level_add(&l, 20000, 20000);   /* a true shift is still one at once */
    g_assert_cmpuint(l.n, ==, 1);
}

/* a reading that spans two intervals (a PF's counters refreshed every other one): far from
 * the level, it stands for its last interval (the level came down within the span: 2 x 3000
 * - 5000); within the noise, it is one more reading of the level, as a reading of one
 * interval would be */
static void test_level_span(void)
{
    SovaNetLevel l = {0};
    for (guint i = 0; i < 10; i++)
        sova_net_level_add_span(&l, 5000, 5000, 2);
    sova_net_level_add_span(&l, 4900, 4900, 2);   /* within the noise */
    g_assert_cmpuint(l.n, >, 3);
    sova_net_level_add_span(&l, 3000, 3000, 2);   /* the VM went quiet within the span */
    g_assert_cmpuint(l.n, ==, 1);
    g_assert_cmpfloat(fabs(sova_net_level_benefit(&l) - 1000), <, 100);
    g_assert_cmpfloat(fabs(sova_net_level_demand(&l) - 1000), <, 100);
    SovaNetLevel one = {0};   /* the same readings of one interval each */
    for (guint i = 0; i < 10; i++)
        sova_net_level_add(&one, 5000, 5000);
    sova_net_level_add(&one, 3000, 3000);
    g_assert_cmpfloat(sova_net_level_benefit(&one), ==, 3000);
}

/* a blind holder is beaten by SOVA_NET_BLIND_MARGIN (1.5) at least, a seen one by `margin`
 * (1.4): a challenger at 1.45x takes a seen holder's VF, not a blind one's */
static void test_blind_margin(void)
{
    for (guint blind = 0; blind <= 1; blind++) {
        SovaNetPolicyParams p = params(1);
        p.min_dwell = 0;
        p.blind_half_life = 0;   /* no decay: the margin alone */
        g_autoptr(SovaNetState) st = sova_net_state_new();
        gboolean took = FALSE;
        for (guint t = 0; t < 3 * p.challenge_intervals && !took; t++) {
            g_autoptr(SovaNetModel) m = sova_net_model_new(0);
            sova_net_model_add_vm(m, "uh", "holder", 4000, 0, TRUE)->blind = blind;
            sova_net_model_add_vm(m, "uc", "cand", 5800, 0, FALSE);
            g_autoptr(SovaPlan) plan = sova_net_policy_balance.plan(m, &p, st, NULL);
            took = attaches(plan, "cand");
        }
        g_assert_true(took == !blind);
    }
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
    g_test_add_func("/net-policy/level", test_level);
    g_test_add_func("/net-policy/level-span", test_level_span);
    g_test_add_func("/net-policy/level-noise", test_level_noise);
    g_test_add_func("/net-policy/blind-margin", test_blind_margin);
    g_test_add_func("/net-policy/overrides", test_overrides);
    g_test_add_func("/net-policy/baseline-reranks", test_baseline_reranks);
    g_test_add_func("/net-policy/leaving-held", test_leaving_held);
    g_test_add_func("/net-policy/plan-text-json", test_plan_text_json);
    return g_test_run();
}
