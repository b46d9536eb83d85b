/* libvirt_domains.c — the host's running VMs, from ONE bulk stats call per sample.
 *
 * virConnectGetAllDomainStats gives every active VM's state, cpu.time, memory and
 * per-vCPU cumulative time and run-queue delay. What it lacks is affinity and the
 * pCPU a vCPU last ran on; those cost a call per VM, so:
 *   - affinity comes from the cache (libvirt_affinity.c), read with
 *     virDomainGetVcpuPinInfo only for new VMs, changed vCPU counts and refreshes;
 *   - the current pCPU is read (virDomainGetVcpus) only for VMs that have a vCPU
 *     allowed on more than one pCPU; a pinned vCPU is where its pin says.
 * Steady state with every vCPU pinned: no call per VM at all. With `cluster_reads` (the
 * controller) neither is read: no call per VM whatever the pins.
 * Drivers whose bulk stats carry no vcpu.N.time (the test driver), and VMs whose vCPU
 * ids have gaps (a disabled vCPU), cost one virDomainGetVcpus per VM per sample
 * instead, which gives times, pCPUs and affinity, each placed by its vCPU id.
 * The same call carries the interface counters (net.*): NICs are filled by
 * libvirt_nics.c, which reads a VM's XML only when the net plane is on and the VM is
 * new or changed.
 * A VM that vanishes before a follow-up call (VIR_ERR_NO_DOMAIN, not running) is
 * dropped from the snapshot; only a lost connection fails the sample. */
#include "backend/libvirt/libvirt_private.h"
#include <stdlib.h>
#include <string.h>

#define STATS_GROUPS (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | \
                      VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BALLOON | \
                      VIR_DOMAIN_STATS_INTERFACE)
#define STATS_FLAGS (VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE | \
                     VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT)
#define MAX_VCPUS_READ 16384   /* the remote protocol's limit for virDomainGetVcpus */

/* STEP_SKIP: the VM is left out of this sample but stays known (its XML is unreadable) */
typedef enum { STEP_OK, STEP_GONE, STEP_SKIP, STEP_FAILED } Step;

/* what the bulk stats said about one VM */
typedef struct {
    const virTypedParameter *params;
    int nparams;
    guint n_vcpus;
    gboolean has_vcpu_times;  /* vcpu.current and vcpu.N.time for each of them */
} Record;

static guint64 param_ull(const Record *r, const char *name, gboolean *found)
{
    unsigned long long v = 0;
    int rc = virTypedParamsGetULLong((virTypedParameterPtr)r->params, r->nparams, name, &v);
    if (found)
        *found = rc == 1;
    return rc == 1 ? v : 0;
}

static SovaVmState vm_state(const Record *r)
{
    int st = 0;   /* state.state is an int (a virDomainState) */
    if (virTypedParamsGetInt((virTypedParameterPtr)r->params, r->nparams, "state.state", &st) != 1)
        return SOVA_VM_OTHER;
    return st == VIR_DOMAIN_RUNNING ? SOVA_VM_RUNNING
         : st == VIR_DOMAIN_PAUSED  ? SOVA_VM_PAUSED
                                    : SOVA_VM_OTHER;
}

static void record_scan_vcpus(Record *r)
{
    unsigned int n = 0;
    r->has_vcpu_times = virTypedParamsGetUInt((virTypedParameterPtr)r->params, r->nparams,
                                              "vcpu.current", &n) == 1 && n > 0;
    r->n_vcpus = MIN(n, MAX_VCPUS_READ);
    for (guint i = 0; r->has_vcpu_times && i < r->n_vcpus; i++) {
        char name[VIR_TYPED_PARAM_FIELD_LENGTH];
        g_snprintf(name, sizeof name, "vcpu.%u.time", i);
        param_ull(r, name, &r->has_vcpu_times);
    }
}

