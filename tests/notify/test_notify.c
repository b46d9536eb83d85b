/* test_notify.c — cli/notify.c's watchdog: WATCHDOG=1 pings while intervals complete, none
 * once they stop (a hung loop), to a NOTIFY_SOCKET this test creates. The check that no
 * ping follows is not timed: past the staleness limit the timer cannot ping at all. */
#include "cli/notify.h"
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
    int fd;
    char *dir;
} Sock;

static void sock_open(Sock *s)
{
    s->dir = g_dir_make_tmp("sova-notify-XXXXXX", NULL);
    g_assert_nonnull(s->dir);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_snprintf(sa.sun_path, sizeof sa.sun_path, "%s/notify", s->dir);
    s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    g_assert_cmpint(bind(s->fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
    g_setenv("NOTIFY_SOCKET", sa.sun_path, TRUE);
}

static void sock_close(Sock *s)
{
    g_autofree char *path = g_build_filename(s->dir, "notify", NULL);
    close(s->fd);
    g_unlink(path);
    g_rmdir(s->dir);
    g_free(s->dir);
}

/* the number of datagrams waiting that are exactly "WATCHDOG=1" (the timer's) */
static guint drain_pings(const Sock *s)
{
    guint n = 0;
    char buf[512];
    ssize_t len;
    while ((len = recv(s->fd, buf, sizeof buf - 1, 0)) > 0) {
        buf[len] = '\0';
        n += strcmp(buf, "WATCHDOG=1") == 0;
    }
    return n;
}

/* turns the main context until the monotonic clock passes until_us, reading the socket
 * as it goes (a full datagram queue would block sd_notify); returns the pings read */
static guint spin_until(const Sock *s, gint64 until_us)
{
    guint pings = 0;
    while (g_get_monotonic_time() < until_us) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
        pings += drain_pings(s);
    }
    return pings + drain_pings(s);
}

static void test_watchdog_stops_when_intervals_stop(void)
{
    Sock s;
    sock_open(&s);
    g_setenv("WATCHDOG_USEC", "20000", TRUE);   /* pings every 10 ms */
    g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
    g_setenv("WATCHDOG_PID", pid, TRUE);
    SovaNotify n;
    sova_notify_start(&n, 0.01);
    g_assert_cmpuint(n.watchdog_us, ==, 20000);
    sova_notify_interval(&n, "interval 1");
    g_assert_cmpuint(drain_pings(&s), ==, 0);   /* the interval's own message carries it */
    guint pings = 0;
    for (int i = 0; i < 10000 && pings == 0; i++) {   /* intervals keep completing */
        sova_notify_interval(&n, "interval");
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
        pings += drain_pings(&s);
    }
    g_assert_cmpuint(pings, >, 0);
    /* the loop hangs: no interval after this one */
    sova_notify_interval(&n, "interval last");
    spin_until(&s, n.last_interval_us + (gint64)n.stale_us + 1);
    /* 20 timer periods */
    g_assert_cmpuint(spin_until(&s, g_get_monotonic_time() + 10 * (gint64)n.watchdog_us), ==, 0);
    sova_notify_stop(&n);
    g_unsetenv("WATCHDOG_USEC");
    g_unsetenv("WATCHDOG_PID");
    sock_close(&s);
}

/* a loop that comes round without completing intervals (sampling fails, it retries) is
 * alive: pings go on; once it stops coming round they stop */
static void test_watchdog_while_retrying(void)
{
    Sock s;
    sock_open(&s);
    g_setenv("WATCHDOG_USEC", "20000", TRUE);
    g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
    g_setenv("WATCHDOG_PID", pid, TRUE);
    SovaNotify n;
    sova_notify_start(&n, 0.01);
    guint pings = 0;
    for (int i = 0; i < 10000 && pings < 3; i++) {   /* no interval ever completes */
        sova_notify_alive(&n);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
        pings += drain_pings(&s);
    }
    g_assert_cmpuint(pings, >=, 3);
    g_assert_false(n.ready);                      /* alive is not ready */
    sova_notify_alive(&n);
    spin_until(&s, n.last_interval_us + (gint64)n.stale_us + 1);
    g_assert_cmpuint(spin_until(&s, g_get_monotonic_time() + 10 * (gint64)n.watchdog_us), ==, 0);
    sova_notify_stop(&n);
    g_unsetenv("WATCHDOG_USEC");
    g_unsetenv("WATCHDOG_PID");
    sock_close(&s);
}

static void test_no_watchdog_for_another_pid(void)
{
    g_setenv("WATCHDOG_USEC", "20000", TRUE);
    g_setenv("WATCHDOG_PID", "1", TRUE);   /* systemd meant another process */
    SovaNotify n;
    sova_notify_start(&n, 0.01);
    g_assert_cmpuint(n.watchdog_us, ==, 0);
    g_assert_cmpuint(n.timer, ==, 0);
    g_unsetenv("WATCHDOG_USEC");
    g_unsetenv("WATCHDOG_PID");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/notify/watchdog-stops-when-intervals-stop",
                    test_watchdog_stops_when_intervals_stop);
    g_test_add_func("/notify/watchdog-while-retrying", test_watchdog_while_retrying);
    g_test_add_func("/notify/no-watchdog-for-another-pid", test_no_watchdog_for_another_pid);
    return g_test_run();
}
