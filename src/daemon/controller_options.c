/* controller_options.c — see controller_options.h. */
#include "daemon/controller_options.h"
#include <string.h>

/* the loop's own default (for callers without a config) is the file's */
G_STATIC_ASSERT((int)SOVA_CTL_DRAIN_TIMEOUT == (int)SOVA_CONTROLLER_DRAIN_TIMEOUT);

void sova_ctl_config_options(const SovaCtlConfig *c, SovaControllerOptions *out)
{
    memset(out, 0, sizeof *out);
    out->interval = c->interval;
    out->params = c->params;
    memcpy(out->weights, c->weights, sizeof out->weights);
    out->ewma_alpha = c->ewma_alpha;
    out->drain_timeout = c->drain_timeout_s;
    out->sample_threads = c->sample_threads;
    out->sample_timeout = c->sample_timeout_s;
    out->migrate = (SovaMigrateOptions){ .bandwidth_MiBps = c->bandwidth_MiBps,
                                         .timeout_s = c->timeout_s,
                                         .max_downtime_ms = c->max_downtime_ms,
                                         .auto_converge = c->auto_converge,
                                         .migrate_uri = c->migrate_uri };
    out->exclude = c->exclude;
    out->groups = c->groups;
}
