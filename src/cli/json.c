/* The JSON writer; see json.h. Output is compact except for a newline after the top level. */
#include "cli/json.h"

#include <math.h>

void json_init(json_writer *w, FILE *out) {
    w->out = out;
    w->depth = 0;
    w->need_comma[0] = 0;
}

static void write_escaped(FILE *out, const char *text) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        switch (*c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*c < 0x20) {
                fprintf(out, "\\u%04x", *c);
            } else {
                fputc(*c, out);
            }
        }
    }
    fputc('"', out);
}

static void begin_value(json_writer *w, const char *key) {
    if (w->need_comma[w->depth]) {
        fputc(',', w->out);
    }
    w->need_comma[w->depth] = 1;
    if (key != NULL) {
        write_escaped(w->out, key);
        fputc(':', w->out);
    }
}

void json_object_begin(json_writer *w, const char *key) {
    begin_value(w, key);
    fputc('{', w->out);
    w->need_comma[++w->depth] = 0;
}

void json_object_end(json_writer *w) {
    fputc('}', w->out);
    if (--w->depth == 0) {
        fputc('\n', w->out);
    }
}

void json_array_begin(json_writer *w, const char *key) {
    begin_value(w, key);
    fputc('[', w->out);
    w->need_comma[++w->depth] = 0;
}

void json_array_end(json_writer *w) {
    fputc(']', w->out);
    if (--w->depth == 0) {
        fputc('\n', w->out);
    }
}

void json_string(json_writer *w, const char *key, const char *value) {
    begin_value(w, key);
    write_escaped(w->out, value != NULL ? value : "");
}

void json_number(json_writer *w, const char *key, double value) {
    begin_value(w, key);
    if (isfinite(value)) {
        fprintf(w->out, "%.10g", value);
    } else {
        fputs("null", w->out);
    }
}

void json_int(json_writer *w, const char *key, long long value) {
    begin_value(w, key);
    fprintf(w->out, "%lld", value);
}

void json_bool(json_writer *w, const char *key, int value) {
    begin_value(w, key);
    fputs(value ? "true" : "false", w->out);
}
