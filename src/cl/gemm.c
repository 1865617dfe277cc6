/*
 * The GEMM layer: one entry point, three backends (see include/lae/gemm.h).
 *
 * The host backend on a CPU device enqueues cblas_sgemm as an OpenCL native kernel, which
 * runs in queue order after the kernels before it, so OpenBLAS works on the buffers in place
 * with no map, no copy and no wait (measured: 473 µs against 546 µs for map-call-unmap on
 * 64×784 by 784×784). A device without native kernels falls back to a blocking map, which is
 * correct anywhere but waits for the queue.
 */
#include "lae/gemm.h"

#include <cblas.h>
#include <clblast_c.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cl/check.h"
#include "cl/context_internal.h"
#include "cl/gemm_internal.h"
#include "cl/host_pool.h"

#define MM_THREADS 16 /* must match kernels/matmul.cl */
#define MM_TILE 64
#define SPLIT_MIN_FLOPS 2e6 /* below this a split costs more than it saves; the 6.4 MFLOP
                             * GEMMs of a k = 64 step ran an epoch about 10 % faster split,
                             * once late helpers could no longer hold the caller up */
#define PARTS_PER_THREAD 4 /* parts of a split GEMM per thread (see cl/host_pool.c) */
#define PART_ALIGN 16      /* rows or columns of a part: a multiple of the sgemm tiles */

const char *lae_gemm_backend_name(lae_gemm_backend backend) {
    switch (backend) {
    case LAE_GEMM_AUTO: return "auto";
    case LAE_GEMM_CLBLAST: return "clblast";
    case LAE_GEMM_HOST: return "host";
    case LAE_GEMM_OWN: return "own";
    }
    return "?";
}

lae_status lae_gemm_backend_parse(const char *name, lae_gemm_backend *backend) {
    static const lae_gemm_backend all[] = {LAE_GEMM_AUTO, LAE_GEMM_CLBLAST, LAE_GEMM_HOST,
                                           LAE_GEMM_OWN};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcasecmp(name, lae_gemm_backend_name(all[i])) == 0) {
            *backend = all[i];
            return LAE_OK;
        }
    }
    return lae_fail(LAE_ERR_ARG, "--gemm: expected auto, clblast, host or own, got '%s'", name);
}

lae_gemm_backend lae_gemm_get_backend(const lae_context *ctx) {
    return ctx->gemm_backend;
}

const char *lae_gemm_describe(const lae_context *ctx) {
    switch (ctx->gemm_backend) {
    case LAE_GEMM_CLBLAST: return "clblast (CLBlast on the device)";
    case LAE_GEMM_OWN: return "own (lae's tiled OpenCL kernel)";
    case LAE_GEMM_HOST:
        if (ctx->info.native_kernels && lae_device_is_host_cpu(&ctx->info)) {
            return "host (OpenBLAS in the queue, zero-copy)";
        }
        return "host (OpenBLAS on mapped buffers, waits for the queue)";
    case LAE_GEMM_AUTO: break;
    }
    return "?";
}

static void host_gemm_part(const host_gemm_args *g, int row0, int rows, int col0, int cols) {
    const float *a = (const float *)g->a + g->a_offset;
    const float *b = (const float *)g->b + g->b_offset;
    float *c = (float *)g->c + g->c_offset;

    /* Rows of C come from rows of op(A); columns of C from columns of op(B). */
    a += g->trans_a ? (size_t)row0 : (size_t)row0 * g->lda;
    b += g->trans_b ? (size_t)col0 * g->ldb : (size_t)col0;
    c += (size_t)row0 * g->ldc + col0;
    cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
                g->trans_b ? CblasTrans : CblasNoTrans, rows, cols, g->inner, g->alpha, a,
                g->lda, b, g->ldb, g->beta, c, g->ldc);
}

/* Where part `part` of `parts` begins along a side of `length`: a multiple of PART_ALIGN, so
 * that every part but the last fills OpenBLAS's micro-kernel tiles. */
static int part_start(int length, int part, int parts) {
    long long start = (long long)length * part / parts;
    start = (start + PART_ALIGN - 1) / PART_ALIGN * PART_ALIGN;
    return start < length ? (int)start : length;
}

