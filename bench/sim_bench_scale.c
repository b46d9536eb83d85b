/* sim_bench_scale.c — parts 2 and 3 of bench-sim (sim_bench.c), its "scale" figures: how the
 * agent's cost grows with the VMs of a host, libvirt calls per interval (P3) and the agent's
 * own CPU time with 100 VMs (M1). Apart from the policy table because they measure the agent,
 * not the policies' layouts, and only they need the libvirt backend. */
#include "sim_bench_scale.h"
#include "backend/libvirt/libvirt_backend.h"
#include "util/json.h"
#include "sim/sim_run.h"
#include <glib/gstdio.h>
#include <libvirt/virterror.h>
#include <stdio.h>

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

GArray *bench_sim_run_calls(void)
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

void bench_sim_print_calls(GArray *calls)
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

GArray *bench_sim_run_cpu(char **policies)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Cpu));
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load_data("m1-100vms", m1_scenario, &err);
    if (!sc) {
        g_printerr("bench-sim: %s\n", err->message);
        return out;
    }
    for (guint p = 0; policies[p]; p++) {
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

void bench_sim_print_cpu(GArray *cpu)
{
    printf("\n== M1: the agent's own CPU time per interval, 100 VMs on a 16-pCPU simulated host, "
           "600 intervals (target <= 1 %% of one core at 1 s)\n");
    printf("%10s %18s %18s\n", "policy", "CPU per interval", "% of one core");
    for (guint i = 0; i < cpu->len; i++) {
        const Cpu *c = &g_array_index(cpu, Cpu, i);
        printf("%10s %15.1f us %17.4f%%\n", c->policy, c->cpu_per_interval_us, c->cpu_per_interval_us / 1e4);
    }
}

JsonNode *bench_sim_scale_json(GArray *calls, GArray *cpu)
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
