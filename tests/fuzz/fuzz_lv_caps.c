/* fuzz_lv_caps.c — libFuzzer target: the libvirt backend's reader of the host
 * capabilities XML (pCPU topology, libvirt_caps.c). */
#include "fuzz_input.h"
#include "backend/libvirt/libvirt_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = fuzz_text(data, size);
    GArray *topo = sova_lv_caps_topology(xml, NULL);
    if (topo)
        g_array_unref(topo);
    return 0;
}
