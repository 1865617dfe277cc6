/*
 * Each kernel of kernels/ against a plain C reference written here, on sizes that are not
 * multiples of any work-group size: the dropout gather and its mask (bits, statistics,
 * independence of the work-group size and of the step), the emphasised loss and its
 * gradient, the bias kernels, and Adam (against steps worked by hand).
 */
#include "support.h"

#include <math.h>
#include <string.h>

#include "lae/rng.h"

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

typedef struct {
    size_t size;
    const void *value;
} arg;

#define A(x) {sizeof(x), &(x)}

static void run(const char *name, const arg *args, int count, cl_uint dims,
                const size_t *global, const size_t *local) {
    cl_kernel kernel = lae_context_kernel(ctx, name);
    assert_non_null(kernel);
    for (int i = 0; i < count; i++) {
        assert_int_equal(clSetKernelArg(kernel, (cl_uint)i, args[i].size, args[i].value), 0);
    }
    assert_int_equal(clEnqueueNDRangeKernel(lae_context_queue(ctx), kernel, dims, NULL, global,
                                            local, 0, NULL, NULL),
                     0);
    assert_int_equal(clFinish(lae_context_queue(ctx)), 0);
}

static cl_mem upload(const void *data, size_t bytes) {
    cl_mem buffer;
    assert_int_equal(lae_buffer_create(ctx, bytes, &buffer), LAE_OK);
    if (data != NULL) {
        assert_int_equal(lae_buffer_write(ctx, buffer, 0, bytes, data), LAE_OK);
    }
    return buffer;
}

static void fill(float *x, size_t count, unsigned seed) {
    lae_rng rng;
    lae_rng_seed(&rng, seed);
    for (size_t i = 0; i < count; i++) {
        x[i] = (float)(2.0 * lae_rng_uniform(&rng) - 1.0);
    }
}

/* Runs dropout_gather on nb rows of an n×m set through perm; returns z and the mask. */
static void gather(const float *x, size_t n, const int *perm, int row0, int nb, int m,
                   uint64_t seed, uint64_t step, double p, const size_t *local, float *z,
                   unsigned char *mask) {
    cl_mem dx = upload(x, n * m * sizeof(float));
    cl_mem dperm = upload(perm, n * sizeof(int));
    cl_mem dz = upload(NULL, (size_t)nb * m * sizeof(float));
    cl_mem dmask = upload(NULL, (size_t)nb * m);
    uint32_t seed_lo = (uint32_t)seed, seed_hi = (uint32_t)(seed >> 32);
    uint32_t step_lo = (uint32_t)step, step_hi = (uint32_t)(step >> 32);
    uint32_t threshold = lae_drop_threshold(p);
    float scale = (float)(1.0 / (1.0 - p));
    arg args[] = {A(dz), A(dmask), A(dx), A(dperm), A(row0), A(nb), A(m), A(seed_lo),
                  A(seed_hi), A(step_lo), A(step_hi), A(threshold), A(scale)};
    size_t items = ((size_t)(m + 3) / 4 + 7) / 8; /* 8 quads of 4 entries per work-item */
    size_t global[2] = {(items + local[0] - 1) / local[0] * local[0],
                        ((size_t)nb + local[1] - 1) / local[1] * local[1]};

    run("dropout_gather", args, 13, 2, global, local);
    assert_int_equal(lae_buffer_read(ctx, dz, 0, (size_t)nb * m * sizeof(float), z), LAE_OK);
    assert_int_equal(lae_buffer_read(ctx, dmask, 0, (size_t)nb * m, mask), LAE_OK);
    clReleaseMemObject(dmask);
    clReleaseMemObject(dz);
    clReleaseMemObject(dperm);
    clReleaseMemObject(dx);
}

static void dropout_matches_reference(void **state) {
    (void)state;
    enum { N = 11, NB = 7, M = 37 };
    float x[N * M], z[NB * M];
    unsigned char mask[NB * M];
    int perm[N] = {3, 9, 0, 10, 4, 1, 7, 2, 8, 6, 5};
    const size_t local[2] = {8, 2};
    const uint64_t seed = 0x123456789abcULL, step = 5000000000ULL; /* step above 2³² */
    const double p = 0.3;
    int row0 = 2, dropped = 0;

    fill(x, N * M, 1);
    gather(x, N, perm, row0, NB, M, seed, step, p, local, z, mask);
    for (int r = 0; r < NB; r++) {
        for (int j = 0; j < M; j++) {
            int kept = lae_dropout_kept(seed, step, (size_t)r, (size_t)j, M,
                                        lae_drop_threshold(p));
            float want = kept ? x[perm[row0 + r] * M + j] * (float)(1.0 / 0.7) : 0.0f;
            assert_int_equal(mask[r * M + j], kept);
            assert_float_equal(z[r * M + j], want, 0.0f);
            dropped += !kept;
        }
    }
    /* A mask with nothing dropped at p = 0.3 would mean the threshold is not applied. */
    assert_true(dropped > 0 && dropped < NB * M);
}

