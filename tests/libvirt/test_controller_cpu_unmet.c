/* test_controller_cpu_unmet.c — the controller plans on the unmet CPU its agents publish
 * (issue 17), on libvirt's test driver: two test:///FILE hosts of 4 pCPUs (3 for VMs),
 * host a with three VMs, host b with one; the test driver's VMs show no CPU time of their
 * own. The VMs of a carry their agent's summaries (<sova-cpu:cpu demand unmet .../>,
 * cluster_vm_cpu.h): demands of 1, 1 and 0.9 pCPU (97 % of a: by demand alone the burst
 * model expects 0.02 pCPU unmet there, nothing to move for), and a-vm0 says 0.9 of its
 * pCPU goes unmet — more than a's idle 0.1 pCPU (the host level's to use) and the model's
 * bursts.
 *   - fresh: the controller's cluster model carries the agent's figures (cpu_unmet, from
 *     the agent), and policy `sova` plans to move exactly that VM to b (by demand alone
 *     both hosts have room: without the published unmet part nothing is planned);
 *   - stale (published an hour ago, every 60 s): ignored, the controller's own estimate
 *     (no run delay on the test driver), and nothing is planned;
 *   - the same fresh summary without an unmet part: nothing is planned either. */
#include "backend/libvirt/libvirt_backend.h"
#include "daemon/controller.h"
#include <glib/gstdio.h>
#include <string.h>

static const char *dom_xml =
    "<domain type='test'><name>%s</name><uuid>%s</uuid><memory>1048576</memory>"
    "<currentMemory>1048576</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os>%s</domain>";

/* the agent's summary element as libvirt keeps it, published `age` seconds ago */
static char *summary(double demand, double unmet, double age)
{
    double at = g_get_real_time() / 1e6 - age;
    return g_strdup_printf("<metadata><c:cpu xmlns:c='" SOVA_META_CPU_NS "' demand='%.3f' "
                           "unmet='%.3f' interval='1' every='60' seq='1' at='%.3f'/></metadata>",
                           demand, unmet, at);
}

/* a host of 4 pCPUs with n VMs, VM i with meta[i] (meta may be NULL); returns its URI */
static char *node_file(const char *dir, const char *host, guint n, char **meta)
{
    GString *s = g_string_new("<node><cpu><mhz>2000</mhz><model>test</model><nodes>1</nodes>"
                              "<sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>"
                              "<memory>8388608</memory>");
    for (guint i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("%s-vm%u", host, i);
        g_autofree char *uuid = g_strdup_printf("00000000-0000-0000-%04x-%012u", host[0], i);
        g_string_append_printf(s, dom_xml, name, uuid, meta ? meta[i] : "");
    }
    g_string_append(s, "</node>");
    g_autofree char *file = g_strdup_printf("%s/%s.xml", dir, host);
    g_assert_true(g_file_set_contents(file, s->str, -1, NULL));
    g_string_free(s, TRUE);
    return g_strdup_printf("test://%s", file);
}

typedef struct {
    char *dir;
    SovaControllerHost hosts[2];
} Rig;

static void rig_up(Rig *r, char **meta_a)
{
    memset(r, 0, sizeof *r);
    r->dir = g_dir_make_tmp("sova-unmet-XXXXXX", NULL);
    g_assert_nonnull(r->dir);
    static const char *const names[] = { "a", "b" };
    for (guint i = 0; i < 2; i++) {
        g_autofree char *uri = node_file(r->dir, names[i], i == 0 ? 3 : 1, i == 0 ? meta_a : NULL);
        SovaLibvirtOptions lo = { .meta = TRUE, .connect_later = TRUE, .cluster_reads = TRUE };
        g_autoptr(GError) err = NULL;
        r->hosts[i].name = names[i];
        r->hosts[i].backend = sova_libvirt_backend_open(uri, &lo, &err);
        g_assert_no_error(err);
    }
}

