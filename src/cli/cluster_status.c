/* cluster_status.c — `sova status --host URI …`: the cluster as the controller sees it
 * now — each host's load per resource, the imbalance — and what the controller would do
 * next and why. Samples `seconds` apart through the controller's own loop, as
 * `sova controller --once --dry-run` runs it (two, or three when the policy confirms
 * what it saw on a second sample), so what it shows is exactly what `sova controller`
 * would decide. It changes nothing. A host in maintenance shows how far its evacuation
 * is: the VMs still on it, those some controller is migrating away now (their leaving
 * mark), and those that may not move. Each VM's CPU is its demand and the part of it its
 * host left unmet (pCPUs), from its agent's fresh summary ("agent") or the controller's
 * own estimate ("ctl"; model/cluster_vm_cpu.h). */
#include "cli/cli.h"
#include "cli/cli_cluster.h"
#include "util/json.h"
#include <stdio.h>

typedef struct {
    SovaCluster *cluster;
    SovaPlan *plan;
} Seen;

static SovaPlan *plan_copy(const SovaPlan *p)
{
    SovaPlan *c = sova_plan_new();
    for (guint i = 0; i < sova_plan_len(p); i++) {
        const SovaAction *a = sova_plan_action(p, i);
        if (a->kind == SOVA_ACTION_MIGRATE)
            sova_plan_add_migrate(c, a->uuid, a->vm_name, a->from_host, a->from_host_name,
                                  a->to_host, a->to_host_name, a->gain, a->cost, "%s",
                                  a->reason ? a->reason : "");
    }
    sova_plan_set_reason(c, "%s", p->reason ? p->reason : "");
    c->spread_before = p->spread_before;
    c->spread_after = p->spread_after;
    return c;
}

static void observe(const SovaControllerInterval *iv, gpointer data)
{
    Seen *s = data;
    g_clear_pointer(&s->cluster, sova_cluster_free);
    g_clear_pointer(&s->plan, sova_plan_free);
    s->cluster = sova_cluster_copy(iv->cluster);
    s->plan = plan_copy(iv->plan);
}

static void pct(char *buf, gsize n, const SovaCluster *c, guint h, SovaResource r)
{
    if (sova_cluster_host_capacity(sova_cluster_host(c, h), r) <= 0)
        g_strlcpy(buf, "-", n);
    else
        g_snprintf(buf, n, "%.0f%%", sova_cluster_host_load(c, h, r) * 100);
}

static guint vms_on(const SovaCluster *c, guint h)
{
    guint n = 0;
    for (guint i = 0; i < c->vms->len; i++)
        n += sova_cluster_vm(c, i)->host == (int)h;
    return n;
}

static const char *host_state(const SovaClusterHost *h)
{
    return !h->up ? "down" : h->maintenance ? "maintenance" : h->excluded ? "excluded" : "up";
}

static void print_hosts(const SovaCluster *c)
{
    printf("host                 state        cpu    mem    net  score  VMs  VFs\n");
    for (guint i = 0; i < c->hosts->len; i++) {
        const SovaClusterHost *h = sova_cluster_host(c, i);
        char cpu[16], mem[16], net[16];
        pct(cpu, sizeof cpu, c, i, SOVA_RES_CPU);
        pct(mem, sizeof mem, c, i, SOVA_RES_MEM);
        pct(net, sizeof net, c, i, SOVA_RES_NET);
        printf("%-20s %-11s %5s %6s %6s  %5.2f %4u  %u/%u\n", h->name, host_state(h), cpu, mem,
               net, h->up ? sova_cluster_host_score(c, i) : 0.0, vms_on(c, i), h->vf_in_use,
               h->vf_pool);
    }
}

static void print_vms(const SovaCluster *c)
{
    printf("\n%-20s %-20s %5s %5s %-5s %7s %6s  notes\n", "VM", "host", "cpu", "unmet", "from",
           "memory", "net");
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        g_autoptr(GString) notes = g_string_new(NULL);
        if (v->migrating)
            g_string_append_printf(notes, " migrating from %s",
                                   v->from_host >= 0 ? sova_cluster_host(c, v->from_host)->name
                                                     : "?");
        if (v->leaving && !v->migrating)
            g_string_append(notes, " leaving");
        if (v->pinned)
            g_string_append(notes, " no-migrate");
        if (v->migrate_manual)
            g_string_append(notes, " migrate=manual");
        if (v->group)
            g_string_append_printf(notes, " group=%s", v->group);
        if (v->together)
            g_string_append_printf(notes, " together=%s", v->together);
        if (v->hosts) {
            g_autofree char *list = g_strjoinv(",", v->hosts);
            g_string_append_printf(notes, " hosts=%s", list);
        }
        if (v->conflict)
            g_string_append(notes, " rules-contradict");
        if (v->holds_vf)
            g_string_append(notes, " vf");
        if (v->unmet_vf)
            g_string_append(notes, " wants-vf(unmet)");
        printf("%-20s %-20s %5.2f %5.2f %-5s %6.0fM %5.1fM %s\n", v->name,
               v->host >= 0 ? sova_cluster_host(c, v->host)->name : "?", v->cpu, v->cpu_unmet,
               v->cpu_from_agent ? "agent" : "ctl", v->memory_kib / 1024.0, v->net_Bps / 1e6,
               notes->str);
    }
}

/* a maintenance host's evacuation: VMs left, migrating away now, not movable (names) */
typedef struct {
    guint left, leaving;
    GString *stuck;
} Evacuation;

