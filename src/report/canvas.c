/*
 * The canvas (a cairo RGB24 image surface), the diverging colour map, text helpers, and the
 * two text plots of a report page: a table and a wrapped text block.
 *
 * Saving goes through lae_png_write so that every picture gets text chunks and the
 * temporary-then-rename discipline; cairo's own PNG writer is never called. Text uses cairo's
 * toy font API (no pango): enough for labels and tables, with no shaping or bidi.
 */
#include "report/draw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_PX     14.0
#define TITLE_HEIGHT 22
#define TABLE_MIN_PX 8.0
#define QUARTER_TURN 1.5707963267948966

void lae_colormap_diverging(double value, double limit, uint8_t rgb[3]) {
    if (isnan(value)) {
        rgb[0] = rgb[1] = rgb[2] = 128;
        return;
    }
    if (!(limit > 0) || !isfinite(limit)) {
        rgb[0] = rgb[1] = rgb[2] = 255;
        return;
    }

    /* Both halves from |t|, so that ±value differ only by swapping red and blue. */
    double t = value / limit;
    double a = fabs(t) > 1 ? 1 : fabs(t);
    uint8_t fade = (uint8_t)lround(255.0 * (1.0 - a));
    if (t < 0) {
        rgb[0] = fade;
        rgb[1] = fade;
        rgb[2] = 255;
    } else {
        rgb[0] = 255;
        rgb[1] = fade;
        rgb[2] = fade;
    }
}

/* ---- Canvas ------------------------------------------------------------------------------- */

lae_status lae_canvas_create(lae_canvas **canvas, int width, int height) {
    lae_status status = LAE_OK;
    lae_canvas *c = NULL;

    if (canvas == NULL) {
        return lae_fail(LAE_ERR_ARG, "canvas: expected somewhere to put it");
    }
    *canvas = NULL;
    if (width < 1 || height < 1 || width > 16384 || height > 16384) {
        return lae_fail(LAE_ERR_ARG, "canvas: expected 1 to 16384 pixels a side, got %d×%d", width,
                        height);
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "canvas: no memory");
        goto fail;
    }
    c->width = width;
    c->height = height;
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        status = lae_fail(LAE_ERR_NOMEM, "canvas %d×%d: cairo: %s", width, height,
                          cairo_status_to_string(cairo_surface_status(c->surface)));
        goto fail;
    }
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        status = lae_fail(LAE_ERR_NOMEM, "canvas %d×%d: cairo: %s", width, height,
                          cairo_status_to_string(cairo_status(c->cr)));
        goto fail;
    }
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    *canvas = c;
    return LAE_OK;

fail:
    lae_canvas_free(c);
    return status;
}

void lae_canvas_free(lae_canvas *canvas) {
    if (canvas == NULL) {
        return;
    }
    if (canvas->cr != NULL) {
        cairo_destroy(canvas->cr);
    }
    if (canvas->surface != NULL) {
        cairo_surface_destroy(canvas->surface);
    }
    free(canvas);
}

int lae_canvas_width(const lae_canvas *canvas) {
    return canvas->width;
}

int lae_canvas_height(const lae_canvas *canvas) {
    return canvas->height;
}

void lae_canvas_rgb(lae_canvas *canvas, uint8_t *rgb) {
    lae_pixels px = lae_report_pixels_begin(canvas);
    for (int y = 0; y < px.height; y++) {
        const uint32_t *row = px.data + (size_t)y * (size_t)px.stride;
        uint8_t *out = rgb + (size_t)y * (size_t)px.width * 3;
        for (int x = 0; x < px.width; x++) {
            out[3 * x + 0] = (uint8_t)(row[x] >> 16);
            out[3 * x + 1] = (uint8_t)(row[x] >> 8);
            out[3 * x + 2] = (uint8_t)row[x];
        }
    }
    lae_report_pixels_end(canvas);
}

void lae_report_release_caches(void) {
    cairo_debug_reset_static_data();
}

lae_status lae_canvas_save_png(lae_canvas *canvas, const char *path, const lae_png_text *texts,
                               size_t ntexts) {
    size_t bytes = (size_t)canvas->width * (size_t)canvas->height * 3;
    uint8_t *rgb = malloc(bytes);
    if (rgb == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "PNG '%s': no memory for %zu bytes of pixels",
                        path != NULL ? path : "(null)", bytes);
    }
    lae_canvas_rgb(canvas, rgb);
    lae_status status =
        lae_png_write(path, (size_t)canvas->width, (size_t)canvas->height, rgb, 3, texts, ntexts);
    free(rgb);
    return status;
}

/* ---- Shared helpers ----------------------------------------------------------------------- */

