/* fuzz_lv_network.c — libFuzzer target: the libvirt backend's reader of a VF network's
 * XML (the pool size, libvirt_vfpool.c). */
#include "fuzz_input.h"
#include "backend/libvirt/libvirt_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = fuzz_text(data, size);
    sova_lv_vfpool_parse(xml, NULL);
    return 0;
}
