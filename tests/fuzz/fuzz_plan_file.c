/* fuzz_plan_file.c — libFuzzer target: the plan file parser `sova apply` reads
 * (src/model/plan_file.c, json-glib underneath). */
#include "fuzz_input.h"
#include "model/plan_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaPlanFile) f = sova_plan_file_parse((const char *)data, (gssize)size, &err);
    g_assert((f != NULL) != (err != NULL));
    for (guint i = 0; f && i < f->actions->len; i++)
        g_assert(sova_plan_file_action(f, i)->vm && sova_plan_file_action(f, i)->to);
    return 0;
}
