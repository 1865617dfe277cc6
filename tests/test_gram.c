/*
 * The device-side pieces of solving and scoring: the chunked Gram matrix against a double
 * loop, the exact expected loss against an average over masks drawn by the device's own
 * dropout kernel, and a solution's factors as model weights.
 */
#include "support.h"

#include <math.h>
#include <string.h>

#include "lae/gram.h"
#include "lae/rng.h"
#include "lae/solve.h"

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

static void fill(float *x, size_t count, unsigned seed) {
    lae_rng rng;
    lae_rng_seed(&rng, seed);
    for (size_t i = 0; i < count; i++) {
        x[i] = (float)(2.0 * lae_rng_uniform(&rng) - 0.5);
    }
}

/* 31 rows in chunks of 7 (the last chunk partial) against the plain sums. */
static void gram_matches_double_loop(void **state) {
    (void)state;
    enum { N = 31, M = 9 };
    float x[N * M];
    double g[M * M], mu[M];

    fill(x, N * M, 1);
    assert_int_equal(lae_gram_compute(ctx, x, N, M, 7, g, mu), LAE_OK);
    for (int i = 0; i < M; i++) {
        double mean = 0.0;
        for (int r = 0; r < N; r++) {
            mean += x[r * M + i];
        }
        assert_close(mu[i], mean / N, 1e-12, 1e-12, "column mean");
        for (int j = 0; j < M; j++) {
            double sum = 0.0;
            for (int r = 0; r < N; r++) {
                sum += (double)x[r * M + i] * x[r * M + j];
            }
            assert_close(g[i * M + j], sum, 1e-5, 1e-6, "Gram entry");
        }
    }
}

/* A constant column keeps exactly zero variance, so the solver can see it is constant. */
static void constant_column_is_exact(void **state) {
    (void)state;
    enum { N = 5000, M = 5 };
    static float x[N * M];
    double g[M * M], mu[M];
    const float v = (float)((0.0 - 0.1307) / 0.3081); /* a blank pixel, normalised */

    fill(x, N * M, 4);
    for (int r = 0; r < N; r++) {
        x[r * M + 2] = v;
    }
    assert_int_equal(lae_gram_compute(ctx, x, N, M, 512, g, mu), LAE_OK);
    assert_true(mu[2] == (double)v);
    assert_true(g[2 * M + 2] / N - mu[2] * mu[2] == 0.0);
    for (int i = 0; i < M; i++) {
        assert_true(g[i * M + 2] == g[2 * M + i]);
        assert_close(g[i * M + 2], N * (double)v * mu[i], 1e-9, 1e-12, "constant column");
    }
}

/*
 * E[L] of MATH.md (with a bias c when c is not NULL) against the mean of L over S masks drawn
 * by the device's dropout_gather kernel itself: one launch of S·N rows, row s·N + r being
 * example r of sample s (through the permutation), whose Z and mask are read back and scored
 * in double on the host. The standard error is estimated from the samples; the test allows
 * 4 of them, and requires the error bar to be narrow, so that the check has teeth.
 */
