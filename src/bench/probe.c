/*
 * The device probes of `lae bench`: peak FMA rate and launch latency, with the kernels of
 * kernels/peak.cl. Each probe owns its one buffer and releases it on every path.
 *
 * The peak probe runs a scalar, a float8 and a float16 kernel and keeps the fastest (see
 * kernels/peak.cl for why one width cannot serve every device). Fastest means the best
 * repetition, not the median: the loop touches no memory, so another job on a shared machine
 * can only slow it, and a median there once read half the rate the same kernel reached
 * between two of its own repetitions.
 * It sizes its own work: a first short run measures the rate, and the rounds are then scaled
 * so that one launch lasts about the target time, long enough that launch overhead is noise
 * and short enough that a GPU watchdog never fires.
 */
#include "lae/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cl/check.h"

#define PEAK_ITEMS_PER_UNIT 4096 /* work-items per compute unit: enough to fill any GPU */
#define PEAK_FIRST_ROUNDS 64
#define PEAK_MAX_ROUNDS (1 << 20)

static lae_status run_peak(cl_command_queue queue, cl_kernel kernel, size_t global, int rounds,
                           double *seconds) {
    lae_status status = LAE_OK;
    float s = 0.999f, t = 1e-4f;

    CL_CHECK(clSetKernelArg(kernel, 1, sizeof rounds, &rounds));
    CL_CHECK(clSetKernelArg(kernel, 2, sizeof s, &s));
    CL_CHECK(clSetKernelArg(kernel, 3, sizeof t, &t));
    double start = lae_bench_now();
    CL_CHECK(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL));
    CL_CHECK(clFinish(queue));
    *seconds = lae_bench_now() - start;
fail:
    return status;
}

/* The peak kernels and the flops one work-item does per round of each. */
static const struct {
    const char *name;
    double flops_per_round;
} peak_kernels[] = {
    {"peak_fma", 32.0},
    {"peak_fma8", 192.0},
    {"peak_fma16", 256.0},
};

/* Sizes the rounds of one kernel for the target time, then fills samples with reps rates. */
static lae_status peak_of(lae_context *ctx, cl_kernel kernel, double flops_per_round,
                          size_t global, double target_seconds, size_t reps, double *samples) {
    lae_status status = LAE_OK;
    cl_command_queue queue = lae_context_queue(ctx);
    double seconds = 0.0;

    /* The first launch also pays for the kernel's code generation on some drivers: run it
     * twice and size the rounds from the second. */
    LAE_TRY(run_peak(queue, kernel, global, PEAK_FIRST_ROUNDS, &seconds));
    LAE_TRY(run_peak(queue, kernel, global, PEAK_FIRST_ROUNDS, &seconds));
    double scale = seconds > 0.0 ? target_seconds / seconds : 16.0;
    double wanted = ceil(PEAK_FIRST_ROUNDS * scale);
    int rounds = wanted < PEAK_FIRST_ROUNDS ? PEAK_FIRST_ROUNDS
                 : wanted > PEAK_MAX_ROUNDS ? PEAK_MAX_ROUNDS : (int)wanted;

    for (size_t r = 0; r < reps; r++) {
        LAE_TRY(run_peak(queue, kernel, global, rounds, &seconds));
        samples[r] = flops_per_round * (double)rounds * (double)global / seconds * 1e-9;
    }
fail:
    return status;
}

lae_status lae_bench_peak(lae_context *ctx, double target_seconds, size_t reps,
                          double *samples, const char **kernel_name) {
    lae_status status = LAE_OK;
    cl_mem out = NULL;
    const lae_device_info *info = lae_context_device(ctx);
    size_t units = info->compute_units > 0 ? info->compute_units : 1;
    size_t global = units * PEAK_ITEMS_PER_UNIT;
    double best = -1.0;
    double *trial = malloc(reps * sizeof *trial);

    if (trial == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory for %zu samples", reps);
    }
    LAE_TRY(lae_buffer_create(ctx, global * sizeof(float), &out));
    for (size_t v = 0; v < sizeof peak_kernels / sizeof peak_kernels[0]; v++) {
        cl_kernel kernel = lae_context_kernel(ctx, peak_kernels[v].name);
        if (kernel == NULL) {
            status = LAE_ERR_OPENCL;
            goto fail;
        }
        CL_CHECK(clSetKernelArg(kernel, 0, sizeof out, &out));
        LAE_TRY(peak_of(ctx, kernel, peak_kernels[v].flops_per_round, global, target_seconds,
                        reps, trial));
        lae_bench_stats stats = lae_bench_summarise(trial, reps);
        if (stats.max > best) {
            best = stats.max;
            memcpy(samples, trial, reps * sizeof *samples);
            if (kernel_name != NULL) {
                *kernel_name = peak_kernels[v].name;
            }
        }
    }
fail:
    if (out != NULL) {
        clReleaseMemObject(out);
    }
    free(trial);
    return status;
}

lae_status lae_bench_launch(lae_context *ctx, size_t launches, double *queued_seconds,
                            double *waited_seconds) {
    lae_status status = LAE_OK;
    cl_mem out = NULL;
    cl_kernel kernel = lae_context_kernel(ctx, "launch_probe");
    cl_command_queue queue = lae_context_queue(ctx);
    size_t global = 1;
    float value = 1.0f;

    if (kernel == NULL) {
        return LAE_ERR_OPENCL;
    }
    if (launches == 0) {
        launches = 1;
    }
    LAE_TRY(lae_buffer_create(ctx, sizeof(float), &out));
    CL_CHECK(clSetKernelArg(kernel, 0, sizeof out, &out));
    CL_CHECK(clSetKernelArg(kernel, 1, sizeof value, &value));
    CL_CHECK(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL));
    CL_CHECK(clFinish(queue));

    /* Back to back: what a training step's chain of small kernels pays per launch. */
    double start = lae_bench_now();
    for (size_t i = 0; i < launches; i++) {
        CL_CHECK(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL));
    }
    CL_CHECK(clFinish(queue));
    *queued_seconds = (lae_bench_now() - start) / (double)launches;

    /* With a wait after each: the round trip to the device and back. */
    start = lae_bench_now();
    for (size_t i = 0; i < launches; i++) {
        CL_CHECK(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL));
        CL_CHECK(clFinish(queue));
    }
    *waited_seconds = (lae_bench_now() - start) / (double)launches;
fail:
    if (out != NULL) {
        clReleaseMemObject(out);
    }
    return status;
}
