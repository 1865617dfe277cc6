/*
 * Levelled logging to stderr. The first call reads LAE_LOG once; an explicit
 * lae_log_set_level (from -q or -v) wins over the variable.
 */
#include "lae/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int current_level = -1;

static lae_log_level level_from_env(void) {
    const char *value = getenv("LAE_LOG");
    if (value == NULL) {
        return LAE_LOG_INFO;
    }
    if (strcasecmp(value, "error") == 0) {
        return LAE_LOG_ERROR;
    }
    if (strcasecmp(value, "warn") == 0) {
        return LAE_LOG_WARN;
    }
    if (strcasecmp(value, "debug") == 0) {
        return LAE_LOG_DEBUG;
    }
    if (value[0] != '\0' && strcasecmp(value, "info") != 0) {
        fprintf(stderr, "lae: warning: LAE_LOG='%s' is not error, warn, info or debug; "
                "logging at info\n", value);
    }
    return LAE_LOG_INFO;
}

void lae_log_set_level(lae_log_level level) {
    current_level = (int)level;
}

lae_log_level lae_log_get_level(void) {
    if (current_level < 0) {
        current_level = (int)level_from_env();
    }
    return (lae_log_level)current_level;
}

void lae_log_write(lae_log_level level, const char *component, const char *fmt, ...) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char line[2048];
    va_list args;

    va_start(args, fmt);
    vsnprintf(line, sizeof line, fmt, args);
    va_end(args);

    /* One fprintf per line keeps lines whole when threads log at once. */
    fprintf(stderr, "lae[%s] %s: %s\n", component, names[level], line);
}
