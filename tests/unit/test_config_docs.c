/* test_config_docs.c — the configuration reference (docs/sova.conf.5.md) and the example
 * sova.conf (data/sova.conf) against the loaders, key by key:
 *  - every key a table of sova.conf(5) documents is one its section's loader reads (the
 *    other direction, every key read is documented, is tests/docs/check-docs.sh's);
 *  - a default the reference gives as a value (`1`, `balance`, `1;1;1`) is the loaders'
 *    own: the file with only that key set loads to the same settings as no file;
 *  - so is the value of each `#key = value` line of the example sova.conf, unless the
 *    comment above it says "default:" or "required" (an example of the form, not the
 *    default), and every such line loads as written;
 *  - a range the reference gives ("0.1 – 86400", "0 – 10⁷") is the loader's: both ends
 *    load, half the lower and twice the upper do not.
 * A setting is compared as both loaders (agent, controller) leave it, every field. */
#include "config/config.h"
#include "config/controller_config.h"
#include "daemon/controller_sample.h"
#include <math.h>
#include <string.h>

/* every field of the agent's settings, as text */
static char *dump_agent(const SovaConfig *c)
{
    g_autofree char *reserved = c->reserved ? sova_cpuset_format(c->reserved) : g_strdup("-");
    g_autofree char *exclude = c->exclude ? g_strjoinv(",", c->exclude) : g_strdup("-");
    g_autofree char *net_exclude = c->net_exclude ? g_strjoinv(",", c->net_exclude) : g_strdup("-");
    return g_strdup_printf(
        "connect %s interval %g reconnect-max %g affinity-refresh %u mode %d | cpu policy %s "
        "target-stddev %g min-gain %g ewma-alpha %g reserved %s exclude %s | net policy %s "
        "vf-network %s vf-pool %u vf-template %s enter %g exit %g exit-intervals %u margin %g "
        "challenge-intervals %u min-dwell %u max-switches %u blind-half-life %u "
        "bytes-per-point %g detach-timeout %g nic %s nic-gbps %g exclude %s | listen %s",
        c->connect, c->interval, c->reconnect_max, c->affinity_refresh, c->mode, c->cpu_policy,
        c->target_stddev, c->min_gain, c->ewma_alpha, reserved, exclude, c->net_policy,
        c->vf_network ? c->vf_network : "-", c->vf_pool, c->vf_template ? c->vf_template : "-",
        c->net_enter, c->net_exit, c->net_exit_intervals, c->net_margin,
        c->net_challenge_intervals, c->net_min_dwell, c->net_max_switches,
        c->net_blind_half_life, c->net_bytes_per_point, c->detach_timeout,
        c->host_nic ? c->host_nic : "-", c->nic_gbps, net_exclude,
        c->metrics_listen ? c->metrics_listen : "-");
}

static void dump_hosts(GString *s, const SovaCtlConfig *c)
{
    for (guint i = 0; i < c->host_sections->len; i++) {
        const SovaCtlHostConfig *h = g_ptr_array_index(c->host_sections, i);
        g_string_append_printf(s, " | host %s uri %s maintenance %d exclude %d nic-gbps %g "
                               "migrate-uri %s", h->name, h->uri, h->maintenance, h->excluded,
                               h->nic_gbps, h->migrate_uri ? h->migrate_uri : "-");
    }
}

/* every field of the controller's settings; a 0 that stands for the sampler's default
 * (sample-threads, sample-timeout) as that default */
static char *dump_controller(const SovaCtlConfig *c)
{
    const SovaClusterParams *p = &c->params;
    g_autofree char *hosts = c->hosts ? g_strjoinv(",", c->hosts) : g_strdup("-");
    g_autofree char *exclude = c->exclude ? g_strjoinv(",", c->exclude) : g_strdup("-");
    g_autofree char *groups = c->groups ? g_strjoinv(" ", c->groups) : g_strdup("-");
    GString *s = g_string_new(NULL);
    g_string_append_printf(
        s, "hosts %s interval %g policy %s mode %d threshold %g high-water %g "
        "high-water-samples %u headroom %g cooldown %g backoff %g max-per-host %u max-total %u "
        "bandwidth_Bps %g max_downtime_s %g cost-weight %g vf-value %g drs-level %u "
        "weights %g;%g;%g ewma-alpha %g bandwidth %g timeout %g max-downtime %g "
        "auto-converge %d drain-timeout %g sample-threads %u sample-timeout %g migrate-uri %s "
        "nic-gbps %g exclude %s groups %s controller-listen %s",
        hosts, c->interval, c->policy, c->mode, p->threshold, p->high_water,
        p->high_water_samples, p->headroom, p->cooldown_s, p->backoff_s, p->max_per_host,
        p->max_total, p->bandwidth_Bps, p->max_downtime_s, p->cost_weight, p->vf_value,
        p->drs_level, c->weights[0], c->weights[1], c->weights[2], c->ewma_alpha,
        c->bandwidth_MiBps, c->timeout_s, c->max_downtime_ms, c->auto_converge,
        c->drain_timeout_s, c->sample_threads ? c->sample_threads : SOVA_SAMPLE_THREADS,
        c->sample_timeout_s > 0 ? c->sample_timeout_s : SOVA_SAMPLE_TIMEOUT,
        c->migrate_uri ? c->migrate_uri : "-", c->nic_gbps, exclude, groups,
        c->metrics_listen ? c->metrics_listen : "-");
    dump_hosts(s, c);
    return g_string_free(s, FALSE);
}

