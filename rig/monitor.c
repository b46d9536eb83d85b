/* monitor.c — sova-rig-monitor: the rig's independent per-second recorder.
 *
 * The rig must not judge sova by sova's own numbers, so this tool reads libvirt directly and
 * records, once a second, one JSON object per line:
 *   - per pCPU, the utilisation from node statistics (virNodeGetCPUStats: busy/total time deltas)
 *     and the one the classic course grader computed (the sum of each vCPU's time delta, put
 *     under the pCPU the vCPU was last seen on), plus the population stddev of each;
 *   - per test VM (name starts with --prefix): each vCPU's pCPU, cumulative time and affinity,
 *     and the guest's work counter (last "SOVA-WORK <s> <count>" line of its console log);
 *   - every affinity change since the previous second (the pin changes, whoever made them).
 * It stops cleanly on SIGINT/SIGTERM or after --duration seconds.
 *
 * usage: sova-rig-monitor --prefix sova-rig- --console-dir DIR [--connect URI] [--out FILE]
 *                         [--duration S]
 */
#include <glib.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    guint64 busy, total;
} PcpuTimes;

typedef struct {
    gint cpu;           /* pCPU the vCPU was last seen on */
    guint64 time_ns;    /* cumulative vCPU time */
    gchar *affinity;    /* cpulist, e.g. "0" or "0-1" */
} VcpuSeen;

typedef struct {
    gchar *uri, *prefix, *console_dir, *out_path;
    gint duration;
    virConnectPtr conn;
    gint npcpus;
    FILE *out;
    PcpuTimes *prev_pcpu;
    GHashTable *prev_vcpu;  /* "name/vcpu" -> VcpuSeen* */
    gint64 prev_mono;
    gboolean have_prev;
    volatile gboolean stop;
} Monitor;

static void vcpu_seen_free(gpointer p)
{
    VcpuSeen *v = p;
    g_free(v->affinity);
    g_free(v);
}

static void domain_unref(gpointer d)
{
    virDomainFree(d);
}

static void quiet_errors(void *u, virErrorPtr e)
{
    (void)u;
    (void)e;
}

static gboolean on_signal(gpointer data)
{
    ((Monitor *)data)->stop = TRUE;
    return G_SOURCE_CONTINUE;
}

static gboolean monitor_read_pcpus(Monitor *m, PcpuTimes *now)
{
    for (gint c = 0; c < m->npcpus; c++) {
        int n = 0;
        if (virNodeGetCPUStats(m->conn, c, NULL, &n, 0) < 0 || n <= 0)
            return FALSE;
        g_autofree virNodeCPUStatsPtr st = g_new0(virNodeCPUStats, n);
        if (virNodeGetCPUStats(m->conn, c, st, &n, 0) < 0)
            return FALSE;
        guint64 busy = 0, total = 0;
        for (int i = 0; i < n; i++) {
            const char *f = st[i].field;
            if (g_str_equal(f, VIR_NODE_CPU_STATS_KERNEL) || g_str_equal(f, VIR_NODE_CPU_STATS_USER))
                busy += st[i].value;
            if (g_str_equal(f, VIR_NODE_CPU_STATS_KERNEL) || g_str_equal(f, VIR_NODE_CPU_STATS_USER) ||
                g_str_equal(f, VIR_NODE_CPU_STATS_IDLE) || g_str_equal(f, VIR_NODE_CPU_STATS_IOWAIT))
                total += st[i].value;
        }
        now[c] = (PcpuTimes){ busy, total };
    }
    return TRUE;
}

static gchar *cpumap_to_list(const unsigned char *map, gint npcpus)
{
    GString *s = g_string_new(NULL);
    for (gint c = 0; c < npcpus; c++) {
        if (!VIR_CPU_USABLE(map, VIR_CPU_MAPLEN(npcpus), 0, c))
            continue;
        gint e = c;
        while (e + 1 < npcpus && VIR_CPU_USABLE(map, VIR_CPU_MAPLEN(npcpus), 0, e + 1))
            e++;
        if (s->len)
            g_string_append_c(s, ',');
        if (e > c)
            g_string_append_printf(s, "%d-%d", c, e);
        else
            g_string_append_printf(s, "%d", c);
        c = e;
    }
    return g_string_free(s, FALSE);
}

