/*
 * Matrix multiplication on device buffers, through one of three backends.
 *
 *   C = α·op(A)·op(B) + β·C,  row-major, op(A) rows×inner, op(B) inner×cols, C rows×cols,
 *   offsets and leading dimensions in floats.
 *
 * Backends: CLBlast (the default on GPUs and accelerators); the host's BLAS (OpenBLAS) working
 * in place on the buffers, the default when the device is the host CPU, as PoCL is, where it
 * runs an order of magnitude faster than CLBlast; and lae's own tiled kernel (kernels/matmul.cl),
 * the fallback and the reference on the device. Every call is queued in order with the
 * context's kernels; none waits for the device unless the backend must (see gemm.c).
 */
#ifndef LAE_GEMM_H
#define LAE_GEMM_H

#include <stddef.h>

#include "lae/opencl.h"
#include "lae/status.h"

typedef struct lae_context lae_context;

typedef enum {
    LAE_GEMM_AUTO = 0, /* host BLAS on a host-CPU device, CLBlast elsewhere */
    LAE_GEMM_CLBLAST = 1,
    LAE_GEMM_HOST = 2,
    LAE_GEMM_OWN = 3,
} lae_gemm_backend;

/* "auto", "clblast", "host" or "own". */
const char *lae_gemm_backend_name(lae_gemm_backend backend);

/* Parses a backend name; LAE_ERR_ARG names the flag and the accepted values otherwise. */
lae_status lae_gemm_backend_parse(const char *name, lae_gemm_backend *backend);

/* Sets the context's backend; LAE_GEMM_AUTO resolves to the device's default. */
void lae_gemm_set_backend(lae_context *ctx, lae_gemm_backend backend);

/* The backend in use (never LAE_GEMM_AUTO). */
lae_gemm_backend lae_gemm_get_backend(const lae_context *ctx);

/* A short description of how the backend runs on this device, for the start-up line. */
const char *lae_gemm_describe(const lae_context *ctx);

/* Queues C = α·op(A)·op(B) + β·C with the context's backend. */
lae_status lae_gemm(lae_context *ctx, int trans_a, int trans_b, size_t rows, size_t cols,
                    size_t inner, float alpha, cl_mem a, size_t a_offset, size_t lda, cl_mem b,
                    size_t b_offset, size_t ldb, float beta, cl_mem c, size_t c_offset,
                    size_t ldc);

/*
 * A short sequence of operations on device buffers, queued in order as one unit: the forward
 * pass and the backward pass of a training step are each one. On the host backend in a CPU
 * device's queue the whole sequence is one native command (OpenBLAS for every operation),
 * which saves the driver's scheduling between commands, about 15 µs each on PoCL; elsewhere
 * each operation is its own command (CLBlast or the own kernel for GEMMs, the kernels of
 * kernels/bias.cl for the others). Offsets and leading dimensions are in floats.
 */
typedef enum {
    LAE_BLAS_GEMM,        /* C = α·op(A)·op(B) + β·C, as lae_gemm */
    LAE_BLAS_ADD_ROW,     /* C[r, j] += A[j] for r < rows, j < cols: a bias on every row */
    LAE_BLAS_COLUMN_SUMS, /* C[j] = Σ_r A[r, j] for j < cols, r < rows, in row order */
} lae_blas_kind;

typedef struct {
    lae_blas_kind kind;
    int trans_a, trans_b; /* GEMM only */
    size_t rows, cols, inner;
    float alpha, beta;    /* GEMM only */
    cl_mem a;
    size_t a_offset, lda; /* lda: GEMM and COLUMN_SUMS */
    cl_mem b;             /* GEMM only */
    size_t b_offset, ldb;
    cl_mem c;
    size_t c_offset, ldc; /* ldc: GEMM and ADD_ROW */
} lae_blas_op;

#define LAE_BLAS_MAX_OPS 8 /* operations in one sequence */

/*
 * Queues ops[0 .. count) in order, after the commands before them in the context's queue and
 * after the `waits` events of wait_list (which may come from another queue). If done is not
 * NULL it receives an event that completes with the last operation; the caller releases it.
 * LAE_ERR_ARG for more than LAE_BLAS_MAX_OPS or an unknown kind, LAE_ERR_UNSUPPORTED for sizes
 * beyond the 2³¹ index range; nothing is queued then.
 */
lae_status lae_blas_run(lae_context *ctx, const lae_blas_op *ops, size_t count, cl_uint waits,
                        const cl_event *wait_list, cl_event *done);

/*
 * Queues the upper triangle of C = α·AᵀA + β·C (C m×m, A rows×m, row-major): half the work
 * of the GEMM, for Gram matrices. The strict lower triangle of C is left as it was, except
 * with the own backend, which has no SYRK and computes the full product.
 */
lae_status lae_syrk_upper(lae_context *ctx, size_t m, size_t rows, float alpha, cl_mem a,
                          size_t a_offset, size_t lda, float beta, cl_mem c, size_t c_offset,
                          size_t ldc);

/*
 * Checks the context's backend on one shape and transpose pair against a double-precision
 * loop on the host, with random operands from seed. Returns LAE_ERR_WRONG, naming the backend,
 * shape and error, when any entry is off by more than 1e-4 of Σ_p |a_ip·b_pj|. *max_error, if
 * not NULL, receives the largest such relative error. Debian 12's CLBlast 1.5.3 has a GEMM
 * variant that computes wrong results on some devices (fixed in 1.6.3), which this catches.
 */
lae_status lae_gemm_check(lae_context *ctx, int trans_a, int trans_b, size_t rows, size_t cols,
                          size_t inner, unsigned seed, double *max_error);

#endif
