/*
 * Levelled logging to stderr, with a component prefix.
 *
 * The level comes from lae_log_set_level (the program's -q/-v) or, failing that, from the
 * LAE_LOG variable (error, warn, info, debug). The level is checked before any formatting, so
 * a debug line that is not shown costs one comparison. Results never go through here: they
 * belong on stdout, which only the program writes.
 */
#ifndef LAE_LOG_H
#define LAE_LOG_H

typedef enum {
    LAE_LOG_ERROR = 0,
    LAE_LOG_WARN = 1,
    LAE_LOG_INFO = 2,
    LAE_LOG_DEBUG = 3,
} lae_log_level;

void lae_log_set_level(lae_log_level level);
lae_log_level lae_log_get_level(void);

/* Emits one line "lae[component] level: message" if level is enabled. */
void lae_log_write(lae_log_level level, const char *component, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define LAE_LOG(level, component, ...)                                                           \
    do {                                                                                         \
        if ((level) <= lae_log_get_level()) {                                                    \
            lae_log_write((level), (component), __VA_ARGS__);                                    \
        }                                                                                        \
    } while (0)

#define lae_log_error(component, ...) LAE_LOG(LAE_LOG_ERROR, component, __VA_ARGS__)
#define lae_log_warn(component, ...) LAE_LOG(LAE_LOG_WARN, component, __VA_ARGS__)
#define lae_log_info(component, ...) LAE_LOG(LAE_LOG_INFO, component, __VA_ARGS__)
#define lae_log_debug(component, ...) LAE_LOG(LAE_LOG_DEBUG, component, __VA_ARGS__)

#endif
