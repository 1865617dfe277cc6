/*
 * The model module: B and its metrics against hand-worked cases, nn.Linear's initial bounds,
 * the model file (round trip, every kind of damage refused), and the .npy export's header.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>

#include "lae/model.h"

static char dir[] = "/tmp/lae-test-model-XXXXXX";

static int setup(void **state) {
    (void)state;
    return mkdtemp(dir) == NULL;
}

static int teardown(void **state) {
    (void)state;
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command);
}

static void make_model(lae_model *model) {
    assert_int_equal(lae_model_alloc(model, 6, 2, 1), LAE_OK);
    lae_model_init_uniform(model, 4);
    model->objective = lae_objective_make(LAE_KIND_EDLAE, 0.25, 3.0, 0.5);
    model->norm = (lae_norm){1, 0.1307, 0.3081};
    model->image_rows = 2;
    model->image_cols = 3;
    model->epochs = 7;
    model->batch = 64;
    model->lr = 0.001;
    snprintf(model->source, sizeof model->source, "trained");
}

/* B = W_encᵀ·W_decᵀ for a 3×2 case worked by hand, and its identity metrics. */
static void product_and_metrics_by_hand(void **state) {
    (void)state;
    lae_model model;
    double *b = NULL;

    assert_int_equal(lae_model_alloc(&model, 3, 2, 0), LAE_OK);
    /* W_enc (2×3) = [1 0 0; 0 1 0], W_dec (3×2) = [2 0; 0 1; 1 1]:
     * B[i][j] = Σ_l W_enc[l][i]·W_dec[j][l] = [2 0 1; 0 1 1; 0 0 0]. */
    const float enc[6] = {1, 0, 0, 0, 1, 0}, dec[6] = {2, 0, 0, 1, 1, 1};
    memcpy(model.w_enc, enc, sizeof enc);
    memcpy(model.w_dec, dec, sizeof dec);
    assert_int_equal(lae_model_product(&model, &b), LAE_OK);
    const double want[9] = {2, 0, 1, 0, 1, 1, 0, 0, 0};
    for (int i = 0; i < 9; i++) {
        assert_float_equal(b[i], want[i], 0.0);
    }

    lae_identity_metrics metrics = lae_identity_metrics_of(b, 3);
    assert_float_equal(metrics.diag_mean, 1.0, 1e-15);                 /* (2 + 1 + 0)/3 */
    assert_float_equal(metrics.diag_rms_error, sqrt(2.0 / 3.0), 1e-15); /* (1 + 0 + 1)/3 */
    assert_float_equal(metrics.frobenius, sqrt(7.0), 1e-15);
    assert_float_equal(metrics.offdiag_share, sqrt(2.0 / 7.0), 1e-15);

    float x[3] = {1, 2, 3}, out[3];
    lae_model_reconstruct(&model, x, 1, out); /* x·B = [2, 2, 3] */
    assert_float_equal(out[0], 2.0f, 0.0f);
    assert_float_equal(out[1], 2.0f, 0.0f);
    assert_float_equal(out[2], 3.0f, 0.0f);
    free(b);
    lae_model_free(&model);
}

static void init_respects_linear_bounds(void **state) {
    (void)state;
    lae_model model;
    assert_int_equal(lae_model_alloc(&model, 100, 4, 1), LAE_OK);
    lae_model_init_uniform(&model, 1);
    float enc_max = 0, dec_max = 0;
    for (size_t i = 0; i < 400; i++) {
        enc_max = fmaxf(enc_max, fabsf(model.w_enc[i]));
        dec_max = fmaxf(dec_max, fabsf(model.w_dec[i]));
    }
    /* Bounds 1/√100 and 1/√4; 400 draws come within 2 % of each bound. */
    assert_true(enc_max <= 0.1f && enc_max > 0.098f);
    assert_true(dec_max <= 0.5f && dec_max > 0.49f);
    lae_model_free(&model);
}

static void file_round_trip(void **state) {
    (void)state;
    lae_model model, loaded;
    char path[256];

    make_model(&model);
    snprintf(path, sizeof path, "%s/model.lae", dir);
    assert_int_equal(lae_model_save(&model, path), LAE_OK);
    assert_int_equal(lae_model_load(path, &loaded), LAE_OK);
    assert_int_equal(loaded.m, 6);
    assert_int_equal(loaded.k, 2);
    assert_int_equal(loaded.has_bias, 1);
    assert_int_equal(loaded.objective.kind, LAE_KIND_EDLAE);
    assert_float_equal(loaded.objective.p, 0.25, 0.0);
    assert_float_equal(loaded.objective.a, 3.0, 0.0);
    assert_float_equal(loaded.objective.b, 0.5, 0.0);
    assert_float_equal(loaded.norm.std, 0.3081, 0.0);
    assert_int_equal(loaded.image_rows, 2);
    assert_int_equal(loaded.epochs, 7);
    assert_string_equal(loaded.source, "trained");
    assert_memory_equal(loaded.w_enc, model.w_enc, (2 * 6 * 2 + 6 + 2) * sizeof(float));
    lae_model_free(&loaded);
    lae_model_free(&model);
}

