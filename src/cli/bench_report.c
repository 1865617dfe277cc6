/*
 * The results of `lae bench` and their three renderers; see bench_report.h. Nothing here
 * touches a device: the renderers read a filled bench_run, so the tests can build one by hand.
 *
 * Rates are derived from times: a median rate is flops over the median time, and the rate's
 * min and max come from the max and min times. The peak probe measures rates directly.
 */
#include "cli/bench_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/json.h"
#include "lae/report.h"

const char *bench_state_name(bench_state state) {
    switch (state) {
    case BENCH_OK: return "ok";
    case BENCH_SKIPPED: return "skipped";
    case BENCH_WRONG: return "wrong";
    case BENCH_FAILED: return "failed";
    }
    return "?";
}

static lae_bench_stats no_stats(void) {
    lae_bench_stats s = {.count = 0, .median = NAN, .min = NAN, .max = NAN, .q1 = NAN,
                         .q3 = NAN};
    return s;
}

bench_result *bench_add(bench_device *d, const char *section, const char *name,
                        const char *label, const char *backend, size_t k) {
    if (d->count == d->capacity) {
        size_t capacity = d->capacity > 0 ? 2 * d->capacity : 32;
        bench_result *grown = realloc(d->results, capacity * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        d->results = grown;
        d->capacity = capacity;
    }
    bench_result *r = &d->results[d->count++];
    memset(r, 0, sizeof *r);
    snprintf(r->section, sizeof r->section, "%s", section);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->label, sizeof r->label, "%s", label != NULL ? label : "");
    snprintf(r->backend, sizeof r->backend, "%s", backend != NULL ? backend : "");
    r->k = k;
    r->state = BENCH_OK;
    r->seconds = no_stats();
    r->gflops = no_stats();
    r->max_error = NAN;
    return r;
}

void bench_set_seconds(bench_result *r, const double *samples, size_t count, double flops) {
    r->seconds = lae_bench_summarise(samples, count);
    r->flops = flops;
    if (flops > 0 && r->seconds.count > 0) {
        /* Rate quantiles are those of the times, reversed: rate falls as time grows. */
        r->gflops.count = r->seconds.count;
        r->gflops.median = flops / r->seconds.median * 1e-9;
        r->gflops.min = flops / r->seconds.max * 1e-9;
        r->gflops.max = flops / r->seconds.min * 1e-9;
        r->gflops.q1 = flops / r->seconds.q3 * 1e-9;
        r->gflops.q3 = flops / r->seconds.q1 * 1e-9;
    }
}

double bench_fraction_of_peak(const bench_device *d, const bench_result *r) {
    if (r->state != BENCH_OK || strcmp(r->section, "peak") == 0 || !(d->peak_gflops > 0)) {
        return NAN;
    }
    return r->gflops.median / d->peak_gflops;
}

