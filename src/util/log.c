/* log.c — sova's log records through GLib's structured logging; see log.h.
 *
 * sova_info/warn/debug and sova_log_record build a GLogField array and hand it to
 * g_log_structured_array; the writer installed here (g_log_set_writer_func, once) sends
 * sova's records to the journal with g_log_writer_journald when stderr is the journal's
 * stream (g_log_writer_is_journald, or JOURNAL_STREAM naming it), else prints today's
 * text line (also when the journal refuses a record); anything else goes to
 * g_log_writer_default. */
#include "util/log.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOMAIN "sova"

static gboolean quiet, verbose;

void sova_log_set_quiet(gboolean q) { quiet = q; }
void sova_log_set_verbose(gboolean v) { verbose = v; }

/* systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream stdout/stderr is
 * connected to; it names stderr when stderr goes to the journal (newer GLib checks this
 * in g_log_writer_is_journald; 2.74 only looks at the socket's peer) */
static gboolean journal_stream_is(int fd)
{
    const char *js = g_getenv("JOURNAL_STREAM");
    struct stat st;
    unsigned long long dev, ino;
    return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(fd, &st) == 0 &&
           (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

gboolean sova_log_to_journal(void)
{
    static gsize once;
    static gboolean journal;
    if (g_once_init_enter(&once)) {
        int fd = fileno(stderr);
        journal = g_log_writer_is_journald(fd) || journal_stream_is(fd);
        g_once_init_leave(&once, 1);
    }
    return journal;
}

static const char *priority_of(GLogLevelFlags level)
{
    return level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? "3"
         : level & G_LOG_LEVEL_WARNING                      ? "4"
         : level & G_LOG_LEVEL_MESSAGE                      ? "5"
         : level & G_LOG_LEVEL_INFO                         ? "6"
                                                            : "7";
}

static void add(GLogField *out, gsize *n, const char *key, const char *value)
{
    if (value)
        out[(*n)++] = (GLogField){ key, value, -1 };
}

gsize sova_log_fields(GLogField *out, GLogLevelFlags level, const char *message,
                      const SovaLogFields *f)
{
    gsize n = 0;
    add(out, &n, "MESSAGE", message);
    add(out, &n, "PRIORITY", priority_of(level));
    add(out, &n, "SYSLOG_IDENTIFIER", "sova");
    add(out, &n, "GLIB_DOMAIN", DOMAIN);
    if (!f)
        return n;
    add(out, &n, "SOVA_ACTION", f->action);
    add(out, &n, "SOVA_VM", f->vm);
    add(out, &n, "SOVA_VM_UUID", f->vm_uuid);
    add(out, &n, "SOVA_FROM", f->from);
    add(out, &n, "SOVA_TO", f->to);
    add(out, &n, "SOVA_REASON", f->reason);
    add(out, &n, "SOVA_HOST", f->host);
    add(out, &n, "SOVA_RESULT", f->result);
    g_assert(n <= SOVA_LOG_MAX_FIELDS);
    return n;
}

char *sova_log_format_text(GLogLevelFlags level, const char *message, GDateTime *when)
{
    g_autofree char *ts = g_date_time_format(when, "%H:%M:%S.%f");
    ts[12] = '\0'; /* milliseconds */
    const char *prefix = level & G_LOG_LEVEL_WARNING ? "warning: "
                       : level & G_LOG_LEVEL_DEBUG   ? "debug: "
                                                     : "";
    return g_strdup_printf("%s %s%s", ts, prefix, message);
}

static const char *field(const GLogField *fields, gsize n, const char *key)
{
    for (gsize i = 0; i < n; i++)
        if (strcmp(fields[i].key, key) == 0)
            return fields[i].value;
    return NULL;
}

/* the record to the journal: the message without the indent that groups a terminal's
 * lines under their interval */
static GLogWriterOutput to_journal(GLogLevelFlags level, const GLogField *fields, gsize n,
                                   gpointer data)
{
    GLogField copy[SOVA_LOG_MAX_FIELDS];
    n = MIN(n, SOVA_LOG_MAX_FIELDS);
    memcpy(copy, fields, n * sizeof *copy);
    for (gsize i = 0; i < n; i++)
        if (strcmp(copy[i].key, "MESSAGE") == 0 && copy[i].length < 0)
            copy[i].value = (const char *)copy[i].value + strspn(copy[i].value, " ");
    return g_log_writer_journald(level, copy, n, data);
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                               gpointer data)
{
    /* sova's records carry SYSLOG_IDENTIFIER; g_warning() and GLib's own records (whose
     * GLIB_DOMAIN may be "sova" too) do not: GLib's default writer */
    if (g_strcmp0(field(fields, n, "SYSLOG_IDENTIFIER"), "sova") != 0)
        return g_log_writer_default(level, fields, n, data);
    if (sova_log_to_journal() && to_journal(level, fields, n, data) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *line = sova_log_format_text(level, field(fields, n, "MESSAGE"), now);
    fprintf(stderr, "%s\n", line);
    return G_LOG_WRITER_HANDLED;
}

static void install_writer(void)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        g_log_set_writer_func(writer, NULL, NULL);
        g_once_init_leave(&once, 1);
    }
}

static void emit(GLogLevelFlags level, const SovaLogFields *f, const char *fmt, va_list ap)
{
    if ((level & G_LOG_LEVEL_INFO && quiet) || (level & G_LOG_LEVEL_DEBUG && (quiet || !verbose)))
        return;
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    GLogField fields[SOVA_LOG_MAX_FIELDS];
    gsize n = sova_log_fields(fields, level, msg, f);
    install_writer();
    g_log_structured_array(level, fields, n);
}

void sova_log_record(GLogLevelFlags level, const SovaLogFields *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, f, fmt, ap);
    va_end(ap);
}

void sova_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(G_LOG_LEVEL_INFO, NULL, fmt, ap);
    va_end(ap);
}

void sova_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(G_LOG_LEVEL_WARNING, NULL, fmt, ap);
    va_end(ap);
}

void sova_debug(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(G_LOG_LEVEL_DEBUG, NULL, fmt, ap);
    va_end(ap);
}
