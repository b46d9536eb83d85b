/* vf_map.h — which VF of which PF a PCI address is, from sysfs.
 *
 * A hostdev VF appears in the live domain XML by its PCI address only
 * (<interface type='hostdev'><source><address type='pci' domain= bus= slot= function=/>).
 * Its counters are kept by its PF, by VF index. sysfs links them both ways:
 *   ROOT/bus/pci/devices/VF/physfn        -> the PF's PCI device
 *   ROOT/bus/pci/devices/PF/net/NAME      the PF's network interface
 *   ROOT/class/net/NAME/device/virtfnN    -> VF number N's PCI device
 * ROOT is a parameter ("/sys" on a host) so that tests can build a fake tree. Backend
 * code: it reads the system, decides nothing. */
#pragma once
#include <glib.h>

#define SOVA_PCI_ADDR_LEN 16  /* "0000:03:10.1" + NUL, with room */

/* "0000:03:10.1" from the XML's attributes ("0x0000", "0x03", "0x10", "0x1"); FALSE when
 * one is missing or not a number in range */
gboolean sova_pci_addr_format(const char *domain, const char *bus, const char *slot,
                              const char *function, char out[SOVA_PCI_ADDR_LEN]);

/* The PF of VF `pci` (its network interface's name, newly allocated) and the VF's index
 * there. FALSE with error when `pci` is no VF under ROOT, or its PF has no network
 * interface, or no virtfnN of the PF points to it. */
gboolean sova_vf_map_lookup(const char *root, const char *pci, char **pf, guint *vf,
                            GError **error);

/* Every VF of PF `pf`: index N -> PCI address (char*, NULL for a gap), from its
 * virtfnN links; an empty array when it has none (no SR-IOV, or none enabled). */
GPtrArray *sova_vf_map_pf(const char *root, const char *pf, GError **error);
