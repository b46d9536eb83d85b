/* error.c — the SOVA_ERROR GError domain and its helper; see error.h. */
#include "util/error.h"
G_DEFINE_QUARK(sova-error-quark, sova_error)

gboolean sova_error_invalid(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, SOVA_ERROR, SOVA_ERROR_INVALID, msg);
    return FALSE;
}
