/* test_controller_config.c — [controller], [host NAME], [group NAME]: values, the
 * agent's sections left alone, errors that name the file and line, and how hosts are
 * resolved from names, URIs and the command line's maintenance list. */
#include "config/controller_config.h"
#include "daemon/controller_options.h"
#include "util/error.h"
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *write_conf(const char *text)
{
    g_autoptr(GError) err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("sova-ctl-test-XXXXXX.conf", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static SovaCtlConfig *load(const char *text)
{
    g_autofree char *path = write_conf(text);
    SovaCtlConfig *c = sova_ctl_config_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(sova_ctl_config_load(c, path, &err));
    g_assert_no_error(err);
    g_unlink(path);
    return c;
}

static void test_values(void)
{
    g_autoptr(SovaCtlConfig) c = load(
        "[agent]\nconnect = qemu:///system\n[cpu]\npolicy = balance\n"
        "[controller]\nhosts = a;qemu+tcp://10.0.0.2/system\ninterval = 5\nthreshold = 0.2\n"
        "high-water = 0.9\nhigh-water-samples = 4\nheadroom = 0.2\ncooldown = 600\n"
        "backoff = 30\nmax-per-host = 2\nmax-total = 3\nbandwidth = 100\ntimeout = 120\ndrs-level = 5\n"
        "max-downtime = 500\nmigrate-uri = tcp://10.0.0.9\nauto-converge = no\ndrain-timeout = 30\n"
        "weights = 1;0.5;2\newma-alpha = 0.3\nnic-gbps = 10\nexclude = db1; db2\n"
        "[host a]\nuri = qemu+tcp://10.0.0.1/system\nmaintenance = yes\nnic-gbps = 25\n"
        "migrate-uri = tcp://10.1.0.1\n"
        "[group web]\nvms = web1;web2\n[group db]\nvms = db1\n");
    g_assert_cmpfloat(c->interval, ==, 5);
    g_assert_cmpfloat(c->params.threshold, ==, 0.2);
    g_assert_cmpfloat(c->params.high_water, ==, 0.9);
    g_assert_cmpuint(c->params.high_water_samples, ==, 4);
    g_assert_cmpfloat(c->params.headroom, ==, 0.2);
    g_assert_cmpfloat(c->params.cooldown_s, ==, 600);
    g_assert_cmpfloat(c->params.backoff_s, ==, 30);
    g_assert_cmpuint(c->params.max_per_host, ==, 2);
    g_assert_cmpuint(c->params.max_total, ==, 3);
    g_assert_cmpuint(c->params.drs_level, ==, 5);
    g_assert_cmpfloat(c->bandwidth_MiBps, ==, 100);
    g_assert_cmpfloat(c->params.bandwidth_Bps, ==, 100 * 1048576.0);   /* the cost model follows */
    g_assert_cmpfloat(c->timeout_s, ==, 120);
    g_assert_cmpfloat(c->max_downtime_ms, ==, 500);
    g_assert_cmpfloat(c->drain_timeout_s, ==, 30);
    g_assert_cmpfloat(c->params.max_downtime_s, ==, 0.5);
    g_assert_cmpstr(c->migrate_uri, ==, "tcp://10.0.0.9");
    g_assert_false(c->auto_converge);
    g_assert_cmpfloat(c->weights[SOVA_RES_CPU], ==, 1);
    g_assert_cmpfloat(c->weights[SOVA_RES_MEM], ==, 0.5);
    g_assert_cmpfloat(c->weights[SOVA_RES_NET], ==, 2);
    g_assert_cmpfloat(c->ewma_alpha, ==, 0.3);
    g_assert_cmpfloat(c->nic_gbps, ==, 10);
    g_assert_cmpuint(g_strv_length(c->exclude), ==, 2);
    g_assert_cmpstr(c->exclude[1], ==, "db2");
    g_assert_cmpuint(g_strv_length(c->groups), ==, 2);
    g_assert_cmpstr(c->groups[0], ==, "web:web1,web2");
    g_assert_cmpstr(c->groups[1], ==, "db:db1");
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hosts = sova_ctl_config_hosts(c, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(hosts->len, ==, 2);
    const SovaCtlHostConfig *h0 = g_ptr_array_index(hosts, 0), *h1 = g_ptr_array_index(hosts, 1);
    g_assert_cmpstr(h0->name, ==, "a");
    g_assert_cmpstr(h0->uri, ==, "qemu+tcp://10.0.0.1/system");
    g_assert_true(h0->maintenance);
    g_assert_cmpfloat(h0->nic_gbps, ==, 25);
    g_assert_cmpstr(h0->migrate_uri, ==, "tcp://10.1.0.1");
    g_assert_null(h1->migrate_uri);
    g_assert_cmpstr(h1->name, ==, "10.0.0.2");      /* named after the URI's server */
    g_assert_false(h1->maintenance);
    SovaControllerOptions o;
    sova_ctl_config_options(c, &o);
    g_assert_cmpfloat(o.migrate.bandwidth_MiBps, ==, 100);
    g_assert_cmpfloat(o.migrate.timeout_s, ==, 120);
    g_assert_cmpfloat(o.drain_timeout, ==, 30);
    g_assert_cmpstr(o.migrate.migrate_uri, ==, "tcp://10.0.0.9");
    g_assert_true(o.groups == c->groups);
    g_assert_true(sova_ctl_config_validate(c, &err));
}

static void test_defaults_and_hosts(void)
{
    g_autoptr(SovaCtlConfig) c = sova_ctl_config_new();
    SovaClusterParams d = SOVA_CLUSTER_PARAMS_DEFAULT;
    g_assert_cmpfloat(c->params.threshold, ==, d.threshold);
    g_assert_cmpstr(c->policy, ==, "sova");
    g_assert_true(c->auto_converge);
    g_assert_cmpfloat(c->drain_timeout_s, ==, 60);   /* finite: a stop always ends */
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_ctl_config_validate(c, &err));   /* no hosts */
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_clear_error(&err);
    /* the command line's URIs: the same URI twice gets two names; maintenance by name */
    c->hosts = g_strsplit("test:///default;test:///default;qemu+ssh://root@h3/system", ";", -1);
    char *maint[] = { "h3", NULL };
    g_autoptr(GPtrArray) hosts = sova_ctl_config_hosts(c, maint, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(hosts->len, ==, 3);
    g_assert_cmpstr(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 0))->name, ==, "test:///default");
    g_assert_cmpstr(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 1))->name, ==, "test:///default#2");
    g_assert_cmpstr(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 2))->name, ==, "h3");
    g_assert_true(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 2))->maintenance);
    g_assert_false(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 0))->maintenance);
    char *bad[] = { "nowhere", NULL };
    g_assert_null(sova_ctl_config_hosts(c, bad, &err));
    g_assert_nonnull(strstr(err->message, "nowhere"));
}

