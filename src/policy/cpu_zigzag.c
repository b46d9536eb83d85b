/* cpu_zigzag.c — TEMPORARY placeholder so the tree links; the policy helper replaces it. */
#include "cpu_policy.h"
static SovaPlan *plan(const SovaModel *m, const SovaCpuPolicyParams *params, gpointer state)
{
    (void)m; (void)params; (void)state;
    return sova_plan_new();
}
const SovaCpuPolicy sova_cpu_policy_zigzag = { .name = "zigzag", .summary = "", .plan = plan };
