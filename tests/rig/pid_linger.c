/* pid_linger.c — a stand-in for a daemon that dies slowly, for tests/rig/pid_gone.sh (issue 16).
 *
 *   pid-linger hold PIDFILE GATE   daemonises (the caller's child exits: the daemon is nobody's
 *                                  child here), takes an fcntl write lock on PIDFILE as libvirtd
 *                                  does, writes its PID there and prints it. On SIGTERM its main
 *                                  thread exits at once (a zombie: `kill -0` still succeeds,
 *                                  /proc/PID/cmdline is empty) while another thread keeps the
 *                                  file open, and so the lock, until the file GATE exists; then
 *                                  the process ends. That is a killed libvirtd whose threads are
 *                                  still exiting.
 *   pid-linger acquire PIDFILE     takes the lock as a new daemon would: exit 0, or 1 with
 *                                  libvirtd's message when another process holds it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *gate;

static int lock_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void *linger(void *arg)
{
    (void)arg;
    struct stat st;
    while (stat(gate, &st) < 0)
        usleep(20000);
    exit(0);
}

static int hold(const char *path)
{
    int sync[2];
    if (pipe(sync) < 0)
        return 1;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child > 0) {   /* the caller's child: report the daemon's PID once it holds the lock */
        close(sync[1]);
        char ok = 0;
        if (read(sync[0], &ok, 1) != 1 || ok != 1)
            return 1;
        printf("%d\n", (int)child);
        return 0;
    }
    close(sync[0]);
    setsid();
    int fd = lock_file(path);
    if (fd < 0)
        _exit(1);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n)
        _exit(1);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL);   /* inherited by the lingering thread */
    pthread_t t;
    if (pthread_create(&t, NULL, linger, NULL) != 0)
        _exit(1);
    char ok = 1;
    if (write(sync[1], &ok, 1) != 1)
        _exit(1);
    close(sync[1]);
    int sig = 0;
    sigwait(&term, &sig);
    pthread_exit(NULL);   /* the main thread is gone; the process and its lock are not */
}

static int acquire(const char *path)
{
    int fd = lock_file(path);
    if (fd < 0) {
        fprintf(stderr, "Failed to acquire pid file '%s': %s\n", path, strerror(errno));
        return 1;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "hold") == 0) {
        gate = argv[3];
        return hold(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "acquire") == 0)
        return acquire(argv[2]);
    fprintf(stderr, "usage: %s hold PIDFILE GATE | acquire PIDFILE\n", argv[0]);
    return 2;
}