static void dropout_mask_ignores_work_group_size(void **state) {
    (void)state;
    enum { N = 9, M = 29 };
    float x[N * M], z1[N * M], z2[N * M];
    unsigned char mask1[N * M], mask2[N * M];
    int perm[N] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    const size_t small[2] = {1, 1}, large[2] = {16, 4};

    fill(x, N * M, 2);
    gather(x, N, perm, 0, N, M, 99, 3, 0.5, small, z1, mask1);
    gather(x, N, perm, 0, N, M, 99, 3, 0.5, large, z2, mask2);
    assert_memory_equal(mask1, mask2, sizeof mask1);
    assert_memory_equal(z1, z2, sizeof z1);
}

static void dropout_statistics(void **state) {
    (void)state;
    enum { NB = 64, M = 784, COUNT = NB * M };
    static float x[NB * M], z[NB * M];
    static unsigned char first[COUNT], again[COUNT], next[COUNT], other_seed[COUNT];
    int perm[NB];
    const size_t local[2] = {64, 4};
    const double p = 0.2;

    for (int i = 0; i < NB; i++) {
        perm[i] = i;
    }
    fill(x, COUNT, 3);
    gather(x, NB, perm, 0, NB, M, 7, 100, p, local, z, first);
    gather(x, NB, perm, 0, NB, M, 7, 100, p, local, z, again);
    gather(x, NB, perm, 0, NB, M, 7, 101, p, local, z, next);
    gather(x, NB, perm, 0, NB, M, 8, 100, p, local, z, other_seed);

    /* Same seed and step: the same bits. */
    assert_memory_equal(first, again, COUNT);

    /* The kept share is within 4 standard errors of 1 − p. */
    double kept = 0.0;
    for (int i = 0; i < COUNT; i++) {
        kept += first[i];
    }
    double share = kept / COUNT, se = sqrt(p * (1 - p) / COUNT);
    print_message("kept share %.5f, expected %.5f ± %.5f\n", share, 1 - p, 4 * se);
    assert_true(fabs(share - (1 - p)) < 4 * se);

    /* Masks of consecutive steps, and of another seed, are uncorrelated: the sample
     * correlation of two independent Bernoulli vectors has standard error 1/√COUNT. */
    const unsigned char *others[2] = {next, other_seed};
    for (int o = 0; o < 2; o++) {
        double sum_a = 0, sum_b = 0, sum_ab = 0;
        for (int i = 0; i < COUNT; i++) {
            sum_a += first[i];
            sum_b += others[o][i];
            sum_ab += first[i] * others[o][i];
        }
        double mean_a = sum_a / COUNT, mean_b = sum_b / COUNT;
        double cov = sum_ab / COUNT - mean_a * mean_b;
        double corr = cov / sqrt(mean_a * (1 - mean_a) * mean_b * (1 - mean_b));
        print_message("correlation with %s: %.5f (bound %.5f)\n", o ? "seed 8" : "step 101",
                      corr, 4 / sqrt((double)COUNT));
        assert_true(fabs(corr) < 4 / sqrt((double)COUNT));
    }
}

/*
 * The loss kernel against a double loop, with bias, permutation and mask: every gradient
 * entry, and the partial sums of each row's spans of 8 entries (23 = 8 + 8 + 7, the last span
 * short), written after an offset with nothing outside touched.
 */
