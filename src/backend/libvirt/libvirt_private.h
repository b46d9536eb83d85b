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
 * pin info, vcpu info, domain lookup, pin, domain XML (net plane), device attach and
 * detach. Device-event (de)registration, once per connection, is not counted. Purely local calls
 * are not counted: virDomainGetUUIDString/GetName/Ref/Free, virConnectIsAlive, close-callback
 * (un)registration, keepalive setup, error accessors, virConnectClose. */
#pragma once
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "backend/libvirt/libvirt_backend.h"
#include "backend/netlink/vf_map.h"
#include "backend/netlink/vf_stats.h"
#include "util/error.h"
#include "util/log.h"

#define SOVA_LV_CALL(lv, call) ((lv)->base.calls++, (call))

/* topology of one pCPU, from the capabilities XML; -1 when unknown */
typedef struct {
    int socket, core, cell;
} SovaLvTopo;

/* one network interface of a VM, from its live domain XML (libvirt_nics.c) */
typedef struct {
    char *alias;              /* "ua-sova-net0"; NULL when the XML has none */
    char mac[SOVA_MAC_LEN];
    char *target;             /* tap ("vnet3"); NULL for hostdev */
    char *type;               /* interface type: network, bridge, hostdev, ... */
    char *pci;                /* hostdev: the VF's PCI address ("0000:03:10.2"), else NULL */
    SovaNicRole role;
    gboolean foreign_vf;      /* a VF the operator attached (not sova's alias): role OTHER */
} SovaLvNic;

/* sova's metadata elements of one VM, from its domain XML (libvirt_meta.c) */
typedef struct {
    SovaNetOverride net_override;
    gboolean no_migrate;
    char *group;
    char *together;
    char **hosts;             /* hosts='h1,h2' split; NULL = any */
    gboolean cpu_manual, migrate_manual, net_manual;
    gboolean any;             /* an element of one of sova's namespaces is there */
    gboolean has_net_status, net_wants_vf, net_unmet, net_vf_detaching;
    double net_benefit, host_nic_util;
    gboolean leaving;
    SovaCpuSummary cpu;       /* the agent's CPU summary (age_s unset: fill sets it) */
    guint64 memory_kib;       /* domain/memory, the configured memory; 0 unknown */
    const char *manager;      /* "OpenStack Nova", "oVirt": another manager's metadata is
                               * there, so the controller never migrates the VM (static) */
} SovaLvMeta;

/* what is known about one VM between samples, keyed by UUID */
typedef struct {
    virDomainPtr dom;         /* a reference to the newest handle (local: no RPC to use it) */
    GPtrArray *affinity;      /* SovaCpuSet* per vCPU, as last read or pinned by us */
    guint64 read_at;          /* sample number of the last affinity read */
    guint64 seen_at;          /* sample number it was last in the bulk stats */
    GArray *nics;             /* SovaLvNic from the domain XML; NULL until read (net plane) */
    gboolean nics_stale;      /* re-read the XML at the next sample (after a switch, or
                               * a metadata change) */
    SovaLvMeta meta;          /* from the same XML */
    gboolean xml_warned;      /* the VM is skipped, its XML unreadable: warned once */
} SovaLvDomain;

/* a detach requested and not yet confirmed by device-removed (libvirt_vf.c) */
typedef struct {
    char *alias;
    double t0;                /* first request (monotonic seconds) */
    double requested_at;      /* last request */
    gboolean late;            /* past the detach timeout: reported once */
} SovaLvPending;

/* VF hand-outs in progress or done (libvirt_vf.c) */
typedef struct {
    char *template;           /* owned copies of the options */
    char *network;
    guint pool;
    double timeout_s;
    int removed_cb;           /* VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED callback id, -1 none */
    int failed_cb;            /* VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED callback id, -1 none */
    GHashTable *removed;      /* "uuid/alias" -> GINT_TO_POINTER(1): device-removed seen */
    GHashTable *refused;      /* "uuid/alias" -> 1: device-removal-failed seen */
    GHashTable *pending;      /* uuid -> SovaLvPending*: detach requested, not yet confirmed */
    SovaLibvirtVfStats stats;
    GPtrArray *queued;        /* attaches waiting for a VF being detached (libvirt_vf_queue.c) */
    guint queue_src;          /* the main-loop source that carries them out */
} SovaLvVf;