/* Part `part` of `parts` of a GEMM, along the larger side of C. */
static void gemm_part_job(const void *raw, int part, int parts) {
    const host_gemm_args *g = raw;
    int longest = g->rows >= g->cols ? g->rows : g->cols;
    int first = part_start(longest, part, parts);
    int last = part_start(longest, part + 1, parts);

    if (last <= first) {
        return;
    }
    if (g->rows >= g->cols) {
        host_gemm_part(g, first, last - first, 0, g->cols);
    } else {
        host_gemm_part(g, 0, g->rows, first, last - first);
    }
}

void host_gemm_run(void *raw) {
    const host_gemm_args *g = raw;
    double flops = 2.0 * g->rows * g->cols * g->inner;
    int parts = flops < SPLIT_MIN_FLOPS ? 1 : PARTS_PER_THREAD * host_pool_threads();

    host_pool_run(gemm_part_job, g, parts);
}

void lae_gemm_set_backend(lae_context *ctx, lae_gemm_backend backend) {
    if (backend == LAE_GEMM_AUTO) {
        backend = lae_device_is_host_cpu(&ctx->info) ? LAE_GEMM_HOST : LAE_GEMM_CLBLAST;
    }
    if (backend == LAE_GEMM_HOST) {
        host_pool_start();
    }
    ctx->gemm_backend = backend;
}

/* The host pointers behind buffers, learned once per buffer (see host_pointer). */
typedef struct {
    cl_mem mem;
    void *pointer;
} pointer_entry;

#define POINTER_CACHE_SIZE 256

static pointer_entry pointer_cache[POINTER_CACHE_SIZE];
static pthread_mutex_t pointer_lock = PTHREAD_MUTEX_INITIALIZER;

static void CL_CALLBACK forget_pointer(cl_mem mem, void *user) {
    (void)user;
    pthread_mutex_lock(&pointer_lock);
    for (int i = 0; i < POINTER_CACHE_SIZE; i++) {
        if (pointer_cache[i].mem == mem) {
            pointer_cache[i].mem = NULL;
            pointer_cache[i].pointer = NULL;
        }
    }
    pthread_mutex_unlock(&pointer_lock);
}

/* A native kernel's arguments for learning one buffer's address. */
typedef struct {
    void *buffer;  /* patched by the driver to the buffer's host address */
    void **answer; /* where to write it, in the caller's memory */
} pointer_probe;

static void record_pointer(void *raw) {
    const pointer_probe *probe = raw;
    *probe->answer = probe->buffer;
}

/*
 * The host address of a buffer on a host-CPU device, from a native kernel that names only
 * that buffer. PoCL 3.1 pairs the buffers of a native kernel with their argument slots in its
 * own order, not in mem_list's, so a native kernel given several buffers can receive them
 * swapped; with one buffer there is nothing to swap. The address is cached until the buffer
 * is destroyed (a destructor callback drops it), so the probe costs one wait per buffer.
 */
lae_status host_pointer(lae_context *ctx, cl_mem mem, void **out) {
    lae_status status = LAE_OK;
    void *answer = NULL;
    pointer_probe probe = {.buffer = mem, .answer = &answer};
    const void *location[1] = {&probe.buffer};

    pthread_mutex_lock(&pointer_lock);
    for (int i = 0; i < POINTER_CACHE_SIZE; i++) {
        if (pointer_cache[i].mem == mem) {
            *out = pointer_cache[i].pointer;
            pthread_mutex_unlock(&pointer_lock);
            return LAE_OK;
        }
    }
    pthread_mutex_unlock(&pointer_lock);

    CL_CHECK(clEnqueueNativeKernel(ctx->queue, record_pointer, &probe, sizeof probe, 1, &mem,
                                   location, 0, NULL, NULL));
    CL_CHECK(clFinish(ctx->queue));
    if (answer == NULL) {
        return lae_fail(LAE_ERR_OPENCL, "device '%s' gave a native kernel no buffer address",
                        ctx->info.name);
    }

    pthread_mutex_lock(&pointer_lock);
    for (int i = 0; i < POINTER_CACHE_SIZE; i++) {
        if (pointer_cache[i].mem == NULL) {
            pointer_cache[i].mem = mem;
            pointer_cache[i].pointer = answer;
            break;
        }
    }
    pthread_mutex_unlock(&pointer_lock);
    /* Without a free slot the address is simply probed again next time. */
    CL_CHECK(clSetMemObjectDestructorCallback(mem, forget_pointer, NULL));
    *out = answer;
fail:
    return status;
}

