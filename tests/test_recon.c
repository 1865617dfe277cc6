/*
 * `lae recon` end to end: an identity model (k = m, W_enc = W_dec = I, no bias) must draw
 * reconstructions equal to the originals, pixel for pixel, with the text chunks that say what was
 * drawn; a missing or corrupt model file and --dropped on a p = 0 model fail with a clear message
 * and leave no picture. The grid is found in the PNG by its black digit backgrounds, so the test
 * does not depend on the font that sizes the row labels.
 */
#include "cli_support.h"

#include "lae/model.h"
#include "lae/report.h"

#define SIDE  28
#define M     (SIDE * SIDE)
#define SCALE 3
#define STEP  (SIDE * SCALE + 3)

/* Writes an identity model with objective (kind, p) to dir/name. */
static void write_identity_model(const char *dir, const char *name, lae_kind kind, double p) {
    lae_model model;
    char path[512];
    assert_int_equal(lae_model_alloc(&model, M, M, 0), LAE_OK);
    for (size_t i = 0; i < M; i++) {
        model.w_enc[i * M + i] = 1.0f;
        model.w_dec[i * M + i] = 1.0f;
    }
    model.objective = lae_objective_make(kind, p, 1.0, 1.0);
    model.norm = (lae_norm){1, 0.1307, 0.3081};
    model.image_rows = SIDE;
    model.image_cols = SIDE;
    model.seed = 3;
    snprintf(model.source, sizeof model.source, "init");
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(lae_model_save(&model, path), LAE_OK);
    lae_model_free(&model);
}

static const uint8_t *pixel(const lae_png_image *img, size_t x, size_t y) {
    return img->pixels + (y * img->width + x) * (size_t)img->channels;
}

static int is_black(const lae_png_image *img, size_t x, size_t y) {
    const uint8_t *p = pixel(img, x, y);
    return p[0] == 0 && p[1] == 0 && p[2] == 0;
}

/* The top-left corner of the first digit: the first row with a run of 30 black pixels. */
static void find_grid(const lae_png_image *img, size_t *x0, size_t *y0) {
    for (size_t y = 0; y < img->height; y++) {
        size_t run = 0;
        for (size_t x = 0; x < img->width; x++) {
            run = is_black(img, x, y) ? run + 1 : 0;
            if (run == 30) {
                *x0 = x + 1 - run;
                *y0 = y;
                return;
            }
        }
    }
    fail_msg("no digit found in the picture");
}

