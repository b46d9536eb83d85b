/* netload.c — sova.mode=net: the test guest as a network client whose load the host can change.
 *
 * The net plane's real-VM cases need guests whose traffic rises and falls while their failover
 * NIC switches between the virtio standby and the hot-plugged stand-in "VF" underneath. This mode
 * (the init script has loaded failover, net_failover, virtio*, vmxnet3):
 *   - brings every link up and puts sova.ip on the failover master (the NIC without a master);
 *   - watches /sys/class/net: a NIC that appears is brought up, and when it is a failover slave
 *     the guest sends gratuitous ARPs through the master, so the host bridge learns the new port
 *     at once (prints SOVA-NETDEV added|removed NAME DRIVER);
 *   - sends UDP datagrams of sova.pkt bytes to sova.dst at a paced rate: the schedule
 *     sova.net=PPS:SECONDS,PPS:SECONDS,... (the last phase lasts forever; 0 = truly quiet), or,
 *     once one arrives, the rate in a "rate=PPS" datagram on UDP port sova.ctl (the test drives
 *     the load from the host without rebooting anything);
 *   - prints every second  SOVA-WORK <s> <datagrams sent>  (the rig's readiness/progress line)
 *     and  SOVA-NET <s> sent=<total> rate=<target pps> err=<send errors>.
 * Kernel command line: sova.ip=10.1.2.10/24 sova.dst=10.1.2.1:5600 sova.net=0 sova.pkt=64
 * sova.ctl=7001. Plain C, no GLib: it is linked statically into the initramfs. */
#include "netload.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PHASES 32
#define MAX_NICS 16
#define TICK_NS 5000000ull      /* sender pacing tick */
#define WATCH_NS 50000000ull    /* /sys/class/net poll */
#define GARP_COUNT 10           /* gratuitous ARPs per new slave, one per two watch ticks */

typedef struct {
    long pps;
    long seconds;               /* 0 = forever */
} NetPhase;

typedef struct {
    struct in_addr ip, mask, dst;
    int dst_port, ctl_port, pkt;
    NetPhase phase[MAX_PHASES];
    int n_phases;
} NetParams;

static NetParams P;
static char master[IFNAMSIZ];
static _Atomic uint64_t sent_total, send_errors;
static _Atomic long override_pps = -1;   /* set by a control datagram */
static _Atomic long current_pps;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull), .tv_nsec = (long)(t % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
}

/* ---------------------------------------------------------------- parameters */

static void parse_ip_prefix(const char *v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    char *slash = strchr(buf, '/');
    int len = 24;
    if (slash) {
        *slash = '\0';
        len = atoi(slash + 1);
    }
    inet_pton(AF_INET, buf, &P.ip);
    P.mask.s_addr = len <= 0 ? 0 : htonl(0xffffffffu << (32 - (len > 32 ? 32 : len)));
}

static void parse_dst(const char *v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    char *colon = strchr(buf, ':');
    if (colon) {
        *colon = '\0';
        P.dst_port = atoi(colon + 1);
    }
    inet_pton(AF_INET, buf, &P.dst);
}

/* "PPS:SECONDS,PPS:SECONDS,...,PPS" */
static void parse_schedule(const char *v)
{
    P.n_phases = 0;
    while (*v && P.n_phases < MAX_PHASES) {
        char *end;
        NetPhase ph = { .pps = strtol(v, &end, 10), .seconds = 0 };
        if (*end == ':')
            ph.seconds = strtol(end + 1, &end, 10);
        P.phase[P.n_phases++] = ph;
        v = *end == ',' ? end + 1 : end;
        if (*end != ',')
            break;
    }
}

static void apply_word(const char *w)
{
    if (strncmp(w, "sova.ip=", 8) == 0)
        parse_ip_prefix(w + 8);
    else if (strncmp(w, "sova.dst=", 9) == 0)
        parse_dst(w + 9);
    else if (strncmp(w, "sova.net=", 9) == 0)
        parse_schedule(w + 9);
    else if (strncmp(w, "sova.pkt=", 9) == 0)
        P.pkt = atoi(w + 9);
    else if (strncmp(w, "sova.ctl=", 9) == 0)
        P.ctl_port = atoi(w + 9);
}

