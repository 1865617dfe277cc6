/*
 * Image plots: a grid of digits with their reconstructions, heat maps of a matrix such as B
 * with a colour bar, and diag(B) in the shape of the input.
 *
 * Pixels of images are written directly (see draw.h), each value a square block of whole
 * pixels, so a test can find a value's colour exactly where the returned layout puts it.
 * Frames, labels and ticks are drawn by cairo outside those blocks. A matrix larger than the
 * plot is averaged in square blocks rather than subsampled, so that a lone large entry still
 * shows.
 */
#include "report/draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define LABEL_PX  11.0
#define DIGIT_GAP 3
#define BAR_GAP   10
#define BAR_WIDTH 14

/* ---- Digit grid --------------------------------------------------------------------------- */

static uint8_t grey_of(float x, const lae_norm *norm) {
    double v = norm->enabled ? (double)x * norm->std + norm->mean : (double)x;
    if (!(v > 0)) {
        v = 0; /* also NaN */
    }
    if (v > 1) {
        v = 1;
    }
    return (uint8_t)lround(255.0 * v);
}

lae_status lae_draw_digit_grid(lae_canvas *canvas, lae_rect rect, const lae_digit_grid *grid,
                               lae_digit_layout *layout) {
    const char *what = "digit grid";
    const char *labels[3] = {"original", "reconstruction", "dropped input"};

    if (grid == NULL || grid->originals == NULL || grid->reconstructions == NULL ||
        grid->count == 0 || grid->rows == 0 || grid->cols == 0) {
        return lae_fail(LAE_ERR_ARG, "digit grid: expected originals and reconstructions of at "
                                     "least one image of at least one pixel");
    }
    if (grid->norm.enabled && !(grid->norm.std > 0)) {
        return lae_fail(LAE_ERR_ARG, "digit grid: normalisation std must be > 0, got %g",
                        grid->norm.std);
    }
    lae_status status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;
    int nrows = grid->dropped != NULL ? 3 : 2;

    /* Layout: labels on the left, then images at the largest whole scale that fits. */
    double label_w = 0;
    for (int r = 0; r < nrows; r++) {
        double w = lae_report_text_width(cr, labels[r], LABEL_PX);
        label_w = w > label_w ? w : label_w;
    }
    int x0 = rect.x + (int)ceil(label_w) + 8;
    int y0 = rect.y + lae_report_title_height(grid->title) + 1;
    long avail_w = rect.x + rect.w - x0 - 1 - (long)(grid->count - 1) * DIGIT_GAP;
    long avail_h = rect.y + rect.h - y0 - 1 - (long)(nrows - 1) * DIGIT_GAP;
    long scale_w = avail_w > 0 ? avail_w / (long)(grid->count * grid->cols) : 0;
    long scale_h = avail_h > 0 ? avail_h / (long)((size_t)nrows * grid->rows) : 0;
    long scale = scale_w < scale_h ? scale_w : scale_h;
    if (scale < 1) {
        lae_report_end(canvas, what);
        return lae_fail(LAE_ERR_ARG,
                        "digit grid: %zu images of %zu×%zu in %d rows need more than the %d×%d "
                        "rectangle",
                        grid->count, grid->rows, grid->cols, nrows, rect.w, rect.h);
    }
    int s = (int)scale;
    int step = (int)grid->cols * s + DIGIT_GAP;
    int step_y = (int)grid->rows * s + DIGIT_GAP;

    /* The title centred over the images, row labels right-aligned against the first column. */
    lae_rect over = {x0, rect.y, (int)grid->count * step - DIGIT_GAP, y0 - rect.y};
    lae_report_title(cr, over, grid->title);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < nrows; r++) {
        lae_report_text(cr, x0 - 6, y0 + r * step_y + grid->rows * s / 2.0, labels[r], LABEL_PX, 1,
                        0.5);
    }
    status = lae_report_end(canvas, what);
    if (status != LAE_OK) {
        return status;
    }

    /* The images, one s×s block a pixel. */
    const float *sources[3] = {grid->originals, grid->reconstructions, grid->dropped};
    size_t m = grid->rows * grid->cols;
    lae_pixels px = lae_report_pixels_begin(canvas);
    for (int r = 0; r < nrows; r++) {
        for (size_t i = 0; i < grid->count; i++) {
            const float *image = sources[r] + i * m;
            int left = x0 + (int)i * step;
            int top = y0 + r * step_y;
            for (size_t row = 0; row < grid->rows; row++) {
                for (size_t col = 0; col < grid->cols; col++) {
                    uint8_t g = grey_of(image[row * grid->cols + col], &grid->norm);
                    uint8_t rgb[3] = {g, g, g};
                    lae_report_put_block(&px, left + (int)col * s, top + (int)row * s, s, s, rgb);
                }
            }
        }
    }
    lae_report_pixels_end(canvas);

    if (layout != NULL) {
        layout->x0 = x0;
        layout->y0 = y0;
        layout->step = step;
        layout->step_y = step_y;
        layout->scale = s;
    }
    return LAE_OK;
}

