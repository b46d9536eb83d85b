/* fuzz_sim_scenario.c — libFuzzer target: the host simulator's scenario loader
 * (the single-host format of src/backend/sim/sim_scenario*.c). */
#include "fuzz_input.h"
#include "backend/sim/sim_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = fuzz_text(data, size);
    g_autoptr(GError) err = NULL;
    sova_sim_scenario_free(sova_sim_scenario_load_data("fuzz.conf", text, &err));
    return 0;
}