static void loss_matches_reference(void **state) {
    (void)state;
    enum { N = 6, NB = 5, M = 23, P = 40, SPANS = 3, EXTRA = 4 };
    float x[N * M], y[NB * M], params[P], grad[NB * M], partials[3 + NB * SPANS + EXTRA];
    unsigned char mask[NB * M];
    int perm[N] = {5, 2, 0, 4, 1, 3};
    int row0 = 1, nb = NB, m = M, b_dec_offset = 7, has_bias = 1, use_perm = 1, use_mask = 1;
    int write_grad = 1, partial_offset = 3;
    float wa = 2.0f, wb = 0.5f, grad_scale = 2.0f / (NB * M);

    fill(x, N * M, 4);
    fill(y, NB * M, 5);
    fill(params, P, 6);
    for (int i = 0; i < NB * M; i++) {
        mask[i] = (unsigned char)((i * 7) % 3 != 0);
    }
    for (size_t i = 0; i < sizeof partials / sizeof partials[0]; i++) {
        partials[i] = -1.0f; /* entries outside the nb·SPANS partials must keep this */
    }

    cl_mem dy = upload(y, sizeof y), dparams = upload(params, sizeof params);
    cl_mem dx = upload(x, sizeof x), dperm = upload(perm, sizeof perm);
    cl_mem dmask = upload(mask, sizeof mask);
    cl_mem dpartials = upload(partials, sizeof partials);
    arg args[] = {A(dy), A(dparams), A(b_dec_offset), A(has_bias), A(dx), A(dperm), A(row0),
                  A(use_perm), A(nb), A(m), A(dmask), A(use_mask), A(wa), A(wb),
                  A(grad_scale), A(write_grad), A(dpartials), A(partial_offset)};
    const size_t local[2] = {2, 2}, global[2] = {4, 6}; /* covers SPANS × NB = 3 × 5 */
    run("loss_grad", args, 18, 2, global, local);
    assert_int_equal(lae_buffer_read(ctx, dy, 0, sizeof grad, grad), LAE_OK);
    assert_int_equal(lae_buffer_read(ctx, dpartials, 0, sizeof partials, partials), LAE_OK);

    for (int r = 0; r < NB; r++) {
        double span_sums[SPANS] = {0.0, 0.0, 0.0};
        for (int j = 0; j < M; j++) {
            int e = r * M + j;
            double residual = (double)y[e] + params[b_dec_offset + j] - x[perm[row0 + r] * M + j];
            double weight = mask[e] ? wb : wa;
            span_sums[j / 8] += weight * residual * residual;
            assert_close(grad[e], grad_scale * weight * residual, 1e-7, 1e-5, "gradient entry");
        }
        for (int span = 0; span < SPANS; span++) {
            assert_close(partials[partial_offset + r * SPANS + span], span_sums[span], 1e-6,
                         1e-5, "span's loss partial");
        }
    }
    for (int i = 0; i < partial_offset; i++) {
        assert_float_equal(partials[i], -1.0f, 0.0f);
    }
    for (int i = partial_offset + NB * SPANS; i < partial_offset + NB * SPANS + EXTRA; i++) {
        assert_float_equal(partials[i], -1.0f, 0.0f);
    }

    clReleaseMemObject(dpartials);
    clReleaseMemObject(dmask);
    clReleaseMemObject(dperm);
    clReleaseMemObject(dx);
    clReleaseMemObject(dparams);
    clReleaseMemObject(dy);
}

static void bias_kernels_match_reference(void **state) {
    (void)state;
    enum { ROWS = 9, COLS = 13, LD = 16, P = 30 };
    float c[ROWS * LD], c_out[ROWS * LD], a[ROWS * LD], params[P], sums[P];
    int rows = ROWS, cols = COLS, ld = LD, v_offset = 4, c_offset = 3, s_offset = 11;

    fill(c, ROWS * LD, 7);
    fill(a, ROWS * LD, 8);
    fill(params, P, 10);
    for (int i = 0; i < P; i++) {
        sums[i] = -7.0f; /* entries outside the sums' range must keep this */
    }

    /* add_row on a 9×13 block at offset 3 of rows 16 wide: the rest must stay untouched. */
    cl_mem dc = upload(c, sizeof c), dparams = upload(params, sizeof params);
    arg add_args[] = {A(dc), A(c_offset), A(ld), A(dparams), A(v_offset), A(rows), A(cols)};
    const size_t local = 4, global = 120; /* covers ROWS·COLS = 117 */
    run("add_row", add_args, 7, 1, &global, &local);
    assert_int_equal(lae_buffer_read(ctx, dc, 0, sizeof c_out, c_out), LAE_OK);
    for (int e = 0; e < ROWS * LD; e++) {
        int r = (e - c_offset) / LD, j = (e - c_offset) % LD;
        int inside = e >= c_offset && r < ROWS && j < COLS;
        float want = inside ? c[e] + params[v_offset + j] : c[e];
        assert_float_equal(c_out[e], want, 0.0f);
    }

    /* column_sums of a 9×13 block at offset 2 of rows 16 wide, into sums[11 .. 24). */
    int a_offset = 2, sum_rows = ROWS - 1;
    cl_mem da = upload(a, sizeof a), dsums = upload(sums, sizeof sums);
    arg sum_args[] = {A(da), A(a_offset), A(ld), A(sum_rows), A(cols), A(dsums), A(s_offset)};
    const size_t global2 = 16; /* covers COLS = 13 */
    run("column_sums", sum_args, 7, 1, &global2, &local);
    assert_int_equal(lae_buffer_read(ctx, dsums, 0, sizeof sums, sums), LAE_OK);
    for (int j = 0; j < COLS; j++) {
        double sum = 0.0;
        for (int row = 0; row < sum_rows; row++) {
            sum += a[a_offset + row * LD + j];
        }
        assert_close(sums[s_offset + j], sum, 1e-6, 1e-5, "column sum");
    }
    assert_float_equal(sums[s_offset - 1], -7.0f, 0.0f);
    assert_float_equal(sums[s_offset + COLS], -7.0f, 0.0f);

    clReleaseMemObject(dsums);
    clReleaseMemObject(da);
    clReleaseMemObject(dparams);
    clReleaseMemObject(dc);
}