static void fill_vcpu_times(const Record *r, SovaVmSample *vm)
{
    for (guint i = 0; i < r->n_vcpus; i++) {
        char name[VIR_TYPED_PARAM_FIELD_LENGTH];
        SovaVcpuSample *v = sova_vm_vcpu(vm, i);
        g_snprintf(name, sizeof name, "vcpu.%u.time", i);
        v->time_ns = param_ull(r, name, NULL);
        g_snprintf(name, sizeof name, "vcpu.%u.delay", i);
        v->delay_ns = param_ull(r, name, &v->has_delay);
    }
}

/* a failed follow-up call: the VM is gone, or the connection is (error set), or some
 * other refusal that costs the VM only this piece of information */
static Step follow_up_failed(SovaLibvirtBackend *lv, SovaVmSample *vm, const char *what,
                             GError **error)
{
    g_autoptr(GError) err = NULL;
    sova_lv_set_error(lv, &err, SOVA_ERROR_BACKEND, "%s of %s", what, vm->name);
    if (err->code == SOVA_ERROR_GONE) {
        sova_debug("libvirt: %s vanished during the sample (%s)", vm->name, err->message);
        return STEP_GONE;
    }
    if (err->code == SOVA_ERROR_CONNECT) {
        g_propagate_error(error, g_steal_pointer(&err));
        return STEP_FAILED;
    }
    sova_debug("libvirt: %s", err->message);
    return STEP_OK;
}

static Step read_pin_info(SovaLibvirtBackend *lv, SovaLvDomain *d, SovaVmSample *vm,
                          GError **error)
{
    guint n = vm->vcpus->len;
    int maplen = VIR_CPU_MAPLEN(lv->n_pcpus);
    g_autofree unsigned char *maps = g_malloc0((gsize)n * maplen);
    int got = SOVA_LV_CALL(lv, virDomainGetVcpuPinInfo(d->dom, (int)n, maps, maplen,
                                                       VIR_DOMAIN_AFFECT_LIVE));
    if (got < 0) {
        g_ptr_array_set_size(d->affinity, 0);
        return follow_up_failed(lv, vm, "reading vCPU pins", error);
    }
    sova_lv_domain_set_maps(lv, d, maps, MIN((guint)got, n), maplen, lv->n_pcpus);
    return STEP_OK;
}

/* affinity from the cache; a pinned vCPU runs where it is pinned. TRUE when some vCPU
 * may run on several pCPUs (or its affinity is unknown) */
static gboolean apply_affinity(const SovaLvDomain *d, SovaVmSample *vm)
{
    gboolean unpinned = FALSE;
    for (guint i = 0; i < vm->vcpus->len; i++) {
        SovaVcpuSample *v = sova_vm_vcpu(vm, i);
        const SovaCpuSet *aff = i < d->affinity->len ? g_ptr_array_index(d->affinity, i) : NULL;
        g_clear_pointer(&v->affinity, sova_cpuset_free);
        v->affinity = sova_cpuset_copy(aff);
        v->pcpu = sova_cpuset_only(aff);
        unpinned |= v->pcpu < 0;
    }
    return unpinned;
}

static Step read_current_pcpus(SovaLibvirtBackend *lv, SovaLvDomain *d, SovaVmSample *vm,
                               GError **error)
{
    guint n = vm->vcpus->len;
    g_autofree virVcpuInfo *info = g_new0(virVcpuInfo, n);
    int got = SOVA_LV_CALL(lv, virDomainGetVcpus(d->dom, info, (int)n, NULL, 0));
    if (got < 0)
        return follow_up_failed(lv, vm, "reading vCPU placement", error);
    for (int i = 0; i < got; i++) {
        guint idx = info[i].number < n ? info[i].number : (guint)i;
        SovaVcpuSample *v = sova_vm_vcpu(vm, idx);
        v->pcpu = info[i].cpu >= 0 && (guint)info[i].cpu < lv->n_pcpus ? info[i].cpu : -1;
    }
    return STEP_OK;
}

