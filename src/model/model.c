/* model.c — rates, demand and per-pCPU load from two snapshots; see model.h.
 *
 * The arithmetic is deliberately simple and conservative: a counter that went
 * backwards (VM restarted, vCPU replugged) yields no rate rather than a huge one,
 * and every percentage is clamped to 0..100. */
#include "model/model.h"
#include "util/json.h"
#include <math.h>
#include <string.h>

static void vm_clear(gpointer p)
{
    g_free(((SovaVmLoad *)p)->name);
}

static void vcpu_clear(gpointer p)
{
    sova_cpuset_free(((SovaVcpuLoad *)p)->set);
}

SovaModel *sova_model_new(guint n_pcpus)
{
    SovaModel *m = g_new0(SovaModel, 1);
    m->interval_s = 1.0;
    m->n_pcpus = n_pcpus;
    m->stale_pcpu = -1;
    m->pcpus = g_array_sized_new(FALSE, TRUE, sizeof(SovaPcpuLoad), n_pcpus);
    g_array_set_size(m->pcpus, n_pcpus);
    for (guint i = 0; i < n_pcpus; i++) {
        SovaPcpuLoad *p = sova_model_pcpu(m, i);
        p->id = i;
        p->online = TRUE;
        p->socket = p->core = -1;
        p->cell = 0;
    }
    m->vms = g_array_new(FALSE, TRUE, sizeof(SovaVmLoad));
    g_array_set_clear_func(m->vms, vm_clear);
    m->vcpus = g_array_new(FALSE, TRUE, sizeof(SovaVcpuLoad));
    g_array_set_clear_func(m->vcpus, vcpu_clear);
    return m;
}

void sova_model_free(SovaModel *m)
{
    if (!m)
        return;
    g_array_unref(m->pcpus);
    g_array_unref(m->vms);
    g_array_unref(m->vcpus);
    g_free(m);
}

SovaPcpuLoad *sova_model_pcpu(const SovaModel *m, guint id)
{
    return &g_array_index(m->pcpus, SovaPcpuLoad, id);
}

SovaVcpuLoad *sova_model_vcpu(const SovaModel *m, guint i)
{
    return &g_array_index(m->vcpus, SovaVcpuLoad, i);
}

SovaVmLoad *sova_model_vm(const SovaModel *m, guint i)
{
    return &g_array_index(m->vms, SovaVmLoad, i);
}

gboolean sova_model_pcpu_usable(const SovaModel *m, guint id)
{
    if (id >= m->n_pcpus)
        return FALSE;
    const SovaPcpuLoad *p = sova_model_pcpu(m, id);
    return p->online && !p->reserved;
}

double sova_model_util_stddev(const SovaModel *m, double *mean_out)
{
    double sum = 0, sq = 0;
    guint n = 0;
    for (guint i = 0; i < m->n_pcpus; i++) {
        if (!sova_model_pcpu_usable(m, i))
            continue;
        double u = sova_model_pcpu(m, i)->util;
        sum += u;
        sq += u * u;
        n++;
    }
    double mean = n ? sum / n : 0;
    if (mean_out)
        *mean_out = mean;
    return n ? sqrt(MAX(0.0, sq / n - mean * mean)) : 0;
}

SovaVmLoad *sova_model_add_vm(SovaModel *m, const char *uuid, const char *name, guint n_vcpus)
{
    SovaVmLoad vm = { .cell = -1, .first_vcpu = m->vcpus->len, .n_vcpus = n_vcpus };
    g_strlcpy(vm.uuid, uuid, sizeof vm.uuid);
    vm.name = g_strdup(name);
    g_array_append_val(m->vms, vm);
    for (guint i = 0; i < n_vcpus; i++) {
        SovaVcpuLoad v = { .vm = m->vms->len - 1, .index = i, .pcpu = -1, .pinned = -1 };
        g_array_append_val(m->vcpus, v);
    }
    return sova_model_vm(m, m->vms->len - 1);
}

static double pct(guint64 part_ns, double interval_s)
{
    if (interval_s <= 0)
        return 0;
    return CLAMP((double)part_ns / (interval_s * 1e9) * 100.0, 0.0, 100.0);
}

static void build_pcpus(SovaModel *m, const SovaSnapshot *prev, const SovaSnapshot *cur,
                        const SovaModelParams *params)
{
    for (guint i = 0; i < cur->n_pcpus; i++) {
        const SovaPcpuSample *c = sova_snapshot_pcpu(cur, i);
        SovaPcpuLoad *p = sova_model_pcpu(m, i);
        p->online = c->online;
        p->reserved = params && sova_cpuset_has(params->reserved, i);
        p->socket = c->socket;
        p->core = c->core;
        p->cell = c->cell;
        if (i >= prev->n_pcpus)
            continue;
        const SovaPcpuSample *o = sova_snapshot_pcpu(prev, i);
        if (c->busy_ns < o->busy_ns || c->idle_ns < o->idle_ns)
            continue;   /* counters reset (host rebooted, cpu re-onlined): no rate */
        guint64 busy = c->busy_ns - o->busy_ns, total = busy + (c->idle_ns - o->idle_ns);
        p->util = total ? 100.0 * (double)busy / (double)total : 0;
    }
}

