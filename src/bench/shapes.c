/*
 * The GEMM shapes of a training step and of the Gram matrix, with their flop counts.
 *
 * The step's shapes mirror the lae_gemm calls of src/train/trainer.c (forward and gradients)
 * argument for argument: when the trainer changes a call, change it here too, or the bench
 * times shapes the trainer no longer runs. The parameter block is [W_enc k×m | b_enc k |
 * W_dec m×k | b_dec m], so W_dec and its gradient start at k·m + k.
 */
#include "lae/bench.h"

static lae_bench_shape shape(const char *name, int trans_a, int trans_b, size_t rows,
                             size_t cols, size_t inner, size_t lda, size_t a_offset, size_t ldb,
                             size_t b_offset, size_t ldc, size_t c_offset) {
    lae_bench_shape s = {
        .name = name, .trans_a = trans_a, .trans_b = trans_b,
        .rows = rows, .cols = cols, .inner = inner,
        .lda = lda, .ldb = ldb, .ldc = ldc,
        .a_offset = a_offset, .b_offset = b_offset, .c_offset = c_offset,
    };
    /* Stored A is rows×inner (inner×rows when transposed); likewise B and C. */
    s.a_floats = a_offset + (trans_a ? inner : rows) * lda;
    s.b_floats = b_offset + (trans_b ? cols : inner) * ldb;
    s.c_floats = c_offset + rows * ldc;
    return s;
}

void lae_bench_step_shapes(size_t nb, size_t m, size_t k,
                           lae_bench_shape shapes[LAE_BENCH_STEP_GEMMS]) {
    size_t params = 2 * m * k + m + k;
    size_t off_w_dec = k * m + k;

    /* Forward: H = Z·W_encᵀ (nb×m)(m×k); Y = H·W_decᵀ (nb×k)(k×m). */
    shapes[0] = shape("H = Z·W_encᵀ", 0, 1, nb, k, m, m, 0, m, 0, k, 0);
    shapes[1] = shape("Y = H·W_decᵀ", 0, 1, nb, m, k, k, 0, k, off_w_dec, m, 0);
    /* Backward: ∂W_dec = Rᵀ·H; dH = R·W_dec; ∂W_enc = dHᵀ·Z. */
    shapes[2] = shape("∂W_dec = Rᵀ·H", 1, 0, m, k, nb, m, 0, k, 0, k, off_w_dec);
    shapes[3] = shape("dH = R·W_dec", 0, 0, nb, k, m, m, 0, k, off_w_dec, k, 0);
    shapes[4] = shape("∂W_enc = dHᵀ·Z", 1, 0, k, m, nb, k, 0, m, 0, m, 0);

    /* The trainer's parameter and gradient buffers hold the whole block. */
    shapes[1].b_floats = params;
    shapes[2].c_floats = params;
    shapes[3].b_floats = params;
}

lae_bench_shape lae_bench_gram_shape(size_t n, size_t m) {
    return shape("G = XᵀX", 1, 0, m, m, n, m, 0, m, 0, m, 0);
}

double lae_bench_gemm_flops(const lae_bench_shape *s) {
    return 2.0 * (double)s->rows * (double)s->cols * (double)s->inner;
}

double lae_bench_step_flops(size_t nb, size_t m, size_t k) {
    return 10.0 * (double)nb * (double)m * (double)k;
}

double lae_bench_epoch_flops(size_t n, size_t m, size_t k) {
    return 10.0 * (double)n * (double)m * (double)k;
}
