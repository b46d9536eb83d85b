/* libvirt_meta.c — sova's per-VM settings and signals, kept in the domain's <metadata>.
 *
 * Four elements, each in its own XML namespace so that one writer never overwrites
 * another's (virDomainSetMetadata replaces a whole element of a namespace):
 *   SOVA_META_NS         <sova:vm net='always|never|auto|manual' migrate='auto|manual|no'
 *                                 cpu='auto|manual' group='NAME' together='NAME' hosts='h1,h2'/>
 *                        the operator's (virsh metadata … --key sova --set …)
 *   SOVA_META_STATUS_NS  <sova-agent:net wants-vf='1' unmet='0' benefit='…' nic-util='…'/>
 *                        written by the host agent, read by the controller
 *   SOVA_META_CPU_NS     <sova-cpu:cpu demand='…' unmet='…' interval='…' every='…' seq='N'
 *                                  at='UNIX-SECONDS'/>
 *                        the host agent's CPU summary (model/snapshot.h SovaCpuSummary),
 *                        read by the controller; its own namespace so that the net
 *                        plane's writes and the cpu plane's never replace each other
 *   SOVA_META_CTL_NS     <sova-ctl:leaving to='HOST'/>
 *                        written by the controller around a migration
 * A VM that carries the metadata of another manager (OpenStack Nova, oVirt's VDSM) is
 * that manager's to place: the controller never migrates it behind the manager's back
 * (the agent's host-level actions still apply, with the usual per-VM opt-outs).
 * The same document gives the domain's configured memory (<memory>), which the cluster
 * plane loads hosts with: the balloon's current size is the guest's word.
 * Reading costs nothing extra: the elements come with the domain XML the net plane
 * already reads once per VM (libvirt_nics.c). A METADATA_CHANGE event marks the VM's
 * XML stale so the next sample re-reads it; changes to a namespace this backend
 * writes itself are ignored (we know what we wrote). Namespaces are matched by URI,
 * never by prefix, since libvirt keeps whatever prefix the writer chose. */
#include "backend/libvirt/libvirt_private.h"
#include <math.h>
#include <string.h>

typedef struct {
    guint depth;
    gboolean in_metadata;
    gboolean in_memory;       /* domain/memory: its text is the configured memory */
    guint64 memory_unit;      /* bytes per unit of its unit attribute; 0 unknown */
    GString *memory;
    SovaLvMeta *meta;
} MetaParse;

static const char *attr(const char **names, const char **values, const char *want)
{
    for (guint i = 0; names[i]; i++)
        if (strcmp(names[i], want) == 0)
            return values[i];
    return NULL;
}

/* the namespace URI an element declares for its own prefix, or NULL */
static const char *element_ns(const char *name, const char **names, const char **values)
{
    const char *colon = strchr(name, ':');
    g_autofree char *want = colon ? g_strdup_printf("xmlns:%.*s", (int)(colon - name), name)
                                  : g_strdup("xmlns");
    return attr(names, values, want);
}

static const char *local_name(const char *name)
{
    const char *colon = strchr(name, ':');
    return colon ? colon + 1 : name;
}

static gboolean yes(const char *v)
{
    return v && (strcmp(v, "1") == 0 || g_ascii_strcasecmp(v, "yes") == 0 ||
                 g_ascii_strcasecmp(v, "true") == 0);
}

static double number(const char *v, double fallback)
{
    return v ? g_ascii_strtod(v, NULL) : fallback;
}

static char *name_or_null(const char *v)
{
    return v && *v ? g_strdup(v) : NULL;
}

/* hosts='h1, h2': the names, blanks trimmed and empty ones dropped; NULL when none */
static char **host_list(const char *v)
{
    if (!v)
        return NULL;
    g_auto(GStrv) parts = g_strsplit(v, ",", -1);
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; parts[i]; i++)
        if (*g_strstrip(parts[i]))
            g_ptr_array_add(out, g_strdup(parts[i]));
    if (!out->len)
        return (char **)g_ptr_array_free(out, TRUE), NULL;
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static void read_vm(SovaLvMeta *m, const char **names, const char **values)
{
    const char *net = attr(names, values, "net");
    m->net_override = g_strcmp0(net, "always") == 0 ? SOVA_NET_ALWAYS
                    : g_strcmp0(net, "never") == 0  ? SOVA_NET_NEVER
                                                    : SOVA_NET_AUTO;
    m->net_manual = g_strcmp0(net, "manual") == 0;
    /* migrate: yes/auto (the default), manual (recommended only), anything else: never */
    const char *migrate = attr(names, values, "migrate");
    m->migrate_manual = g_strcmp0(migrate, "manual") == 0;
    m->no_migrate = migrate && !yes(migrate) && g_strcmp0(migrate, "auto") != 0 &&
                    !m->migrate_manual;
    m->cpu_manual = g_strcmp0(attr(names, values, "cpu"), "manual") == 0;
    g_free(m->group);
    m->group = name_or_null(attr(names, values, "group"));
    g_free(m->together);
    m->together = name_or_null(attr(names, values, "together"));
    g_strfreev(m->hosts);
    m->hosts = host_list(attr(names, values, "hosts"));
}

