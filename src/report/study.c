/*
 * The study's pictures (see lae/study.h): B, diag(B) with its histogram, loss curves on shared
 * axes, and the one-page report that a reader opens first.
 *
 * The page is a fixed grid of sections, each drawn by the plots of images.c, charts.c and
 * canvas.c into its own rectangle; nothing here touches pixels directly. The diag(B) images of
 * the page share one colour scale, so that a redder image is a B closer to copying its input;
 * the single pictures keep the per-model scale of lae_draw_diag_image. Not done: pagination, so a
 * study of many models makes a tall page rather than several.
 */
#include "lae/study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/draw.h"

#define PAGE_W       1800
#define MARGIN       24
#define HEADER_H     78
#define SECTION_H    30
#define GRIDS_PER    3
#define GRID_H       162
#define PAGE_DIGITS  8
#define TABLE_H      215
#define DIAG_H       250
#define CURVES_H     380
#define SECTION_PX   17.0

/* ---- Single plots ------------------------------------------------------------------------- */

lae_status lae_draw_product(lae_canvas *canvas, lae_rect rect, const double *product, size_t m,
                            const char *title) {
    lae_heatmap map = {
        .values = product,
        .rows = m,
        .cols = m,
        .limit = 0,
        .title = title,
        .caption = "B (rows: inputs, columns: outputs); blue < 0 (white) < red, ±max|B_ij|",
    };
    return lae_draw_heatmap(canvas, rect, &map, NULL);
}

lae_status lae_draw_diag_panel(lae_canvas *canvas, lae_rect rect, const double *product,
                               size_t rows, size_t cols, const char *title) {
    size_t m = rows * cols;
    lae_status status = LAE_OK;
    double *diag = NULL;
    char hist_title[160];

    if (product == NULL || m == 0) {
        return lae_fail(LAE_ERR_ARG, "diag panel: expected an m×m product with m = rows·cols > 0");
    }
    diag = malloc(m * sizeof *diag);
    if (diag == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "diag panel: no memory for %zu values", m);
    }

    /* The range always holds 0 (constant pixels) and 1 (the identity). */
    double lo = 0, hi = 1;
    for (size_t j = 0; j < m; j++) {
        diag[j] = product[j * m + j];
        lo = diag[j] < lo ? diag[j] : lo;
        hi = diag[j] > hi ? diag[j] : hi;
    }

    int half = rect.w / 2;
    lae_rect left = {rect.x, rect.y, half - 8, rect.h};
    lae_rect right = {rect.x + half + 8, rect.y, rect.w - half - 8, rect.h};
    status = lae_draw_diag_image(canvas, left, diag, rows, cols, title, NULL);
    if (status != LAE_OK) {
        goto fail;
    }
    snprintf(hist_title, sizeof hist_title, "histogram of the %zu diagonal entries", m);
    lae_histogram hist = {
        .values = diag, .count = m, .bins = 50, .lo = lo, .hi = hi,
        .title = hist_title, .xlabel = "B_jj (1: copies the input)", .ylabel = "pixels",
    };
    status = lae_draw_histogram(canvas, right, &hist);

fail:
    free(diag);
    return status;
}

