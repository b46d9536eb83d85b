/* test_cpu_share_decide.c — the share decision on hand-built models, without the policy
 * around it (cpu_share.h): the loss of a given layout (leaving VMs taken out, placements
 * on unusable pCPUs ignored, a pCPU's own load counted as a vCPU), the decision with and
 * without memory (share, wait `need` calm intervals, back off when pins put back fail
 * soon, forget the back-off once pins have held), and the water-filled loads when
 * shared. */
#include "cpu_test_util.h"
#include "policy/cpu_placement.h"
#include "policy/cpu_share.h"

#define TARGET 5.0
#define MARGIN 5.0

/* the layout as it is: every vCPU where it runs; its predicted loads in *load */
static int *layout(const SovaModel *m, double **load)
{
    int *to = g_new(int, MAX(m->vcpus->len, 1));
    for (guint v = 0; v < m->vcpus->len; v++)
        to[v] = sova_model_vcpu(m, v)->pcpu;
    *load = sova_cpu_predict_load(m, to, SOVA_WEIGHT_DEMAND);
    return to;
}

static double loss_of(const SovaModel *m, double margin)
{
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    return sova_cpu_share_loss(m, load, to, margin);
}

/* 2 x 60 on pCPU 0, 1 x 60 on pCPU 1 (120 % vs 60 %): pins lose 20 (25 with margin 5) */
static SovaModel *host_120_60(void)
{
    SovaModel *m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 1, 60, 1);
    cpu_test_settle(m);
    return m;
}

static void set_demand(SovaModel *m, double demand)
{
    for (guint v = 0; v < m->vcpus->len; v++)
        sova_model_vcpu(m, v)->demand = demand;
}

static void set_shared(SovaModel *m, gboolean shared)
{
    for (guint v = 0; v < m->vcpus->len; v++)
        sova_model_vcpu(m, v)->shared = shared;
}

static gboolean decide(SovaCpuShareState *st, const SovaModel *m, double *loss)
{
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    return sova_cpu_share_decide(st, m, load, to, MARGIN, TARGET, loss);
}

static void test_layout_loss(void)
{
    g_autoptr(SovaModel) m = host_120_60();
    g_assert_cmpfloat_with_epsilon(loss_of(m, 0), 20, 1e-9);
    g_assert_cmpfloat_with_epsilon(loss_of(m, MARGIN), 25, 1e-9);
    /* b leaves: pCPU 1 idles, pCPU 0 still overflows by 20 */
    sova_model_vm(m, 1)->leaving = TRUE;
    g_assert_cmpfloat_with_epsilon(loss_of(m, 0), 20, 1e-9);
    /* a leaves instead: nothing overflows */
    sova_model_vm(m, 1)->leaving = FALSE;
    sova_model_vm(m, 0)->leaving = TRUE;
    g_assert_cmpfloat_with_epsilon(loss_of(m, MARGIN), 0, 1e-9);
}

/* a vCPU placed nowhere, or on a reserved pCPU, counts neither its load nor itself */
static void test_layout_loss_unusable(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(3);
    cpu_test_add_vm(m, "a", 2, 60, 0);
    cpu_test_add_vm(m, "b", 1, 60, 1);
    cpu_test_add_vm(m, "r", 1, 90, 2);
    sova_model_pcpu(m, 2)->reserved = TRUE;
    cpu_test_settle(m);
    g_assert_cmpfloat_with_epsilon(loss_of(m, 0), 20, 1e-9);
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    g_assert_cmpfloat_with_epsilon(sova_cpu_share_loss(m, load, to, MARGIN), 25, 1e-9);
    /* a's second vCPU placed nowhere: pCPU 0 holds one vCPU, which cannot overflow by noise */
    to[1] = -1;
    g_assert_cmpfloat_with_epsilon(sova_cpu_share_loss(m, load, to, MARGIN), 20, 1e-9);
}

/* a pCPU's own (non-VM) load of a point or more counts as a vCPU: the margin applies */
static void test_layout_loss_other_load(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(2);
    cpu_test_add_vm(m, "a", 1, 95, 0);
    sova_model_pcpu(m, 0)->other = 10;
    cpu_test_settle(m);
    g_assert_cmpfloat_with_epsilon(loss_of(m, MARGIN), 10, 1e-9);
    sova_model_pcpu(m, 0)->other = 0.5;
    cpu_test_settle(m);
    g_assert_cmpfloat_with_epsilon(loss_of(m, MARGIN), 0, 1e-9);
}

/* without memory: a pinned host is shared past the target, a shared one pinned as soon
 * as the pins would lose no more than half the target with twice the margin */
static void test_decide_stateless(void)
{
    g_autoptr(SovaModel) m = host_120_60();
    double loss;
    g_assert_true(decide(NULL, m, &loss));
    g_assert_cmpfloat_with_epsilon(loss, 25, 1e-9);
    set_demand(m, 20);
    g_assert_false(decide(NULL, m, &loss));
    g_assert_cmpfloat_with_epsilon(loss, 0, 1e-9);
    set_shared(m, TRUE);
    g_assert_false(decide(NULL, m, &loss));
    /* 2 x 48 + 1 x 48: 96 % and 48 %, loses 1 with margin 5 but 6 with margin 10 */
    set_demand(m, 48);
    g_assert_true(decide(NULL, m, &loss));
    g_assert_cmpfloat_with_epsilon(loss, 1, 1e-9);
    set_shared(m, FALSE);
    g_assert_false(decide(NULL, m, &loss));
}

