/*
 * The pictures of a study that compares several trained models: B as a heat map, diag(B) as an
 * image and a histogram, the loss curves of all models on shared axes, and the one-page report
 * that puts reconstructions, a table of metrics, diag(B) and the curves side by side.
 *
 * These functions only draw: the caller trains, measures and writes the files (see
 * lae_canvas_save_png). They follow the plots of Steck's tutorial notebook for "Autoencoders that
 * don't overfit towards the Identity" (NeurIPS 2020), but measure B itself, as MATH.md explains.
 */
#ifndef LAE_STUDY_H
#define LAE_STUDY_H

#include <stddef.h>

#include "lae/model.h"
#include "lae/report.h"
#include "lae/status.h"

/* One model's learning curve: count points, epoch 0 (before training) first when present. */
typedef struct {
    const char *name;
    const double *epoch;      /* count */
    const double *train_loss; /* count; NaN where unknown, such as epoch 0 */
    const double *test_mse;   /* count; NaN where there is no test set */
    size_t count;
} lae_curve;

/* One row of a study: a model, its B and what was measured. Everything is borrowed. */
typedef struct {
    const char *name;              /* short and file-name safe, such as "dlae-full" */
    const lae_model *model;        /* kind, k, p, a, b, epochs */
    const double *product;         /* B, m×m row-major */
    lae_identity_metrics metrics;  /* of product */
    double train_loss;             /* last epoch's; NaN for an untrained model */
    double test_mse;
    double optimum_distance;       /* how far from the exact optimum, as the caller defines it;
                                      NaN if unknown, shown as – */
    double seconds;                /* training time */
    lae_curve curve;               /* count 0 for an untrained model */
    const float *reconstructions;  /* the study's digits reconstructed, ndigits×m */
} lae_study_entry;

typedef struct {
    const lae_study_entry *entries;
    size_t count;
    const float *originals;        /* ndigits×m test digits in the models' units */
    size_t ndigits, rows, cols;    /* rows·cols = m */
    lae_norm norm;
    const char *title;
    const char *subtitle;          /* one line: data, device, seed, hyperparameters; may be NULL */
} lae_study;

/*
 * B (m×m) as a heat map centred on 0, limits ±max|B_ij|, with a caption that says so. Returns
 * what lae_draw_heatmap returns.
 */
lae_status lae_draw_product(lae_canvas *canvas, lae_rect rect, const double *product, size_t m,
                            const char *title);

/*
 * diag(B) of an m×m product (m = rows·cols) as an image of the input's shape on the left half
 * of rect and its histogram over [min(0, lo), max(1, hi)] on the right half, so that 0 (the
 * constant pixels) and 1 (the identity) are always on the axis. Returns LAE_ERR_NOMEM or what the
 * plots return.
 */
lae_status lae_draw_diag_panel(lae_canvas *canvas, lae_rect rect, const double *product,
                               size_t rows, size_t cols, const char *title);

/*
 * The training loss and the test MSE of every curve against the epoch, on two charts side by
 * side in rect, with a logarithmic y axis. Curves with count 0 are left out; LAE_ERR_ARG when
 * none is left.
 */
lae_status lae_draw_loss_curves(lae_canvas *canvas, lae_rect rect, const lae_curve *curves,
                                size_t count);

/* The size lae_draw_study_page needs for a study of study->count models. */
void lae_study_page_size(const lae_study *study, int *width, int *height);

/*
 * The report page on a canvas of at least lae_study_page_size: title and subtitle, a
 * reconstruction grid per model, the table of metrics, diag(B) of every model, and the loss
 * curves. LAE_ERR_ARG when the study is empty or the canvas too small.
 */
lae_status lae_draw_study_page(lae_canvas *canvas, const lae_study *study);

#endif
