/* test_cpuset.c — pCPU sets: wide sets, formatting and parsing. */
#include "model/cpuset.h"
#include "util/error.h"

static void test_wide(void)
{
    g_autoptr(SovaCpuSet) s = sova_cpuset_new(300);
    sova_cpuset_add(s, 0);
    sova_cpuset_add(s, 64);
    sova_cpuset_add(s, 299);
    sova_cpuset_add(s, 300); /* out of range: ignored */
    g_assert_cmpuint(sova_cpuset_count(s), ==, 3);
    g_assert_true(sova_cpuset_has(s, 299));
    g_assert_false(sova_cpuset_has(s, 300));
    g_assert_cmpint(sova_cpuset_first(s), ==, 0);
    g_assert_cmpint(sova_cpuset_only(s), ==, -1);
    sova_cpuset_remove(s, 0);
    sova_cpuset_remove(s, 299);
    g_assert_cmpint(sova_cpuset_only(s), ==, 64);
}

static void test_format_parse(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaCpuSet) s = sova_cpuset_parse(" 0-3, 8,10-11 ", 16, &err);
    g_assert_no_error(err);
    g_autofree char *text = sova_cpuset_format(s);
    g_assert_cmpstr(text, ==, "0-3,8,10-11");
    g_autoptr(SovaCpuSet) again = sova_cpuset_parse(text, 16, &err);
    g_assert_true(sova_cpuset_equal(s, again));
    g_autoptr(SovaCpuSet) empty = sova_cpuset_parse("", 4, &err);
    g_assert_cmpuint(sova_cpuset_count(empty), ==, 0);
}

static void test_parse_errors(void)
{
    const char *bad[] = { "16", "3-1", "a", "1,,2", "1-", "1 2" };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaCpuSet) s = sova_cpuset_parse(bad[i], 16, &err);
        g_assert_null(s);
        g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpuset/wide", test_wide);
    g_test_add_func("/cpuset/format-parse", test_format_parse);
    g_test_add_func("/cpuset/parse-errors", test_parse_errors);
    return g_test_run();
}