static lae_status gemm_host(lae_context *ctx, host_gemm_args *args, cl_mem a, cl_mem b,
                            cl_mem c) {
    lae_status status = LAE_OK;
    cl_int err;
    void *mapped[3] = {NULL, NULL, NULL};
    cl_mem mems[3] = {a, b, c};

    if (ctx->info.native_kernels && lae_device_is_host_cpu(&ctx->info)) {
        /* In queue order, after the kernels that produce A and B, with no wait. */
        LAE_TRY(host_pointer(ctx, a, &args->a));
        LAE_TRY(host_pointer(ctx, b, &args->b));
        LAE_TRY(host_pointer(ctx, c, &args->c));
        CL_CHECK(clEnqueueNativeKernel(ctx->queue, host_gemm_run, args, sizeof *args, 0, NULL,
                                       NULL, 0, NULL, NULL));
        return LAE_OK;
    }

    /* Fallback: map the three buffers (the same buffer twice is mapped twice). */
    for (int i = 0; i < 3; i++) {
        size_t size = 0;
        CL_CHECK(clGetMemObjectInfo(mems[i], CL_MEM_SIZE, sizeof size, &size, NULL));
        CL_CHECK_CREATE(mapped[i] = clEnqueueMapBuffer(ctx->queue, mems[i], CL_TRUE,
                                                       CL_MAP_READ | CL_MAP_WRITE, 0, size, 0,
                                                       NULL, NULL, &err),
                        err);
    }
    args->a = mapped[0];
    args->b = mapped[1];
    args->c = mapped[2];
    host_gemm_run(args);
fail:
    for (int i = 2; i >= 0; i--) {
        if (mapped[i] != NULL) {
            clEnqueueUnmapMemObject(ctx->queue, mems[i], mapped[i], 0, NULL, NULL);
        }
    }
    return status;
}

static lae_status gemm_clblast(lae_context *ctx, const host_gemm_args *g, cl_mem a, cl_mem b,
                               cl_mem c) {
    CLBlastStatusCode code = CLBlastSgemm(
        CLBlastLayoutRowMajor, g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
        g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, (size_t)g->rows, (size_t)g->cols,
        (size_t)g->inner, g->alpha, a, g->a_offset, (size_t)g->lda, b, g->b_offset,
        (size_t)g->ldb, g->beta, c, g->c_offset, (size_t)g->ldc, &ctx->queue, NULL);
    if (code != CLBlastSuccess) {
        /* CLBlast reuses OpenCL's codes for OpenCL failures and has its own below −1000. */
        const char *name = code > -1000 ? lae_cl_error_name(code) : "a CLBlast-specific code";
        return lae_fail(LAE_ERR_CLBLAST,
                        "CLBlastSgemm(%s%s, %d×%d×%d) on '%s' failed with %d (%s); "
                        "try --gemm own",
                        g->trans_a ? "T" : "N", g->trans_b ? "T" : "N", g->rows, g->cols,
                        g->inner, ctx->info.name, (int)code, name);
    }
    return LAE_OK;
}

static lae_status gemm_own(lae_context *ctx, const host_gemm_args *g, cl_mem a, cl_mem b,
                           cl_mem c) {
    lae_status status = LAE_OK;
    cl_kernel kernel = lae_context_kernel(ctx, "matmul");
    int a_offset = (int)g->a_offset;
    int b_offset = (int)g->b_offset;
    int c_offset = (int)g->c_offset;
    int arg = 0;

    if (kernel == NULL) {
        return LAE_ERR_OPENCL;
    }
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->trans_a));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->trans_b));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->rows));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->cols));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->inner));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(float), &g->alpha));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(cl_mem), &a));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &a_offset));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->lda));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(cl_mem), &b));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &b_offset));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->ldb));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(float), &g->beta));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(cl_mem), &c));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &c_offset));
    CL_CHECK(clSetKernelArg(kernel, arg++, sizeof(int), &g->ldc));

    size_t local[2] = {MM_THREADS, MM_THREADS};
    size_t global[2] = {(size_t)(g->cols + MM_TILE - 1) / MM_TILE * MM_THREADS,
                        (size_t)(g->rows + MM_TILE - 1) / MM_TILE * MM_THREADS};
    CL_CHECK(clEnqueueNDRangeKernel(ctx->queue, kernel, 2, NULL, global, local, 0, NULL, NULL));
