/* cluster_fixtures.c — building clusters and applying plans for the cluster-policy tests;
 * see cluster_fixtures.h. */
#include "cluster_fixtures.h"
#include "policy/cluster_sova.h"
#include <math.h>
#include <string.h>

SovaCluster *cluster(guint n_hosts)
{
    SovaCluster *c = sova_cluster_new();
    c->now = 10000;
    for (guint i = 0; i < n_hosts; i++) {
        g_autofree char *name = g_strdup_printf("h%u", i);
        SovaClusterHost *h = sova_cluster_add_host(c, name);
        h->cpu_capacity = 16;
        h->memory_kib = (guint64)(64 * GIB_KIB);
        h->nic_capacity_Bps = NIC_BPS;
    }
    return c;
}

SovaClusterVm *vm(SovaCluster *c, const char *name, int h, double cpu, double mem_gib,
                  double net)
{
    g_autofree char *uuid = g_strdup_printf("00000000-0000-0000-0000-%012x", g_str_hash(name));
    SovaClusterVm *v = sova_cluster_add_vm(c, uuid, name, h);
    v->cpu = cpu;
    v->n_vcpus = (guint)ceil(cpu);
    v->memory_kib = (guint64)(mem_gib * GIB_KIB);
    v->net_Bps = net;
    return v;
}

void vmf(SovaCluster *c, int h, double cpu, double mem_gib)
{
    g_autofree char *name = g_strdup_printf("vm%u", c->vms->len);
    vm(c, name, h, cpu, mem_gib, 0);
}

/* n hosts with `per` VMs each of random size, plus `hot` extra VMs on host 0 */
SovaCluster *random_cluster(guint n, guint per, guint hot, guint32 seed)
{
    SovaCluster *c = cluster(n);
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    for (guint h = 0; h < n; h++)
        for (guint i = 0; i < per + (h == 0 ? hot : 0); i++) {
            g_autofree char *name = g_strdup_printf("vm%u", c->vms->len);
            vm(c, name, (int)h, g_rand_double_range(r, 0.2, 1.5),
               g_rand_double_range(r, 0.5, 3.0), g_rand_double_range(r, 0, 20e6));
        }
    return c;
}

SovaClusterParams params(void)
{
    return SOVA_CLUSTER_PARAMS_DEFAULT;
}

const SovaClusterPolicy *policy(const char *name)
{
    const SovaClusterPolicy *p = sova_cluster_policy_find(name);
    g_assert_nonnull(p);
    return p;
}

gpointer learnt_state(const SovaCluster *c, double sigma)
{
    SovaState *st = policy("sova")->state_new();
    st->learnt = TRUE;
    st->sigma2 = sigma * sigma;
    st->n_hosts = c->hosts->len;
    st->unmet = g_new0(double, st->n_hosts);
    st->moving = g_new0(gboolean, st->n_hosts);
    st->over_run = g_new0(guint, st->n_hosts);
    st->relieving = g_new0(guint8, st->n_hosts);
    return st;
}

SovaPlan *plan_with(const char *name, const SovaCluster *c, const SovaClusterParams *p)
{
    return policy(name)->plan(c, p, NULL);
}

int vm_of(const SovaCluster *c, const SovaAction *a)
{
    int v = sova_cluster_find_vm(c, a->uuid);
    g_assert_cmpint(v, >=, 0);
    return v;
}

/* the controller after the migrations finished: VMs moved, last_moved = now; a VM that
 * wants a VF gets a free one on arrival (the host agent there), else its demand is unmet */
void apply(SovaCluster *c, const SovaPlan *plan)
{
    for (guint i = 0; i < sova_plan_len(plan); i++) {
        const SovaAction *a = sova_plan_action(plan, i);
        int v = vm_of(c, a);
        SovaClusterVm *m = sova_cluster_vm(c, v);
        g_assert_cmpint(a->kind, ==, SOVA_ACTION_MIGRATE);
        g_assert_cmpint(a->from_host, ==, m->host);
        g_assert_cmpint(a->to_host, !=, a->from_host);
        sova_cluster_move(c, v, a->to_host);
        m->last_moved = c->now;
        SovaClusterHost *h = sova_cluster_host(c, a->to_host);
        if (m->wants_vf) {
            m->holds_vf = h->vf_in_use < h->vf_pool;
            h->vf_in_use += m->holds_vf;
            m->unmet_vf = !m->holds_vf;
        }
    }
}

