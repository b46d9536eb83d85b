/* sova.c — the `sova` command: dispatches to one subcommand per file (cmd_*.c). */
#include "cli/cli.h"
#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    { "agent", sova_cmd_agent,
      "run the host agent: pin vCPUs to even out the pCPUs, give VFs to the busiest NICs" },
    { "status", sova_cmd_status, "show the host's pCPUs and VMs as they are now" },
    { "sim", sova_cmd_sim, "run the agent against a simulated host scenario" },
    { "controller", sova_cmd_controller, "balance a cluster's hosts by live-migrating VMs" },
    { "sim-cluster", sova_cmd_sim_cluster,
      "run the controller against a simulated cluster scenario" },
    { "release", sova_cmd_release,
      "hand the VMs sova manages back to the kernel's scheduler (before removing sova)" },
    { "apply", sova_cmd_apply,
      "carry out a plan sova controller --recommend wrote, checked again first" },
    { "check-config", sova_cmd_check_config,
      "check a configuration file (all sections) without connecting" },
    { "top", sova_cmd_top, "a live view of a host, or of a cluster with --host" },
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: sova COMMAND [OPTIONS]\n\n"
                 "sova is a dynamic resource scheduler for libvirt virtual machines.\n\n"
                 "Commands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'sova COMMAND --help' for a command's options; see also sova(1), "
            "sova.conf(5).\n");
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");   /* GLib's messages and option parsing follow the user's locale */
    if (argc < 2) {
        usage(stderr);
        return SOVA_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SOVA_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("sova %s\n", SOVA_VERSION);
        return SOVA_EXIT_OK;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    g_printerr("sova: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return SOVA_EXIT_USAGE;
}
