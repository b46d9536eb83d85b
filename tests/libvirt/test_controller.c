/* test_controller.c — the controller loop end to end on libvirt's in-process test
 * driver: two (or three) "hosts" are test:///FILE connections, each with its own
 * domains. The test driver cannot migrate, which makes it a good place to prove the
 * plumbing around a migration: a dry run plans but starts nothing; a real run starts the
 * migration (the VM is marked leaving), libvirt refuses it, and the failure comes back
 * with libvirt's reason, the VM still running on its source with the mark removed, and
 * the VM backing off; a host that cannot be read is down, not fatal; `mode = manual` plans,
 * recommends and starts nothing; a keep-together group split across hosts that cannot be
 * gathered is reported once.
 *
 * The planning itself is the cluster policies' (tested on their own): here a tiny local
 * policy moves one VM from the host with the most VMs to the one with the fewest. */
#include "backend/libvirt/libvirt_backend.h"
#include "daemon/controller.h"
#include <glib/gstdio.h>
#include <string.h>

/* ---- a stub policy: plumbing only ---- */

static guint count_on(const SovaCluster *c, guint h)
{
    guint n = 0;
    for (guint i = 0; i < c->vms->len; i++)
        n += sova_cluster_vm(c, i)->host == (int)h;
    return n;
}

static SovaPlan *stub_plan(const SovaCluster *c, const SovaClusterParams *p, gpointer state)
{
    (void)p;
    (void)state;
    SovaPlan *plan = sova_plan_new();
    int hi = -1, lo = -1;
    for (guint h = 0; h < c->hosts->len; h++) {
        const SovaClusterHost *host = sova_cluster_host(c, h);
        if (!host->up)
            continue;
        if (hi < 0 || count_on(c, h) > count_on(c, (guint)hi))
            hi = (int)h;
        if (lo < 0 || count_on(c, h) < count_on(c, (guint)lo))
            lo = (int)h;
    }
    if (hi < 0 || count_on(c, (guint)hi) < count_on(c, (guint)lo) + 2) {
        sova_plan_set_reason(plan, "balanced");
        return plan;
    }
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if (v->host != hi || v->migrating || v->pinned || v->failures)
            continue;
        sova_plan_add_migrate(plan, v->uuid, v->name, hi, sova_cluster_host(c, hi)->name, lo,
                              sova_cluster_host(c, lo)->name, 0.1, 1, "stub: most VMs");
        sova_plan_set_reason(plan, "one host has more VMs");
        break;
    }
    return plan;
}

static const SovaClusterPolicy stub = { .name = "stub", .summary = "test", .plan = stub_plan };

/* ---- hosts: test driver node files ---- */

static const char *dom_xml =
    "<domain type='test'><name>%s</name><uuid>%s</uuid><memory>1048576</memory>"
    "<currentMemory>1048576</currentMemory><vcpu>1</vcpu><os><type>hvm</type></os>%s</domain>";

static char *node_file(const char *dir, const char *host, guint n_vms, const char *meta_vm0)
{
    GString *s = g_string_new("<node><cpu><mhz>2000</mhz><model>test</model><nodes>1</nodes>"
                              "<sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>"
                              "<memory>8388608</memory>");
    for (guint i = 0; i < n_vms; i++) {
        g_autofree char *name = g_strdup_printf("%s-vm%u", host, i);
        g_autofree char *uuid = g_strdup_printf("00000000-0000-0000-%04x-%012u", host[0], i);
        const char *meta = i == 0 && meta_vm0 ? meta_vm0 : "";
        g_string_append_printf(s, dom_xml, name, uuid, meta);
    }
    g_string_append(s, "</node>");
    char *path = g_build_filename(dir, host, NULL);
    g_autofree char *file = g_strdup_printf("%s.xml", path);
    g_free(path);
    g_assert_true(g_file_set_contents(file, s->str, -1, NULL));
    g_string_free(s, TRUE);
    return g_strdup_printf("test://%s", file);
}

typedef struct {
    char *dir;
    SovaControllerHost hosts[3];
    guint n;
} Rig;

/* host a runs n_a VMs, host b n_b, the first of each with meta_vm0 (may be NULL) */
static void rig_up_n(Rig *r, guint n_hosts, guint n_a, guint n_b, const char *meta_vm0)
{
    memset(r, 0, sizeof *r);
    r->dir = g_dir_make_tmp("sova-ctl-XXXXXX", NULL);
    g_assert_nonnull(r->dir);
    static const char *const names[] = { "a", "b", "c" };
    r->n = n_hosts;
    for (guint i = 0; i < n_hosts; i++) {
        g_autofree char *uri = i < 2 ? node_file(r->dir, names[i], i == 0 ? n_a : n_b, meta_vm0)
                                     : g_strdup_printf("test://%s/missing.xml", r->dir);
        SovaLibvirtOptions lo = { .net = TRUE, .connect_later = TRUE, .cluster_reads = TRUE };
        g_autoptr(GError) err = NULL;
        r->hosts[i].name = names[i];
        r->hosts[i].backend = sova_libvirt_backend_open(uri, &lo, &err);
        g_assert_no_error(err);
        g_assert_nonnull(r->hosts[i].backend);
    }
}

