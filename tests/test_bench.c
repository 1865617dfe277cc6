/*
 * The pure parts of `lae bench`: summaries of repeated timings, the GEMM shapes and flop
 * counts of a training step, the JSON renderer over a hand-built run, and the bar chart,
 * decoded back from its PNG. Nothing here is timed; the command itself runs in the
 * bench_cli test (tests/check_bench_json.py).
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli/bench_report.h"
#include "lae/bench.h"
#include "lae/report.h"
#include "support.h"

static void summarise_odd_even_and_nan(void **state) {
    (void)state;
    double odd[] = {3.0, 1.0, 2.0};
    lae_bench_stats s = lae_bench_summarise(odd, 3);
    assert_int_equal(s.count, 3);
    assert_close(s.median, 2.0, 0, 0, "median of 3");
    assert_close(s.min, 1.0, 0, 0, "min");
    assert_close(s.max, 3.0, 0, 0, "max");
    assert_close(s.q1, 1.5, 1e-12, 0, "q1 of 3");
    assert_close(s.q3, 2.5, 1e-12, 0, "q3 of 3");

    double even[] = {4.0, NAN, 1.0, 3.0, 2.0};
    s = lae_bench_summarise(even, 5);
    assert_int_equal(s.count, 4);
    assert_close(s.median, 2.5, 1e-12, 0, "median of 4, NaN ignored");
    assert_close(s.q1, 1.75, 1e-12, 0, "q1 of 4");
    assert_close(s.q3, 3.25, 1e-12, 0, "q3 of 4");
    assert_close(even[0], 4.0, 0, 0, "samples untouched");

    double one = 7.0;
    s = lae_bench_summarise(&one, 1);
    assert_close(s.q1, 7.0, 0, 0, "q1 of 1");
    assert_close(s.q3, 7.0, 0, 0, "q3 of 1");

    s = lae_bench_summarise(NULL, 0);
    assert_int_equal(s.count, 0);
    assert_true(isnan(s.median) && isnan(s.min) && isnan(s.q3));
}

static void step_shapes_match_the_trainer(void **state) {
    (void)state;
    const size_t nb = 64, m = 784, k = 64, w_dec = k * m + k, params = 2 * m * k + m + k;
    lae_bench_shape s[LAE_BENCH_STEP_GEMMS];
    lae_bench_step_shapes(nb, m, k, s);

    /* H = Z·W_encᵀ: NT nb×k×m. */
    assert_true(s[0].trans_a == 0 && s[0].trans_b == 1);
    assert_true(s[0].rows == nb && s[0].cols == k && s[0].inner == m);
    assert_true(s[0].lda == m && s[0].ldb == m && s[0].ldc == k);
    /* Y = H·W_decᵀ: NT nb×m×k, W_dec at its offset in the parameter block. */
    assert_true(s[1].trans_a == 0 && s[1].trans_b == 1);
    assert_true(s[1].rows == nb && s[1].cols == m && s[1].inner == k);
    assert_true(s[1].b_offset == w_dec && s[1].ldb == k && s[1].b_floats == params);
    /* ∂W_dec = Rᵀ·H: TN m×k×nb into the gradient block at W_dec's offset. */
    assert_true(s[2].trans_a == 1 && s[2].trans_b == 0);
    assert_true(s[2].rows == m && s[2].cols == k && s[2].inner == nb);
    assert_true(s[2].c_offset == w_dec && s[2].ldc == k && s[2].lda == m);
    /* dH = R·W_dec: NN nb×k×m. */
    assert_true(s[3].trans_a == 0 && s[3].trans_b == 0);
    assert_true(s[3].rows == nb && s[3].cols == k && s[3].inner == m && s[3].ldb == k);
    /* ∂W_enc = dHᵀ·Z: TN k×m×nb. */
    assert_true(s[4].trans_a == 1 && s[4].trans_b == 0);
    assert_true(s[4].rows == k && s[4].cols == m && s[4].inner == nb && s[4].lda == k);

    /* Buffer sizes cover every element each call touches. */
    for (int i = 0; i < LAE_BENCH_STEP_GEMMS; i++) {
        size_t a_last = s[i].a_offset +
                        (s[i].trans_a ? (s[i].inner - 1) * s[i].lda + s[i].rows - 1
                                      : (s[i].rows - 1) * s[i].lda + s[i].inner - 1);
        size_t c_last = s[i].c_offset + (s[i].rows - 1) * s[i].ldc + s[i].cols - 1;
        assert_true(a_last < s[i].a_floats);
        assert_true(c_last < s[i].c_floats);
    }
}