gboolean sova_model_manages(const SovaVmSample *vm, const char *const *exclude)
{
    return vm->state != SOVA_VM_OTHER && !vm->cpu_manual && !sova_vm_listed(vm, exclude);
}

static gint vm_order(gconstpointer a, gconstpointer b)
{
    const SovaVmSample *x = *(SovaVmSample *const *)a, *y = *(SovaVmSample *const *)b;
    int c = g_strcmp0(x->name, y->name);
    return c ? c : strcmp(x->uuid, y->uuid);
}

/* where the previous model's vCPU i of VM `uuid` is, for the EWMA; NULL if none */
static const SovaVcpuLoad *last_vcpu(const SovaModel *last, GHashTable *last_vms,
                                     const char *uuid, guint i)
{
    if (!last)
        return NULL;
    const SovaVmLoad *lv = g_hash_table_lookup(last_vms, uuid);
    if (!lv || i >= lv->n_vcpus)
        return NULL;
    const SovaVcpuLoad *v = sova_model_vcpu(last, lv->first_vcpu + i);
    return v->fresh ? NULL : v;
}

/* does `set` allow exactly the usable pCPUs (and no other existing one)? */
static gboolean is_usable_set(const SovaModel *m, const SovaCpuSet *set)
{
    if (!set)
        return FALSE;
    for (guint p = 0; p < m->n_pcpus; p++)
        if (sova_cpuset_has(set, p) != sova_model_pcpu_usable(m, p))
            return FALSE;
    return TRUE;
}

static void build_vcpu(SovaModel *m, SovaVcpuLoad *v, const SovaVcpuSample *c,
                       const SovaVcpuSample *o, const SovaVcpuLoad *lastv, double alpha)
{
    v->pinned = sova_cpuset_only(c->affinity);
    v->shared = v->pinned < 0 && is_usable_set(m, c->affinity);
    if (v->pinned < 0 && c->affinity && sova_cpuset_count(c->affinity) >= 2)
        v->set = sova_cpuset_copy(c->affinity);
    v->pcpu = v->pinned >= 0 ? v->pinned : c->pcpu;
    if (v->pcpu >= (int)m->n_pcpus)
        v->pcpu = -1;
    if (!o || c->time_ns < o->time_ns ||
        (c->has_delay && o->has_delay && c->delay_ns < o->delay_ns)) {
        v->fresh = TRUE;
        return;
    }
    v->usage = pct(c->time_ns - o->time_ns, m->interval_s);
    if (c->has_delay && o->has_delay)
        v->delay = pct(c->delay_ns - o->delay_ns, m->interval_s);
    double raw = MIN(100.0, v->usage + v->delay);
    v->demand = lastv ? alpha * raw + (1 - alpha) * lastv->demand : raw;
    if (v->pcpu >= 0 && !(v->set && !v->shared))   /* a pin set's members: spread_sets() */
        sova_model_pcpu(m, v->pcpu)->vcpu_util += v->usage;
    if (v->pinned >= 0 && v->pinned == v->pcpu)
        sova_model_pcpu(m, v->pcpu)->pinned_util += v->usage;
}

static gint by_size(gconstpointer a, gconstpointer b)
{
    guint x = sova_cpuset_count(*(SovaCpuSet *const *)a),
          y = sova_cpuset_count(*(SovaCpuSet *const *)b);
    return (x > y) - (x < y);
}

/* The vCPUs whose affinity allows several pCPUs (a shared set, or unpinned) ran on all of
 * them in turn, faster than samples say: where one last ran is no measure of where its time
 * went. Their time is spread over the online pCPUs of their set in proportion to each one's
 * busy time not yet attributed, smaller sets first (their members could run nowhere else),
 * so a pCPU's `other` is the non-VM load the set's pCPUs carry, shared in that proportion,
 * never a member's time credited to the pCPU it happened to leave last (which read up to
 * 27 points of load where there was none, issue 18's set-grows-shrinks). */
static void spread_sets(SovaModel *m)
{
    g_autoptr(GPtrArray) sets = g_ptr_array_new();
    for (guint v = 0; v < m->vcpus->len; v++) {
        const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
        SovaCpuSet *set = vc->shared ? NULL : vc->set;
        gboolean seen = FALSE;
        for (guint i = 0; set && !seen && i < sets->len; i++)
            seen = sova_cpuset_equal(g_ptr_array_index(sets, i), set);
        if (set && !seen)
            g_ptr_array_add(sets, set);
    }
    g_ptr_array_sort(sets, by_size);
    for (guint i = 0; i < sets->len; i++) {
        const SovaCpuSet *set = g_ptr_array_index(sets, i);
        double ran = 0, room = 0;
        guint n = 0;
        for (guint v = 0; v < m->vcpus->len; v++) {
            const SovaVcpuLoad *vc = sova_model_vcpu(m, v);
            if (vc->set && !vc->shared && sova_cpuset_equal(vc->set, set))
                ran += vc->usage;
        }
        for (guint p = 0; p < m->n_pcpus; p++)
            if (sova_cpuset_has(set, p) && sova_model_pcpu(m, p)->online) {
                const SovaPcpuLoad *pc = sova_model_pcpu(m, p);
                room += MAX(0.0, pc->util - pc->vcpu_util);
                n++;
            }
        for (guint p = 0; p < m->n_pcpus; p++)
            if (sova_cpuset_has(set, p) && sova_model_pcpu(m, p)->online) {
                SovaPcpuLoad *pc = sova_model_pcpu(m, p);
                double free = MAX(0.0, pc->util - pc->vcpu_util);
                pc->vcpu_util += room > 0 ? ran * free / room : ran / n;
            }
    }
}