/* the manager whose metadata namespace this is, or NULL: matched by URI prefix, every
 * version of Nova's (…/nova/1.0, 1.1) and VDSM's (…/vm/1.0, …/vm/tune/1.0) */
static const char *manager_of(const char *ns)
{
    static const struct { const char *prefix, *name; } managers[] = {
        {"http://openstack.org/xmlns/libvirt/nova/", "OpenStack Nova"},
        {"http://ovirt.org/vm/", "oVirt"},
    };
    for (gsize i = 0; ns && i < G_N_ELEMENTS(managers); i++)
        if (g_str_has_prefix(ns, managers[i].prefix))
            return managers[i].name;
    return NULL;
}

static void read_status(SovaLvMeta *m, const char **names, const char **values)
{
    m->has_net_status = TRUE;
    m->net_wants_vf = yes(attr(names, values, "wants-vf"));
    m->net_unmet = yes(attr(names, values, "unmet"));
    m->net_vf_detaching = yes(attr(names, values, "vf-detach"));
    m->net_benefit = number(attr(names, values, "benefit"), 0);
    m->host_nic_util = number(attr(names, values, "nic-util"), -1);
}

/* the agent's CPU summary: unreadable numbers leave it absent (the controller then
 * estimates the VM's demand itself) */
static void read_cpu(SovaLvMeta *m, const char **names, const char **values)
{
    const char *demand = attr(names, values, "demand"), *at = attr(names, values, "at");
    const char *seq = attr(names, values, "seq");
    SovaCpuSummary *c = &m->cpu;
    *c = (SovaCpuSummary){0};
    if (!demand || !at)
        return;
    c->demand = number(demand, -1);
    c->unmet = number(attr(names, values, "unmet"), 0);
    c->interval_s = number(attr(names, values, "interval"), 0);
    c->every_s = number(attr(names, values, "every"), 0);
    c->at = number(at, -1);
    c->seq = seq ? g_ascii_strtoull(seq, NULL, 10) : 0;
    c->has = isfinite(c->demand) && c->demand >= 0 && isfinite(c->unmet) && c->unmet >= 0 &&
             isfinite(c->interval_s) && isfinite(c->every_s) && c->every_s >= 0 &&
             isfinite(c->at) && c->at > 0;
}

/* bytes per unit of libvirt's memory units (KiB when none is given); 0 unknown */
static guint64 unit_bytes(const char *unit)
{
    static const struct { const char *name; guint64 bytes; } units[] = {
        {"b", 1}, {"bytes", 1}, {"KB", 1000}, {"k", 1024}, {"KiB", 1024},
        {"MB", 1000000}, {"M", 1 << 20}, {"MiB", 1 << 20}, {"GB", 1000000000},
        {"G", 1 << 30}, {"GiB", 1 << 30}, {"TB", 1000000000000}, {"T", 1ULL << 40},
        {"TiB", 1ULL << 40},
    };
    if (!unit)
        return 1024;
    for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
        if (strcmp(units[i].name, unit) == 0)
            return units[i].bytes;
    return 0;
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
                    GError **error)
{
    (void)ctx;
    (void)error;
    MetaParse *p = data;
    if (p->in_memory && p->depth == 2)
        g_string_append_len(p->memory, text, (gssize)len);
}

/* the configured memory (domain/memory) in KiB; 0 when absent or unreadable */
static guint64 memory_kib(const MetaParse *p)
{
    guint64 v = 0;
    g_autofree char *text = g_strstrip(g_strdup(p->memory->str));
    if (!p->memory_unit || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64 / 1024 / 1024,
                                                       &v, NULL))
        return 0;
    return v * p->memory_unit / 1024;
}

static void on_start(GMarkupParseContext *ctx, const char *name, const char **names,
                     const char **values, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    MetaParse *p = data;
    p->depth++;
    if (p->depth == 2 && strcmp(name, "metadata") == 0)
        p->in_metadata = TRUE;
    if (p->depth == 2 && strcmp(name, "memory") == 0) {
        p->in_memory = TRUE;
        p->memory_unit = unit_bytes(attr(names, values, "unit"));
    }
    if (p->depth != 3 || !p->in_metadata)
        return;
    const char *ns = element_ns(name, names, values);
    const char *local = local_name(name);
    p->meta->any |= sova_lv_meta_ns_ours(ns);
    if (g_strcmp0(ns, SOVA_META_NS) == 0 && strcmp(local, "vm") == 0)
        read_vm(p->meta, names, values);
    else if (g_strcmp0(ns, SOVA_META_STATUS_NS) == 0 && strcmp(local, "net") == 0)
        read_status(p->meta, names, values);
    else if (g_strcmp0(ns, SOVA_META_CPU_NS) == 0 && strcmp(local, "cpu") == 0)
        read_cpu(p->meta, names, values);
    else if (g_strcmp0(ns, SOVA_META_CTL_NS) == 0 && strcmp(local, "leaving") == 0)
        p->meta->leaving = TRUE;
    else if (manager_of(ns))
        p->meta->manager = manager_of(ns);
}