static void flop_counts(void **state) {
    (void)state;
    lae_bench_shape s[LAE_BENCH_STEP_GEMMS];
    for (size_t k = 1; k <= 784; k += 783) {
        lae_bench_step_shapes(64, 784, k, s);
        double sum = 0;
        for (int i = 0; i < LAE_BENCH_STEP_GEMMS; i++) {
            assert_close(lae_bench_gemm_flops(&s[i]), 2.0 * 64 * 784 * (double)k, 0, 0,
                         "each step GEMM is 2·nb·m·k");
            sum += lae_bench_gemm_flops(&s[i]);
        }
        assert_close(sum, lae_bench_step_flops(64, 784, k), 0, 0, "step = sum of its GEMMs");
    }
    assert_close(lae_bench_step_flops(64, 784, 64), 32112640.0, 0, 0, "10·64·784·64");
    assert_close(lae_bench_epoch_flops(5000, 784, 784), 10.0 * 5000 * 784 * 784, 0, 0,
                 "epoch");
    lae_bench_shape g = lae_bench_gram_shape(60000, 784);
    assert_true(g.trans_a == 1 && g.trans_b == 0 && g.rows == 784 && g.cols == 784);
    assert_true(g.inner == 60000 && g.a_floats == 60000 * 784);
    assert_close(lae_bench_gemm_flops(&g), 2.0 * 784 * 784 * 60000, 0, 0, "Gram flops");
}

/* A run of two devices by hand: a peak, an ok GEMM, a wrong one and a skipped one. */
static void make_run(bench_run *run) {
    memset(run, 0, sizeof *run);
    run->reps = 3;
    run->batch = 64;
    run->train_examples = 5000;
    run->gram_rows = 60000;
    run->devices = calloc(2, sizeof *run->devices);
    assert_non_null(run->devices);
    run->count = 2;
    for (int i = 0; i < 2; i++) {
        bench_device *d = &run->devices[i];
        d->info.index = i;
        snprintf(d->info.name, sizeof d->info.name, "device \"%d\"", i);
        d->info.type = CL_DEVICE_TYPE_CPU;
        d->opened = 1;
        d->peak_gflops = 100.0 * (i + 1);

        bench_result *r = bench_add(d, "peak", "FMA rate", "fp32", "", 0);
        double rates[] = {90.0 * (i + 1), 100.0 * (i + 1), 110.0 * (i + 1)};
        r->gflops = lae_bench_summarise(rates, 3);

        lae_bench_shape s[LAE_BENCH_STEP_GEMMS];
        lae_bench_step_shapes(64, 784, 64, s);
        r = bench_add(d, "gemm", s[0].name, "NT 64×64×784", "clblast", 64);
        r->has_shape = 1;
        r->shape = s[0];
        double seconds[] = {0.002, 0.001, 0.004};
        bench_set_seconds(r, seconds, 3, lae_bench_gemm_flops(&s[0]));

        r = bench_add(d, "gemm", s[0].name, "NT 64×64×784", "own", 64);
        r->state = BENCH_WRONG;
        r->max_error = 0.5;
        snprintf(r->reason, sizeof r->reason, "wrong results");

        r = bench_add(d, "gemm", s[0].name, "NT 64×64×784", "host", 64);
        r->state = BENCH_SKIPPED;
        snprintf(r->reason, sizeof r->reason, "not the host CPU");
    }
}

static void rates_come_from_times(void **state) {
    (void)state;
    bench_run run;
    make_run(&run);
    const bench_result *r = &run.devices[0].results[1];
    double flops = 2.0 * 64 * 64 * 784;
    assert_close(r->gflops.median, flops / 0.002 * 1e-9, 1e-9, 1e-12, "median rate");
    assert_close(r->gflops.min, flops / 0.004 * 1e-9, 1e-9, 1e-12, "min rate from max time");
    assert_close(r->gflops.max, flops / 0.001 * 1e-9, 1e-9, 1e-12, "max rate from min time");
    assert_close(bench_fraction_of_peak(&run.devices[0], r), r->gflops.median / 100.0, 0,
                 1e-12, "fraction of peak");
    assert_true(isnan(bench_fraction_of_peak(&run.devices[0], &run.devices[0].results[2])));
    bench_run_free(&run);
}

