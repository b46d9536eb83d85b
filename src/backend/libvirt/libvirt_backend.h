/* libvirt_backend.h — the libvirt backend: the only code in sova that calls libvirt.
 *
 * It opens any libvirt URI (qemu:///system, qemu+ssh://…, test:///default, …),
 * samples the host into a SovaSnapshot with a fixed number of libvirt calls per
 * interval (P node-stat calls + the online cpumap + one bulk domain-stats call,
 * independent of the number of VMs, once every VM's affinity is cached), pins vCPUs,
 * and survives libvirtd restarts by reconnecting on the next sample. */
#pragma once
#include <glib.h>
#include <libvirt/libvirt.h>
#include "backend/backend.h"

typedef struct {
    /* re-read every VM's vCPU affinity every N samples to notice pins made by someone
     * else; 0 = only when a VM is first seen or its vCPU count changes */
    guint affinity_refresh;
    /* net plane (all optional; zero = off / default) */
    gboolean net;             /* read each VM's NICs: its domain XML once (and after a switch) */
    const char *vf_template;  /* interface XML of a VF, with {mac} {alias} {persistent}
                               * {network} {slot}; NULL = SOVA_LV_VF_TEMPLATE_DEFAULT */
    const char *vf_network;   /* {network}: the hostdev network (or the stand-in's) */
    guint vf_pool;            /* VF slots on this host; 0 = count the VFs of vf_network
                               * (a <forward mode='hostdev'> network) at connect */
    double detach_timeout;    /* seconds a detach may stay pending before it is reported
                               * and requested again (and a migration waits for its VF to
                               * be given back); 0 = 5 s */
    /* metadata namespaces this backend writes itself (NULL-terminated; may be NULL): their
     * change events do not trigger a re-read (see libvirt_meta.c) */
    const char *const *meta_writes;
    /* the physical NIC: its counters (sysfs; only meaningful when the URI is this host) and
     * capacity, for the net plane's NIC utilisation. NULL = unknown. */
    const char *host_nic;
    double nic_gbps;          /* 0 = the NIC's speed from sysfs */
    /* where sysfs is (hostdev VFs: VF <-> PF + index); NULL = "/sys". For tests. */
    const char *sysfs_root;
    /* a host that cannot be reached at open is not an error: the backend starts
     * disconnected and its samples fail until one connects (the controller) */
    gboolean connect_later;
    /* the controller's reading: the host's CPU totals in ONE call (virNodeGetCPUStats with
     * VIR_NODE_CPU_STATS_ALL_CPUS) instead of one per pCPU (SovaSnapshot.has_cpu_totals;
     * the pCPUs carry no times), and no vCPU pins or current pCPUs (no call per VM): a
     * sample is the online map, the totals and the bulk domain stats */
    gboolean cluster_reads;
} SovaLibvirtOptions;

/* production: a VF from a <forward mode='hostdev'> network, failing over to the standby */
#define SOVA_LV_VF_TEMPLATE_DEFAULT \
    "<interface type='network'><source network='{network}'/><mac address='{mac}'/>" \
    "<teaming type='transient' persistent='{persistent}'/><alias name='{alias}'/></interface>"
/* VF slot N is the device alias SOVA_LV_VF_ALIAS_PREFIX "N" (user aliases need "ua-") */
#define SOVA_LV_VF_ALIAS_PREFIX "ua-sova-vf"

/* what VF switching has done so far (latencies of the last switch, seconds) */
typedef struct {
    guint64 attaches, attach_failures;
    guint64 detaches;         /* confirmed by device-removed (or the device was already gone) */
    guint64 detach_timeouts;  /* still pending after the detach timeout: asked again */
    double last_attach_s;     /* virDomainAttachDeviceFlags round trip */
    double last_detach_request_s; /* virDomainDetachDeviceAlias round trip */
    double last_detach_event_s;   /* detach request -> device-removed event */
} SovaLibvirtVfStats;

/* Connects to `uri` (NULL = libvirt's default URI). opts may be NULL (defaults: refresh
 * every 60 samples). Fails with SOVA_ERROR_CONNECT and a message naming the URI. */
SovaBackend *sova_libvirt_backend_open(const char *uri, const SovaLibvirtOptions *opts,
                                       GError **error);

/* the URI it was opened with (NULL = libvirt's default) */
const char *sova_libvirt_backend_uri(SovaBackend *be);
/* the live connection (NULL while disconnected); owned by the backend. For tests. */
virConnectPtr sova_libvirt_backend_conn(SovaBackend *be);
/* how many times the backend reconnected after losing its connection */
guint64 sova_libvirt_backend_reconnects(SovaBackend *be);
/* FALSE after the connection was lost and until a sample reconnects */
gboolean sova_libvirt_backend_connected(SovaBackend *be);
/* net plane: switching figures, VF-role NICs over known VMs, detaches still pending */
void sova_libvirt_backend_vf_stats(SovaBackend *be, SovaLibvirtVfStats *out);
guint sova_libvirt_backend_vf_in_use(SovaBackend *be);
guint sova_libvirt_backend_vf_pool(SovaBackend *be);
guint sova_libvirt_backend_vf_pending(SovaBackend *be);
/* the host's UUID from its capabilities (NULL while disconnected, or when the driver
 * gives none) */
const char *sova_libvirt_backend_host_uuid(SovaBackend *be);
/* FALSE with an error naming both hosts when two of the n connected backends are one
 * libvirt host (the same host UUID under two names): a phantom host, and migrations to
 * itself. Backends that are NULL, not connected or without a UUID are not compared. */
gboolean sova_libvirt_backends_distinct(SovaBackend *const *bes, const char *const *names,
                                        guint n, GError **error);
/* TRUE when `be` is a libvirt backend */
gboolean sova_backend_is_libvirt(SovaBackend *be);
