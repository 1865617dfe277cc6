/*
 * Pictures: PNG round trips through libpng, failure paths that must leave no file, the colour
 * map's endpoints and symmetry, and plots whose pixels are checked where their layout says.
 *
 * Widths are chosen not to be multiples of 4 so that a row-stride mistake shows as skew.
 * The text tests only check that text leaves ink inside its rectangle and none outside: with no
 * font installed, cairo's built-in fallback font passes them too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lae/report.h"
#include "lae/study.h"

/* ---- Helpers ------------------------------------------------------------------------------ */

typedef struct {
    char dir[64];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "/tmp/lae-test-report-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                char path[512];
                snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
                remove(path);
            }
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Entries of dir other than . and .., and whether one starts with prefix. */
static int count_entries(const char *dir, const char *prefix, int *prefixed) {
    int n = 0;
    *prefixed = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        n++;
        if (prefix != NULL && strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            *prefixed = 1;
        }
    }
    closedir(d);
    return n;
}

static void pattern(uint8_t *pixels, size_t width, size_t height, int channels) {
    for (size_t y = 0; y < height; y++) {
        for (size_t x = 0; x < width; x++) {
            for (int c = 0; c < channels; c++) {
                pixels[(y * width + x) * (size_t)channels + (size_t)c] =
                    (uint8_t)(x * 37 + y * 11 + (size_t)c * 101 + 3);
            }
        }
    }
}

static void pixel_at(const uint8_t *rgb, int width, int x, int y, uint8_t out[3]) {
    memcpy(out, rgb + ((size_t)y * (size_t)width + (size_t)x) * 3, 3);
}

static int is_rgb(const uint8_t *p, int r, int g, int b) {
    return p[0] == r && p[1] == g && p[2] == b;
}

static uint8_t *canvas_pixels(lae_canvas *canvas) {
    size_t bytes = (size_t)lae_canvas_width(canvas) * (size_t)lae_canvas_height(canvas) * 3;
    uint8_t *rgb = malloc(bytes);
    assert_non_null(rgb);
    lae_canvas_rgb(canvas, rgb);
    return rgb;
}

/* Non-white pixels inside and outside r. */
static void count_ink(const uint8_t *rgb, int width, int height, lae_rect r, int *in, int *out) {
    *in = 0;
    *out = 0;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            const uint8_t *p = rgb + ((size_t)y * (size_t)width + (size_t)x) * 3;
            if (is_rgb(p, 255, 255, 255)) {
                continue;
            }
            int inside = x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
            *(inside ? in : out) += 1;
        }
    }
}

/* ---- PNG ---------------------------------------------------------------------------------- */

static void png_rgb_round_trip_keeps_pixels_and_texts(void **state) {
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/pattern.png", f->dir);
    enum { W = 7, H = 5 };
    uint8_t pixels[W * H * 3];
    pattern(pixels, W, H, 3);
    lae_png_text texts[] = {
        {"model", "edlae"},
        {"k", "64"},
        {"p", "0.25"},
        {"seed", "12345678901234567890"},
        {"device", "pthread-µarch"},
        {"lae version", "0.1.0"},
    };

    assert_int_equal(lae_png_write(path, W, H, pixels, 3, texts, 6), LAE_OK);
    lae_png_image image;
    assert_int_equal(lae_png_read(path, &image), LAE_OK);
    assert_int_equal(image.width, W);
    assert_int_equal(image.height, H);
    assert_int_equal(image.channels, 3);
    assert_memory_equal(image.pixels, pixels, sizeof pixels);
    assert_int_equal(image.ntexts, 6);
    for (size_t i = 0; i < 6; i++) {
        const char *value = lae_png_image_text(&image, texts[i].key);
        assert_non_null(value);
        assert_string_equal(value, texts[i].value);
    }
    assert_null(lae_png_image_text(&image, "absent"));
    lae_png_image_free(&image);

    int temp = 0;
    assert_int_equal(count_entries(f->dir, "pattern.png.tmp", &temp), 1);
    assert_false(temp);
}