lae_status lae_draw_loss_curves(lae_canvas *canvas, lae_rect rect, const lae_curve *curves,
                                size_t count) {
    lae_status status = LAE_OK;
    lae_series *train = calloc(count > 0 ? count : 1, sizeof *train);
    lae_series *test = calloc(count > 0 ? count : 1, sizeof *test);
    size_t used = 0;

    if (train == NULL || test == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "loss curves: no memory");
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        if (curves[i].count == 0) {
            continue;
        }
        train[used] = (lae_series){curves[i].name, curves[i].epoch, curves[i].train_loss,
                                   curves[i].count};
        test[used] = (lae_series){curves[i].name, curves[i].epoch, curves[i].test_mse,
                                  curves[i].count};
        used++;
    }
    if (used == 0) {
        status = lae_fail(LAE_ERR_ARG, "loss curves: none of the %zu models has a curve", count);
        goto fail;
    }

    /* Runs without a test set have no test MSE (NaN); with none at all, the training loss
     * takes the whole width. */
    int any_test = 0;
    for (size_t i = 0; i < used; i++) {
        for (size_t e = 0; e < test[i].count; e++) {
            any_test |= isfinite(test[i].y[e]) && test[i].y[e] > 0;
        }
    }

    /* Two charts with the same series in the same order, hence the same colours. */
    int half = any_test ? rect.w / 2 : rect.w + 10;
    lae_rect left = {rect.x, rect.y, half - 10, rect.h};
    lae_rect right = {rect.x + half + 10, rect.y, rect.w - half - 10, rect.h};
    lae_line_chart chart = {
        .series = train, .nseries = used, .log_y = 1,
        .title = "training loss (weighted, with dropout)", .xlabel = "epoch",
        .ylabel = "loss per entry",
    };
    status = lae_draw_line_chart(canvas, left, &chart);
    if (status != LAE_OK || !any_test) {
        goto fail;
    }
    chart.series = test;
    chart.title = "test MSE (no dropout)";
    chart.ylabel = "mean squared error";
    status = lae_draw_line_chart(canvas, right, &chart);

fail:
    free(train);
    free(test);
    return status;
}

/* ---- The page ----------------------------------------------------------------------------- */

static int grid_rows(size_t count) {
    return (int)((count + GRIDS_PER - 1) / GRIDS_PER);
}

void lae_study_page_size(const lae_study *study, int *width, int *height) {
    *width = PAGE_W;
    *height = MARGIN + HEADER_H + SECTION_H + grid_rows(study->count) * GRID_H + SECTION_H +
              TABLE_H + SECTION_H + DIAG_H + SECTION_H + CURVES_H + MARGIN;
}

/* A section heading in bold over a rule, across the page, SECTION_H high from y. */
static lae_status heading(lae_canvas *canvas, int y, const char *text) {
    lae_rect rect = {MARGIN, y, PAGE_W - 2 * MARGIN, SECTION_H};
    lae_status status = lae_report_begin(canvas, rect, "study page");
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    lae_report_text(cr, rect.x, rect.y + 4, text, SECTION_PX, 0, 0);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_move_to(cr, rect.x, rect.y + rect.h - 3.5);
    cairo_line_to(cr, rect.x + rect.w, rect.y + rect.h - 3.5);
    cairo_stroke(cr);
    return lae_report_end(canvas, "study page");
}

static void format_value(char *out, size_t size, const char *format, double v) {
    if (isfinite(v)) {
        snprintf(out, size, format, v);
    } else {
        snprintf(out, size, "–");
    }
}

enum { TABLE_COLS = 14, CELL_SIZE = 24 };