/* Last complete "SOVA-WORK <s> <count>" line in the guest's console log. */
static gboolean console_last_work(const gchar *path, gint64 *secs, gint64 *count)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return FALSE;
    char buf[8192];
    long size = (fseek(f, 0, SEEK_END) == 0) ? ftell(f) : 0;
    long from = size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0;
    size_t n = 0;
    if (fseek(f, from, SEEK_SET) == 0)
        n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    gboolean found = FALSE;
    for (char *p = buf; (p = strstr(p, "SOVA-WORK ")) != NULL; p++) {
        long long s, c;
        char *nl = strchr(p, '\n');
        if (nl && sscanf(p, "SOVA-WORK %lld %lld", &s, &c) == 2) {
            *secs = s;
            *count = c;
            found = TRUE;
        }
    }
    return found;
}

static gdouble stddev(const gdouble *v, gint n)
{
    gdouble mean = 0, var = 0;
    for (gint i = 0; i < n; i++)
        mean += v[i] / n;
    for (gint i = 0; i < n; i++)
        var += (v[i] - mean) * (v[i] - mean) / n;
    return sqrt(var);
}

static gint compare_domains(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(virDomainGetName(*(virDomainPtr *)a), virDomainGetName(*(virDomainPtr *)b));
}

/* One VM: its vCPUs (adding their time deltas to the grader's per-pCPU sums), its work counter,
 * and any affinity change (appended to `changes`). */
static void monitor_sample_vm(Monitor *m, virDomainPtr dom, GHashTable *seen_now, gdouble *grader_ns,
                              JsonBuilder *vms, JsonBuilder *changes)
{
    const char *name = virDomainGetName(dom);
    virDomainInfo info;
    if (virDomainGetInfo(dom, &info) < 0)
        return;
    gint nv = info.nrVirtCpu, maplen = VIR_CPU_MAPLEN(m->npcpus);
    g_autofree virVcpuInfoPtr vi = g_new0(virVcpuInfo, nv);
    g_autofree unsigned char *maps = g_new0(unsigned char, (gsize)nv * maplen);
    nv = virDomainGetVcpus(dom, vi, nv, maps, maplen);
    if (nv < 0)
        return;
    json_builder_begin_object(vms);
    json_builder_set_member_name(vms, "name");
    json_builder_add_string_value(vms, name);
    json_builder_set_member_name(vms, "vcpus");
    json_builder_begin_array(vms);
    for (gint i = 0; i < nv; i++) {
        VcpuSeen *v = g_new0(VcpuSeen, 1);
        v->cpu = vi[i].cpu;
        v->time_ns = vi[i].cpuTime;
        v->affinity = cpumap_to_list(VIR_GET_CPUMAP(maps, maplen, i), m->npcpus);
        gchar *key = g_strdup_printf("%s/%d", name, i);
        VcpuSeen *old = g_hash_table_lookup(m->prev_vcpu, key);
        if (old && v->cpu >= 0 && v->cpu < m->npcpus && v->time_ns >= old->time_ns)
            grader_ns[v->cpu] += (gdouble)(v->time_ns - old->time_ns);
        if (old && !g_str_equal(old->affinity, v->affinity)) {
            json_builder_begin_object(changes);
            json_builder_set_member_name(changes, "vm");
            json_builder_add_string_value(changes, name);
            json_builder_set_member_name(changes, "vcpu");
            json_builder_add_int_value(changes, i);
            json_builder_set_member_name(changes, "from");
            json_builder_add_string_value(changes, old->affinity);
            json_builder_set_member_name(changes, "to");
            json_builder_add_string_value(changes, v->affinity);
            json_builder_end_object(changes);
        }
        json_builder_begin_object(vms);
        json_builder_set_member_name(vms, "cpu");
        json_builder_add_int_value(vms, v->cpu);
        json_builder_set_member_name(vms, "time_ns");
        json_builder_add_int_value(vms, (gint64)v->time_ns);
        json_builder_set_member_name(vms, "affinity");
        json_builder_add_string_value(vms, v->affinity);
        json_builder_end_object(vms);
        g_hash_table_insert(seen_now, key, v);
    }
    json_builder_end_array(vms);
    g_autofree gchar *log = g_strdup_printf("%s/%s.log", m->console_dir, name);
    gint64 secs = -1, count = -1;
    console_last_work(log, &secs, &count);
    json_builder_set_member_name(vms, "work");
    json_builder_add_int_value(vms, count);
    json_builder_set_member_name(vms, "work_s");
    json_builder_add_int_value(vms, secs);
    json_builder_end_object(vms);
}

