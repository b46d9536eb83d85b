/* fuzz_lv_domain.c — libFuzzer target: the libvirt backend's readers of a domain XML,
 * both on the same document as the backend does: the NICs and their roles
 * (libvirt_nics.c) and sova's metadata elements (libvirt_meta.c), the agent's CPU summary
 * among them: what parses is formatted again and must parse back to the same summary. */
#include "fuzz_input.h"
#include "backend/libvirt/libvirt_private.h"
#include "model/cpu_summary.h"
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = fuzz_text(data, size);
    GArray *nics = sova_lv_nics_parse(xml, SOVA_LV_VF_ALIAS_PREFIX, NULL);
    sova_lv_nics_free(nics);
    SovaLvMeta meta = { 0 };
    sova_lv_meta_parse(xml, &meta, NULL);
    SovaVmSample vm = { 0 };
    sova_lv_meta_fill(&meta, &vm);
    (void)sova_cpu_summary_fresh(&vm.cpu_summary, 20);
    if (meta.cpu.has) {   /* format -> parse: the summary comes back */
        g_autofree char *el = sova_lv_cpu_summary_xml(&meta.cpu, meta.cpu.at);
        g_autofree char *doc = g_strdup_printf("<domain><metadata><c:cpu xmlns:c='%s' %s"
                                               "</metadata></domain>", SOVA_META_CPU_NS,
                                               el + strlen("<cpu "));
        SovaLvMeta again = { 0 };
        if (!sova_lv_meta_parse(doc, &again, NULL) || again.cpu.seq != meta.cpu.seq)
            __builtin_trap();
        sova_lv_meta_clear(&again);
    }
    sova_lv_meta_clear(&meta);
    g_free(vm.group);
    g_free(vm.together);
    g_strfreev(vm.hosts);
    return 0;
}