static void rig_down(Rig *r)
{
    for (guint i = 0; i < 2; i++)
        sova_backend_free(r->hosts[i].backend);
    for (guint i = 0; i < 2; i++) {
        g_autofree char *file = g_strdup_printf("%s/%s.xml", r->dir, i ? "b" : "a");
        g_unlink(file);
    }
    g_rmdir(r->dir);
    g_free(r->dir);
}

typedef struct {
    guint intervals, planned;
    char uuid[SOVA_UUID_LEN];     /* the last planned VM */
    double unmet;                 /* a-vm0's cpu_unmet in the newest cluster */
    gboolean from_agent;          /* ... and where it came from */
} Seen;

static void observe(const SovaControllerInterval *iv, gpointer data)
{
    Seen *s = data;
    s->intervals++;
    s->planned += sova_plan_len(iv->plan);
    if (sova_plan_len(iv->plan))
        g_strlcpy(s->uuid, sova_plan_action(iv->plan, 0)->uuid, sizeof s->uuid);
    int v = sova_cluster_find_vm(iv->cluster, "00000000-0000-0000-0061-000000000000");
    g_assert_cmpint(v, >=, 0);
    s->unmet = sova_cluster_vm(iv->cluster, (guint)v)->cpu_unmet;
    s->from_agent = sova_cluster_vm(iv->cluster, (guint)v)->cpu_from_agent;
}

/* three dry-run intervals of policy sova over the rig, a's VMs' summaries published `age`
 * seconds ago, a-vm0's with `unmet` */
static void run(double unmet, double age, Seen *seen)
{
    Rig r;
    char *meta[] = { summary(1.0, unmet, age), summary(1.0, 0, age), summary(0.9, 0, age) };
    rig_up(&r, meta);
    for (guint i = 0; i < G_N_ELEMENTS(meta); i++)
        g_free(meta[i]);
    SovaControllerOptions o = { .dry_run = TRUE, .quiet = TRUE, .interval = 0.01,
                                .params = SOVA_CLUSTER_PARAMS_DEFAULT, .ewma_alpha = 1,
                                .mode = SOVA_MODE_FULL, .observer = observe,
                                .observer_data = seen };
    SovaController *c = sova_controller_new(r.hosts, 2, sova_cluster_policy_find("sova"), &o);
    for (int i = 0; i < 4; i++) {
        g_autoptr(GError) err = NULL;
        g_usleep(2000);   /* the snapshots' clock must advance */
        g_assert_true(sova_controller_step(c, &err));
        g_assert_no_error(err);
    }
    g_assert_cmpuint(seen->intervals, ==, 3);
    sova_controller_free(c);
    rig_down(&r);
}

static void test_plans_on_published_unmet(void)
{
    Seen seen = { 0 };
    run(0.9, 0, &seen);
    g_assert_true(seen.from_agent);
    g_assert_cmpfloat_with_epsilon(seen.unmet, 0.9, 1e-6);
    g_assert_cmpuint(seen.planned, >=, 1);
    g_assert_cmpstr(seen.uuid, ==, "00000000-0000-0000-0061-000000000000");
}

static void test_stale_summary_ignored(void)
{
    Seen seen = { 0 };
    run(0.9, 3600, &seen);
    g_assert_false(seen.from_agent);
    g_assert_cmpfloat(seen.unmet, <, 0.1);
    g_assert_cmpuint(seen.planned, ==, 0);
}

static void test_no_unmet_no_plan(void)
{
    Seen seen = { 0 };
    run(0, 0, &seen);
    g_assert_true(seen.from_agent);
    g_assert_cmpuint(seen.planned, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-cpu-unmet/plans-on-published-unmet", test_plans_on_published_unmet);
    g_test_add_func("/controller-cpu-unmet/stale-summary-ignored", test_stale_summary_ignored);
    g_test_add_func("/controller-cpu-unmet/no-unmet-no-plan", test_no_unmet_no_plan);
    return g_test_run();
}