/* [host NAME] sections alone give the hosts; a listed URI takes its section's settings */
static void test_sections_only(void)
{
    g_autoptr(SovaCtlConfig) c = load("[host b]\nuri = qemu+tcp://b/system\nexclude = true\n"
                                      "[host a]\nuri = qemu+tcp://a/system\n");
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hosts = sova_ctl_config_hosts(c, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(hosts->len, ==, 2);
    g_assert_cmpstr(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 0))->name, ==, "b");
    g_assert_true(((SovaCtlHostConfig *)g_ptr_array_index(hosts, 0))->excluded);
    c->hosts = g_strsplit("qemu+tcp://b/system", ";", -1);
    g_autoptr(GPtrArray) one = sova_ctl_config_hosts(c, NULL, &err);
    g_assert_cmpuint(one->len, ==, 1);
    g_assert_cmpstr(((SovaCtlHostConfig *)g_ptr_array_index(one, 0))->name, ==, "b");
    g_assert_true(((SovaCtlHostConfig *)g_ptr_array_index(one, 0))->excluded);
}

static void expect_error(const char *text, int line, const char *needle)
{
    g_autofree char *path = write_conf(text);
    g_autoptr(SovaCtlConfig) c = sova_ctl_config_new();
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_ctl_config_load(c, path, &err));
    g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
    g_autofree char *prefix = g_strdup_printf("%s:%d: ", path, line);
    if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, needle))
        g_error("for %s: expected \"%s...%s\", got \"%s\"", text, prefix, needle, err->message);
    g_unlink(path);
}

