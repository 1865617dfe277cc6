/*
 * Gathers a minibatch, draws its dropout mask and applies inverted dropout, in one pass.
 *
 *   mask[r, j] = word (j mod 4) of the draw for quad r·⌈m/4⌉ + ⌊j/4⌋ ≥ drop_threshold
 *   Z[r, j]    = mask[r, j] ? X[perm[row0 + r], j] · scale : 0,   scale = 1/(1 − p)
 *
 * X is n×m row-major (the whole training set, resident on the device); perm holds the
 * epoch's order of examples; Z (float) and mask (uchar, 1 kept, 0 dropped) are nb×m
 * row-major. The loss kernel reads the mask back for the emphasis weights. Each work-item
 * draws DROPOUT_QUADS quads of a row at once (the vector form of Philox), 4·DROPOUT_QUADS
 * entries. Global size: (≥ ⌈⌈m/4⌉/DROPOUT_QUADS⌉, ≥ nb), any local size: the mask depends
 * only on (seed, step, r, j). A drop_threshold of 0 (p = 0, plain LAE) keeps every entry:
 * the kernel then only gathers, skipping the draws and leaving the mask unwritten, and the
 * loss must be told to ignore the mask (its use_mask = 0 weighs every entry wb).
 */

#define DROPOUT_QUADS 8 /* quads per work-item: the lanes of philox4x32_10_x8 */

__kernel void dropout_gather(__global float *z, __global uchar *mask, __global const float *x,
                             __global const int *perm, int row0, int nb, int m, uint seed_lo,
                             uint seed_hi, uint step_lo, uint step_hi, uint drop_threshold,
                             float scale) {
    int item = get_global_id(0);
    int r = get_global_id(1);
    int quads = (m + 3) / 4;
    int quad0 = item * DROPOUT_QUADS;
    if (quad0 >= quads || r >= nb) {
        return;
    }

    __global const float *source = x + (size_t)perm[row0 + r] * m;
    if (drop_threshold == 0u) {
        /* p = 0 keeps everything: a plain gather, with no draw and no mask (see above). */
        for (int i = 0; i < DROPOUT_QUADS; i++) {
            int j0 = 4 * (quad0 + i);
            if (j0 + 4 <= m) {
                vstore4(vload4(0, source + j0), 0, z + r * m + j0);
            } else {
                for (int j = j0; j < m; j++) {
                    z[r * m + j] = source[j];
                }
            }
        }
        return;
    }

    uint base = (uint)(r * quads + quad0);
    uint8 counters = (uint8)(base) + (uint8)(0, 1, 2, 3, 4, 5, 6, 7);
    uint8 w0, w1, w2, w3;
    philox4x32_10_x8(counters, step_lo, step_hi, (uint2)(seed_lo, seed_hi), &w0, &w1, &w2, &w3);
    uint words[4][DROPOUT_QUADS];
    vstore8(w0, 0, words[0]);
    vstore8(w1, 0, words[1]);
    vstore8(w2, 0, words[2]);
    vstore8(w3, 0, words[3]);

    for (int i = 0; i < DROPOUT_QUADS; i++) {
        int j0 = 4 * (quad0 + i);
        if (j0 + 4 <= m) {
            /* A whole quad: four entries at once, without branches. */
            uint4 bits = (uint4)(words[0][i], words[1][i], words[2][i], words[3][i]);
            int4 kept = bits >= (uint4)(drop_threshold);
            float4 values = vload4(0, source + j0) * scale;
            vstore4(select((float4)(0.0f), values, kept), 0, z + r * m + j0);
            vstore4(convert_uchar4(kept & 1), 0, mask + r * m + j0);
        } else {
            for (int w = 0; w < 4 && j0 + w < m; w++) {
                bool kept = words[w][i] >= drop_threshold;
                z[r * m + j0 + w] = kept ? source[j0 + w] * scale : 0.0f;
                mask[r * m + j0 + w] = kept ? 1 : 0;
            }
        }
    }
}
