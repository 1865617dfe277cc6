/*
 * Charts with axes: a histogram (for diag(B)) and line charts of named series (train loss and
 * test MSE by epoch), with a legend and an optional logarithmic y axis.
 *
 * Ticks follow the usual 1–2–5 rule on linear axes and decades (with 2 and 5 between when
 * the axis spans few of them) on logarithmic ones; a log axis is widened to whole decades.
 * Not done: dates, error bars, several y axes, automatic label thinning on crowded x axes.
 */
#include "report/draw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TICK_PX   10.5
#define AXIS_PX   12.0
#define MAX_TICKS 24

typedef struct {
    double lo, hi;
    int log;
    double ticks[MAX_TICKS];
    int nticks;
} axis;

/* A 1, 2 or 5 times a power of ten near raw. */
static double nice_step(double raw) {
    double decade = pow(10, floor(log10(raw)));
    double f = raw / decade;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * decade;
}

/* Fills a's ticks for its range, widening a log range to whole decades. */
static void axis_ticks(axis *a, int target) {
    a->nticks = 0;
    if (a->log) {
        double d0 = floor(log10(a->lo) + 1e-9);
        double d1 = ceil(log10(a->hi) - 1e-9);
        if (d1 <= d0) {
            d1 = d0 + 1;
        }
        a->lo = pow(10, d0);
        a->hi = pow(10, d1);
        static const double between[] = {1, 2, 5};
        int nb = d1 - d0 <= 2 ? 3 : 1;
        int every = (int)ceil((d1 - d0) / (double)target);
        for (double d = d0; d <= d1 && a->nticks < MAX_TICKS; d++) {
            if (((int)(d - d0)) % every != 0) {
                continue;
            }
            for (int b = 0; b < nb && a->nticks < MAX_TICKS; b++) {
                double v = between[b] * pow(10, d);
                if (v <= a->hi * (1 + 1e-9)) {
                    a->ticks[a->nticks++] = v;
                }
            }
        }
        return;
    }
    double step = nice_step((a->hi - a->lo) / target);
    for (double v = ceil(a->lo / step - 1e-9) * step;
         v <= a->hi + step * 1e-9 && a->nticks < MAX_TICKS; v += step) {
        a->ticks[a->nticks++] = fabs(v) < step * 1e-9 ? 0 : v;
    }
}

/* Where v falls along a, from 0 at lo to 1 at hi. */
static double axis_frac(const axis *a, double v) {
    if (a->log) {
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    }
    return (v - a->lo) / (a->hi - a->lo);
}

static double map_x(const axis *a, lae_rect plot, double v) {
    return plot.x + axis_frac(a, v) * plot.w;
}

static double map_y(const axis *a, lae_rect plot, double v) {
    return plot.y + plot.h - axis_frac(a, v) * plot.h;
}

static void tick_label(char *out, size_t size, double v) {
    snprintf(out, size, "%.4g", v);
}

/*
 * Lays out the title, axis labels and tick labels in rect, draws the frame, grid and ticks,
 * and returns the plot area in *plot; LAE_ERR_ARG when rect leaves no room for it.
 */
static lae_status draw_axes(cairo_t *cr, lae_rect rect, const char *what, const char *title,
                            const char *xlabel, const char *ylabel, axis *x, axis *y,
                            lae_rect *plot) {
    char label[32];
    axis_ticks(x, 6);
    axis_ticks(y, 6);

    double ytick_w = 0;
    for (int t = 0; t < y->nticks; t++) {
        tick_label(label, sizeof label, y->ticks[t]);
        double w = lae_report_text_width(cr, label, TICK_PX);
        ytick_w = w > ytick_w ? w : ytick_w;
    }
    int title_h = lae_report_title(cr, rect, title);
    int left = (ylabel != NULL ? 20 : 0) + (int)ceil(ytick_w) + 8;
    int bottom = 6 + 14 + (xlabel != NULL ? 18 : 0);
    plot->x = rect.x + left;
    plot->y = rect.y + title_h + 8;
    plot->w = rect.w - left - 16;
    plot->h = rect.y + rect.h - bottom - plot->y;
    if (plot->w < 10 || plot->h < 10) {
        return lae_fail(LAE_ERR_ARG, "%s: the %d×%d rectangle leaves no room for the plot", what,
                        rect.w, rect.h);
    }

    /* Grid lines and ticks, then the frame over them. */
    cairo_set_line_width(cr, 1.0);
    for (int t = 0; t < y->nticks; t++) {
        double py = floor(map_y(y, *plot, y->ticks[t])) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, plot->x, py);
        cairo_line_to(cr, plot->x + plot->w, py);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, plot->x - 4, py);
        cairo_line_to(cr, plot->x, py);
        cairo_stroke(cr);
        tick_label(label, sizeof label, y->ticks[t]);
        lae_report_text(cr, plot->x - 6, py, label, TICK_PX, 1, 0.5);
    }
    for (int t = 0; t < x->nticks; t++) {
        double px = floor(map_x(x, *plot, x->ticks[t])) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, px, plot->y);
        cairo_line_to(cr, px, plot->y + plot->h);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, px, plot->y + plot->h);
        cairo_line_to(cr, px, plot->y + plot->h + 4);
        cairo_stroke(cr);
        tick_label(label, sizeof label, x->ticks[t]);
        lae_report_text(cr, px, plot->y + plot->h + 6, label, TICK_PX, 0.5, 0);
    }
    lae_report_frame(cr, *plot, 0.0);

    if (xlabel != NULL) {
        lae_report_text(cr, plot->x + plot->w / 2.0, rect.y + rect.h - 3, xlabel, AXIS_PX, 0.5, 1);
    }
    if (ylabel != NULL) {
        lae_report_text_up(cr, rect.x + 9, plot->y + plot->h / 2.0, ylabel, AXIS_PX);
    }
    return LAE_OK;
}

