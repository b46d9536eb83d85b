/* libvirt_nics.c — each VM's network interfaces: identity from the domain XML, read
 * once per VM, counters from the bulk stats call every sample.
 *
 * The bulk stats (VIR_DOMAIN_STATS_INTERFACE) give per-tap counters (net.N.name,
 * net.N.rx.bytes, net.N.rx.drop ...) but not which NIC a tap is: its MAC, alias and role
 * come from the live XML. That costs a call per VM, so the XML is cached in the per-VM entry
 * and re-read only when the VM is new, after sova switched one of its NICs, or when
 * the taps in the stats no longer match the cache (someone else hot-plugged a NIC).
 * Roles: <teaming type='persistent'/> is the standby; an interface with an alias from
 * sova's VF pool is a VF (sova attached it); everything else is OTHER. A VF the operator
 * attached (<teaming type='transient'/> or the standby's MAC, without sova's alias:
 * libvirt's standard failover setup) is not sova's to detach or give away: it stays OTHER,
 * marks the NIC foreign_vf, and its VM is left out of VF switching (net='never'). Counters are the
 * host side of the tap, never the guest's word; libvirt reports them as the guest sees them (rx =
 * to the guest), and rx.drop is what the tap could not hand to a guest whose virtio queue was full.
 * A hostdev VF has no tap: its XML gives the VF's PCI address (<source><address type='pci'/>), and
 * its counters come from its PF (libvirt_pfstats.c) or, where the PF's driver reports none,
 * stay zero. */
#include "backend/libvirt/libvirt_private.h"
#include <string.h>

typedef struct {
    guint depth;              /* open elements */
    gboolean in_iface;        /* inside domain/devices/interface */
    gboolean in_devices;
    gboolean in_source;       /* inside the interface's <source> */
    SovaLvNic cur;
    char *teaming;            /* teaming@type of the current interface */
    GArray *nics;
} NicParse;

static void nic_clear(gpointer p)
{
    SovaLvNic *n = p;
    g_clear_pointer(&n->alias, g_free);
    g_clear_pointer(&n->target, g_free);
    g_clear_pointer(&n->type, g_free);
    g_clear_pointer(&n->pci, g_free);
}

void sova_lv_nics_free(GArray *nics)
{
    if (nics)
        g_array_unref(nics);
}

static const char *attr(const char **names, const char **values, const char *want)
{
    for (guint i = 0; names[i]; i++)
        if (strcmp(names[i], want) == 0)
            return values[i];
    return NULL;
}

static void replace(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

static void on_start(GMarkupParseContext *ctx, const char *name, const char **names,
                     const char **values, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    NicParse *p = data;
    p->depth++;
    if (p->depth == 2 && strcmp(name, "devices") == 0)
        p->in_devices = TRUE;
    else if (p->depth == 3 && p->in_devices && strcmp(name, "interface") == 0) {
        p->in_iface = TRUE;
        memset(&p->cur, 0, sizeof p->cur);
        p->cur.type = g_strdup(attr(names, values, "type"));
        g_clear_pointer(&p->teaming, g_free);
    } else if (p->depth == 4 && p->in_iface) {
        const char *v;
        if (strcmp(name, "mac") == 0 && (v = attr(names, values, "address")))
            g_strlcpy(p->cur.mac, v, sizeof p->cur.mac);
        else if (strcmp(name, "target") == 0)
            replace(&p->cur.target, attr(names, values, "dev"));
        else if (strcmp(name, "alias") == 0)
            replace(&p->cur.alias, attr(names, values, "name"));
        else if (strcmp(name, "teaming") == 0)
            replace(&p->teaming, attr(names, values, "type"));
        else if (strcmp(name, "source") == 0)
            p->in_source = TRUE;
    } else if (p->depth == 5 && p->in_iface && p->in_source && strcmp(name, "address") == 0 &&
               g_strcmp0(attr(names, values, "type"), "pci") == 0) {
        char pci[SOVA_PCI_ADDR_LEN];
        if (sova_pci_addr_format(attr(names, values, "domain"), attr(names, values, "bus"),
                                 attr(names, values, "slot"), attr(names, values, "function"), pci))
            replace(&p->cur.pci, pci);
    }
}

static void on_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    NicParse *p = data;
    if (p->depth == 4 && strcmp(name, "source") == 0)
        p->in_source = FALSE;
    if (p->depth == 3 && p->in_iface && strcmp(name, "interface") == 0) {
        p->cur.role = g_strcmp0(p->teaming, "persistent") == 0 ? SOVA_NIC_STANDBY
                                                                : SOVA_NIC_OTHER;
        p->cur.foreign_vf = g_strcmp0(p->teaming, "transient") == 0;
        if (g_strcmp0(p->cur.type, "hostdev") == 0)   /* no tap (the test driver names one) */
            g_clear_pointer(&p->cur.target, g_free);
        g_array_append_val(p->nics, p->cur);
        memset(&p->cur, 0, sizeof p->cur);
        p->in_iface = FALSE;
    } else if (p->depth == 2 && strcmp(name, "devices") == 0)
        p->in_devices = FALSE;
    p->depth--;
}

