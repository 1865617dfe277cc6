/*
 * A small streaming JSON writer for the commands' --json output: objects, arrays, strings
 * with escapes, and numbers (non-finite numbers become null, which JSON can represent).
 */
#ifndef LAE_CLI_JSON_H
#define LAE_CLI_JSON_H

#include <stdio.h>

typedef struct {
    FILE *out;
    int depth;
    int need_comma[32];
} json_writer;

void json_init(json_writer *w, FILE *out);
void json_object_begin(json_writer *w, const char *key); /* key NULL inside arrays/at top */
void json_object_end(json_writer *w);
void json_array_begin(json_writer *w, const char *key);
void json_array_end(json_writer *w);
void json_string(json_writer *w, const char *key, const char *value);
void json_number(json_writer *w, const char *key, double value);
void json_int(json_writer *w, const char *key, long long value);
void json_bool(json_writer *w, const char *key, int value);

#endif