/* shared (TRUE) intervals a shared host with safe pins takes before it is pinned again */
static guint calm_wait(SovaCpuShareState *st, SovaModel *m)
{
    double loss;
    guint n = 0;
    set_shared(m, TRUE);
    set_demand(m, 20);
    while (decide(st, m, &loss) && n < 1000)
        n++;
    set_shared(m, FALSE);
    return n;
}

static void test_decide_backs_off(void)
{
    g_autoptr(SovaModel) m = host_120_60();
    SovaCpuShareState st = { 0 };
    double loss;
    g_assert_true(decide(&st, m, &loss));        /* pins that lose: share */
    g_assert_cmpuint(calm_wait(&st, m), ==, SHARE_CALM - 1);  /* pinned on the SHARE_CALM-th calm interval */
    set_demand(m, 60);
    g_assert_true(decide(&st, m, &loss));        /* the pins fail at once: need doubles */
    g_assert_cmpuint(st.need, ==, 2 * SHARE_CALM);
    g_assert_cmpuint(calm_wait(&st, m), ==, 2 * SHARE_CALM - 1);
    set_demand(m, 60);
    g_assert_true(decide(&st, m, &loss));
    g_assert_cmpuint(st.need, ==, 4 * SHARE_CALM);
    g_assert_cmpuint(calm_wait(&st, m), ==, 4 * SHARE_CALM - 1);
    /* pins that hold SHARE_HOLD x need intervals bring the wait back to SHARE_CALM */
    for (guint i = 0; i < SHARE_HOLD * 4 * SHARE_CALM + 1; i++)
        g_assert_false(decide(&st, m, &loss));
    g_assert_cmpuint(st.need, ==, SHARE_CALM);
    set_demand(m, 60);
    g_assert_true(decide(&st, m, &loss));
    g_assert_cmpuint(calm_wait(&st, m), ==, SHARE_CALM - 1);
}

/* a calm run broken by one risky interval starts again */
static void test_decide_calm_resets(void)
{
    g_autoptr(SovaModel) m = host_120_60();
    SovaCpuShareState st = { 0 };
    double loss;
    g_assert_true(decide(&st, m, &loss));
    set_shared(m, TRUE);
    set_demand(m, 20);
    for (guint i = 0; i < SHARE_CALM - 1; i++)
        g_assert_true(decide(&st, m, &loss));
    set_demand(m, 48);                           /* loses 6 with twice the margin */
    g_assert_true(decide(&st, m, &loss));
    g_assert_cmpuint(st.calm, ==, 0);
    set_demand(m, 20);
    for (guint i = 0; i < SHARE_CALM - 1; i++)
        g_assert_true(decide(&st, m, &loss));
    g_assert_false(decide(&st, m, &loss));
}

/* pins unfair to a VM (cpu_service.h) but losing no work share a pinned host only once two
 * intervals in a row say so; one fair interval between starts the count again. A host the
 * kernel already shares (the first decision) stays shared at once */
static gboolean decide_unfair(SovaCpuShareState *st, const SovaModel *m, gboolean unfair)
{
    g_autofree double *load = NULL;
    g_autofree int *to = layout(m, &load);
    double loss;
    return sova_cpu_share_decide_fair(st, m, load, to, MARGIN, TARGET, unfair, unfair, &loss);
}

static void test_decide_unfair_confirmed(void)
{
    g_autoptr(SovaModel) m = host_120_60();
    set_demand(m, 20);                           /* no loss: only fairness decides */
    SovaCpuShareState st = { 0 };
    g_assert_false(decide_unfair(&st, m, TRUE));
    g_assert_false(decide_unfair(&st, m, FALSE));
    g_assert_false(decide_unfair(&st, m, TRUE));
    g_assert_true(decide_unfair(&st, m, TRUE));
    SovaCpuShareState fresh = { 0 };
    set_shared(m, TRUE);
    g_assert_true(decide_unfair(&fresh, m, TRUE));
}

/* the first decision of a fresh state treats a host shared before it as not shared by
 * it: judged as pins, not held shared for `need` intervals */
static void test_decide_first_sees_pins(void)
{
    g_autoptr(SovaModel) m = host_120_60();
    set_demand(m, 20);
    set_shared(m, TRUE);
    SovaCpuShareState st = { 0 };
    double loss;
    g_assert_false(decide(&st, m, &loss));
    g_assert_true(st.planned);
}

static void test_shared_load(void)
{
    g_autoptr(SovaModel) m = cpu_test_host(3);
    sova_model_pcpu(m, 0)->other = 40;
    sova_model_pcpu(m, 2)->reserved = TRUE;
    double load[] = { 70, 10, 55 };
    g_autofree double *flat = sova_cpu_shared_load(m, load, 35);
    g_assert_cmpfloat(flat[0], ==, 40);          /* its own load is not spread */
    g_assert_cmpfloat(flat[1], ==, 35);
    g_assert_cmpfloat(flat[2], ==, 55);          /* reserved: as it was */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-share-decide/layout-loss", test_layout_loss);
    g_test_add_func("/cpu-share-decide/layout-loss-unusable", test_layout_loss_unusable);
    g_test_add_func("/cpu-share-decide/layout-loss-other-load", test_layout_loss_other_load);
    g_test_add_func("/cpu-share-decide/stateless", test_decide_stateless);
    g_test_add_func("/cpu-share-decide/backs-off", test_decide_backs_off);
    g_test_add_func("/cpu-share-decide/calm-resets", test_decide_calm_resets);
    g_test_add_func("/cpu-share-decide/unfair-confirmed", test_decide_unfair_confirmed);
    g_test_add_func("/cpu-share-decide/first-sees-pins", test_decide_first_sees_pins);
    g_test_add_func("/cpu-share-decide/shared-load", test_shared_load);
    return g_test_run();
}
