/* controller_options.h — the controller's options from sova.conf's [controller] section.
 *
 * The config layer loads and validates the file; the daemon layer, above it, turns what
 * it loaded into the loop's own options, so that nothing below knows the file exists. */
#pragma once
#include "config/controller_config.h"
#include "daemon/controller.h"

/* strings point into c: c must outlive out */
void sova_ctl_config_options(const SovaCtlConfig *c, SovaControllerOptions *out);
