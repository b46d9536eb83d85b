/* cluster.c — the cluster model: hosts, VMs, normalised host load and imbalance; see
 * cluster.h.
 *
 * Which hosts count in the imbalance: those that are up, not excluded and not in
 * maintenance (a host being emptied is leaving the balance; counting it would make its
 * evacuation look like a loss). A resource whose capacity no counted host knows (NET on
 * hosts without a NIC capacity, typically) drops out of the weights, so an unmeasured
 * resource does not dilute the imbalance of the measured ones. The same rule holds per
 * host for sova_cluster_host_score(). */
#include "model/cluster.h"
#include "util/json.h"
#include <math.h>
#include <string.h>

static void host_clear(gpointer p)
{
    SovaClusterHost *h = p;
    g_free(h->name);
    if (h->nic_history)
        g_array_unref(h->nic_history);
}

static void vm_clear(gpointer p)
{
    SovaClusterVm *v = p;
    g_free(v->name);
    g_free(v->group);
    g_free(v->together);
    g_strfreev(v->hosts);
    g_free(v->conflict);
}

SovaCluster *sova_cluster_new(void)
{
    SovaCluster *c = g_new0(SovaCluster, 1);
    c->hosts = g_array_new(FALSE, TRUE, sizeof(SovaClusterHost));
    g_array_set_clear_func(c->hosts, host_clear);
    c->vms = g_array_new(FALSE, TRUE, sizeof(SovaClusterVm));
    g_array_set_clear_func(c->vms, vm_clear);
    for (int r = 0; r < SOVA_RES_N; r++)
        c->weights[r] = 1.0;
    return c;
}

void sova_cluster_free(SovaCluster *c)
{
    if (!c)
        return;
    g_array_unref(c->hosts);
    g_array_unref(c->vms);
    g_free(c);
}

SovaCluster *sova_cluster_copy(const SovaCluster *c)
{
    SovaCluster *d = sova_cluster_new();
    d->now = c->now;
    memcpy(d->weights, c->weights, sizeof d->weights);
    g_array_set_size(d->hosts, c->hosts->len);
    g_array_set_size(d->vms, c->vms->len);
    for (guint i = 0; i < c->hosts->len; i++) {
        SovaClusterHost *h = sova_cluster_host(d, i);
        *h = *sova_cluster_host(c, i);
        h->name = g_strdup(h->name);
        h->nic_history = g_array_copy(h->nic_history);
    }
    for (guint i = 0; i < c->vms->len; i++) {
        SovaClusterVm *v = sova_cluster_vm(d, i);
        *v = *sova_cluster_vm(c, i);
        v->name = g_strdup(v->name);
        v->group = g_strdup(v->group);
        v->together = g_strdup(v->together);
        v->hosts = g_strdupv(v->hosts);
        v->conflict = g_strdup(v->conflict);
    }
    return d;
}

const char *sova_cluster_vm_cpu_source(const SovaClusterVm *v)
{
    return v->cpu_from_agent ? "agent" : "controller";
}

SovaClusterHost *sova_cluster_add_host(SovaCluster *c, const char *name)
{
    SovaClusterHost h = {
        .name = g_strdup(name),
        .up = TRUE,
        .nic_history = g_array_new(FALSE, FALSE, sizeof(double)),
    };
    g_array_append_val(c->hosts, h);
    return sova_cluster_host(c, c->hosts->len - 1);
}

SovaClusterVm *sova_cluster_add_vm(SovaCluster *c, const char *uuid, const char *name, int host)
{
    SovaClusterVm v = {
        .name = g_strdup(name),
        .host = host,
        .from_host = -1,
        .last_moved = -1,
        .failed_at = -1,
    };
    g_strlcpy(v.uuid, uuid, sizeof v.uuid);
    g_array_append_val(c->vms, v);
    return sova_cluster_vm(c, c->vms->len - 1);
}

SovaClusterHost *sova_cluster_host(const SovaCluster *c, guint i)
{
    return &g_array_index(c->hosts, SovaClusterHost, i);
}

SovaClusterVm *sova_cluster_vm(const SovaCluster *c, guint i)
{
    return &g_array_index(c->vms, SovaClusterVm, i);
}

int sova_cluster_find_vm(const SovaCluster *c, const char *uuid)
{
    for (guint i = 0; i < c->vms->len; i++)
        if (strcmp(sova_cluster_vm(c, i)->uuid, uuid) == 0)
            return (int)i;
    return -1;
}

int sova_cluster_find_host(const SovaCluster *c, const char *name)
{
    for (guint i = 0; i < c->hosts->len; i++)
        if (g_strcmp0(sova_cluster_host(c, i)->name, name) == 0)
            return (int)i;
    return -1;
}

double sova_cluster_host_capacity(const SovaClusterHost *h, SovaResource r)
{
    switch (r) {
    case SOVA_RES_CPU: return h->cpu_capacity;
    case SOVA_RES_MEM: return (double)h->memory_kib;
    case SOVA_RES_NET: return h->nic_capacity_Bps;
    case SOVA_RES_N: break;
    }
    return 0;
}

