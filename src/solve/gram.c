/*
 * G = XᵀX on the device, chunk by chunk; see include/lae/gram.h. Each chunk is a buffer over
 * the caller's rows (lae_buffer_wrap): on a CPU device the product reads them in place, with
 * no copy; elsewhere the driver copies the chunk in as it makes the buffer. The product and
 * the read-back of a chunk run in order; overlapping one chunk's copy with the last one's
 * product would need events, and gains nothing on a CPU device.
 */
#include "lae/gram.h"

#include <stdlib.h>
#include <string.h>

#include "cl/check.h"
#include "lae/gemm.h"

#define DEFAULT_CHUNK_ROWS 4096

lae_status lae_gram_compute(lae_context *ctx, const float *x, size_t n, size_t m,
                            size_t chunk_rows, double *g, double *mu) {
    lae_status status = LAE_OK;
    cl_mem chunk = NULL, product = NULL;
    float *partial = NULL;
    float *low = NULL, *high = NULL;

    if (chunk_rows == 0) {
        chunk_rows = DEFAULT_CHUNK_ROWS;
    }
    if (chunk_rows > n) {
        chunk_rows = n;
    }
    memset(g, 0, m * m * sizeof *g);
    memset(mu, 0, m * sizeof *mu);
    if (n == 0) {
        return LAE_OK;
    }

    partial = malloc(m * m * sizeof *partial);
    low = malloc(m * sizeof *low);
    high = malloc(m * sizeof *high);
    if (partial == NULL || low == NULL || high == NULL) {
        free(high);
        free(low);
        free(partial);
        return lae_fail(LAE_ERR_NOMEM, "out of memory for a %zu×%zu Gram matrix", m, m);
    }
    LAE_TRY(lae_buffer_create(ctx, m * m * sizeof(float), &product));

    for (size_t row0 = 0; row0 < n; row0 += chunk_rows) {
        size_t rows = n - row0 < chunk_rows ? n - row0 : chunk_rows;

        /* The upper triangle of X_chunkᵀ·X_chunk: (m×rows)(rows×m), half a GEMM. */
        LAE_TRY(lae_buffer_wrap(ctx, x + row0 * m, rows * m * sizeof(float), &chunk));
        LAE_TRY(lae_syrk_upper(ctx, m, rows, 1.0f, chunk, 0, m, 0.0f, product, 0, m));
        LAE_TRY(lae_buffer_read(ctx, product, 0, m * m * sizeof(float), partial));
        clReleaseMemObject(chunk);
        chunk = NULL;
        for (size_t i = 0; i < m; i++) {
            for (size_t j = i; j < m; j++) {
                g[i * m + j] += partial[i * m + j];
            }
        }
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < i; j++) {
            g[i * m + j] = g[j * m + i];
        }
    }

    /* The means, in double, and each column's range, on the host: one pass over data
     * already in memory. */
    for (size_t j = 0; j < m; j++) {
        low[j] = high[j] = x[j];
    }
    for (size_t r = 0; r < n; r++) {
        const float *row = x + r * m;
        for (size_t j = 0; j < m; j++) {
            mu[j] += row[j];
            low[j] = row[j] < low[j] ? row[j] : low[j];
            high[j] = row[j] > high[j] ? row[j] : high[j];
        }
    }
    for (size_t j = 0; j < m; j++) {
        mu[j] /= (double)n;
    }

    /* A constant column j (MNIST's border pixels) has exactly G_ij = n·v·μ_i. The float
     * products leave it a variance of about 1e-8 instead of 0, which would hide it from the
     * solver's test for constant features; write its exact row and column instead. */
    for (size_t j = 0; j < m; j++) {
        if (low[j] != high[j]) {
            continue;
        }
        double v = low[j];
        for (size_t i = 0; i < m; i++) {
            double exact = (double)n * v * mu[i];
            g[i * m + j] = exact;
            g[j * m + i] = exact;
        }
        g[j * m + j] = (double)n * v * v;
    }
fail:
    if (product != NULL) {
        clReleaseMemObject(product);
    }
    if (chunk != NULL) {
        clReleaseMemObject(chunk);
    }
    free(high);
    free(low);
    free(partial);
    return status;
}