/* every counted host is within 1 - headroom on every resource it measures */
void assert_within_capacity(const SovaCluster *c, const SovaClusterParams *p,
                            const gboolean *was_over)
{
    for (guint h = 0; h < c->hosts->len; h++)
        for (int r = 0; r < SOVA_RES_N; r++)
            if (!was_over[h * SOVA_RES_N + r])
                g_assert_cmpfloat(sova_cluster_host_load(c, h, r), <=, 1 - p->headroom + 1e-9);
}

void assert_hard_rules(const char *name, SovaCluster *c, const SovaClusterParams *p,
                       guint maint, int rounds)
{
    g_autofree gboolean *over = overfull(c, p);
    for (int round = 0; round < rounds; round++) {
        g_autoptr(SovaPlan) plan = plan_with(name, c, p);
        for (guint i = 0; i < sova_plan_len(plan); i++) {
            const SovaAction *a = sova_plan_action(plan, i);
            g_assert_false(sova_cluster_vm(c, vm_of(c, a))->pinned);
            g_assert_cmpint(a->to_host, !=, (int)maint);
        }
        apply(c, plan);
        assert_within_capacity(c, p, over);
    }
    for (guint v = 0; v < c->vms->len; v++)
        if (sova_cluster_vm(c, v)->host == (int)maint)
            g_assert_true(sova_cluster_vm(c, v)->pinned);
}

gboolean *overfull(const SovaCluster *c, const SovaClusterParams *p)
{
    gboolean *o = g_new0(gboolean, c->hosts->len * SOVA_RES_N);
    for (guint h = 0; h < c->hosts->len; h++)
        for (int r = 0; r < SOVA_RES_N; r++)
            o[h * SOVA_RES_N + r] = sova_cluster_host_load(c, h, r) > 1 - p->headroom;
    return o;
}

const SovaAction *action_for(const SovaPlan *plan, const char *name)
{
    for (guint i = 0; i < sova_plan_len(plan); i++)
        if (strcmp(sova_plan_action(plan, i)->vm_name, name) == 0)
            return sova_plan_action(plan, i);
    return NULL;
}

void nic_history(SovaCluster *c, guint h, const double *u, guint n)
{
    GArray *a = sova_cluster_host(c, h)->nic_history;
    g_array_set_size(a, 0);
    g_array_append_vals(a, u, n);
}

static double overflow(double load, double sigma)
{
    if (sigma <= 0)
        return MAX(0.0, load - 1);
    double z = (1 - load) / sigma;
    return MAX(0.0, sigma * exp(-z * z / 2) / sqrt(2 * G_PI) + (load - 1) * 0.5 * erfc(z / sqrt(2)));
}

double unmet(const SovaCluster *c)
{
    double u = 0;
    for (guint h = 0; h < c->hosts->len; h++)
        u += overflow(sova_cluster_host_load(c, h, SOVA_RES_CPU), 0.05) +
             overflow(sova_cluster_host_load(c, h, SOVA_RES_MEM), 0) +
             overflow(sova_cluster_host_load(c, h, SOVA_RES_NET), 0.15);
    return u;
}

double max_cpu_load(const SovaCluster *c)
{
    double m = 0;
    for (guint h = 0; h < c->hosts->len; h++)
        m = MAX(m, sova_cluster_host_load(c, h, SOVA_RES_CPU));
    return m;
}

char **names_of_policies(void)
{
    return g_strsplit(sova_cluster_policy_list(), ", ", -1);
}

SovaClusterParams roomy(void)
{
    SovaClusterParams p = params();
    p.max_total = 20;
    p.max_per_host = 20;
    return p;
}

SovaClusterVm *together(SovaClusterVm *v, const char *name)
{
    g_free(v->together);
    v->together = g_strdup(name);
    return v;
}
