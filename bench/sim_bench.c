/* sim_bench.c — the simulator section of `make bench` (TARGETS P3, M1 and the policy
 * table). Asserts nothing: it prints figures.
 *
 *  1. Every registered cpu policy (balance, zigzag, lpt) and plain CFS with every vCPU unpinned
 *     ("cfs": no agent) on every scenario in bench/scenarios, side by side, as ratios
 *     against CFS: CPU delivered, Jain's fairness index; and, absolute (CFS has no
 *     agent, so its counts are 0), intervals until balanced and pin changes; then TARGETS P5
 *     (issue 18): each VM's delivered/demanded against its own under CFS (the worst VM's
 *     ratio) and pin changes per vCPU (sova_sim_vs_cfs).
 *  2. libvirt calls per agent interval with 1, 10 and 100 domains, counted by the real
 *     libvirt backend against libvirt's test driver given a generated node XML.
 *  3. M1: the agent's own CPU time per interval with 100 VMs on the simulator (the
 *     simulator's sampling cost measured apart and subtracted).
 *
 * usage: bench-sim [--scenarios DIR] [--json] [--only table|calls|cpu] */
#include "bench_scenarios.h"
#include "backend/libvirt/libvirt_backend.h"
#include "util/json.h"
#include "sim/sim_run.h"
#include "daemon/agent.h"
#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef SOVA_BENCH_SCENARIOS
#define SOVA_BENCH_SCENARIOS "bench/scenarios"
#endif

/* every registered cpu policy, in the registry's order */
static char **policies;
static guint N_POL;

static void load_policies(void)
{
    policies = g_strsplit(sova_cpu_policy_list(), ", ", -1);
    N_POL = g_strv_length(policies);
}

/* ---- 1. the policy table ---- */

typedef struct {
    char *name;
    SovaSimResult *cfs;
    SovaSimResult **pol;      /* [N_POL] */
} Row;

static void row_free(gpointer p)
{
    Row *r = p;
    g_free(r->name);
    sova_sim_result_free(r->cfs);
    for (guint i = 0; i < N_POL; i++)
        sova_sim_result_free(r->pol[i]);
    g_free(r->pol);
    g_free(r);
}

static SovaSimResult *run_one(const SovaSimScenario *sc, const char *policy)
{
    SovaSimRunOptions o = { .policy = policy ? sova_cpu_policy_find(policy) : NULL };
    g_autoptr(GError) err = NULL;
    SovaSimResult *r = sova_sim_run(sc, &o, &err);
    if (!r)
        g_printerr("bench-sim: %s: %s\n", sc->path, err->message);
    return r;
}

static GPtrArray *run_table(const char *dir)
{
    g_autoptr(GPtrArray) files = sova_bench_scenario_files(dir, NULL);
    GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
    for (guint f = 0; f < files->len; f++) {
        const char *file = g_ptr_array_index(files, f);
        g_autofree char *path = g_build_filename(dir, file, NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
        if (!sc) {
            g_printerr("bench-sim: %s\n", err->message);
            continue;
        }
        Row *row = g_new0(Row, 1);
        row->name = g_strndup(file, strlen(file) - strlen(".conf"));
        row->cfs = run_one(sc, NULL);
        row->pol = g_new0(SovaSimResult *, N_POL);
        for (guint i = 0; i < N_POL; i++)
            row->pol[i] = run_one(sc, policies[i]);
        gboolean ok = row->cfs != NULL;
        for (guint i = 0; i < N_POL; i++)
            ok = ok && row->pol[i];
        if (ok)
            g_ptr_array_add(rows, row);
        else
            row_free(row);
    }
    return rows;
}

static void print_header(const char *title, const char *cfs_col)
{
    printf("\n%s\n%-28s %10s", title, "scenario", cfs_col);
    for (guint i = 0; i < N_POL; i++)
        printf(" %9s", policies[i]);
    printf("\n");
}

static double ratio(double x, double base)
{
    return base > 0 ? x / base : NAN;
}

static int cmp_double(gconstpointer a, gconstpointer b, gpointer unused)
{
    double x = *(const double *)a, y = *(const double *)b;
    (void)unused;
    return (x > y) - (x < y);
}

static double median_stddev(const SovaSimResult *r)
{
    g_autofree double *v = g_memdup2(r->stddev, r->n_intervals * sizeof(double));
    g_qsort_with_data(v, (gint)r->n_intervals, sizeof(double), cmp_double, NULL);
    return v[r->n_intervals / 2];
}

static char *settled_text(int settled)
{
    return settled < 0 ? g_strdup("never") : g_strdup_printf("%d", settled);
}

/* TARGETS P5 (issue 18): every VM against its own CFS share, pin changes per vCPU; the
 * total against CFS is the first table's */
static void print_vs_cfs(GPtrArray *rows)
{
    print_header("P5: worst VM's delivered/demanded against its own under CFS (x CFS; target >= 0.98)",
                 "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10s", r->name, "1");
        for (guint p = 0; p < N_POL; p++) {
            SovaSimVsCfs v;
            if (sova_sim_vs_cfs(r->pol[p], r->cfs, &v))
                printf(" %9.3f", v.worst_vm);
            else
                printf(" %9s", "-");
        }
        printf("\n");
    }
    printf("\nP5: pin changes per vCPU over the run (after it settled); target <= 2 with one demand "
           "change, 0 while steady\n%-28s %10s", "scenario", "seconds");
    for (guint i = 0; i < N_POL; i++)
        printf(" %13s", policies[i]);
    printf("\n");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.0f", r->name, r->cfs->n_intervals * r->cfs->interval_s);
        for (guint p = 0; p < N_POL; p++) {
            SovaSimVsCfs v;
            sova_sim_vs_cfs(r->pol[p], r->cfs, &v);
            g_autofree char *cell = g_strdup_printf("%.2f(%.2f)", v.pins_per_vcpu, v.pins_after_per_vcpu);
            printf(" %13s", cell);
        }
        printf("\n");
    }
}