/* ---- Heat map ----------------------------------------------------------------------------- */

/* The largest |value| among finite entries, 0 when there is none. */
static double max_abs(const double *values, size_t count) {
    double limit = 0;
    for (size_t i = 0; i < count; i++) {
        double a = fabs(values[i]);
        if (isfinite(a) && a > limit) {
            limit = a;
        }
    }
    return limit;
}

/* The mean of the entries of block (ci, cj), edge blocks holding fewer. */
static double block_mean(const lae_heatmap *map, size_t block, size_t ci, size_t cj) {
    size_t i1 = (ci + 1) * block < map->rows ? (ci + 1) * block : map->rows;
    size_t j1 = (cj + 1) * block < map->cols ? (cj + 1) * block : map->cols;
    double sum = 0;
    for (size_t i = ci * block; i < i1; i++) {
        for (size_t j = cj * block; j < j1; j++) {
            sum += map->values[i * map->cols + j];
        }
    }
    return sum / (double)((i1 - ci * block) * (j1 - cj * block));
}

static void format_tick(char *out, size_t size, double v) {
    snprintf(out, size, "%.3g", v == 0 ? 0.0 : v);
}

/* A vertical colour bar in bar, +limit at the top, with five ticks labelled to its right. */
static void draw_colorbar(lae_canvas *canvas, lae_rect bar, double limit) {
    cairo_t *cr = canvas->cr;

    lae_pixels px = lae_report_pixels_begin(canvas);
    for (int yy = 0; yy < bar.h; yy++) {
        uint8_t rgb[3];
        double v = limit * (1.0 - 2.0 * (yy + 0.5) / bar.h);
        lae_colormap_diverging(v, limit, rgb);
        lae_report_put_block(&px, bar.x, bar.y + yy, bar.w, 1, rgb);
    }
    lae_report_pixels_end(canvas);
    lae_report_frame(cr, bar, 0.3);

    int nticks = limit > 0 ? 5 : 1;
    for (int t = 0; t < nticks; t++) {
        double v = nticks == 1 ? 0 : limit * (1.0 - 0.5 * t);
        double y = nticks == 1 ? bar.y + bar.h / 2.0 : bar.y + (limit - v) / (2 * limit) * bar.h;
        char label[32];
        format_tick(label, sizeof label, v);
        cairo_move_to(cr, bar.x + bar.w, floor(y) + 0.5);
        cairo_line_to(cr, bar.x + bar.w + 4, floor(y) + 0.5);
        cairo_stroke(cr);
        lae_report_text(cr, bar.x + bar.w + 7, y, label, LABEL_PX, 0, 0.5);
    }
}