static void add_pcpu_array(JsonBuilder *b, const char *member, const gdouble *v, gint n)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (gint i = 0; i < n; i++)
        json_builder_add_double_value(b, round(v[i] * 10) / 10);
    json_builder_end_array(b);
}

static void monitor_sample(Monitor *m)
{
    gint64 mono = g_get_monotonic_time();
    gdouble dt_ns = (gdouble)(mono - m->prev_mono) * 1000.0;
    g_autofree PcpuTimes *pc = g_new0(PcpuTimes, m->npcpus);
    if (!monitor_read_pcpus(m, pc))
        return;
    g_autofree gdouble *node = g_new0(gdouble, m->npcpus);
    g_autofree gdouble *grader = g_new0(gdouble, m->npcpus);
    for (gint c = 0; c < m->npcpus && m->have_prev; c++) {
        guint64 db = pc[c].busy - m->prev_pcpu[c].busy, dtot = pc[c].total - m->prev_pcpu[c].total;
        node[c] = dtot ? 100.0 * (gdouble)db / (gdouble)dtot : 0;
    }

    virDomainPtr *doms = NULL;
    int nd = virConnectListAllDomains(m->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    GPtrArray *mine = g_ptr_array_new_with_free_func(domain_unref);
    for (int i = 0; i < nd; i++) {
        if (g_str_has_prefix(virDomainGetName(doms[i]), m->prefix))
            g_ptr_array_add(mine, doms[i]);
        else
            virDomainFree(doms[i]);
    }
    free(doms);
    g_ptr_array_sort(mine, compare_domains);

    GHashTable *seen_now = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, vcpu_seen_free);
    g_autoptr(JsonBuilder) vms = json_builder_new();
    g_autoptr(JsonBuilder) changes = json_builder_new();
    json_builder_begin_array(vms);
    json_builder_begin_array(changes);
    for (guint i = 0; i < mine->len; i++)
        monitor_sample_vm(m, g_ptr_array_index(mine, i), seen_now, grader, vms, changes);
    json_builder_end_array(vms);
    json_builder_end_array(changes);
    g_ptr_array_unref(mine);
    for (gint c = 0; c < m->npcpus; c++)
        grader[c] = dt_ns > 0 ? 100.0 * grader[c] / dt_ns : 0;

    if (m->have_prev) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "t");
        json_builder_add_double_value(b, (gdouble)g_get_real_time() / 1e6);
        json_builder_set_member_name(b, "dt");
        json_builder_add_double_value(b, round(dt_ns / 1e6) / 1e3);
        json_builder_set_member_name(b, "sample_ms");
        json_builder_add_int_value(b, (g_get_monotonic_time() - mono) / 1000);
        add_pcpu_array(b, "node", node, m->npcpus);
        add_pcpu_array(b, "grader", grader, m->npcpus);
        json_builder_set_member_name(b, "node_stddev");
        json_builder_add_double_value(b, round(stddev(node, m->npcpus) * 100) / 100);
        json_builder_set_member_name(b, "grader_stddev");
        json_builder_add_double_value(b, round(stddev(grader, m->npcpus) * 100) / 100);
        json_builder_set_member_name(b, "vms");
        json_builder_add_value(b, json_builder_get_root(vms));
        json_builder_set_member_name(b, "pin_changes");
        json_builder_add_value(b, json_builder_get_root(changes));
        json_builder_end_object(b);
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        g_autofree gchar *line = json_generator_to_data(gen, NULL);
        fprintf(m->out, "%s\n", line);
        fflush(m->out);
    }
    g_hash_table_unref(m->prev_vcpu);
    m->prev_vcpu = seen_now;
    memcpy(m->prev_pcpu, pc, sizeof(PcpuTimes) * (gsize)m->npcpus);
    m->prev_mono = mono;
    m->have_prev = TRUE;
}

