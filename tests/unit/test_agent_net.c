/* test_agent_net.c — the agent's net plane end to end on a scripted backend.
 *
 * A fake host: VMs with a standby NIC whose offered packet rate the test sets; a VF
 * attach adds a VF NIC with the same MAC and moves the traffic to it (as the stand-in
 * and a real VF with net_failover do), a detach moves it back. It checks what the
 * agent loop does with the net policy: a busy VM gets the VF and gives it back when it
 * goes quiet, the pool is never exceeded, a refused attach backs off instead of being
 * retried every interval, the agent publishes each VM's wants/unmet signal only when it
 * changes. No fighting with the controller: a `leaving` VM (being migrated) is held as it
 * is — no VF given, none taken back (the migration gives it back), nothing published — and
 * a detach still pending (the VF not yet gone) is published, so that the controller does
 * not start migrating that VM meanwhile. */
#include <string.h>
#include "daemon/agent.h"

#define N_VMS 3

typedef struct {
    SovaBackend base;
    double t;
    guint pool;
    double pps[N_VMS];        /* offered packets/s per VM */
    guint64 sb_pkts[N_VMS], vf_pkts[N_VMS];
    gboolean has_vf[N_VMS];
    gboolean leaving[N_VMS];
    gboolean refuse_attach;
    guint detach_waits;       /* a detached VF goes after this many waits (0: at once) */
    guint pending[N_VMS];     /* waits left until the requested detach completes */
    guint attaches, refused, detaches;
    guint publishes[N_VMS];
    gboolean last_unmet[N_VMS], last_detaching[N_VMS];
} FakeHost;

static const char *vm_uuid(guint i)
{
    static const char *const u[N_VMS] = {"00000000-0000-0000-0000-000000000001",
                                         "00000000-0000-0000-0000-000000000002",
                                         "00000000-0000-0000-0000-000000000003"};
    return u[i];
}

static guint vm_index(const char *uuid)
{
    for (guint i = 0; i < N_VMS; i++)
        if (strcmp(vm_uuid(i), uuid) == 0)
            return i;
    g_assert_not_reached();
}

static SovaSnapshot *fake_sample(SovaBackend *be, GError **error)
{
    (void)error;
    FakeHost *h = (FakeHost *)be;
    SovaSnapshot *s = sova_snapshot_new(1);
    s->time_us = (gint64)(h->t * 1e6);
    s->vf_pool = h->pool;
    for (guint i = 0; i < N_VMS; i++) {
        g_autofree char *name = g_strdup_printf("vm%u", i);
        g_autofree char *mac = g_strdup_printf("52:54:00:00:00:%02x", i + 1);
        SovaVmSample *vm = sova_snapshot_add_vm(s, vm_uuid(i), name, 1);
        vm->leaving = h->leaving[i];
        SovaNicSample *sb = sova_vm_add_nic(vm, "ua-sova-net0", mac, "tap-sb", SOVA_NIC_STANDBY);
        sb->rx_packets = h->sb_pkts[i];
        if (h->has_vf[i]) {
            SovaNicSample *vf = sova_vm_add_nic(vm, "ua-sova-vf0", mac, "tap-vf", SOVA_NIC_VF);
            vf->rx_packets = h->vf_pkts[i];
        }
    }
    return s;
}

static guint in_use(const FakeHost *h)
{
    guint n = 0;
    for (guint i = 0; i < N_VMS; i++)
        n += h->has_vf[i];
    return n;
}

static gboolean fake_execute(SovaBackend *be, const SovaAction *a, GError **error)
{
    FakeHost *h = (FakeHost *)be;
    guint i = vm_index(a->uuid);
    if (a->kind == SOVA_ACTION_ATTACH_VF) {
        g_assert_false(h->has_vf[i]);
        if (h->refuse_attach || in_use(h) >= h->pool) {
            h->refused++;
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused");
            return FALSE;
        }
        h->has_vf[i] = TRUE;
        h->attaches++;
    } else if (a->kind == SOVA_ACTION_DETACH_VF) {
        g_assert_true(h->has_vf[i]);
        g_assert_cmpuint(h->pending[i], ==, 0);    /* never asked twice */
        h->detaches++;
        h->pending[i] = h->detach_waits;
        h->has_vf[i] = h->detach_waits > 0;        /* else gone at once */
    }
    return TRUE;
}