static void rig_up(Rig *r, guint n_hosts, const char *meta_vm0)
{
    rig_up_n(r, n_hosts, 3, 0, meta_vm0);
}

static void rig_down(Rig *r)
{
    for (guint i = 0; i < r->n; i++)
        sova_backend_free(r->hosts[i].backend);
    g_autoptr(GDir) d = g_dir_open(r->dir, 0, NULL);
    for (const char *f; d && (f = g_dir_read_name(d));) {
        g_autofree char *p = g_build_filename(r->dir, f, NULL);
        g_unlink(p);
    }
    g_rmdir(r->dir);
    g_free(r->dir);
}

static guint domains_on(SovaBackend *be)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(sova_libvirt_backend_conn(be), &doms,
                                     VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    g_assert_cmpint(n, >=, 0);
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return (guint)n;
}

/* the domain's <leaving> element, or NULL */
static char *leaving_of(SovaBackend *be, const char *uuid)
{
    virDomainPtr dom = virDomainLookupByUUIDString(sova_libvirt_backend_conn(be), uuid);
    g_assert_nonnull(dom);
    char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, SOVA_META_CTL_NS,
                                     VIR_DOMAIN_AFFECT_LIVE);
    virDomainFree(dom);
    char *copy = g_strdup(xml);
    free(xml);
    return copy;
}

/* ---- what the controller reported ---- */

typedef struct {
    guint intervals, planned, started, failed_to_start, finished_ok, finished_failed;
    char *error;              /* the last failure's */
    char uuid[SOVA_UUID_LEN]; /* the last planned VM */
    char failed[SOVA_UUID_LEN]; /* the last VM whose migration failed */
    guint hosts_up;
    guint failures_seen;      /* that VM's failures in the newest cluster */
} Seen;

static void observe(const SovaControllerInterval *iv, gpointer data)
{
    Seen *s = data;
    s->intervals++;
    s->planned += sova_plan_len(iv->plan);
    s->started += iv->started;
    s->failed_to_start += iv->failed_to_start;
    if (sova_plan_len(iv->plan))
        g_strlcpy(s->uuid, sova_plan_action(iv->plan, 0)->uuid, sizeof s->uuid);
    for (guint i = 0; i < iv->n_finished; i++) {
        if (iv->finished[i].ok)
            s->finished_ok++;
        else {
            s->finished_failed++;
            g_strlcpy(s->failed, iv->finished[i].uuid, sizeof s->failed);
            g_free(s->error);
            s->error = g_strdup(iv->finished[i].error);
        }
    }
    s->hosts_up = 0;
    for (guint h = 0; h < iv->cluster->hosts->len; h++)
        s->hosts_up += sova_cluster_host(iv->cluster, h)->up;
    int v = s->failed[0] ? sova_cluster_find_vm(iv->cluster, s->failed) : -1;
    s->failures_seen = v >= 0 ? sova_cluster_vm(iv->cluster, (guint)v)->failures : 0;
}

static SovaController *controller_in(Rig *r, gboolean dry_run, SovaMode mode, gboolean quiet,
                                     Seen *seen)
{
    SovaControllerOptions o = { .dry_run = dry_run, .quiet = quiet, .interval = 0.01,
                                .params = SOVA_CLUSTER_PARAMS_DEFAULT, .ewma_alpha = 1,
                                .mode = mode, .observer = observe, .observer_data = seen };
    return sova_controller_new(r->hosts, r->n, &stub, &o);
}

static SovaController *controller(Rig *r, gboolean dry_run, Seen *seen)
{
    return controller_in(r, dry_run, SOVA_MODE_FULL, TRUE, seen);
}

static void step(SovaController *c)
{
    g_autoptr(GError) err = NULL;
    g_usleep(2000);   /* the snapshots' clock must advance */
    g_assert_true(sova_controller_step(c, &err));
    g_assert_no_error(err);
}

