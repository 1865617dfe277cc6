/*
 * Pictures of a trained model: PNG files with text chunks, a canvas to draw on, and the plots
 * of a report (digit grids, heat maps of B, diag(B), histograms, loss curves, tables, text).
 *
 * Every PNG is encoded by libpng and written to a temporary file beside its destination, then
 * renamed, so a reader never sees half a picture. Cairo draws lines, text and composes; its
 * own PNG writer is not used. Each plot draws into a rectangle of a canvas, so that the same
 * plot can fill a canvas of its own or share a report page with others. Inputs are plain host
 * arrays: this module knows nothing of OpenCL. Text uses cairo's toy API with the family
 * "DejaVu Sans" (Debian package fonts-dejavu-core); with no font installed cairo falls back to
 * its built-in stroke font, legible but plain, and shows signs such as ± as boxes.
 */
#ifndef LAE_REPORT_H
#define LAE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lae/model.h"
#include "lae/status.h"

/* ---- PNG files ---------------------------------------------------------------------------- */

/*
 * One text chunk. The key is 1 to 79 printable ASCII characters without leading, trailing or
 * doubled spaces; the value is any NUL-terminated string (ASCII goes into tEXt, anything else
 * into iTXt as UTF-8).
 */
typedef struct {
    const char *key;
    const char *value;
} lae_png_text;

/*
 * Writes an 8-bit PNG to path. pixels holds height rows of width·channels bytes each, packed
 * without padding, top row first; channels is 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA).
 * The texts go into chunks before the image data. The file is written to "path.tmp-…" in the
 * same folder and renamed to path at the end; path must not be an existing non-regular file
 * (such as /dev/full). Returns LAE_ERR_ARG for bad sizes or keys, LAE_ERR_IO with a message
 * naming path when a file cannot be created, written or renamed; then nothing is left behind.
 */
lae_status lae_png_write(const char *path, size_t width, size_t height, const uint8_t *pixels,
                         int channels, const lae_png_text *texts, size_t ntexts);

/*
 * The encoder of lae_png_write on an open stream, which it flushes but does not close. name is
 * used in error messages only. Returns LAE_ERR_IO when a write or the final flush fails.
 */
lae_status lae_png_write_stream(FILE *stream, const char *name, size_t width, size_t height,
                                const uint8_t *pixels, int channels, const lae_png_text *texts,
                                size_t ntexts);

/* A decoded PNG; every pointer is owned by the image and released by lae_png_image_free. */
typedef struct {
    size_t width, height;
    int channels;    /* 1, 2, 3 or 4, as stored; palettes become RGB(A) */
    uint8_t *pixels; /* height·width·channels bytes, packed, top row first, 8 bits a sample */
    lae_png_text *texts;
    size_t ntexts;
} lae_png_image;

/*
 * Decodes path with libpng: samples are reduced or expanded to 8 bits, palettes expanded, and
 * every tEXt, zTXt and iTXt chunk kept. Returns LAE_ERR_IO when the file cannot be read,
 * LAE_ERR_FORMAT when it is not a valid PNG; *image is then empty.
 */
lae_status lae_png_read(const char *path, lae_png_image *image);

void lae_png_image_free(lae_png_image *image);

/* The value of the first text chunk with key, or NULL. */
const char *lae_png_image_text(const lae_png_image *image, const char *key);

/* ---- Colour map --------------------------------------------------------------------------- */

/*
 * The diverging blue–white–red map (matplotlib's "bwr"), centred on 0 with limits ±limit:
 * t = clamp(value/limit, −1, 1); t = −1 gives (0, 0, 255), t = 0 gives (255, 255, 255),
 * t = +1 gives (255, 0, 0), linear in between with each channel rounded to the nearest
 * integer, so that value and −value give the same colour with red and blue swapped. A limit
 * that is not positive and finite gives white; a NaN value gives grey (128, 128, 128).
 */
void lae_colormap_diverging(double value, double limit, uint8_t rgb[3]);

/* ---- Canvas ------------------------------------------------------------------------------- */

/* An opaque RGB drawing surface, white when created. */
typedef struct lae_canvas lae_canvas;

/* A rectangle in canvas pixels: x to the right, y down, from the top-left corner. */
typedef struct {
    int x, y, w, h;
} lae_rect;

/* Creates a white width×height canvas (each 1 to 16384); free with lae_canvas_free. */
lae_status lae_canvas_create(lae_canvas **canvas, int width, int height);

void lae_canvas_free(lae_canvas *canvas);

int lae_canvas_width(const lae_canvas *canvas);
int lae_canvas_height(const lae_canvas *canvas);

/* Copies the canvas into rgb, height rows of width·3 bytes, top row first. */
void lae_canvas_rgb(lae_canvas *canvas, uint8_t *rgb);

/*
 * Releases cairo's static caches (fonts and their fontconfig patterns), so that a leak checker
 * sees a clean exit. Call it once, at the end, when no canvas is left.
 */
void lae_report_release_caches(void);

/* Saves the canvas as an RGB PNG with the given text chunks; errors as lae_png_write. */
lae_status lae_canvas_save_png(lae_canvas *canvas, const char *path, const lae_png_text *texts,
                               size_t ntexts);

/*
 * Every plot below draws inside rect only (it clips there) and returns LAE_ERR_ARG when an
 * input is missing or rect is too small for it. Titles and labels may be NULL.
 */

/* ---- Digits ------------------------------------------------------------------------------- */

/*
 * count images of rows×cols pixels, each array count·rows·cols floats, row-major, in the
 * normalised units the model saw. norm undoes the normalisation (x·std + mean when enabled),
 * the result is clamped to [0, 1] and shown as grey round(255·v). Originals fill the first
 * row, reconstructions the second, and dropped inputs (when not NULL) a third.
 */
