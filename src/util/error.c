/* error.c — the SOVA_ERROR GError domain. */
#include "util/error.h"
G_DEFINE_QUARK(sova-error-quark, sova_error)