/* hostdev VFs' counters from their PFs (libvirt_pfstats.c) */
typedef GArray *(*SovaLvPfQuery)(gpointer data, const char *pf, GError **error);
typedef struct {
    char *sysfs_root;         /* "/sys", or the options' */
    SovaVfStatsSock *sock;    /* opened at the first query */
    SovaLvPfQuery query;      /* sova_vf_stats_query on sock; tests replace it */
    gpointer query_data;
    GHashTable *places;       /* VF PCI address -> SovaLvVfPlace* (NULL: not a VF, said once) */
    GHashTable *pfs;          /* PF name -> SovaLvPfState* */
    guint64 requests;         /* netlink requests made (one per PF per sample at most) */
} SovaLvPf;

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
    char *host_uuid;          /* capabilities/host/uuid; NULL when the driver gives none */
    guint n_pcpus;            /* width of the last sample: pin maps are this wide */
    /* per-VM cache */
    GHashTable *domains;      /* uuid -> SovaLvDomain* */
    guint64 samples;          /* samples taken on this backend */
    SovaLvVf vf;              /* net plane: VF switching */
    SovaLvPf pf;              /* net plane: hostdev VFs' counters from their PFs */
    int meta_cb;              /* VIR_DOMAIN_EVENT_ID_METADATA_CHANGE callback id, -1 none */
    char *host_nic;           /* owned copy of opts.host_nic */
    gboolean warned_host_nic;
    GHashTable *migrations;   /* uuid -> SovaLvMigration*: started here, not yet polled to
                               * the end (libvirt_migrate.c) */
    GMutex lock;              /* held by a sample; events that find it held wait in ... */
    GMutex deferred_lock;     /* ... deferred, under this (libvirt_events.c) */
    GPtrArray *deferred;
} SovaLibvirtBackend;

/* libvirt_events.c: domain events against a sample on another thread */
typedef enum {
    SOVA_LV_EVENT_METADATA,   /* METADATA_CHANGE: the VM's XML is stale */
    SOVA_LV_EVENT_REMOVED,    /* DEVICE_REMOVED (alias) */
    SOVA_LV_EVENT_REFUSED,    /* DEVICE_REMOVAL_FAILED (alias) */
} SovaLvEvent;
void sova_lv_events_init(SovaLibvirtBackend *lv);
void sova_lv_events_clear(SovaLibvirtBackend *lv);
/* from an event callback: applied now, or after the sample that runs meanwhile */
void sova_lv_event(SovaLibvirtBackend *lv, SovaLvEvent kind, const char *uuid, const char *alias);
/* a sample's bounds: takes the lock and applies the events kept aside; releases it */
void sova_lv_sample_begin(SovaLibvirtBackend *lv);
void sova_lv_sample_end(SovaLibvirtBackend *lv);
/* what the events do (libvirt_meta.c, libvirt_vf.c) */
void sova_lv_meta_changed(SovaLibvirtBackend *lv, const char *uuid);
void sova_lv_vf_device_event(SovaLibvirtBackend *lv, gboolean removed, const char *uuid,
                             const char *alias);

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
/* registers lv's host UUID among this process's connections; FALSE (error naming both
 * URIs) when another URI already reaches the same host. No UUID: TRUE. */
gboolean sova_lv_host_claim(SovaLibvirtBackend *lv, GError **error);
void sova_lv_host_release(SovaLibvirtBackend *lv);
/* TRUE when libvirt's last error says the domain is gone or no longer running */
gboolean sova_lv_last_error_is_gone(void);

/* libvirt_caps.c: pCPU topology from a capabilities XML document */
GArray *sova_lv_caps_topology(const char *xml, GError **error);
/* the same, and *host_uuid (capabilities/host/uuid, NULL when absent; caller frees) */
GArray *sova_lv_caps_read(const char *xml, char **host_uuid, GError **error);

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
/* every VM's affinity is read again at the next sample */
void sova_lv_domains_forget_affinity(SovaLibvirtBackend *lv);
gboolean sova_lv_domain_needs_affinity(const SovaLibvirtBackend *lv, const SovaLvDomain *d,
                                       guint n_vcpus);
/* replaces the cached affinity from n libvirt cpumaps of maplen bytes each */
void sova_lv_domain_set_maps(SovaLibvirtBackend *lv, SovaLvDomain *d, const unsigned char *maps,
                             guint n, int maplen, guint n_pcpus);
/* SovaCpuSet from one libvirt cpumap */
SovaCpuSet *sova_lv_cpuset_from_map(const unsigned char *map, int maplen, guint n_pcpus);

/* libvirt_domains.c */
gboolean sova_lv_domains_sample(SovaLibvirtBackend *lv, SovaSnapshot *s, GError **error);
/* one virDomainGetVcpus answer (got entries, maps maplen bytes each, in the answer's
 * order) into vm->vcpus and d's affinity cache, each at its vCPU id: ids have gaps when
 * vCPUs were disabled (virsh setvcpu --disable), and those entries stay unknown */
