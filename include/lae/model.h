/*
 * A linear autoencoder's parameters, its hyperparameters, and the metrics of B.
 *
 * Dimension letters, used in every comment of the project: n examples, m features, k rank,
 * nb rows in a minibatch. Rows of X are examples; the reconstruction is X̂ = Z·B + 1·b_decᵀ
 * with B = W_encᵀ·W_decᵀ (m×m), the encoder weight W_enc k×m and the decoder weight W_dec m×k,
 * both row-major as in nn.Linear. In the factored notation of MATH.md, B = U·Vᵀ with
 * U = W_encᵀ and V = W_dec. This module holds no OpenCL state; it is plain host memory.
 */
#ifndef LAE_MODEL_H
#define LAE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lae/atomic_file.h"
#include "lae/status.h"

typedef enum {
    LAE_KIND_LAE = 0,   /* plain: no dropout, weight 1 on every entry */
    LAE_KIND_DLAE = 1,  /* dropout p, weight 1 on every entry (a = b = 1) */
    LAE_KIND_EDLAE = 2, /* dropout p, weight a on dropped entries and b on kept ones */
} lae_kind;

/* "lae", "dlae" or "edlae". */
const char *lae_kind_name(lae_kind kind);

/* Parses a kind name (case-insensitive); returns LAE_ERR_ARG for anything else. */
lae_status lae_kind_parse(const char *name, lae_kind *kind);

/* The objective a model is trained or solved for. */
typedef struct {
    lae_kind kind;
    double p; /* dropout probability in [0, 1); 0 for LAE */
    double a; /* weight of a dropped entry's squared error */
    double b; /* weight of a kept entry's squared error; a = b = 1 for LAE and DLAE */
} lae_objective;

/*
 * The objective's effective (p, a, b) for a kind and the flags given: LAE has p = 0 and
 * a = b = 1; DLAE keeps p and has a = b = 1; EDLAE keeps all three.
 */
lae_objective lae_objective_make(lae_kind kind, double p, double a, double b);

/* How the pixels were scaled before the model saw them: x = (pixel/255 − mean)/std. */
typedef struct {
    int enabled; /* 0: x = pixel/255 */
    double mean;
    double std;
} lae_norm;

typedef struct {
    size_t m, k;
    int has_bias;
    lae_objective objective;
    lae_norm norm;
    size_t image_rows, image_cols; /* image shape of a feature vector, rows·cols = m */

    float *w_enc; /* k×m */
    float *b_enc; /* k, zero when !has_bias */
    float *w_dec; /* m×k */
    float *b_dec; /* m, zero when !has_bias */

    /* Provenance, written to the model file and shown in reports. */
    char source[16]; /* "init", "trained" or "solved" */
    uint64_t seed;
    int epochs;
    int batch;
    double lr;
    double lambda; /* extra ridge of a solved model */
} lae_model;

/* Allocates zeroed parameters for an m×k model; free with lae_model_free. */
lae_status lae_model_alloc(lae_model *model, size_t m, size_t k, int has_bias);

void lae_model_free(lae_model *model);

/*
 * Initialises the weights and biases as nn.Linear does: every entry of a layer uniform in
 * [−1/√fan_in, 1/√fan_in), fan_in = m for the encoder and k for the decoder, from a generator
 * seeded with seed. Biases stay zero when the model has none.
 */
void lae_model_init_uniform(lae_model *model, uint64_t seed);

/* B = W_encᵀ·W_decᵀ as an m×m row-major array of doubles, owned by the caller. */
lae_status lae_model_product(const lae_model *model, double **b_out);

/*
 * Reconstructs n rows of x (n×m) on the host, without dropout: out = (x·W_encᵀ + b_enc)·W_decᵀ
 * + b_dec, n×m, caller-allocated. For pictures and small evaluations; training uses a device.
 */
void lae_model_reconstruct(const lae_model *model, const float *x, size_t n, float *out);

/* How far B stays from the identity. */
typedef struct {
    double diag_mean;      /* mean of diag(B) */
    double diag_rms_error; /* √(mean of (B_jj − 1)²) */
    double offdiag_share;  /* ‖B − diag(B)‖_F / ‖B‖_F, 0 when B = 0 */
    double frobenius;      /* ‖B‖_F */
} lae_identity_metrics;

lae_identity_metrics lae_identity_metrics_of(const double *b, size_t m);

/*
 * The model file: a text header of "key value" lines, from "lae-model 1" to "end", then the
 * parameters as little-endian float32 in the order W_enc (k×m), b_enc (k), W_dec (m×k),
 * b_dec (m). The format is documented in docs/model-format.md. Written to a temporary name
 * and renamed, so a failed save leaves no file.
 */
lae_status lae_model_save(const lae_model *model, const char *path);

/* lae_model_save without the rename: *out is finished but unpublished, for
 * lae_atomic_commit_all with a command's other outputs (or lae_atomic_abort). */
lae_status lae_model_write(const lae_model *model, const char *path, lae_atomic_file *out);

/* Reads a model file; every malformed or inconsistent header or size is LAE_ERR_FORMAT. */
lae_status lae_model_load(const char *path, lae_model *model);

#define LAE_NPY_FILES 5 /* files of an export */

/* Their names, in the order they are written: W_enc.npy, b_enc.npy, W_dec.npy, b_dec.npy,
 * B.npy. */
extern const char *const lae_npy_names[LAE_NPY_FILES];

/*
 * Writes W_enc.npy, b_enc.npy, W_dec.npy, b_dec.npy and B.npy (float32, C order, shapes as
 * above; B m×m) into dir, which must exist. The five appear together or not at all.
 */
lae_status lae_model_export_npy(const lae_model *model, const char *dir);

/* lae_model_export_npy without the renames: out[0 .. LAE_NPY_FILES) are finished but
 * unpublished on success, and all removed on failure. */
lae_status lae_model_write_npy(const lae_model *model, const char *dir,
                               lae_atomic_file out[LAE_NPY_FILES]);

/* Writes one float32 array of the given shape (ndim 1 or 2) as a .npy file, atomically. */
lae_status lae_npy_write_f32(const char *path, const float *data, size_t ndim,
                             const size_t *shape);

#endif
