/* error.h — sova's GError domain and codes, shared by every layer. */
#pragma once
#include <glib.h>

#define SOVA_ERROR (sova_error_quark())
GQuark sova_error_quark(void);

typedef enum {
    SOVA_ERROR_FAILED,      /* generic */
    SOVA_ERROR_INVALID,     /* bad input: option, config value, scenario */
    SOVA_ERROR_CONNECT,     /* cannot reach the hypervisor */
    SOVA_ERROR_BACKEND,     /* the hypervisor refused or failed an operation */
    SOVA_ERROR_GONE,        /* the object (VM) disappeared */
} SovaErrorCode;

/* sets *error (may be NULL) to SOVA_ERROR_INVALID with the formatted message and returns
 * FALSE, for `return sova_error_invalid(error, "...", ...);` */
gboolean sova_error_invalid(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