void sova_lv_vcpus_from_info(SovaLibvirtBackend *lv, SovaLvDomain *d, SovaVmSample *vm,
                             const virVcpuInfo *info, const unsigned char *maps, int got,
                             int maplen);

/* libvirt_nics.c: NIC identity from the domain XML, counters from the bulk stats */
/* the interfaces of a domain XML document, roles assigned; NULL with error when malformed */
GArray *sova_lv_nics_parse(const char *xml, const char *vf_alias_prefix, GError **error);
void sova_lv_nics_free(GArray *nics);
/* TRUE when the VM holds a VF sova did not attach (the operator's failover setup) */
gboolean sova_lv_nics_foreign_vf(const GArray *nics);
/* (re-)reads d's live XML into d->nics (one counted call); FALSE with error */
gboolean sova_lv_nics_read(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *vm_name,
                           GError **error);
/* fills vm->nics from the bulk stats record (net.*) and, when the net plane is on, the
 * cached XML (read when new, stale, or its taps differ from the stats'); FALSE with error */
gboolean sova_lv_nics_sample(SovaLibvirtBackend *lv, SovaLvDomain *d,
                             const virTypedParameter *params, int nparams, SovaVmSample *vm,
                             GError **error);

/* libvirt_vf.c */
void sova_lv_vf_init(SovaLibvirtBackend *lv);
void sova_lv_vf_clear(SovaLibvirtBackend *lv);
/* registers / unregisters the device-removed events on the current connection */
void sova_lv_vf_connected(SovaLibvirtBackend *lv);
void sova_lv_vf_disconnecting(SovaLibvirtBackend *lv);
/* the VF interface XML from the template: {mac} {alias} {persistent} {network} {slot}
 * replaced in one pass, each value escaped for XML (a network name from sova.conf may
 * hold quotes or '<'); any other {word} stays as written */
char *sova_lv_vf_render(const char *template, const char *mac, const char *alias,
                        const char *persistent, const char *network, int slot);
gboolean sova_lv_vf_attach(SovaLibvirtBackend *lv, const SovaAction *a, GError **error);
/* requests the unplug and returns at once: the VF stays the VM's (and in use) until
 * device-removed (or the XML) shows it gone, settled after a sample or by
 * sova_lv_vf_settle; no main loop runs in here */
gboolean sova_lv_vf_detach(SovaLibvirtBackend *lv, const SovaAction *a, GError **error);
/* after each sample: settles or retries pending detaches, drops those of vanished VMs */
void sova_lv_vf_after_sample(SovaLibvirtBackend *lv);
/* settles the VM's pending detach now; TRUE when none is left */
gboolean sova_lv_vf_settle(SovaLibvirtBackend *lv, const char *uuid);
/* stops retrying the VM's pending detach (its reason went away) */
void sova_lv_vf_forget_pending(SovaLibvirtBackend *lv, const char *uuid);
/* an attach that never waits for a VF being detached */
gboolean sova_lv_vf_attach_now(SovaLibvirtBackend *lv, const SovaAction *a, GError **error);
/* the lowest free VF slot, or -1 when the pool is exhausted */
int sova_lv_vf_free_slot(SovaLibvirtBackend *lv);
/* settles every pending detach whose device is gone */
void sova_lv_vf_settle_all(SovaLibvirtBackend *lv);
/* libvirt_vf_queue.c: an attach that waits (on the main loop, never in a nested one) for
 * the VF a pending detach frees; TRUE: queued */
gboolean sova_lv_vf_queue(SovaLibvirtBackend *lv, const SovaAction *a);
void sova_lv_vf_queue_clear(SovaLibvirtBackend *lv);
guint sova_lv_vf_queued(SovaLibvirtBackend *lv);
/* registers a requested detach (what sova_lv_vf_detach does after libvirt accepted it) */
void sova_lv_vf_pending_add(SovaLibvirtBackend *lv, const char *uuid, const char *alias);
/* VF-role NICs over every known VM */
guint sova_lv_vf_in_use(SovaLibvirtBackend *lv);

/* libvirt_vf_migrate.c: a VM's VFs around a migration */
/* asks for the VM's VFs to be detached; *given = how many it held */
gboolean sova_lv_vf_give_back(SovaLibvirtBackend *lv, SovaLvDomain *d, const char *uuid,
                              const char *name, guint *given, GError **error);
/* TRUE when the VM holds no VF here any more (settles, requests the next detach) */
gboolean sova_lv_vf_released(SovaLibvirtBackend *lv, const char *uuid, const char *name);
/* attaches VFs again until the VM holds n (after a failed migration); a failure is logged */
void sova_lv_vf_give_again(SovaLibvirtBackend *lv, const char *uuid, const char *name, guint n);

