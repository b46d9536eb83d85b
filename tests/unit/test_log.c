/* test_log.c — sova's log records (util/log.c, daemon/action_log.c): the journal fields of
 * an action record (pin, VF switch, migration), the text line a terminal gets (unchanged:
 * "HH:MM:SS.mmm [warning: |debug: ]message" on stderr), quiet and verbose, and the choice
 * of the journal only when stderr is the journal's stream (JOURNAL_STREAM = its dev:ino). */
#include "daemon/action_log.h"
#include "util/log.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *value(const GLogField *f, gsize n, const char *key)
{
    for (gsize i = 0; i < n; i++)
        if (strcmp(f[i].key, key) == 0)
            return f[i].value;
    return NULL;
}

/* the record of an action, as the journal gets it */
static gsize action_fields(const SovaAction *a, GLogLevelFlags level, const char *host,
                           const char *result, GLogField *out, SovaActionLog *l)
{
    sova_action_log_init(l, a, host, result);
    return sova_log_fields(out, level, "the message", &l->f);
}

static void test_pin_fields(void)
{
    g_autoptr(SovaPlan) p = sova_plan_new();
    SovaAction *a = sova_plan_add_pin(p, "6695eb01-f6a4-8304-79aa-97f2502e193f", "web1", 1, 3,
                                      5, "pCPU 3 at %d%%", 97);
    GLogField f[SOVA_LOG_MAX_FIELDS];
    SovaActionLog l;
    gsize n = action_fields(a, G_LOG_LEVEL_INFO, "h1", "done", f, &l);
    g_assert_cmpuint(n, ==, 12);
    g_assert_cmpstr(value(f, n, "MESSAGE"), ==, "the message");
    g_assert_cmpstr(value(f, n, "PRIORITY"), ==, "6");
    g_assert_cmpstr(value(f, n, "SYSLOG_IDENTIFIER"), ==, "sova");
    g_assert_cmpstr(value(f, n, "SOVA_ACTION"), ==, "pin");
    g_assert_cmpstr(value(f, n, "SOVA_VM"), ==, "web1");
    g_assert_cmpstr(value(f, n, "SOVA_VM_UUID"), ==, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    g_assert_cmpstr(value(f, n, "SOVA_FROM"), ==, "3");
    g_assert_cmpstr(value(f, n, "SOVA_TO"), ==, "5");
    g_assert_cmpstr(value(f, n, "SOVA_REASON"), ==, "pCPU 3 at 97%");
    g_assert_cmpstr(value(f, n, "SOVA_HOST"), ==, "h1");
    g_assert_cmpstr(value(f, n, "SOVA_RESULT"), ==, "done");
    for (gsize i = 0; i < n; i++)
        g_assert_cmpint(f[i].length, ==, -1);   /* NUL-terminated strings */
    sova_action_log_clear(&l);
    /* a share and an unpinned vCPU */
    g_autoptr(SovaCpuSet) set = sova_cpuset_parse("0-3", 8, NULL);
    a = sova_plan_add_share(p, "u", "web2", 0, -1, set, "shared");
    n = action_fields(a, G_LOG_LEVEL_WARNING, "h1", "failed", f, &l);
    g_assert_cmpstr(value(f, n, "PRIORITY"), ==, "4");
    g_assert_cmpstr(value(f, n, "SOVA_FROM"), ==, "unpinned");
    g_assert_cmpstr(value(f, n, "SOVA_TO"), ==, "0-3");
    sova_action_log_clear(&l);
}

static void test_vf_and_migrate_fields(void)
{
    g_autoptr(SovaPlan) p = sova_plan_new();
    SovaAction *a = sova_plan_add_vf(p, SOVA_ACTION_ATTACH_VF, "u1", "db1", "benefit %d", 5000);
    GLogField f[SOVA_LOG_MAX_FIELDS];
    SovaActionLog l;
    gsize n = action_fields(a, G_LOG_LEVEL_INFO, "h2", "done", f, &l);
    g_assert_cmpstr(value(f, n, "SOVA_ACTION"), ==, "attach-vf");
    g_assert_cmpstr(value(f, n, "SOVA_FROM"), ==, "virtio");
    g_assert_cmpstr(value(f, n, "SOVA_TO"), ==, "vf");
    g_assert_cmpstr(value(f, n, "SOVA_REASON"), ==, "benefit 5000");
    sova_action_log_clear(&l);
    a = sova_plan_add_migrate(p, "u2", "web3", 0, "h1", 1, "h2", 0.2, 0.1, "h1 is the busiest");
    n = action_fields(a, G_LOG_LEVEL_INFO, NULL, "started", f, &l);
    g_assert_cmpstr(value(f, n, "SOVA_ACTION"), ==, "migrate");
    g_assert_cmpstr(value(f, n, "SOVA_FROM"), ==, "h1");
    g_assert_cmpstr(value(f, n, "SOVA_TO"), ==, "h2");
    g_assert_cmpstr(value(f, n, "SOVA_HOST"), ==, "h1");   /* a migration's source */
    g_assert_cmpstr(value(f, n, "SOVA_RESULT"), ==, "started");
    sova_action_log_clear(&l);
    /* a record without fields: the message and its level only */
    n = sova_log_fields(f, G_LOG_LEVEL_DEBUG, "plain", NULL);
    g_assert_cmpuint(n, ==, 4);
    g_assert_cmpstr(value(f, n, "PRIORITY"), ==, "7");
    g_assert_null(value(f, n, "SOVA_VM"));
}

static void test_text_line(void)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GDateTime) t = g_date_time_new(utc, 2026, 12, 4, 16, 44, 5.6987);
    g_autofree char *w = sova_log_format_text(G_LOG_LEVEL_WARNING, "careful", t);
    g_autofree char *i = sova_log_format_text(G_LOG_LEVEL_INFO, "  pin web1", t);
    g_autofree char *d = sova_log_format_text(G_LOG_LEVEL_DEBUG, "quiet", t);
    g_assert_cmpstr(w, ==, "16:44:05.698 warning: careful");
    g_assert_cmpstr(i, ==, "16:44:05.698   pin web1");
    g_assert_cmpstr(d, ==, "16:44:05.698 debug: quiet");
}

