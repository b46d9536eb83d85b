/* test_plan_file.c — plan files (model/plan_file.c): what `--recommend` writes reads back
 * the same, a broken file is refused saying what is wrong; and the checks `sova apply`
 * makes (policy/cluster_check.c): each refusal says why in the operator's terms, a stale
 * action is refused while the others go on, the caps hold the rest for later. */
#include <string.h>
#include "cluster_fixtures.h"
#include "model/plan_file.h"
#include "util/error.h"

/* h0 overloaded (three VMs want 19 of its 16 pCPUs: the sova policy leaves demand unmet
 * there and moves one), h1 and h2 idle */
static SovaCluster *hot(void)
{
    SovaCluster *c = cluster(3);
    vm(c, "a", 0, 8, 4, 0);
    vm(c, "b", 0, 5, 4, 0);
    vm(c, "c", 0, 6, 4, 0);
    return c;
}

static SovaPlanFile *round_trip(const SovaCluster *c, const SovaPlan *plan)
{
    g_autofree double *expected = g_new0(double, sova_plan_len(plan) + 1);
    SovaPlanFileInfo info = { .policy = "sova", .created = 1796400000, .sampled = 1796399999 };
    g_autoptr(JsonNode) root = sova_plan_file_to_json(c, plan, expected, &info);
    g_autofree char *text = json_to_string(root, TRUE);
    g_autoptr(GError) err = NULL;
    SovaPlanFile *f = sova_plan_file_parse(text, -1, &err);
    g_assert_no_error(err);
    return f;
}

static void test_round_trip(void)
{
    g_autoptr(SovaCluster) c = hot();
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) plan = plan_with("sova", c, &p);
    g_assert_cmpuint(sova_plan_len(plan), >, 0);
    g_autoptr(SovaPlanFile) f = round_trip(c, plan);
    g_assert_cmpuint(f->actions->len, ==, sova_plan_len(plan));
    g_assert_cmpfloat(f->created, ==, 1796400000);
    g_assert_cmpfloat(f->sampled, ==, 1796399999);
    g_assert_cmpstr(f->policy, ==, "sova");
    const SovaPlanFileAction *a = sova_plan_file_action(f, 0);
    const SovaAction *want = sova_plan_action(plan, 0);
    g_assert_cmpstr(a->uuid, ==, want->uuid);
    g_assert_cmpstr(a->vm, ==, want->vm_name);
    g_assert_cmpstr(a->from, ==, "h0");
    g_assert_cmpstr(a->to, ==, want->to_host_name);
    g_assert_cmpstr(a->reason, ==, want->reason);
    g_assert_cmpfloat_with_epsilon(a->cost_s, want->cost, 1e-9);
}

typedef struct {
    const char *text, *words;
} Bad;

static void test_broken(void)
{
    static const Bad cases[] = {
        { "", "not a sova plan" },   /* json-glib reads nothing as no value */
        { "{\"sova_plan\": 1,", "not JSON" },
        { "[1, 2]", "not a sova plan" },
        { "{\"sova_plan\": 2, \"created_unix\": 1, \"actions\": []}", "plan format 2" },
        { "{\"sova_plan\": 1, \"actions\": []}", "no \"created_unix\"" },
        { "{\"sova_plan\": 1, \"created_unix\": \"soon\", \"actions\": []}", "\"created_unix\" is not a number" },
        { "{\"sova_plan\": 1, \"created_unix\": 1}", "no \"actions\" array" },
        { "{\"sova_plan\": 1, \"created_unix\": 1, \"actions\": [3]}", "action 1 is not an object" },
        { "{\"sova_plan\": 1, \"created_unix\": 1, \"actions\": [{\"action\": \"migrate\", "
          "\"uuid\": \"00000000-0000-0000-0000-00000000000g\"}]}", "is not a UUID" },
        { "{\"sova_plan\": 1, \"created_unix\": 1, \"actions\": [{\"action\": \"migrate\", "
          "\"uuid\": \"00000000-0000-0000-0000-000000000001\", \"vm\": \"a\", \"from\": \"h1\"}]}",
          "action 1: \"to\" is missing" },
        { "{\"sova_plan\": 1, \"created_unix\": 1, \"actions\": [{\"action\": \"migrate\", "
          "\"uuid\": \"00000000-0000-0000-0000-000000000001\", \"vm\": \"a\", \"from\": \"h1\", "
          "\"to\": \"h1\"}]}", "a goes from h1 to itself" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaPlanFile) f = sova_plan_file_parse(cases[i].text, -1, &err);
        g_assert_null(f);
        g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
        if (!strstr(err->message, cases[i].words))
            g_error("case %u: \"%s\" lacks \"%s\"", i, err->message, cases[i].words);
    }
}

