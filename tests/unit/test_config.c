/* test_config.c — the key-file loader: values, precedence, and errors that name
 * the file and line. */
#include "config/config.h"
#include "util/error.h"
#include <glib/gstdio.h>

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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/good", test_good);
    g_test_add_func("/config/errors", test_errors);
    g_test_add_func("/config/missing-validate", test_missing_and_validate);
    return g_test_run();
}
