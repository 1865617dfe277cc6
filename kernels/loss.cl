/*
 * The emphasis-weighted squared error of a minibatch and its gradient.
 *
 *   X̂[r, j] = Y[r, j] + b_dec[j]             (Y = H·W_decᵀ from the GEMM before)
 *   w[r, j]  = mask[r, j] ? wb : wa           (a on dropped entries, b on kept ones)
 *   loss     = Σ w·(X̂ − X)² / (nb·m)          (the mean over the batch, as MSELoss)
 *   Y[r, j] ← ∂loss/∂X̂ = 2·w·(X̂ − X)/(nb·m)  (only when write_grad)
 *
 * loss_grad takes one entry per work-item, a 2-D range over (j, r) of at least (m, nb), any
 * local size: straight-line code that CPU compilers vectorise across work-items. It writes
 * each entry's w·(X̂ − X)² into terms (nb×m), and row_sums adds each row's terms, in column
 * order, into partials[partial_offset + r]; the host adds the partials in double once per
 * epoch. Summing in a second kernel costs one launch but no barriers, which a CPU device
 * pays for dearly. The mask is the one dropout_gather wrote (use_mask = 0 weighs every entry
 * wb, as evaluation does with wa = wb = 1). X rows come from x[perm[row0 + r]] when use_perm,
 * else x[row0 + r].
 */

__kernel void loss_grad(__global float *y, __global const float *params, int b_dec_offset,
                        int has_bias, __global const float *x, __global const int *perm,
                        int row0, int use_perm, int nb, int m, __global const uchar *mask,
                        int use_mask, float wa, float wb, float grad_scale, int write_grad,
                        __global float *terms) {
    int j = get_global_id(0);
    int r = get_global_id(1);
    if (j >= m || r >= nb) {
        return;
    }

    int e = r * m + j;
    int source = use_perm ? perm[row0 + r] : row0 + r;
    float xhat = y[e] + (has_bias ? params[b_dec_offset + j] : 0.0f);
    float residual = xhat - x[(size_t)source * m + j];
    float weight = (!use_mask || mask[e]) ? wb : wa;

    terms[e] = weight * residual * residual;
    if (write_grad) {
        y[e] = grad_scale * weight * residual;
    }
}

/* partials[partial_offset + r] = Σ_j terms[r, j] for r < nb, and 0 for nb ≤ r < rows; global
 * size ≥ rows, any local size. */
__kernel void row_sums(__global const float *terms, int nb, int m, int rows,
                       __global float *partials, int partial_offset) {
    int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    float sum = 0.0f;
    if (r < nb) {
        for (int j = 0; j < m; j++) {
            sum += terms[r * m + j];
        }
    }
    partials[partial_offset + r] = sum;
}
