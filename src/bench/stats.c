/*
 * Summaries of repeated timings: median, extremes and quartiles. Quartiles interpolate
 * linearly between order statistics (Hyndman and Fan's type 7, numpy's default), so that a
 * handful of repetitions still gives a spread. No outlier rejection: a noisy machine should
 * show as a wide spread, not be hidden.
 */
#include "lae/bench.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted[0..n), n ≥ 1. */
static double quantile(const double *sorted, size_t n, double q) {
    double position = q * (double)(n - 1);
    size_t below = (size_t)floor(position);
    if (below + 1 >= n) {
        return sorted[n - 1];
    }
    double frac = position - (double)below;
    return sorted[below] + frac * (sorted[below + 1] - sorted[below]);
}

lae_bench_stats lae_bench_summarise(const double *samples, size_t count) {
    lae_bench_stats stats = {.count = 0, .median = NAN, .min = NAN, .max = NAN, .q1 = NAN,
                             .q3 = NAN};
    double *sorted = malloc((count > 0 ? count : 1) * sizeof *sorted);
    size_t n = 0;

    if (sorted == NULL) {
        return stats;
    }
    for (size_t i = 0; i < count; i++) {
        if (isfinite(samples[i])) {
            sorted[n++] = samples[i];
        }
    }
    if (n > 0) {
        qsort(sorted, n, sizeof *sorted, compare_doubles);
        stats.count = n;
        stats.min = sorted[0];
        stats.max = sorted[n - 1];
        stats.median = quantile(sorted, n, 0.5);
        stats.q1 = quantile(sorted, n, 0.25);
        stats.q3 = quantile(sorted, n, 0.75);
    }
    free(sorted);
    return stats;
}

double lae_bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