static gboolean is_standby_mac(const GArray *nics, const char *mac)
{
    for (guint i = 0; mac[0] && i < nics->len; i++) {
        const SovaLvNic *n = &g_array_index(nics, SovaLvNic, i);
        if (n->role == SOVA_NIC_STANDBY && g_ascii_strcasecmp(n->mac, mac) == 0)
            return TRUE;
    }
    return FALSE;
}

/* second pass: sova's VF aliases are VFs; other transient or standby-MAC NICs are the
 * operator's */
static void assign_vf_roles(GArray *nics, const char *prefix)
{
    for (guint i = 0; i < nics->len; i++) {
        SovaLvNic *n = &g_array_index(nics, SovaLvNic, i);
        if (n->role != SOVA_NIC_OTHER)
            continue;
        if (n->alias && prefix && g_str_has_prefix(n->alias, prefix)) {
            n->role = SOVA_NIC_VF;
            n->foreign_vf = FALSE;
        } else if (is_standby_mac(nics, n->mac))
            n->foreign_vf = TRUE;
    }
}

gboolean sova_lv_nics_foreign_vf(const GArray *nics)
{
    for (guint i = 0; nics && i < nics->len; i++)
        if (g_array_index(nics, SovaLvNic, i).foreign_vf)
            return TRUE;
    return FALSE;
}

GArray *sova_lv_nics_parse(const char *xml, const char *vf_alias_prefix, GError **error)
{
    static const GMarkupParser parser = {on_start, on_end, NULL, NULL, NULL};
    NicParse p = {0};
    p.nics = g_array_new(FALSE, TRUE, sizeof(SovaLvNic));
    g_array_set_clear_func(p.nics, nic_clear);
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    gboolean ok = g_markup_parse_context_parse(ctx, xml, -1, error) &&
                  g_markup_parse_context_end_parse(ctx, error);
    g_markup_parse_context_free(ctx);
    nic_clear(&p.cur);
    g_free(p.teaming);
    if (!ok) {
        g_array_unref(p.nics);
        return NULL;
    }
    assign_vf_roles(p.nics, vf_alias_prefix);
    return p.nics;
}

gboolean sova_lv_nics_read(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *vm_name,
                           GError **error)
{
    g_autofree char *xml = SOVA_LV_CALL(lv, virDomainGetXMLDesc(d->dom, 0));
    if (!xml) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading the XML of %s", vm_name);
        return FALSE;
    }
    g_autoptr(GError) err = NULL;
    SovaLvMeta meta = {0};
    GArray *nics = sova_lv_nics_parse(xml, SOVA_LV_VF_ALIAS_PREFIX, &err);
    if (!nics || !sova_lv_meta_parse(xml, &meta, &err)) {
        /* a document GMarkup cannot read (libvirt accepts more names than GMarkup does):
         * SOVA_ERROR_INVALID, never GMarkup's own code, which callers would mistake for
         * one of sova's; the cache keeps what the last good read said */
        sova_lv_nics_free(nics);
        sova_lv_meta_clear(&meta);
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "the XML of %s: %s", vm_name,
                    err->message);
        return FALSE;
    }
    if (meta.manager && meta.manager != d->meta.manager)
        sova_info("%s is managed by %s: it is never migrated by sova", vm_name, meta.manager);
    sova_lv_nics_free(d->nics);
    d->nics = nics;
    sova_lv_meta_clear(&d->meta);
    d->meta = meta;
    d->nics_stale = FALSE;
    d->xml_warned = FALSE;
    return TRUE;
}

/* one tap's counters from the bulk stats */
typedef struct {
    const char *name;
    guint64 rx_bytes, rx_pkts, tx_bytes, tx_pkts;
    guint64 rx_drop, tx_drop;
    gboolean used;
} Tap;

