/* workload.c — the program that runs inside sova's test VMs (PID 1's child in the rig's initramfs).
 *
 * It burns CPU the way the classic vCPU-scheduler course harness did (a busy loop per vCPU that
 * every so often sleeps), but with a duty cycle in percent instead of a loop count: each thread
 * is busy for duty % of every period and sleeps the rest, so "50" means half a pCPU whatever the
 * speed of the (TCG or KVM) vCPU.  Every second it prints one line to the console:
 *
 *     SOVA-WORK <seconds since start> <total loop iterations, all threads>
 *
 * The host reads these from the serial-console log file to measure how much work each guest got
 * (the counter is cumulative, so a lost line loses nothing).  Parameters come from the kernel
 * command line, so one initramfs serves every test:
 *
 *     sova.mode=cpu|idle|net   (default cpu; net: the network client of netload.c, with its
 *                          own sova.ip/dst/net/pkt/ctl parameters)
 *     sova.duty=1..100     busy percentage per thread (default 100)
 *     sova.threads=N       busy threads (default: online CPUs)
 *     sova.period_ms=N     duty-cycle period (default 20)
 *
 * Deliberately plain C with no GLib: it is linked statically into a tiny initramfs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "netload.h"

#define CHUNK 4096 /* iterations between clock checks / counter updates */

typedef struct {
    char mode[16];
    int duty;      /* percent */
    int threads;
    int period_ms;
} WorkParams;

static _Atomic uint64_t work_total;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until_ns(uint64_t t)
{
    struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull), .tv_nsec = (long)(t % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
}

static int clamp_int(long v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

/* Reads "sova.KEY=VALUE" words from the kernel command line (or argv, for trying it on a host). */
static void params_apply_word(WorkParams *p, const char *w)
{
    if (strncmp(w, "sova.", 5) != 0)
        return;
    w += 5;
    const char *eq = strchr(w, '=');
    if (!eq)
        return;
    size_t klen = (size_t)(eq - w);
    const char *val = eq + 1;
    if (klen == 4 && strncmp(w, "mode", 4) == 0)
        snprintf(p->mode, sizeof p->mode, "%s", val);
    else if (klen == 4 && strncmp(w, "duty", 4) == 0)
        p->duty = clamp_int(strtol(val, NULL, 10), 1, 100);
    else if (klen == 7 && strncmp(w, "threads", 7) == 0)
        p->threads = clamp_int(strtol(val, NULL, 10), 1, 256);
    else if (klen == 9 && strncmp(w, "period_ms", 9) == 0)
        p->period_ms = clamp_int(strtol(val, NULL, 10), 1, 1000);
}

static void params_load(WorkParams *p, int argc, char **argv)
{
    *p = (WorkParams){ .mode = "cpu", .duty = 100, .threads = 0, .period_ms = 20 };
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        char word[256];
        while (fscanf(f, "%255s", word) == 1)
            params_apply_word(p, word);
        fclose(f);
    }
    for (int i = 1; i < argc; i++)
        params_apply_word(p, argv[i]);
    if (p->threads == 0)
        p->threads = clamp_int(sysconf(_SC_NPROCESSORS_ONLN), 1, 256);
}

/* One chunk of the busy loop; the empty asm keeps the compiler from folding it away. */
static void spin_chunk(void)
{
    for (int i = 0; i < CHUNK; i++)
        __asm__ volatile("" ::: "memory");
    atomic_fetch_add_explicit(&work_total, CHUNK, memory_order_relaxed);
}

static void *cpu_thread(void *arg)
{
    const WorkParams *p = arg;
    if (p->duty >= 100) {
        for (;;)
            spin_chunk();
    }
    uint64_t period = (uint64_t)p->period_ms * 1000000ull;
    uint64_t busy = period * (uint64_t)p->duty / 100;
    uint64_t start = now_ns();
    for (;;) {
        while (now_ns() - start < busy)
            spin_chunk();
        start += period;
        uint64_t t = now_ns();
        if (start > t)
            sleep_until_ns(start);
        else
            start = t; /* we were descheduled past the period: do not try to catch up */
    }
    return NULL;
}

static int cpu_mode_start(const WorkParams *p)
{
    for (int i = 0; i < p->threads; i++) {
        pthread_t th;
        if (pthread_create(&th, NULL, cpu_thread, (void *)p) != 0) {
            printf("SOVA-ERROR cannot start thread %d\n", i);
            return -1;
        }
        pthread_detach(th);
    }
    return 0;
}

static void report_forever(void)
{
    uint64_t t0 = now_ns();
    for (unsigned long s = 1;; s++) {
        sleep_until_ns(t0 + s * 1000000000ull);
        printf("SOVA-WORK %lu %llu\n", s,
               (unsigned long long)atomic_load_explicit(&work_total, memory_order_relaxed));
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    static WorkParams params;
    params_load(&params, argc, argv);
    printf("SOVA-READY mode=%s duty=%d threads=%d period_ms=%d\n",
           params.mode, params.duty, params.threads, params.period_ms);
    fflush(stdout);
    if (strcmp(params.mode, "net") == 0)
        return sova_netload_run(argc, argv);
    if (strcmp(params.mode, "cpu") == 0) {
        if (cpu_mode_start(&params) < 0)
            return 1;
    } else if (strcmp(params.mode, "idle") != 0) {
        printf("SOVA-ERROR unknown mode '%s', idling\n", params.mode);
    }
    report_forever();
    return 0;
}