fail:
    return status;
}

int gemm_fits(size_t rows, size_t cols, size_t inner, size_t lda, size_t ldb, size_t ldc,
              size_t a_offset, size_t b_offset, size_t c_offset) {
    /* The own kernel and OpenBLAS index with int; refuse what would overflow rather than
     * compute garbage. */
    const size_t limit = (size_t)1 << 31;
    return rows < limit && cols < limit && inner < limit && lda < limit && ldb < limit &&
           ldc < limit && a_offset < limit && b_offset < limit && c_offset < limit;
}

lae_status lae_gemm(lae_context *ctx, int trans_a, int trans_b, size_t rows, size_t cols,
                    size_t inner, float alpha, cl_mem a, size_t a_offset, size_t lda, cl_mem b,
                    size_t b_offset, size_t ldb, float beta, cl_mem c, size_t c_offset,
                    size_t ldc) {
    if (!gemm_fits(rows, cols, inner, lda, ldb, ldc, a_offset, b_offset, c_offset)) {
        return lae_fail(LAE_ERR_UNSUPPORTED,
                        "GEMM of %zu×%zu×%zu exceeds the 2³¹ index range lae supports", rows,
                        cols, inner);
    }
    if (rows == 0 || cols == 0) {
        return LAE_OK;
    }

    host_gemm_args args = {
        .trans_a = trans_a != 0, .trans_b = trans_b != 0,
        .rows = (int)rows, .cols = (int)cols, .inner = (int)inner,
        .lda = (int)lda, .ldb = (int)ldb, .ldc = (int)ldc,
        .a_offset = a_offset, .b_offset = b_offset, .c_offset = c_offset,
        .alpha = alpha, .beta = beta,
    };
    switch (ctx->gemm_backend) {
    case LAE_GEMM_CLBLAST: return gemm_clblast(ctx, &args, a, b, c);
    case LAE_GEMM_HOST: return gemm_host(ctx, &args, a, b, c);
    case LAE_GEMM_OWN: return gemm_own(ctx, &args, a, b, c);
    case LAE_GEMM_AUTO: break;
    }
    return lae_fail(LAE_ERR_ARG, "GEMM backend not set on the context");
}

/* What the host SYRK receives: C (m×m, upper) = α·AᵀA + β·C, A rows×m. */
typedef struct {
    int m, rows, lda, ldc;
    size_t a_offset, c_offset;
    float alpha, beta;
    void *a, *c;
} host_syrk_args;

/*
 * The upper triangle in SYRK_BLOCKS × SYRK_BLOCKS blocks of columns: part p is one block
 * (bi, bj), bi ≤ bj, in row order of the upper triangle; a diagonal block is a SYRK, the
 * others GEMMs of twice its work. The threads claim parts as they come free, which evens
 * out both the mix of sizes and a helper that starts late.
 */
#define SYRK_BLOCKS 4
#define SYRK_PARTS (SYRK_BLOCKS * (SYRK_BLOCKS + 1) / 2)

