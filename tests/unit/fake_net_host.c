/* fake_net_host.c — the net-policy tests' fake host; see fake_net_host.h. */
#include "fake_net_host.h"
#include <string.h>

void fake_init_seed(Fake *f, const SovaNetPolicy *pol, guint pool, double noise, guint32 seed)
{
    memset(f, 0, sizeof *f);
    f->pol = pol;
    f->p = SOVA_NET_PARAMS_DEFAULT;
    f->p.pool_size = pool;
    f->noise = noise;
    f->rand = g_rand_new_with_seed(seed);
    f->st = sova_net_state_new();
}

void fake_init(Fake *f, const SovaNetPolicy *pol, guint pool, double noise)
{
    fake_init_seed(f, pol, pool, noise, 4242);
}

FakeVm *fake_add(Fake *f, const char *name, double mean_pps)
{
    FakeVm *v = &f->vms[f->n++];
    g_strlcpy(v->name, name, sizeof v->name);
    g_snprintf(v->uuid, sizeof v->uuid, "00000000-0000-0000-0000-%012u", f->n);
    v->mean_pps = mean_pps;
    v->attach_ticks = g_array_new(FALSE, FALSE, sizeof(guint));
    return v;
}

void fake_clear(Fake *f)
{
    for (guint i = 0; i < f->n; i++)
        g_array_unref(f->vms[i].attach_ticks);
    g_rand_free(f->rand);
    sova_snapshot_free(f->prev);
    sova_net_model_free(f->last);
    sova_net_state_free(f->st);
}

static SovaSnapshot *fake_snapshot(Fake *f)
{
    SovaSnapshot *s = sova_snapshot_new(1);
    s->time_us = (gint64)(f->t * 1e6);
    for (guint i = 0; i < f->n; i++) {
        FakeVm *v = &f->vms[i];
        SovaVmSample *vm = sova_snapshot_add_vm(s, v->uuid, v->name, 1);
        g_autofree char *mac = g_strdup_printf("52:54:00:00:00:%02x", i);
        SovaNicSample *sb = sova_vm_add_nic(vm, "ua-sova-net0", mac, "vnet0", SOVA_NIC_STANDBY);
        sb->rx_packets = v->sb_pkts;
        sb->rx_drops = f->no_drops ? 0 : v->sb_drops;
        if (v->vf && f->pf_period) {
            SovaNicSample *vf = sova_vm_add_nic(vm, "ua-sova-vf0", mac, NULL, SOVA_NIC_VF);
            vf->from_pf = TRUE;
            vf->rx_packets = v->vf_shown;
        } else if (v->vf)
            sova_vm_add_nic(vm, "ua-sova-vf0", mac, "vnet9", SOVA_NIC_VF)->rx_packets = v->vf_pkts;
    }
    return s;
}

static void fake_apply(Fake *f, const SovaPlan *plan)
{
    for (guint a = 0; a < sova_plan_len(plan); a++) {
        const SovaAction *act = sova_plan_action(plan, a);
        for (guint i = 0; i < f->n; i++) {
            FakeVm *v = &f->vms[i];
            if (strcmp(v->uuid, act->uuid) != 0)
                continue;
            if (act->kind == SOVA_ACTION_DETACH_VF) {
                v->vf = FALSE;
                v->detaches++;
            } else {
                g_array_append_val(v->attach_ticks, f->tick);
                if (v->fail_attach) {
                    sova_net_state_attach_failed(f->st, v->uuid);
                    continue;
                }
                v->vf = TRUE;
                v->vf_pkts = v->vf_shown = 0;   /* a new device */
                /* the guest is on its VF from the interval after next: hotplug, its
                 * driver and its bond's failover take a while (the simulator's
                 * vf-attach-latency, 2 s). A VF on at once would put the next interval's
                 * traffic on it while a PF still shows the refresh before the attach:
                 * its first reading would span two intervals, taken as one (twice the
                 * load) */
                v->vf_from = f->tick + 2;
                v->attaches++;
            }
        }
    }
}

/* one interval: traffic, sample, model, plan, apply; returns the number of actions */
guint fake_step(Fake *f)
{
    f->t += 1;
    f->tick++;
    for (guint i = 0; i < f->n; i++) {
        FakeVm *v = &f->vms[i];
        double pps = MAX(v->mean_pps * (1 + f->noise * g_rand_double_range(f->rand, -1, 1)), 0);
        if (v->vf && f->tick >= v->vf_from) {
            v->vf_pkts += (guint64)pps;
            if (!f->pf_period || f->tick % f->pf_period == 1 % f->pf_period)
                v->vf_shown = v->vf_pkts;
            continue;
        }
        double carried = f->cap > 0 ? MIN(pps, f->cap) : pps;
        v->sb_pkts += (guint64)carried;
        v->sb_drops += (guint64)(pps - carried);
    }
    SovaSnapshot *cur = fake_snapshot(f);
    SovaNetModelParams mp = {.ewma_alpha = 0.5};
    SovaNetModel *m = sova_net_model_build(f->prev, cur, f->last, &mp);
    g_autoptr(SovaPlan) plan = f->pol->plan(m, &f->p, f->st, NULL);
    fake_apply(f, plan);
    sova_snapshot_free(f->prev);
    sova_net_model_free(f->last);
    f->prev = cur;
    f->last = m;
    return sova_plan_len(plan);
}

guint fake_run(Fake *f, guint intervals)
{
    guint actions = 0;
    for (guint i = 0; i < intervals; i++)
        actions += fake_step(f);
    return actions;
}
