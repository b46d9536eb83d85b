/* test_config_reload.c — which sova.conf keys a SIGHUP applies (config/config_reload.c)
 * and which keys a new text of the file changes, split into those applied at the next
 * interval and those kept until a restart. */
#include "config/config.h"
#include "config/config_reload.h"
#include "config/controller_config.h"

static void test_keys_that_reload(void)
{
    g_assert_true(sova_config_key_reloads("cpu", "target-stddev"));
    g_assert_true(sova_config_key_reloads("cpu", "exclude"));
    g_assert_true(sova_config_key_reloads("net", "enter"));
    g_assert_true(sova_config_key_reloads("agent", "interval"));
    g_assert_true(sova_config_key_reloads("controller", "drain-timeout"));
    g_assert_true(sova_config_key_reloads("host h1", "maintenance"));
    g_assert_true(sova_config_key_reloads("group web", "vms"));
    /* what the daemon was opened with */
    g_assert_false(sova_config_key_reloads("agent", "connect"));
    g_assert_false(sova_config_key_reloads("net", "vf-network"));
    g_assert_false(sova_config_key_reloads("controller", "hosts"));
    g_assert_false(sova_config_key_reloads("host h1", "uri"));
    /* a section or key the table does not know does not reload */
    g_assert_false(sova_config_key_reloads("hostile", "maintenance"));
    g_assert_false(sova_config_key_reloads("metrics", "listen"));
}

static char *joined(GPtrArray *a)
{
    g_ptr_array_add(a, NULL);
    return g_strjoinv(", ", (char **)a->pdata);
}

/* the changes from `before` to `after` in the agent's sections: "reloads | kept" */
static char *changes(const char *before, const char *after, SovaKeyfileKeysOf owns)
{
    g_autoptr(GPtrArray) r = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) k = g_ptr_array_new_with_free_func(g_free);
    sova_config_changes(before, after, owns, r, k);
    g_autofree char *rs = joined(r), *ks = joined(k);
    return g_strdup_printf("%s | %s", rs, ks);
}

static void test_changes_agent(void)
{
    const char *a = "[agent]\nconnect = qemu:///system\n[cpu]\ntarget-stddev = 5\nexclude = a\n"
                    "[controller]\nthreshold = 0.1\n";
    /* nothing changed: blanks around a value do not count */
    g_autofree char *same = changes(a, "[agent]\nconnect=qemu:///system\n[cpu]\ntarget-stddev = 5\n"
                                       "exclude = a\n[controller]\nthreshold = 0.1\n",
                                    sova_config_keys_of);
    g_assert_cmpstr(same, ==, " | ");
    /* changed, removed, added; [controller] is not the agent's */
    g_autofree char *c = changes(a, "[agent]\nconnect = test:///default\n[cpu]\ntarget-stddev = 3\n"
                                    "[net]\nenter = 10\n[controller]\nthreshold = 0.3\n",
                                 sova_config_keys_of);
    g_assert_cmpstr(c, ==, "[cpu] target-stddev, [net] enter, [cpu] exclude | [agent] connect");
    /* no file before, or none after: every key set counts */
    g_autofree char *from_none = changes(NULL, "[agent]\ninterval = 2\n", sova_config_keys_of);
    g_assert_cmpstr(from_none, ==, "[agent] interval | ");
    g_autofree char *to_none = changes("[agent]\nconnect = x\n", NULL, sova_config_keys_of);
    g_assert_cmpstr(to_none, ==, " | [agent] connect");
}

static void test_changes_controller(void)
{
    const char *a = "[controller]\nhosts = h1;h2\n[host h1]\nuri = qemu+ssh://h1/system\n"
                    "[cpu]\nmin-gain = 2\n";
    g_autofree char *c = changes(a, "[controller]\nhosts = h1\n[host h1]\nuri = qemu+ssh://h1/system\n"
                                    "maintenance = yes\n[host h3]\nuri = qemu+ssh://h3/system\n"
                                    "[cpu]\nmin-gain = 3\n",
                                 sova_controller_config_keys_of);
    g_assert_cmpstr(c, ==, "[host h1] maintenance | [controller] hosts, [host h3] uri");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config-reload/keys", test_keys_that_reload);
    g_test_add_func("/config-reload/changes-agent", test_changes_agent);
    g_test_add_func("/config-reload/changes-controller", test_changes_controller);
    return g_test_run();
}