static gboolean fake_wait(SovaBackend *be, double seconds, const volatile gint *stop)
{
    (void)stop;
    FakeHost *h = (FakeHost *)be;
    h->t += seconds;
    for (guint i = 0; i < N_VMS; i++)
        if (h->pending[i] && --h->pending[i] == 0)
            h->has_vf[i] = FALSE;                  /* device-removed */
    for (guint i = 0; i < N_VMS; i++) {
        guint64 pkts = (guint64)(h->pps[i] * seconds);
        if (h->has_vf[i])
            h->vf_pkts[i] += pkts;
        else
            h->sb_pkts[i] += pkts;
    }
    return TRUE;
}

static gboolean fake_publish(SovaBackend *be, const char *uuid, const SovaNetPublish *st, GError **error)
{
    (void)error;
    FakeHost *h = (FakeHost *)be;
    guint i = vm_index(uuid);
    g_assert_false(h->leaving[i]);                 /* a leaving VM's job is the migration's */
    h->publishes[i]++;
    h->last_unmet[i] = st->unmet;
    h->last_detaching[i] = st->vf_detaching;
    return TRUE;
}

static void fake_free(SovaBackend *be)
{
    g_free(be);
}

static const SovaBackendOps fake_ops = {
    .name = "fake", .sample = fake_sample, .execute = fake_execute, .wait = fake_wait,
    .publish_net = fake_publish, .free = fake_free,
};

static FakeHost *fake_new(guint pool)
{
    FakeHost *h = g_new0(FakeHost, 1);
    h->base.ops = &fake_ops;
    h->pool = pool;
    return h;
}

static SovaAgent *agent_for(FakeHost *h)
{
    g_autoptr(SovaConfig) cfg = sova_config_new();
    g_free(cfg->vf_network);
    cfg->vf_network = g_strdup("vfnet");
    cfg->ewma_alpha = 1;      /* no smoothing: the script's rates are the truth */
    SovaAgentOptions o = {.quiet = TRUE};
    return sova_agent_new(&h->base, cfg, sova_cpu_policy_find("balance"), &o);
}

static void run(SovaAgent *a, FakeHost *h, guint intervals)
{
    for (guint i = 0; i < intervals; i++) {
        g_autoptr(GError) error = NULL;
        g_assert_true(sova_agent_step(a, &error));
        sova_backend_wait(&h->base, 1.0, NULL);
    }
}

static void test_switch_in_and_out(void)
{
    FakeHost *h = fake_new(1);
    g_autoptr(SovaAgent) a = agent_for(h);
    g_assert_cmpstr(sova_agent_net_policy(a), ==, "balance");
    run(a, h, 3);
    g_assert_cmpuint(h->attaches, ==, 0);           /* all quiet: nobody wants a VF */
    h->pps[1] = 50000;
    run(a, h, 3);
    g_assert_true(h->has_vf[1]);                    /* the busy VM got it */
    g_assert_cmpuint(h->attaches, ==, 1);
    guint64 sb = h->sb_pkts[1];
    run(a, h, 2);
    g_assert_cmpuint(h->sb_pkts[1], ==, sb);        /* its traffic is on the VF now ... */
    g_assert_true(h->has_vf[1]);                    /* ... and still counted: it keeps the VF */
    h->pps[1] = 0;
    run(a, h, 10);
    g_assert_false(h->has_vf[1]);                   /* quiet for long enough: given back */
    g_assert_cmpuint(h->detaches, ==, 1);
    g_assert_cmpuint(sova_agent_vf_switches(a), ==, 2);
    sova_backend_free(&h->base);
}

static void test_scarcity_and_publish(void)
{
    FakeHost *h = fake_new(1);
    g_autoptr(SovaAgent) a = agent_for(h);
    h->pps[0] = 20000;
    h->pps[1] = 90000;
    h->pps[2] = 40000;
    run(a, h, 20);
    g_assert_true(h->has_vf[1]);                    /* the busiest holds the only VF */
    g_assert_cmpuint(h->attaches, ==, 1);           /* and nothing flapped */
    g_assert_cmpuint(h->detaches, ==, 0);
    g_assert_true(h->last_unmet[0] && h->last_unmet[2]);
    g_assert_false(h->last_unmet[1]);
    /* published once when first seen, once when wanting (unmet) began; not every interval */
    for (guint i = 0; i < N_VMS; i++)
        g_assert_cmpuint(h->publishes[i], <=, 3);
    sova_backend_free(&h->base);
}

static void test_failed_attach_backs_off(void)
{
    FakeHost *h = fake_new(1);
    h->refuse_attach = TRUE;
    g_autoptr(SovaAgent) a = agent_for(h);
    h->pps[0] = 50000;
    run(a, h, 12);
    g_assert_cmpuint(h->attaches, ==, 0);
    g_assert_cmpuint(h->refused, >=, 2);            /* it retried ... */
    g_assert_cmpuint(h->refused, <=, 4);            /* ... with growing pauses, not 11 times */
    h->refuse_attach = FALSE;
    run(a, h, 40);
    g_assert_true(h->has_vf[0]);                    /* and got one once the host could give it */
    sova_backend_free(&h->base);
}