/* the NUMA cell most of the VM's vCPUs are attributed to (lowest id on a tie) */
static int vm_cell(const SovaModel *m, const SovaVmLoad *vm)
{
    g_autofree guint *count = NULL;
    int best = -1, max_cell = -1;
    for (guint i = 0; i < m->n_pcpus; i++)
        max_cell = MAX(max_cell, sova_model_pcpu(m, i)->cell);
    if (max_cell < 0)
        return -1;
    count = g_new0(guint, max_cell + 1);
    for (guint i = 0; i < vm->n_vcpus; i++) {
        int p = sova_model_vcpu(m, vm->first_vcpu + i)->pcpu;
        int cell = p >= 0 ? sova_model_pcpu(m, p)->cell : -1;
        if (cell >= 0)
            count[cell]++;
    }
    for (int c = 0; c <= max_cell; c++)
        if (count[c] && (best < 0 || count[c] > count[best]))
            best = c;
    return best;
}

SovaModel *sova_model_build(const SovaSnapshot *prev, const SovaSnapshot *cur,
                            const SovaModel *last, const SovaModelParams *params)
{
    SovaModel *m = sova_model_new(cur->n_pcpus);
    double alpha = params && params->ewma_alpha > 0 ? MIN(params->ewma_alpha, 1.0) : 1.0;
    m->interval_s = (double)(cur->time_us - prev->time_us) / 1e6;
    m->placement_cached = cur->placement_cached;
    build_pcpus(m, prev, cur, params);

    g_autoptr(GHashTable) last_vms = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; last && i < last->vms->len; i++)
        g_hash_table_insert(last_vms, sova_model_vm(last, i)->uuid, sova_model_vm(last, i));
    g_autoptr(GHashTable) prev_vms = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < prev->vms->len; i++) {
        SovaVmSample *vm = g_ptr_array_index(prev->vms, i);
        g_hash_table_insert(prev_vms, vm->uuid, vm);
    }

    g_autoptr(GPtrArray) order = g_ptr_array_copy(cur->vms, NULL, NULL);
    g_ptr_array_set_free_func(order, NULL);   /* the copy inherits it; cur owns the VMs */
    g_ptr_array_sort(order, vm_order);
    for (guint i = 0; i < order->len; i++) {
        const SovaVmSample *vm = g_ptr_array_index(order, i);
        if (!sova_model_manages(vm, params ? params->exclude : NULL))
            continue;
        const SovaVmSample *pv = g_hash_table_lookup(prev_vms, vm->uuid);
        gboolean restarted = pv && pv->cpu_time_ns > vm->cpu_time_ns;
        SovaVmLoad *vl = sova_model_add_vm(m, vm->uuid, vm->name, vm->vcpus->len);
        vl->leaving = vm->leaving;
        for (guint k = 0; k < vm->vcpus->len; k++) {
            const SovaVcpuSample *o = pv && !restarted && k < pv->vcpus->len ? sova_vm_vcpu(pv, k)
                                                                             : NULL;
            build_vcpu(m, sova_model_vcpu(m, vl->first_vcpu + k), sova_vm_vcpu(vm, k), o,
                       last_vcpu(last, last_vms, vm->uuid, k), alpha);
        }
        vl->cell = vm_cell(m, vl);
    }
    spread_sets(m);
    for (guint i = 0; i < m->n_pcpus; i++) {
        SovaPcpuLoad *p = sova_model_pcpu(m, i);
        p->other = MAX(0.0, p->util - p->vcpu_util);
        /* vCPUs pinned to a pCPU cannot run more than it was busy: if they did, the
         * pins we were told about are not where the vCPUs really are */
        if (m->stale_pcpu < 0 && p->online && p->pinned_util > p->util + SOVA_MODEL_STALE_SLACK)
            m->stale_pcpu = (int)i;
    }
    return m;
}

void sova_model_pcpus_to_json(const SovaModel *m, JsonBuilder *b)
{
    json_builder_set_member_name(b, "pcpus");
    json_builder_begin_array(b);
    for (guint i = 0; i < m->n_pcpus; i++) {
        const SovaPcpuLoad *p = sova_model_pcpu(m, i);
        json_builder_begin_object(b);
        sova_json_int(b, "id", p->id);
        sova_json_bool(b, "online", p->online);
        sova_json_bool(b, "reserved", p->reserved);
        sova_json_int(b, "cell", p->cell);
        sova_json_int(b, "socket", p->socket);
        sova_json_int(b, "core", p->core);
        sova_json_double(b, "util", p->util);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}