typedef struct {
    const float *originals;
    const float *dropped; /* may be NULL */
    const float *reconstructions;
    size_t count, rows, cols;
    lae_norm norm;
    const char *title;
} lae_digit_grid;

/*
 * Where lae_draw_digit_grid put the images: image i of grid row r (0 originals,
 * 1 reconstructions, 2 dropped inputs) has its top-left pixel at (x0 + i·step, y0 + r·step_y), each
 * image pixel a scale×scale block.
 */
typedef struct {
    int x0, y0, step, step_y, scale;
} lae_digit_layout;

lae_status lae_draw_digit_grid(lae_canvas *canvas, lae_rect rect, const lae_digit_grid *grid,
                               lae_digit_layout *layout);

/* ---- Heat maps ---------------------------------------------------------------------------- */

/*
 * A rows×cols row-major matrix drawn with lae_colormap_diverging and a colour bar with tick
 * labels. limit ≤ 0 or NaN means max|value|. When the matrix has more entries than the plot
 * has pixels along a side, each shown cell is the mean of a block×block block (edge blocks
 * average the entries they hold).
 */
typedef struct {
    const double *values;
    size_t rows, cols;
    double limit;
    const char *title;
    const char *caption; /* a small line under the plot, such as what the limits are */
} lae_heatmap;

/*
 * Where the matrix went: shown cell (i, j), the mean of entries [i·block, (i+1)·block) ×
 * [j·block, (j+1)·block), covers cell_px×cell_px pixels from (plot.x + j·cell_px,
 * plot.y + i·cell_px). The limit is taken over single entries, not block means.
 */
typedef struct {
    lae_rect plot;
    size_t block; /* matrix entries per shown cell along a side, 1 when none are averaged */
    int cell_px;  /* pixels per shown cell along a side */
    double limit; /* the limit that was used */
} lae_heatmap_layout;

lae_status lae_draw_heatmap(lae_canvas *canvas, lae_rect rect, const lae_heatmap *map,
                            lae_heatmap_layout *layout);

/*
 * diag(B), m = rows·cols values, shown as a rows×cols image of the input's shape with the
 * same diverging map centred on 0, limits ±max|value|, and a colour bar. The title, when
 * given, is shown as is; the caption says which colour map it is.
 */
lae_status lae_draw_diag_image(lae_canvas *canvas, lae_rect rect, const double *diag, size_t rows,
                               size_t cols, const char *title, lae_heatmap_layout *layout);

/* ---- Charts ------------------------------------------------------------------------------- */

/*
 * A histogram of count values in bins equal bins over [lo, hi]; lo ≥ hi means the data's
 * range, bins = 0 means 40. Values outside [lo, hi] and NaNs are not counted.
 */
typedef struct {
    const double *values;
    size_t count;
    size_t bins;
    double lo, hi;
    const char *title, *xlabel, *ylabel;
} lae_histogram;

lae_status lae_draw_histogram(lae_canvas *canvas, lae_rect rect, const lae_histogram *hist);

/* One named line: count points (x[i], y[i]); NaN points, and y ≤ 0 on a log axis, break it. */
typedef struct {
    const char *name;
    const double *x, *y;
    size_t count;
} lae_series;

typedef struct {
    const lae_series *series;
    size_t nseries;
    int log_y; /* nonzero: logarithmic y axis */
    const char *title, *xlabel, *ylabel;
} lae_line_chart;

lae_status lae_draw_line_chart(lae_canvas *canvas, lae_rect rect, const lae_line_chart *chart);

/* ---- Bar charts --------------------------------------------------------------------------- */

/*
 * Horizontal bars: one group per category, top to bottom, with one bar per series in it, each
 * series in its own colour with a legend, the value printed at the bar's end. values holds
 * ncategories·nseries numbers, values[c·nseries + s]; a NaN (or, on a log axis, a value ≤ 0)
 * draws no bar and prints "n/a". The value axis starts at 0 on a linear axis and at the
 * decade below the smallest value on a log one. Category names are printed at the left,
 * each on one line, and may be long: the plot takes the room they leave.
 */
typedef struct {
    const char *const *categories;
    size_t ncategories;
    const char *const *series;
    size_t nseries;
    const double *values;
    int log_x; /* nonzero: logarithmic value axis */
    const char *title, *xlabel;
} lae_bar_chart;

/* Where lae_draw_bar_chart put bar (c, s): rows [y0 + c·group_h + s·bar_h, … + bar_h). */
typedef struct {
    lae_rect plot; /* the plot area; bars start at its left edge */
    int y0, group_h, bar_h;
} lae_bar_layout;

/* The height in pixels a chart of that many categories and series needs to draw in full. */
int lae_bar_chart_height(const lae_bar_chart *chart);

lae_status lae_draw_bar_chart(lae_canvas *canvas, lae_rect rect, const lae_bar_chart *chart,
                              lae_bar_layout *layout);

/* ---- Text --------------------------------------------------------------------------------- */

/*
 * A table of nrows rows under a header of ncols columns; cells is nrows·ncols strings, row
 * by row. The font shrinks (down to 8 px) until the widest row fits; rows beyond rect are cut.
 */
typedef struct {
    const char *const *header;
    const char *const *cells;
    size_t nrows, ncols;
    const char *title;
} lae_table;

lae_status lae_draw_table(lae_canvas *canvas, lae_rect rect, const lae_table *table);

/*
 * Text in lines of font_px pixels (0 means 13), wrapped at spaces to rect's width and broken
 * at '\n'; lines beyond rect are cut.
 */
lae_status lae_draw_text(lae_canvas *canvas, lae_rect rect, const char *text, double font_px);

#endif