/* libvirt_vfpool.c: the VF count of a hostdev network's XML (-1 with error) */
int sova_lv_vfpool_parse(const char *xml, GError **error);
/* the same, and the names of its PFs (<forward><pf dev='NAME'/>) appended to pfs (char*) */
int sova_lv_vfpool_parse_pfs(const char *xml, GPtrArray *pfs, GError **error);
/* at connect, when the config gives no pool size: read it from the VF network */
void sova_lv_vfpool_read(SovaLibvirtBackend *lv);

/* libvirt_meta.c */
void sova_lv_meta_clear(SovaLvMeta *m);
/* the sova elements of a domain XML document into out (cleared first) */
gboolean sova_lv_meta_parse(const char *xml, SovaLvMeta *out, GError **error);
void sova_lv_meta_fill(const SovaLvMeta *m, SovaVmSample *vm);
/* the namespace is one of sova's three */
gboolean sova_lv_meta_ns_ours(const char *ns);
/* CLEAR_META: every element of sova's namespaces removed from the VM (live, and its
 * persistent definition when it has one) */
gboolean sova_lv_meta_clear_all(SovaLibvirtBackend *lv, const SovaAction *a, GError **error);
void sova_lv_meta_connected(SovaLibvirtBackend *lv);
void sova_lv_meta_disconnecting(SovaLibvirtBackend *lv);
/* virDomainSetMetadata (LIVE) of one element; xml NULL removes it */
gboolean sova_lv_meta_write(SovaLibvirtBackend *lv, const char *uuid, const char *xml,
                            const char *prefix, const char *ns, GError **error);
/* the agent's CPU summary element, published at `at` (unix seconds) */
char *sova_lv_cpu_summary_xml(const SovaCpuSummary *st, double at);
gboolean sova_lv_publish_cpu(SovaBackend *be, const char *uuid, const SovaCpuSummary *st,
                             GError **error);
gboolean sova_lv_publish_net(SovaBackend *be, const char *uuid, const SovaNetPublish *st,
                             GError **error);

/* libvirt_pfstats.c: the counters of every hostdev VF in s (role VF, no tap) from its PF's
 * per-VF statistics: one netlink request per PF with such a VF, per sample. A PF whose
 * driver reports none is said once (warning): its VFs' holders stay blind. */
void sova_lv_pf_init(SovaLibvirtBackend *lv);
void sova_lv_pf_clear(SovaLibvirtBackend *lv);
void sova_lv_pf_sample(SovaLibvirtBackend *lv, SovaSnapshot *s);
/* asks PF `pf` once and says what it reports (at connect, for the PFs of the VF network) */
void sova_lv_pf_probe(SovaLibvirtBackend *lv, const char *pf);

/* libvirt_hostnic.c: capacity, counters of the physical NIC into s */
void sova_lv_hostnic_sample(SovaLibvirtBackend *lv, SovaSnapshot *s);

/* libvirt_migrate.c: live migration to another libvirt backend (cluster plane) */
typedef struct SovaLvMigration SovaLvMigration;
/* the VIR_MIGRATE_PARAM_BANDWIDTH of a cap in MiB/s: 0 (unlimited) only for no cap, a
 * positive cap at least 1 (libvirt reads 0 as unlimited) */
guint64 sova_lv_migrate_bandwidth(double MiBps);
void sova_lv_migrate_init(SovaLibvirtBackend *lv);
/* waits for migrations still running (their worker threads use the connection) */
void sova_lv_migrate_clear(SovaLibvirtBackend *lv);
gboolean sova_lv_migrate_start(SovaBackend *be, const char *uuid, SovaBackend *dest,
                               const SovaMigrateOptions *opts, GError **error);
gboolean sova_lv_migrate_poll(SovaBackend *be, const char *uuid, SovaMigrationStatus *out);
gboolean sova_lv_migrate_abort(SovaBackend *be, const char *uuid, GError **error);
guint sova_lv_migrations_running(SovaLibvirtBackend *lv);

/* libvirt_leaving.c: the leaving mark of a migrating VM */
/* <leaving to='TO'/> on dom, or (to NULL) its removal; FALSE with error */
gboolean sova_lv_set_leaving(SovaLibvirtBackend *lv, virDomainPtr dom, const char *to,
                             GError **error);
void sova_lv_clear_leaving(SovaLibvirtBackend *lv, virDomainPtr dom);   /* warns on failure */
gboolean sova_lv_clear_stale_leaving(SovaBackend *be, const char *uuid, GError **error);

/* libvirt_pin.c */
gboolean sova_lv_pin(SovaLibvirtBackend *lv, const SovaAction *a, GError **error);
