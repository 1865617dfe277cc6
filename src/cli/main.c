/*
 * lae: linear autoencoders on any OpenCL device. main() only dispatches: each command lives
 * in its own cmd_*.c file, parses its own flags and owns its exit code (0 success, 1 a
 * failure while running, 2 bad usage).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "lae/log.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"devices", cmd_devices, "list OpenCL platforms and devices"},
    {"train", cmd_train, "train an LAE, DLAE or EDLAE with Adam on a device"},
    {"solve", cmd_solve, "the exact optimum, from the Gram matrix and closed forms"},
    {"score", cmd_score, "a model's exact expected objective, errors, and distance to an optimum"},
    {"recon", cmd_recon, "draw test digits and a saved model's reconstructions as a PNG"},
    {"plot", cmd_plot, "draw a saved model's B as a heat map and diag(B) as an image"},
    {"curves", cmd_curves, "draw loss curves from the CSV files of lae train --log"},
    {"experiment", cmd_experiment, "train the paper's seven models and write a report folder"},
    {"bench", cmd_bench, "measure GEMMs, kernels and training steps on every device"},
};

static void usage(FILE *out) {
    fprintf(out, "lae %s: linear autoencoders on any OpenCL device\n\n", LAE_VERSION_STRING);
    fprintf(out, "usage: lae COMMAND [OPTIONS]   (lae COMMAND --help for its options)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n-q and -v before or after the command lower or raise the log level;\n"
                 "LAE_LOG=error|warn|info|debug sets it too. LAE_DEVICE picks a device.\n");
}

int main(int argc, char **argv) {
    /* -q and -v are global: take them out wherever they are. */
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            lae_log_set_level(LAE_LOG_WARN);
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            lae_log_set_level(LAE_LOG_DEBUG);
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lae %s\n", LAE_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc, argv);
        }
    }
    fprintf(stderr, "lae: unknown command '%s' (lae --help lists the commands)\n", argv[1]);
    return 2;
}