static gboolean monitor_parse_args(Monitor *m, int argc, char **argv, GError **error)
{
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &m->uri, "libvirt URI (qemu:///system)", "URI" },
        { "prefix", 'p', 0, G_OPTION_ARG_STRING, &m->prefix, "test VM name prefix (sova-rig-)", "P" },
        { "console-dir", 'd', 0, G_OPTION_ARG_FILENAME, &m->console_dir, "dir of NAME.log console files", "DIR" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &m->out_path, "output file (stdout)", "FILE" },
        { "duration", 't', 0, G_OPTION_ARG_INT, &m->duration, "stop after S seconds (0: on signal)", "S" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- per-second recorder for sova's test rig");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, error))
        return FALSE;
    if (!m->uri)
        m->uri = g_strdup("qemu:///system");
    if (!m->prefix)
        m->prefix = g_strdup("sova-rig-");
    if (!m->console_dir)
        m->console_dir = g_strdup(".");
    return TRUE;
}

int main(int argc, char **argv)
{
    Monitor m = { 0 };
    g_autoptr(GError) err = NULL;
    if (!monitor_parse_args(&m, argc, argv, &err)) {
        g_printerr("sova-rig-monitor: %s\n", err->message);
        return 2;
    }
    virSetErrorFunc(NULL, quiet_errors);
    m.conn = virConnectOpen(m.uri);
    if (!m.conn) {
        virErrorPtr e = virGetLastError();
        g_printerr("sova-rig-monitor: cannot connect to %s: %s\n", m.uri, e ? e->message : "?");
        return 1;
    }
    m.npcpus = virNodeGetCPUMap(m.conn, NULL, NULL, 0);
    m.out = m.out_path ? fopen(m.out_path, "w") : stdout;
    if (m.npcpus <= 0 || !m.out) {
        g_printerr("sova-rig-monitor: no pCPUs or cannot open output\n");
        return 1;
    }
    m.prev_pcpu = g_new0(PcpuTimes, m.npcpus);
    m.prev_vcpu = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, vcpu_seen_free);
    g_unix_signal_add(SIGINT, on_signal, &m);
    g_unix_signal_add(SIGTERM, on_signal, &m);

    gint64 start = g_get_monotonic_time(), next = start;
    for (gint64 k = 0; !m.stop; k++) {
        monitor_sample(&m);
        if (m.duration > 0 && g_get_monotonic_time() - start >= (gint64)m.duration * G_USEC_PER_SEC)
            break;
        /* next whole second; a late sample skips ahead instead of catching up with a burst */
        do
            next += G_USEC_PER_SEC;
        while (next - g_get_monotonic_time() < G_USEC_PER_SEC / 2);
        while (!m.stop && g_get_monotonic_time() < next) { /* wake for signals while waiting */
            if (!g_main_context_iteration(NULL, FALSE))
                g_usleep(MIN(20000, MAX(0, next - g_get_monotonic_time())));
        }
    }
    if (m.out != stdout)
        fclose(m.out);
    g_hash_table_unref(m.prev_vcpu);
    g_free(m.prev_pcpu);
    virConnectClose(m.conn);
    g_free(m.uri);
    g_free(m.prefix);
    g_free(m.console_dir);
    g_free(m.out_path);
    return 0;
}