double sova_cluster_host_base(const SovaClusterHost *h, SovaResource r)
{
    return r == SOVA_RES_CPU ? h->cpu_other : r == SOVA_RES_NET ? h->net_other_Bps : 0;
}

double sova_cluster_vm_demand(const SovaClusterVm *v, SovaResource r)
{
    switch (r) {
    case SOVA_RES_CPU: return v->cpu;
    case SOVA_RES_MEM: return (double)v->memory_kib;
    case SOVA_RES_NET: return v->net_Bps;
    case SOVA_RES_N: break;
    }
    return 0;
}

double sova_cluster_host_load(const SovaCluster *c, guint host, SovaResource r)
{
    const SovaClusterHost *h = sova_cluster_host(c, host);
    double cap = sova_cluster_host_capacity(h, r), sum = sova_cluster_host_base(h, r);
    if (cap <= 0)
        return 0;
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if (v->host == (int)host)
            sum += sova_cluster_vm_demand(v, r);
    }
    return sum / cap;
}

double sova_cluster_score_of(const SovaCluster *c, const SovaClusterHost *h,
                             const double load[SOVA_RES_N])
{
    double s = 0, w = 0;
    for (int r = 0; r < SOVA_RES_N; r++) {
        if (sova_cluster_host_capacity(h, r) <= 0 || c->weights[r] <= 0)
            continue;
        s += c->weights[r] * load[r];
        w += c->weights[r];
    }
    return w > 0 ? s / w : 0;
}

double sova_cluster_host_score(const SovaCluster *c, guint host)
{
    double load[SOVA_RES_N];
    for (int r = 0; r < SOVA_RES_N; r++)
        load[r] = sova_cluster_host_load(c, host, r);
    return sova_cluster_score_of(c, sova_cluster_host(c, host), load);
}

gboolean sova_cluster_host_counted(const SovaClusterHost *h)
{
    return h->up && !h->excluded && !h->maintenance;
}

double *sova_cluster_loads(const SovaCluster *c, SovaResource r)
{
    double *sum = g_new0(double, c->hosts->len);
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if (v->host >= 0 && (guint)v->host < c->hosts->len)
            sum[v->host] += sova_cluster_vm_demand(v, r);
    }
    for (guint h = 0; h < c->hosts->len; h++) {
        const SovaClusterHost *host = sova_cluster_host(c, h);
        double cap = sova_cluster_host_capacity(host, r);
        sum[h] = cap > 0 ? (sum[h] + sova_cluster_host_base(host, r)) / cap : 0;
    }
    return sum;
}

/* TRUE when some counted host knows its capacity of r */
static gboolean measured(const SovaCluster *c, SovaResource r)
{
    for (guint h = 0; h < c->hosts->len; h++) {
        const SovaClusterHost *host = sova_cluster_host(c, h);
        if (sova_cluster_host_counted(host) && sova_cluster_host_capacity(host, r) > 0)
            return TRUE;
    }
    return FALSE;
}

double sova_cluster_imbalance_of(const SovaCluster *c, SovaResource r)
{
    g_autofree double *load = sova_cluster_loads(c, r);
    double s1 = 0, s2 = 0;
    guint n = 0;
    for (guint h = 0; h < c->hosts->len; h++) {
        if (!sova_cluster_host_counted(sova_cluster_host(c, h)))
            continue;
        s1 += load[h];
        s2 += load[h] * load[h];
        n++;
    }
    return sova_cluster_stddev(s1, s2, n);
}

double sova_cluster_stddev(double s1, double s2, guint n)
{
    if (n < 2)
        return 0;
    double mean = s1 / n, var = s2 / n - mean * mean;
    return var > 0 ? sqrt(var) : 0;
}

double sova_cluster_weight(const SovaCluster *c, SovaResource r)
{
    return c->weights[r] > 0 && measured(c, r) ? c->weights[r] : 0;
}

double sova_cluster_imbalance(const SovaCluster *c)
{
    double wmax = 0, m = 0;
    for (int r = 0; r < SOVA_RES_N; r++)
        wmax = MAX(wmax, sova_cluster_weight(c, r));
    for (int r = 0; r < SOVA_RES_N && wmax > 0; r++) {
        double wr = sova_cluster_weight(c, r);
        if (wr > 0)
            m = MAX(m, wr / wmax * sova_cluster_imbalance_of(c, r));
    }
    return m;
}

void sova_cluster_move(SovaCluster *c, guint v, guint h)
{
    SovaClusterVm *vm = sova_cluster_vm(c, v);
    if (vm->holds_vf) {
        if (vm->host >= 0 && (guint)vm->host < c->hosts->len) {
            SovaClusterHost *src = sova_cluster_host(c, vm->host);
            if (src->vf_in_use > 0)
                src->vf_in_use--;
        }
        vm->holds_vf = FALSE;
    }
    vm->host = (int)h;
}

