/* agent_cpu_pub.h — the host agent publishes each VM's CPU summary for the controller.
 *
 * From the cpu plane's model of this interval: a VM's demand in pCPUs (its vCPUs' smoothed
 * time + run-queue delay, what the agent's cpu policies plan on) and the part of it the
 * host left unmet (the run-queue delay, smoothed alike), written through the backend
 * (libvirt: the domain's metadata, SovaCpuSummary in model/snapshot.h) so the controller,
 * which samples every 20 s or so and sees no delay, plans on what the VMs want.
 *
 * A VM's summary is written when it changed beyond the noise (more than
 * SOVA_CPU_PUB_NOISE pCPU and SOVA_CPU_PUB_SHARE of its demand), and republished every
 * SOVA_CPU_PUB_REPUBLISH_S seconds otherwise, so the controller can tell a fresh summary
 * from one of an agent that is gone. Writes are bounded per interval (TARGETS P3):
 * at most SOVA_CPU_PUB_BUDGET, whatever the number of VMs, the never published first,
 * then by how long each has waited times how much it changed; a VM left waiting rises.
 * The `every` published says how long a reader may wait for the next one: twice the
 * longer of the republication period and a round of the budget over the host's VMs.
 * Never a VM the controller is migrating (`leaving`: the write would wait for the
 * migration's job, and the destination's agent publishes it afresh), nor one with no
 * rate yet, nor in a dry run. */
#pragma once
#include <glib.h>
#include "backend/backend.h"
#include "model/model.h"
#include "model/cpu_summary.h"

#define SOVA_CPU_PUB_NOISE SOVA_CPU_SUMMARY_NOISE   /* pCPU */
#define SOVA_CPU_PUB_SHARE SOVA_CPU_SUMMARY_SHARE   /* of the VM's demand */
#define SOVA_CPU_PUB_REPUBLISH_S 60.0
#define SOVA_CPU_PUB_BUDGET 2          /* writes per interval */

typedef struct SovaAgentCpuPub SovaAgentCpuPub;

SovaAgentCpuPub *sova_agent_cpu_pub_new(void);
void sova_agent_cpu_pub_free(SovaAgentCpuPub *p);
/* one interval: alpha smooths the delay as the model smooths demand; interval_s is the
 * agent's. Returns the number of summaries written. */
guint sova_agent_cpu_pub_step(SovaAgentCpuPub *p, SovaBackend *be, const SovaModel *model,
                              double alpha, double interval_s, gboolean dry_run);
