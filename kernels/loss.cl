/*
 * The emphasis-weighted squared error of a minibatch and its gradient, in one pass.
 *
 *   X̂[r, j] = Y[r, j] + b_dec[j]             (Y = H·W_decᵀ from the GEMM before)
 *   w[r, j]  = kept(r·m + j) ? wb : wa        (a on dropped entries, b on kept ones)
 *   loss     = Σ w·(X̂ − X)² / (nb·m)          (the mean over the batch, as MSELoss)
 *   Y[r, j] ← ∂loss/∂X̂ = 2·w·(X̂ − X)/(nb·m)  (only when write_grad)
 *
 * The mask is redrawn from the same (seed, step, element) as dropout_gather used, so it is
 * never stored. X rows come from x[perm[row0 + r]] when use_perm, else x[row0 + r]. Each
 * work-group writes the sum of its w·(X̂ − X)² into partials[partial_offset + group]; the host
 * adds the partials in double once per epoch. Local size: LOSS_LOCAL (a power of two) or a
 * smaller power of two; any number of groups (a grid-stride loop covers nb·m).
 */

#ifndef LOSS_LOCAL
#define LOSS_LOCAL 256 /* the largest work-group size the reduction supports */
#endif

__kernel void loss_grad(__global float *y, __global const float *params, int b_dec_offset,
                        int has_bias, __global const float *x, __global const int *perm,
                        int row0, int use_perm, int nb, int m, uint seed_lo, uint seed_hi,
                        uint step_lo, uint step_hi, uint drop_threshold, float wa, float wb,
                        float grad_scale, int write_grad, __global float *partials,
                        int partial_offset) {
    __local float sums[LOSS_LOCAL];
    int local_id = get_local_id(0);
    int local_size = get_local_size(0);
    int count = nb * m;
    float sum = 0.0f;

    for (int e = get_global_id(0); e < count; e += get_global_size(0)) {
        int r = e / m;
        int j = e - r * m;
        int source = use_perm ? perm[row0 + r] : row0 + r;
        float xhat = y[e] + (has_bias ? params[b_dec_offset + j] : 0.0f);
        float residual = xhat - x[(size_t)source * m + j];
        bool kept = lae_kept((uint)e, step_lo, step_hi, seed_lo, seed_hi, drop_threshold);
        float weight = kept ? wb : wa;

        sum += weight * residual * residual;
        if (write_grad) {
            y[e] = grad_scale * weight * residual;
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
