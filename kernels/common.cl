/*
 * Helpers shared by every kernel file; this file is compiled first.
 *
 * Dropout masks come from Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011), a counter-based generator: the bits for an element depend only on
 * (seed, step, element), never on the work-group size or the device, so every device draws
 * the same masks for the same seed. src/train/rng.c holds the C reference.
 *
 * One Philox call gives four 32-bit words, used for four neighbouring entries of a row: entry
 * (r, j) of an nb×m minibatch at step t reads word j mod 4 of
 *   Philox(counter = (r·⌈m/4⌉ + ⌊j/4⌋, t_lo, t_hi, 0), key = (seed_lo, seed_hi))
 * and is kept when that word is at least drop_threshold = ⌊p·2³²⌋, so P(kept) = 1 − p to 2⁻³².
 */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

uint4 philox4x32_10(uint4 counter, uint2 key) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            key.x += PHILOX_W0;
            key.y += PHILOX_W1;
        }
        /* One 64-bit product gives both halves; some compilers do not inline mul_hi. */
        ulong product0 = (ulong)PHILOX_M0 * counter.x;
        ulong product1 = (ulong)PHILOX_M1 * counter.z;
        counter = (uint4)((uint)(product1 >> 32) ^ counter.y ^ key.x, (uint)product1,
                          (uint)(product0 >> 32) ^ counter.w ^ key.y, (uint)product0);
    }
    return counter;
}

/*
 * Eight Philox instances side by side, lane i computing Philox(counter = (c0[i], c1, c2, 0),
 * key): the same function as philox4x32_10, written on vectors so that CPU compilers use SIMD
 * (PoCL does not vectorise the scalar form across work-items). Results in w0..w3.
 */
void philox4x32_10_x8(uint8 c0, uint c1, uint c2, uint2 key, uint8 *w0, uint8 *w1, uint8 *w2,
                      uint8 *w3) {
    uint8 x0 = c0, x1 = (uint8)(c1), x2 = (uint8)(c2), x3 = (uint8)(0u);
    uint k0 = key.x, k1 = key.y;

    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint8 hi0 = mul_hi((uint8)(PHILOX_M0), x0);
        uint8 lo0 = (uint8)(PHILOX_M0) * x0;
        uint8 hi1 = mul_hi((uint8)(PHILOX_M1), x2);
        uint8 lo1 = (uint8)(PHILOX_M1) * x2;
        x0 = hi1 ^ x1 ^ (uint8)(k0);
        x1 = lo1;
        x2 = hi0 ^ x3 ^ (uint8)(k1);
        x3 = lo0;
    }
    *w0 = x0;
    *w1 = x1;
    *w2 = x2;
    *w3 = x3;
}

/* The four words of the dropout draw for quad q of minibatch step t. */
uint4 lae_dropout_bits(uint quad, uint step_lo, uint step_hi, uint seed_lo, uint seed_hi) {
    return philox4x32_10((uint4)(quad, step_lo, step_hi, 0u), (uint2)(seed_lo, seed_hi));
}