static guint64 ull(const virTypedParameter *params, int n, guint i, const char *what)
{
    char key[VIR_TYPED_PARAM_FIELD_LENGTH];
    unsigned long long v = 0;
    g_snprintf(key, sizeof key, "net.%u.%s", i, what);
    virTypedParamsGetULLong((virTypedParameterPtr)params, n, key, &v);
    return v;
}

/* the taps of the record; *reported is FALSE when the driver gives no interface stats */
static GArray *read_taps(const virTypedParameter *params, int n, gboolean *reported)
{
    GArray *taps = g_array_new(FALSE, TRUE, sizeof(Tap));
    unsigned int count = 0;
    *reported = virTypedParamsGetUInt((virTypedParameterPtr)params, n, "net.count", &count) == 1;
    for (guint i = 0; i < count; i++) {
        char key[VIR_TYPED_PARAM_FIELD_LENGTH];
        Tap t = {0};
        g_snprintf(key, sizeof key, "net.%u.name", i);
        if (virTypedParamsGetString((virTypedParameterPtr)params, n, key, &t.name) != 1)
            continue;
        t.rx_bytes = ull(params, n, i, "rx.bytes");
        t.rx_pkts = ull(params, n, i, "rx.pkts");
        t.tx_bytes = ull(params, n, i, "tx.bytes");
        t.tx_pkts = ull(params, n, i, "tx.pkts");
        t.rx_drop = ull(params, n, i, "rx.drop");
        t.tx_drop = ull(params, n, i, "tx.drop");
        g_array_append_val(taps, t);
    }
    return taps;
}

static Tap *find_tap(GArray *taps, const char *name)
{
    for (guint i = 0; name && i < taps->len; i++)
        if (strcmp(g_array_index(taps, Tap, i).name, name) == 0)
            return &g_array_index(taps, Tap, i);
    return NULL;
}

/* the cache no longer describes the taps: a NIC was plugged or unplugged behind our back */
static gboolean taps_differ(const SovaLvDomain *d, GArray *taps)
{
    guint with_target = 0;
    for (guint i = 0; i < d->nics->len; i++) {
        const SovaLvNic *n = &g_array_index(d->nics, SovaLvNic, i);
        if (!n->target)
            continue;
        with_target++;
        if (!find_tap(taps, n->target))
            return TRUE;
    }
    return with_target != taps->len;
}

static void set_counters(SovaNicSample *s, Tap *t)
{
    if (!t)
        return;
    t->used = TRUE;
    s->rx_bytes = t->rx_bytes;
    s->rx_packets = t->rx_pkts;
    s->tx_bytes = t->tx_bytes;
    s->tx_packets = t->tx_pkts;
    s->rx_drops = t->rx_drop;
    s->tx_drops = t->tx_drop;
}

gboolean sova_lv_nics_sample(SovaLibvirtBackend *lv, SovaLvDomain *d,
                             const virTypedParameter *params, int nparams, SovaVmSample *vm,
                             GError **error)
{
    gboolean reported;
    g_autoptr(GArray) taps = read_taps(params, nparams, &reported);
    g_autoptr(GError) err = NULL;
    gboolean xml = lv->opts.net || lv->opts.meta;
    if (xml && (!d->nics || d->nics_stale || (lv->opts.net && reported && taps_differ(d, taps))) &&
        !sova_lv_nics_read(lv, d, vm->name, &err)) {
        /* a refused read with an earlier good one cached: go on with the cache (its
         * migrate='no' and group included), and read again next time */
        if (!d->nics || !g_error_matches(err, SOVA_ERROR, SOVA_ERROR_BACKEND)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        sova_debug("libvirt: %s; using the XML read before", err->message);
        d->nics_stale = TRUE;
    }
    if (xml)
        sova_lv_meta_fill(&d->meta, vm);
    if (lv->opts.net && sova_lv_nics_foreign_vf(d->nics))
        vm->net_override = SOVA_NET_NEVER;   /* the operator manages its VF */
    for (guint i = 0; lv->opts.net && i < d->nics->len; i++) {
        const SovaLvNic *n = &g_array_index(d->nics, SovaLvNic, i);
        set_counters(sova_vm_add_nic(vm, n->alias, n->mac, n->target, n->role),
                     find_tap(taps, n->target));
    }
    for (guint i = 0; i < taps->len; i++) {   /* taps the XML does not name (or net plane off) */
        Tap *t = &g_array_index(taps, Tap, i);
        if (!t->used)
            set_counters(sova_vm_add_nic(vm, NULL, NULL, t->name, SOVA_NIC_OTHER), t);
    }
    return TRUE;
}