/* on a stderr that is not the journal: the lines as sova always printed them */
static void test_stderr_unchanged(void)
{
    if (g_test_subprocess()) {
        g_unsetenv("JOURNAL_STREAM");
        g_assert_false(sova_log_to_journal());
        g_autoptr(SovaPlan) p = sova_plan_new();
        SovaAction *a = sova_plan_add_pin(p, "u", "web1", 0, 1, 2, "why");
        sova_info("hello %d", 1);
        sova_log_action(G_LOG_LEVEL_INFO, a, "h1", "done", "  pin web1");
        sova_warn("careful");
        sova_debug("not shown");
        sova_log_set_verbose(TRUE);
        sova_debug("shown");
        sova_log_set_quiet(TRUE);
        sova_info("not shown either");
        sova_warn("still shown");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("");
    g_test_trap_assert_stderr("??:??:??.??? hello 1\n"
                              "??:??:??.???   pin web1\n"
                              "??:??:??.??? warning: careful\n"
                              "??:??:??.??? debug: shown\n"
                              "??:??:??.??? warning: still shown\n");
}

/* JOURNAL_STREAM naming stderr: the journal is chosen (GLib compares dev:ino) */
static void test_journal_chosen(void)
{
    if (g_test_subprocess()) {
        struct stat st;
        g_assert_cmpint(fstat(fileno(stderr), &st), ==, 0);
        g_autofree char *js = g_strdup_printf("%lu:%lu", (unsigned long)st.st_dev,
                                              (unsigned long)st.st_ino);
        g_setenv("JOURNAL_STREAM", js, TRUE);
        g_assert_true(sova_log_to_journal());
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* JOURNAL_STREAM naming another file: not the journal */
static void test_journal_other_stream(void)
{
    if (g_test_subprocess()) {
        g_setenv("JOURNAL_STREAM", "1:1", TRUE);
        g_assert_false(sova_log_to_journal());
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log/pin-fields", test_pin_fields);
    g_test_add_func("/log/vf-and-migrate-fields", test_vf_and_migrate_fields);
    g_test_add_func("/log/text-line", test_text_line);
    g_test_add_func("/log/stderr-unchanged", test_stderr_unchanged);
    g_test_add_func("/log/journal-chosen", test_journal_chosen);
    g_test_add_func("/log/journal-other-stream", test_journal_other_stream);
    return g_test_run();
}
