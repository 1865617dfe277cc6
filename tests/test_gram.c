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
 * E[L] of MATH.md against the mean of L over S masks drawn by dropout_gather on the device
 * (through lae_dropout_kept, which the kernel tests prove bit-identical). The standard error
 * is estimated from the samples themselves; the test allows 4 of them.
 */
static void expected_loss_matches_sampled_masks(void **state) {
    (void)state;
    enum { N = 20, M = 6, S = 4000 };
    float x[N * M];
    double b[M * M], g[M * M], mu[M];
    const double p = 0.3, q = 1.0 - p;
    lae_objective objective = lae_objective_make(LAE_KIND_EDLAE, p, 2.5, 0.5);
    uint32_t threshold = lae_drop_threshold(p);

    fill(x, N * M, 2);
    lae_rng rng;
    lae_rng_seed(&rng, 3);
    for (int i = 0; i < M * M; i++) {
        b[i] = 0.6 * lae_rng_uniform(&rng) - 0.2;
    }
    assert_int_equal(lae_gram_compute(ctx, x, N, M, 0, g, mu), LAE_OK);
    double exact = lae_expected_loss(g, M, b, &objective);

    double sum = 0.0, sum_sq = 0.0;
    for (int s = 0; s < S; s++) {
        double loss = 0.0;
        for (int r = 0; r < N; r++) {
            double z[M];
            int kept[M];
            for (int j = 0; j < M; j++) {
                kept[j] = lae_dropout_kept(99, (uint64_t)s, (size_t)r, (size_t)j, M, threshold);
                z[j] = kept[j] ? x[r * M + j] / q : 0.0;
            }
            for (int j = 0; j < M; j++) {
                double xhat = 0.0;
                for (int i = 0; i < M; i++) {
                    xhat += z[i] * b[i * M + j];
                }
                double residual = x[r * M + j] - xhat;
                loss += (kept[j] ? objective.b : objective.a) * residual * residual;
            }
        }
        sum += loss;
        sum_sq += loss * loss;
    }
    double mean = sum / S, se = sqrt((sum_sq / S - mean * mean) / S);
    print_message("exact %.6f, sampled %.6f ± %.6f\n", exact, mean, se);
    assert_true(fabs(mean - exact) < 4 * se);
    assert_true(se < 0.02 * exact); /* the check has teeth: the error bar is narrow */
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
