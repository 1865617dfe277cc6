/*
 * A table-driven parser for `--name value`, `--name=value` and boolean `--name` flags.
 *
 * Each command declares its flags as a table; the parser fills the targets, collects
 * positional arguments, and on any error prints one line naming the flag and what it expected.
 */
#ifndef LAE_CLI_FLAGS_H
#define LAE_CLI_FLAGS_H

#include <stddef.h>

typedef enum {
    FLAG_BOOL,   /* int: set to 1 by --name, to 0 by --no-name */
    FLAG_INT,    /* int */
    FLAG_SIZE,   /* size_t */
    FLAG_DOUBLE, /* double */
    FLAG_STRING, /* const char * (points into argv) */
    FLAG_U64,    /* uint64_t */
} flag_kind;

typedef struct {
    const char *name; /* without the leading dashes */
    flag_kind kind;
    void *target;
    const char *value_name; /* shown in help, e.g. "N" */
    const char *help;
    int seen;                /* set by the parser */
} flag_spec;

/*
 * Parses argv[first..argc). Positional arguments go to positional (at most max_positional).
 * Returns 0 on success, or prints an error naming the flag to stderr and returns 2.
 * `--help` prints usage and returns 1.
 */
int flags_parse(const char *command, const char *usage, flag_spec *flags, size_t count,
                int argc, char **argv, int first, const char **positional,
                size_t max_positional, size_t *positional_count);

void flags_print_help(const char *command, const char *usage, const flag_spec *flags,
                      size_t count);

/* Whether flag `name` was given on the command line. */
int flags_seen(const flag_spec *flags, size_t count, const char *name);

#endif
