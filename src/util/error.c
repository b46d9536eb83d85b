/* error.c — the SOVA_ERROR GError domain. */
#include "error.h"
G_DEFINE_QUARK(sova-error-quark, sova_error)
