/*
 * Measuring a device for `lae bench`: summaries of repeated timings, the flop counts and exact
 * GEMM shapes of a training step, and two probes (peak FMA rate, kernel launch latency).
 *
 * Only measurement lives here; choosing what to run, and printing it, is the program's job
 * (src/cli/cmd_bench.c). Dimension letters as in model.h: m features, k rank, nb rows of a
 * minibatch, n examples. Times are wall-clock seconds from CLOCK_MONOTONIC around a clFinish,
 * so they include the queue's overheads, as a training run sees them.
 */
#ifndef LAE_BENCH_H
#define LAE_BENCH_H

#include <stddef.h>

#include "lae/device.h"
#include "lae/status.h"

/* ---- Repetitions -------------------------------------------------------------------------- */

/* The spread of repeated timings; quartiles interpolate linearly between order statistics. */
typedef struct {
    size_t count;
    double median;
    double min, max;
    double q1, q3; /* 25th and 75th percentiles */
} lae_bench_stats;

/*
 * Summarises count samples (not modified; NaNs are ignored). With no finite sample every field
 * but count is NaN and count is 0.
 */
lae_bench_stats lae_bench_summarise(const double *samples, size_t count);

/* Seconds on CLOCK_MONOTONIC, for timing around library calls. */
double lae_bench_now(void);

/* ---- GEMM shapes -------------------------------------------------------------------------- */

/* One lae_gemm call's shape, transposes, leading dimensions and offsets, in floats. */
typedef struct {
    const char *name; /* what it computes, such as "H = Z·W_encᵀ" */
    int trans_a, trans_b;
    size_t rows, cols, inner;
    size_t lda, ldb, ldc;
    size_t a_offset, b_offset, c_offset;
    size_t a_floats, b_floats, c_floats; /* buffer sizes the call needs */
} lae_bench_shape;

/* 2·rows·cols·inner: the multiply-adds of C = op(A)·op(B), counted as two flops each. */
double lae_bench_gemm_flops(const lae_bench_shape *shape);

/* Number of GEMMs in one training step. */
#define LAE_BENCH_STEP_GEMMS 5

/*
 * The five GEMMs of one training step on nb rows of an m→k autoencoder, exactly as
 * src/train/trainer.c issues them (the parameter block [W_enc | b_enc | W_dec | b_dec] gives
 * W_dec and ∂W_dec the offset k·m + k): H = Z·W_encᵀ (NT nb×k×m), Y = H·W_decᵀ (NT nb×m×k),
 * ∂W_dec = Rᵀ·H (TN m×k×nb), dH = R·W_dec (NN nb×k×m), ∂W_enc = dHᵀ·Z (TN k×m×nb).
 */
void lae_bench_step_shapes(size_t nb, size_t m, size_t k,
                           lae_bench_shape shapes[LAE_BENCH_STEP_GEMMS]);

/* The Gram matrix XᵀX of n×m data: TN, m×m×n. */
lae_bench_shape lae_bench_gram_shape(size_t n, size_t m);

/* GEMM flops of one training step on nb rows: 10·nb·m·k (forward 2, backward 3 GEMMs). */
double lae_bench_step_flops(size_t nb, size_t m, size_t k);

/* GEMM flops of an epoch over n examples: 10·n·m·k, whatever the batch size. */
double lae_bench_epoch_flops(size_t n, size_t m, size_t k);

/* ---- Probes ------------------------------------------------------------------------------- */

/*
 * The device's peak single-precision rate from kernels/peak.cl: independent FMA chains per
 * work-item, scalar (peak_fma) and float16 (peak_fma16), over a global size of compute
 * units × 4096. Each kernel is first timed with few rounds, then with enough rounds to run
 * for about target_seconds, reps times; samples (caller-allocated, reps) receives the rates
 * in GFLOP/s of the kernel with the higher median, and *kernel_name (if not NULL) its name.
 * Returns an OpenCL status on failure.
 */
lae_status lae_bench_peak(lae_context *ctx, double target_seconds, size_t reps,
                          double *samples, const char **kernel_name);

/*
 * Launch latency of a one-item kernel (kernels/peak.cl's launch_probe): queued `launches`
 * times back to back then waited for once (*queued_seconds per launch), and launched and
 * waited for each time (*waited_seconds per launch). Each is one sample.
 */
lae_status lae_bench_launch(lae_context *ctx, size_t launches, double *queued_seconds,
                            double *waited_seconds);

#endif
