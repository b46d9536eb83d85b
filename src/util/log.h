/* log.h — sova's log records, through GLib's structured logging (g_log_structured_array).
 *
 * On a terminal (or any stderr that is not the journal) a record is one timestamped line
 * on stderr, "HH:MM:SS.mmm [warning: |debug: ]message", so that stdout stays for plans
 * and JSON. Under systemd, when stderr is the journal's stream (g_log_writer_is_journald,
 * or JOURNAL_STREAM naming it as systemd sets it), records go to the journal through
 * GLib's journald writer instead: MESSAGE, PRIORITY (warning 4, info 6, debug 7),
 * SYSLOG_IDENTIFIER=sova, and for an action the fields SOVA_ACTION, SOVA_VM, SOVA_VM_UUID,
 * SOVA_FROM, SOVA_TO, SOVA_REASON, SOVA_HOST and SOVA_RESULT (those set), e.g.
 * `journalctl SOVA_VM=web1`. Records that are not sova's (GLib's own warnings) keep
 * GLib's default writer. */
#pragma once
#include <glib.h>

void sova_log_set_quiet(gboolean quiet);
void sova_log_set_verbose(gboolean verbose);
void sova_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void sova_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void sova_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* what a record is about, as journal fields; NULL members are left out */
typedef struct {
    const char *action;       /* SOVA_ACTION: pin, attach-vf, detach-vf, migrate, ... */
    const char *vm;           /* SOVA_VM: its name */
    const char *vm_uuid;      /* SOVA_VM_UUID */
    const char *from, *to;    /* SOVA_FROM, SOVA_TO: pCPUs, NIC modes or hosts */
    const char *reason;       /* SOVA_REASON: why it was decided */
    const char *host;         /* SOVA_HOST: the host it happened on (a migration's source) */
    const char *result;       /* SOVA_RESULT: done, failed, started, ... */
} SovaLogFields;

/* a record with fields; level G_LOG_LEVEL_WARNING, _INFO or _DEBUG (info and debug
 * follow quiet and verbose as sova_info and sova_debug do) */
void sova_log_record(GLogLevelFlags level, const SovaLogFields *fields, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* the most fields a record has */
#define SOVA_LOG_MAX_FIELDS 14
/* The GLogField array of a record (what the journal gets): MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER, GLIB_DOMAIN=sova, then each field set in f (f may be NULL). Values
 * point to message, f's strings or static text. Returns how many were written. */
gsize sova_log_fields(GLogField *out, GLogLevelFlags level, const char *message,
                      const SovaLogFields *f);
/* the text line of a record on a terminal, without the newline (for tests) */
char *sova_log_format_text(GLogLevelFlags level, const char *message, GDateTime *when);
/* TRUE when records go to the journal (decided once, from stderr) */
gboolean sova_log_to_journal(void);