/* the checker's reason for moving `name` from `from` to `to`, or NULL when it passes */
static char *why(SovaClusterChecker *k, SovaPlan *plan, const SovaCluster *c, const char *name,
                 const char *from, const char *to)
{
    for (guint v = 0; v < c->vms->len; v++)
        if (!strcmp(sova_cluster_vm(c, v)->name, name))
            return sova_cluster_checker_try(k, plan, sova_cluster_vm(c, v)->uuid, name, from, to,
                                            "test", 0, 1);
    return sova_cluster_checker_try(k, plan, "00000000-0000-0000-0000-0000000000ff", name, from,
                                    to, "test", 0, 1);
}

static void expect_refusal(SovaClusterChecker *k, SovaPlan *plan, const SovaCluster *c,
                           const char *name, const char *from, const char *to, const char *words)
{
    g_autofree char *w = why(k, plan, c, name, from, to);
    if (!w || !strstr(w, words))
        g_error("%s %s -> %s: \"%s\" lacks \"%s\"", name, from, to, w ? w : "(accepted)", words);
}

static void test_checks(void)
{
    g_autoptr(SovaCluster) c = hot();
    vm(c, "fat", 2, 1, 55, 0);                            /* h2: memory nearly full */
    vm(c, "web1", 1, 1, 1, 0)->group = g_strdup("web");
    vm(c, "web2", 0, 1, 1, 0)->group = g_strdup("web");
    SovaClusterVm *fixed = vm(c, "fixed", 0, 1, 1, 0);
    fixed->pinned = TRUE;
    SovaClusterVm *picky = vm(c, "picky", 0, 1, 1, 0);
    picky->hosts = g_strsplit("h0,h2", ",", -1);
    vm(c, "flying", 1, 1, 1, 0)->migrating = TRUE;
    SovaClusterParams p = params();
    g_autoptr(SovaPlan) plan = sova_plan_new();
    g_autoptr(SovaClusterChecker) k = sova_cluster_checker_new(c, &p);
    expect_refusal(k, plan, c, "a", "h1", "h2", "a runs on h0 now, not on h1: the plan is stale");
    expect_refusal(k, plan, c, "gone", "h0", "h1", "gone runs on no host the controller can read");
    expect_refusal(k, plan, c, "a", "h0", "h9", "no host h9 in the cluster");
    expect_refusal(k, plan, c, "b", "h0", "h2", "h2 has no room for it (cpu 0.38, mem 0.92");
    expect_refusal(k, plan, c, "web2", "h0", "h1", "anti-affinity group 'web' is on h1");
    expect_refusal(k, plan, c, "fixed", "h0", "h1", "fixed may not be migrated");
    expect_refusal(k, plan, c, "picky", "h0", "h1", "hosts='h0,h2' does not allow h1");
    expect_refusal(k, plan, c, "flying", "h1", "h0", "flying is migrating already");
    g_assert_cmpuint(sova_plan_len(plan), ==, 0);
    g_autofree char *ok = why(k, plan, c, "a", "h0", "h1");
    g_assert_null(ok);
    expect_refusal(k, plan, c, "a", "h0", "h2", "a is moved by an earlier action");
    sova_cluster_host(c, 1)->maintenance = TRUE;
    g_autoptr(SovaClusterChecker) k2 = sova_cluster_checker_new(c, &p);
    expect_refusal(k2, plan, c, "b", "h0", "h1", "h1 is in maintenance");
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    g_assert_cmpint(sova_plan_action(plan, 0)->to_host, ==, 1);
}

/* accepted migrations beyond the caps wait: the first wave holds what the caps allow */
static void test_caps_hold(void)
{
    g_autoptr(SovaCluster) c = hot();
    SovaClusterParams p = params();   /* one per host, two in the cluster */
    g_autoptr(SovaPlan) plan = sova_plan_new();
    g_autoptr(SovaClusterChecker) k = sova_cluster_checker_new(c, &p);
    g_assert_null(why(k, plan, c, "a", "h0", "h1"));
    g_assert_null(why(k, plan, c, "b", "h0", "h2"));
    g_assert_cmpuint(sova_cluster_hold_to_caps(c, &p, plan), ==, 1);
    g_assert_cmpuint(sova_plan_len(plan), ==, 1);
    g_assert_cmpstr(sova_plan_action(plan, 0)->vm_name, ==, "a");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan-file/round-trip", test_round_trip);
    g_test_add_func("/plan-file/broken", test_broken);
    g_test_add_func("/plan-file/checks", test_checks);
    g_test_add_func("/plan-file/caps-hold", test_caps_hold);
    return g_test_run();
}
