/*
 * Horizontal bar charts: categories down the left, a group of bars per category (one per
 * series), a value axis along the bottom, linear from 0 or logarithmic by decades.
 *
 * Made for benchmark figures that span decades (a launch-bound GEMM at a few GFLOP/s beside a
 * peak of a thousand), with long category names that read better across than rotated. Bars
 * are filled on whole pixels, so each keeps its exact colour where the layout says. Not done:
 * negative values, stacked bars, error bars.
 */
#include "report/draw.h"

#include <math.h>
#include <stdio.h>

#define LABEL_PX  11.0
#define TICK_PX   10.5
#define BAR_H     12
#define GROUP_GAP 8
#define MAX_TICKS 32

static const double bar_palette[][3] = {
    {0.12, 0.47, 0.71}, {0.84, 0.15, 0.16}, {0.17, 0.63, 0.17},
    {1.00, 0.50, 0.05}, {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29},
};
#define BAR_PALETTE_SIZE (sizeof bar_palette / sizeof bar_palette[0])

static int drawable(double v, int log_x) {
    return isfinite(v) && (log_x ? v > 0 : v >= 0);
}

/* The value axis: [lo, hi] with ticks, whole decades on a log axis, 1–2–5 steps otherwise. */
static int value_ticks(double *lo, double *hi, int log_x, double *ticks) {
    int n = 0;
    if (log_x) {
        double d0 = floor(log10(*lo) + 1e-9), d1 = ceil(log10(*hi) - 1e-9);
        d1 = d1 <= d0 ? d0 + 1 : d1;
        *lo = pow(10, d0);
        *hi = pow(10, d1);
        for (double d = d0; d <= d1 && n < MAX_TICKS; d++) {
            ticks[n++] = pow(10, d);
        }
        return n;
    }
    double raw = (*hi - *lo) / 6, decade = pow(10, floor(log10(raw)));
    double f = raw / decade;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * decade;
    *hi = ceil(*hi / step - 1e-9) * step;
    for (double v = *lo; v <= *hi + step * 1e-9 && n < MAX_TICKS; v += step) {
        ticks[n++] = v;
    }
    return n;
}

static double value_frac(double v, double lo, double hi, int log_x) {
    return log_x ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo);
}

static int legend_height(const lae_bar_chart *chart) {
    return chart->nseries > 1 ? 16 * (int)chart->nseries + 6 : 0;
}

int lae_bar_chart_height(const lae_bar_chart *chart) {
    int groups = (int)chart->ncategories * ((int)chart->nseries * BAR_H + GROUP_GAP);
    return lae_report_title_height(chart->title) + 8 + groups + 6 + 14 +
           (chart->xlabel != NULL ? 18 : 0) + legend_height(chart) + 8;
}

