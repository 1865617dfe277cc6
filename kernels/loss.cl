/*
 * The emphasis-weighted squared error of a minibatch and its gradient, in one pass.
 *
 *   X̂[r, j] = Y[r, j] + b_dec[j]             (Y = H·W_decᵀ from the GEMM before)
 *   w[r, j]  = mask[r, j] ? wb : wa           (a on dropped entries, b on kept ones)
 *   loss     = Σ w·(X̂ − X)² / (nb·m)          (the mean over the batch, as MSELoss)
 *   Y[r, j] ← ∂loss/∂X̂ = 2·w·(X̂ − X)/(nb·m)  (only when write_grad)
 *
 * The mask is the one dropout_gather wrote (use_mask = 0 weighs every entry b, as evaluation
 * does with a = b = 1). X rows come from x[perm[row0 + r]] when use_perm, else x[row0 + r].
 * Each work-group writes the sum of its w·(X̂ − X)² into partials[partial_offset + group]; the
 * host adds the partials in double once per epoch. Local size: a power of two up to
 * LOSS_LOCAL; any number of groups (group g takes rows g, g + groups, ...).
 */

#ifndef LOSS_LOCAL
#define LOSS_LOCAL 256 /* the largest work-group size the reduction supports */
#endif

__kernel void loss_grad(__global float *y, __global const float *params, int b_dec_offset,
                        int has_bias, __global const float *x, __global const int *perm,
                        int row0, int use_perm, int nb, int m, __global const uchar *mask,
                        int use_mask, float wa, float wb, float grad_scale, int write_grad,
                        __global float *partials, int partial_offset) {
    __local float sums[LOSS_LOCAL];
    int local_id = get_local_id(0);
    int local_size = get_local_size(0);
    float sum = 0.0f;

    /* Group g takes rows g, g + groups, ...; its items stride along the row. */
    for (int r = get_group_id(0); r < nb; r += get_num_groups(0)) {
        int source = use_perm ? perm[row0 + r] : row0 + r;
        __global const float *target = x + (size_t)source * m;
        for (int j = local_id; j < m; j += local_size) {
            int e = r * m + j;
            float xhat = y[e] + (has_bias ? params[b_dec_offset + j] : 0.0f);
            float residual = xhat - target[j];
            float weight = (!use_mask || mask[e]) ? wb : wa;

            sum += weight * residual * residual;
            if (write_grad) {
                y[e] = grad_scale * weight * residual;
            }
        }
    }

    /* Tree reduction within the group; the order is fixed, so results repeat exactly. */
    sums[local_id] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = local_size / 2; stride > 0; stride /= 2) {
        if (local_id < stride) {
            sums[local_id] += sums[local_id + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (local_id == 0) {
        partials[partial_offset + get_group_id(0)] = sums[0];
    }
}
