/* fuzz_lv_domain.c — libFuzzer target: the libvirt backend's readers of a domain XML,
 * both on the same document as the backend does: the NICs and their roles
 * (libvirt_nics.c) and sova's metadata elements (libvirt_meta.c). */
#include "fuzz_input.h"
#include "backend/libvirt/libvirt_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = fuzz_text(data, size);
    GArray *nics = sova_lv_nics_parse(xml, SOVA_LV_VF_ALIAS_PREFIX, NULL);
    sova_lv_nics_free(nics);
    SovaLvMeta meta = { 0 };
    sova_lv_meta_parse(xml, &meta, NULL);
    SovaVmSample vm = { 0 };
    sova_lv_meta_fill(&meta, &vm);
    sova_lv_meta_clear(&meta);
    g_free(vm.group);
    g_free(vm.together);
    g_strfreev(vm.hosts);
    return 0;
}
