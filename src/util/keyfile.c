/* keyfile.c — key files with FILE:LINE errors; see keyfile.h. */
#include "util/keyfile.h"
#include "util/error.h"
#include <errno.h>
#include <math.h>
#include <string.h>

static gboolean is_header(const char *stripped, const char *group)
{
    gsize n = strlen(group);
    return stripped[0] == '[' && strncmp(stripped + 1, group, n) == 0 &&
           strcmp(stripped + 1 + n, "]") == 0;
}

int sova_keyfile_line(const SovaKeyFile *k, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(k->text, "\n", -1);
    gboolean in = FALSE;
    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (l[0] == '[') {
            in = is_header(l, group);
            if (in && !key)
                return i + 1;
        } else if (in && key && g_str_has_prefix(l, key)) {
            const char *rest = l + strlen(key);
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest == '=')
                return i + 1;
        }
    }
    return 0;
}

static void set_at(GError **error, const char *path, int line, const char *msg)
{
    if (line)
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s:%d: %s", path, line, msg);
    else
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s: %s", path, msg);
}

gboolean sova_keyfile_fail(const SovaKeyFile *k, const char *group, const char *key,
                           GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    int line = group ? sova_keyfile_line(k, group, key) : 0;
    if (!line && group && key)
        line = sova_keyfile_line(k, group, NULL);
    set_at(error, k->path, line, msg);
    return FALSE;
}

/* GKeyFile's syntax errors quote the bad line but give no number: the first line that
 * is neither blank, a comment, a [group] nor key=value */
static int syntax_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        gsize n = strlen(l);
        if (!n || l[0] == '#' || (l[0] == '[' && l[n - 1] == ']') ||
            (l[0] != '=' && strchr(l, '=')))
            continue;
        return i + 1;
    }
    return 0;
}

/* the value part of a "key = value" line (after '=' and leading blanks); NULL for any
 * other line. `l` is the stripped line. */
static const char *value_of(const char *l)
{
    const char *eq = strchr(l, '=');
    if (!l[0] || l[0] == '#' || l[0] == '[' || !eq)
        return NULL;
    for (eq++; *eq == ' ' || *eq == '\t'; eq++)
        ;
    return eq;
}

/* what GKeyFile would take into the value silently, or refuse only when the key is read:
 * an inline comment (a '#' at the start of the value or after a blank), an escape other
 * than \s \n \t \r \\ \; or a trailing backslash. NULL when the value is sound. */
static char *bad_value(const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t'))
            return g_strdup("inline comment: a comment must be on a line of its own (starting "
                            "with #), else it becomes part of the value");
        if (*p != '\\')
            continue;
        if (!p[1])
            return g_strdup("a backslash at the end of the value (write \\\\ for one)");
        if (!strchr("sntr\\;", p[1]))
            return g_strdup_printf("invalid escape sequence \"\\%c\" (known: \\s \\n \\t \\r "
                                   "\\\\ \\;)", p[1]);
        p++;
    }
    return NULL;
}

/* every line: valid UTF-8, and every value sound (bad_value) */
static gboolean check_lines(const char *path, const char *text, GError **error)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!g_utf8_validate(lines[i], -1, NULL)) {
            set_at(error, path, i + 1, "not valid UTF-8");
            return FALSE;
        }
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        const char *v = value_of(l);
        g_autofree char *why = v ? bad_value(v) : NULL;
        if (why) {
            set_at(error, path, i + 1, why);
            return FALSE;
        }
    }
    return TRUE;
}

char *sova_keyfile_read(const char *path, GError **error)
{
    char *text = NULL;
    g_autoptr(GError) e = NULL;
    if (!g_file_get_contents(path, &text, NULL, &e))
        g_set_error(error, SOVA_ERROR, SOVA_ERROR_INVALID, "%s", e->message);
    return text;
}

gboolean sova_keyfile_parse(SovaKeyFile *k, const char *path, const char *text, GError **error)
{
    g_autoptr(GError) e = NULL;
    k->path = path;
    k->text = text;
    k->kf = g_key_file_new();
    if (!check_lines(path, text, error))
        return FALSE;
    if (g_key_file_load_from_data(k->kf, text, -1, G_KEY_FILE_NONE, &e))
        return TRUE;
    set_at(error, path, syntax_line(text), e->message);
    return FALSE;
}

/* "[name]" -> "name" (as GKeyFile reads it: up to the last ']'); NULL for other lines */
static char *header_name(const char *l)
{
    const char *end = strrchr(l, ']');
    if (l[0] != '[' || !end)
        return NULL;
    return g_strndup(l + 1, end - l - 1);
}

/* "key = value" -> "key" (blanks before '=' dropped, as GKeyFile does) */
static char *key_name(const char *l)
{
    if (!value_of(l))
        return NULL;
    return g_strchomp(g_strndup(l, strchr(l, '=') - l));
}

gboolean sova_keyfile_check_duplicates(const SovaKeyFile *k, GError **error)
{
    g_auto(GStrv) lines = g_strsplit(k->text, "\n", -1);
    g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        g_autofree char *group = header_name(l);
        g_autofree char *key = group ? NULL : key_name(l);
        GHashTable *seen = group ? groups : keys;
        char *name = group ? group : key;
        if (group)
            g_hash_table_remove_all(keys);
        if (!name)
            continue;
        int first = GPOINTER_TO_INT(g_hash_table_lookup(seen, name));
        if (first) {
            g_autofree char *msg = g_strdup_printf(
                group ? "section [%s] again (first at line %d): sections do not merge"
                      : "key \"%s\" again in its section (first at line %d)", name, first);
            set_at(error, k->path, i + 1, msg);
            return FALSE;
        }
        g_hash_table_insert(seen, g_strdup(name), GINT_TO_POINTER(i + 1));
    }
    return TRUE;
}