/* Writes the saved model with one edit and checks that loading fails with the phrase. */
static void expect_damage_refused(const char *from, const char *to, long truncate_by,
                                  const char *extra, const char *phrase) {
    lae_model model, loaded;
    char path[256], bad[256];

    make_model(&model);
    snprintf(path, sizeof path, "%s/good.lae", dir);
    snprintf(bad, sizeof bad, "%s/bad.lae", dir);
    assert_int_equal(lae_model_save(&model, path), LAE_OK);

    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    char buffer[4096];
    size_t length = fread(buffer, 1, sizeof buffer, in);
    fclose(in);
    FILE *out = fopen(bad, "wb");
    assert_non_null(out);
    char *at = from != NULL ? memmem(buffer, length, from, strlen(from)) : NULL;
    if (from != NULL) {
        assert_non_null(at);
        fwrite(buffer, 1, (size_t)(at - buffer), out);
        fputs(to, out);
        size_t skip = (size_t)(at - buffer) + strlen(from);
        fwrite(buffer + skip, 1, length - skip - (size_t)truncate_by, out);
    } else {
        fwrite(buffer, 1, length - (size_t)truncate_by, out);
    }
    if (extra != NULL) {
        fputs(extra, out);
    }
    fclose(out);

    lae_status status = lae_model_load(bad, &loaded);
    assert_int_equal(status, LAE_ERR_FORMAT);
    if (strstr(lae_error_message(), phrase) == NULL || strstr(lae_error_message(), bad) == NULL) {
        fail_msg("message '%s' lacks '%s' or the path", lae_error_message(), phrase);
    }
    assert_null(loaded.w_enc);
    lae_model_free(&model);
}

static void damaged_files_are_refused(void **state) {
    (void)state;
    expect_damage_refused("lae-model 1", "lae-model 9", 0, NULL, "version");
    expect_damage_refused("lae-model 1", "PK\003\004", 0, NULL, "not an lae model file");
    expect_damage_refused(NULL, NULL, 4, NULL, "truncated");
    expect_damage_refused(NULL, NULL, 0, "x", "after the");
    expect_damage_refused("k 2\n", "k 9\n", 0, NULL, "out of range");
    expect_damage_refused("p 0.25", "p 1.5", 0, NULL, "out of range");
    expect_damage_refused("m 6\n", "m six\n", 0, NULL, "bad value");
    expect_damage_refused("kind edlae", "kind pca", 0, NULL, "bad value");
    expect_damage_refused("end\n", "fin\n", 0, NULL, "incomplete");
}

static void missing_file_is_an_io_error(void **state) {
    (void)state;
    lae_model loaded;
    assert_int_equal(lae_model_load("/nonexistent/model.lae", &loaded), LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), "/nonexistent/model.lae"));
}

static void npy_export_has_numpy_headers(void **state) {
    (void)state;
    lae_model model;
    char path[256];
    unsigned char header[128];

    make_model(&model);
    assert_int_equal(lae_model_export_npy(&model, dir), LAE_OK);
    snprintf(path, sizeof path, "%s/W_dec.npy", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(header, 1, sizeof header, f), sizeof header);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);

    assert_memory_equal(header, "\x93NUMPY\x01\x00", 8);
    size_t header_length = header[8] | (size_t)header[9] << 8;
    assert_int_equal((10 + header_length) % 64, 0);
    assert_int_equal(header[10 + header_length - 1], '\n');
    assert_non_null(memmem(header, sizeof header, "'shape': (6, 2)", 15));
    assert_non_null(memmem(header, sizeof header, "'descr': '<f4'", 14));
    assert_int_equal(size, (long)(10 + header_length + 6 * 2 * 4));

    snprintf(path, sizeof path, "%s/missing/dir", dir);
    assert_int_equal(lae_model_export_npy(&model, path), LAE_ERR_IO);
    lae_model_free(&model);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(product_and_metrics_by_hand),
        cmocka_unit_test(init_respects_linear_bounds),
        cmocka_unit_test(file_round_trip),
        cmocka_unit_test(damaged_files_are_refused),
        cmocka_unit_test(missing_file_is_an_io_error),
        cmocka_unit_test(npy_export_has_numpy_headers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
