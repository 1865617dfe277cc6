/*
 * What the commands share: the device and data flags, opening the device with a checked GEMM
 * backend, loading the train and test splits, and reporting a library error.
 */
#ifndef LAE_CLI_COMMON_H
#define LAE_CLI_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "cli/flags.h"
#include "cli/json.h"
#include "lae/data.h"
#include "lae/device.h"
#include "lae/gemm.h"
#include "lae/model.h"

#define LAE_VERSION_STRING "0.1.0"

typedef struct {
    const char *device; /* --device */
    const char *gemm;   /* --gemm */
} device_options;

typedef struct {
    const char *dir;  /* --data */
    size_t train;     /* --train N */
    size_t test;      /* --test N */
    int normalize;    /* --normalize / --no-normalize */
    double mean, std; /* --norm-mean, --norm-std */
} data_options;

typedef struct {
    const char *model; /* --model */
    const char *rank;  /* --rank: a number or "full" */
    double p, a, b;    /* --p, --a, --b */
    int bias;          /* --bias / --no-bias */
    lae_objective objective; /* set by model_options_check */
} model_options;

typedef struct {
    lae_dataset train;
    lae_dataset test;
    lae_norm norm;
} loaded_data;

void device_options_defaults(device_options *options);
void model_options_defaults(model_options *options);
void data_options_defaults(data_options *options);

/* Appends the flag specs of the options to table at *count. */
void device_flags(flag_spec *table, size_t *count, device_options *options);
void data_flags(flag_spec *table, size_t *count, data_options *options);
void model_flags(flag_spec *table, size_t *count, model_options *options);

/*
 * Checks --model, --rank, --p, --a and --b before any data is read, and sets
 * options->objective. Returns 0, or prints the error naming the flag and returns 2.
 */
int model_options_check(const char *command, model_options *options);

/* Warns (on stderr, through the log) about --p, --a and --b given to a model that ignores
 * them. */
void model_options_warn_unused(const char *command, const model_options *options,
                               const flag_spec *flags, size_t count);

/* Checks the device flags that need no device (--gemm). Returns 0, or prints why and 2. */
int device_options_check(const char *command, const device_options *options);

/* The rank for m features (full: m). Returns 0, or prints why and returns 2 when k > m. */
int model_options_rank(const char *command, const model_options *options, size_t m,
                       size_t *k);

/* The folder of the bundled digits: $LAE_DATA, the source tree's, or the installed one. */
const char *default_data_dir(void);

/* Prints "lae COMMAND: error: <message>" to stderr and returns the exit code 1. */
int report_error(const char *command);

/*
 * Opens the selected device, sets and checks the GEMM backend on small shapes of every
 * transpose pair, and logs the device line. Returns 0 or an exit code.
 */
int open_device(const char *command, const device_options *options, lae_context **ctx);

/* Loads both splits as the options say. Returns 0 or an exit code. */
int load_data(const char *command, const data_options *options, loaded_data *data);

void loaded_data_free(loaded_data *data);

/* Mean squared reconstruction error of a model over n rows of x, on the host; NAN if n = 0. */
double mean_reconstruction_error(const lae_model *model, const float *x, size_t n);

/*
 * The same mean over n rows from the Gram matrix G and means μ of those rows, in O(m³) rather
 * than O(n·m²): MATH.md's expected loss at p = 0. b is the model's B (m×m).
 */
double gram_reconstruction_error(const lae_model *model, const double *b, const double *g,
                                 const double *mu, size_t n);

/*
 * The dropped-out input of training for n rows of x (n×m): z = δ⊙x/(1 − p), with the mask of
 * lae_dropout_kept at step 0 and row i of the minibatch being row i of x, so that a picture of
 * it is reproducible from the seed.
 */
void dropout_inputs(const float *x, size_t n, size_t m, double p, uint64_t seed, float *z);

/*
 * A canvas size for lae_draw_digit_grid of count images of rows×cols in nrows rows: each pixel
 * 3×3 (2×2 beyond 20 images), room for the row labels and a title, at least 640 wide.
 */
void digit_canvas_size(size_t count, size_t rows, size_t cols, int nrows, int *width,
                       int *height);

/* Writes the device object ({"name", "vendor", "driver", ...}) under key. */
void json_device(json_writer *w, const char *key, const lae_context *ctx);

#endif