lae_pixels lae_report_pixels_begin(lae_canvas *canvas) {
    lae_pixels px;
    cairo_surface_flush(canvas->surface);
    px.data = (uint32_t *)(void *)cairo_image_surface_get_data(canvas->surface);
    px.stride = cairo_image_surface_get_stride(canvas->surface) / 4;
    px.width = canvas->width;
    px.height = canvas->height;
    return px;
}

void lae_report_pixels_end(lae_canvas *canvas) {
    cairo_surface_mark_dirty(canvas->surface);
}

void lae_report_put_block(const lae_pixels *px, int x, int y, int w, int h, const uint8_t rgb[3]) {
    int x1 = x + w < px->width ? x + w : px->width;
    int y1 = y + h < px->height ? y + h : px->height;
    uint32_t value = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | (uint32_t)rgb[2];
    for (int yy = y < 0 ? 0 : y; yy < y1; yy++) {
        uint32_t *row = px->data + (size_t)yy * (size_t)px->stride;
        for (int xx = x < 0 ? 0 : x; xx < x1; xx++) {
            row[xx] = value;
        }
    }
}

lae_status lae_report_begin(lae_canvas *canvas, lae_rect rect, const char *what) {
    if (canvas == NULL) {
        return lae_fail(LAE_ERR_ARG, "%s: no canvas", what);
    }
    if (rect.w < 1 || rect.h < 1 || rect.x < 0 || rect.y < 0 || rect.x > canvas->width - rect.w ||
        rect.y > canvas->height - rect.h) {
        return lae_fail(LAE_ERR_ARG,
                        "%s: rectangle %d×%d at (%d, %d) does not fit the %d×%d canvas", what,
                        rect.w, rect.h, rect.x, rect.y, canvas->width, canvas->height);
    }
    cairo_t *cr = canvas->cr;
    cairo_save(cr);
    cairo_rectangle(cr, rect.x, rect.y, rect.w, rect.h);
    cairo_clip(cr);
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.0);
    return LAE_OK;
}

lae_status lae_report_end(lae_canvas *canvas, const char *what) {
    cairo_restore(canvas->cr);
    cairo_status_t cs = cairo_status(canvas->cr);
    if (cs != CAIRO_STATUS_SUCCESS) {
        return lae_fail(cs == CAIRO_STATUS_NO_MEMORY ? LAE_ERR_NOMEM : LAE_ERR_ARG, "%s: cairo: %s",
                        what, cairo_status_to_string(cs));
    }
    return LAE_OK;
}

void lae_report_text(cairo_t *cr, double x, double y, const char *s, double px, double halign,
                     double valign) {
    cairo_font_extents_t fe;
    cairo_text_extents_t te;
    cairo_set_font_size(cr, px);
    cairo_font_extents(cr, &fe);
    cairo_text_extents(cr, s, &te);
    double baseline = y + fe.ascent - valign * (fe.ascent + fe.descent);
    cairo_move_to(cr, x - halign * te.x_advance, baseline);
    cairo_show_text(cr, s);
    cairo_new_path(cr);
}

void lae_report_text_up(cairo_t *cr, double x, double y, const char *s, double px) {
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -QUARTER_TURN);
    lae_report_text(cr, 0, 0, s, px, 0.5, 0.5);
    cairo_restore(cr);
}

double lae_report_text_width(cairo_t *cr, const char *s, double px) {
    cairo_text_extents_t te;
    cairo_set_font_size(cr, px);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

int lae_report_title_height(const char *title) {
    return title == NULL || title[0] == '\0' ? 0 : TITLE_HEIGHT;
}

int lae_report_title(cairo_t *cr, lae_rect rect, const char *title) {
    if (lae_report_title_height(title) == 0) {
        return 0;
    }
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_source_rgb(cr, 0, 0, 0);
    lae_report_text(cr, rect.x + rect.w / 2.0, rect.y + 3, title, TITLE_PX, 0.5, 0);
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    return TITLE_HEIGHT;
}

void lae_report_frame(cairo_t *cr, lae_rect inner, double g) {
    cairo_set_source_rgb(cr, g, g, g);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, inner.x - 0.5, inner.y - 0.5, inner.w + 1.0, inner.h + 1.0);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
}

/* ---- Table -------------------------------------------------------------------------------- */