static void png_grey_and_rgba_round_trip(void **state) {
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/grey.png", f->dir);
    uint8_t grey[5 * 3];
    uint8_t rgba[3 * 6 * 4];
    pattern(grey, 5, 3, 1);
    pattern(rgba, 3, 6, 4);
    lae_png_image image;

    assert_int_equal(lae_png_write(path, 5, 3, grey, 1, NULL, 0), LAE_OK);
    assert_int_equal(lae_png_read(path, &image), LAE_OK);
    assert_int_equal(image.width, 5);
    assert_int_equal(image.height, 3);
    assert_int_equal(image.channels, 1);
    assert_memory_equal(image.pixels, grey, sizeof grey);
    assert_int_equal(image.ntexts, 0);
    lae_png_image_free(&image);

    /* Overwriting an existing file goes through the same rename. */
    assert_int_equal(lae_png_write(path, 3, 6, rgba, 4, NULL, 0), LAE_OK);
    assert_int_equal(lae_png_read(path, &image), LAE_OK);
    assert_int_equal(image.width, 3);
    assert_int_equal(image.height, 6);
    assert_int_equal(image.channels, 4);
    assert_memory_equal(image.pixels, rgba, sizeof rgba);
    lae_png_image_free(&image);
}

static void png_missing_folder_fails_naming_path(void **state) {
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/no-such-folder/out.png", f->dir);
    uint8_t pixels[3 * 2 * 3] = {0};

    assert_int_equal(lae_png_write(path, 3, 2, pixels, 3, NULL, 0), LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), path));
    int temp = 0;
    assert_int_equal(count_entries(f->dir, NULL, &temp), 0);
}

static void png_stream_to_dev_full_fails(void **state) {
    (void)state;
    FILE *stream = fopen("/dev/full", "wb");
    if (stream == NULL) {
        skip();
    }
    uint8_t pixels[9 * 4 * 3];
    pattern(pixels, 9, 4, 3);
    lae_status status = lae_png_write_stream(stream, "/dev/full", 9, 4, pixels, 3, NULL, 0);
    fclose(stream);
    assert_int_equal(status, LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), "/dev/full"));
}

static void png_path_refuses_non_regular_file(void **state) {
    (void)state;
    uint8_t pixels[3] = {1, 2, 3};
    struct stat before;
    if (stat("/dev/full", &before) != 0) {
        skip();
    }
    assert_int_equal(lae_png_write("/dev/full", 1, 1, pixels, 3, NULL, 0), LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), "/dev/full"));

    struct stat after;
    assert_int_equal(stat("/dev/full", &after), 0);
    assert_true(S_ISCHR(after.st_mode));
    int temp = 0;
    count_entries("/dev", "full.tmp", &temp);
    assert_false(temp);
}

/*
 * A write that fails half way: a file-size limit makes write() return EFBIG once the
 * temporary file reaches it (SIGXFSZ is ignored), standing in for a full disk.
 */
static void png_failed_write_leaves_no_file(void **state) {
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/big.png", f->dir);
    enum { W = 301, H = 203 };
    uint8_t *pixels = malloc((size_t)W * H * 3);
    assert_non_null(pixels);
    unsigned x = 12345;
    for (size_t i = 0; i < (size_t)W * H * 3; i++) {
        x = x * 1103515245u + 12345u;
        pixels[i] = (uint8_t)(x >> 16);
    }

    struct rlimit old_limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = {4096, old_limit.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    lae_status status = lae_png_write(path, W, H, pixels, 3, NULL, 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
    signal(SIGXFSZ, old_handler);
    free(pixels);

    assert_int_equal(status, LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), path));
    int temp = 0;
    assert_int_equal(count_entries(f->dir, NULL, &temp), 0);
}

static void png_rejects_bad_key_and_non_png(void **state) {
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/key.png", f->dir);
    uint8_t pixels[3] = {0};
    lae_png_text bad[] = {{" leading space", "x"}};
    assert_int_equal(lae_png_write(path, 1, 1, pixels, 3, bad, 1), LAE_ERR_ARG);
    int temp = 0;
    assert_int_equal(count_entries(f->dir, NULL, &temp), 0);

    snprintf(path, sizeof path, "%s/not.png", f->dir);
    FILE *stream = fopen(path, "wb");
    assert_non_null(stream);
    fputs("this is not a PNG file at all", stream);
    fclose(stream);
    lae_png_image image;
    assert_int_equal(lae_png_read(path, &image), LAE_ERR_FORMAT);
    assert_null(image.pixels);
}

/* ---- Colour map --------------------------------------------------------------------------- */

