/* test_sim_scenario.c — scenario files: a complete good one, every kind of bad one
 * (each error must name the file and the right line), and the demand shapes' values. */
#include "backend/sim/sim_scenario.h"
#include "util/error.h"
#include <glib/gstdio.h>
#include <string.h>

static char *tmpdir;

static char *write_file(const char *name, const char *text)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static const char good[] =
    "# a comment\n"
    "[scenario]\n"
    "description=everything at once\n"
    "duration=60\n"
    "interval=2\n"
    "tick=0.5\n"
    "seed=42\n"
    "\n"
    "[host]\n"
    "name=h1\n"
    "pcpus=8\n"
    "sockets=2\n"
    "cells=2\n"
    "threads-per-core=2\n"
    "memory=16384\n"
    "background=0,0,5,0,0,0,0,10\n"
    "noise=0.5\n"
    "nic-gbps=25\n"
    "vfs=4\n"
    "\n"
    "[vm web1]\n"
    "vcpus=2\n"
    "memory=2048\n"
    "demand=constant:100\n"
    "pin=3,5\n"
    "\n"
    "[vm db]\n"
    "vcpus=2\n"
    "demand=square:90:10:30;trace:load.csv\n"
    "affinity=4-7\n"
    "\n"
    "[vms batch]\n"
    "count=4\n"
    "demand=ramp:0:100:600;phases:0-10=50,20-30=70\n"
    "pin=alternating\n"
    "\n"
    "[vms]\n"
    "count=3\n"
    "demand=walk:50:10\n"
    "pin=balanced\n";

static const SovaSimVmSpec *vm(const SovaSimScenario *sc, guint i)
{
    return g_ptr_array_index(sc->vms, i);
}

static void test_good(void)
{
    g_autofree char *csv = write_file("load.csv", "seconds,a,b\n0,10,20\n5,30,40\n");
    g_autofree char *path = write_file("good.conf", good);
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
    g_assert_no_error(err);
    g_assert_cmpfloat(sc->duration, ==, 60);
    g_assert_cmpfloat(sc->interval, ==, 2);
    g_assert_cmpfloat(sc->tick, ==, 0.5);
    g_assert_cmpuint(sc->seed, ==, 42);
    g_assert_cmpstr(sc->description, ==, "everything at once");
    g_assert_cmpstr(sova_sim_scenario_host(sc, 0)->name, ==, "h1");
    g_assert_cmpuint(sova_sim_scenario_host(sc, 0)->n_pcpus, ==, 8);
    g_assert_cmpuint(sova_sim_scenario_host(sc, 0)->sockets, ==, 2);
    g_assert_cmpuint(sova_sim_scenario_host(sc, 0)->cells, ==, 2);
    g_assert_cmpuint(sova_sim_scenario_host(sc, 0)->threads_per_core, ==, 2);
    g_assert_cmpuint(sova_sim_scenario_host(sc, 0)->memory_kib, ==, 16384 * 1024);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->background[2], ==, 5);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->background[7], ==, 10);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->noise, ==, 0.5);
    g_assert_cmpfloat(sova_sim_scenario_host(sc, 0)->nic.nic_gbps, ==, 25);
    g_assert_cmpuint(sova_sim_scenario_host(sc, 0)->nic.vfs, ==, 4);
    /* web1, db, batch1..4, vm1..3 */
    g_assert_cmpuint(sc->vms->len, ==, 9);
    g_assert_cmpuint(sova_sim_scenario_n_vcpus(sc), ==, 11);
    g_assert_cmpstr(vm(sc, 0)->name, ==, "web1");
    g_assert_cmpint(vm(sc, 0)->pin[0], ==, 3);
    g_assert_cmpint(vm(sc, 0)->pin[1], ==, 5);
    g_assert_cmpuint(vm(sc, 0)->memory_kib, ==, 2048 * 1024);
    g_assert_cmpint(vm(sc, 0)->demand[0]->kind, ==, SOVA_DEMAND_CONSTANT);
    /* db: one shape per vCPU, unpinned within 4-7 */
    g_assert_cmpint(vm(sc, 1)->pin[0], ==, -1);
    g_assert_cmpint(vm(sc, 1)->demand[0]->kind, ==, SOVA_DEMAND_SQUARE);
    g_assert_cmpint(vm(sc, 1)->demand[1]->kind, ==, SOVA_DEMAND_TRACE);
    g_assert_cmpuint(sova_cpuset_count(vm(sc, 1)->affinity), ==, 4);
    g_assert_true(sova_cpuset_has(vm(sc, 1)->affinity, 4));
    /* batch: shapes cycle over VMs, pins alternate 0, 1, 0, 1 */
    g_assert_cmpstr(vm(sc, 2)->name, ==, "batch1");
    g_assert_cmpstr(vm(sc, 5)->name, ==, "batch4");
    g_assert_cmpint(vm(sc, 2)->demand[0]->kind, ==, SOVA_DEMAND_RAMP);
    g_assert_cmpint(vm(sc, 3)->demand[0]->kind, ==, SOVA_DEMAND_PHASES);
    g_assert_cmpint(vm(sc, 4)->demand[0]->kind, ==, SOVA_DEMAND_RAMP);
    for (guint i = 0; i < 4; i++)
        g_assert_cmpint(vm(sc, 2 + i)->pin[0], ==, (int)(i % 2));
    /* [vms] without a prefix: vm1..vm3, balanced onto the least loaded pCPUs at t=0:
     * pCPUs 3 and 5 hold web1 (100 each), 0 and 1 hold batch (ramp starts at 0, phases
     * at 50 on pCPU 1), 2 and 7 carry background: vm1..3 go to 0, 4 and 6 */
    g_assert_cmpstr(vm(sc, 6)->name, ==, "vm1");
    g_assert_cmpint(vm(sc, 6)->pin[0], ==, 0);
    g_assert_cmpint(vm(sc, 7)->pin[0], ==, 4);
    g_assert_cmpint(vm(sc, 8)->pin[0], ==, 6);
    g_unlink(csv);
    g_unlink(path);
}