static void print_table(GPtrArray *rows)
{
    printf("== simulator: cpu policies against CFS (every vCPU unpinned, no agent)\n"
           "   for delivered CPU and fairness, ratios > 1 beat CFS; CFS's own figure is in its column\n");
    print_header("CPU delivered (x CFS)", "CFS cpu-s");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.0f", r->name, r->cfs->delivered_s);
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.3f", ratio(r->pol[p]->delivered_s, r->cfs->delivered_s));
        printf("\n");
    }
    printf("(every interval counts, the first included. The agent runs start from the scenario's\n"
           " pins (all on pCPU 0, alternating ...), CFS unpinned; the agent's first plan comes %.1f s\n"
           " after its baseline sample (sova_agent_next_wait): a layout that costs work costs it that\n"
           " long, e.g. 0.5 s of 3 idle pCPUs of 4 in 120 s: 0.997 for zigzag and lpt on seed-example;\n"
           " balance's take-over shares vCPUs stacked beside an idle pCPU at the baseline sample.)\n",
           SOVA_AGENT_FIRST_WAIT);
    print_header("Jain's fairness index over delivered/demanded per VM (x CFS)", "CFS Jain");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.4f", r->name, r->cfs->jain);
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.3f", ratio(r->pol[p]->jain, r->cfs->jain));
        printf("\n");
    }
    print_header("intervals until the pCPU stddev stays <= 5 (absolute)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        g_autofree char *c = settled_text(r->cfs->settled);
        printf("%-28s %10s", r->name, c);
        for (guint p = 0; p < N_POL; p++) {
            g_autofree char *t = settled_text(r->pol[p]->settled);
            printf(" %9s", t);
        }
        printf("\n");
    }
    print_header("pin changes, absolute (after it settled)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10d", r->name, 0);
        for (guint p = 0; p < N_POL; p++) {
            g_autofree char *cell = g_strdup_printf("%" G_GUINT64_FORMAT "(%" G_GUINT64_FORMAT ")",
                                                    r->pol[p]->pin_changes, r->pol[p]->pins_after);
            printf(" %9s", cell);
        }
        printf("\n");
    }
    print_header("median pCPU stddev over the run (points)", "CFS");
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        printf("%-28s %10.1f", r->name, median_stddev(r->cfs));
        for (guint p = 0; p < N_POL; p++)
            printf(" %9.1f", median_stddev(r->pol[p]));
        printf("\n");
    }
    print_vs_cfs(rows);
}

