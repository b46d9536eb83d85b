/* libvirt_private.h — the libvirt backend's state, shared by its files only.
 *
 * The backend is split by concept: the connection (libvirt_conn.c), the node's pCPUs
 * (libvirt_node.c, topology from libvirt_caps.c), the VMs (libvirt_domains.c), the
 * per-VM affinity cache (libvirt_affinity.c) and pinning (libvirt_pin.c);
 * libvirt_backend.c ties them into SovaBackendOps.
 *
 * Call accounting (be->calls): every libvirt API call that asks the driver (and, on a
 * remote URI, the daemon) for data or a change is counted with SOVA_LV_CALL: open,
 * capabilities, node info, hostname, cpumap, node cpu stats, bulk domain stats,
 * pin info, vcpu info, domain lookup, pin. Purely local calls are not counted:
 * virDomainGetUUIDString/GetName/Ref/Free, virConnectIsAlive, close-callback
 * (un)registration, keepalive setup, error accessors, virConnectClose. */
#pragma once
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "libvirt_backend.h"
#include "util/error.h"
#include "util/log.h"

#define SOVA_LV_CALL(lv, call) ((lv)->base.calls++, (call))

/* topology of one pCPU, from the capabilities XML; -1 when unknown */
typedef struct {
    int socket, core, cell;
} SovaLvTopo;

/* what is known about one VM between samples, keyed by UUID */
typedef struct {
    virDomainPtr dom;         /* a reference to the newest handle (local: no RPC to use it) */
    GPtrArray *affinity;      /* SovaCpuSet* per vCPU, as last read or pinned by us */
    guint64 read_at;          /* sample number of the last affinity read */
    guint64 seen_at;          /* sample number it was last in the bulk stats */
} SovaLvDomain;

typedef struct {
    SovaBackend base;         /* first: a SovaLibvirtBackend* is a SovaBackend* */
    char *uri;
    SovaLibvirtOptions opts;
    virConnectPtr conn;       /* NULL while disconnected */
    gint dead;                /* the connection closed or failed; reconnect at next sample */
    guint64 reconnects;
    gboolean pin_legacy;      /* driver refused VIR_DOMAIN_AFFECT_LIVE: use virDomainPinVcpu */
    /* static node facts, read at connect */
    GArray *topo;             /* SovaLvTopo, index = pCPU id, from the capabilities */
    guint n_static;           /* max(caps topology, nodeinfo cpus) */
    int n_cpu_params;         /* fields virNodeGetCPUStats returns */
    guint64 memory_kib;
    char *host;
    guint n_pcpus;            /* width of the last sample: pin maps are this wide */
    /* per-VM cache */
    GHashTable *domains;      /* uuid -> SovaLvDomain* */
    guint64 samples;          /* samples taken on this backend */
} SovaLibvirtBackend;

/* libvirt_conn.c */
gboolean sova_lv_connect(SovaLibvirtBackend *lv, GError **error);
void sova_lv_disconnect(SovaLibvirtBackend *lv);
gboolean sova_lv_ensure_connected(SovaLibvirtBackend *lv, GError **error);
/* after a failed libvirt call: TRUE (and the backend marked dead) when the cause is a
 * lost connection */
gboolean sova_lv_check_conn_lost(SovaLibvirtBackend *lv);
/* sets *error from libvirt's last error: "<what>: <libvirt message>", with code
 * SOVA_ERROR_CONNECT (connection lost), SOVA_ERROR_GONE (no such domain) or `code` */
void sova_lv_set_error(SovaLibvirtBackend *lv, GError **error, SovaErrorCode code,
                       const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* TRUE when libvirt's last error says the domain is gone or no longer running */
gboolean sova_lv_last_error_is_gone(void);

/* libvirt_caps.c: pCPU topology from a capabilities XML document */
GArray *sova_lv_caps_topology(const char *xml, GError **error);

/* libvirt_node.c */
gboolean sova_lv_node_read_static(SovaLibvirtBackend *lv, GError **error);
SovaSnapshot *sova_lv_node_sample(SovaLibvirtBackend *lv, GError **error);

/* libvirt_affinity.c */
GHashTable *sova_lv_domains_new(void);
SovaLvDomain *sova_lv_domain_lookup(SovaLibvirtBackend *lv, const char *uuid);
/* the entry for uuid, created if new; keeps a reference to dom */
SovaLvDomain *sova_lv_domain_touch(SovaLibvirtBackend *lv, const char *uuid, virDomainPtr dom);
void sova_lv_domain_forget(SovaLibvirtBackend *lv, const char *uuid);
/* drops entries not seen in the current sample */
void sova_lv_domains_prune(SovaLibvirtBackend *lv);
/* TRUE when the entry's affinity must be (re-)read for a VM with n_vcpus vCPUs */
gboolean sova_lv_domain_needs_affinity(const SovaLibvirtBackend *lv, const SovaLvDomain *d,
                                       guint n_vcpus);
/* replaces the cached affinity from n libvirt cpumaps of maplen bytes each */
void sova_lv_domain_set_maps(SovaLibvirtBackend *lv, SovaLvDomain *d, const unsigned char *maps,
                             guint n, int maplen, guint n_pcpus);
/* SovaCpuSet from one libvirt cpumap */
SovaCpuSet *sova_lv_cpuset_from_map(const unsigned char *map, int maplen, guint n_pcpus);

/* libvirt_domains.c */
gboolean sova_lv_domains_sample(SovaLibvirtBackend *lv, SovaSnapshot *s, GError **error);

/* libvirt_pin.c */
gboolean sova_lv_pin(SovaLibvirtBackend *lv, const SovaAction *a, GError **error);
