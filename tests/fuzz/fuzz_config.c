/* fuzz_config.c — libFuzzer target: the agent's sova.conf loader and its validation
 * (src/config/config.c, util/keyfile.c). */
#include "fuzz_input.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = fuzz_text(data, size);
    g_autoptr(SovaConfig) c = sova_config_new();
    g_autoptr(GError) err = NULL;
    if (sova_config_load_data(c, "fuzz.conf", text, &err))
        sova_config_validate(c, NULL);
    return 0;
}
