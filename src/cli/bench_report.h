/*
 * The results of `lae bench`, kept apart from how they are shown: cmd_bench.c fills a
 * bench_run, and three renderers read it (a text table, one JSON object, a PNG bar chart).
 * A measurement that could not run is kept, with its state and the reason, so that every
 * renderer shows what was skipped and why, and a wrong backend is never shown with a speed.
 */
#ifndef LAE_CLI_BENCH_REPORT_H
#define LAE_CLI_BENCH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "lae/bench.h"
#include "lae/device.h"

typedef enum {
    BENCH_OK = 0,
    BENCH_SKIPPED, /* not run here: no such backend, no data, not built yet */
    BENCH_WRONG,   /* ran, but computed wrong numbers; not timed */
    BENCH_FAILED,  /* a call failed; the reason holds its message */
} bench_state;

const char *bench_state_name(bench_state state);

typedef struct {
    char section[16]; /* "peak", "compile", "launch", "gemm", "train" or "solve" */
    char name[96];    /* what was measured, such as "H = Z·W_encᵀ" or "epoch" */
    char label[64];   /* the shape or model, such as "NT 64×64×784" or "EDLAE k=64" */
    char backend[16]; /* GEMM backend used, "" when none applies */
    size_t k;         /* the rank the measurement belongs to, 0 when none */
    bench_state state;
    char reason[320];
    lae_bench_stats seconds; /* per operation; count 0 when not timed */
    double flops;            /* per operation; 0 when it is not a rate */
    lae_bench_stats gflops;  /* flops / seconds, or measured directly (peak) */
    double max_error;        /* GEMM check: largest relative error, NaN when not checked */
    int has_shape;           /* GEMM results: the call's shape */
    lae_bench_shape shape;
} bench_result;

typedef struct {
    lae_device_info info;
    int host_cpu;
    int opened;        /* 0: the context could not be created; error says why */
    char error[320];
    double peak_gflops; /* median of the peak probe, NaN when it did not run */
    bench_result *results;
    size_t count, capacity;
} bench_device;

typedef struct {
    size_t reps;
    int quick;
    size_t batch;
    size_t train_examples;
    size_t gram_rows;
    int cold;
    const char *cache_dir; /* POCL_CACHE_DIR when --cold set it, else NULL */
    bench_device *devices;
    size_t count;
} bench_run;

/* Appends a zeroed result (state BENCH_OK, NaN figures) to device; NULL when out of memory. */
bench_result *bench_add(bench_device *device, const char *section, const char *name,
                        const char *label, const char *backend, size_t k);

/* Fills result's seconds from samples and, when flops > 0, its rates. */
void bench_set_seconds(bench_result *result, const double *samples, size_t count, double flops);

/* The fraction of the device's peak a result reached (median rate / peak), NaN if unknown. */
double bench_fraction_of_peak(const bench_device *device, const bench_result *result);

void bench_run_free(bench_run *run);

/* One object on out: settings, then each device with its results (see docs in cmd_bench.c). */
void bench_write_json(FILE *out, const bench_run *run);

/* A table per device on out, for people. */
void bench_print_table(FILE *out, const bench_run *run);

/*
 * A horizontal bar chart of every rate (peak, GEMMs, epochs) in GFLOP/s on a log axis, one
 * bar per device, written to path as a PNG. Returns the report module's status.
 */
lae_status bench_write_png(const char *path, const bench_run *run);

#endif