static void colormap_endpoints_and_symmetry(void **state) {
    (void)state;
    uint8_t c[3], d[3];
    lae_colormap_diverging(-2.0, 2.0, c);
    assert_true(is_rgb(c, 0, 0, 255));
    lae_colormap_diverging(0.0, 2.0, c);
    assert_true(is_rgb(c, 255, 255, 255));
    lae_colormap_diverging(2.0, 2.0, c);
    assert_true(is_rgb(c, 255, 0, 0));
    lae_colormap_diverging(1.0, 2.0, c);
    assert_true(is_rgb(c, 255, 128, 128));
    lae_colormap_diverging(-1.0, 2.0, c);
    assert_true(is_rgb(c, 128, 128, 255));

    /* Beyond the limits clamps; ±v swap red and blue; red grows monotonically. */
    lae_colormap_diverging(7.0, 2.0, c);
    assert_true(is_rgb(c, 255, 0, 0));
    lae_colormap_diverging(-7.0, 2.0, c);
    assert_true(is_rgb(c, 0, 0, 255));
    int previous_fade = 256;
    for (int i = 0; i <= 40; i++) {
        double v = 0.05 * i;
        lae_colormap_diverging(v, 2.0, c);
        lae_colormap_diverging(-v, 2.0, d);
        assert_int_equal(c[0], d[2]);
        assert_int_equal(c[1], d[1]);
        assert_int_equal(c[2], d[0]);
        assert_int_equal(c[0], 255);
        assert_true(c[1] < previous_fade || (i == 0 && c[1] == 255));
        previous_fade = c[1];
    }

    /* No usable limit: white; NaN: grey. */
    lae_colormap_diverging(1.0, 0.0, c);
    assert_true(is_rgb(c, 255, 255, 255));
    lae_colormap_diverging(0.0 / 0.0, 1.0, c);
    assert_true(is_rgb(c, 128, 128, 128));
}

/* ---- Plots -------------------------------------------------------------------------------- */

static void digit_grid_puts_each_pixel_in_place(void **state) {
    fixture *f = *state;
    enum { COUNT = 3, ROWS = 3, COLS = 5, M = ROWS * COLS };
    float originals[COUNT * M], reconstructions[COUNT * M], dropped[COUNT * M];
    for (int i = 0; i < COUNT * M; i++) {
        originals[i] = (float)((i * 7 + 1) % 256) / 255.0f;
        reconstructions[i] = (float)((i * 13 + 100) % 256) / 255.0f;
        dropped[i] = (i % 2) ? originals[i] : 0.0f;
    }
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 173, 91), LAE_OK);
    lae_digit_grid grid = {
        .originals = originals,
        .dropped = dropped,
        .reconstructions = reconstructions,
        .count = COUNT,
        .rows = ROWS,
        .cols = COLS,
        .title = "digits",
    };
    lae_rect rect = {3, 2, 167, 87};
    lae_digit_layout layout;
    assert_int_equal(lae_draw_digit_grid(canvas, rect, &grid, &layout), LAE_OK);
    assert_true(layout.scale >= 2);

    uint8_t *rgb = canvas_pixels(canvas);
    const float *sources[3] = {originals, reconstructions, dropped};
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < COUNT; i++) {
            for (int row = 0; row < ROWS; row++) {
                for (int col = 0; col < COLS; col++) {
                    uint8_t want = (uint8_t)(sources[r][i * M + row * COLS + col] * 255.0f + 0.5f);
                    for (int dy = 0; dy < layout.scale; dy++) {
                        for (int dx = 0; dx < layout.scale; dx++) {
                            uint8_t p[3];
                            pixel_at(rgb, 173,
                                     layout.x0 + i * layout.step + col * layout.scale + dx,
                                     layout.y0 + r * layout.step_y + row * layout.scale + dy, p);
                            assert_true(is_rgb(p, want, want, want));
                        }
                    }
                }
            }
        }
    }

    /* The gap right of the first image and below the first row stays white. */
    uint8_t p[3];
    pixel_at(rgb, 173, layout.x0 + COLS * layout.scale, layout.y0, p);
    assert_true(is_rgb(p, 255, 255, 255));
    pixel_at(rgb, 173, layout.x0, layout.y0 + ROWS * layout.scale, p);
    assert_true(is_rgb(p, 255, 255, 255));

    /* Saved and decoded, the canvas comes back byte for byte with its text chunk. */
    char path[128];
    snprintf(path, sizeof path, "%s/grid.png", f->dir);
    lae_png_text text = {"model", "dlae"};
    assert_int_equal(lae_canvas_save_png(canvas, path, &text, 1), LAE_OK);
    lae_png_image image;
    assert_int_equal(lae_png_read(path, &image), LAE_OK);
    assert_int_equal(image.width, 173);
    assert_int_equal(image.height, 91);
    assert_int_equal(image.channels, 3);
    assert_memory_equal(image.pixels, rgb, (size_t)173 * 91 * 3);
    assert_string_equal(lae_png_image_text(&image, "model"), "dlae");
    lae_png_image_free(&image);
    free(rgb);
    lae_canvas_free(canvas);
}