static void recon_of_identity_equals_originals(void **state) {
    cli_fixture *f = *state;
    char out[8192], png[512];
    enum { N = 5 };

    write_identity_model(f->dir, "identity.lae", LAE_KIND_DLAE, 0.5);
    snprintf(png, sizeof png, "%s/r.png", f->dir);
    int code = cli_run(out, sizeof out, "recon %s/identity.lae --n %d --dropped --seed 7 --out %s",
                       f->dir, N, png);
    assert_int_equal(code, 0);

    lae_png_image img;
    assert_int_equal(lae_png_read(png, &img), LAE_OK);
    print_message("picture %zu×%zu, %d channels\n", img.width, img.height, img.channels);
    assert_int_equal(img.width, 640); /* 150 + 5·87 is below the 640 minimum */
    assert_int_equal(img.height, 44 + 3 * STEP);
    assert_int_equal(img.channels, 3);

    /* Row 1 (reconstructions) equals row 0 (originals) pixel for pixel; row 2 differs. */
    size_t x0 = 0, y0 = 0, dropped_differ = 0, ink = 0;
    find_grid(&img, &x0, &y0);
    print_message("first digit at (%zu, %zu)\n", x0, y0);
    assert_true(y0 + 2 * STEP + SIDE * SCALE <= img.height);
    assert_true(x0 + N * STEP - 3 <= img.width);
    for (size_t y = y0; y < y0 + SIDE * SCALE; y++) {
        for (size_t x = x0; x < x0 + N * STEP - 3; x++) {
            const uint8_t *orig = pixel(&img, x, y);
            const uint8_t *recon = pixel(&img, x, y + STEP);
            const uint8_t *drop = pixel(&img, x, y + 2 * STEP);
            if (memcmp(orig, recon, 3) != 0) {
                fail_msg("pixel (%zu, %zu): original %d, reconstruction %d", x, y, orig[0],
                         recon[0]);
            }
            ink += orig[0] > 128;
            dropped_differ += memcmp(orig, drop, 3) != 0;
        }
    }
    print_message("%zu bright pixels, %zu differ in the dropped row\n", ink, dropped_differ);
    assert_true(ink > 100);
    assert_true(dropped_differ > 50);

    /* What was drawn, in text chunks. */
    const char *want[][2] = {
        {"model", "dlae"}, {"k", "784"}, {"p", "0.5"}, {"a", "1"}, {"b", "1"}, {"seed", "7"},
        {"device", "host"}, {"lae version", "0.1.0"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *value = lae_png_image_text(&img, want[i][0]);
        if (value == NULL || strcmp(value, want[i][1]) != 0) {
            fail_msg("text chunk '%s': got '%s', want '%s'", want[i][0],
                     value != NULL ? value : "(none)", want[i][1]);
        }
    }
    lae_png_image_free(&img);
    lae_report_release_caches();
}

static void recon_seed_defaults_to_the_models(void **state) {
    cli_fixture *f = *state;
    char out[8192], png[512];

    write_identity_model(f->dir, "plain.lae", LAE_KIND_LAE, 0.0);
    snprintf(png, sizeof png, "%s/plain.png", f->dir);
    assert_int_equal(cli_run(out, sizeof out, "recon %s/plain.lae --n 3 --out %s", f->dir, png),
                     0);
    lae_png_image img;
    assert_int_equal(lae_png_read(png, &img), LAE_OK);
    assert_int_equal(img.height, 44 + 2 * STEP);
    assert_string_equal(lae_png_image_text(&img, "seed"), "3");
    assert_string_equal(lae_png_image_text(&img, "model"), "lae");
    lae_png_image_free(&img);
}

static void recon_missing_model_fails_and_writes_nothing(void **state) {
    cli_fixture *f = *state;
    char out[8192];

    int code = cli_run(out, sizeof out, "recon %s/absent.lae --out %s/r.png", f->dir, f->dir);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(out, "absent.lae"));
    assert_non_null(strstr(out, "error"));
    assert_false(cli_exists(f->dir, "r.png"));
}

static void recon_corrupt_model_fails_and_writes_nothing(void **state) {
    cli_fixture *f = *state;
    char out[8192], path[512];

    snprintf(path, sizeof path, "%s/corrupt.lae", f->dir);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs("lae-model 1\nm 784\nk 9999999999\ngarbage\n", file);
    fclose(file);
    int code = cli_run(out, sizeof out, "recon %s --out %s/r.png", path, f->dir);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(out, "corrupt.lae"));
    assert_false(cli_exists(f->dir, "r.png"));

    /* A truncated model: header intact, parameters cut short. */
    write_identity_model(f->dir, "cut.lae", LAE_KIND_LAE, 0.0);
    snprintf(path, sizeof path, "%s/cut.lae", f->dir);
    assert_int_equal(truncate(path, 5000), 0);
    code = cli_run(out, sizeof out, "recon %s --out %s/r.png", path, f->dir);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(out, "cut.lae"));
    assert_false(cli_exists(f->dir, "r.png"));
}

static void recon_refuses_dropped_without_dropout(void **state) {
    cli_fixture *f = *state;
    char out[8192];

    write_identity_model(f->dir, "plain.lae", LAE_KIND_LAE, 0.0);
    int code = cli_run(out, sizeof out, "recon %s/plain.lae --dropped --out %s/r.png", f->dir,
                       f->dir);
    assert_int_equal(code, 2);
    assert_non_null(strstr(out, "--dropped"));
    assert_false(cli_exists(f->dir, "r.png"));
    assert_int_equal(cli_run(out, sizeof out, "recon %s/plain.lae --n 0", f->dir), 2);
    assert_int_equal(cli_run(out, sizeof out, "recon", f->dir), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(recon_of_identity_equals_originals, cli_setup,
                                        cli_teardown),
        cmocka_unit_test_setup_teardown(recon_seed_defaults_to_the_models, cli_setup,
                                        cli_teardown),
        cmocka_unit_test_setup_teardown(recon_missing_model_fails_and_writes_nothing, cli_setup,
                                        cli_teardown),
        cmocka_unit_test_setup_teardown(recon_corrupt_model_fails_and_writes_nothing, cli_setup,
                                        cli_teardown),
        cmocka_unit_test_setup_teardown(recon_refuses_dropped_without_dropout, cli_setup,
                                        cli_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    lae_report_release_caches();
    return failed;
}
