/* log.h — sova's log lines: timestamped, to stderr (so stdout stays for plans and JSON). */
#pragma once
#include <glib.h>

void sova_log_set_quiet(gboolean quiet);
void sova_log_set_verbose(gboolean verbose);
void sova_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void sova_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void sova_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