static void digit_grid_undoes_normalisation_and_clamps(void **state) {
    (void)state;
    const double mean = 0.1307, std = 0.3081;
    float originals[3] = {(float)((0.6 - mean) / std), 40.0f, -40.0f};
    float reconstructions[3] = {(float)((0.0 - mean) / std), (float)((1.0 - mean) / std), 0.0f};
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 150, 50), LAE_OK);
    lae_digit_grid grid = {
        .originals = originals,
        .reconstructions = reconstructions,
        .count = 1,
        .rows = 1,
        .cols = 3,
        .norm = {1, mean, std},
    };
    lae_digit_layout layout;
    assert_int_equal(lae_draw_digit_grid(canvas, (lae_rect){0, 0, 150, 50}, &grid, &layout),
                     LAE_OK);
    uint8_t *rgb = canvas_pixels(canvas);
    const int want[2][3] = {{153, 255, 0}, {0, 255, 33}};
    for (int r = 0; r < 2; r++) {
        for (int col = 0; col < 3; col++) {
            uint8_t p[3];
            pixel_at(rgb, 150, layout.x0 + col * layout.scale, layout.y0 + r * layout.step_y, p);
            assert_int_equal(p[0], want[r][col]);
        }
    }
    free(rgb);
    lae_canvas_free(canvas);
}

static void heatmap_single_entry_is_red_there_only(void **state) {
    (void)state;
    double values[10 * 10] = {0};
    values[3 * 10 + 7] = 2.5;
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 243, 197), LAE_OK);
    lae_heatmap map = {.values = values, .rows = 10, .cols = 10, .title = "B"};
    lae_heatmap_layout layout;
    assert_int_equal(lae_draw_heatmap(canvas, (lae_rect){5, 5, 231, 187}, &map, &layout), LAE_OK);
    assert_int_equal(layout.block, 1);
    assert_true(layout.cell_px >= 10);
    assert_true(layout.limit == 2.5);
    assert_int_equal(layout.plot.w, 10 * layout.cell_px);

    uint8_t *rgb = canvas_pixels(canvas);
    for (int y = 0; y < layout.plot.h; y++) {
        for (int x = 0; x < layout.plot.w; x++) {
            uint8_t p[3];
            pixel_at(rgb, 243, layout.plot.x + x, layout.plot.y + y, p);
            int in_cell = y / layout.cell_px == 3 && x / layout.cell_px == 7;
            if (in_cell) {
                assert_true(is_rgb(p, 255, 0, 0));
            } else {
                assert_true(is_rgb(p, 255, 255, 255));
            }
        }
    }
    free(rgb);
    lae_canvas_free(canvas);
}

static void heatmap_averages_blocks_of_a_large_matrix(void **state) {
    (void)state;
    enum { M = 784 };
    double *values = calloc((size_t)M * M, sizeof *values);
    assert_non_null(values);
    values[0] = 1.0;
    values[(size_t)M * M - 1] = -1.0;
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 301, 263), LAE_OK);
    lae_heatmap map = {.values = values, .rows = M, .cols = M, .caption = "mean of blocks"};
    lae_heatmap_layout layout;
    assert_int_equal(lae_draw_heatmap(canvas, (lae_rect){0, 0, 301, 263}, &map, &layout), LAE_OK);
    assert_true(layout.block > 1);
    size_t cells = (M + layout.block - 1) / layout.block;
    size_t last = M - (cells - 1) * layout.block;
    assert_int_equal(layout.plot.w, (int)cells * layout.cell_px);

    uint8_t first[3], end[3], p[3];
    lae_colormap_diverging(1.0 / (double)(layout.block * layout.block), 1.0, first);
    lae_colormap_diverging(-1.0 / (double)(last * last), 1.0, end);
    assert_false(is_rgb(first, 255, 255, 255));
    uint8_t *rgb = canvas_pixels(canvas);
    int n = (int)cells * layout.cell_px;
    for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
            pixel_at(rgb, 301, layout.plot.x + x, layout.plot.y + y, p);
            int ci = y / layout.cell_px, cj = x / layout.cell_px;
            if (ci == 0 && cj == 0) {
                assert_memory_equal(p, first, 3);
            } else if (ci == (int)cells - 1 && cj == (int)cells - 1) {
                assert_memory_equal(p, end, 3);
            } else {
                assert_true(is_rgb(p, 255, 255, 255));
            }
        }
    }
    free(rgb);
    free(values);
    lae_canvas_free(canvas);
}

