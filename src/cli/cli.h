/* cli.h — the subcommands of `sova`, one file each, and what they share. */
#pragma once
#include <glib.h>
#include "config/config.h"
#include "backend/libvirt/libvirt_backend.h"

/* exit statuses */
#define SOVA_EXIT_OK 0
#define SOVA_EXIT_FAILURE 1   /* runtime failure: host unreachable, an action failed */
#define SOVA_EXIT_USAGE 2     /* bad options, bad config, bad scenario */

int sova_cmd_agent(int argc, char **argv);
int sova_cmd_status(int argc, char **argv);
int sova_cmd_sim(int argc, char **argv);
int sova_cmd_controller(int argc, char **argv);
int sova_cmd_sim_cluster(int argc, char **argv);   /* cmd_sim_cluster.c */
int sova_cmd_check_config(int argc, char **argv);  /* cmd_check_config.c */
int sova_cmd_apply(int argc, char **argv);         /* cmd_apply.c */
int sova_cmd_release(int argc, char **argv);       /* cmd_release.c */
int sova_cmd_top(int argc, char **argv);           /* cmd_top.c */

/* Loads `path` if given (it must exist), else the default config if it exists.
 * On error prints "sova: ..." and returns NULL. */
SovaConfig *sova_cli_config(const char *path);
/* the libvirt backend's options from the configuration (the net plane's VF pool and
 * NIC when [net] is configured); the strings stay cfg's */
SovaLibvirtOptions sova_cli_backend_options(const SovaConfig *cfg);
/* a number of seconds given as an option's text (NULL: not given, *out unchanged);
 * prints the error and returns FALSE when it is not a number */
gboolean sova_cli_seconds(const char *option, const char *text, double *out);
/* parses options; prints the error and returns FALSE on bad usage */
gboolean sova_cli_parse(GOptionContext *ctx, int *argc, char ***argv);
