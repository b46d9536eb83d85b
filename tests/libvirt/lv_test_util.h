/* lv_test_util.h — what the libvirt backend's test-driver tests share: a backend with
 * the net plane on, a checked sample, a VM by name, a VM with a standby (and optionally
 * a VF) created on the test node, an action on it. */
#pragma once
#include <libvirt/libvirt.h>
#include "backend/libvirt/libvirt_backend.h"

#define LVT_URI "test:///default"

/* test:///default with the net plane on, `pool` VF slots, the given detach timeout */
SovaBackend *lvt_open_net(guint pool, double detach_timeout);
/* a sample that must succeed */
SovaSnapshot *lvt_sample(SovaBackend *be);
SovaVmSample *lvt_find_vm(const SovaSnapshot *s, const char *name);
/* a running test-driver VM with a standby (MAC 52:54:00:00:00:n, alias ua-sova-net0) and,
 * when vf_alias, a second interface with that alias and the same MAC */
virDomainPtr lvt_create_vm(virConnectPtr conn, const char *name, int n, const char *vf_alias);
/* the same domain (virtio standby, MAC ...:n) with `vf` as its VF device's XML ("" for none) */
virDomainPtr lvt_create_vm_with(virConnectPtr conn, const char *name, int n, const char *vf);
SovaAction lvt_action(SovaActionKind kind, virDomainPtr d);