static JsonNode *table_json(GPtrArray *rows)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < rows->len; i++) {
        Row *r = g_ptr_array_index(rows, i);
        json_builder_begin_object(b);
        sova_json_string(b, "scenario", r->name);
        json_builder_set_member_name(b, "cfs");
        json_builder_add_value(b, sova_sim_result_to_json(r->cfs, FALSE));
        for (guint p = 0; p < N_POL; p++) {
            json_builder_set_member_name(b, policies[p]);
            json_builder_begin_object(b);
            sova_json_double(b, "delivered_x_cfs", ratio(r->pol[p]->delivered_s, r->cfs->delivered_s));
            sova_json_double(b, "jain_x_cfs", ratio(r->pol[p]->jain, r->cfs->jain));
            SovaSimVsCfs v;
            if (sova_sim_vs_cfs(r->pol[p], r->cfs, &v))
                sova_sim_vs_cfs_json(b, r->pol[p], &v);
            json_builder_set_member_name(b, "run");
            json_builder_add_value(b, sova_sim_result_to_json(r->pol[p], FALSE));
            json_builder_end_object(b);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}

/* ---- 2. libvirt calls per interval, counted against the test driver ---- */

static char *write_node_xml(const char *dir, guint n_domains, guint n_pcpus)
{
    GString *x = g_string_new("<node>\n");
    g_string_append_printf(x, "  <cpu><mhz>2000</mhz><model>x86_64</model><active>%u</active><nodes>1</nodes>"
                           "<sockets>1</sockets><cores>%u</cores><threads>1</threads></cpu>\n"
                           "  <memory>67108864</memory>\n", n_pcpus, n_pcpus);
    for (guint i = 1; i <= n_domains; i++)
        g_string_append_printf(x, "  <domain type='test'><name>vm%u</name>"
                               "<uuid>5a5a0000-0000-4000-8000-%012x</uuid><memory unit='MiB'>256</memory>"
                               "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>\n", i, i);
    g_string_append(x, "</node>\n");
    g_autofree char *name = g_strdup_printf("node-%u.xml", n_domains);
    char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = g_string_free(x, FALSE);
    if (!g_file_set_contents(path, text, -1, NULL))
        g_clear_pointer(&path, g_free);
    return path;
}

typedef struct {
    guint domains, pcpus, online;
    guint64 first, steady, pin;   /* calls: first sample, a later sample, one pin */
    gboolean ok;
} Calls;

static void quiet_libvirt(void *data, virErrorPtr e)
{
    (void)data;
    (void)e;
}

static Calls count_calls(const char *dir, guint n_domains)
{
    Calls c = { .domains = n_domains };
    g_autofree char *xml = write_node_xml(dir, n_domains, 8);
    if (!xml)
        return c;
    g_autofree char *uri = g_strdup_printf("test://%s", xml);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaBackend) be = sova_libvirt_backend_open(uri, NULL, &err);
    if (!be) {
        g_printerr("bench-sim: %s\n", err->message);
        g_unlink(xml);
        return c;
    }
    guint64 c0 = be->calls;
    g_autoptr(SovaSnapshot) s1 = sova_backend_sample(be, &err);
    guint64 c1 = be->calls;
    g_autoptr(SovaSnapshot) s2 = s1 ? sova_backend_sample(be, &err) : NULL;
    guint64 c2 = be->calls;
    if (s2 && s2->vms->len) {
        const SovaVmSample *vm = g_ptr_array_index(s2->vms, 0);
        SovaAction a = { .kind = SOVA_ACTION_PIN, .vcpu = 0, .from_pcpu = -1, .to_pcpu = 0 };
        g_strlcpy(a.uuid, vm->uuid, sizeof a.uuid);
        a.vm_name = vm->name;
        a.reason = (char *)"bench";
        if (sova_backend_execute(be, &a, NULL))
            c.pin = be->calls - c2;
        c.pcpus = s2->n_pcpus;
        for (guint p = 0; p < s2->n_pcpus; p++)
            c.online += sova_snapshot_pcpu(s2, p)->online;
        c.first = c1 - c0;
        c.steady = c2 - c1;
        c.ok = TRUE;
    } else if (err)
        g_printerr("bench-sim: %s: %s\n", uri, err->message);
    g_unlink(xml);
    return c;
}

static GArray *run_calls(void)
{
    static const guint sizes[] = { 1, 10, 100 };
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Calls));
    g_autofree char *dir = g_dir_make_tmp("sova-bench-XXXXXX", NULL);
    virSetErrorFunc(NULL, quiet_libvirt);
    for (guint i = 0; dir && i < G_N_ELEMENTS(sizes); i++) {
        Calls c = count_calls(dir, sizes[i]);
        g_array_append_val(out, c);
    }
    if (dir)
        g_rmdir(dir);
    return out;
}

static void print_calls(GArray *calls)
{
    printf("\n== P3: libvirt calls per agent interval (libvirt backend on the test driver; "
           "target <= P + 2, + 1 per pin, independent of N)\n");
    printf("%8s %14s %14s %16s %10s\n", "domains", "pCPUs online", "first sample", "each interval", "per pin");
    for (guint i = 0; i < calls->len; i++) {
        const Calls *c = &g_array_index(calls, Calls, i);
        g_autofree char *p = g_strdup_printf("%u of %u", c->online, c->pcpus);
        if (!c->ok)
            printf("%8u %14s %14s %16s %10s\n", c->domains, "-", "failed", "-", "-");
        else
            printf("%8u %14s %14" G_GUINT64_FORMAT " %16" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT "\n",
                   c->domains, p, c->first, c->steady, c->pin);
    }
    printf("   (the test driver's bulk domain stats carry no vcpu.N.time, so the backend reads each\n"
           "    domain with virDomainGetVcpus there: + 1 per domain; the simulator models qemu: P + 2)\n");
}