typedef struct {
    const char *text;
    int line;                 /* the line the error must name */
    const char *says;         /* a fragment of the message */
} Bad;

#define HOST "[host]\npcpus=4\n"                         /* lines 1-2 */
#define VM "[vm a]\ndemand=constant:50\n"                /* 2 lines */

static const Bad bads[] = {
    { "[hots]\npcpus=4\n" VM, 1, "unknown group [hots]" },
    { HOST "pcpu=4\n" VM, 3, "unknown key \"pcpu\"" },
    { HOST VM "pin=4\n", 5, "pCPU 4 does not exist" },
    { HOST VM "vcpus=2\npin=0,1,2\n", 6, "3 pCPUs given for 2 vCPUs" },
    { HOST "[vm a]\ndemand=sqare:1:2:3\n", 4, "unknown demand shape \"sqare\"" },
    { HOST "[vm a]\ndemand=constant:150\n", 4, "from 0 to 100" },
    { HOST "[vm a]\ndemand=square:90:10\n", 4, "square:HIGH:LOW:PERIOD" },
    { HOST "[vm a]\ndemand=phases:0-10=50,5-20=30\n", 4, "overlap" },
    { HOST "[vm a]\ndemand=trace:missing.csv\n", 4, "missing.csv" },
    { HOST "[vm a]\nvcpus=2\ndemand=trace:three.csv\n", 5, "3 value columns" },
    { HOST "[vm a]\nvcpus=1\n", 3, "needs demand=" },
    { HOST "cells=3\n" VM, 3, "over 3 NUMA cells" },
    { HOST "threads-per-core=3\n" VM, 3, "cores of 3 threads" },
    { HOST "smt-factor=0.6\n" VM, 3, "no SMT siblings" },
    { HOST "threads-per-core=2\nsmt-factor=0.4\n" VM, 4, "from 0.5 to 1" },
    { HOST "[vm a]\ndemand=square:90:10:4:0.5:1:2\n", 4, "OFFSET" },
    { HOST "[vm a]\ndemand=square:90:10:4:0.5:-1\n", 4, "parameter 5" },
    { HOST "background=1,2,3\n" VM, 3, "3 values for 4 pCPUs" },
    { HOST "noise=x\n" VM, 3, "\"x\" is not a number" },
    { HOST "[scenario]\nduration=0.5\ninterval=1\n" VM, 4, "shorter than one interval" },
    { HOST "[scenario]\ntick=2\n" VM, 4, "tick" },
    { HOST "[vm a1]\ndemand=constant:5\n\n[vms a]\ncount=2\ndemand=constant:5\n", 6, "defined twice" },
    { HOST "[vms]\ndemand=constant:5\n", 3, "needs count=N" },
    { HOST "[vms]\ncount=2\ndemand=constant:5\npin=all-on-9\n", 6, "pCPU 9 does not exist" },
    { HOST VM "affinity=2-3\npin=0\n", 6, "outside its affinity" },
    { HOST VM "affinity=2-7\n", 5, "out of range" },
    { HOST "\n", 0, "no VMs" },
    { HOST VM "this is not a key file line\n", 5, "this is not a key file line" },
    { HOST VM "[vm b\ndemand=constant:1\n", 5, "vm b" },
};

