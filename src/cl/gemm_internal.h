/*
 * The host-BLAS pieces of the GEMM layer that src/cl/sequence.c shares with src/cl/gemm.c.
 */
#ifndef LAE_CL_GEMM_INTERNAL_H
#define LAE_CL_GEMM_INTERNAL_H

#include <stddef.h>

#include "lae/gemm.h"

/* One host GEMM, C = α·op(A)·op(B) + β·C row-major; a, b, c are host pointers. */
typedef struct {
    int trans_a, trans_b;
    int rows, cols, inner;
    int lda, ldb, ldc;
    size_t a_offset, b_offset, c_offset;
    float alpha, beta;
    void *a, *b, *c;
} host_gemm_args;

/* Runs a host GEMM (a host_gemm_args), cut into parts for the helper threads when large. */
void host_gemm_run(void *args);

/* The host address of a buffer of a host-CPU device with native kernels, cached per buffer;
 * the first call for a buffer waits for the queue. */
lae_status host_pointer(lae_context *ctx, cl_mem mem, void **out);

/* Whether a GEMM's sizes, leading dimensions and offsets stay within the 2³¹ range that the
 * own kernel and OpenBLAS index with. */
int gemm_fits(size_t rows, size_t cols, size_t inner, size_t lda, size_t ldb, size_t ldc,
              size_t a_offset, size_t b_offset, size_t c_offset);

#endif