static lae_status draw_table(lae_canvas *canvas, lae_rect rect, const lae_study *study) {
    static const char *const header[TABLE_COLS] = {
        "model", "kind", "k", "p", "a", "b", "epochs", "train loss", "test MSE", "mean diag(B)",
        "RMS(diag − 1)", "off-diag share", "to optimum", "seconds",
    };
    size_t n = study->count;
    char (*text)[CELL_SIZE] = calloc(n * TABLE_COLS, sizeof *text);
    const char **cells = calloc(n * TABLE_COLS, sizeof *cells);
    lae_status status = LAE_OK;

    if (text == NULL || cells == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "study page: no memory for the table");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const lae_study_entry *e = &study->entries[i];
        const lae_objective *o = &e->model->objective;
        char (*row)[CELL_SIZE] = text + i * TABLE_COLS;
        snprintf(row[0], CELL_SIZE, "%s", e->name);
        snprintf(row[1], CELL_SIZE, "%s", lae_kind_name(o->kind));
        snprintf(row[2], CELL_SIZE, "%zu", e->model->k);
        snprintf(row[3], CELL_SIZE, "%g", o->p);
        snprintf(row[4], CELL_SIZE, "%g", o->a);
        snprintf(row[5], CELL_SIZE, "%g", o->b);
        snprintf(row[6], CELL_SIZE, "%d", e->model->epochs);
        format_value(row[7], CELL_SIZE, "%.5f", e->train_loss);
        format_value(row[8], CELL_SIZE, "%.5f", e->test_mse);
        format_value(row[9], CELL_SIZE, "%.4f", e->metrics.diag_mean);
        format_value(row[10], CELL_SIZE, "%.4f", e->metrics.diag_rms_error);
        format_value(row[11], CELL_SIZE, "%.4f", e->metrics.offdiag_share);
        format_value(row[12], CELL_SIZE, "%.2e", e->optimum_distance);
        format_value(row[13], CELL_SIZE, "%.1f", e->seconds);
        for (size_t j = 0; j < TABLE_COLS; j++) {
            cells[i * TABLE_COLS + j] = row[j];
        }
    }
    lae_table table = {header, cells, n, TABLE_COLS, NULL};
    status = lae_draw_table(canvas, rect, &table);

fail:
    free(cells);
    free(text);
    return status;
}

/* What the page shows, for a reader who has not read the paper. */
static const char *const page_notes =
    "How to read this page. Each model reconstructs its input through the m×m matrix "
    "B = W_encᵀ·W_decᵀ. A model that overfits towards the identity copies every pixel to "
    "itself: its diagonal B_jj is near 1 (red in the diag(B) images) and its off-diagonal share "
    "is small. Full rank, plain LAE drifts towards that identity; dropout (DLAE) and emphasis on "
    "dropped pixels (EDLAE) pull the diagonal down, so that each pixel is predicted from the "
    "others. At a rank k far below m the rank alone keeps B far from the identity (mean "
    "diag ≈ k/m). \"to optimum\" is (E − E*)/E₀: the exact expected loss E above the solved "
    "optimum E* of the same objective and rank, in units of the loss E₀ of reading every digit "
    "as the mean digit (0 is optimal). The training loss of DLAE and EDLAE includes dropout and "
    "emphasis, so only the test MSE compares across models.";

