/* top_term.c — the terminal of `sova top`: cbreak mode so `q` arrives without Enter, the
 * alternate screen, frames drawn over it, and everything restored however it ends: after
 * the loop, at exit(), and on SIGINT, SIGTERM or SIGHUP (handled in the main loop: they
 * stop it, then the same restore runs). ^C keeps working (ISIG stays on). */
#include "cli/top.h"
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static gboolean active;
static char *last_frame;      /* redrawn when the window changes size */

void sova_top_term_leave(void)
{
    if (!active)
        return;
    active = FALSE;
    fputs("\033[?25h\033[?1049l", stdout);   /* cursor back, the normal screen back */
    fflush(stdout);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    g_clear_pointer(&last_frame, g_free);
}

static gboolean on_signal(gpointer data)
{
    g_atomic_int_set((volatile gint *)data, 1);
    return G_SOURCE_CONTINUE;
}

static gboolean on_resize(gpointer data)
{
    (void)data;
    if (active && last_frame) {
        g_autofree char *frame = g_strdup(last_frame);
        sova_top_term_show(frame);
    }
    return G_SOURCE_CONTINUE;
}

gboolean sova_top_term_enter(volatile gint *stop)
{
    static gboolean registered;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
        return FALSE;
    struct termios raw = saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
        return FALSE;
    active = TRUE;
    if (!registered) {
        atexit(sova_top_term_leave);
        g_unix_signal_add(SIGINT, on_signal, (gpointer)stop);
        g_unix_signal_add(SIGTERM, on_signal, (gpointer)stop);
        g_unix_signal_add(SIGHUP, on_signal, (gpointer)stop);
        g_unix_signal_add(SIGWINCH, on_resize, NULL);
        registered = TRUE;
    }
    fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
    fflush(stdout);
    return TRUE;
}

static gboolean on_key(gint fd, GIOCondition cond, gpointer data)
{
    (void)cond;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
        return G_SOURCE_REMOVE;   /* end of input: only signals stop it now */
    if (memchr(buf, 'q', (size_t)n) || memchr(buf, 'Q', (size_t)n))
        g_atomic_int_set((volatile gint *)data, 1);
    return G_SOURCE_CONTINUE;
}

guint sova_top_term_watch_keys(volatile gint *stop)
{
    return g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP, on_key, (gpointer)stop);
}

/* at most `cols` characters of the line [p, end) */
static void put_line(GString *out, const char *p, const char *end, guint cols)
{
    glong chars = g_utf8_strlen(p, end - p);
    const char *cut = chars > (glong)cols ? g_utf8_offset_to_pointer(p, cols) : end;
    g_string_append_len(out, p, cut - p);
    g_string_append(out, "\033[K");   /* the rest of the old line */
}

void sova_top_term_show(const char *frame)
{
    struct winsize ws = { 0 };
    guint rows = 24, cols = 80;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
        rows = ws.ws_row;
        cols = ws.ws_col;
    }
    g_autoptr(GString) out = g_string_new("\033[H");
    const char *p = frame;
    for (guint row = 0; row + 1 < rows && *p; row++) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        put_line(out, p, end, cols);
        g_string_append(out, "\r\n");
        p = nl ? nl + 1 : end;
    }
    g_string_append(out, "\033[J");
    static const char footer[] = "q quits";
    put_line(out, footer, footer + strlen(footer), cols);
    fwrite(out->str, 1, out->len, stdout);
    fflush(stdout);
    if (frame != last_frame) {
        g_free(last_frame);
        last_frame = g_strdup(frame);
    }
}
