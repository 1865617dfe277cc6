/*
 * Helpers shared by every kernel file; this file is compiled first.
 *
 * Dropout masks come from Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011), a counter-based generator: the bits for an element depend only on
 * (seed, step, element), never on the work-group size or the device, so every device draws
 * the same masks for the same seed. src/train/rng.c holds the C reference.
 *
 * Element e of minibatch step t is kept when word 0 of Philox(counter = (e, t_lo, t_hi, 0),
 * key = (seed_lo, seed_hi)) is at least drop_threshold = ⌊p·2³²⌋, so P(kept) = 1 − p to 2⁻³².
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
        uint hi0 = mul_hi(PHILOX_M0, counter.x);
        uint lo0 = PHILOX_M0 * counter.x;
        uint hi1 = mul_hi(PHILOX_M1, counter.z);
        uint lo1 = PHILOX_M1 * counter.z;
        counter = (uint4)(hi1 ^ counter.y ^ key.x, lo1, hi0 ^ counter.w ^ key.y, lo0);
    }
    return counter;
}

/* Whether element `element` of step `step` survives dropout. */
bool lae_kept(uint element, uint step_lo, uint step_hi, uint seed_lo, uint seed_hi,
              uint drop_threshold) {
    uint4 bits = philox4x32_10((uint4)(element, step_lo, step_hi, 0u), (uint2)(seed_lo, seed_hi));
    return bits.x >= drop_threshold;
}