/* the bulk stats had per-vCPU times: affinity from the cache, pCPUs only if needed */
static Step sample_with_stats(SovaLibvirtBackend *lv, SovaLvDomain *d, const Record *r,
                              SovaVmSample *vm, GError **error)
{
    fill_vcpu_times(r, vm);
    if (lv->opts.cluster_reads)
        return STEP_OK;   /* the controller needs neither pins nor pCPUs */
    Step st = STEP_OK;
    if (sova_lv_domain_needs_affinity(lv, d, r->n_vcpus))
        st = read_pin_info(lv, d, vm, error);
    if (st != STEP_OK)
        return st;
    if (apply_affinity(d, vm))
        st = read_current_pcpus(lv, d, vm, error);
    return st;
}

/* virDomainGetVcpus with room for `max` vCPUs; the number read, or -1 */
static int get_vcpus_with_maps(SovaLibvirtBackend *lv, virDomainPtr dom, guint max, int maplen,
                               virVcpuInfo **info, unsigned char **maps)
{
    *info = g_new0(virVcpuInfo, max);
    *maps = g_malloc0((gsize)max * maplen);
    return SOVA_LV_CALL(lv, virDomainGetVcpus(dom, *info, (int)max, *maps, maplen));
}

/* the bulk stats lacked per-vCPU times: one virDomainGetVcpus gives times, pCPUs and
 * affinity. Sized from the cache, so one call in the steady state. */
static Step sample_fallback(SovaLibvirtBackend *lv, SovaLvDomain *d, SovaVmSample *vm,
                            GError **error)
{
    int maplen = VIR_CPU_MAPLEN(lv->n_pcpus);
    guint max = d->affinity->len ? d->affinity->len + 1 : 64;
    g_autofree virVcpuInfo *info = NULL;
    g_autofree unsigned char *maps = NULL;
    int got;
    for (;;) {
        g_clear_pointer(&info, g_free);
        g_clear_pointer(&maps, g_free);
        got = get_vcpus_with_maps(lv, d->dom, max, maplen, &info, &maps);
        if (got < (int)max || max >= MAX_VCPUS_READ)
            break;
        max = MIN(max * 2, MAX_VCPUS_READ);   /* filled up: there may be more */
    }
    if (got < 0) {
        Step st = follow_up_failed(lv, vm, "reading vCPUs", error);
        return st == STEP_OK ? STEP_GONE : st;   /* no vCPU data: leave the VM out */
    }
    sova_lv_vcpus_from_info(lv, d, vm, info, maps, got, maplen);
    return STEP_OK;
}

void sova_lv_vcpus_from_info(SovaLibvirtBackend *lv, SovaLvDomain *d, SovaVmSample *vm,
                             const virVcpuInfo *info, const unsigned char *maps, int got,
                             int maplen)
{
    guint n = 0;
    for (int i = 0; i < got; i++)
        if (info[i].number < MAX_VCPUS_READ)
            n = MAX(n, info[i].number + 1);
    /* the i-th map belongs to vCPU info[i].number: re-order them by id */
    g_autofree unsigned char *by_id = g_malloc0((gsize)MAX(n, 1) * maplen);
    for (int i = 0; i < got; i++)
        if (info[i].number < n)
            memcpy(VIR_GET_CPUMAP(by_id, maplen, info[i].number),
                   VIR_GET_CPUMAP(maps, maplen, i), maplen);
    sova_lv_domain_set_maps(lv, d, by_id, n, maplen, lv->n_pcpus);
    g_array_set_size(vm->vcpus, n);
    for (guint k = 0; k < n; k++) {   /* a disabled vCPU: no time, place, or affinity */
        SovaVcpuSample *v = sova_vm_vcpu(vm, k);
        g_clear_pointer(&v->affinity, sova_cpuset_free);
        *v = (SovaVcpuSample){.pcpu = -1};
    }
    for (int i = 0; i < got; i++) {
        if (info[i].number >= n)
            continue;
        SovaVcpuSample *v = sova_vm_vcpu(vm, info[i].number);
        v->time_ns = info[i].cpuTime;
        v->pcpu = info[i].cpu >= 0 && (guint)info[i].cpu < lv->n_pcpus ? info[i].cpu : -1;
        g_clear_pointer(&v->affinity, sova_cpuset_free);
        v->affinity = sova_cpuset_copy(g_ptr_array_index(d->affinity, info[i].number));
    }
}