static void diag_image_keeps_row_major_shape(void **state) {
    (void)state;
    enum { ROWS = 28, COLS = 28 };
    double diag[ROWS * COLS];
    for (int i = 0; i < ROWS * COLS; i++) {
        diag[i] = 1.0;
    }
    diag[2 * COLS + 20] = -3.0;
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 211, 183), LAE_OK);
    lae_heatmap_layout layout;
    assert_int_equal(lae_draw_diag_image(canvas, (lae_rect){0, 0, 211, 183}, diag, ROWS, COLS,
                                         "diag(B)", &layout),
                     LAE_OK);
    assert_true(layout.limit == 3.0);
    uint8_t *rgb = canvas_pixels(canvas);
    uint8_t p[3], want[3];
    pixel_at(rgb, 211, layout.plot.x + 20 * layout.cell_px, layout.plot.y + 2 * layout.cell_px, p);
    assert_true(is_rgb(p, 0, 0, 255));
    pixel_at(rgb, 211, layout.plot.x + 2 * layout.cell_px, layout.plot.y + 20 * layout.cell_px, p);
    lae_colormap_diverging(1.0, 3.0, want);
    assert_memory_equal(p, want, 3);
    assert_true(is_rgb(want, 255, 170, 170));
    free(rgb);
    lae_canvas_free(canvas);
}

static void text_and_table_draw_ink_inside_their_rect_only(void **state) {
    (void)state;
    enum { W = 317, H = 203 };
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, W, H), LAE_OK);
    lae_rect text_rect = {10, 10, 120, 60};
    const char *text = "A linear autoencoder trained with dropout keeps B far from the identity "
                       "matrix; this sentence is long enough to be cut at the bottom edge.";
    assert_int_equal(lae_draw_text(canvas, text_rect, text, 12), LAE_OK);
    uint8_t *rgb = canvas_pixels(canvas);
    int in = 0, out = 0;
    count_ink(rgb, W, H, text_rect, &in, &out);
    free(rgb);
    assert_true(in > 50);
    assert_int_equal(out, 0);

    lae_canvas_free(canvas);
    assert_int_equal(lae_canvas_create(&canvas, W, H), LAE_OK);
    const char *header[] = {"model", "k", "diag mean", "off-diagonal share"};
    const char *cells[] = {"lae", "64", "0.0813", "0.912", "edlae", "64", "0.0021", "0.990"};
    lae_table table = {.header = header, .cells = cells, .nrows = 2, .ncols = 4, .title = "B"};
    lae_rect table_rect = {150, 100, 160, 90};
    assert_int_equal(lae_draw_table(canvas, table_rect, &table), LAE_OK);
    rgb = canvas_pixels(canvas);
    count_ink(rgb, W, H, table_rect, &in, &out);
    free(rgb);
    assert_true(in > 50);
    assert_int_equal(out, 0);
    lae_canvas_free(canvas);
}

/*
 * Two bins holding 3 and 1 values: the tallest run of bar colour well inside the left bin is
 * three times the one inside the right bin, give or take the bars' 1-pixel outline.
 */