/* ---- Histogram ---------------------------------------------------------------------------- */

lae_status lae_draw_histogram(lae_canvas *canvas, lae_rect rect, const lae_histogram *hist) {
    const char *what = "histogram";
    enum { MAX_BINS = 1000 };
    size_t counts[MAX_BINS];

    if (hist == NULL || hist->values == NULL || hist->count == 0) {
        return lae_fail(LAE_ERR_ARG, "histogram: expected at least one value");
    }
    size_t bins = hist->bins == 0 ? 40 : hist->bins;
    if (bins > MAX_BINS) {
        return lae_fail(LAE_ERR_ARG, "histogram: expected at most %d bins, got %zu", MAX_BINS,
                        bins);
    }

    /* The range: given, or the data's, widened when every value is the same. */
    double lo = hist->lo, hi = hist->hi;
    if (!(lo < hi)) {
        lo = INFINITY;
        hi = -INFINITY;
        for (size_t i = 0; i < hist->count; i++) {
            if (isfinite(hist->values[i])) {
                lo = hist->values[i] < lo ? hist->values[i] : lo;
                hi = hist->values[i] > hi ? hist->values[i] : hi;
            }
        }
        if (!(lo <= hi)) {
            return lae_fail(LAE_ERR_ARG, "histogram: none of the %zu values is finite",
                            hist->count);
        }
        if (lo == hi) {
            double half = lo == 0 ? 0.5 : fabs(lo) * 0.05;
            lo -= half;
            hi += half;
        }
    }

    /* Counts, the top edge falling into the last bin. */
    memset(counts, 0, sizeof counts);
    size_t highest = 0;
    for (size_t i = 0; i < hist->count; i++) {
        double v = hist->values[i];
        if (!(v >= lo && v <= hi)) {
            continue;
        }
        size_t b = (size_t)((v - lo) / (hi - lo) * (double)bins);
        b = b >= bins ? bins - 1 : b;
        counts[b]++;
        highest = counts[b] > highest ? counts[b] : highest;
    }

    lae_status status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;
    axis x = {.lo = lo, .hi = hi};
    axis y = {.lo = 0, .hi = highest > 0 ? (double)highest * 1.05 : 1};
    lae_rect plot;
    status = draw_axes(cr, rect, what, hist->title, hist->xlabel,
                       hist->ylabel != NULL ? hist->ylabel : "count", &x, &y, &plot);
    if (status != LAE_OK) {
        lae_report_end(canvas, what);
        return status;
    }

    cairo_save(cr);
    cairo_rectangle(cr, plot.x, plot.y, plot.w, plot.h);
    cairo_clip(cr);
    for (size_t b = 0; b < bins; b++) {
        if (counts[b] == 0) {
            continue;
        }
        double x0 = map_x(&x, plot, lo + (hi - lo) * (double)b / (double)bins);
        double x1 = map_x(&x, plot, lo + (hi - lo) * (double)(b + 1) / (double)bins);
        double top = map_y(&y, plot, (double)counts[b]);
        cairo_rectangle(cr, x0, top, x1 - x0, plot.y + plot.h - top);
        cairo_set_source_rgb(cr, 0.27, 0.51, 0.71);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, x1 - x0 > 4 ? 1.0 : 0.3);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    lae_report_frame(cr, plot, 0.0);
    return lae_report_end(canvas, what);
}

/* ---- Line chart --------------------------------------------------------------------------- */

static const double palette[][3] = {
    {0.12, 0.47, 0.71}, {0.84, 0.15, 0.16}, {0.17, 0.63, 0.17}, {1.00, 0.50, 0.05},
    {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50},
    {0.74, 0.74, 0.13}, {0.09, 0.75, 0.81},
};
#define PALETTE_SIZE (sizeof palette / sizeof palette[0])

static int point_ok(const lae_series *s, size_t i, int log_y) {
    return isfinite(s->x[i]) && isfinite(s->y[i]) && (!log_y || s->y[i] > 0);
}