/* NICs: counters from the record, identity from the XML cache */
static Step sample_nics(SovaLibvirtBackend *lv, SovaLvDomain *d, const Record *r,
                        SovaVmSample *vm, GError **error)
{
    g_autoptr(GError) err = NULL;
    if (sova_lv_nics_sample(lv, d, r->params, r->nparams, vm, &err))
        return STEP_OK;
    if (g_error_matches(err, SOVA_ERROR, SOVA_ERROR_GONE))
        return STEP_GONE;
    if (g_error_matches(err, SOVA_ERROR, SOVA_ERROR_CONNECT)) {
        g_propagate_error(error, g_steal_pointer(&err));
        return STEP_FAILED;
    }
    /* without its XML the VM's settings (net mode, migrate='no', group) are unknown: a
     * sample without them would silently drop them, so the VM is left out, this VM only */
    if (!d->xml_warned)
        sova_warn("libvirt: leaving VM %s out: %s", vm->name, err->message);
    d->xml_warned = TRUE;
    return STEP_SKIP;
}

static guint64 sum_vcpu_times(const SovaVmSample *vm)
{
    guint64 sum = 0;
    for (guint i = 0; i < vm->vcpus->len; i++)
        sum += sova_vm_vcpu(vm, i)->time_ns;
    return sum;
}

/* one stats record into s; FALSE only when the connection is lost */
static gboolean sample_domain(SovaLibvirtBackend *lv, SovaSnapshot *s, virDomainStatsRecordPtr rec,
                              GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(rec->dom, uuid) < 0)
        return TRUE;
    Record r = {rec->params, rec->nparams, 0, FALSE};
    record_scan_vcpus(&r);
    SovaLvDomain *d = sova_lv_domain_touch(lv, uuid, rec->dom);
    SovaVmSample *vm = sova_snapshot_add_vm(s, uuid, virDomainGetName(rec->dom), r.n_vcpus);
    vm->state = vm_state(&r);
    gboolean has_cpu_time, has_max;
    vm->cpu_time_ns = param_ull(&r, "cpu.time", &has_cpu_time);
    /* the configured maximum, not the balloon's current size (the guest's balloon driver
     * reports it); the net plane's XML read gives <memory> too (libvirt_meta.c) */
    vm->memory_kib = param_ull(&r, "balloon.maximum", &has_max);
    if (!has_max)
        vm->memory_kib = param_ull(&r, "balloon.current", NULL);
    Step st = r.has_vcpu_times ? sample_with_stats(lv, d, &r, vm, error)
                               : sample_fallback(lv, d, vm, error);
    if (st == STEP_OK && !has_cpu_time)
        vm->cpu_time_ns = sum_vcpu_times(vm);   /* best estimate: the vCPU threads' time */
    if (st == STEP_OK)
        st = sample_nics(lv, d, &r, vm, error);
    if (st == STEP_GONE)
        sova_lv_domain_forget(lv, uuid);
    if (st == STEP_GONE || st == STEP_SKIP)
        g_ptr_array_remove_fast(s->vms, vm);
    return st != STEP_FAILED;
}

gboolean sova_lv_domains_sample(SovaLibvirtBackend *lv, SovaSnapshot *s, GError **error)
{
    virDomainStatsRecordPtr *recs = NULL;
    int n = SOVA_LV_CALL(lv, virConnectGetAllDomainStats(lv->conn, STATS_GROUPS, &recs,
                                                         STATS_FLAGS));
    if (n < 0) {
        sova_lv_set_error(lv, error, SOVA_ERROR_BACKEND, "reading domain stats");
        return FALSE;
    }
    gboolean ok = TRUE;
    for (int i = 0; ok && i < n; i++)
        ok = sample_domain(lv, s, recs[i], error);
    virDomainStatsRecordListFree(recs);
    if (ok)
        sova_lv_domains_prune(lv);
    return ok;
}
