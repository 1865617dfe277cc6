/*
 * The GEMM layer: each backend against a double-precision loop on the host, for every
 * transpose pair, on the training step's shapes and on sizes that are not multiples of the
 * own kernel's tile, with offsets and leading dimensions larger than the matrix.
 */
#include "support.h"

#include <math.h>
#include <string.h>

#include "lae/gemm.h"

static lae_context *ctx;

static int setup(void **state) {
    (void)state;
    ctx = support_open_context();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    lae_context_free(ctx);
    return 0;
}

static void check_backend(lae_gemm_backend backend, size_t rows, size_t cols, size_t inner) {
    lae_gemm_set_backend(ctx, backend);
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            double error = -1.0;
            lae_status status = lae_gemm_check(ctx, ta, tb, rows, cols, inner, 7u, &error);
            print_message("%-7s %s%s %4zu×%4zu×%4zu relative error %.2e\n",
                          lae_gemm_backend_name(backend), ta ? "T" : "N", tb ? "T" : "N", rows,
                          cols, inner, error);
            if (status != LAE_OK) {
                fail_msg("%s", lae_error_message());
            }
            assert_true(error >= 0.0 && error < 1e-5);
        }
    }
}

static void own_matches_host_loop_on_odd_sizes(void **state) {
    (void)state;
    check_backend(LAE_GEMM_OWN, 67, 45, 83);
    check_backend(LAE_GEMM_OWN, 1, 130, 1);
}

static void own_matches_host_loop_on_step_shapes(void **state) {
    (void)state;
    check_backend(LAE_GEMM_OWN, 64, 64, 784);
    check_backend(LAE_GEMM_OWN, 784, 64, 64);
}

static void host_matches_host_loop(void **state) {
    (void)state;
    check_backend(LAE_GEMM_HOST, 67, 45, 83);
    check_backend(LAE_GEMM_HOST, 64, 64, 784);
}

/* Above the 10⁷ flops at which the host backend cuts a GEMM into parts claimed by its
 * threads: taller than wide, wider than tall, and sides that are no multiple of the parts'
 * alignment, so that the last part is short and some parts may be empty. */
static void host_split_matches_host_loop(void **state) {
    (void)state;
    check_backend(LAE_GEMM_HOST, 211, 97, 300);
    check_backend(LAE_GEMM_HOST, 61, 389, 250);
    check_backend(LAE_GEMM_HOST, 20, 41, 7000);
}

static void clblast_matches_host_loop(void **state) {
    (void)state;
    check_backend(LAE_GEMM_CLBLAST, 67, 45, 83);
    check_backend(LAE_GEMM_CLBLAST, 64, 64, 784);
}

/* The upper triangle of AᵀA from a backend against a double loop. */
static void check_syrk(lae_gemm_backend backend, int rows, int m) {
    float *a = malloc((size_t)rows * m * sizeof *a), *c = calloc((size_t)m * m, sizeof *c);
    cl_mem da, dc;

    assert_non_null(a);
    assert_non_null(c);
    for (int i = 0; i < rows * m; i++) {
        a[i] = (float)((i * 37 % 101) - 50) / 50.0f;
    }
    assert_int_equal(lae_buffer_create(ctx, (size_t)rows * m * sizeof *a, &da), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, (size_t)m * m * sizeof *c, &dc), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, da, 0, (size_t)rows * m * sizeof *a, a), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, dc, 0, (size_t)m * m * sizeof *c, c), LAE_OK);
    lae_gemm_set_backend(ctx, backend);
    assert_int_equal(lae_syrk_upper(ctx, (size_t)m, (size_t)rows, 0.5f, da, 0, (size_t)m, 0.0f,
                                    dc, 0, (size_t)m),
                     LAE_OK);
    assert_int_equal(lae_buffer_read(ctx, dc, 0, (size_t)m * m * sizeof *c, c), LAE_OK);
    for (int i = 0; i < m; i++) {
        for (int j = i; j < m; j++) {
            double sum = 0.0;
            for (int r = 0; r < rows; r++) {
                sum += (double)a[r * m + i] * a[r * m + j];
            }
            assert_close(c[i * m + j], 0.5 * sum, 1e-5, 1e-5, lae_gemm_backend_name(backend));
        }
    }
    clReleaseMemObject(dc);
    clReleaseMemObject(da);
    free(c);
    free(a);
}