lae_status lae_draw_line_chart(lae_canvas *canvas, lae_rect rect, const lae_line_chart *chart) {
    const char *what = "line chart";

    if (chart == NULL || chart->series == NULL || chart->nseries == 0) {
        return lae_fail(LAE_ERR_ARG, "line chart: expected at least one series");
    }

    /* The data's range over every drawable point. */
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (size_t k = 0; k < chart->nseries; k++) {
        const lae_series *s = &chart->series[k];
        if (s->count > 0 && (s->x == NULL || s->y == NULL)) {
            return lae_fail(LAE_ERR_ARG, "line chart: series %zu ('%s') has no data arrays", k,
                            s->name != NULL ? s->name : "");
        }
        for (size_t i = 0; i < s->count; i++) {
            if (point_ok(s, i, chart->log_y)) {
                x_lo = s->x[i] < x_lo ? s->x[i] : x_lo;
                x_hi = s->x[i] > x_hi ? s->x[i] : x_hi;
                y_lo = s->y[i] < y_lo ? s->y[i] : y_lo;
                y_hi = s->y[i] > y_hi ? s->y[i] : y_hi;
            }
        }
    }
    if (!(x_lo <= x_hi)) {
        return lae_fail(LAE_ERR_ARG, "line chart: no series has a drawable point%s",
                        chart->log_y ? " (a log axis needs y > 0)" : "");
    }
    if (x_lo == x_hi) {
        x_lo -= 0.5;
        x_hi += 0.5;
    }
    if (!chart->log_y) {
        double pad = y_hi > y_lo ? 0.05 * (y_hi - y_lo) : (y_lo == 0 ? 1 : 0.1 * fabs(y_lo));
        y_lo -= pad;
        y_hi += pad;
    }

    lae_status status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;
    axis x = {.lo = x_lo, .hi = x_hi};
    axis y = {.lo = y_lo, .hi = y_hi, .log = chart->log_y};
    lae_rect plot;
    status = draw_axes(cr, rect, what, chart->title, chart->xlabel, chart->ylabel, &x, &y, &plot);
    if (status != LAE_OK) {
        lae_report_end(canvas, what);
        return status;
    }

    /* Lines, broken at points that cannot be drawn; markers when points are few. */
    cairo_save(cr);
    cairo_rectangle(cr, plot.x, plot.y, plot.w, plot.h);
    cairo_clip(cr);
    cairo_set_line_width(cr, 1.6);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t k = 0; k < chart->nseries; k++) {
        const lae_series *s = &chart->series[k];
        const double *c = palette[k % PALETTE_SIZE];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        int open = 0;
        for (size_t i = 0; i < s->count; i++) {
            if (!point_ok(s, i, chart->log_y)) {
                open = 0;
                continue;
            }
            double px = map_x(&x, plot, s->x[i]);
            double py = map_y(&y, plot, s->y[i]);
            if (open) {
                cairo_line_to(cr, px, py);
            } else {
                cairo_move_to(cr, px, py);
                open = 1;
            }
        }
        cairo_stroke(cr);
        if (s->count <= 60) {
            for (size_t i = 0; i < s->count; i++) {
                if (point_ok(s, i, chart->log_y)) {
                    cairo_new_sub_path(cr);
                    cairo_arc(cr, map_x(&x, plot, s->x[i]), map_y(&y, plot, s->y[i]), 2.2, 0,
                              6.283185307179586);
                }
            }
            cairo_fill(cr);
        }
    }

    /* Legend: a box in the top right corner of the plot, one swatch and name a series. */
    double name_w = 0;
    for (size_t k = 0; k < chart->nseries; k++) {
        const char *name = chart->series[k].name != NULL ? chart->series[k].name : "";
        double w = lae_report_text_width(cr, name, TICK_PX);
        name_w = w > name_w ? w : name_w;
    }
    double line_h = 15;
    double box_w = 8 + 20 + 6 + name_w + 8;
    double box_h = 6 + line_h * (double)chart->nseries + 2;
    double bx = plot.x + plot.w - box_w - 6;
    double by = plot.y + 6;
    cairo_rectangle(cr, floor(bx) + 0.5, floor(by) + 0.5, ceil(box_w), ceil(box_h));
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    for (size_t k = 0; k < chart->nseries; k++) {
        const double *c = palette[k % PALETTE_SIZE];
        double ly = by + 4 + line_h * ((double)k + 0.5);
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_line_width(cr, 2.0);
        cairo_move_to(cr, bx + 8, ly);
        cairo_line_to(cr, bx + 28, ly);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        lae_report_text(cr, bx + 34, ly, chart->series[k].name != NULL ? chart->series[k].name : "",
                        TICK_PX, 0, 0.5);
    }
    cairo_restore(cr);
    return lae_report_end(canvas, what);
}
