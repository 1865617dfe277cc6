/*
 * `lae plot` and `lae curves` end to end. An identity model (B = I, m = 784 as 28×28) must
 * draw a heat map whose only saturated red pixels are the 784 diagonal entries, one pixel
 * each, plus the colour bar; curves come from `lae train --log` files and a malformed log is
 * refused naming its file and line, with no picture left behind.
 */
#include "cli_support.h"

#include "lae/model.h"
#include "lae/report.h"

#define SIDE 28
#define M    (SIDE * SIDE)

static void write_identity_model(const char *path) {
    lae_model model;
    assert_int_equal(lae_model_alloc(&model, M, M, 0), LAE_OK);
    for (size_t i = 0; i < M; i++) {
        model.w_enc[i * M + i] = 1.0f;
        model.w_dec[i * M + i] = 1.0f;
    }
    model.objective = lae_objective_make(LAE_KIND_DLAE, 0.25, 1.0, 1.0);
    model.image_rows = SIDE;
    model.image_cols = SIDE;
    assert_int_equal(lae_model_save(&model, path), LAE_OK);
    lae_model_free(&model);
}

static int saturated_red(const lae_png_image *img, size_t x, size_t y) {
    const uint8_t *p = img->pixels + (y * img->width + x) * (size_t)img->channels;
    return p[0] > 200 && p[1] < 60 && p[2] < 60;
}

static void plot_of_identity_marks_the_diagonal(void **state) {
    cli_fixture *f = *state;
    char out[8192], model[512], png[512];

    snprintf(model, sizeof model, "%s/identity.lae", f->dir);
    write_identity_model(model);
    assert_int_equal(cli_run(out, sizeof out, "plot %s --out %s/id", model, f->dir), 0);

    lae_png_image img;
    snprintf(png, sizeof png, "%s/id-b.png", f->dir);
    assert_int_equal(lae_png_read(png, &img), LAE_OK);
    assert_int_equal(img.width, M + 160);
    assert_int_equal(img.height, M + 120);

    /* Left of the colour bar, the saturated pixels lie on one diagonal line, one per entry. */
    size_t count = 0, x_first = 0, y_first = 0;
    for (size_t y = 0; y < img.height; y++) {
        for (size_t x = 0; x < (size_t)M + 20; x++) {
            if (saturated_red(&img, x, y)) {
                if (count == 0) {
                    x_first = x;
                    y_first = y;
                }
                assert_int_equal(x - x_first, y - y_first);
                count++;
            }
        }
    }
    print_message("%zu saturated pixels from (%zu, %zu)\n", count, x_first, y_first);
    assert_int_equal(count, M);
    assert_string_equal(lae_png_image_text(&img, "model"), "dlae");
    assert_string_equal(lae_png_image_text(&img, "p"), "0.25");
    lae_png_image_free(&img);

    snprintf(png, sizeof png, "%s/id-diag.png", f->dir);
    assert_int_equal(lae_png_read(png, &img), LAE_OK);
    assert_int_equal(img.width, 1000);
    assert_int_equal(img.height, 440);
    assert_string_equal(lae_png_image_text(&img, "k"), "784");
    lae_png_image_free(&img);
    lae_report_release_caches();
}

static void write_text(const char *path, const char *text) {
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void curves_from_logs_and_refusals(void **state) {
    cli_fixture *f = *state;
    char out[8192], a[512], b[512], bad[512];
    const char *header = "epoch,train_loss,test_mse,seconds,examples_per_second\n";
    char text[512];

    snprintf(a, sizeof a, "%s/lae.csv", f->dir);
    snprintf(b, sizeof b, "%s/dlae.csv", f->dir);
    snprintf(text, sizeof text, "%s1,0.5,0.4,0.1,100\n2,0.3,0.25,0.1,100\n3,0.2,nan,0.1,100\n",
             header);
    write_text(a, text);
    snprintf(text, sizeof text, "%s1,0.6,0.5,0.1,100\n2,0.4,0.3,0.1,100\n", header);
    write_text(b, text);
    assert_int_equal(cli_run(out, sizeof out, "curves %s %s --out %s/c.png", a, b, f->dir), 0);
    lae_png_image img;
    char png[512];
    snprintf(png, sizeof png, "%s/c.png", f->dir);
    assert_int_equal(lae_png_read(png, &img), LAE_OK);
    assert_int_equal(img.width, 1400);
    assert_int_equal(img.height, 480);
    char both[1100];
    snprintf(both, sizeof both, "%s; %s", a, b);
    assert_string_equal(lae_png_image_text(&img, "logs"), both);
    lae_png_image_free(&img);

    snprintf(bad, sizeof bad, "%s/bad.csv", f->dir);
    snprintf(text, sizeof text, "%s1,0.5,0.4,0.1,100\ntwo,0.3\n", header);
    write_text(bad, text);
    assert_int_equal(cli_run(out, sizeof out, "curves %s --out %s/bad.png", bad, f->dir), 1);
    assert_non_null(strstr(out, "bad.csv: line 3"));
    assert_false(cli_exists(f->dir, "bad.png"));

    assert_int_equal(cli_run(out, sizeof out, "curves %s --out %s/none/c.png", a, f->dir), 2);
    assert_non_null(strstr(out, "does not exist"));
    assert_int_equal(cli_run(out, sizeof out, "curves"), 2);
    lae_report_release_caches();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plot_of_identity_marks_the_diagonal, cli_setup,
                                        cli_teardown),
        cmocka_unit_test_setup_teardown(curves_from_logs_and_refusals, cli_setup,
                                        cli_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