static void syrk_part_job(const void *raw, int part, int parts) {
    const host_syrk_args *s = raw;
    const float *a = (const float *)s->a + s->a_offset;
    float *c = (float *)s->c + s->c_offset;
    int blocks = parts == SYRK_PARTS ? SYRK_BLOCKS : 1;
    int bi = 0, bj = 0, p = part;

    /* Part p → block (bi, bj) of the upper triangle, row by row. */
    while (p >= blocks - bi) {
        p -= blocks - bi;
        bi++;
    }
    bj = bi + p;
    int i0 = s->m * bi / blocks, i1 = s->m * (bi + 1) / blocks;
    int j0 = s->m * bj / blocks, j1 = s->m * (bj + 1) / blocks;
    if (i1 <= i0 || j1 <= j0) {
        return;
    }
    if (bi == bj) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, i1 - i0, s->rows, s->alpha, a + i0,
                    s->lda, s->beta, c + (size_t)i0 * s->ldc + i0, s->ldc);
    } else {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, i1 - i0, j1 - j0, s->rows,
                    s->alpha, a + i0, s->lda, a + j0, s->lda, s->beta,
                    c + (size_t)i0 * s->ldc + j0, s->ldc);
    }
}

static void host_syrk_run(void *raw) {
    const host_syrk_args *s = raw;
    double flops = (double)s->m * s->m * s->rows;
    int split = flops >= SPLIT_MIN_FLOPS && s->m >= SYRK_BLOCKS;
    host_pool_run(syrk_part_job, s, split ? SYRK_PARTS : 1);
}

lae_status lae_syrk_upper(lae_context *ctx, size_t m, size_t rows, float alpha, cl_mem a,
                          size_t a_offset, size_t lda, float beta, cl_mem c, size_t c_offset,
                          size_t ldc) {
    lae_status status = LAE_OK;
    const size_t limit = (size_t)1 << 31;
    cl_int err;
    size_t a_size = 0, c_size = 0;
    void *a_map = NULL, *c_map = NULL;

    if (m >= limit || rows >= limit || lda >= limit || ldc >= limit || a_offset >= limit ||
        c_offset >= limit) {
        return lae_fail(LAE_ERR_UNSUPPORTED,
                        "SYRK of %zu×%zu by %zu rows exceeds the 2³¹ index range", m, m, rows);
    }
    if (m == 0) {
        return LAE_OK;
    }

    if (ctx->gemm_backend == LAE_GEMM_OWN) {
        /* The own kernel has no SYRK: the full product fills the upper triangle too. */
        return lae_gemm(ctx, 1, 0, m, m, rows, alpha, a, a_offset, lda, a, a_offset, lda, beta,
                        c, c_offset, ldc);
    }
    if (ctx->gemm_backend == LAE_GEMM_CLBLAST) {
        CLBlastStatusCode code = CLBlastSsyrk(CLBlastLayoutRowMajor, CLBlastTriangleUpper,
                                              CLBlastTransposeYes, m, rows, alpha, a, a_offset,
                                              lda, beta, c, c_offset, ldc, &ctx->queue, NULL);
        if (code != CLBlastSuccess) {
            return lae_fail(LAE_ERR_CLBLAST, "CLBlastSsyrk(%zu×%zu by %zu rows) on '%s' failed "
                            "with %d; try --gemm own", m, m, rows, ctx->info.name, (int)code);
        }
        return LAE_OK;
    }

    host_syrk_args args = {
        .m = (int)m, .rows = (int)rows, .lda = (int)lda, .ldc = (int)ldc,
        .a_offset = a_offset, .c_offset = c_offset, .alpha = alpha, .beta = beta,
    };
    if (ctx->info.native_kernels && lae_device_is_host_cpu(&ctx->info)) {
        LAE_TRY(host_pointer(ctx, a, &args.a));
        LAE_TRY(host_pointer(ctx, c, &args.c));
        CL_CHECK(clEnqueueNativeKernel(ctx->queue, host_syrk_run, &args, sizeof args, 0, NULL,
                                       NULL, 0, NULL, NULL));
        return LAE_OK;
    }

    /* Anywhere else the host backend maps both buffers and waits. */
    CL_CHECK(clGetMemObjectInfo(a, CL_MEM_SIZE, sizeof a_size, &a_size, NULL));
    CL_CHECK(clGetMemObjectInfo(c, CL_MEM_SIZE, sizeof c_size, &c_size, NULL));
    CL_CHECK_CREATE(a_map = clEnqueueMapBuffer(ctx->queue, a, CL_TRUE, CL_MAP_READ, 0, a_size, 0,
                                               NULL, NULL, &err),
                    err);
    CL_CHECK_CREATE(c_map = clEnqueueMapBuffer(ctx->queue, c, CL_TRUE,
                                               CL_MAP_READ | CL_MAP_WRITE, 0, c_size, 0, NULL,
                                               NULL, &err),
                    err);
    args.a = a_map;
    args.c = c_map;
    host_syrk_run(&args);
fail:
    if (c_map != NULL) {
        clEnqueueUnmapMemObject(ctx->queue, c, c_map, 0, NULL, NULL);
    }
    if (a_map != NULL) {
        clEnqueueUnmapMemObject(ctx->queue, a, a_map, 0, NULL, NULL);
    }
    return status;
}