gboolean sova_lv_meta_ns_ours(const char *ns)
{
    return g_strcmp0(ns, SOVA_META_NS) == 0 || g_strcmp0(ns, SOVA_META_STATUS_NS) == 0 ||
           g_strcmp0(ns, SOVA_META_CPU_NS) == 0 || g_strcmp0(ns, SOVA_META_CTL_NS) == 0;
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    MetaParse *p = data;
    if (p->depth == 2 && strcmp(name, "metadata") == 0)
        p->in_metadata = FALSE;
    if (p->depth == 2 && strcmp(name, "memory") == 0)
        p->in_memory = FALSE;
    p->depth--;
}

void sova_lv_meta_clear(SovaLvMeta *m)
{
    g_clear_pointer(&m->group, g_free);
    g_clear_pointer(&m->together, g_free);
    g_clear_pointer(&m->hosts, g_strfreev);
    memset(m, 0, sizeof *m);
    m->host_nic_util = -1;
}

gboolean sova_lv_meta_parse(const char *xml, SovaLvMeta *out, GError **error)
{
    static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
    sova_lv_meta_clear(out);
    MetaParse p = {.meta = out, .memory = g_string_new(NULL)};
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    gboolean ok = g_markup_parse_context_parse(ctx, xml, -1, error) &&
                  g_markup_parse_context_end_parse(ctx, error);
    g_markup_parse_context_free(ctx);
    out->memory_kib = ok ? memory_kib(&p) : 0;
    g_string_free(p.memory, TRUE);
    return ok;
}

void sova_lv_meta_fill(const SovaLvMeta *m, SovaVmSample *vm)
{
    vm->net_override = m->net_override;
    vm->no_migrate = m->no_migrate || m->manager;   /* never behind a manager's back */
    g_free(vm->group);
    vm->group = g_strdup(m->group);
    g_free(vm->together);
    vm->together = g_strdup(m->together);
    g_strfreev(vm->hosts);
    vm->hosts = g_strdupv(m->hosts);
    vm->cpu_manual = m->cpu_manual;
    vm->migrate_manual = m->migrate_manual;
    vm->net_manual = m->net_manual;
    vm->has_meta = m->any;
    vm->has_net_status = m->has_net_status;
    vm->net_wants_vf = m->net_wants_vf;
    vm->net_unmet = m->net_unmet;
    vm->net_vf_detaching = m->net_vf_detaching;
    vm->net_benefit = m->net_benefit;
    vm->host_nic_util = m->has_net_status ? m->host_nic_util : -1;
    vm->leaving = m->leaving;
    vm->cpu_summary = m->cpu;
    if (m->cpu.has)   /* its age now, on the writer's clock kind (wall time) */
        vm->cpu_summary.age_s = g_get_real_time() / (double)G_USEC_PER_SEC - m->cpu.at;
    if (m->memory_kib > 0)
        vm->memory_kib = m->memory_kib;   /* configured, not what the guest's balloon says */
}

static void on_metadata_change(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri,
                               void *opaque)
{
    (void)conn;
    SovaLibvirtBackend *lv = opaque;
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (type != VIR_DOMAIN_METADATA_ELEMENT || virDomainGetUUIDString(dom, uuid) < 0)
        return;
    if (lv->opts.meta_writes && nsuri && g_strv_contains(lv->opts.meta_writes, nsuri))
        return;   /* our own write */
    sova_lv_event(lv, SOVA_LV_EVENT_METADATA, uuid, NULL);
}

void sova_lv_meta_changed(SovaLibvirtBackend *lv, const char *uuid)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (d)
        d->nics_stale = TRUE;
}

void sova_lv_meta_connected(SovaLibvirtBackend *lv)
{
    lv->meta_cb = -1;
    if (!lv->opts.net && !lv->opts.meta)
        return;
    lv->meta_cb = virConnectDomainEventRegisterAny(
        lv->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
        VIR_DOMAIN_EVENT_CALLBACK(on_metadata_change), lv, NULL);
    if (lv->meta_cb < 0) {
        sova_debug("libvirt: no metadata events on %s: %s", lv->uri ? lv->uri : "default",
                   virGetLastErrorMessage());
        virResetLastError();
    }
}