static void check_sampled_loss(const lae_objective *objective, const double *c) {
    enum { N = 20, M = 6, S = 4000, ROWS = N * S };
    static float x[N * M], z[ROWS * M];
    static unsigned char mask[ROWS * M];
    static int perm[ROWS];
    double b[M * M], g[M * M], mu[M];
    const double q = 1.0 - objective->p;

    fill(x, N * M, 2);
    lae_rng rng;
    lae_rng_seed(&rng, 3);
    for (int i = 0; i < M * M; i++) {
        b[i] = 0.6 * lae_rng_uniform(&rng) - 0.2;
    }
    for (int i = 0; i < ROWS; i++) {
        perm[i] = i % N;
    }
    assert_int_equal(lae_gram_compute(ctx, x, N, M, 0, g, mu), LAE_OK);
    double exact = c != NULL ? lae_expected_loss_bias(g, mu, N, M, b, c, objective)
                             : lae_expected_loss(g, M, b, objective);

    /* The draw, on the device. */
    cl_mem dz, dmask, dx, dperm;
    assert_int_equal(lae_buffer_create(ctx, sizeof z, &dz), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, sizeof mask, &dmask), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, sizeof x, &dx), LAE_OK);
    assert_int_equal(lae_buffer_create(ctx, sizeof perm, &dperm), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, dx, 0, sizeof x, x), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, dperm, 0, sizeof perm, perm), LAE_OK);
    cl_kernel kernel = lae_context_kernel(ctx, "dropout_gather");
    assert_non_null(kernel);
    int row0 = 0, nb = ROWS, m = M;
    cl_uint seed_lo = 99, seed_hi = 0, step_lo = 5, step_hi = 0;
    cl_uint threshold = lae_drop_threshold(objective->p);
    float scale = (float)(1.0 / q);
    const void *values[] = {&dz, &dmask, &dx, &dperm, &row0, &nb, &m, &seed_lo, &seed_hi,
                            &step_lo, &step_hi, &threshold, &scale};
    const size_t sizes[] = {sizeof dz, sizeof dmask, sizeof dx, sizeof dperm, sizeof row0,
                            sizeof nb, sizeof m, 4, 4, 4, 4, 4, sizeof scale};
    for (cl_uint a = 0; a < 13; a++) {
        assert_int_equal(clSetKernelArg(kernel, a, sizes[a], values[a]), CL_SUCCESS);
    }
    size_t global[2] = {1, ROWS}; /* ⌈⌈6/4⌉/8⌉ = 1 item covers a row */
    assert_int_equal(clEnqueueNDRangeKernel(lae_context_queue(ctx), kernel, 2, NULL, global,
                                            NULL, 0, NULL, NULL),
                     CL_SUCCESS);
    assert_int_equal(lae_buffer_read(ctx, dz, 0, sizeof z, z), LAE_OK);
    assert_int_equal(lae_buffer_read(ctx, dmask, 0, sizeof mask, mask), LAE_OK);
    clReleaseMemObject(dperm);
    clReleaseMemObject(dx);
    clReleaseMemObject(dmask);
    clReleaseMemObject(dz);

    double sum = 0.0, sum_sq = 0.0;
    for (int s = 0; s < S; s++) {
        double loss = 0.0;
        for (int r = 0; r < N; r++) {
            const float *zr = z + (size_t)(s * N + r) * M;
            const unsigned char *kept = mask + (size_t)(s * N + r) * M;
            for (int j = 0; j < M; j++) {
                double xhat = c != NULL ? c[j] : 0.0;
                for (int i = 0; i < M; i++) {
                    xhat += zr[i] * b[i * M + j];
                }
                double residual = x[r * M + j] - xhat;
                loss += (kept[j] ? objective->b : objective->a) * residual * residual;
            }
        }
        sum += loss;
        sum_sq += loss * loss;
    }
    double mean = sum / S, se = sqrt((sum_sq / S - mean * mean) / S);
    print_message("p %.2f a %.1f b %.1f bias %s: exact %.6f, sampled %.6f ± %.6f\n",
                  objective->p, objective->a, objective->b, c != NULL ? "yes" : "no", exact,
                  mean, se);
    assert_true(fabs(mean - exact) < 4 * se);
    assert_true(se < 0.02 * exact);
}

static void expected_loss_matches_sampled_masks(void **state) {
    (void)state;
    const double c[6] = {0.3, -0.2, 0.1, 0.0, 0.5, -0.4};
    lae_objective emphasis = lae_objective_make(LAE_KIND_EDLAE, 0.3, 2.5, 0.5);
    lae_objective full_emphasis = lae_objective_make(LAE_KIND_EDLAE, 0.2, 1.0, 0.0);
    lae_objective dropout = lae_objective_make(LAE_KIND_DLAE, 0.4, 1.0, 1.0);
    check_sampled_loss(&emphasis, NULL);
    check_sampled_loss(&full_emphasis, c);
    check_sampled_loss(&dropout, c);
}

static void solution_becomes_model_weights(void **state) {
    (void)state;
    enum { M = 5, K = 2 };
    double u[M * K], v[M * K], c[M];
    lae_solution solution = {.m = M, .k = K, .u = u, .v = v, .c = c};
    lae_model model;
    double *product = NULL;

    for (int i = 0; i < M * K; i++) {
        u[i] = 0.1 * (i + 1);
        v[i] = 0.2 * (i % 3) - 0.1;
    }
    for (int i = 0; i < M; i++) {
        c[i] = i - 2.0;
    }
    assert_int_equal(lae_solution_to_model(&solution, 1, &model), LAE_OK);
    assert_int_equal(lae_model_product(&model, &product), LAE_OK);
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            double want = u[i * K] * v[j * K] + u[i * K + 1] * v[j * K + 1];
            assert_close(product[i * M + j], want, 1e-7, 1e-6, "B entry");
        }
        assert_float_equal(model.b_dec[i], c[i], 0.0f);
        if (i < K) {
            assert_float_equal(model.b_enc[i], 0.0f, 0.0f);
        }
    }
    assert_string_equal(model.source, "solved");
    free(product);
    lae_model_free(&model);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gram_matches_double_loop),
        cmocka_unit_test(constant_column_is_exact),
        cmocka_unit_test(expected_loss_matches_sampled_masks),
        cmocka_unit_test(solution_becomes_model_weights),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