lae_status lae_draw_bar_chart(lae_canvas *canvas, lae_rect rect, const lae_bar_chart *chart,
                              lae_bar_layout *layout) {
    const char *what = "bar chart";
    double ticks[MAX_TICKS];
    char label[32];

    if (chart == NULL || chart->categories == NULL || chart->ncategories == 0 ||
        chart->series == NULL || chart->nseries == 0 || chart->values == NULL) {
        return lae_fail(LAE_ERR_ARG, "bar chart: expected categories, series and values");
    }

    /* The range of the drawable values. */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < chart->ncategories * chart->nseries; i++) {
        if (drawable(chart->values[i], chart->log_x)) {
            lo = chart->values[i] < lo ? chart->values[i] : lo;
            hi = chart->values[i] > hi ? chart->values[i] : hi;
        }
    }
    if (!(lo <= hi)) {
        lo = chart->log_x ? 1 : 0;
        hi = chart->log_x ? 10 : 1;
    }
    if (!chart->log_x) {
        lo = 0;
        hi = hi > 0 ? hi : 1;
    }
    int nticks = value_ticks(&lo, &hi, chart->log_x, ticks);

    lae_status status = lae_report_begin(canvas, rect, what);
    if (status != LAE_OK) {
        return status;
    }
    cairo_t *cr = canvas->cr;

    /* Layout: names at the left, room at the right for the last value label. */
    double name_w = 0;
    for (size_t c = 0; c < chart->ncategories; c++) {
        const char *name = chart->categories[c] != NULL ? chart->categories[c] : "";
        double w = lae_report_text_width(cr, name, LABEL_PX);
        name_w = w > name_w ? w : name_w;
    }
    int group_h = (int)chart->nseries * BAR_H + GROUP_GAP;
    lae_rect plot;
    plot.x = rect.x + (int)ceil(name_w) + 12;
    plot.y = rect.y + lae_report_title(cr, rect, chart->title) + 8;
    plot.w = rect.x + rect.w - plot.x - 56;
    plot.h = (int)chart->ncategories * group_h;
    if (plot.w < 40 || plot.y + plot.h + 20 > rect.y + rect.h) {
        lae_report_end(canvas, what);
        return lae_fail(LAE_ERR_ARG, "bar chart: the %d×%d rectangle leaves no room for %zu "
                        "categories of %zu bars (needs %d px of height)", rect.w, rect.h,
                        chart->ncategories, chart->nseries, lae_bar_chart_height(chart));
    }

    /* Grid lines and tick labels along the bottom. */
    cairo_set_line_width(cr, 1.0);
    for (int t = 0; t < nticks; t++) {
        double px = floor(plot.x + value_frac(ticks[t], lo, hi, chart->log_x) * plot.w) + 0.5;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, px, plot.y);
        cairo_line_to(cr, px, plot.y + plot.h);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(label, sizeof label, "%g", ticks[t]);
        lae_report_text(cr, px, plot.y + plot.h + 6, label, TICK_PX, 0.5, 0);
    }
    if (chart->xlabel != NULL) {
        lae_report_text(cr, plot.x + plot.w / 2.0, plot.y + plot.h + 22, chart->xlabel,
                        LABEL_PX + 1, 0.5, 0);
    }

    /* Names, bars and their values. */
    for (size_t c = 0; c < chart->ncategories; c++) {
        int gy = plot.y + (int)c * group_h + GROUP_GAP / 2;
        cairo_set_source_rgb(cr, 0, 0, 0);
        lae_report_text(cr, plot.x - 8, gy + (int)chart->nseries * BAR_H / 2.0,
                        chart->categories[c] != NULL ? chart->categories[c] : "", LABEL_PX, 1,
                        0.5);
        for (size_t s = 0; s < chart->nseries; s++) {
            double v = chart->values[c * chart->nseries + s];
            int by = gy + (int)s * BAR_H;
            int w = 0;
            if (drawable(v, chart->log_x)) {
                double frac = value_frac(v, lo, hi, chart->log_x);
                w = (int)lround((frac < 0 ? 0 : frac > 1 ? 1 : frac) * plot.w);
                const double *rgb = bar_palette[s % BAR_PALETTE_SIZE];
                cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
                cairo_rectangle(cr, plot.x, by + 1, w, BAR_H - 2);
                cairo_fill(cr);
                snprintf(label, sizeof label, "%.3g", v);
            } else {
                snprintf(label, sizeof label, "n/a");
            }
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            lae_report_text(cr, plot.x + w + 4, by + BAR_H / 2.0, label, TICK_PX, 0, 0.5);
        }
    }
    lae_report_frame(cr, plot, 0.0);

    /* Legend under the axis, one swatch and name a series, when there is more than one. */
    if (chart->nseries > 1) {
        int ly = plot.y + plot.h + 20 + (chart->xlabel != NULL ? 18 : 0) + 4;
        for (size_t s = 0; s < chart->nseries; s++) {
            const double *rgb = bar_palette[s % BAR_PALETTE_SIZE];
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, plot.x, ly + 16 * (int)s + 2, 20, 10);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, 0, 0, 0);
            lae_report_text(cr, plot.x + 26, ly + 16 * (int)s + 7,
                            chart->series[s] != NULL ? chart->series[s] : "", TICK_PX, 0, 0.5);
        }
    }

    if (layout != NULL) {
        layout->plot = plot;
        layout->y0 = plot.y + GROUP_GAP / 2;
        layout->group_h = group_h;
        layout->bar_h = BAR_H;
    }
    return lae_report_end(canvas, what);
}