/* list items are trimmed ([controller] hosts, exclude; [group] vms) */
static void test_lists_trimmed(void)
{
    g_autoptr(SovaCtlConfig) c = load("[controller]\nexclude = a ; b;;\n[group g]\nvms = x ;y \n");
    g_assert_cmpuint(g_strv_length(c->exclude), ==, 2);
    g_assert_cmpstr(c->exclude[1], ==, "b");
    g_assert_cmpstr(c->groups[0], ==, "g:x,y");
    c->interval = NAN;
    g_autoptr(GError) err = NULL;
    g_assert_false(sova_ctl_config_validate(c, &err));
    g_assert_nonnull(strstr(err->message, "interval must be a number of seconds from 0.1"));
    /* --drain-timeout goes through the same check as the file's key */
    c->interval = 10;
    c->hosts = g_strsplit("test:///default", ";", -1);
    g_clear_error(&err);
    g_assert_true(sova_ctl_config_validate(c, &err));
    c->drain_timeout_s = INFINITY;
    g_assert_false(sova_ctl_config_validate(c, &err));
    g_assert_nonnull(strstr(err->message, "drain-timeout"));
}

static void test_errors(void)
{
    expect_error("[controller]\ninterval = 0\n", 2, "interval");
    expect_error("[controller]\n\nthreshhold = 0.1\n", 3, "unknown key \"threshhold\"");
    expect_error("[controllers]\n", 1, "unknown section [controllers]");
    expect_error("[controller]\npolicy = dpm\n", 2, "unknown cluster policy \"dpm\"");
    expect_error("[controller]\nweights = 1;2\n", 2, "three numbers");
    expect_error("[controller]\nweights = 0;0;0\n", 2, "positive");
    expect_error("[controller]\nauto-converge = maybe\n", 2, "yes or no");
    expect_error("[controller]\nmax-per-host = 0\n", 2, "max-per-host");
    expect_error("[controller]\ndrs-level = 6\n", 2, "drs-level");
    expect_error("[controller]\ndrs-level = 0\n", 2, "drs-level");
    expect_error("[controller]\nmode = semi\n", 2, "mode: \"semi\" is not full");
    expect_error("[host a]\nmaintenance = yes\n", 1, "needs a uri");
    expect_error("[host a]\nuri = test:///default\nport = 1\n", 3, "unknown key \"port\"");
    expect_error("[group g]\n", 1, "needs vms");
    /* issue 16 item 3: two [host x] do not merge: the second one's line */
    expect_error("[host x]\nuri = test:///a\n\n[host x]\nmaintenance = yes\n", 4,
                 "section [host x] again (first at line 1)");
    expect_error("[group g]\nvms = a\n[group g]\nvms = b\n", 3, "section [group g] again");
    /* issue 16 item 2 */
    expect_error("[controller]\nexclude = db1   # the database\n", 2, "inline comment");
    expect_error("[host x]\nuri = qemu+ssh://h\xff/system\n", 2, "UTF-8");
    expect_error("[host x]\nuri = a;b\n", 2, "takes one value");
    /* issue 16 item 5: durations and rates finite, 0 (off) or at least their minimum */
    expect_error("[controller]\ninterval = 1e-9\n", 2, "interval");
    expect_error("[controller]\ninterval = inf\n", 2, "interval");
    expect_error("[controller]\ninterval = nan\n", 2, "interval");
    expect_error("[controller]\ntimeout = 0.5\n", 2, "timeout: 0.5 is below the minimum 1");
    expect_error("[controller]\ntimeout = inf\n", 2, "timeout");
    expect_error("[controller]\nbandwidth = 0.5\n", 2, "bandwidth: 0.5 is below the minimum 1");
    expect_error("[controller]\nmax-downtime = 0.1\n", 2, "max-downtime");
    expect_error("[controller]\ncooldown = nan\n", 2, "cooldown");
    expect_error("[controller]\nbackoff = inf\n", 2, "backoff");
    /* issue 16 item 7: a stop ends within a finite drain-timeout; 0 is not "forever" */
    expect_error("[controller]\ndrain-timeout = 0\n", 2, "drain-timeout");
    expect_error("[controller]\ndrain-timeout = 0.5\n", 2, "drain-timeout");
    expect_error("[controller]\ndrain-timeout = 1e6\n", 2, "drain-timeout");
    expect_error("[controller]\ndrain-timeout = inf\n", 2, "drain-timeout");
    expect_error("[controller]\ndrain-timeout = nan\n", 2, "drain-timeout");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/controller-config/values", test_values);
    g_test_add_func("/controller-config/defaults-and-hosts", test_defaults_and_hosts);
    g_test_add_func("/controller-config/sections-only", test_sections_only);
    g_test_add_func("/controller-config/errors", test_errors);
    g_test_add_func("/controller-config/lists-trimmed", test_lists_trimmed);
    return g_test_run();
}