lae_status lae_draw_table(lae_canvas *canvas, lae_rect rect, const lae_table *table) {
    const char *what = "table";
    lae_status status = LAE_OK;
    double *widths = NULL;

    if (table == NULL || table->ncols == 0 || table->header == NULL ||
        (table->nrows > 0 && table->cells == NULL)) {
        return lae_fail(LAE_ERR_ARG, "table: expected a header of at least one column");
    }
    for (size_t i = 0; i < table->ncols; i++) {
        if (table->header[i] == NULL) {
            return lae_fail(LAE_ERR_ARG, "table: header column %zu is NULL", i);
        }
    }
    for (size_t i = 0; i < table->nrows * table->ncols; i++) {
        if (table->cells[i] == NULL) {
            return lae_fail(LAE_ERR_ARG, "table: cell %zu of row %zu is NULL", i % table->ncols,
                            i / table->ncols);
        }
    }
    widths = calloc(table->ncols, sizeof *widths);
    if (widths == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "table: no memory");
    }
    status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        goto fail;
    }
    cairo_t *cr = canvas->cr;
    int top = rect.y + lae_report_title(cr, rect, table->title);

    /* Column widths at a trial size, then one shrink so that the total fits. */
    double px = 12.0;
    double pad = 14.0;
    double total = 0;
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (size_t j = 0; j < table->ncols; j++) {
            cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL,
                                   CAIRO_FONT_WEIGHT_BOLD);
            widths[j] = lae_report_text_width(cr, table->header[j], px);
            cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL,
                                   CAIRO_FONT_WEIGHT_NORMAL);
            for (size_t i = 0; i < table->nrows; i++) {
                double w = lae_report_text_width(cr, table->cells[i * table->ncols + j], px);
                widths[j] = w > widths[j] ? w : widths[j];
            }
            widths[j] += pad;
            total += widths[j];
        }
        if (total <= rect.w || px <= TABLE_MIN_PX) {
            break;
        }
        double shrunk = px * (rect.w - 4) / total;
        pad *= (shrunk < TABLE_MIN_PX ? TABLE_MIN_PX : shrunk) / px;
        px = shrunk < TABLE_MIN_PX ? TABLE_MIN_PX : shrunk;
    }

    /* Header in bold over a rule, then the rows, cut at the rectangle's bottom. */
    double row_h = ceil(px * 1.6);
    double y = top + 2;
    double x = rect.x + 2;
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    for (size_t j = 0; j < table->ncols; j++) {
        lae_report_text(cr, x, y + row_h / 2, table->header[j], px, 0, 0.5);
        x += widths[j];
    }
    y += row_h;
    cairo_move_to(cr, rect.x + 2, floor(y) + 0.5);
    cairo_line_to(cr, rect.x + 2 + (total < rect.w - 4 ? total : rect.w - 4), floor(y) + 0.5);
    cairo_stroke(cr);
    y += 2;
    cairo_select_font_face(cr, LAE_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (size_t i = 0; i < table->nrows && y < rect.y + rect.h; i++) {
        x = rect.x + 2;
        for (size_t j = 0; j < table->ncols; j++) {
            lae_report_text(cr, x, y + row_h / 2, table->cells[i * table->ncols + j], px, 0, 0.5);
            x += widths[j];
        }
        y += row_h;
    }
    status = lae_report_end(canvas, what);

fail:
    free(widths);
    return status;
}

/* ---- Text block --------------------------------------------------------------------------- */

lae_status lae_draw_text(lae_canvas *canvas, lae_rect rect, const char *text, double font_px) {
    const char *what = "text";
    lae_status status = LAE_OK;
    char *line = NULL;

    if (text == NULL) {
        return lae_fail(LAE_ERR_ARG, "text: expected a string, got NULL");
    }
    if (font_px <= 0) {
        font_px = 13.0;
    }
    line = malloc(strlen(text) + 1);
    if (line == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "text: no memory");
    }
    status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        goto fail;
    }
    cairo_t *cr = canvas->cr;
    double line_h = ceil(font_px * 1.35);
    double y = rect.y + 2;
    double width = rect.w - 4;

    /*
     * Greedy wrapping: a line grows word by word while it fits; a word wider than the whole
     * line stands alone and is cut by the clip.
     */
    const char *p = text;
    while (*p != '\0' && y < rect.y + rect.h) {
        size_t used = 0;
        while (*p != '\0' && *p != '\n') {
            while (*p == ' ') {
                p++;
            }
            const char *end = p;
            while (*end != '\0' && *end != ' ' && *end != '\n') {
                end++;
            }
            if (end == p) {
                break;
            }
            size_t before = used;
            if (used > 0) {
                line[used++] = ' ';
            }
            memcpy(line + used, p, (size_t)(end - p));
            line[used + (size_t)(end - p)] = '\0';
            if (before > 0 && lae_report_text_width(cr, line, font_px) > width) {
                line[before] = '\0';
                used = before;
                break;
            }
            used += (size_t)(end - p);
            p = end;
        }
        line[used] = '\0';
        lae_report_text(cr, rect.x + 2, y, line, font_px, 0, 0);
        y += line_h;
        if (*p == '\n') {
            p++;
        }
    }
    status = lae_report_end(canvas, what);

fail:
    free(line);
    return status;
}
