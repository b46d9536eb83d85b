/* test_net_policy_drops.c — the net policies on the fake host of fake_net_host.h with a
 * virtio cap: the host drops what is offered above it (rx drops). Both policies must rank
 * VMs pressed against the cap by what they drop, a candidate whose drops show it would
 * gain more takes a holder's VF after the challenge, and `balance` must hand a quiet
 * holder's VF over at once, also when the PF refreshes the VF's counters only every other
 * interval. */
#include "fake_net_host.h"

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
    /* the policy's level (net_level.c) takes old's drop to 1000 for a new level at once: the
     * first interval (the model's EWMA 0.5 would still show 5000, above the cap) */
    g_assert_cmpuint(took, ==, 1);
    g_assert_cmpuint(took, <, f.p.challenge_intervals);
    g_assert_false(old->vf);
    fake_clear(&f);
}

/* the same with the VF counted by its PF, refreshed every 2 intervals: the refresh after
 * old went quiet spans one busy interval and one quiet one (a mean of 5000, above the cap).
 * That reading makes a new level on its own, and the level takes it to stand for its last
 * interval (2 x 5000 - 9000 = 1000): old gains nothing, and next takes its VF in that very
 * interval, not after the PF's next refresh. Old takes its VF from the policy, in an
 * interval with a PF refresh (lead 1) and in one without (lead 0): either way its readings
 * on the VF are its load, not twice it */
static void test_pf_span_handover(void)
{
    for (guint lead = 0; lead <= 1; lead++) {
        Fake f;
        fake_init(&f, &sova_net_policy_balance, 1, 0);
        f.cap = 3000;
        f.pf_period = 2;
        FakeVm *next = fake_add(&f, "next", 1000);
        fake_run(&f, lead);
        FakeVm *old = fake_add(&f, "old", 9000);
        fake_run(&f, 3 - lead);
        g_assert_true(old->vf);
        g_assert_cmpuint(old->attach_ticks->len, ==, 1);
        g_assert_cmpuint(g_array_index(old->attach_ticks, guint, 0) % 2, ==, lead);
        fake_run(&f, 37);   /* the PF refreshed at tick 39, and tick 40 is busy still */
        g_assert_true(old->vf);
        g_assert_cmpuint(old->detaches + next->attaches, ==, 0);
        old->mean_pps = 1000;
        next->mean_pps = 9000;
        fake_step(&f);      /* tick 41: the refresh spans ticks 40 (9000) and 41 (1000) */
        g_assert_true(next->vf);
        g_assert_false(old->vf);
        fake_clear(&f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-policy/drops-rank-candidates", test_drops_rank_candidates);
    g_test_add_func("/net-policy/drops-challenge", test_drops_challenge);
    g_test_add_func("/net-policy/quiet-holder-handover", test_quiet_holder_handover);
    g_test_add_func("/net-policy/pf-span-handover", test_pf_span_handover);
    return g_test_run();
}
