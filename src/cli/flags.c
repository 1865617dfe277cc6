/*
 * Flag parsing; see flags.h. Numbers must parse completely ("1e-3" yes, "3x" no), so that a
 * typo is an error rather than a silently different run.
 */
#include "cli/flags.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static flag_spec *find(flag_spec *flags, size_t count, const char *name, size_t length) {
    for (size_t i = 0; i < count; i++) {
        if (strlen(flags[i].name) == length && strncmp(flags[i].name, name, length) == 0) {
            return &flags[i];
        }
    }
    return NULL;
}

static int set_value(const char *command, flag_spec *flag, const char *text) {
    char *end = NULL;
    errno = 0;
    switch (flag->kind) {
    case FLAG_INT: {
        long value = strtol(text, &end, 10);
        if (errno == 0 && end != text && *end == '\0' && value >= INT32_MIN &&
            value <= INT32_MAX) {
            *(int *)flag->target = (int)value;
            return 0;
        }
        if (end != text && *end == '\0') {
            fprintf(stderr, "lae %s: --%s: %s is out of range (−2³¹ to 2³¹ − 1)\n", command,
                    flag->name, text);
        } else {
            fprintf(stderr, "lae %s: --%s: expected an integer, got '%s'\n", command,
                    flag->name, text);
        }
        return 2;
    }
    case FLAG_SIZE:
    case FLAG_U64: {
        unsigned long long value = strtoull(text, &end, 10);
        if (errno == 0 && end != text && *end == '\0' && text[0] != '-') {
            if (flag->kind == FLAG_SIZE) {
                *(size_t *)flag->target = (size_t)value;
            } else {
                *(uint64_t *)flag->target = (uint64_t)value;
            }
            return 0;
        }
        if (errno == ERANGE) {
            fprintf(stderr, "lae %s: --%s: %s is out of range (at most 2⁶⁴ − 1)\n", command,
                    flag->name, text);
        } else {
            fprintf(stderr, "lae %s: --%s: expected a non-negative integer, got '%s'\n",
                    command, flag->name, text);
        }
        return 2;
    }
    case FLAG_DOUBLE: {
        double value = strtod(text, &end);
        if (errno == 0 && end != text && *end == '\0' && isfinite(value)) {
            *(double *)flag->target = value;
            return 0;
        }
        if (errno == ERANGE && end != text && *end == '\0') {
            fprintf(stderr, "lae %s: --%s: %s is beyond the range of a double (about 1e±308)\n",
                    command, flag->name, text);
        } else {
            fprintf(stderr, "lae %s: --%s: expected a finite number, got '%s'\n", command,
                    flag->name, text);
        }
        return 2;
    }
    case FLAG_STRING:
        if (text[0] == '\0') {
            fprintf(stderr, "lae %s: --%s: expected a value, got an empty string\n", command,
                    flag->name);
            return 2;
        }
        *(const char **)flag->target = text;
        return 0;
    case FLAG_BOOL:
        break;
    }
    return 2;
}

int flags_parse(const char *command, const char *usage, flag_spec *flags, size_t count,
                int argc, char **argv, int first, const char **positional,
                size_t max_positional, size_t *positional_count) {
    size_t positionals = 0;

    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            flags_print_help(command, usage, flags, count);
            return 1;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (positionals >= max_positional) {
                fprintf(stderr, "lae %s: unexpected argument '%s' (see lae %s --help)\n",
                        command, arg, command);
                return 2;
            }
            positional[positionals++] = arg;
            continue;
        }

        const char *name = arg + 2;
        const char *equals = strchr(name, '=');
        size_t length = equals != NULL ? (size_t)(equals - name) : strlen(name);
        flag_spec *flag = find(flags, count, name, length);

        /* --no-NAME turns a boolean flag off. */
        if (flag == NULL && length > 3 && strncmp(name, "no-", 3) == 0) {
            flag_spec *negated = find(flags, count, name + 3, length - 3);
            if (negated != NULL && negated->kind == FLAG_BOOL && equals == NULL) {
                *(int *)negated->target = 0;
                negated->seen = 1;
                continue;
            }
        }
        if (flag == NULL) {
            fprintf(stderr, "lae %s: unknown flag '--%.*s' (see lae %s --help)\n", command,
                    (int)length, name, command);
            return 2;
        }
        flag->seen = 1;
        if (flag->kind == FLAG_BOOL) {
            if (equals != NULL) {
                fprintf(stderr, "lae %s: --%s takes no value\n", command, flag->name);
                return 2;
            }
            *(int *)flag->target = 1;
            continue;
        }

        const char *value = equals != NULL ? equals + 1 : NULL;
        if (value == NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lae %s: --%s needs a value (%s)\n", command, flag->name,
                        flag->value_name);
                return 2;
            }
            value = argv[++i];
        }
        int result = set_value(command, flag, value);
        if (result != 0) {
            return result;
        }
    }
    if (positional_count != NULL) {
        *positional_count = positionals;
    }
    return 0;
}

void flags_print_help(const char *command, const char *usage, const flag_spec *flags,
                      size_t count) {
    printf("usage: lae %s %s\n\n", command, usage);
    for (size_t i = 0; i < count; i++) {
        char left[64];
        if (flags[i].kind == FLAG_BOOL) {
            snprintf(left, sizeof left, "--%s", flags[i].name);
        } else {
            snprintf(left, sizeof left, "--%s %s", flags[i].name, flags[i].value_name);
        }
        printf("  %-24s %s\n", left, flags[i].help);
    }
}

int flags_seen(const flag_spec *flags, size_t count, const char *name) {
    for (size_t i = 0; i < count; i++) {
        if (strcmp(flags[i].name, name) == 0) {
            return flags[i].seen;
        }
    }
    return 0;
}
