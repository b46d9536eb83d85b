/* keyfile.h — GLib key files whose errors name the file and the line.
 *
 * GKeyFile parses the syntax, but neither its syntax errors nor its values carry a
 * line number, and operators want "sova.conf:12: ...". This finds the line by
 * scanning the text for the group and the key. Shared by sova.conf's loader and the
 * simulator's scenario loader. */
#pragma once
#include <glib.h>

typedef struct {
    const char *path;         /* for messages */
    const char *text;         /* the file's text (not owned) */
    GKeyFile *kf;             /* owned: sova_keyfile_clear() frees it */
} SovaKeyFile;

/* the text of the file at `path`; NULL with error (SOVA_ERROR_INVALID) when unreadable */
char *sova_keyfile_read(const char *path, GError **error);
/* parses `text`; a syntax error becomes "PATH:LINE: message", and so does what GKeyFile
 * would silently fold into a value or drop: a line that is not valid UTF-8, an inline
 * comment (a '#' that starts a value or follows a blank in it), an escape other than
 * \s \n \t \r \\ \; and a backslash ending a value */
gboolean sova_keyfile_parse(SovaKeyFile *k, const char *path, const char *text, GError **error);
void sova_keyfile_clear(SovaKeyFile *k);

/* a [group] given twice (GKeyFile merges them) or a key given twice within one (GKeyFile
 * keeps the last): "PATH:LINE: ..." naming the second one and the line of the first */
gboolean sova_keyfile_check_duplicates(const SovaKeyFile *k, GError **error);

/* the line of `[group]`'s header (key NULL) or of `key =` inside it; 0 if not found */
int sova_keyfile_line(const SovaKeyFile *k, const char *group, const char *key);

/* sets "PATH:LINE: message" (the key's line, else its group's) and returns FALSE */
gboolean sova_keyfile_fail(const SovaKeyFile *k, const char *group, const char *key,
                           GError **error, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* the keys a reader knows in `group` (NULL-terminated); NULL for a section it does not own */
typedef const char *const *(*SovaKeyfileKeysOf)(const char *group);
/* unknown sections and keys are errors ("PATH:LINE: ..."), so that a typo never falls back
 * to a default silently: a section keys_of() does not know must be one `other` knows (a
 * section another command's loader validates); `sections` lists them all for the message */
gboolean sova_keyfile_check_known(const SovaKeyFile *k, SovaKeyfileKeysOf keys_of,
                                  SovaKeyfileKeysOf other, const char *sections, GError **error);

/* the value, stripped; NULL when the key is absent */
char *sova_keyfile_get_raw(const SovaKeyFile *k, const char *group, const char *key);
/* leave *out alone when the key is absent; FALSE (error set) for a bad or out-of-range value */
/* one string value, stripped (replaces *out); a ';' in it is an error (a list's separator) */
gboolean sova_keyfile_get_string(const SovaKeyFile *k, const char *group, const char *key,
                                 char **out, GError **error);
/* a ;-separated list (replaces *out, NULL-terminated): items stripped, empty ones dropped */
gboolean sova_keyfile_get_list(const SovaKeyFile *k, const char *group, const char *key,
                               char ***out, GError **error);
gboolean sova_keyfile_get_double(const SovaKeyFile *k, const char *group, const char *key,
                                 double lo, double hi, double *out, GError **error);
/* 0 (off), or a finite number from lo to hi */
gboolean sova_keyfile_get_double_or_zero(const SovaKeyFile *k, const char *group,
                                         const char *key, double lo, double hi, double *out,
                                         GError **error);
gboolean sova_keyfile_get_uint(const SovaKeyFile *k, const char *group, const char *key,
                               guint64 lo, guint64 hi, guint64 *out, GError **error);
gboolean sova_keyfile_get_guint(const SovaKeyFile *k, const char *group, const char *key,
                                guint lo, guint hi, guint *out, GError **error);
/* yes/true/1 or no/false/0 (case-insensitive) */
gboolean sova_keyfile_get_bool(const SovaKeyFile *k, const char *group, const char *key,
                               gboolean *out, GError **error);
