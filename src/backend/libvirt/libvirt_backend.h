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
} SovaLibvirtOptions;

/* Connects to `uri` (NULL = libvirt's default URI). opts may be NULL (defaults: refresh
 * every 60 samples). Fails with SOVA_ERROR_CONNECT and a message naming the URI. */
SovaBackend *sova_libvirt_backend_open(const char *uri, const SovaLibvirtOptions *opts,
                                       GError **error);

/* the live connection (NULL while disconnected); owned by the backend. For tests. */
virConnectPtr sova_libvirt_backend_conn(SovaBackend *be);
/* how many times the backend reconnected after losing its connection */
guint64 sova_libvirt_backend_reconnects(SovaBackend *be);
/* FALSE after the connection was lost and until a sample reconnects */
gboolean sova_libvirt_backend_connected(SovaBackend *be);
/* TRUE when `be` is a libvirt backend */
gboolean sova_backend_is_libvirt(SovaBackend *be);