static Evacuation evacuation_of(const SovaCluster *c, guint h)
{
    Evacuation e = { .stuck = g_string_new(NULL) };
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        gboolean here = v->host == (int)h || (v->migrating && v->from_host == (int)h);
        if (!here)
            continue;
        e.left++;
        e.leaving += v->leaving || v->migrating;
        if (v->pinned || v->conflict)
            g_string_append_printf(e.stuck, "%s%s (%s)", e.stuck->len ? ", " : "", v->name,
                                   v->pinned ? "may not migrate" : "contradictory rules");
    }
    return e;
}

static void print_maintenance(const SovaCluster *c)
{
    for (guint h = 0; h < c->hosts->len; h++) {
        const SovaClusterHost *host = sova_cluster_host(c, h);
        if (!host->maintenance)
            continue;
        Evacuation e = evacuation_of(c, h);
        if (!e.left)
            printf("\nmaintenance %s: empty, its evacuation is done\n", host->name);
        else
            printf("\nmaintenance %s: evacuating, %u VM(s) left to move, %u migrating away "
                   "now%s%s\n",
                   host->name, e.left, e.leaving, e.stuck->len ? "; may not move: " : "",
                   e.stuck->str);
        g_string_free(e.stuck, TRUE);
    }
}

static void maintenance_json(JsonBuilder *b, const SovaCluster *c)
{
    json_builder_set_member_name(b, "maintenance");
    json_builder_begin_array(b);
    for (guint h = 0; h < c->hosts->len; h++) {
        if (!sova_cluster_host(c, h)->maintenance)
            continue;
        Evacuation e = evacuation_of(c, h);
        json_builder_begin_object(b);
        sova_json_string(b, "host", sova_cluster_host(c, h)->name);
        sova_json_int(b, "left", e.left);
        sova_json_int(b, "leaving", e.leaving);
        sova_json_string(b, "may_not_move", e.stuck->str);
        json_builder_end_object(b);
        g_string_free(e.stuck, TRUE);
    }
    json_builder_end_array(b);
}

/* per-VM rules that contradict each other: not moved, and why (VM and rule named); keep-
 * together groups split across hosts that cannot be gathered, and why */
static void print_conflicts(const SovaCluster *c, const SovaClusterParams *p)
{
    gboolean first = TRUE;
    for (guint i = 0; i < c->vms->len; i++) {
        const SovaClusterVm *v = sova_cluster_vm(c, i);
        if (!v->conflict)
            continue;
        printf("%s  %s is not moved: %s\n", first ? "\ncontradictory rules:\n" : "", v->name,
               v->conflict);
        first = FALSE;
    }
    g_autoptr(GPtrArray) split = sova_cluster_ungathered(c, p);
    for (guint i = 0; split && i < split->len; i++)
        printf("%s  %s\n", i ? "" : "\nsplit keep-together groups:\n",
               (const char *)g_ptr_array_index(split, i));
}

static void print_text(const Seen *s, const char *policy, const SovaClusterParams *p)
{
    const SovaCluster *c = s->cluster;
    printf("cluster: %u hosts, %u VMs; imbalance %.3f (cpu %.3f, memory %.3f, network %.3f)\n\n",
           c->hosts->len, c->vms->len, sova_cluster_imbalance(c),
           sova_cluster_imbalance_of(c, SOVA_RES_CPU), sova_cluster_imbalance_of(c, SOVA_RES_MEM),
           sova_cluster_imbalance_of(c, SOVA_RES_NET));
    print_hosts(c);
    print_maintenance(c);
    print_vms(c);
    print_conflicts(c, p);
    printf("\nnext (policy %s): %s\n", policy,
           s->plan->reason && *s->plan->reason ? s->plan->reason : "nothing to do");
    for (guint i = 0; i < sova_plan_len(s->plan); i++) {
        g_autofree char *what = sova_action_describe(sova_plan_action(s->plan, i));
        printf("  would %s\n", what);
    }
}

static void print_json(const Seen *s, const char *policy)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    sova_json_string(b, "policy", policy);
    sova_json_double(b, "imbalance", sova_cluster_imbalance(s->cluster));
    json_builder_set_member_name(b, "cluster");
    json_builder_add_value(b, sova_cluster_to_json(s->cluster));
    maintenance_json(b, s->cluster);
    json_builder_set_member_name(b, "next");
    json_builder_add_value(b, sova_plan_to_json(s->plan));
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, TRUE);
    printf("%s\n", text);
}

int sova_cluster_status(const char *config, char **hosts, double seconds, gboolean json)
{
    SovaCliCluster cl = { 0 };
    if (!sova_cli_cluster_open(&cl, config, hosts, NULL)) {
        sova_cli_cluster_clear(&cl);
        return SOVA_EXIT_USAGE;
    }
    Seen seen = { 0 };
    SovaControllerOptions co;
    sova_ctl_config_options(cl.cfg, &co);
    co.dry_run = co.quiet = TRUE;
    co.interval = seconds;
    co.observer = observe;
    co.observer_data = &seen;
    const SovaClusterPolicy *policy = sova_cluster_policy_find(cl.cfg->policy);
    SovaController *c = sova_controller_new(cl.hosts, cl.n_hosts, policy, &co);
    g_autoptr(GError) err = NULL;
    sova_controller_run(c, TRUE, NULL, &err);
    int rc = SOVA_EXIT_OK;
    if (!seen.cluster) {
        g_printerr("sova: %s\n", err ? err->message : "no host could be read");
        rc = SOVA_EXIT_FAILURE;
    } else if (json) {
        print_json(&seen, policy->name);
    } else {
        print_text(&seen, policy->name, &co.params);
    }
    sova_controller_free(c);
    sova_cluster_free(seen.cluster);
    sova_plan_free(seen.plan);
    sova_cli_cluster_clear(&cl);
    return rc;
}