static void histogram_bars_follow_counts(void **state) {
    (void)state;
    enum { W = 263, H = 181 };
    double values[] = {0.1, 0.2, 0.3, 0.9};
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, W, H), LAE_OK);
    lae_histogram hist = {.values = values,
                          .count = 4,
                          .bins = 2,
                          .lo = 0,
                          .hi = 1,
                          .title = "diag(B)",
                          .xlabel = "B_jj"};
    assert_int_equal(lae_draw_histogram(canvas, (lae_rect){0, 0, W, H}, &hist), LAE_OK);
    uint8_t *rgb = canvas_pixels(canvas);
    int tallest[2] = {0, 0};
    for (int x = 0; x < W; x++) {
        int run = 0;
        for (int y = 0; y < H; y++) {
            const uint8_t *p = rgb + ((size_t)y * W + (size_t)x) * 3;
            run += p[2] > 150 && p[0] < 100 && p[2] > p[0] + 80;
        }
        if (x < W * 35 / 100 || x > W * 70 / 100) {
            int half = x < W / 2 ? 0 : 1;
            tallest[half] = run > tallest[half] ? run : tallest[half];
        }
    }
    free(rgb);
    lae_canvas_free(canvas);
    assert_true(tallest[1] > 10);
    assert_true(abs(tallest[0] - 3 * tallest[1]) <= 6);

    assert_int_equal(lae_canvas_create(&canvas, 40, 30), LAE_OK);
    assert_int_equal(lae_draw_histogram(canvas, (lae_rect){0, 0, 40, 30}, &hist), LAE_ERR_ARG);
    lae_canvas_free(canvas);
}

static void line_chart_puts_higher_values_higher(void **state) {
    (void)state;
    enum { W = 301, H = 211 };
    double x[11], low[11], high[11];
    for (int i = 0; i < 11; i++) {
        x[i] = i;
        low[i] = 0.02;
        high[i] = 0.05;
    }
    lae_series series[] = {{"test MSE", x, low, 11}, {"train loss", x, high, 11}};
    lae_line_chart chart = {.series = series,
                            .nseries = 2,
                            .log_y = 1,
                            .title = "loss",
                            .xlabel = "epoch",
                            .ylabel = "loss"};
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, W, H), LAE_OK);
    assert_int_equal(lae_draw_line_chart(canvas, (lae_rect){0, 0, W, H}, &chart), LAE_OK);

    /* Mean row of each series' colour in the left half, away from the legend. */
    uint8_t *rgb = canvas_pixels(canvas);
    double sum[2] = {0, 0};
    int n[2] = {0, 0};
    for (int y = 0; y < H; y++) {
        for (int xx = 0; xx < W / 2; xx++) {
            const uint8_t *p = rgb + ((size_t)y * W + (size_t)xx) * 3;
            int blue = p[2] > 120 && p[0] < 80 && p[2] > p[1] + 30;
            int red = p[0] > 150 && p[1] < 90 && p[2] < 90;
            if (blue || red) {
                sum[red] += y;
                n[red]++;
            }
        }
    }
    free(rgb);
    lae_canvas_free(canvas);
    assert_true(n[0] > 20 && n[1] > 20);
    assert_true(sum[1] / n[1] + 20 < sum[0] / n[0]);

    /* A log axis with nothing above zero has nothing to draw. */
    double zeros[11] = {0};
    lae_series bad = {"zero", x, zeros, 11};
    lae_line_chart empty = {.series = &bad, .nseries = 1, .log_y = 1};
    assert_int_equal(lae_canvas_create(&canvas, W, H), LAE_OK);
    assert_int_equal(lae_draw_line_chart(canvas, (lae_rect){0, 0, W, H}, &empty), LAE_ERR_ARG);
    lae_canvas_free(canvas);
}

static void plots_refuse_rect_outside_canvas(void **state) {
    (void)state;
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 100, 80), LAE_OK);
    assert_int_equal(lae_draw_text(canvas, (lae_rect){50, 0, 51, 10}, "x", 0), LAE_ERR_ARG);
    assert_int_equal(lae_draw_text(canvas, (lae_rect){-1, 0, 10, 10}, "x", 0), LAE_ERR_ARG);
    assert_int_equal(lae_draw_text(canvas, (lae_rect){0, 0, 100, 80}, "x", 0), LAE_OK);
    lae_canvas_free(canvas);
    assert_int_equal(lae_canvas_create(&canvas, 0, 10), LAE_ERR_ARG);
    assert_null(canvas);
}

/* ---- Study pictures ----------------------------------------------------------------------- */