/* the controller gives a leaving VM's VF back itself, before migrating it: the agent
 * neither takes it back too (a second detach of the same VF) nor hands it to another VM
 * while the VM still holds it; once it is given back, the VF is free for the host's
 * other VMs. Nothing is published for the leaving VM. */
static void test_leaving_is_held(void)
{
    FakeHost *h = fake_new(1);
    g_autoptr(SovaAgent) a = agent_for(h);
    h->pps[2] = 50000;
    run(a, h, 3);
    g_assert_true(h->has_vf[2]);
    h->leaving[2] = TRUE;                           /* the controller is moving it */
    h->pps[2] = 0;                                  /* would give it back after exit-intervals */
    h->pps[0] = 90000;                              /* would take it over */
    guint published = h->publishes[2];
    run(a, h, 8);
    g_assert_true(h->has_vf[2]);
    g_assert_false(h->has_vf[0]);
    g_assert_cmpuint(h->detaches, ==, 0);
    g_assert_cmpuint(h->publishes[2], ==, published);
    h->has_vf[2] = FALSE;                           /* the migration gave it back: free */
    run(a, h, 3);
    g_assert_true(h->has_vf[0]);                    /* so the host's next VM gets it */
    g_assert_cmpuint(h->attaches, ==, 2);
    g_assert_cmpuint(h->detaches, ==, 0);
    sova_backend_free(&h->base);
}

/* a leaving VM without a VF gets none, even with one free */
static void test_leaving_gets_none(void)
{
    FakeHost *h = fake_new(1);
    g_autoptr(SovaAgent) a = agent_for(h);
    h->leaving[1] = TRUE;
    h->pps[1] = 90000;
    run(a, h, 10);
    g_assert_cmpuint(h->attaches, ==, 0);
    g_assert_cmpuint(h->publishes[1], ==, 0);
    sova_backend_free(&h->base);
}

/* a detach is pending until the VF is gone: published while it is, and cleared after */
static void test_pending_detach_published(void)
{
    FakeHost *h = fake_new(1);
    h->detach_waits = 3;                            /* device-removed 3 intervals later */
    g_autoptr(SovaAgent) a = agent_for(h);
    h->pps[1] = 50000;
    run(a, h, 3);
    g_assert_true(h->has_vf[1]);
    g_assert_false(h->last_detaching[1]);
    h->pps[1] = 0;
    for (guint i = 0; i < 12 && h->detaches == 0; i++)
        run(a, h, 1);
    g_assert_cmpuint(h->detaches, ==, 1);
    g_assert_true(h->has_vf[1]);                    /* requested, not gone yet */
    g_assert_true(h->last_detaching[1]);            /* and the controller can read that */
    run(a, h, 4);
    g_assert_false(h->has_vf[1]);
    g_assert_false(h->last_detaching[1]);           /* gone: published again */
    g_assert_cmpuint(h->detaches, ==, 1);           /* asked once */
    sova_backend_free(&h->base);
}

static void test_off_without_vf_network(void)
{
    FakeHost *h = fake_new(1);
    g_autoptr(SovaConfig) cfg = sova_config_new();
    SovaAgentOptions o = {.quiet = TRUE};
    g_autoptr(SovaAgent) a = sova_agent_new(&h->base, cfg, sova_cpu_policy_find("balance"), &o);
    g_assert_null(sova_agent_net_policy(a));
    h->pps[0] = 50000;
    run(a, h, 5);
    g_assert_cmpuint(h->attaches, ==, 0);
    g_assert_cmpuint(h->publishes[0], ==, 0);
    sova_backend_free(&h->base);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent-net/switch-in-and-out", test_switch_in_and_out);
    g_test_add_func("/agent-net/scarcity-and-publish", test_scarcity_and_publish);
    g_test_add_func("/agent-net/failed-attach-backs-off", test_failed_attach_backs_off);
    g_test_add_func("/agent-net/leaving-is-held", test_leaving_is_held);
    g_test_add_func("/agent-net/leaving-gets-none", test_leaving_gets_none);
    g_test_add_func("/agent-net/pending-detach-published", test_pending_detach_published);
    g_test_add_func("/agent-net/off-without-vf-network", test_off_without_vf_network);
    return g_test_run();
}
