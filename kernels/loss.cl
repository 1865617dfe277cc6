/*
 * The emphasis-weighted squared error of a minibatch and its gradient.
 *
 *   X̂[r, j] = Y[r, j] + b_dec[j]             (Y = H·W_decᵀ from the GEMM before)
 *   w[r, j]  = mask[r, j] ? wb : wa           (a on dropped entries, b on kept ones)
 *   loss     = Σ w·(X̂ − X)² / (nb·m)          (the mean over the batch, as MSELoss)
 *   Y[r, j] ← ∂loss/∂X̂ = 2·w·(X̂ − X)/(nb·m)  (only when write_grad)
 *
 * loss_grad takes a span of LOSS_SPAN consecutive entries of a row per work-item, a 2-D
 * range over (span, r) of at least (⌈m/LOSS_SPAN⌉, nb), any local size. Whole spans are one
 * float8 of each operand: explicit vectors that PoCL's CPU device runs as SIMD without
 * needing to vectorise across work-items (which it gives up on here), and that GPUs read as
 * coalesced 32-byte loads; a row's last, shorter span goes entry by entry. Each work-item
 * writes the sum of its span's w·(X̂ − X)² to partials[partial_offset + r·⌈m/LOSS_SPAN⌉ +
 * span], and the host adds a step's partials in double once per epoch: no reduction on the
 * device, whose barriers a CPU device pays for dearly, and no second kernel. The mask is the
 * one dropout_gather wrote (use_mask = 0 weighs every entry wb, as evaluation does with
 * wa = wb = 1). X rows come from x[perm[row0 + r]] when use_perm, else x[row0 + r].
 */

#define LOSS_SPAN 8 /* entries per work-item of loss_grad: the lanes of one float8 */

__kernel void loss_grad(__global float *y, __global const float *params, int b_dec_offset,
                        int has_bias, __global const float *x, __global const int *perm,
                        int row0, int use_perm, int nb, int m, __global const uchar *mask,
                        int use_mask, float wa, float wb, float grad_scale, int write_grad,
                        __global float *partials, int partial_offset) {
    int span = get_global_id(0);
    int r = get_global_id(1);
    int spans = (m + LOSS_SPAN - 1) / LOSS_SPAN;
    if (span >= spans || r >= nb) {
        return;
    }

    int j0 = span * LOSS_SPAN;
    int e0 = r * m + j0;
    int source = use_perm ? perm[row0 + r] : row0 + r;
    __global const float *x_row = x + (size_t)source * m;
    float sum = 0.0f;

    if (j0 + LOSS_SPAN <= m) {
        /* A whole span: one vector of each operand, no per-entry branches. */
        float8 xhat = vload8(0, y + e0);
        if (has_bias) {
            xhat += vload8(0, params + b_dec_offset + j0);
        }
        float8 residual = xhat - vload8(0, x_row + j0);
        float8 weight = (float8)(wb);
        if (use_mask) {
            int8 kept = convert_int8(vload8(0, mask + e0)) != (int8)(0);
            weight = select((float8)(wa), (float8)(wb), kept);
        }
        float8 term = weight * residual * residual;
        sum = ((term.s0 + term.s1) + (term.s2 + term.s3)) +
              ((term.s4 + term.s5) + (term.s6 + term.s7));
        if (write_grad) {
            vstore8(grad_scale * weight * residual, 0, y + e0);
        }
    } else {
        for (int j = j0; j < m; j++) {
            int e = r * m + j;
            float xhat = y[e] + (has_bias ? params[b_dec_offset + j] : 0.0f);
            float residual = xhat - x_row[j];
            float weight = (!use_mask || mask[e]) ? wb : wa;
            sum += weight * residual * residual;
            if (write_grad) {
                y[e] = grad_scale * weight * residual;
            }
        }
    }
    partials[partial_offset + r * spans + span] = sum;
}