/* what both loaders make of `text`; NULL (and *why) when either refuses it */
static char *load_both(const char *what, const char *text, char **why)
{
    g_autoptr(SovaConfig) a = sova_config_new();
    g_autoptr(SovaCtlConfig) c = sova_ctl_config_new();
    g_autoptr(GError) err = NULL;
    if (!sova_config_load_data(a, what, text, &err) ||
        !sova_ctl_config_load_data(c, what, text, &err)) {
        *why = g_strdup(err->message);
        return NULL;
    }
    g_autofree char *da = dump_agent(a), *dc = dump_controller(c);
    return g_strdup_printf("%s || %s", da, dc);
}

/* a file of section `group` with `key = value` (none when key is NULL); a [host NAME]
 * needs its uri, a [group NAME] its vms */
static char *one_key(const char *group, const char *key, const char *value)
{
    const char *needs = g_str_has_prefix(group, "host ") ? "uri" : g_str_has_prefix(group, "group ") ? "vms" : NULL;
    const char *needed = g_strcmp0(needs, "uri") == 0 ? "uri = test:///default\n" : "vms = x;y\n";
    g_autofree char *set = key ? g_strdup_printf("%s = %s\n", key, value) : g_strdup("");
    return g_strdup_printf("[%s]\n%s%s", group, needs && g_strcmp0(key, needs) != 0 ? needed : "", set);
}

/* key = value in `group` loads, and (when `is_default`) to the settings of no value */
static void check_value(const char *where, const char *group, const char *key,
                        const char *value, gboolean is_default, guint *bad)
{
    g_autofree char *base_text = one_key(group, NULL, NULL);
    g_autofree char *text = one_key(group, key, value);
    g_autofree char *why = NULL;
    g_autofree char *base = load_both(where, base_text, &why);
    g_assert_nonnull(base);
    g_autofree char *got = load_both(where, text, &why);
    if (!got) {
        g_printerr("%s: [%s] %s = %s does not load: %s\n", where, group, key, value, why);
        (*bad)++;
    } else if (is_default && strcmp(got, base) != 0) {
        g_printerr("%s: [%s] %s = %s is given as the default, but the loaders' default differs:\n"
                   "  default: %s\n  with it: %s\n", where, group, key, value, base, got);
        (*bad)++;
    }
}

static gboolean known(const char *group, const char *key)
{
    const char *const *a = sova_config_keys_of(group);
    const char *const *c = sova_controller_config_keys_of(group);
    return (a && g_strv_contains(a, key)) || (c && g_strv_contains(c, key));
}

static char *read_dist(const char *rel)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, rel, NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

/* "## [host NAME]" -> "host h1"; NULL for a heading that is not a section's */
static char *md_section(const char *line)
{
    if (!g_str_has_prefix(line, "## ["))
        return NULL;
    g_autofree char *s = g_strndup(line + 4, strcspn(line + 4, "]"));
    if (g_str_has_suffix(s, " NAME"))
        return g_strdup_printf("%.*s %s", (int)strlen(s) - 5, s,
                               g_str_has_prefix(s, "host") ? "h1" : "g1");
    return g_steal_pointer(&s);
}

