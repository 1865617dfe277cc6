/*
 * Gathers a minibatch, draws its dropout mask and applies inverted dropout, in one pass.
 *
 *   mask[r, j] = word (j mod 4) of the draw for quad r·⌈m/4⌉ + ⌊j/4⌋ ≥ drop_threshold
 *   Z[r, j]    = mask[r, j] ? X[perm[row0 + r], j] · scale : 0,   scale = 1/(1 − p)
 *
 * X is n×m row-major (the whole training set, resident on the device); perm holds the
 * epoch's order of examples; Z (float) and mask (uchar, 1 kept, 0 dropped) are nb×m
 * row-major. The loss kernel reads the mask back for the emphasis weights. Global size:
 * (≥ ⌈m/4⌉, ≥ nb), any local size: the mask depends only on (seed, step, r, j).
 */

__kernel void dropout_gather(__global float *z, __global uchar *mask, __global const float *x,
                             __global const int *perm, int row0, int nb, int m, uint seed_lo,
                             uint seed_hi, uint step_lo, uint step_hi, uint drop_threshold,
                             float scale) {
    int quad = get_global_id(0);
    int r = get_global_id(1);
    int quads = (m + 3) / 4;
    if (quad >= quads || r >= nb) {
        return;
    }

    uint4 bits = lae_dropout_bits((uint)(r * quads + quad), step_lo, step_hi, seed_lo, seed_hi);
    uint words[4] = {bits.x, bits.y, bits.z, bits.w};
    __global const float *source = x + (size_t)perm[row0 + r] * m;

    for (int w = 0; w < 4; w++) {
        int j = 4 * quad + w;
        if (j < m) {
            bool kept = words[w] >= drop_threshold;
            z[r * m + j] = kept ? source[j] * scale : 0.0f;
            mask[r * m + j] = kept ? 1 : 0;
        }
    }
}
