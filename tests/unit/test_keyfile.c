/* test_keyfile.c — util/keyfile.c: what GKeyFile would fold into a value or drop
 * silently is refused with FILE:LINE (issue 16, items 2, 3 and 5): inline comments, bad
 * escapes, invalid UTF-8, a section or a key given twice, NaN and infinities; list items
 * are trimmed. */
#include "util/keyfile.h"
#include "util/error.h"
#include <string.h>

/* parsing `text` (plus the duplicate check) fails at `line` with a message holding `needle` */
static void expect_parse_error(const char *text, int line, const char *needle)
{
    SovaKeyFile k = { 0 };
    g_autoptr(GError) err = NULL;
    gboolean ok = sova_keyfile_parse(&k, "t.conf", text, &err) &&
                  sova_keyfile_check_duplicates(&k, &err);
    sova_keyfile_clear(&k);
    g_autofree char *prefix = g_strdup_printf("t.conf:%d: ", line);
    g_assert_false(ok);
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, needle))
        g_error("for %s: expected \"%s...%s\", got \"%s\"", text, prefix, needle, err->message);
}

static void test_refused(void)
{
    expect_parse_error("[cpu]\nexclude = test   # keep\n", 2, "inline comment");
    expect_parse_error("[net]\n\nvf-network = sriov-pf0\t# a network\n", 3, "inline comment");
    expect_parse_error("[cpu]\nexclude = # nobody\n", 2, "inline comment");
    expect_parse_error("[a]\nk = x\\qy\n", 2, "invalid escape sequence \"\\q\"");
    expect_parse_error("[a]\nk = x\\\n", 2, "backslash at the end");
    expect_parse_error("[a]\nk = caf\xc3\n", 2, "UTF-8");
    expect_parse_error("[a\xff]\nk = 1\n", 1, "UTF-8");
    expect_parse_error("[host x]\nuri = a\n[cpu]\n[host x]\nuri = b\n", 4,
                       "section [host x] again (first at line 1)");
    expect_parse_error("[a]\nk = 1\n\nk=2\n", 4, "key \"k\" again");
}

static void test_accepted(void)
{
    SovaKeyFile k = { 0 };
    g_autoptr(GError) err = NULL;
    const char *text = "# a comment\n  # an indented one\n[a]\nuri = qemu+ssh://h/system#frag\n"
                       "k = x\\sy\\\\z\nl = foo; test ;; bar \\; baz;\n[b]\nk = 1\n";
    g_assert_true(sova_keyfile_parse(&k, "t.conf", text, &err));
    g_assert_true(sova_keyfile_check_duplicates(&k, &err));   /* k in [a] and in [b] */
    g_autofree char *uri = sova_keyfile_get_raw(&k, "a", "uri");
    g_assert_cmpstr(uri, ==, "qemu+ssh://h/system#frag");    /* '#' after no blank: literal */
    g_autofree char *v = NULL;
    g_assert_true(sova_keyfile_get_string(&k, "a", "k", &v, &err));
    g_assert_cmpstr(v, ==, "x y\\z");
    g_auto(GStrv) l = NULL;
    g_assert_true(sova_keyfile_get_list(&k, "a", "l", &l, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(g_strv_length(l), ==, 3);
    g_assert_cmpstr(l[0], ==, "foo");
    g_assert_cmpstr(l[1], ==, "test");                     /* trimmed */
    g_assert_cmpstr(l[2], ==, "bar ; baz");
    /* a single value with a ';' is a list where one value belongs */
    g_autofree char *one = NULL;
    g_assert_false(sova_keyfile_get_string(&k, "a", "l", &one, &err));
    g_assert_true(g_str_has_prefix(err->message, "t.conf:6: l takes one value"));
    sova_keyfile_clear(&k);
}

/* get_double refuses what is not finite; get_double_or_zero takes 0 or lo..hi */
static void test_numbers(void)
{
    const char *bad[] = { "inf", "-inf", "infinity", "nan", "NAN", "1e999", "0x1p-40", NULL };
    for (int i = 0; bad[i]; i++) {
        g_autofree char *text = g_strdup_printf("[a]\nd = %s\n", bad[i]);
        SovaKeyFile k = { 0 };
        g_autoptr(GError) err = NULL;
        double d = 5;
        g_assert_true(sova_keyfile_parse(&k, "t.conf", text, &err));
        g_assert_false(sova_keyfile_get_double(&k, "a", "d", 0.1, 86400, &d, &err));
        g_assert_true(g_str_has_prefix(err->message, "t.conf:2: d:"));
        g_assert_cmpfloat(d, ==, 5);
        sova_keyfile_clear(&k);
    }
    SovaKeyFile k = { 0 };
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_keyfile_parse(&k, "t.conf", "[a]\nz = 0\nlow = 0.5\nok = 2\n", &err));
    double z = 9, low = 9, ok = 9;
    g_assert_true(sova_keyfile_get_double_or_zero(&k, "a", "z", 1, 10, &z, &err));
    g_assert_cmpfloat(z, ==, 0);
    g_assert_true(sova_keyfile_get_double_or_zero(&k, "a", "ok", 1, 10, &ok, &err));
    g_assert_cmpfloat(ok, ==, 2);
    g_assert_false(sova_keyfile_get_double_or_zero(&k, "a", "low", 1, 10, &low, &err));
    g_assert_true(g_str_has_prefix(err->message, "t.conf:3: low: 0.5 is below the minimum 1"));
    g_assert_cmpfloat(low, ==, 9);
    sova_keyfile_clear(&k);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyfile/refused", test_refused);
    g_test_add_func("/keyfile/accepted", test_accepted);
    g_test_add_func("/keyfile/numbers", test_numbers);
    return g_test_run();
}