static void study_plots_draw_and_refuse_what_they_cannot(void **state) {
    (void)state;
    enum { SIDE = 4, M = SIDE * SIDE };
    double product[M * M] = {0};
    for (int j = 0; j < M; j++) {
        product[j * M + j] = j < M / 2 ? 1.0 : 0.0;
    }
    lae_canvas *canvas = NULL;
    assert_int_equal(lae_canvas_create(&canvas, 901, 420), LAE_OK);
    assert_int_equal(lae_draw_product(canvas, (lae_rect){0, 0, 450, 400}, product, M, "B"),
                     LAE_OK);
    assert_int_equal(lae_draw_diag_panel(canvas, (lae_rect){0, 0, 900, 400}, product, SIDE, SIDE,
                                         "diag"),
                     LAE_OK);

    /* The diag image's top-left cell is diag(B)_0 = 1 at the full limit: pure red somewhere in
     * the left half, and no red at all in the right half's histogram. */
    uint8_t *rgb = malloc(901 * 420 * 3);
    assert_non_null(rgb);
    lae_canvas_rgb(canvas, rgb);
    int red_left = 0;
    for (int y = 0; y < 420; y++) {
        for (int x = 0; x < 450; x++) {
            const uint8_t *p = rgb + ((size_t)y * 901 + (size_t)x) * 3;
            red_left += p[0] == 255 && p[1] == 0 && p[2] == 0;
        }
    }
    free(rgb);
    assert_true(red_left > 100);

    /* Curves: none with points is an argument error; one is enough. */
    double epoch[3] = {0, 1, 2}, loss[3] = {NAN, 0.5, 0.25}, mse[3] = {1, 0.4, 0.2};
    lae_curve curves[2] = {{"empty", NULL, NULL, NULL, 0}, {"one", epoch, loss, mse, 3}};
    assert_int_equal(lae_draw_loss_curves(canvas, (lae_rect){0, 0, 900, 400}, curves, 1),
                     LAE_ERR_ARG);
    assert_int_equal(lae_draw_loss_curves(canvas, (lae_rect){0, 0, 900, 400}, curves, 2),
                     LAE_OK);

    /* The page needs its own size. */
    lae_model model;
    assert_int_equal(lae_model_alloc(&model, M, 2, 0), LAE_OK);
    float digits[M] = {0};
    lae_study_entry entry = {.name = "one", .model = &model, .product = product,
                             .train_loss = 0.25, .test_mse = 0.2, .optimum_distance = NAN,
                             .curve = curves[1], .reconstructions = digits};
    lae_study study = {.entries = &entry, .count = 1, .originals = digits, .ndigits = 1,
                       .rows = SIDE, .cols = SIDE, .title = "t"};
    assert_int_equal(lae_draw_study_page(canvas, &study), LAE_ERR_ARG);
    int w, h;
    lae_study_page_size(&study, &w, &h);
    lae_canvas_free(canvas);
    assert_int_equal(lae_canvas_create(&canvas, w, h), LAE_OK);
    assert_int_equal(lae_draw_study_page(canvas, &study), LAE_OK);
    lae_canvas_free(canvas);
    lae_model_free(&model);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(png_rgb_round_trip_keeps_pixels_and_texts, setup, teardown),
        cmocka_unit_test_setup_teardown(png_grey_and_rgba_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(png_missing_folder_fails_naming_path, setup, teardown),
        cmocka_unit_test(png_stream_to_dev_full_fails),
        cmocka_unit_test(png_path_refuses_non_regular_file),
        cmocka_unit_test_setup_teardown(png_failed_write_leaves_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(png_rejects_bad_key_and_non_png, setup, teardown),
        cmocka_unit_test(colormap_endpoints_and_symmetry),
        cmocka_unit_test_setup_teardown(digit_grid_puts_each_pixel_in_place, setup, teardown),
        cmocka_unit_test(digit_grid_undoes_normalisation_and_clamps),
        cmocka_unit_test(heatmap_single_entry_is_red_there_only),
        cmocka_unit_test(heatmap_averages_blocks_of_a_large_matrix),
        cmocka_unit_test(diag_image_keeps_row_major_shape),
        cmocka_unit_test(text_and_table_draw_ink_inside_their_rect_only),
        cmocka_unit_test(histogram_bars_follow_counts),
        cmocka_unit_test(line_chart_puts_higher_values_higher),
        cmocka_unit_test(plots_refuse_rect_outside_canvas),
        cmocka_unit_test(study_plots_draw_and_refuse_what_they_cannot),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    lae_report_release_caches();
    return failed;
}
