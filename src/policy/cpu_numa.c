/* cpu_numa.c — whole VMs out of an overloaded NUMA cell into one with room, fewest vCPUs
 * first; see cpu_numa.h. */
#include "policy/cpu_numa.h"

#define NUMA_OVER(b) ((b)->tau + 10.0)

/* per cell index: load less capacity (positive: over) */
static void cell_over(const Balancer *b, double *over)
{
    for (guint c = 0; c < b->n_cells; c++)
        over[c] = 0;
    for (guint k = 0; k < b->n_usable; k++)
        over[b->pcell[b->usable[k]]] += b->load[b->usable[k]] - 100.0;
}

/* the VM's demand and vCPU count when all its placed vCPUs are in cell c and movable; -1 */
static double vm_in_cell(const Balancer *b, guint vm, int c, guint *n)
{
    const SovaVmLoad *vl = sova_model_vm(b->m, vm);
    double sum = 0;
    *n = 0;
    for (guint i = 0; i < vl->n_vcpus; i++) {
        guint v = vl->first_vcpu + i;
        if (b->waits[v])
            continue;
        if (b->to[v] < 0 || b->pcell[b->to[v]] != c || !(b->loose[v] || b->move_managed))
            return -1;
        sum += dem(b, v);
        (*n)++;
    }
    return *n ? sum : -1;
}

/* the VM of cell c to move into `room` to cut `excess` (see cpu_numa.h), or -1 */
static int pick(const Balancer *b, int c, double excess, double room)
{
    int cover = -1, fit = -1;
    guint cover_n = 0, fit_n = 0;
    double cover_x = 0, fit_x = 0;
    for (guint vm = 0; vm < b->m->vms->len; vm++) {
        guint n;
        double x = vm_in_cell(b, vm, c, &n);
        if (x < NUMA_OVER(b) || x > room)
            continue;
        if (x >= excess && (cover < 0 || n < cover_n || (n == cover_n && x < cover_x)))
            cover = (int)vm, cover_n = n, cover_x = x;
        if (fit < 0 || x > fit_x || (x == fit_x && n < fit_n))
            fit = (int)vm, fit_n = n, fit_x = x;
    }
    return cover >= 0 ? cover : fit;
}

/* moves the VM's vCPUs, largest first, onto the least loaded pCPUs of cell d */
static guint move_vm(Balancer *b, guint vm, int d)
{
    const SovaVmLoad *vl = sova_model_vm(b->m, vm);
    guint moved = 0;
    for (guint done = 0; done < vl->n_vcpus; done++) {
        int best = -1;
        for (guint i = 0; i < vl->n_vcpus; i++) {
            guint v = vl->first_vcpu + i;
            if (!b->waits[v] && b->pcell[b->to[v]] != d &&
                (best < 0 || dem(b, v) > dem(b, (guint)best)))
                best = (int)v;
        }
        if (best < 0)
            break;
        guint v = (guint)best, src = (guint)b->to[v];
        int q = cpu_layout_first_pcpu(b->cells[d]);
        Note *n = &b->notes[v];
        if (n->kind == NOTE_NONE)
            n->src = src, n->src_load = b->load[src], n->mean = cpu_layout_mean(b);
        n->kind = NOTE_MOVE;
        n->dst_load = b->load[q];
        cpu_layout_relocate(b, v, (guint)q);
        moved++;
    }
    for (guint i = 0; i < vl->n_vcpus; i++)
        b->vcell[vl->first_vcpu + i] = d;
    b->moves += moved;
    return moved;
}

guint cpu_numa_spread(Balancer *b)
{
    guint moved = 0;
    if (b->n_cells < 2)
        return 0;
    g_autofree double *over = g_new(double, b->n_cells);
    for (guint round = 0; round < b->m->vms->len; round++) {
        cell_over(b, over);
        int c = 0, d = 0;
        for (guint k = 1; k < b->n_cells; k++) {
            if (over[k] > over[c])
                c = (int)k;
            if (over[k] < over[d])
                d = (int)k;
        }
        if (over[c] <= NUMA_OVER(b) || over[d] >= 0)
            break;
        int vm = pick(b, c, over[c], -over[d]);
        if (vm < 0)
            break;
        moved += move_vm(b, (guint)vm, d);
    }
    return moved;
}