guint sova_cluster_group_count(const SovaCluster *c, const char *group, guint h, int except_vm)
{
    guint n = 0;
    if (!group)
        return 0;
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if ((int)i != except_vm && v->host == (int)h && g_strcmp0(v->group, group) == 0)
            n++;
    }
    return n;
}

static void host_to_json(JsonBuilder *b, const SovaCluster *c, guint h, const double *load[],
                         guint n_vms)
{
    const SovaClusterHost *host = sova_cluster_host(c, h);
    double mine[SOVA_RES_N];
    for (int r = 0; r < SOVA_RES_N; r++)
        mine[r] = load[r][h];
    json_builder_begin_object(b);
    sova_json_string(b, "name", host->name);
    sova_json_bool(b, "up", host->up);
    sova_json_bool(b, "maintenance", host->maintenance);
    sova_json_bool(b, "excluded", host->excluded);
    sova_json_double(b, "cpu", load[SOVA_RES_CPU][h]);
    sova_json_double(b, "mem", load[SOVA_RES_MEM][h]);
    sova_json_double(b, "net", load[SOVA_RES_NET][h]);
    sova_json_double(b, "score", sova_cluster_score_of(c, host, mine));
    sova_json_int(b, "vfs", host->vf_pool);
    sova_json_int(b, "vf_in_use", host->vf_in_use);
    sova_json_int(b, "hot_samples", host->hot_samples);
    sova_json_int(b, "vms", n_vms);
    json_builder_end_object(b);
}

static void vm_to_json(JsonBuilder *b, const SovaCluster *c, const SovaClusterVm *v)
{
    gboolean known = v->host >= 0 && (guint)v->host < c->hosts->len;
    json_builder_begin_object(b);
    sova_json_string(b, "name", v->name);
    sova_json_string(b, "uuid", v->uuid);
    json_builder_set_member_name(b, "host");
    if (known)
        json_builder_add_string_value(b, sova_cluster_host(c, v->host)->name);
    else
        json_builder_add_null_value(b);
    sova_json_double(b, "cpu", v->cpu);
    sova_json_double(b, "cpu_unmet", v->cpu_unmet);
    sova_json_string(b, "cpu_source", sova_cluster_vm_cpu_source(v));
    sova_json_int(b, "memory_kib", (gint64)v->memory_kib);
    sova_json_double(b, "net_Bps", v->net_Bps);
    sova_json_bool(b, "holds_vf", v->holds_vf);
    sova_json_bool(b, "wants_vf", v->wants_vf);
    sova_json_bool(b, "unmet_vf", v->unmet_vf);
    if (v->vf_detaching)
        sova_json_bool(b, "vf_detaching", TRUE);
    sova_json_bool(b, "pinned", v->pinned);
    if (v->group)
        sova_json_string(b, "group", v->group);
    if (v->together)
        sova_json_string(b, "together", v->together);
    if (v->hosts) {
        g_autofree char *list = g_strjoinv(",", v->hosts);
        sova_json_string(b, "hosts", list);
    }
    if (v->migrate_manual)
        sova_json_bool(b, "migrate_manual", TRUE);
    if (v->conflict)
        sova_json_string(b, "conflict", v->conflict);
    sova_json_bool(b, "migrating", v->migrating);
    if (v->leaving)
        sova_json_bool(b, "leaving", TRUE);
    if (v->migrating && v->from_host >= 0 && (guint)v->from_host < c->hosts->len)
        sova_json_string(b, "from", sova_cluster_host(c, v->from_host)->name);
    json_builder_end_object(b);
}

JsonNode *sova_cluster_to_json(const SovaCluster *c)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree double *cpu = sova_cluster_loads(c, SOVA_RES_CPU);
    g_autofree double *mem = sova_cluster_loads(c, SOVA_RES_MEM);
    g_autofree double *net = sova_cluster_loads(c, SOVA_RES_NET);
    const double *load[SOVA_RES_N] = {cpu, mem, net};
    g_autofree guint *n_vms = g_new0(guint, c->hosts->len);
    for (guint i = 0; i < c->vms->len; i++) {
        int h = sova_cluster_vm(c, i)->host;
        if (h >= 0 && (guint)h < c->hosts->len)
            n_vms[h]++;
    }
    json_builder_begin_object(b);
    sova_json_double(b, "now", c->now);
    sova_json_double(b, "imbalance", sova_cluster_imbalance(c));
    json_builder_set_member_name(b, "hosts");
    json_builder_begin_array(b);
    for (guint h = 0; h < c->hosts->len; h++)
        host_to_json(b, c, h, load, n_vms[h]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "vms");
    json_builder_begin_array(b);
    for (guint i = 0; i < c->vms->len; i++)
        vm_to_json(b, c, sova_cluster_vm(c, i));
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
