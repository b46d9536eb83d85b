/* action_log.h — one log record per action carried out, refused or started (a pin change,
 * a VF switch, a migration), with its reason: a text line on a terminal, and in the
 * journal the fields SOVA_ACTION, SOVA_VM, SOVA_VM_UUID, SOVA_FROM, SOVA_TO, SOVA_REASON,
 * SOVA_HOST and SOVA_RESULT besides the message (util/log.h). */
#pragma once
#include <glib.h>
#include "model/plan.h"
#include "util/log.h"

/* an action's fields; from/to as text: a pin's pCPUs ("3", "0-3", "unpinned"), a VF
 * switch's NIC modes ("virtio", "vf"), a migration's hosts. `host`: where it happens
 * (NULL: a migration's source). Strings point into a or into *owned (free with g_free). */
typedef struct {
    SovaLogFields f;
    char *from, *to;          /* owned */
} SovaActionLog;

void sova_action_log_init(SovaActionLog *l, const SovaAction *a, const char *host,
                          const char *result);
void sova_action_log_clear(SovaActionLog *l);

/* logs one record about a at `level` (G_LOG_LEVEL_INFO, _WARNING), with its fields */
void sova_log_action(GLogLevelFlags level, const SovaAction *a, const char *host,
                     const char *result, const char *fmt, ...) G_GNUC_PRINTF(5, 6);