/* A small generator for test operands, so that the check needs no global state. */
static float next_operand(unsigned *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 16777216.0f - 0.5f;
}

lae_status lae_gemm_check(lae_context *ctx, int trans_a, int trans_b, size_t rows, size_t cols,
                          size_t inner, unsigned seed, double *max_error) {
    lae_status status = LAE_OK;
    size_t a_count = rows * inner;
    size_t b_count = inner * cols;
    size_t c_count = rows * cols;
    float *host = malloc((a_count + b_count + 2 * c_count) * sizeof *host);
    cl_mem a = NULL, b = NULL, c = NULL;
    double worst = 0.0;

    if (host == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory checking GEMM");
    }
    float *ha = host, *hb = ha + a_count, *hc = hb + b_count, *result = hc + c_count;
    for (size_t i = 0; i < a_count + b_count + c_count; i++) {
        host[i] = next_operand(&seed);
    }

    /* Leading dimensions are those of the stored (untransposed) arrays. */
    size_t lda = trans_a ? rows : inner;
    size_t ldb = trans_b ? inner : cols;
    float alpha = 0.75f, beta = 0.5f;
    LAE_TRY(lae_buffer_create(ctx, a_count * sizeof(float), &a));
    LAE_TRY(lae_buffer_create(ctx, b_count * sizeof(float), &b));
    LAE_TRY(lae_buffer_create(ctx, c_count * sizeof(float), &c));
    LAE_TRY(lae_buffer_write(ctx, a, 0, a_count * sizeof(float), ha));
    LAE_TRY(lae_buffer_write(ctx, b, 0, b_count * sizeof(float), hb));
    LAE_TRY(lae_buffer_write(ctx, c, 0, c_count * sizeof(float), hc));
    LAE_TRY(lae_gemm(ctx, trans_a, trans_b, rows, cols, inner, alpha, a, 0, lda, b, 0, ldb,
                     beta, c, 0, cols));
    LAE_TRY(lae_buffer_read(ctx, c, 0, c_count * sizeof(float), result));

    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++) {
            double sum = 0.0, scale = 0.0;
            for (size_t p = 0; p < inner; p++) {
                double x = trans_a ? ha[p * lda + i] : ha[i * lda + p];
                double y = trans_b ? hb[j * ldb + p] : hb[p * ldb + j];
                sum += x * y;
                scale += fabs(x * y);
            }
            double expected = alpha * sum + beta * hc[i * cols + j];
            scale = alpha * scale + fabs(beta * hc[i * cols + j]) + 1e-30;
            double error = fabs(result[i * cols + j] - expected) / scale;
            if (!(error <= worst)) {
                worst = isnan(error) ? INFINITY : error;
            }
        }
    }
    if (max_error != NULL) {
        *max_error = worst;
    }
    if (worst > 1e-4) {
        status = lae_fail(LAE_ERR_WRONG,
                          "GEMM backend '%s' on '%s' computed wrong results for %s%s %zu×%zu×%zu "
                          "(relative error %.3g); use another --gemm",
                          lae_gemm_backend_name(ctx->gemm_backend), ctx->info.name,
                          trans_a ? "T" : "N", trans_b ? "T" : "N", rows, cols, inner, worst);
    }
fail:
    if (c != NULL) {
        clReleaseMemObject(c);
    }
    if (b != NULL) {
        clReleaseMemObject(b);
    }
    if (a != NULL) {
        clReleaseMemObject(a);
    }
    free(host);
    return status;
}
