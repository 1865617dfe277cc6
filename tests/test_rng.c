/*
 * The host random numbers: Philox4x32-10 against Random123's published known answers, the
 * dropout threshold, and shuffles that are permutations and repeat with their seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lae/rng.h"

/* Random123's tests/kat_vectors, the three "philox4x32 10" lines: counter, key, result. */
static void philox_matches_known_answers(void **state) {
    (void)state;
    const uint32_t vectors[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        lae_philox4x32_10(vectors[v], vectors[v] + 4, out);
        for (int w = 0; w < 4; w++) {
            assert_int_equal(out[w], vectors[v][6 + w]);
        }
    }
}

static void threshold_is_floor_of_p_times_two_to_32(void **state) {
    (void)state;
    assert_int_equal(lae_drop_threshold(0.0), 0u);
    assert_int_equal(lae_drop_threshold(0.5), 2147483648u);
    assert_int_equal(lae_drop_threshold(0.25), 1073741824u);
    assert_int_equal(lae_drop_threshold(0.2), 858993459u); /* ⌊0.2·2³²⌋ = 858993459.2 */
    assert_int_equal(lae_drop_threshold(0.9999999999999), 4294967295u);
}

static void permutation_is_a_permutation_and_repeats(void **state) {
    (void)state;
    enum { N = 1000 };
    int first[N], second[N], third[N];
    char seen[N] = {0};
    lae_rng rng;

    lae_rng_seed(&rng, 42);
    lae_rng_permutation(&rng, first, N);
    lae_rng_seed(&rng, 42);
    lae_rng_permutation(&rng, second, N);
    lae_rng_seed(&rng, 43);
    lae_rng_permutation(&rng, third, N);

    int fixed_points = 0, differs = 0;
    for (int i = 0; i < N; i++) {
        assert_true(first[i] >= 0 && first[i] < N);
        assert_false(seen[first[i]]);
        seen[first[i]] = 1;
        assert_int_equal(first[i], second[i]);
        fixed_points += first[i] == i;
        differs += first[i] != third[i];
    }
    /* A random permutation has about one fixed point; another seed differs almost everywhere. */
    assert_true(fixed_points < 10);
    assert_true(differs > N - 20);
}

static void uniform_has_mean_one_half(void **state) {
    (void)state;
    lae_rng rng;
    double sum = 0.0;
    enum { N = 100000 };

    lae_rng_seed(&rng, 7);
    for (int i = 0; i < N; i++) {
        double u = lae_rng_uniform(&rng);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    /* Standard error of the mean: √(1/12/N) ≈ 0.00091; allow 4 of them. */
    double mean = sum / N;
    assert_true(mean > 0.5 - 0.0037 && mean < 0.5 + 0.0037);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(philox_matches_known_answers),
        cmocka_unit_test(threshold_is_floor_of_p_times_two_to_32),
        cmocka_unit_test(permutation_is_a_permutation_and_repeats),
        cmocka_unit_test(uniform_has_mean_one_half),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
