/* log.c — timestamped log lines on stderr; see log.h. */
#include "util/log.h"
#include <stdio.h>

static gboolean quiet, verbose;

void sova_log_set_quiet(gboolean q) { quiet = q; }
void sova_log_set_verbose(gboolean v) { verbose = v; }

static void emit(const char *level, const char *fmt, va_list ap)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *ts = g_date_time_format(now, "%H:%M:%S.%f");
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    ts[12] = '\0'; /* milliseconds */
    fprintf(stderr, "%s %s%s\n", ts, level, msg);
}

void sova_info(const char *fmt, ...)
{
    va_list ap;
    if (quiet)
        return;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}

void sova_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap);
    va_end(ap);
}

void sova_debug(const char *fmt, ...)
{
    va_list ap;
    if (!verbose || quiet)
        return;
    va_start(ap, fmt);
    emit("debug: ", fmt, ap);
    va_end(ap);
}