static void test_dry_run_starts_nothing(void)
{
    Rig r;
    rig_up(&r, 2, NULL);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&r, TRUE, &seen);
    step(c);
    g_assert_cmpuint(seen.intervals, ==, 0);      /* baselines only */
    g_assert_null(sova_controller_cluster(c));
    for (int i = 0; i < 3; i++)
        step(c);
    g_assert_cmpuint(seen.intervals, ==, 3);
    g_assert_cmpuint(seen.planned, ==, 3);        /* the same move, planned each time */
    g_assert_cmpuint(seen.started, ==, 0);
    g_assert_cmpuint(domains_on(r.hosts[0].backend), ==, 3);
    g_assert_cmpuint(domains_on(r.hosts[1].backend), ==, 0);
    g_autofree char *mark = leaving_of(r.hosts[0].backend, seen.uuid);
    g_assert_null(mark);
    const SovaCluster *cl = sova_controller_cluster(c);
    g_assert_cmpuint(cl->hosts->len, ==, 2);
    g_assert_cmpuint(cl->vms->len, ==, 3);
    g_assert_cmpuint(sova_cluster_host(cl, 0)->memory_kib, ==, 8388608);
    g_assert_cmpuint(sova_controller_migrations(c) + sova_controller_migration_failures(c), ==, 0);
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* the test driver refuses to migrate: the failure path, end to end */
static void test_refused_migration_backs_off(void)
{
    Rig r;
    rig_up(&r, 2, NULL);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&r, FALSE, &seen);
    step(c);
    step(c);
    g_assert_cmpuint(seen.planned, ==, 1);
    g_assert_cmpuint(seen.started, ==, 1);
    /* started: marked leaving until its end is seen */
    char first[SOVA_UUID_LEN];
    g_strlcpy(first, seen.uuid, sizeof first);
    g_autofree char *mark = leaving_of(r.hosts[0].backend, first);
    g_assert_nonnull(mark);
    g_assert_nonnull(strstr(mark, "leaving"));
    for (int i = 0; i < 200 && !seen.finished_failed; i++)
        step(c);
    g_assert_cmpuint(seen.finished_failed, ==, 1);
    g_assert_cmpstr(seen.failed, ==, first);
    g_assert_nonnull(strstr(seen.error, "not supported"));   /* libvirt's own reason */
    g_assert_cmpuint(seen.finished_ok, ==, 0);
    g_assert_cmpuint(sova_controller_migrations(c), ==, 0);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
    g_autofree char *after = leaving_of(r.hosts[0].backend, first);
    g_assert_null(after);                          /* removed on the source */
    g_assert_cmpuint(domains_on(r.hosts[0].backend), ==, 3);   /* still running there */
    g_assert_cmpuint(seen.failures_seen, ==, 1);   /* the cluster carries the failure... */
    g_assert_cmpstr(seen.uuid, !=, first);         /* ...and the next plan leaves it alone */
    g_free(seen.error);
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* a host that cannot be read is down: the others are planned, nothing is fatal */
static void test_unreadable_host_is_down(void)
{
    Rig r;
    rig_up(&r, 3, NULL);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&r, TRUE, &seen);
    for (int i = 0; i < 3; i++)
        step(c);
    g_assert_cmpuint(seen.intervals, ==, 2);
    g_assert_cmpuint(seen.hosts_up, ==, 2);
    g_assert_false(sova_cluster_host(sova_controller_cluster(c), 2)->up);
    g_assert_cmpuint(seen.planned, ==, 2);
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* migrate='no' in the operator's metadata, or another manager's metadata (OpenStack Nova,
 * oVirt): never planned */
static void test_metadata_no_migrate(gconstpointer metadata)
{
    Rig r;
    rig_up(&r, 2, metadata);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&r, TRUE, &seen);
    step(c);
    step(c);
    const SovaCluster *cl = sova_controller_cluster(c);
    guint pinned = 0;
    for (guint i = 0; i < cl->vms->len; i++)
        pinned += sova_cluster_vm(cl, i)->pinned;
    g_assert_cmpuint(pinned, ==, 1);
    g_assert_cmpuint(seen.planned, ==, 1);
    g_assert_cmpstr(sova_cluster_vm(cl, (guint)sova_cluster_find_vm(cl, seen.uuid))->name, !=,
                    "a-vm0");
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* --once in a dry run: one planned interval, then it returns */
static void test_once(void)
{
    Rig r;
    rig_up(&r, 2, NULL);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller(&r, TRUE, &seen);
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, NULL), ==, 0);
    g_assert_cmpuint(seen.intervals, ==, 1);
    g_assert_cmpuint(seen.planned, ==, 1);
    sova_controller_free(g_steal_pointer(&c));
    Seen real = { 0 };
    c = controller(&r, FALSE, &real);
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(sova_controller_run(c, TRUE, NULL, &err), ==, 1);   /* the migration failed */
    g_assert_nonnull(err);   /* and the exit status says why */
    g_assert_cmpuint(real.intervals, ==, 1);
    g_assert_cmpuint(sova_controller_migration_failures(c), ==, 1);
    g_assert_cmpuint(domains_on(r.hosts[0].backend), ==, 3);
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* a leaving mark that no migration explains (a controller stopped mid-migration) is
 * reported by a dry run and removed by a controller that acts: else the VM's agent would
 * keep it off the VF pool for good */
