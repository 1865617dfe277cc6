/*
 * What the report's drawing files share and do not export: the canvas itself, exact pixel
 * writes beside cairo's drawing, and text placement.
 *
 * Images (digits, heat maps, colour bars) are written pixel by pixel into cairo's surface, so
 * that a value's colour lands unblended where the layout says; lines and text go through
 * cairo. The canvas has no transform: cairo user space is canvas pixels.
 */
#ifndef LAE_REPORT_DRAW_H
#define LAE_REPORT_DRAW_H

#include <cairo.h>
#include <stdint.h>

#include "lae/report.h"

#define LAE_REPORT_FONT "DejaVu Sans"

struct lae_canvas {
    cairo_surface_t *surface; /* CAIRO_FORMAT_RGB24: one native uint32 0x00RRGGBB a pixel */
    cairo_t *cr;
    int width, height;
};

/* Direct access to the pixels between begin and end; no cairo drawing in between. */
typedef struct {
    uint32_t *data;
    int stride; /* in pixels */
    int width, height;
} lae_pixels;

lae_pixels lae_report_pixels_begin(lae_canvas *canvas);
void lae_report_pixels_end(lae_canvas *canvas);

/* Fills [x, x+w)×[y, y+h), clipped to the canvas, with rgb. */
void lae_report_put_block(const lae_pixels *px, int x, int y, int w, int h, const uint8_t rgb[3]);

/*
 * Starts a plot in rect: checks that rect lies inside the canvas (LAE_ERR_ARG naming what
 * otherwise), saves cairo's state, clips to rect and selects the font. Each successful begin
 * is matched by lae_report_end, which restores the state and turns a cairo error into a status.
 */
lae_status lae_report_begin(lae_canvas *canvas, lae_rect rect, const char *what);
lae_status lae_report_end(lae_canvas *canvas, const char *what);

/*
 * Draws s at (x, y) at size px; halign 0 puts x at the left edge, 0.5 centre, 1 right; valign
 * 0 puts y at the top of the font's ascent, 0.5 the middle, 1 the bottom of its descent.
 */
void lae_report_text(cairo_t *cr, double x, double y, const char *s, double px, double halign,
                     double valign);

/* The same, rotated a quarter turn anticlockwise and centred on (x, y). */
void lae_report_text_up(cairo_t *cr, double x, double y, const char *s, double px);

double lae_report_text_width(cairo_t *cr, const char *s, double px);

/* Draws title centred at the top of rect (nothing when NULL); returns the height it took. */
int lae_report_title(cairo_t *cr, lae_rect rect, const char *title);

/* The height lae_report_title takes for title, without drawing it. */
int lae_report_title_height(const char *title);

/* A 1-pixel frame on the ring of pixels just outside inner, in grey g. */
void lae_report_frame(cairo_t *cr, lae_rect inner, double g);

#endif