lae_status lae_draw_heatmap(lae_canvas *canvas, lae_rect rect, const lae_heatmap *map,
                            lae_heatmap_layout *layout) {
    const char *what = "heat map";

    if (map == NULL || map->values == NULL || map->rows == 0 || map->cols == 0) {
        return lae_fail(LAE_ERR_ARG, "heat map: expected a matrix of at least one entry");
    }
    lae_status status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;

    double limit = map->limit;
    if (!(limit > 0) || !isfinite(limit)) {
        limit = max_abs(map->values, map->rows * map->cols);
    }

    /* Room on the right for the bar and its widest label, below for the caption. */
    double label_w = 0;
    for (int t = 0; t < 5; t++) {
        char label[32];
        format_tick(label, sizeof label, limit * (1.0 - 0.5 * t));
        double w = lae_report_text_width(cr, label, LABEL_PX);
        label_w = w > label_w ? w : label_w;
    }
    int right = BAR_GAP + BAR_WIDTH + 7 + (int)ceil(label_w) + 2;
    int title_h = lae_report_title(cr, rect, map->title);
    int caption_h = map->caption != NULL ? 18 : 0;
    long avail_w = (long)rect.w - 2 - right;
    long avail_h = (long)rect.h - title_h - 6 - caption_h - 6;
    if (avail_w < 1 || avail_h < 1) {
        lae_report_end(canvas, what);
        return lae_fail(LAE_ERR_ARG, "heat map: the %d×%d rectangle leaves no room for the plot",
                        rect.w, rect.h);
    }

    /* The smallest block that fits, then the largest whole number of pixels a cell. */
    size_t block_w = (map->cols + (size_t)avail_w - 1) / (size_t)avail_w;
    size_t block_h = (map->rows + (size_t)avail_h - 1) / (size_t)avail_h;
    size_t block = block_w > block_h ? block_w : block_h;
    size_t cell_rows = (map->rows + block - 1) / block;
    size_t cell_cols = (map->cols + block - 1) / block;
    size_t px_w = (size_t)avail_w / cell_cols;
    size_t px_h = (size_t)avail_h / cell_rows;
    int cell_px = (int)(px_w < px_h ? px_w : px_h);
    lae_rect plot = {rect.x + 1, rect.y + title_h + 6, (int)cell_cols * cell_px,
                     (int)cell_rows * cell_px};

    /* Frame, bar and caption through cairo, then the cells pixel by pixel. */
    lae_report_frame(cr, plot, 0.3);
    lae_rect bar = {plot.x + plot.w + BAR_GAP, plot.y, BAR_WIDTH, plot.h};
    draw_colorbar(canvas, bar, limit);
    if (map->caption != NULL) {
        lae_report_text(cr, plot.x + plot.w / 2.0, plot.y + plot.h + 5, map->caption, LABEL_PX, 0.5,
                        0);
    }
    status = lae_report_end(canvas, what);
    if (status != LAE_OK) {
        return status;
    }

    lae_pixels px = lae_report_pixels_begin(canvas);
    for (size_t ci = 0; ci < cell_rows; ci++) {
        for (size_t cj = 0; cj < cell_cols; cj++) {
            double v =
                block == 1 ? map->values[ci * map->cols + cj] : block_mean(map, block, ci, cj);
            uint8_t rgb[3];
            lae_colormap_diverging(v, limit, rgb);
            lae_report_put_block(&px, plot.x + (int)cj * cell_px, plot.y + (int)ci * cell_px,
                                 cell_px, cell_px, rgb);
        }
    }
    lae_report_pixels_end(canvas);

    if (layout != NULL) {
        layout->plot = plot;
        layout->block = block;
        layout->cell_px = cell_px;
        layout->limit = limit;
    }
    return LAE_OK;
}

lae_status lae_draw_diag_image(lae_canvas *canvas, lae_rect rect, const double *diag, size_t rows,
                               size_t cols, const char *title, lae_heatmap_layout *layout) {
    lae_heatmap map = {
        .values = diag,
        .rows = rows,
        .cols = cols,
        .limit = 0,
        .title = title,
        .caption = "blue < 0 (white) < red, limits ±max|diag|",
    };
    if (diag == NULL || rows == 0 || cols == 0) {
        return lae_fail(LAE_ERR_ARG, "diag image: expected rows·cols values, got %zu×%zu%s", rows,
                        cols, diag == NULL ? " and no array" : "");
    }
    return lae_draw_heatmap(canvas, rect, &map, layout);
}
