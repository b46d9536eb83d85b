/* fuzz_controller_config.c — libFuzzer target: the controller's sova.conf loader
 * ([controller], [host NAME], [group NAME]), its validation and host list
 * (src/config/controller_config.c, util/keyfile.c). */
#include "fuzz_input.h"
#include "config/controller_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = fuzz_text(data, size);
    g_autoptr(SovaCtlConfig) c = sova_ctl_config_new();
    g_autoptr(GError) err = NULL;
    if (!sova_ctl_config_load_data(c, "fuzz.conf", text, &err) ||
        !sova_ctl_config_validate(c, NULL))
        return 0;
    GPtrArray *hosts = sova_ctl_config_hosts(c, NULL, NULL);
    if (hosts)
        g_ptr_array_unref(hosts);
    return 0;
}