/* Small, and large enough (m²·rows > 10⁷) for the host backend to split it in two. */
static void syrk_matches_host_loop(void **state) {
    (void)state;
    const lae_gemm_backend backends[] = {LAE_GEMM_OWN, LAE_GEMM_HOST, LAE_GEMM_CLBLAST};
    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        check_syrk(backends[b], 53, 37);
    }
    check_syrk(LAE_GEMM_HOST, 150, 301);
}

static cl_mem upload(const void *data, size_t bytes) {
    cl_mem buffer;
    assert_int_equal(lae_buffer_create(ctx, bytes, &buffer), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, buffer, 0, bytes, data), LAE_OK);
    return buffer;
}

/* Reference for the sequence test: C = op(A)·op(B), all row-major, in double. */
static void naive_product(int trans_b, int rows, int cols, int inner, const double *a,
                          const double *b, double *c) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            double sum = 0.0;
            for (int p = 0; p < inner; p++) {
                sum += a[i * inner + p] * (trans_b ? b[j * inner + p] : b[p * cols + j]);
            }
            c[i * cols + j] = sum;
        }
    }
}

/*
 * A sequence that depends on its own order, as a training step's passes do: H = X·Wᵀ (large
 * enough for the host backend to split it), H += v on every row, Y = H·U, s = column sums of
 * Y into the middle of a buffer; against double loops, on every backend.
 */
static void sequence_matches_host_loops(void **state) {
    (void)state;
    enum { N = 90, M = 300, K = 200, J = 7, S_OFFSET = 5 };
    const lae_gemm_backend backends[] = {LAE_GEMM_OWN, LAE_GEMM_HOST, LAE_GEMM_CLBLAST};
    static float x[N * M], w[K * M], v[K], u[K * J], y[N * J], sums[J + 2 * S_OFFSET];
    static double xd[N * M], wd[K * M], ud[K * J], hd[N * K], yd[N * J];
    cl_mem dx, dw, dv, du, dh, dy, ds;

    for (int i = 0; i < N * M; i++) {
        x[i] = (float)((i * 37 % 101) - 50) / 50.0f;
        xd[i] = x[i];
    }
    for (int i = 0; i < K * M; i++) {
        w[i] = (float)((i * 53 % 89) - 44) / 44.0f;
        wd[i] = w[i];
    }
    for (int i = 0; i < K; i++) {
        v[i] = (float)(i % 11) - 5.0f;
    }
    for (int i = 0; i < K * J; i++) {
        u[i] = (float)((i * 29 % 61) - 30) / 30.0f;
        ud[i] = u[i];
    }
    naive_product(1, N, K, M, xd, wd, hd);
    for (int i = 0; i < N * K; i++) {
        hd[i] += v[i % K];
    }
    naive_product(0, N, J, K, hd, ud, yd);

    dx = upload(x, sizeof x);
    dw = upload(w, sizeof w);
    dv = upload(v, sizeof v);
    du = upload(u, sizeof u);
    assert_int_equal(lae_buffer_create(ctx, N * K * sizeof(float), &dh), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, sizeof y, &dy), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, sizeof sums, &ds), LAE_OK);

    for (size_t be = 0; be < sizeof backends / sizeof backends[0]; be++) {
        const char *name = lae_gemm_backend_name(backends[be]);
        for (int i = 0; i < J + 2 * S_OFFSET; i++) {
            sums[i] = -7.0f;
        }
        assert_int_equal(lae_buffer_write(ctx, ds, 0, sizeof sums, sums), LAE_OK);
        lae_gemm_set_backend(ctx, backends[be]);
        lae_blas_op ops[] = {
            {.kind = LAE_BLAS_GEMM, .trans_b = 1, .rows = N, .cols = K, .inner = M,
             .alpha = 1.0f, .a = dx, .lda = M, .b = dw, .ldb = M, .c = dh, .ldc = K},
            {.kind = LAE_BLAS_ADD_ROW, .rows = N, .cols = K, .a = dv, .c = dh, .ldc = K},
            {.kind = LAE_BLAS_GEMM, .rows = N, .cols = J, .inner = K, .alpha = 1.0f, .a = dh,
             .lda = K, .b = du, .ldb = J, .c = dy, .ldc = J},
            {.kind = LAE_BLAS_COLUMN_SUMS, .rows = N, .cols = J, .a = dy, .lda = J, .c = ds,
             .c_offset = S_OFFSET},
        };
        assert_int_equal(lae_blas_run(ctx, ops, 4, 0, NULL, NULL), LAE_OK);
        assert_int_equal(lae_buffer_read(ctx, dy, 0, sizeof y, y), LAE_OK);
        assert_int_equal(lae_buffer_read(ctx, ds, 0, sizeof sums, sums), LAE_OK);

        for (int i = 0; i < N * J; i++) {
            assert_close(y[i], yd[i], 1e-3, 1e-4, name);
        }
        for (int j = 0; j < J; j++) {
            double sum = 0.0;
            for (int r = 0; r < N; r++) {
                sum += yd[r * J + j];
            }
            assert_close(sums[S_OFFSET + j], sum, 1e-2, 1e-4, name);
        }
        assert_true(sums[S_OFFSET - 1] == -7.0f && sums[S_OFFSET + J] == -7.0f);
    }

    lae_blas_op too_many[LAE_BLAS_MAX_OPS + 1];
    memset(too_many, 0, sizeof too_many);
    assert_int_equal(lae_blas_run(ctx, too_many, LAE_BLAS_MAX_OPS + 1, 0, NULL, NULL), LAE_ERR_ARG);
    lae_gemm_set_backend(ctx, LAE_GEMM_AUTO);
    cl_mem all[] = {ds, dy, dh, du, dv, dw, dx};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        clReleaseMemObject(all[i]);
    }
}

