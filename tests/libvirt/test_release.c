/* test_release.c — `sova release` (daemon/release.c, policy/release.c) on libvirt's
 * in-process test driver: every VM sova manages gets its vCPUs back on every usable pCPU,
 * sova's VF detach is requested (the test driver cannot hot-unplug: the request fails, and
 * says so), every element of sova's three metadata namespaces is removed; a cpu='manual'
 * VM keeps its operator's pins; --vm releases one VM only; a dry run changes nothing. */
#include "lv_test_util.h"
#include "daemon/release.h"
#include <libvirt/virterror.h>
#include "util/error.h"
#include <string.h>

static virDomainPtr dom_of(SovaBackend *be, const char *name)
{
    virDomainPtr d = virDomainLookupByName(sova_libvirt_backend_conn(be), name);
    g_assert_nonnull(d);
    return d;
}

static void set_meta(virDomainPtr d, const char *xml, const char *prefix, const char *ns)
{
    g_assert_cmpint(virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, xml, prefix, ns,
                                         VIR_DOMAIN_AFFECT_LIVE), ==, 0);
}

/* how many of sova's three namespaces have an element on d */
static guint meta_left(virDomainPtr d)
{
    static const char *const ns[] = { SOVA_META_NS, SOVA_META_STATUS_NS, SOVA_META_CTL_NS };
    guint n = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(ns); i++) {
        char *xml = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, ns[i],
                                         VIR_DOMAIN_AFFECT_LIVE);
        n += xml != NULL;
        free(xml);
        virResetLastError();
    }
    return n;
}

static void pin_to(virDomainPtr d, int vcpu, int pcpu)
{
    unsigned char map[2] = { 0 };
    VIR_USE_CPU(map, pcpu);
    g_assert_cmpint(virDomainPinVcpu(d, vcpu, map, sizeof map), ==, 0);
}

/* how many pCPUs vCPU v of d may run on */
static int allowed(virDomainPtr d, int v)
{
    unsigned char maps[8 * 2] = { 0 };
    int n = virDomainGetVcpuPinInfo(d, 8, maps, 2, VIR_DOMAIN_AFFECT_LIVE);
    g_assert_cmpint(n, >, v);
    int count = 0;
    for (int c = 0; c < 16; c++)
        count += VIR_CPU_USABLE(maps, 2, v, c) ? 1 : 0;
    return count;
}

/* "r1": a sova VF, pinned to pCPU 0, metadata in all three namespaces; "test" (the
 * driver's own): cpu='manual', pinned by its operator to pCPU 2 */
static SovaBackend *setup(void)
{
    SovaBackend *be = lvt_open_net(2, 0.2);
    virConnectPtr conn = sova_libvirt_backend_conn(be);
    virDomainPtr r1 = lvt_create_vm(conn, "r1", 1, SOVA_LV_VF_ALIAS_PREFIX "0");
    pin_to(r1, 0, 0);
    set_meta(r1, "<vm migrate='manual' together='db'/>", SOVA_META_PREFIX, SOVA_META_NS);
    set_meta(r1, "<net wants-vf='1' unmet='0' benefit='9' nic-util='0.5'/>",
             SOVA_META_STATUS_PREFIX, SOVA_META_STATUS_NS);
    set_meta(r1, "<leaving to='h2'/>", SOVA_META_CTL_PREFIX, SOVA_META_CTL_NS);
    virDomainFree(r1);
    virDomainPtr t = dom_of(be, "test");
    set_meta(t, "<vm cpu='manual'/>", SOVA_META_PREFIX, SOVA_META_NS);
    pin_to(t, 0, 2);
    virDomainFree(t);
    return be;
}

static const SovaActionResult *result_of(const SovaReleaseOutcome *out, SovaActionKind k,
                                         const char *vm)
{
    for (guint i = 0; i < sova_plan_results_len(out->results); i++) {
        const SovaActionResult *r = sova_plan_result(out->results, i);
        if (r->action->kind == k && !strcmp(r->action->vm_name, vm))
            return r;
    }
    return NULL;
}

static int online_pcpus(SovaBackend *be)
{
    g_autoptr(SovaSnapshot) s = lvt_sample(be);
    int n = 0;
    for (guint i = 0; i < s->n_pcpus; i++)
        n += sova_snapshot_pcpu(s, i)->online;
    return n;
}

static void test_release_all(void)
{
    g_autoptr(SovaBackend) be = setup();
    SovaReleaseOptions o = { .detach_timeout = 0.5 };
    SovaReleaseOutcome out;
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_release_run(be, &o, &out, &err));
    g_assert_no_error(err);
    virDomainPtr r1 = dom_of(be, "r1"), t = dom_of(be, "test");
    g_assert_cmpint(allowed(r1, 0), ==, online_pcpus(be));   /* every usable pCPU */
    g_assert_cmpuint(meta_left(r1), ==, 0);
    g_assert_cmpuint(meta_left(t), ==, 0);                   /* its element too */
    g_assert_cmpint(allowed(t, 0), ==, 1);                   /* cpu='manual': pins stay */
    g_assert_null(result_of(&out, SOVA_ACTION_PIN, "test"));
    const SovaActionResult *vf = result_of(&out, SOVA_ACTION_DETACH_VF, "r1");
    g_assert_nonnull(vf);                                    /* asked for: the test driver */
    g_assert_cmpint(vf->outcome, ==, SOVA_ACTION_FAILED);     /* cannot hot-unplug */
    g_assert_cmpuint(out.results->done, ==, 3);              /* r1's pin, two clear-meta */
    virDomainFree(r1);
    virDomainFree(t);
    sova_release_outcome_clear(&out);
}

static void test_dry_run_and_one_vm(void)
{
    g_autoptr(SovaBackend) be = setup();
    SovaReleaseOptions o = { .dry_run = TRUE };
    SovaReleaseOutcome out;
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_release_run(be, &o, &out, &err));
    g_assert_cmpuint(out.results->skipped, ==, sova_plan_len(out.plan));
    g_assert_cmpuint(sova_plan_len(out.plan), ==, 4);   /* pin, detach, 2 x clear-meta */
    sova_release_outcome_clear(&out);
    virDomainPtr r1 = dom_of(be, "r1"), t = dom_of(be, "test");
    g_assert_cmpint(allowed(r1, 0), ==, 1);
    g_assert_cmpuint(meta_left(r1), ==, 3);
    /* --vm test: only that one */
    o = (SovaReleaseOptions){ .params.vm = "test" };
    g_assert_true(sova_release_run(be, &o, &out, &err));
    g_assert_cmpuint(meta_left(t), ==, 0);
    g_assert_cmpuint(meta_left(r1), ==, 3);
    sova_release_outcome_clear(&out);
    o.params.vm = "nobody";
    g_assert_false(sova_release_run(be, &o, &out, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    sova_release_outcome_clear(&out);
    virDomainFree(r1);
    virDomainFree(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/release/test-driver/all", test_release_all);
    g_test_add_func("/release/test-driver/dry-run-and-one-vm", test_dry_run_and_one_vm);
    return g_test_run();
}
