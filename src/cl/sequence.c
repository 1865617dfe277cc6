/*
 * Sequences of BLAS operations (include/lae/gemm.h): a GEMM-heavy pass of the training step
 * queued as one unit.
 *
 * On a host-CPU device with native kernels and the host backend, the sequence is one native
 * command: OpenBLAS runs each operation in turn on the buffers in place, the GEMMs split
 * across the helper threads, with no driver scheduling in between. Anywhere else each
 * operation is queued on its own, GEMMs through lae_gemm and the vector operations through
 * the kernels of kernels/bias.cl. Both paths add in the same order, row by row, so a bias
 * gradient comes out bit for bit the same from either.
 */
#include "lae/gemm.h"

#include <cblas.h>
#include <string.h>

#include "cl/check.h"
#include "cl/context_internal.h"
#include "cl/gemm_internal.h"

typedef struct {
    lae_blas_kind kind;
    host_gemm_args g; /* ADD_ROW and COLUMN_SUMS use rows, cols, a, lda, c, ldc of it */
} host_op;

typedef struct {
    int count;
    host_op ops[LAE_BLAS_MAX_OPS];
} host_sequence;

static void host_add_row(const host_gemm_args *g) {
    const float *v = (const float *)g->a + g->a_offset;
    float *c = (float *)g->c + g->c_offset;
    for (int r = 0; r < g->rows; r++) {
        cblas_saxpy(g->cols, 1.0f, v, 1, c + (size_t)r * g->ldc, 1);
    }
}

static void host_column_sums(const host_gemm_args *g) {
    const float *a = (const float *)g->a + g->a_offset;
    float *sums = (float *)g->c + g->c_offset;
    memset(sums, 0, (size_t)g->cols * sizeof *sums);
    for (int r = 0; r < g->rows; r++) {
        cblas_saxpy(g->cols, 1.0f, a + (size_t)r * g->lda, 1, sums, 1);
    }
}

static void host_sequence_run(void *raw) {
    host_sequence *s = raw;
    for (int i = 0; i < s->count; i++) {
        host_op *op = &s->ops[i];
        switch (op->kind) {
        case LAE_BLAS_GEMM: host_gemm_run(&op->g); break;
        case LAE_BLAS_ADD_ROW: host_add_row(&op->g); break;
        case LAE_BLAS_COLUMN_SUMS: host_column_sums(&op->g); break;
        }
    }
}

/* Whether an operation's sizes and the extent it touches stay within 2³¹ entries. */
static int op_fits(const lae_blas_op *op) {
    const size_t limit = (size_t)1 << 31;
    switch (op->kind) {
    case LAE_BLAS_GEMM:
        return gemm_fits(op->rows, op->cols, op->inner, op->lda, op->ldb, op->ldc,
                         op->a_offset, op->b_offset, op->c_offset);
    case LAE_BLAS_ADD_ROW:
        return op->rows < limit && op->cols < limit && op->rows * op->cols < limit &&
               op->c_offset + op->rows * op->ldc < limit && op->a_offset + op->cols < limit;
    case LAE_BLAS_COLUMN_SUMS:
        return op->rows < limit && op->cols < limit &&
               op->a_offset + op->rows * op->lda < limit && op->c_offset + op->cols < limit;
    }
    return 0;
}

static lae_status run_native(lae_context *ctx, const lae_blas_op *ops, size_t count,
                             cl_uint waits, const cl_event *wait_list, cl_event *done) {
    lae_status status = LAE_OK;
    host_sequence s = {.count = (int)count};

    for (size_t i = 0; i < count; i++) {
        const lae_blas_op *op = &ops[i];
        host_op *h = &s.ops[i];
        h->kind = op->kind;
        h->g = (host_gemm_args){
            .trans_a = op->trans_a != 0, .trans_b = op->trans_b != 0,
            .rows = (int)op->rows, .cols = (int)op->cols, .inner = (int)op->inner,
            .lda = (int)op->lda, .ldb = (int)op->ldb, .ldc = (int)op->ldc,
            .a_offset = op->a_offset, .b_offset = op->b_offset, .c_offset = op->c_offset,
            .alpha = op->alpha, .beta = op->beta,
        };
        LAE_TRY(host_pointer(ctx, op->a, &h->g.a));
        if (op->kind == LAE_BLAS_GEMM) {
            LAE_TRY(host_pointer(ctx, op->b, &h->g.b));
        }
        LAE_TRY(host_pointer(ctx, op->c, &h->g.c));
    }
    /* The driver copies s, so it may go out of scope once queued. */
    CL_CHECK(clEnqueueNativeKernel(ctx->queue, host_sequence_run, &s, sizeof s, 0, NULL, NULL,
                                   waits, wait_list, done));
fail:
    return status;
}

