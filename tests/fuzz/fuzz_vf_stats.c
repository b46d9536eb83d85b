/* fuzz_vf_stats.c — libFuzzer target: the parser of a PF's rtnetlink answer with its VFs'
 * statistics (backend/netlink/vf_stats.c): the bytes as the kernel would send them. */
#include <stdint.h>
#include "backend/netlink/vf_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* netlink messages are read in place, aligned as a socket buffer would be */
    g_autofree guint8 *copy = g_memdup2(data, size);
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(SovaVfStat));
    sova_vf_stats_parse(copy, size, out, NULL);
    return 0;
}
