/*
 * Gathers a minibatch and applies inverted dropout, in one pass.
 *
 *   Z[r, j] = kept(r·m + j) ? X[perm[row0 + r], j] · scale : 0,   scale = 1/(1 − p)
 *
 * X is n×m row-major (the whole training set, resident on the device); perm holds the
 * epoch's order of examples; Z is nb×m row-major. Global size: at least nb·m, any local
 * size (the mask does not depend on it). With drop_threshold = 0 and scale = 1 this is a
 * plain gather, which evaluation uses.
 */

__kernel void dropout_gather(__global float *z, __global const float *x,
                             __global const int *perm, int row0, int nb, int m, uint seed_lo,
                             uint seed_hi, uint step_lo, uint step_hi, uint drop_threshold,
                             float scale) {
    int e = get_global_id(0);
    if (e >= nb * m) {
        return;
    }
    int r = e / m;
    int j = e - r * m;
    float value = x[(size_t)perm[row0 + r] * m + j];

    bool kept = lae_kept((uint)e, step_lo, step_hi, seed_lo, seed_hi, drop_threshold);
    z[e] = kept ? value * scale : 0.0f;
}

/* The mask alone, 1 for kept and 0 for dropped: used by tests and by reports. */
__kernel void dropout_mask(__global uchar *mask, int count, uint seed_lo, uint seed_hi,
                           uint step_lo, uint step_hi, uint drop_threshold) {
    int e = get_global_id(0);
    if (e >= count) {
        return;
    }
    mask[e] = lae_kept((uint)e, step_lo, step_hi, seed_lo, seed_hi, drop_threshold) ? 1 : 0;
}
