/* keyfile.c — key files with FILE:LINE errors; see keyfile.h. */
#include "util/keyfile.h"
#include "util/error.h"
#include <errno.h>
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
        if (!n || l[0] == '#' || (l[0] == '[' && l[n - 1] == ']') || (l[0] != '=' && strchr(l, '=')))
            continue;
        return i + 1;
    }
    return 0;
}

gboolean sova_keyfile_parse(SovaKeyFile *k, const char *path, const char *text, GError **error)
{
    g_autoptr(GError) e = NULL;
    k->path = path;
    k->text = text;
    k->kf = g_key_file_new();
    if (g_key_file_load_from_data(k->kf, text, -1, G_KEY_FILE_NONE, &e))
        return TRUE;
    set_at(error, path, syntax_line(text), e->message);
    return FALSE;
}

void sova_keyfile_clear(SovaKeyFile *k)
{
    g_clear_pointer(&k->kf, g_key_file_unref);
}

char *sova_keyfile_get_raw(const SovaKeyFile *k, const char *group, const char *key)
{
    if (!g_key_file_has_key(k->kf, group, key, NULL))
        return NULL;
    return g_strstrip(g_key_file_get_string(k->kf, group, key, NULL));
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
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return sova_keyfile_fail(k, group, key, error, "%s: \"%s\" is not a number from %g to %g",
                                 key, s, lo, hi);
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
