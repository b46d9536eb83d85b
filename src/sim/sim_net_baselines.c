/* sim_net_baselines.c — the two baselines the net plane is judged against in `sova sim`
 * and the net benchmark: static first-come (the first VMs with traffic keep the VFs) and
 * the clairvoyant optimum (before each interval the VFs go to the VMs that gain most in
 * it); see sim_net_baselines.h. Both act through the backend like the agent does. */
#include "sim/sim_net_baselines.h"
#include "backend/sim/sim_backend.h"

static void vf_action(SovaBackend *be, const SovaSimScenario *sc, guint m, SovaActionKind kind,
                      const char *why)
{
    const SovaSimVmSpec *spec = g_ptr_array_index(sc->vms, m);
    g_autoptr(SovaPlan) plan = sova_plan_new();
    sova_plan_add_vf(plan, kind, sova_sim_backend_vm_uuid(be, m), spec->name, "%s", why);
    g_autoptr(GError) err = NULL;
    sova_backend_execute(be, sova_plan_action(plan, 0), &err);   /* counted when refused */
}

void sova_sim_net_static_first_come(SovaBackend *be, const SovaSimScenario *sc)
{
    guint given = 0;
    for (guint m = 0; m < sc->vms->len && given < sova_sim_scenario_host(sc, 0)->nic.vfs; m++)
        if (((const SovaSimVmSpec *)g_ptr_array_index(sc->vms, m))->net_demand) {
            vf_action(be, sc, m, SOVA_ACTION_ATTACH_VF, "static first-come");
            given++;
        }
}

typedef struct {
    guint vm;
    double gain;
    double rank;              /* gain, a holder's raised by the margin */
    gboolean holds;
} Gain;

static gint by_gain(gconstpointer a, gconstpointer b)
{
    const Gain *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    if (x->holds != y->holds)
        return x->holds ? -1 : 1;
    return (x->vm > y->vm) - (x->vm < y->vm);
}

/* the holder outside the chosen set with the least gain, or NULL */
static Gain *victim(GArray *g, guint chosen)
{
    for (guint i = g->len; i-- > chosen;)
        if (g_array_index(g, Gain, i).holds)
            return &g_array_index(g, Gain, i);
    return NULL;
}

/* the VFs to the `vfs` VMs that gain most from one over the next `seconds`; a holder keeps
 * its VF unless a VM gains more than (1 + margin) times as much */
void sova_sim_net_oracle_step(SovaBackend *be, const SovaSimScenario *sc, double seconds,
                              double margin)
{
    guint n = sc->vms->len;
    g_autofree double *gain = g_new0(double, n);
    sova_sim_backend_net_gain_ahead(be, seconds, gain);
    g_autoptr(GArray) g = g_array_sized_new(FALSE, FALSE, sizeof(Gain), n);
    for (guint m = 0; m < n; m++) {
        SovaSimNetTruth t;
        sova_sim_backend_net_truth(be, m, &t);
        double rank = t.holds_vf ? gain[m] * (1 + margin) : gain[m];
        g_array_append_val(g, ((Gain){ m, gain[m], rank, t.holds_vf }));
    }
    g_array_sort(g, by_gain);
    guint chosen = 0;
    while (chosen < MIN(sova_sim_scenario_host(sc, 0)->nic.vfs, n) &&
           g_array_index(g, Gain, chosen).gain > 0)
        chosen++;
    for (guint i = 0; i < chosen; i++) {
        Gain *e = &g_array_index(g, Gain, i);
        if (e->holds)
            continue;
        if (sova_sim_backend_vfs_in_use(be) >= sova_sim_scenario_host(sc, 0)->nic.vfs) {
            Gain *v = victim(g, chosen);
            if (!v)
                break;
            vf_action(be, sc, v->vm, SOVA_ACTION_DETACH_VF, "oracle: needed elsewhere");
            v->holds = FALSE;
        }
        vf_action(be, sc, e->vm, SOVA_ACTION_ATTACH_VF, "oracle: gains most next interval");
        e->holds = TRUE;
    }
}
