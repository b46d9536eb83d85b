/* fuzz_input.h — what every libFuzzer target shares: the input as a NUL-terminated
 * string (the parsers take C strings), and GLib criticals made fatal so that a
 * g_return_if_fail() a bad input reaches counts as a crash, as it does in the unit
 * tests (G_DEBUG=fatal-criticals). Built only with -Dfuzzing=true (tests/fuzz/). */
#pragma once
#include <glib.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
    /* sova's own warnings (a VM skipped, ...) are expected output, not findings */
    g_log_set_handler("sova", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
                      g_log_default_handler, NULL);
    g_setenv("G_MESSAGES_DEBUG", "", TRUE);
    return 0;
}

/* the input with a NUL appended (an embedded NUL ends the text, as in a file read
 * with g_file_get_contents and handed to a parser) */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = g_malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