static void params_load(int argc, char **argv)
{
    P = (NetParams){ .dst_port = 5600, .ctl_port = 7001, .pkt = 64, .n_phases = 1 };
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        char word[512];
        while (fscanf(f, "%511s", word) == 1)
            apply_word(word);
        fclose(f);
    }
    for (int i = 1; i < argc; i++)
        apply_word(argv[i]);
    if (P.pkt < 1 || P.pkt > 1400)
        P.pkt = 64;
}

/* the scheduled rate t seconds after start */
static long schedule_pps(double t)
{
    for (int i = 0; i < P.n_phases; i++) {
        if (P.phase[i].seconds <= 0 || t < P.phase[i].seconds || i == P.n_phases - 1)
            return P.phase[i].pps;
        t -= P.phase[i].seconds;
    }
    return 0;
}

/* ---------------------------------------------------------------- links */

static int sysfs_link_name(const char *ifname, const char *what, char *out, size_t n)
{
    char path[256], target[256];
    snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, what);
    ssize_t len = readlink(path, target, sizeof target - 1);
    if (len < 0) {
        snprintf(out, n, "-");
        return -1;
    }
    target[len] = '\0';
    snprintf(out, n, "%s", basename(target));
    return 0;
}

static void link_up(int fd, const char *ifname)
{
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
}

static int set_addr(int fd, const char *ifname)
{
    struct ifreq ifr = { 0 };
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    sin->sin_family = AF_INET;
    sin->sin_addr = P.ip;
    if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
        return -1;
    sin->sin_addr = P.mask;
    return ioctl(fd, SIOCSIFNETMASK, &ifr);
}

/* names in /sys/class/net except lo; returns the count */
static int list_nics(char names[MAX_NICS][IFNAMSIZ])
{
    int n = 0;
    DIR *d = opendir("/sys/class/net");
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) && n < MAX_NICS;)
        if (e->d_name[0] != '.' && strcmp(e->d_name, "lo") != 0)
            snprintf(names[n++], IFNAMSIZ, "%.*s", IFNAMSIZ - 1, e->d_name);
    closedir(d);
    return n;
}

/* the failover master: a NIC that is nobody's slave; waits for the driver to create it */
static int find_master(int fd)
{
    for (int tries = 0; tries < 100; tries++) {
        char names[MAX_NICS][IFNAMSIZ], m[IFNAMSIZ];
        int n = list_nics(names);
        link_up(fd, "lo");
        for (int i = 0; i < n; i++)
            link_up(fd, names[i]);
        for (int i = 0; i < n; i++)
            /* a lone NIC is the master only once the failover driver had its chance */
            if (sysfs_link_name(names[i], "master", m, sizeof m) < 0 && (n > 1 || tries >= 30)) {
                snprintf(master, sizeof master, "%.*s", IFNAMSIZ - 1, names[i]);
                return 0;
            }
        usleep(100000);
    }
    return -1;
}

/* ---------------------------------------------------------------- gratuitous ARP */

static void garp_send(int pfd)
{
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", master);
    if (ioctl(pfd, SIOCGIFINDEX, &ifr) < 0)
        return;
    int ifindex = ifr.ifr_ifindex;   /* (a union with the address: read it first) */
    if (ioctl(pfd, SIOCGIFHWADDR, &ifr) < 0)
        return;
    unsigned char f[42] = { 0 };
    memset(f, 0xff, 6);                                   /* broadcast */
    memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
    f[12] = 0x08; f[13] = 0x06;                           /* ARP */
    f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4;
    f[20] = 0; f[21] = 1;                                 /* request: announce */
    memcpy(f + 22, ifr.ifr_hwaddr.sa_data, 6);
    memcpy(f + 28, &P.ip, 4);
    memcpy(f + 38, &P.ip, 4);
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
                              .sll_ifindex = ifindex, .sll_halen = 6 };
    memset(to.sll_addr, 0xff, 6);
    sendto(pfd, f, sizeof f, 0, (struct sockaddr *)&to, sizeof to);
}

/* ---------------------------------------------------------------- threads */