static void test_bad(void)
{
    g_autofree char *three = write_file("three.csv", "0,1,2,3\n");
    for (guint i = 0; i < G_N_ELEMENTS(bads); i++) {
        g_autofree char *name = g_strdup_printf("bad%u.conf", i);
        g_autofree char *path = write_file(name, bads[i].text);
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load(path, &err);
        g_test_message("case %u: %s", i, err ? err->message : "(loaded)");
        g_assert_null(sc);
        g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
        g_autofree char *prefix = bads[i].line ? g_strdup_printf("%s:%d: ", path, bads[i].line)
                                               : g_strdup_printf("%s: ", path);
        g_assert_true(g_str_has_prefix(err->message, prefix));
        g_assert_nonnull(strstr(err->message, bads[i].says));
        g_unlink(path);
    }
    g_unlink(three);
}

/* issue 16: input that crashed the simulator or was silently merged is refused with
 * FILE:LINE (an empty pin list divided by zero; two [vm a] groups merged; a run whose
 * series do not fit in memory died allocating them) */
typedef struct {
    const char *text;
    int line;
    const char *says;
} Refused;

static const Refused refused[] = {
    { "[host]\npcpus=4\n[vms]\ncount=2\ndemand=constant:5\npin=\n", 6, "pin: empty" },
    { "[host]\npcpus=4\n[vm a]\ndemand=constant:5\npin= , \n", 5, "pin" },
    { "[host]\npcpus=4\n[vm a]\ndemand=constant:5\n[vm b]\ndemand=constant:5\n"
      "[vm a]\ndemand=constant:7\n", 7, "section [vm a] again (first at line 3)" },
    { "[host]\npcpus=4\n[vm a]\ndemand=constant:5\n[host]\nnoise=1\n", 5, "section [host] again" },
    { "[scenario]\nduration=100000000\n[host]\npcpus=8192\n[vm a]\ndemand=constant:5\n", 2,
      "too long a run" },
    { "[scenario]\nduration=10000\ninterval=0.001\ntick=0.001\n[host]\npcpus=1\n[vm a]\n"
      "demand=constant:5\n", 2, "intervals" },
    { "[host]\npcpus=4\n[vms]\ncount=100000\nvcpus=4096\ndemand=constant:5\n", 3, "too many vCPUs" },
};

static void test_refused(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(SovaSimScenario) sc = sova_sim_scenario_load_data("in.conf", refused[i].text, &err);
        g_test_message("case %u: %s", i, err ? err->message : "(loaded)");
        g_assert_null(sc);
        g_assert_error(err, SOVA_ERROR, SOVA_ERROR_INVALID);
        g_autofree char *prefix = g_strdup_printf("in.conf:%d: ", refused[i].line);
        g_assert_true(g_str_has_prefix(err->message, prefix));
        g_assert_nonnull(strstr(err->message, refused[i].says));
    }
}

