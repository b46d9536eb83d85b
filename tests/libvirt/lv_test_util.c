/* lv_test_util.c — the libvirt backend tests' shared helpers; see lv_test_util.h. */
#include "lv_test_util.h"
#include <string.h>

SovaBackend *lvt_open_net(guint pool, double detach_timeout)
{
    g_autoptr(GError) error = NULL;
    SovaLibvirtOptions o = {.affinity_refresh = 0, .net = TRUE, .vf_pool = pool,
                            .vf_network = "vfnet", .detach_timeout = detach_timeout};
    SovaBackend *be = sova_libvirt_backend_open(LVT_URI, &o, &error);
    g_assert_no_error(error);
    return be;
}

SovaSnapshot *lvt_sample(SovaBackend *be)
{
    g_autoptr(GError) error = NULL;
    SovaSnapshot *s = sova_backend_sample(be, &error);
    g_assert_no_error(error);
    return s;
}

SovaVmSample *lvt_find_vm(const SovaSnapshot *s, const char *name)
{
    for (guint i = 0; i < s->vms->len; i++)
        if (strcmp(((SovaVmSample *)g_ptr_array_index(s->vms, i))->name, name) == 0)
            return g_ptr_array_index(s->vms, i);
    return NULL;
}

virDomainPtr lvt_create_vm_with(virConnectPtr conn, const char *name, int n, const char *vf)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>%s</name><memory>65536</memory><vcpu>1</vcpu>"
        "<os><type>hvm</type></os><devices><interface type='network'>"
        "<source network='default'/><mac address='52:54:00:00:00:%02x'/><model type='virtio'/>"
        "<alias name='ua-sova-net0'/><teaming type='persistent'/></interface>%s</devices></domain>",
        name, n, vf);
    virDomainPtr d = virDomainCreateXML(conn, xml, 0);
    g_assert_nonnull(d);
    return d;
}

virDomainPtr lvt_create_vm(virConnectPtr conn, const char *name, int n, const char *vf_alias)
{
    g_autofree char *vf = vf_alias
        ? g_strdup_printf("<interface type='network'><source network='default'/>"
                          "<mac address='52:54:00:00:00:%02x'/><alias name='%s'/></interface>",
                          n, vf_alias)
        : g_strdup("");
    return lvt_create_vm_with(conn, name, n, vf);
}

SovaAction lvt_action(SovaActionKind kind, virDomainPtr d)
{
    SovaAction a = {.kind = kind, .vm_name = (char *)virDomainGetName(d), .reason = (char *)"t"};
    virDomainGetUUIDString(d, a.uuid);
    return a;
}