lae_status lae_draw_study_page(lae_canvas *canvas, const lae_study *study) {
    lae_status status = LAE_OK;
    int width, height;

    if (study == NULL || study->entries == NULL || study->count == 0 ||
        study->originals == NULL || study->rows * study->cols == 0) {
        return lae_fail(LAE_ERR_ARG, "study page: expected at least one model and its digits");
    }
    lae_study_page_size(study, &width, &height);
    if (canvas == NULL || lae_canvas_width(canvas) < width ||
        lae_canvas_height(canvas) < height) {
        return lae_fail(LAE_ERR_ARG, "study page: needs a canvas of at least %d×%d", width,
                        height);
    }
    size_t m = study->rows * study->cols;
    size_t n = study->count;
    int inner = PAGE_W - 2 * MARGIN;
    int y = MARGIN;

    /* Title and the line that says what was run. */
    lae_rect head = {MARGIN, y, inner, HEADER_H};
    status = lae_report_begin(canvas, head, "study page");
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    lae_report_text(cr, head.x, head.y, study->title != NULL ? study->title : "lae study", 26, 0,
                    0);
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    if (study->subtitle != NULL) {
        lae_report_text(cr, head.x, head.y + 40, study->subtitle, 14, 0, 0);
    }
    status = lae_report_end(canvas, "study page");
    if (status != LAE_OK) {
        return status;
    }
    y += HEADER_H;

    /* Reconstructions: one grid a model, the same test digits in each. */
    status = heading(canvas, y, "Test digits (top) and their reconstructions (bottom)");
    if (status != LAE_OK) {
        return status;
    }
    y += SECTION_H;
    size_t shown = study->ndigits < PAGE_DIGITS ? study->ndigits : PAGE_DIGITS;
    int grid_w = inner / GRIDS_PER;
    for (size_t i = 0; i < n; i++) {
        const lae_study_entry *e = &study->entries[i];
        lae_rect rect = {MARGIN + (int)(i % GRIDS_PER) * grid_w,
                         y + (int)(i / GRIDS_PER) * GRID_H + 4, grid_w - 16, GRID_H - 12};
        char title[96];
        snprintf(title, sizeof title, "%s (test MSE %.4f)", e->name, e->test_mse);
        lae_digit_grid grid = {
            .originals = study->originals, .reconstructions = e->reconstructions,
            .count = shown, .rows = study->rows, .cols = study->cols, .norm = study->norm,
            .title = title,
        };
        status = lae_draw_digit_grid(canvas, rect, &grid, NULL);
        if (status != LAE_OK) {
            return status;
        }
    }
    y += grid_rows(n) * GRID_H;

    /* The table, with notes beside it. */
    status = heading(canvas, y, "Metrics of B = W_encᵀ·W_decᵀ and of the reconstructions");
    if (status != LAE_OK) {
        return status;
    }
    y += SECTION_H;
    int table_w = inner * 64 / 100;
    status = draw_table(canvas, (lae_rect){MARGIN, y + 4, table_w, TABLE_H - 8}, study);
    if (status != LAE_OK) {
        return status;
    }
    status = lae_draw_text(canvas,
                           (lae_rect){MARGIN + table_w + 24, y + 4, inner - table_w - 24,
                                      TABLE_H - 8},
                           page_notes, 13);
    if (status != LAE_OK) {
        return status;
    }
    y += TABLE_H;

    /* diag(B) of every model on one colour scale: ±max(1, the largest |B_jj|). */
    status = heading(canvas, y, "diag(B) as an image: how much each pixel copies itself "
                                "(one colour scale for all; red = 1 is the identity)");
    if (status != LAE_OK) {
        return status;
    }
    y += SECTION_H;
    double limit = 1.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            double d = fabs(study->entries[i].product[j * m + j]);
            limit = isfinite(d) && d > limit ? d : limit;
        }
    }
    double *diag = malloc(m * sizeof *diag);
    if (diag == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "study page: no memory for diag(B)");
    }
    int diag_w = inner / (int)n;
    for (size_t i = 0; i < n && status == LAE_OK; i++) {
        const lae_study_entry *e = &study->entries[i];
        for (size_t j = 0; j < m; j++) {
            diag[j] = e->product[j * m + j];
        }
        char caption[64];
        snprintf(caption, sizeof caption, "mean %.3f", e->metrics.diag_mean);
        lae_heatmap map = {
            .values = diag, .rows = study->rows, .cols = study->cols, .limit = limit,
            .title = e->name, .caption = caption,
        };
        lae_rect rect = {MARGIN + (int)i * diag_w, y + 4, diag_w - 10, DIAG_H - 8};
        status = lae_draw_heatmap(canvas, rect, &map, NULL);
    }
    free(diag);
    if (status != LAE_OK) {
        return status;
    }
    y += DIAG_H;

    /* Loss curves of the trained models. */
    status = heading(canvas, y, "Learning curves (logarithmic y axis)");
    if (status != LAE_OK) {
        return status;
    }
    y += SECTION_H;
    lae_curve *curves = calloc(n, sizeof *curves);
    if (curves == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "study page: no memory for the curves");
    }
    for (size_t i = 0; i < n; i++) {
        curves[i] = study->entries[i].curve;
    }
    status = lae_draw_loss_curves(canvas, (lae_rect){MARGIN, y + 4, inner, CURVES_H - 8}, curves,
                                  n);
    free(curves);
    return status;
}