/* A hand-worked product with offsets and a leading dimension wider than the matrix. */
static void offsets_and_leading_dimensions(void **state) {
    (void)state;
    /* A is 2×3 stored at offset 1 with lda 4; B is 3×2 at offset 2 with ldb 3. */
    const float a[9] = {99, 1, 2, 3, 99, 4, 5, 6, 99};
    const float b[11] = {99, 99, 1, 0, 99, 0, 1, 99, 1, 1, 99};
    const float want[2 * 2] = {1 + 3, 2 + 3, 4 + 6, 5 + 6};
    const lae_gemm_backend backends[] = {LAE_GEMM_OWN, LAE_GEMM_HOST, LAE_GEMM_CLBLAST};
    cl_mem da, db, dc;

    assert_int_equal(lae_buffer_create(ctx, sizeof a, &da), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, sizeof b, &db), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, 6 * sizeof(float), &dc), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, da, 0, sizeof a, a), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, db, 0, sizeof b, b), LAE_OK);

    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        float c[6] = {-1, -1, -1, -1, -1, -1};
        lae_gemm_set_backend(ctx, backends[i]);
        /* C at offset 1 with ldc 2, β = 0: the sentinel entries outside must survive. */
        assert_int_equal(lae_buffer_write(ctx, dc, 0, sizeof c, c), LAE_OK);
        assert_int_equal(lae_gemm(ctx, 0, 0, 2, 2, 3, 1.0f, da, 1, 4, db, 2, 3, 0.0f, dc, 1, 2),
                         LAE_OK);
        assert_int_equal(lae_buffer_read(ctx, dc, 0, sizeof c, c), LAE_OK);
        assert_true(c[0] == -1.0f && c[5] == -1.0f);
        for (int e = 0; e < 4; e++) {
            if (c[1 + e] != want[e]) {
                fail_msg("%s: C[%d] = %g, want %g", lae_gemm_backend_name(backends[i]), e,
                         c[1 + e], want[e]);
            }
        }
    }
    clReleaseMemObject(dc);
    clReleaseMemObject(db);
    clReleaseMemObject(da);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offsets_and_leading_dimensions),
        cmocka_unit_test(own_matches_host_loop_on_odd_sizes),
        cmocka_unit_test(own_matches_host_loop_on_step_shapes),
        cmocka_unit_test(host_matches_host_loop),
        cmocka_unit_test(host_split_matches_host_loop),
        cmocka_unit_test(clblast_matches_host_loop),
        cmocka_unit_test(syrk_matches_host_loop),
        cmocka_unit_test(sequence_matches_host_loops),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