/* Reads a whole stream into a NUL-terminated buffer. */
static char *slurp(FILE *f) {
    long size = ftell(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    return text;
}

static void json_has_every_key_and_balances(void **state) {
    (void)state;
    bench_run run;
    make_run(&run);
    FILE *f = tmpfile();
    assert_non_null(f);
    bench_write_json(f, &run);
    char *text = slurp(f);
    fclose(f);

    static const char *const wanted[] = {
        "\"command\":\"bench\"", "\"settings\":{", "\"reps\":3", "\"devices\":[",
        "\"peak_gflops\":100", "\"results\":[", "\"section\":\"gemm\"",
        "\"status\":\"wrong\"", "\"status\":\"skipped\"", "\"fraction_of_peak\":",
        "\"gflops\":{\"count\":3", "\"shape\":{\"trans_a\":false,\"trans_b\":true,\"rows\":64",
        "\"max_error\":0.5", "\"name\":\"device \\\"1\\\"\"", "\"seconds\":{\"count\":0,"
        "\"median\":null",
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        if (strstr(text, wanted[i]) == NULL) {
            fail_msg("JSON lacks %s:\n%s", wanted[i], text);
        }
    }
    assert_null(strstr(text, "nan"));
    assert_null(strstr(text, "inf"));

    /* Brackets balance outside strings, and the text is one object and a newline. */
    int depth = 0, in_string = 0;
    for (const char *c = text; *c != '\0'; c++) {
        if (in_string) {
            if (*c == '\\') {
                c++;
            } else if (*c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (*c == '"') {
            in_string = 1;
        } else if (*c == '{' || *c == '[') {
            depth++;
        } else if (*c == '}' || *c == ']') {
            depth--;
            assert_true(depth >= 0);
        }
    }
    assert_int_equal(depth, 0);
    assert_int_equal(text[0], '{');
    assert_string_equal(text + strlen(text) - 2, "}\n");
    free(text);
    bench_run_free(&run);
}

/* Length of the run of pixels equal to the one at (x0, y) in an RGB image. */
static int run_length(const lae_png_image *im, int x0, int y) {
    const uint8_t *row = im->pixels + (size_t)y * im->width * 3;
    int n = 0;
    while ((size_t)(x0 + n) < im->width && memcmp(row + 3 * (x0 + n), row + 3 * x0, 3) == 0) {
        n++;
    }
    return n;
}

static void bar_lengths_follow_log_values(void **state) {
    (void)state;
    const char *categories[] = {"small", "large"};
    const char *series[] = {"a", "b"};
    double values[] = {10.0, 100.0, 1000.0, NAN}; /* [category][series] */
    lae_bar_chart chart = {
        .categories = categories, .ncategories = 2, .series = series, .nseries = 2,
        .values = values, .log_x = 1, .title = "bars", .xlabel = "GFLOP/s",
    };
    lae_canvas *canvas = NULL;
    lae_bar_layout layout;
    char path[] = "/tmp/lae-test-bars-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);

    int height = lae_bar_chart_height(&chart);
    assert_int_equal(lae_canvas_create(&canvas, 500, height), LAE_OK);
    assert_int_equal(lae_draw_bar_chart(canvas, (lae_rect){0, 0, 500, height}, &chart, &layout),
                     LAE_OK);
    assert_int_equal(lae_canvas_save_png(canvas, path, NULL, 0), LAE_OK);
    lae_canvas_free(canvas);

    lae_png_image im;
    assert_int_equal(lae_png_read(path, &im), LAE_OK);
    unlink(path);
    assert_int_equal(im.width, 500);
    assert_int_equal(im.height, (size_t)height);
    assert_int_equal(im.channels, 3);

    /* The axis spans 10 to 1000: bars of 10, 100 and 1000 take 0, 1/2 and all of the plot. */
    int w = layout.plot.w, x = layout.plot.x;
    int y_a_small = layout.y0 + layout.bar_h / 2;
    int y_b_small = y_a_small + layout.bar_h;
    int y_a_large = y_a_small + layout.group_h;
    int y_b_large = y_a_large + layout.bar_h;
    assert_true(run_length(&im, x, y_b_small) >= w / 2 - 2);
    assert_true(run_length(&im, x, y_b_small) <= w / 2 + 2);
    assert_true(run_length(&im, x, y_a_large) >= w - 2);
    const uint8_t *bar = im.pixels + ((size_t)y_b_small * im.width + (size_t)x) * 3;
    assert_false(bar[0] == 255 && bar[1] == 255 && bar[2] == 255);
    /* The NaN draws no bar: white (or a grid line) right of the frame. */
    const uint8_t *none = im.pixels + ((size_t)y_b_large * im.width + (size_t)x + 3) * 3;
    assert_true(none[0] > 200 && none[1] > 200 && none[2] > 200);
    lae_png_image_free(&im);

    /* Too small a rectangle is refused, naming the height needed. */
    assert_int_equal(lae_canvas_create(&canvas, 500, 60), LAE_OK);
    assert_int_equal(lae_draw_bar_chart(canvas, (lae_rect){0, 0, 500, 60}, &chart, NULL),
                     LAE_ERR_ARG);
    assert_non_null(strstr(lae_error_message(), "needs"));
    lae_canvas_free(canvas);
}

static void bench_png_decodes(void **state) {
    (void)state;
    bench_run run;
    make_run(&run);
    char path[] = "/tmp/lae-test-bench-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(bench_write_png(path, &run), LAE_OK);
    lae_png_image im;
    assert_int_equal(lae_png_read(path, &im), LAE_OK);
    unlink(path);
    assert_int_equal(im.width, 1100);
    assert_true(im.height > 100);
    assert_non_null(lae_png_image_text(&im, "Software"));
    /* The chart names the devices it compares. */
    assert_string_equal(lae_png_image_text(&im, "device"), "0: device \"0\"; 1: device \"1\"");
    lae_png_image_free(&im);
    bench_run_free(&run);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summarise_odd_even_and_nan),
        cmocka_unit_test(step_shapes_match_the_trainer),
        cmocka_unit_test(flop_counts),
        cmocka_unit_test(rates_come_from_times),
        cmocka_unit_test(json_has_every_key_and_balances),
        cmocka_unit_test(bar_lengths_follow_log_values),
        cmocka_unit_test(bench_png_decodes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    lae_report_release_caches();
    return failed;
}