void sova_lv_meta_disconnecting(SovaLibvirtBackend *lv)
{
    if (lv->meta_cb >= 0)
        virConnectDomainEventDeregisterAny(lv->conn, lv->meta_cb);
    lv->meta_cb = -1;
    virResetLastError();
}

gboolean sova_lv_meta_write(SovaLibvirtBackend *lv, const char *uuid, const char *xml,
                            const char *prefix, const char *ns, GError **error)
{
    SovaLvDomain *d = sova_lv_domain_lookup(lv, uuid);
    if (!lv->conn || !d) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no such VM %s", uuid);
        return FALSE;
    }
    if (SOVA_LV_CALL(lv, virDomainSetMetadata(d->dom, VIR_DOMAIN_METADATA_ELEMENT, xml, prefix, ns,
                                              VIR_DOMAIN_AFFECT_LIVE)) < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "writing sova metadata of %s",
                          virDomainGetName(d->dom));
        return FALSE;
    }
    return TRUE;
}

gboolean sova_lv_meta_clear_all(SovaLibvirtBackend *lv, const SovaAction *a, GError **error)
{
    static const char *const ns[] = { SOVA_META_NS, SOVA_META_STATUS_NS, SOVA_META_CPU_NS,
                                      SOVA_META_CTL_NS };
    SovaLvDomain *d = sova_lv_domain_lookup(lv, a->uuid);
    if (!d) {
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_GONE, "no such VM %s", a->vm_name);
        return FALSE;
    }
    int persistent = SOVA_LV_CALL(lv, virDomainIsPersistent(d->dom));
    for (gsize i = 0; i < G_N_ELEMENTS(ns); i++) {
        unsigned int flags = VIR_DOMAIN_AFFECT_LIVE | (persistent == 1 ? VIR_DOMAIN_AFFECT_CONFIG
                                                                       : 0);
        if (SOVA_LV_CALL(lv, virDomainSetMetadata(d->dom, VIR_DOMAIN_METADATA_ELEMENT, NULL, NULL,
                                                  ns[i], flags)) < 0) {
            sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "removing sova's metadata (%s) of %s",
                              ns[i], a->vm_name);
            return FALSE;
        }
    }
    d->nics_stale = TRUE;   /* the next sample reads it afresh */
    return TRUE;
}

gboolean sova_lv_publish_net(SovaBackend *be, const char *uuid, const SovaNetPublish *st,
                             GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    char benefit[G_ASCII_DTOSTR_BUF_SIZE], util[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(benefit, sizeof benefit, "%.0f", st->benefit);
    g_ascii_formatd(util, sizeof util, "%.3f", st->nic_util);
    g_autofree char *xml = g_strdup_printf("<net wants-vf='%d' unmet='%d' benefit='%s' "
                                           "nic-util='%s' "
                                           "vf-detach='%d'/>", st->wants_vf ? 1 : 0,
                                           st->unmet ? 1 : 0, benefit, util,
                                           st->vf_detaching ? 1 : 0);
    return sova_lv_meta_write(lv, uuid, xml, SOVA_META_STATUS_PREFIX, SOVA_META_STATUS_NS, error);
}

char *sova_lv_cpu_summary_xml(const SovaCpuSummary *st, double at)
{
    char demand[G_ASCII_DTOSTR_BUF_SIZE], unmet[G_ASCII_DTOSTR_BUF_SIZE];
    char interval[G_ASCII_DTOSTR_BUF_SIZE], every[G_ASCII_DTOSTR_BUF_SIZE];
    char when[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(demand, sizeof demand, "%.3f", st->demand);
    g_ascii_formatd(unmet, sizeof unmet, "%.3f", st->unmet);
    g_ascii_formatd(interval, sizeof interval, "%.3g", st->interval_s);
    g_ascii_formatd(every, sizeof every, "%.6g", st->every_s);
    g_ascii_formatd(when, sizeof when, "%.3f", at);
    return g_strdup_printf("<cpu demand='%s' unmet='%s' interval='%s' every='%s' seq='%"
                           G_GUINT64_FORMAT "' at='%s'/>", demand, unmet, interval, every,
                           st->seq, when);
}

gboolean sova_lv_publish_cpu(SovaBackend *be, const char *uuid, const SovaCpuSummary *st,
                             GError **error)
{
    SovaLibvirtBackend *lv = (SovaLibvirtBackend *)be;
    g_autofree char *xml = sova_lv_cpu_summary_xml(st, g_get_real_time() / (double)G_USEC_PER_SEC);
    return sova_lv_meta_write(lv, uuid, xml, SOVA_META_CPU_PREFIX, SOVA_META_CPU_NS, error);
}