void sova_keyfile_clear(SovaKeyFile *k)
{
    g_clear_pointer(&k->kf, g_key_file_unref);
}

char *sova_keyfile_get_raw(const SovaKeyFile *k, const char *group, const char *key)
{
    if (!g_key_file_has_key(k->kf, group, key, NULL))
        return NULL;
    /* GKeyFile refuses "\;" in a single value; sova_keyfile_parse() let it through for
     * lists: take the text as written rather than lose the key */
    char *v = g_key_file_get_string(k->kf, group, key, NULL);
    return g_strstrip(v ? v : g_key_file_get_value(k->kf, group, key, NULL));
}

gboolean sova_keyfile_get_string(const SovaKeyFile *k, const char *group, const char *key,
                                 char **out, GError **error)
{
    if (!g_key_file_has_key(k->kf, group, key, NULL))
        return TRUE;
    g_autoptr(GError) e = NULL;
    g_autofree char *v = g_key_file_get_string(k->kf, group, key, &e);
    if (!v)
        return sova_keyfile_fail(k, group, key, error, "%s: %s", key, e->message);
    if (strchr(v, ';'))
        return sova_keyfile_fail(k, group, key, error, "%s takes one value: \"%s\" has a ';' "
                                 "(it separates the items of a list)", key, g_strstrip(v));
    g_free(*out);
    *out = g_strdup(g_strstrip(v));
    return TRUE;
}

gboolean sova_keyfile_get_list(const SovaKeyFile *k, const char *group, const char *key,
                               char ***out, GError **error)
{
    if (!g_key_file_has_key(k->kf, group, key, NULL))
        return TRUE;
    g_autoptr(GError) e = NULL;
    g_auto(GStrv) raw = g_key_file_get_string_list(k->kf, group, key, NULL, &e);
    if (!raw && e)
        return sova_keyfile_fail(k, group, key, error, "%s: %s", key, e->message);
    GStrvBuilder *b = g_strv_builder_new();
    for (int i = 0; raw && raw[i]; i++) {
        char *item = g_strstrip(raw[i]);
        if (*item)
            g_strv_builder_add(b, item);
    }
    g_strfreev(*out);
    *out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return TRUE;
}

gboolean sova_keyfile_get_double(const SovaKeyFile *k, const char *group, const char *key,
                                 double lo, double hi, double *out, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(k, group, key);
    if (!s)
        return TRUE;
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || !(v >= lo && v <= hi))
        return sova_keyfile_fail(k, group, key, error, "%s: \"%s\" is not a number from %g to %g",
                                 key, s, lo, hi);
    *out = v;
    return TRUE;
}

gboolean sova_keyfile_get_double_or_zero(const SovaKeyFile *k, const char *group,
                                         const char *key, double lo, double hi, double *out,
                                         GError **error)
{
    double v = *out;
    if (!sova_keyfile_get_double(k, group, key, 0, hi, &v, error))
        return FALSE;
    if (v != 0 && v < lo)
        return sova_keyfile_fail(k, group, key, error, "%s: %g is below the minimum %g (0 turns "
                                 "it off)", key, v, lo);
    *out = v;
    return TRUE;
}

gboolean sova_keyfile_get_uint(const SovaKeyFile *k, const char *group, const char *key,
                               guint64 lo, guint64 hi, guint64 *out, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(k, group, key);
    if (s && !g_ascii_string_to_unsigned(s, 10, lo, hi, out, NULL))
        return sova_keyfile_fail(k, group, key, error, "%s: \"%s\" is not a whole number from %"
                                 G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, key, s, lo, hi);
    return TRUE;
}

gboolean sova_keyfile_get_guint(const SovaKeyFile *k, const char *group, const char *key,
                                guint lo, guint hi, guint *out, GError **error)
{
    guint64 v = *out;
    if (!sova_keyfile_get_uint(k, group, key, lo, hi, &v, error))
        return FALSE;
    *out = (guint)v;
    return TRUE;
}

gboolean sova_keyfile_get_bool(const SovaKeyFile *k, const char *group, const char *key,
                               gboolean *out, GError **error)
{
    g_autofree char *s = sova_keyfile_get_raw(k, group, key);
    if (!s)
        return TRUE;
    if (!g_ascii_strcasecmp(s, "yes") || !g_ascii_strcasecmp(s, "true") || !strcmp(s, "1"))
        *out = TRUE;
    else if (!g_ascii_strcasecmp(s, "no") || !g_ascii_strcasecmp(s, "false") || !strcmp(s, "0"))
        *out = FALSE;
    else
        return sova_keyfile_fail(k, group, key, error, "%s: \"%s\" is not yes or no", key, s);
    return TRUE;
}

gboolean sova_keyfile_check_known(const SovaKeyFile *k, SovaKeyfileKeysOf keys_of,
                                  SovaKeyfileKeysOf other, const char *sections, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(k->kf, NULL);
    for (int g = 0; groups[g]; g++) {
        const char *const *known = keys_of(groups[g]);
        if (!known && other && other(groups[g]))
            continue;
        if (!known)
            return sova_keyfile_fail(k, groups[g], NULL, error, "unknown section [%s] (known: %s)",
                                     groups[g], sections);
        g_auto(GStrv) keys = g_key_file_get_keys(k->kf, groups[g], NULL, NULL);
        for (int i = 0; keys[i]; i++)
            if (!g_strv_contains(known, keys[i]))
                return sova_keyfile_fail(k, groups[g], keys[i], error, "unknown key \"%s\" in [%s]",
                                         keys[i], groups[g]);
    }
    return TRUE;
}