void bench_run_free(bench_run *run) {
    for (size_t i = 0; i < run->count; i++) {
        free(run->devices[i].results);
    }
    free(run->devices);
    run->devices = NULL;
    run->count = 0;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_stats(json_writer *w, const char *key, const lae_bench_stats *s) {
    json_object_begin(w, key);
    json_int(w, "count", (long long)s->count);
    json_number(w, "median", s->median);
    json_number(w, "min", s->min);
    json_number(w, "max", s->max);
    json_number(w, "q1", s->q1);
    json_number(w, "q3", s->q3);
    json_object_end(w);
}

static void json_result(json_writer *w, const bench_device *d, const bench_result *r) {
    json_object_begin(w, NULL);
    json_string(w, "section", r->section);
    json_string(w, "name", r->name);
    json_string(w, "label", r->label);
    json_string(w, "backend", r->backend);
    json_int(w, "k", (long long)r->k);
    json_string(w, "status", bench_state_name(r->state));
    json_string(w, "reason", r->reason);
    json_stats(w, "seconds", &r->seconds);
    json_number(w, "flops", r->flops > 0 ? r->flops : NAN);
    json_stats(w, "gflops", &r->gflops);
    json_number(w, "fraction_of_peak", bench_fraction_of_peak(d, r));
    json_number(w, "max_error", r->max_error);
    if (r->has_shape) {
        json_object_begin(w, "shape");
        json_bool(w, "trans_a", r->shape.trans_a);
        json_bool(w, "trans_b", r->shape.trans_b);
        json_int(w, "rows", (long long)r->shape.rows);
        json_int(w, "cols", (long long)r->shape.cols);
        json_int(w, "inner", (long long)r->shape.inner);
        json_int(w, "lda", (long long)r->shape.lda);
        json_int(w, "ldb", (long long)r->shape.ldb);
        json_int(w, "ldc", (long long)r->shape.ldc);
        json_int(w, "a_offset", (long long)r->shape.a_offset);
        json_int(w, "b_offset", (long long)r->shape.b_offset);
        json_int(w, "c_offset", (long long)r->shape.c_offset);
        json_object_end(w);
    }
    json_object_end(w);
}

void bench_write_json(FILE *out, const bench_run *run) {
    json_writer w;
    json_init(&w, out);
    json_object_begin(&w, NULL);
    json_string(&w, "command", "bench");
    json_string(&w, "lae_version", LAE_VERSION_STRING);
    json_object_begin(&w, "settings");
    json_int(&w, "reps", (long long)run->reps);
    json_bool(&w, "quick", run->quick);
    json_int(&w, "batch", (long long)run->batch);
    json_int(&w, "train_examples", (long long)run->train_examples);
    json_int(&w, "gram_rows", (long long)run->gram_rows);
    json_bool(&w, "cold", run->cold);
    json_string(&w, "pocl_cache_dir", run->cache_dir);
    json_object_end(&w);

    json_array_begin(&w, "devices");
    for (size_t i = 0; i < run->count; i++) {
        const bench_device *d = &run->devices[i];
        json_object_begin(&w, NULL);
        json_int(&w, "index", d->info.index);
        json_string(&w, "name", d->info.name);
        json_string(&w, "vendor", d->info.vendor);
        json_string(&w, "platform", d->info.platform);
        json_string(&w, "type", lae_device_type_name(d->info.type));
        json_string(&w, "driver", d->info.driver);
        json_string(&w, "opencl_c", d->info.c_version);
        json_int(&w, "compute_units", d->info.compute_units);
        json_bool(&w, "host_cpu", d->host_cpu);
        json_string(&w, "status", d->opened ? "ok" : "failed");
        json_string(&w, "error", d->error);
        json_number(&w, "peak_gflops", d->peak_gflops);
        json_array_begin(&w, "results");
        for (size_t j = 0; j < d->count; j++) {
            json_result(&w, d, &d->results[j]);
        }
        json_array_end(&w);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
}

/* ---- Table -------------------------------------------------------------------------------- */

/* Prints s left-aligned in width columns, counting UTF-8 characters rather than bytes. */
static void print_padded(FILE *out, const char *s, int width) {
    int shown = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        shown += (*c & 0xC0) != 0x80;
    }
    fputs(s, out);
    /* A cell wider than its column still ends with a space before the next one. */
    do {
        fputc(' ', out);
    } while (++shown < width);
}

/* A time with a unit that keeps three or four significant figures readable. */
static void format_time(char *out, size_t size, double seconds) {
    if (!isfinite(seconds)) {
        snprintf(out, size, "-");
    } else if (seconds < 1e-3) {
        snprintf(out, size, "%.1f us", seconds * 1e6);
    } else if (seconds < 1.0) {
        snprintf(out, size, "%.2f ms", seconds * 1e3);
    } else {
        snprintf(out, size, "%.3f s", seconds);
    }
}

/* The rate a table row or bar shows: the median, except for the peak probe, whose figure is
 * its best repetition (see src/bench/probe.c). */
static double shown_rate(const bench_result *r) {
    return strcmp(r->section, "peak") == 0 ? r->gflops.max : r->gflops.median;
}

static void print_result(FILE *out, const bench_device *d, const bench_result *r) {
    char what[192], median[32], lo[32], hi[32], spread[80], rate[48], frac[16];

    snprintf(what, sizeof what, "%s %s%s%s", r->section, r->name, r->label[0] ? "  " : "",
             r->label);
    fputs("  ", out);
    print_padded(out, what, 54);
    print_padded(out, r->backend, 9);
    if (r->state != BENCH_OK) {
        fprintf(out, "%s: %s\n", bench_state_name(r->state), r->reason);
        return;
    }

    if (r->seconds.count > 0) {
        format_time(median, sizeof median, r->seconds.median);
        format_time(lo, sizeof lo, r->seconds.min);
        format_time(hi, sizeof hi, r->seconds.max);
        snprintf(spread, sizeof spread, "%s – %s", lo, hi);
    } else {
        snprintf(median, sizeof median, "-");
        snprintf(spread, sizeof spread, "%.1f – %.1f GFLOP/s", r->gflops.min, r->gflops.max);
    }
    if (r->gflops.count > 0) {
        snprintf(rate, sizeof rate, "%9.2f", shown_rate(r));
    } else {
        snprintf(rate, sizeof rate, "%9s", "");
    }
    double f = bench_fraction_of_peak(d, r);
    if (isfinite(f)) {
        snprintf(frac, sizeof frac, "%6.1f%%", 100.0 * f);
    } else {
        frac[0] = '\0';
    }
    print_padded(out, median, 11);
    print_padded(out, spread, 26);
    fprintf(out, "%s %s\n", rate, frac);
}

void bench_print_table(FILE *out, const bench_run *run) {
    fprintf(out, "lae bench: %zu repetitions, batch %zu, %zu training examples, Gram of %zu "
            "rows%s%s\n", run->reps, run->batch, run->train_examples, run->gram_rows,
            run->quick ? ", quick" : "", run->cold ? ", cold compile" : "");
    for (size_t i = 0; i < run->count; i++) {
        const bench_device *d = &run->devices[i];
        fprintf(out, "\ndevice %d: %s (%s, %s, driver %s)\n", d->info.index, d->info.name,
                d->info.platform, lae_device_type_name(d->info.type), d->info.driver);
        if (!d->opened) {
            fprintf(out, "  not measured: %s\n", d->error);
            continue;
        }
        fputs("  ", out);
        print_padded(out, "measurement", 54);
        print_padded(out, "backend", 9);
        print_padded(out, "median", 11);
        print_padded(out, "spread (min – max)", 26);
        fprintf(out, "%9s %7s\n", "GFLOP/s", "of peak");
        for (size_t j = 0; j < d->count; j++) {
            print_result(out, d, &d->results[j]);
        }
    }
}

/* ---- PNG ---------------------------------------------------------------------------------- */

/* Whether result j of some device is a rate worth a bar: the peak, GEMMs and epochs. */
static int charted(const bench_result *r) {
    return strcmp(r->section, "peak") == 0 || strcmp(r->section, "gemm") == 0 ||
           (strcmp(r->section, "train") == 0 && strcmp(r->name, "epoch") == 0);
}

static int same_measurement(const bench_result *a, const bench_result *b) {
    return strcmp(a->section, b->section) == 0 && strcmp(a->name, b->name) == 0 &&
           strcmp(a->label, b->label) == 0 && strcmp(a->backend, b->backend) == 0;
}

lae_status bench_write_png(const char *path, const bench_run *run) {
    lae_status status = LAE_OK;
    size_t capacity = 0, ncat = 0, nser = run->count;
    const bench_result **keys = NULL;
    char (*names)[200] = NULL;
    const char **categories = NULL;
    const char **series = NULL;
    char (*series_names)[272] = NULL;
    double *values = NULL;
    lae_canvas *canvas = NULL;

    /* Categories: every charted measurement of any device, in first-seen order. */
    for (size_t i = 0; i < run->count; i++) {
        capacity += run->devices[i].count;
    }
    keys = calloc(capacity + 1, sizeof *keys);
    names = calloc(capacity + 1, sizeof *names);
    categories = calloc(capacity + 1, sizeof *categories);
    series = calloc(nser + 1, sizeof *series);
    series_names = calloc(nser + 1, sizeof *series_names);
    values = malloc((capacity + 1) * (nser + 1) * sizeof *values);
    if (!keys || !names || !categories || !series || !series_names || !values) {
        status = lae_fail(LAE_ERR_NOMEM, "out of memory drawing %s", path);
        goto done;
    }
    for (size_t i = 0; i < run->count; i++) {
        const bench_device *d = &run->devices[i];
        for (size_t j = 0; j < d->count; j++) {
            const bench_result *r = &d->results[j];
            size_t c = 0;
            while (c < ncat && !same_measurement(keys[c], r)) {
                c++;
            }
            if (charted(r) && c == ncat) {
                keys[ncat] = r;
                snprintf(names[ncat], sizeof names[ncat], "%s %s%s%s%s%s", r->section, r->name,
                         r->label[0] ? " " : "", r->label, r->backend[0] ? " · " : "",
                         r->backend);
                categories[ncat] = names[ncat];
                ncat++;
            }
        }
    }
    if (ncat == 0) {
        status = lae_fail(LAE_ERR_ARG, "--png %s: no device produced a rate to draw", path);
        goto done;
    }

    /* Values: NaN where a device lacks the measurement or it did not run. */
    for (size_t s = 0; s < nser; s++) {
        const bench_device *d = &run->devices[s];
        snprintf(series_names[s], sizeof series_names[s], "%d: %s", d->info.index,
                 d->info.name);
        series[s] = series_names[s];
        for (size_t c = 0; c < ncat; c++) {
            values[c * nser + s] = NAN;
            for (size_t j = 0; j < d->count; j++) {
                if (same_measurement(keys[c], &d->results[j]) &&
                    d->results[j].state == BENCH_OK) {
                    values[c * nser + s] = shown_rate(&d->results[j]);
                }
            }
        }
    }

    lae_bar_chart chart = {
        .categories = categories, .ncategories = ncat, .series = series, .nseries = nser,
        .values = values, .log_x = 1,
        .title = "lae bench: median GFLOP/s, best for the peak (log scale)", .xlabel = "GFLOP/s",
    };
    int height = lae_bar_chart_height(&chart) + 16;
    status = lae_canvas_create(&canvas, 1100, height);
    if (status == LAE_OK) {
        status = lae_draw_bar_chart(canvas, (lae_rect){8, 8, 1100 - 16, height - 16}, &chart,
                                    NULL);
    }
    if (status == LAE_OK) {
        /* What was measured, where: every device's name, and the settings of the run. */
        char devices[1024] = "", settings[160];
        for (size_t i = 0; i < run->count; i++) {
            size_t used = strlen(devices);
            snprintf(devices + used, sizeof devices - used, "%s%d: %s", i > 0 ? "; " : "",
                     run->devices[i].info.index, run->devices[i].info.name);
        }
        snprintf(settings, sizeof settings, "%zu repetitions, batch %zu, %zu training examples, "
                 "Gram of %zu rows%s", run->reps, run->batch, run->train_examples,
                 run->gram_rows, run->quick ? ", quick" : "");
        lae_png_text texts[] = {{"Software", "lae " LAE_VERSION_STRING " bench"},
                                {"device", devices}, {"settings", settings},
                                {"lae version", LAE_VERSION_STRING}};
        status = lae_canvas_save_png(canvas, path, texts, 4);
    }
done:
    lae_canvas_free(canvas);
    free(values);
    free(series_names);
    free(series);
    free(categories);
    free(names);
    free(keys);
    return status;
}