/* ---- 3. M1: the agent's own CPU time with 100 VMs ---- */

static const char m1_scenario[] =
    "[scenario]\nduration=600\ninterval=1\nseed=1\n"
    "[host]\npcpus=16\nsockets=2\ncells=2\n"
    "[vms]\ncount=100\ndemand=walk:40:5;constant:30;square:80:10:60;phases:0-300=20,300-600=60\n"
    "pin=all-on-0\n";

typedef struct {
    const char *policy;
    double cpu_per_interval_us;
    guint intervals;
} Cpu;

static GArray *run_cpu(void)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Cpu));
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load_data("m1-100vms", m1_scenario, &err);
    if (!sc) {
        g_printerr("bench-sim: %s\n", err->message);
        return out;
    }
    for (guint p = 0; p < N_POL; p++) {
        SovaSimRunOptions o = { .policy = sova_cpu_policy_find(policies[p]), .measure_cpu = TRUE };
        g_autoptr(SovaSimResult) r = sova_sim_run(sc, &o, NULL);
        if (!r)
            continue;
        /* the baseline step is included in the total; count it as an interval */
        Cpu c = { policies[p], r->agent_cpu_s * 1e6 / (r->n_intervals + 1), r->n_intervals };
        g_array_append_val(out, c);
    }
    return out;
}

static void print_cpu(GArray *cpu)
{
    printf("\n== M1: the agent's own CPU time per interval, 100 VMs on a 16-pCPU simulated host, "
           "600 intervals (target <= 1 %% of one core at 1 s)\n");
    printf("%10s %18s %18s\n", "policy", "CPU per interval", "% of one core");
    for (guint i = 0; i < cpu->len; i++) {
        const Cpu *c = &g_array_index(cpu, Cpu, i);
        printf("%10s %15.1f us %17.4f%%\n", c->policy, c->cpu_per_interval_us, c->cpu_per_interval_us / 1e4);
    }
}

/* ---- main ---- */

static JsonNode *calls_json(GArray *calls, GArray *cpu)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "libvirt_calls");
    json_builder_begin_array(b);
    for (guint i = 0; calls && i < calls->len; i++) {
        const Calls *c = &g_array_index(calls, Calls, i);
        json_builder_begin_object(b);
        sova_json_int(b, "domains", c->domains);
        sova_json_bool(b, "ok", c->ok);
        sova_json_int(b, "pcpus", c->pcpus);
        sova_json_int(b, "pcpus_online", c->online);
        sova_json_int(b, "first_sample", (gint64)c->first);
        sova_json_int(b, "per_interval", (gint64)c->steady);
        sova_json_int(b, "per_pin", (gint64)c->pin);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "agent_cpu");
    json_builder_begin_array(b);
    for (guint i = 0; cpu && i < cpu->len; i++) {
        const Cpu *c = &g_array_index(cpu, Cpu, i);
        json_builder_begin_object(b);
        sova_json_string(b, "policy", c->policy);
        sova_json_double(b, "cpu_us_per_interval", c->cpu_per_interval_us);
        sova_json_double(b, "percent_of_core_at_1s", c->cpu_per_interval_us / 1e4);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

int main(int argc, char **argv)
{
    g_autofree char *dir = NULL, *only = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "scenarios", 0, 0, G_OPTION_ARG_FILENAME, &dir, "scenario directory (default: the source tree's)", "DIR" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, "print one JSON object", NULL },
        { "only", 0, 0, G_OPTION_ARG_STRING, &only, "one part: table, calls or cpu", "PART" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- the simulator benchmark");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("bench-sim: %s\n", err->message);
        return 2;
    }
    load_policies();
    const char *sdir = dir ? dir : SOVA_BENCH_SCENARIOS;
    gboolean table = !only || !strcmp(only, "table"), calls = !only || !strcmp(only, "calls"),
             cpu = !only || !strcmp(only, "cpu");
    g_autoptr(GPtrArray) rows = table ? run_table(sdir) : NULL;
    g_autoptr(GArray) c = calls ? run_calls() : NULL;
    g_autoptr(GArray) m = cpu ? run_cpu() : NULL;
    if (json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "policies");
        json_builder_add_value(b, rows ? table_json(rows) : json_node_new(JSON_NODE_NULL));
        json_builder_set_member_name(b, "scale");
        json_builder_add_value(b, calls_json(c, m));
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        g_autofree char *text = json_to_string(root, TRUE);
        printf("%s\n", text);
        g_strfreev(policies);
        return 0;
    }
    if (rows)
        print_table(rows);
    if (c)
        print_calls(c);
    if (m)
        print_cpu(m);
    g_strfreev(policies);
    return 0;
}
