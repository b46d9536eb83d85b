/* test_config.c — the key-file loader: values, precedence, and errors that name
 * the file and line. */
#include "config/config.h"
#include "util/error.h"
#include <glib/gstdio.h>
#include <math.h>

static char *write_conf(const char *text)
{
    g_autoptr(GError) err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("sova-test-XXXXXX.conf", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static void test_good(void)
{
    g_autofree char *path = write_conf("# comment\n[agent]\nconnect = test:///default\ninterval=2.5\n"
                                       "[cpu]\npolicy = zigzag\nreserved = 0,2-3\nexclude = db1;db2\n"
                                       "target-stddev = 4\n");
    g_autoptr(SovaConfig) c = sova_config_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_config_load(c, path, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(c->connect, ==, "test:///default");
    g_assert_cmpfloat(c->interval, ==, 2.5);
    g_assert_cmpstr(c->cpu_policy, ==, "zigzag");
    g_assert_cmpfloat(c->target_stddev, ==, 4);
    g_assert_cmpfloat(c->min_gain, ==, 2);     /* default kept */
    g_autofree char *res = sova_cpuset_format(c->reserved);
    g_assert_cmpstr(res, ==, "0,2-3");
    g_assert_cmpuint(g_strv_length(c->exclude), ==, 2);
    g_assert_cmpstr(c->exclude[1], ==, "db2");
    g_assert_true(sova_config_validate(c, &err));
    g_unlink(path);
}

/* each bad file must fail with "PATH:LINE: ..." mentioning `needle` */
static void expect_error(const char *text, int line, const char *needle)
{
    g_autofree char *path = write_conf(text);
    g_autoptr(SovaConfig) c = sova_config_new();
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_config_load(c, path, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_autofree char *prefix = line ? g_strdup_printf("%s:%d: ", path, line) : g_strdup_printf("%s: ", path);
    if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, needle))
        g_error("for %s: expected \"%s...%s\", got \"%s\"", text, prefix, needle, err->message);
    g_unlink(path);
}

static void test_errors(void)
{
    expect_error("[agent]\ninterval = -1\n", 2, "interval");
    expect_error("[agent]\ninterval = fast\n", 2, "not a number");
    expect_error("[agent]\n\nintervall = 1\n", 3, "unknown key \"intervall\"");
    expect_error("[agent]\n[cpux]\npolicy = balance\n", 2, "unknown section [cpux]");
    expect_error("[cpu]\npolicy = roundrobin\n", 2, "unknown cpu policy \"roundrobin\"");
    expect_error("[cpu]\nmin-gain = 1\nreserved = 0-x\n", 3, "reserved");
    expect_error("[agent]\naffinity-refresh = 1.5\n", 2, "whole number");
    expect_error("[agent]\nmode = auto\n", 2, "mode: \"auto\" is not full, partial or manual");
    expect_error("[agent]\n[cpu\npolicy = x\n", 2, "");  /* syntax error: GLib's message, our line */
}

static void test_missing_and_validate(void)
{
    g_autoptr(SovaConfig) c = sova_config_new();
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_config_load(c, "/nonexistent/sova.conf", &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent/sova.conf"));
    g_clear_error(&err);
    c->interval = 0;
    g_assert_false(sova_config_validate(c, &err));
    g_assert_nonnull(strstr(err->message, "interval"));
    g_clear_error(&err);
    c->interval = 1;
    g_free(c->cpu_policy);
    c->cpu_policy = g_strdup("nope");
    g_assert_false(sova_config_validate(c, &err));
    g_assert_nonnull(strstr(err->message, "nope"));
}

/* issue 16 item 2: list items trimmed; what GKeyFile would keep in the value, refused */
static void test_values_as_written(void)
{
    g_autofree char *path = write_conf("[cpu]\nexclude = foo; test ; \n[net]\nexclude=a ;b\n");
    g_autoptr(SovaConfig) c = sova_config_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_config_load(c, path, &err));
    g_assert_cmpuint(g_strv_length(c->exclude), ==, 2);
    g_assert_cmpstr(c->exclude[1], ==, "test");
    g_assert_cmpstr(c->net_exclude[0], ==, "a");
    g_unlink(path);
    expect_error("[cpu]\nexclude = test   # keep\n", 2, "inline comment");
    expect_error("[net]\nvf-network = sriov-pf0   # a <forward> network\n", 2, "inline comment");
    expect_error("[agent]\nconnect = qemu:///system\\x\n", 2, "invalid escape");
    expect_error("[agent]\nconnect = qemu:///syst\xe9m\n", 2, "UTF-8");
    expect_error("[net]\nvf-network = a;b\n", 2, "takes one value");
    /* issue 16 item 3: a section given twice does not merge */
    expect_error("[cpu]\nexclude = a\n[agent]\n[cpu]\nmin-gain = 1\n", 4, "section [cpu] again");
    expect_error("[agent]\ninterval = 1\ninterval = 2\n", 3, "key \"interval\" again");
}

/* issue 16 item 5: durations are finite and at least their documented minimum */
static void test_duration_bounds(void)
{
    expect_error("[agent]\ninterval = 1e-9\n", 2, "from 0.1 to 86400");
    expect_error("[agent]\ninterval = 0.09\n", 2, "interval");
    expect_error("[agent]\ninterval = inf\n", 2, "interval");
    expect_error("[agent]\ninterval = nan\n", 2, "interval");
    expect_error("[agent]\nreconnect-max = 0.01\n", 2, "reconnect-max");
    expect_error("[agent]\nreconnect-max = infinity\n", 2, "reconnect-max");
    expect_error("[net]\ndetach-timeout = 0.001\n", 2, "detach-timeout");
    expect_error("[net]\ndetach-timeout = nan\n", 2, "detach-timeout");
    g_autoptr(SovaConfig) c = sova_config_new();
    const double bad[] = { 1e-9, 0.09, INFINITY, -INFINITY, NAN, 1e300 };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        c->interval = bad[i];
        g_assert_false(sova_config_validate(c, &err));
        g_assert_nonnull(strstr(err->message, "interval must be a number of seconds from 0.1"));
    }
    c->interval = SOVA_MIN_INTERVAL;
    g_assert_true(sova_config_validate(c, NULL));
}

/* every ```ini example of the README and sova.conf(5) loads as written (issue 16 item 2:
 * the README's own [net] and [cpu] examples had inline comments) */
static void test_doc_examples(void)
{
    const char *docs[] = { "README.md", "docs/sova.conf.5.md" };
    guint examples = 0;
    for (gsize d = 0; d < G_N_ELEMENTS(docs); d++) {
        g_autofree char *path = g_test_build_filename(G_TEST_DIST, docs[d], NULL);
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_auto(GStrv) parts = g_strsplit(text, "```ini\n", -1);
        for (int i = 1; parts[i]; i++) {
            char *end = strstr(parts[i], "```");
            g_assert_nonnull(end);
            *end = '\0';
            g_autoptr(SovaConfig) c = sova_config_new();
            g_autoptr(GError) err = NULL;
            if (!sova_config_load_data(c, docs[d], parts[i], &err))
                g_error("example %d of %s: %s", i, docs[d], err->message);
            examples++;
        }
    }
    g_assert_cmpuint(examples, >=, 3);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/good", test_good);
    g_test_add_func("/config/errors", test_errors);
    g_test_add_func("/config/missing-validate", test_missing_and_validate);
    g_test_add_func("/config/values-as-written", test_values_as_written);
    g_test_add_func("/config/duration-bounds", test_duration_bounds);
    g_test_add_func("/config/doc-examples", test_doc_examples);
    return g_test_run();
}
