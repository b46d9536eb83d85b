/* cmd_check_config.c — `sova check-config [FILE]`: validates a sova.conf, every section
 * (the agent's and the controller's), with the loaders and checks the daemons use, and
 * connects nowhere. Exit 0 with a one-line summary when valid, 2 with "FILE:LINE: ..."
 * for each error.
 *
 * The loaders stop at their first error. To report the others too, the line an error
 * names is blanked (a "key = value" line: the key then takes its default; a [section]
 * line: the whole section) and the file checked again, until it passes or an error names
 * no line. The errors are printed in the order of their lines. */
#include "cli/cli.h"
#include "config/controller_config.h"
#include <stdio.h>
#include <string.h>

#define MAX_ERRORS 100

typedef struct {
    SovaConfig *agent;
    SovaCtlConfig *ctl;
    GPtrArray *hosts;          /* SovaCtlHostConfig*, when the controller is configured */
} Checked;

static void checked_clear(Checked *c)
{
    g_clear_pointer(&c->agent, sova_config_free);
    g_clear_pointer(&c->ctl, sova_ctl_config_free);
    g_clear_pointer(&c->hosts, g_ptr_array_unref);
}

/* the controller is configured: a [controller] or a [host NAME] section */
static gboolean has_controller(const SovaCtlConfig *c)
{
    return (c->hosts && c->hosts[0]) || c->host_sections->len > 0;
}

/* both loaders and the checks the daemons make before they start; the first error */
static gboolean check_once(const char *path, const char *text, Checked *out, GError **error)
{
    checked_clear(out);
    out->agent = sova_config_new();
    out->ctl = sova_ctl_config_new();
    if (!sova_config_load_data(out->agent, path, text, error) ||
        !sova_ctl_config_load_data(out->ctl, path, text, error) ||
        !sova_config_validate(out->agent, error))
        return FALSE;
    if (!has_controller(out->ctl))
        return TRUE;
    return sova_ctl_config_validate(out->ctl, error) &&
           (out->hosts = sova_ctl_config_hosts(out->ctl, NULL, error)) != NULL;
}

/* the LINE of "PATH:LINE: ..."; 0 when the message names no line */
static int error_line(const char *path, const char *msg)
{
    gsize n = strlen(path);
    if (strncmp(msg, path, n) != 0 || msg[n] != ':')
        return 0;
    return (int)g_ascii_strtoll(msg + n + 1, NULL, 10);
}

static gboolean is_header(const char *line)
{
    g_autofree char *l = g_strstrip(g_strdup(line));
    return l[0] == '[';
}

/* blanks line `line` (1-based) of *text when it is a key = value line, or the section it
 * opens when it is a [section] line; FALSE when it is neither */
static gboolean blank_line(char **text, int line)
{
    g_auto(GStrv) lines = g_strsplit(*text, "\n", -1);
    if (line < 1 || (guint)line > g_strv_length(lines))
        return FALSE;
    g_autofree char *l = g_strstrip(g_strdup(lines[line - 1]));
    gboolean header = l[0] == '[';
    if (!header && (!l[0] || l[0] == '#' || !strchr(l, '=')))
        return FALSE;
    lines[line - 1][0] = '\0';
    for (int i = line; header && lines[i] && !is_header(lines[i]); i++)
        lines[i][0] = '\0';
    g_free(*text);
    *text = g_strjoinv("\n", lines);
    return TRUE;
}

typedef struct {
    int line;
    char *message;
} Found;

static void found_free(gpointer p)
{
    g_free(((Found *)p)->message);
    g_free(p);
}

static gint by_line(gconstpointer a, gconstpointer b)
{
    const Found *x = *(Found *const *)a, *y = *(Found *const *)b;
    return (x->line > y->line) - (x->line < y->line);
}

static gboolean already(GPtrArray *errors, const char *message)
{
    for (guint i = 0; i < errors->len; i++)
        if (!strcmp(((Found *)g_ptr_array_index(errors, i))->message, message))
            return TRUE;
    return FALSE;
}

static void print_summary(const char *path, const Checked *c)
{
    g_autofree char *net = sova_config_net_enabled(c->agent)
        ? g_strdup_printf("net plane: vf-network %s, policy %s", c->agent->vf_network,
                          c->agent->net_policy)
        : g_strdup("net plane off");
    g_autofree char *ctl = c->hosts
        ? g_strdup_printf("controller (%u host%s, policy %s, interval %g s)", c->hosts->len,
                          c->hosts->len == 1 ? "" : "s", c->ctl->policy, c->ctl->interval)
        : g_strdup("no controller sections");
    printf("%s: valid: agent (cpu policy %s, interval %g s, %s); %s\n", path,
           c->agent->cpu_policy, c->agent->interval, net, ctl);
}

static int check_file(const char *path, gboolean quiet)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_printerr("sova: %s\n", err->message);
        return SOVA_EXIT_USAGE;
    }
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(found_free);
    Checked c = { 0 };
    for (int n = 0; n < MAX_ERRORS; n++) {
        g_autoptr(GError) e = NULL;
        if (check_once(path, text, &c, &e))
            break;
        int line = error_line(path, e->message);
        if (!already(errors, e->message)) {
            Found *f = g_new0(Found, 1);
            f->line = line ? line : G_MAXINT;   /* whole-file errors last */
            f->message = g_strdup(e->message);
            g_ptr_array_add(errors, f);
        }
        if (!blank_line(&text, line))
            break;
    }
    g_ptr_array_sort(errors, by_line);
    for (guint i = 0; i < errors->len; i++)
        g_printerr("sova: %s\n", ((Found *)g_ptr_array_index(errors, i))->message);
    if (errors->len)
        g_printerr("sova: %s: %u error%s\n", path, errors->len, errors->len == 1 ? "" : "s");
    else if (!quiet)
        print_summary(path, &c);
    checked_clear(&c);
    return errors->len ? SOVA_EXIT_USAGE : SOVA_EXIT_OK;
}

int sova_cmd_check_config(int argc, char **argv)
{
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "print nothing when the file is valid",
          NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("[FILE] - check a configuration file");
    g_option_context_set_summary(ctx,
        "Checks every section of FILE (default " SOVA_DEFAULT_CONFIG "), the agent's and the\n"
        "controller's, as `sova agent` and `sova controller` would, without connecting\n"
        "anywhere. Exit status 0 when it is valid, 2 with FILE:LINE for each error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("sova: %s (see --help)\n", err->message);
        return SOVA_EXIT_USAGE;
    }
    if (argc > 2) {
        g_printerr("sova: unexpected argument \"%s\" (see --help)\n", argv[2]);
        return SOVA_EXIT_USAGE;
    }
    return check_file(argc == 2 ? argv[1] : SOVA_DEFAULT_CONFIG, quiet);
}