/* the first "LO – HI" of a meaning ("0.1 – 86400", "0 – 10⁷"); FALSE when there is none */
static gboolean md_range(const char *meaning, double *lo, double *hi)
{
    g_autoptr(GRegex) re = g_regex_new("(\\d+(?:\\.\\d+)?) \u2013 (10([\u2070\u00b9\u00b2\u00b3\u2074-\u2079])|\\d+(?:\\.\\d+)?)",
                                       0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    if (!g_regex_match(re, meaning, 0, &m))
        return FALSE;
    g_autofree char *a = g_match_info_fetch(m, 1), *b = g_match_info_fetch(m, 2);
    g_autofree char *sup = g_match_info_fetch(m, 3);
    *lo = *hi = g_ascii_strtod(a, NULL);
    if (sup && *sup) {   /* 10 to a superscript power */
        static const char *const digits[] = { "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                              "\u2075", "\u2076", "\u2077", "\u2078", "\u2079" };
        for (int d = 0; d < 10; d++)
            if (strcmp(sup, digits[d]) == 0)
                *hi = pow(10, d);
    } else
        *hi = g_ascii_strtod(b, NULL);
    return TRUE;
}

/* a documented range LO – HI: both ends load, half the lower one and twice the upper
 * one do not */
static void check_range(const char *group, const char *key, double lo, double hi, guint *bad)
{
    const double ok[] = { lo, hi }, refused[] = { lo > 0 ? lo / 2 : -1, hi * 2 };
    for (int i = 0; i < 2; i++) {
        char v[G_ASCII_DTOSTR_BUF_SIZE], w[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_formatd(v, sizeof v, "%.15g", ok[i]);
        g_ascii_formatd(w, sizeof w, "%.15g", refused[i]);
        g_autofree char *good = one_key(group, key, v), *out = one_key(group, key, w);
        g_autofree char *why = NULL, *why2 = NULL;
        g_autofree char *a = load_both("docs/sova.conf.5.md", good, &why);
        g_autofree char *b = load_both("docs/sova.conf.5.md", out, &why2);
        if (!a || b) {
            g_printerr("docs/sova.conf.5.md: [%s] %s is documented from %g to %g, but %s = %s %s\n",
                       group, key, lo, hi, key, a ? w : v, a ? "loads" : why);
            (*bad)++;
        }
    }
}

/* a table row "| `key` | default | meaning |" of a section */
static void md_row(const char *group, const char *line, guint *rows, guint *defaults,
                   guint *ranges, guint *bad)
{
    g_auto(GStrv) cells = g_strsplit(line, "|", -1);
    if (g_strv_length(cells) < 4)
        return;
    g_autofree char *key = g_strstrip(g_strdup(cells[1]));
    g_autofree char *def = g_strstrip(g_strdup(cells[2]));
    gsize kl = strlen(key), dl = strlen(def);
    if (kl < 3 || key[0] != '`' || key[kl - 1] != '`')
        return;   /* the header, or not a key's row */
    key[kl - 1] = '\0';
    (*rows)++;
    if (!known(group, key + 1)) {
        g_printerr("docs/sova.conf.5.md documents [%s] %s, which no loader reads\n", group, key + 1);
        (*bad)++;
        return;
    }
    double lo, hi;
    if (md_range(cells[3], &lo, &hi)) {
        check_range(group, key + 1, lo, hi, bad);
        (*ranges)++;
    }
    /* a default given as one value; not a reference to another key ("`[controller] ...`") */
    if (dl < 3 || def[0] != '`' || def[dl - 1] != '`' || def[1] == '[' || strchr(def + 1, '`') != def + dl - 1)
        return;
    def[dl - 1] = '\0';
    check_value("docs/sova.conf.5.md", group, key + 1, def + 1, TRUE, bad);
    (*defaults)++;
}

static void test_reference(void)
{
    g_autofree char *text = read_dist("docs/sova.conf.5.md");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *group = NULL;
    guint rows = 0, defaults = 0, ranges = 0, bad = 0;
    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "## ")) {
            g_free(group);
            group = md_section(lines[i]);
        } else if (group && lines[i][0] == '|')
            md_row(group, lines[i], &rows, &defaults, &ranges, &bad);
    }
    g_test_message("sova.conf(5): %u keys, %u defaults, %u ranges checked", rows, defaults, ranges);
    g_assert_cmpuint(bad, ==, 0);
    g_assert_cmpuint(rows, >=, 50);     /* the parse found the tables */
    g_assert_cmpuint(defaults, >=, 35);
    g_assert_cmpuint(ranges, >=, 15);
}

/* "[host h1]" or "#[host h1]" -> "host h1" */
static char *conf_section(const char *line)
{
    const char *s = line[0] == '#' ? line + 1 : line;
    if (s[0] != '[' || !strchr(s, ']'))
        return NULL;
    return g_strndup(s + 1, strchr(s, ']') - s - 1);
}

static void test_example(void)
{
    g_autofree char *text = read_dist("data/sova.conf");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *group = NULL;
    guint keys = 0, defaults = 0, bad = 0;
    for (int i = 1; lines[i]; i++) {
        char *sec = conf_section(lines[i]);
        if (sec) {
            g_free(group);
            group = sec;
            continue;
        }
        const char *eq = strstr(lines[i], " = ");
        if (!group || lines[i][0] != '#' || !eq || strchr(lines[i], ' ') != eq)
            continue;   /* only "#key = value" lines */
        g_autofree char *key = g_strndup(lines[i] + 1, eq - lines[i] - 1);
        const char *value = eq + 3;
        const char *above = lines[i - 1];
        gboolean is_default = !strstr(above, "default:") && !strstr(above, "required");
        keys++;
        /* vf-template's example names a file that exists only on a configured host */
        if (strcmp(key, "vf-template") == 0 && !is_default)
            continue;
        check_value("data/sova.conf", group, key, value, is_default, &bad);
        defaults += is_default;
    }
    g_test_message("data/sova.conf: %u keys, %u defaults checked", keys, defaults);
    g_assert_cmpuint(bad, ==, 0);
    g_assert_cmpuint(keys, >=, 50);
    g_assert_cmpuint(defaults, >=, 35);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config-docs/reference", test_reference);
    g_test_add_func("/config-docs/example", test_example);
    return g_test_run();
}