static void test_stale_leaving_mark_removed(void)
{
    Rig r;
    rig_up(&r, 1, "<metadata><sova-ctl:leaving xmlns:sova-ctl='" SOVA_META_CTL_NS "' "
                  "to='b'/></metadata>");
    const char *uuid = "00000000-0000-0000-0061-000000000000";   /* a-vm0 */
    Seen seen = { 0 };
    g_autoptr(SovaController) dry = controller(&r, TRUE, &seen);
    step(dry);
    g_autofree char *kept = leaving_of(r.hosts[0].backend, uuid);
    g_assert_nonnull(kept);                        /* a dry run changes nothing */
    g_autoptr(SovaController) c = controller(&r, FALSE, &seen);
    step(c);
    g_autofree char *gone = leaving_of(r.hosts[0].backend, uuid);
    g_assert_null(gone);
    g_assert_cmpuint(seen.started, ==, 0);
    sova_controller_free(g_steal_pointer(&dry));
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* mode = manual (not a dry run): the migration is planned and recommended, none starts,
 * no VM is marked leaving, every domain stays where it runs */
static void test_mode_manual_starts_nothing(void)
{
    Rig r;
    rig_up(&r, 2, NULL);
    Seen seen = { 0 };
    g_autoptr(SovaController) c = controller_in(&r, FALSE, SOVA_MODE_MANUAL, TRUE, &seen);
    for (int i = 0; i < 3; i++)
        step(c);
    g_assert_cmpuint(seen.planned, ==, 2);
    g_assert_cmpuint(seen.started, ==, 0);
    g_assert_cmpuint(seen.failed_to_start, ==, 0);
    g_assert_cmpuint(domains_on(r.hosts[0].backend), ==, 3);
    g_assert_cmpuint(domains_on(r.hosts[1].backend), ==, 0);
    g_autofree char *mark = leaving_of(r.hosts[0].backend, seen.uuid);
    g_assert_null(mark);
    g_assert_cmpuint(sova_controller_migrations(c) + sova_controller_migration_failures(c), ==, 0);
    sova_controller_free(g_steal_pointer(&c));
    rig_down(&r);
}

/* a keep-together pair split across a and b that cannot be gathered (both migrate='no'):
 * the controller warns once, naming the group and the VMs, however many intervals run */
static void test_ungathered_reported_once(void)
{
    if (g_test_subprocess()) {
        Rig r;
        rig_up_n(&r, 2, 2, 1, "<metadata><sova:vm xmlns:sova='" SOVA_META_NS "' "
                              "together='db' migrate='no'/></metadata>");
        Seen seen = { 0 };
        g_autoptr(SovaController) c = controller_in(&r, TRUE, SOVA_MODE_FULL, FALSE, &seen);
        for (int i = 0; i < 4; i++)
            step(c);
        g_assert_cmpuint(seen.intervals, ==, 3);
        sova_controller_free(g_steal_pointer(&c));
        rig_down(&r);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*together='db' is split (a-vm0 on a; b-vm0 on b) and cannot be "
                              "gathered*a-vm0 may not migrate*");
    g_test_trap_assert_stderr_unmatched("*cannot be gathered*cannot be gathered*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller/dry-run-starts-nothing", test_dry_run_starts_nothing);
    g_test_add_func("/controller/refused-migration-backs-off", test_refused_migration_backs_off);
    g_test_add_func("/controller/unreadable-host-is-down", test_unreadable_host_is_down);
    g_test_add_data_func("/controller/metadata-no-migrate",
                         "<metadata><sova:vm xmlns:sova='" SOVA_META_NS "' migrate='no'/></metadata>",
                         test_metadata_no_migrate);
    g_test_add_data_func("/controller/managed-by-nova-never-migrated",
                         "<metadata><nova:instance xmlns:nova='http://openstack.org/xmlns/"
                         "libvirt/nova/1.1'><nova:name>x</nova:name></nova:instance></metadata>",
                         test_metadata_no_migrate);
    g_test_add_data_func("/controller/managed-by-ovirt-never-migrated",
                         "<metadata><ovirt-tune:qos xmlns:ovirt-tune='http://ovirt.org/vm/tune/1.0'/>"
                         "<ovirt-vm:vm xmlns:ovirt-vm='http://ovirt.org/vm/1.0'/></metadata>",
                         test_metadata_no_migrate);
    g_test_add_func("/controller/once", test_once);
    g_test_add_func("/controller/stale-leaving-mark-removed", test_stale_leaving_mark_removed);
    g_test_add_func("/controller/mode-manual-starts-nothing", test_mode_manual_starts_nothing);
    g_test_add_func("/controller/ungathered-reported-once", test_ungathered_reported_once);
    return g_test_run();
}