typedef struct {
    size_t size;
    const void *value;
} kernel_arg;

#define ARG(x) {sizeof(x), &(x)}

/* Sets a kernel's arguments and queues it over `items` work-items. */
static lae_status launch_1d(lae_context *ctx, const char *name, const kernel_arg *args,
                            cl_uint count, size_t items) {
    lae_status status = LAE_OK;
    cl_kernel kernel = lae_context_kernel(ctx, name);
    size_t local = 64;
    size_t global = (items + local - 1) / local * local;

    if (kernel == NULL) {
        return LAE_ERR_OPENCL;
    }
    for (cl_uint i = 0; i < count; i++) {
        CL_CHECK(clSetKernelArg(kernel, i, args[i].size, args[i].value));
    }
    CL_CHECK(clEnqueueNDRangeKernel(ctx->queue, kernel, 1, NULL, &global, &local, 0, NULL,
                                    NULL));
fail:
    return status;
}

static lae_status run_one(lae_context *ctx, const lae_blas_op *op) {
    int rows = (int)op->rows, cols = (int)op->cols;
    int a_offset = (int)op->a_offset, lda = (int)op->lda;
    int c_offset = (int)op->c_offset, ldc = (int)op->ldc;

    switch (op->kind) {
    case LAE_BLAS_GEMM:
        return lae_gemm(ctx, op->trans_a, op->trans_b, op->rows, op->cols, op->inner, op->alpha,
                        op->a, op->a_offset, op->lda, op->b, op->b_offset, op->ldb, op->beta,
                        op->c, op->c_offset, op->ldc);
    case LAE_BLAS_ADD_ROW: {
        kernel_arg args[] = {ARG(op->c), ARG(c_offset), ARG(ldc), ARG(op->a), ARG(a_offset),
                             ARG(rows), ARG(cols)};
        return launch_1d(ctx, "add_row", args, 7, op->rows * op->cols);
    }
    case LAE_BLAS_COLUMN_SUMS: {
        kernel_arg args[] = {ARG(op->a), ARG(a_offset), ARG(lda), ARG(rows), ARG(cols),
                             ARG(op->c), ARG(c_offset)};
        return launch_1d(ctx, "column_sums", args, 7, op->cols);
    }
    }
    return lae_fail(LAE_ERR_ARG, "BLAS operation of unknown kind %d", (int)op->kind);
}

lae_status lae_blas_run(lae_context *ctx, const lae_blas_op *ops, size_t count, cl_uint waits,
                        const cl_event *wait_list, cl_event *done) {
    lae_status status = LAE_OK;

    if (count > LAE_BLAS_MAX_OPS) {
        return lae_fail(LAE_ERR_ARG, "a BLAS sequence of %zu operations: at most %d", count,
                        LAE_BLAS_MAX_OPS);
    }
    for (size_t i = 0; i < count; i++) {
        if (ops[i].kind != LAE_BLAS_GEMM && ops[i].kind != LAE_BLAS_ADD_ROW &&
            ops[i].kind != LAE_BLAS_COLUMN_SUMS) {
            return lae_fail(LAE_ERR_ARG, "BLAS operation %zu has unknown kind %d", i,
                            (int)ops[i].kind);
        }
        if (!op_fits(&ops[i])) {
            return lae_fail(LAE_ERR_UNSUPPORTED,
                            "BLAS operation %zu (%zu×%zu×%zu) exceeds the 2³¹ index range lae "
                            "supports", i, ops[i].rows, ops[i].cols, ops[i].inner);
        }
    }

    if (ctx->gemm_backend == LAE_GEMM_HOST && ctx->info.native_kernels &&
        lae_device_is_host_cpu(&ctx->info)) {
        return run_native(ctx, ops, count, waits, wait_list, done);
    }

    /* One command per operation: a barrier holds the first for the events, and a marker
     * after the last stands for the whole sequence. */
    if (waits > 0) {
        CL_CHECK(clEnqueueBarrierWithWaitList(ctx->queue, waits, wait_list, NULL));
    }
    for (size_t i = 0; i < count; i++) {
        LAE_TRY(run_one(ctx, &ops[i]));
    }
    if (done != NULL) {
        CL_CHECK(clEnqueueMarkerWithWaitList(ctx->queue, 0, NULL, done));
    }
fail:
    return status;
}