static int in_list(char names[MAX_NICS][IFNAMSIZ], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static void *watch_thread(void *arg)
{
    int fd = *(int *)arg;
    int pfd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
    char old[MAX_NICS][IFNAMSIZ], cur[MAX_NICS][IFNAMSIZ];
    int n_old = list_nics(old), garp_left = 0;
    for (uint64_t t = mono_ns(), tick = 0;; tick++) {
        t += WATCH_NS;
        sleep_until(t);
        int n = list_nics(cur);
        for (int i = 0; i < n; i++) {
            if (in_list(old, n_old, cur[i]))
                continue;
            char drv[64], m[IFNAMSIZ];
            link_up(fd, cur[i]);
            sysfs_link_name(cur[i], "device/driver", drv, sizeof drv);
            int slave = sysfs_link_name(cur[i], "master", m, sizeof m) == 0;
            printf("SOVA-NETDEV added %s %s%s\n", cur[i], drv, slave ? " slave" : "");
            fflush(stdout);
            if (slave)
                garp_left = GARP_COUNT;
        }
        for (int i = 0; i < n_old; i++)
            if (!in_list(cur, n, old[i])) {
                printf("SOVA-NETDEV removed %s\n", old[i]);
                fflush(stdout);
                garp_left = GARP_COUNT;    /* back to the standby's port */
            }
        memcpy(old, cur, sizeof cur);
        n_old = n;
        if (garp_left > 0 && pfd >= 0 && (tick & 1)) {
            garp_send(pfd);
            garp_left--;
        }
    }
    return NULL;
}

/* "rate=PPS" datagrams on the control port set the rate from then on */
static void *control_thread(void *arg)
{
    (void)arg;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)P.ctl_port) };
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("SOVA-ERROR cannot listen on control port %d\n", P.ctl_port);
        return NULL;
    }
    for (;;) {
        char buf[128];
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        if (strncmp(buf, "rate=", 5) == 0) {
            atomic_store(&override_pps, strtol(buf + 5, NULL, 10));
            printf("SOVA-NETCTL rate=%ld\n", atomic_load(&override_pps));
            fflush(stdout);
        }
    }
    return NULL;
}

static void *report_thread(void *arg)
{
    (void)arg;
    uint64_t t0 = mono_ns();
    for (unsigned long s = 1;; s++) {
        sleep_until(t0 + s * 1000000000ull);
        unsigned long long sent = atomic_load(&sent_total);
        printf("SOVA-WORK %lu %llu\nSOVA-NET %lu sent=%llu rate=%ld err=%llu\n", s, sent, s, sent,
               atomic_load(&current_pps), (unsigned long long)atomic_load(&send_errors));
        fflush(stdout);
    }
    return NULL;
}

/* paced sender: every tick, sends what the rate allows (no catch-up beyond 0.1 s) */
static void send_forever(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)P.dst_port),
                              .sin_addr = P.dst };
    char payload[1400];
    memset(payload, 'S', sizeof payload);
    uint64_t start = mono_ns(), t = start;
    double due = 0;
    for (;;) {
        t += TICK_NS;
        sleep_until(t);
        long ov = atomic_load(&override_pps);
        long pps = ov >= 0 ? ov : schedule_pps((double)(t - start) / 1e9);
        atomic_store(&current_pps, pps);
        due += (double)pps * TICK_NS / 1e9;
        if (due > pps * 0.1 + 1)
            due = pps * 0.1 + 1;
        if (pps == 0)
            due = 0;
        for (; due >= 1; due -= 1) {
            if (sendto(fd, payload, (size_t)P.pkt, 0, (struct sockaddr *)&to, sizeof to) < 0)
                atomic_fetch_add(&send_errors, 1);
            else
                atomic_fetch_add(&sent_total, 1);
        }
        if (mono_ns() > t + 100000000ull)
            t = mono_ns();     /* descheduled for long: do not burst to catch up */
    }
}

int sova_netload_run(int argc, char **argv)
{
    static int ctl_fd;
    params_load(argc, argv);
    ctl_fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (ctl_fd < 0 || find_master(ctl_fd) < 0) {
        printf("SOVA-ERROR no failover NIC found\n");
        return 1;
    }
    if (set_addr(ctl_fd, master) < 0)
        printf("SOVA-ERROR cannot set the address on %s: %s\n", master, strerror(errno));
    char ip[32], dst[32];
    inet_ntop(AF_INET, &P.ip, ip, sizeof ip);
    inet_ntop(AF_INET, &P.dst, dst, sizeof dst);
    printf("SOVA-NETIF %s ip=%s dst=%s:%d ctl=%d pkt=%d phases=%d\n", master, ip, dst, P.dst_port,
           P.ctl_port, P.pkt, P.n_phases);
    fflush(stdout);
    pthread_t th;
    pthread_create(&th, NULL, watch_thread, &ctl_fd);
    pthread_create(&th, NULL, control_thread, NULL);
    pthread_create(&th, NULL, report_thread, NULL);
    send_forever();
    return 0;
}
