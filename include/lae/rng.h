/*
 * Random numbers: Philox4x32-10 for dropout masks (the C reference of kernels/common.cl), and
 * a small sequential generator for the host's shuffles and initial weights.
 *
 * Philox follows Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC 2011). The
 * host generator is SplitMix64 (Steele et al., OOPSLA 2014): fast, 64-bit state, and good
 * enough for shuffling and initialisation; it is not for cryptography.
 */
#ifndef LAE_RNG_H
#define LAE_RNG_H

#include <stddef.h>
#include <stdint.h>

/* out = Philox4x32-10(counter, key). */
void lae_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/* ⌊p·2³²⌋ clamped to 2³² − 1: an element is kept when its draw is at least this. */
uint32_t lae_drop_threshold(double p);

/*
 * Whether entry (row, col) of an nb×m minibatch at step `step` is kept, exactly as
 * kernels/dropout.cl draws it: word col mod 4 of Philox(counter = (row·⌈m/4⌉ + ⌊col/4⌋,
 * step_lo, step_hi, 0), key = (seed_lo, seed_hi)) compared with threshold.
 */
int lae_dropout_kept(uint64_t seed, uint64_t step, size_t row, size_t col, size_t m,
                     uint32_t threshold);

typedef struct {
    uint64_t state;
} lae_rng;

void lae_rng_seed(lae_rng *rng, uint64_t seed);
uint64_t lae_rng_next(lae_rng *rng);

/* Uniform in [0, 1) with 53 random bits. */
double lae_rng_uniform(lae_rng *rng);

/* Uniform integer in [0, bound), without modulo bias; bound > 0. */
uint64_t lae_rng_below(lae_rng *rng, uint64_t bound);

/* A uniformly random permutation of 0..n−1 into order (Fisher–Yates). */
void lae_rng_permutation(lae_rng *rng, int *order, size_t n);

#endif