static double at(const char *text, double t, GRand *rng, SovaDemandState *st)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(SovaDemandSpec) d = sova_demand_parse(text, tmpdir, &err);
    g_assert_no_error(err);
    SovaDemandState local = { 0 };
    return sova_demand_at(d, st ? st : &local, 1, t, rng);
}

static void test_shapes(void)
{
    g_assert_cmpfloat(at("constant:42", 100, NULL, NULL), ==, 42);
    /* square: high for the first half of each 30 s period by default, or for DUTY */
    g_assert_cmpfloat(at("square:100:20:30", 0, NULL, NULL), ==, 100);
    g_assert_cmpfloat(at("square:100:20:30", 14.9, NULL, NULL), ==, 100);
    g_assert_cmpfloat(at("square:100:20:30", 15, NULL, NULL), ==, 20);
    g_assert_cmpfloat(at("square:100:20:30", 31, NULL, NULL), ==, 100);
    g_assert_cmpfloat(at("square:100:20:10:0.2", 3, NULL, NULL), ==, 20);
    /* OFFSET: the wave starts that many seconds in (issue 18: duty cycles out of phase) */
    g_assert_cmpfloat(at("square:100:20:4:0.5:2", 0, NULL, NULL), ==, 20);
    g_assert_cmpfloat(at("square:100:20:4:0.5:2", 2.5, NULL, NULL), ==, 100);
    g_assert_cmpfloat(at("square:100:20:4:0.5:1", 0.9, NULL, NULL), ==, 100);
    g_assert_cmpfloat(at("square:100:20:4:0.5:1", 1, NULL, NULL), ==, 20);
    /* ramp: linear, then holds */
    g_assert_cmpfloat_with_epsilon(at("ramp:0:100:600", 150, NULL, NULL), 25, 1e-9);
    g_assert_cmpfloat(at("ramp:0:100:600", 900, NULL, NULL), ==, 100);
    g_assert_cmpfloat_with_epsilon(at("ramp:80:20:60:10", 40, NULL, NULL), 50, 1e-9);
    g_assert_cmpfloat(at("ramp:80:20:60:10", 5, NULL, NULL), ==, 80);
    /* phases: 0 outside every phase */
    g_assert_cmpfloat(at("phases:0-120=100,120-600=30", 119.9, NULL, NULL), ==, 100);
    g_assert_cmpfloat(at("phases:0-120=100,120-600=30", 120, NULL, NULL), ==, 30);
    g_assert_cmpfloat(at("phases:10-20=50", 5, NULL, NULL), ==, 0);
    g_assert_cmpfloat(at("phases:10-20=50", 25, NULL, NULL), ==, 0);
    /* trace: step function, per-vCPU column (vCPU 1 = second column) */
    g_autofree char *csv = write_file("t.csv", "# t,a,b\n0,10,20\n5,30,40\n");
    g_assert_cmpfloat(at("trace:t.csv", 4.9, NULL, NULL), ==, 20);
    g_assert_cmpfloat(at("trace:t.csv", 7, NULL, NULL), ==, 40);
    g_unlink(csv);
    /* walk: starts at START, moves at most STEP a second, stays within LO..HI */
    g_autoptr(GRand) rng = g_rand_new_with_seed(9);
    SovaDemandState st = { 0 };
    double prev = at("walk:50:10:40:60", 0, rng, &st);
    g_assert_cmpfloat(prev, ==, 50);
    gboolean moved = FALSE;
    for (int s = 1; s <= 100; s++) {
        double v = at("walk:50:10:40:60", s, rng, &st);
        g_assert_cmpfloat(v, >=, 40);
        g_assert_cmpfloat(v, <=, 60);
        g_assert_cmpfloat(ABS(v - prev), <=, 10 + 1e-9);
        moved |= v != prev;
        prev = v;
    }
    g_assert_true(moved);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("sova-sim-XXXXXX", NULL);
    g_test_add_func("/sim/scenario/good", test_good);
    g_test_add_func("/sim/scenario/bad", test_bad);
    g_test_add_func("/sim/scenario/refused-input", test_refused);
    g_test_add_func("/sim/scenario/shapes", test_shapes);
    int rc = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return rc;
}