/* One Adam step on the device with the scalars the trainer computes for step t. */
static void adam_step(cl_mem theta, cl_mem grad, cl_mem m, cl_mem v, int count, int t,
                      double lr, double decay) {
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, wd = (float)decay;
    float step_size = (float)(lr / (1.0 - pow(0.9, t)));
    float sqrt_bias2 = (float)sqrt(1.0 - pow(0.999, t));
    arg args[] = {A(theta), A(grad), A(m), A(v), A(count), A(beta1), A(beta2), A(step_size),
                  A(sqrt_bias2), A(eps), A(wd)};
    const size_t global = 8;
    run("adam", args, 11, 1, &global, NULL);
}

/*
 * Worked by hand for θ = 1, g = 0.5 then g = −0.25, lr = 0.1, β = (0.9, 0.999), ε = 1e-8:
 *   t = 1: m = 0.05, v = 0.00025; m̂ = 0.5, √v̂ = 0.5: θ = 1 − 0.1·0.5/0.5 = 0.9
 *   t = 2: m = 0.045 − 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225;
 *          m̂ = 0.02/0.19 = 0.105263, √v̂ = √(0.00031225/0.001999) = 0.395226;
 *          θ = 0.9 − 0.1·0.105263/0.395226 = 0.873367
 * A second entry with weight decay 0.1 and g = 0 sees the gradient 0.1·θ = 0.1 at t = 1, so it
 * also moves by lr: 2 → 1.9.
 */
static void adam_matches_hand_worked_steps(void **state) {
    (void)state;
    float theta[2] = {1.0f, 2.0f}, zeros[2] = {0, 0};
    float g1[2] = {0.5f, 0.0f}, g2[2] = {-0.25f, 0.0f}, out[2], m_out[2], v_out[2];
    cl_mem dtheta = upload(theta, sizeof theta), dgrad = upload(g1, sizeof g1);
    cl_mem dm = upload(zeros, sizeof zeros), dv = upload(zeros, sizeof zeros);

    adam_step(dtheta, dgrad, dm, dv, 1, 1, 0.1, 0.0);
    assert_int_equal(lae_buffer_read(ctx, dtheta, 0, sizeof out, out), LAE_OK);
    assert_close(out[0], 0.9, 1e-6, 0, "θ after step 1");
    assert_float_equal(out[1], 2.0f, 0.0f); /* count = 1: the second entry is untouched */

    assert_int_equal(lae_buffer_write(ctx, dgrad, 0, sizeof g2, g2), LAE_OK);
    adam_step(dtheta, dgrad, dm, dv, 1, 2, 0.1, 0.0);
    assert_int_equal(lae_buffer_read(ctx, dtheta, 0, sizeof out, out), LAE_OK);
    assert_int_equal(lae_buffer_read(ctx, dm, 0, sizeof m_out, m_out), LAE_OK);
    assert_int_equal(lae_buffer_read(ctx, dv, 0, sizeof v_out, v_out), LAE_OK);
    assert_close(m_out[0], 0.02, 1e-8, 1e-5, "first moment after step 2");
    /* 1 − β₂ is 0.0009999871 in float, so the moments carry a relative error near 1e-5. */
    assert_close(v_out[0], 0.00031225, 1e-10, 5e-5, "second moment after step 2");
    assert_close(out[0], 0.873367, 2e-6, 0, "θ after step 2");

    /* Weight decay: reset the second entry's state and step it alone at t = 1. */
    float theta2[2] = {2.0f, 0.0f};
    assert_int_equal(lae_buffer_write(ctx, dtheta, 0, sizeof theta2, theta2), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, dgrad, 0, sizeof zeros, zeros), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, dm, 0, sizeof zeros, zeros), LAE_OK);
    assert_int_equal(lae_buffer_write(ctx, dv, 0, sizeof zeros, zeros), LAE_OK);
    adam_step(dtheta, dgrad, dm, dv, 1, 1, 0.1, 0.1);
    assert_int_equal(lae_buffer_read(ctx, dtheta, 0, sizeof out, out), LAE_OK);
    assert_close(out[0], 1.9, 1e-6, 0, "θ with weight decay");

    clReleaseMemObject(dv);
    clReleaseMemObject(dm);
    clReleaseMemObject(dgrad);
    clReleaseMemObject(dtheta);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dropout_matches_reference),
        cmocka_unit_test(dropout_mask_ignores_work_group_size),
        cmocka_unit_test(dropout_statistics),
        cmocka_unit_test(loss_matches_reference),
        cmocka_unit_test(bias_kernels_match_reference),
        cmocka_unit_test(adam_matches_hand_worked_steps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
