/*
 * Philox4x32-10 and SplitMix64; see include/lae/rng.h. The Philox rounds here must stay
 * bit-identical to kernels/common.cl: the tests compare the two on every element.
 */
#include "lae/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void lae_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];

    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint64_t product0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t product1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t hi0 = (uint32_t)(product0 >> 32), lo0 = (uint32_t)product0;
        uint32_t hi1 = (uint32_t)(product1 >> 32), lo1 = (uint32_t)product1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

uint32_t lae_drop_threshold(double p) {
    double scaled = floor(p * 4294967296.0);
    if (!(scaled > 0.0)) {
        return 0;
    }
    if (scaled >= 4294967295.0) {
        return UINT32_MAX;
    }
    return (uint32_t)scaled;
}

int lae_dropout_kept(uint64_t seed, uint64_t step, size_t row, size_t col, size_t m,
                     uint32_t threshold) {
    size_t quads = (m + 3) / 4;
    const uint32_t counter[4] = {(uint32_t)(row * quads + col / 4), (uint32_t)step,
                                 (uint32_t)(step >> 32), 0};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t bits[4];
    lae_philox4x32_10(counter, key, bits);
    return bits[col % 4] >= threshold;
}

void lae_rng_seed(lae_rng *rng, uint64_t seed) {
    rng->state = seed;
}

uint64_t lae_rng_next(lae_rng *rng) {
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

double lae_rng_uniform(lae_rng *rng) {
    return (double)(lae_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t lae_rng_below(lae_rng *rng, uint64_t bound) {
    /* Rejects the top sliver of the range that would make some values likelier. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t draw;
    do {
        draw = lae_rng_next(rng);
    } while (draw >= limit);
    return draw % bound;
}

void lae_rng_permutation(lae_rng *rng, int *order, size_t n) {
    for (size_t i = 0; i < n; i++) {
        order[i] = (int)i;
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lae_rng_below(rng, i);
        int swap = order[i - 1];
        order[i - 1] = order[j];
        order[j] = swap;
    }
}
