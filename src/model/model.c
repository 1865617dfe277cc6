/*
 * A model's parameters in host memory: allocation, nn.Linear-style initialisation, the product
 * B = W_encᵀ·W_decᵀ and how far it is from the identity. File formats are in model_file.c.
 */
#include "lae/model.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lae/rng.h"

const char *lae_kind_name(lae_kind kind) {
    switch (kind) {
    case LAE_KIND_LAE: return "lae";
    case LAE_KIND_DLAE: return "dlae";
    case LAE_KIND_EDLAE: return "edlae";
    }
    return "?";
}

lae_status lae_kind_parse(const char *name, lae_kind *kind) {
    static const lae_kind all[] = {LAE_KIND_LAE, LAE_KIND_DLAE, LAE_KIND_EDLAE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcasecmp(name, lae_kind_name(all[i])) == 0) {
            *kind = all[i];
            return LAE_OK;
        }
    }
    return lae_fail(LAE_ERR_ARG, "--model: expected lae, dlae or edlae, got '%s'", name);
}

lae_objective lae_objective_make(lae_kind kind, double p, double a, double b) {
    lae_objective objective = {.kind = kind, .p = p, .a = a, .b = b};
    if (kind == LAE_KIND_LAE) {
        objective.p = 0.0;
    }
    if (kind != LAE_KIND_EDLAE) {
        objective.a = 1.0;
        objective.b = 1.0;
    }
    return objective;
}

lae_status lae_model_alloc(lae_model *model, size_t m, size_t k, int has_bias) {
    memset(model, 0, sizeof *model);
    if (m == 0 || k == 0 || k > m) {
        return lae_fail(LAE_ERR_ARG, "a model needs 1 ≤ k ≤ m, got m = %zu, k = %zu", m, k);
    }
    size_t count = 2 * m * k + m + k;
    float *block = calloc(count, sizeof *block);
    if (block == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory for a %zu×%zu model", m, k);
    }
    model->m = m;
    model->k = k;
    model->has_bias = has_bias != 0;
    /* One block in the device's order, so that uploads and downloads are one copy. */
    model->w_enc = block;
    model->b_enc = model->w_enc + k * m;
    model->w_dec = model->b_enc + k;
    model->b_dec = model->w_dec + m * k;
    model->objective = lae_objective_make(LAE_KIND_LAE, 0.0, 1.0, 1.0);
    model->image_rows = 1; /* one row of m features until the data says otherwise */
    model->image_cols = m;
    snprintf(model->source, sizeof model->source, "init");
    return LAE_OK;
}

void lae_model_free(lae_model *model) {
    free(model->w_enc);
    memset(model, 0, sizeof *model);
}

static void fill_uniform(lae_rng *rng, float *x, size_t count, double bound) {
    for (size_t i = 0; i < count; i++) {
        x[i] = (float)((2.0 * lae_rng_uniform(rng) - 1.0) * bound);
    }
}

void lae_model_init_uniform(lae_model *model, uint64_t seed) {
    lae_rng rng;
    size_t m = model->m, k = model->k;
    double encoder_bound = 1.0 / sqrt((double)m);
    double decoder_bound = 1.0 / sqrt((double)k);

    /* nn.Linear: kaiming_uniform(a = √5) on the weight gives bound 1/√fan_in, and its bias
     * is uniform with the same bound. */
    lae_rng_seed(&rng, seed);
    fill_uniform(&rng, model->w_enc, k * m, encoder_bound);
    fill_uniform(&rng, model->w_dec, m * k, decoder_bound);
    if (model->has_bias) {
        fill_uniform(&rng, model->b_enc, k, encoder_bound);
        fill_uniform(&rng, model->b_dec, m, decoder_bound);
    } else {
        memset(model->b_enc, 0, k * sizeof(float));
        memset(model->b_dec, 0, m * sizeof(float));
    }
    model->seed = seed;
}

lae_status lae_model_product(const lae_model *model, double **b_out) {
    size_t m = model->m, k = model->k;
    double *enc = malloc(k * m * sizeof *enc);
    double *dec = malloc(m * k * sizeof *dec);
    double *b = malloc(m * m * sizeof *b);

    *b_out = NULL;
    if (enc == NULL || dec == NULL || b == NULL) {
        free(enc);
        free(dec);
        free(b);
        return lae_fail(LAE_ERR_NOMEM, "out of memory for B (%zu×%zu)", m, m);
    }
    for (size_t i = 0; i < k * m; i++) {
        enc[i] = model->w_enc[i];
        dec[i] = model->w_dec[i];
    }
    /* B (m×m) = W_encᵀ (m×k) · W_decᵀ (k×m), in double. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)m, (int)m, (int)k, 1.0, enc, (int)m,
                dec, (int)k, 0.0, b, (int)m);
    free(enc);
    free(dec);
    *b_out = b;
    return LAE_OK;
}

void lae_model_reconstruct(const lae_model *model, const float *x, size_t n, float *out) {
    size_t m = model->m, k = model->k;
    float *hidden = malloc(n * k * sizeof *hidden);
    if (hidden == NULL) {
        memset(out, 0, n * m * sizeof *out);
        return;
    }
    for (size_t r = 0; r < n; r++) {
        memcpy(hidden + r * k, model->b_enc, k * sizeof *hidden);
        memcpy(out + r * m, model->b_dec, m * sizeof *out);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)m, 1.0f, x, (int)m,
                model->w_enc, (int)m, 1.0f, hidden, (int)k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)k, 1.0f, hidden,
                (int)k, model->w_dec, (int)k, 1.0f, out, (int)m);
    free(hidden);
}

lae_identity_metrics lae_identity_metrics_of(const double *b, size_t m) {
    lae_identity_metrics metrics = {0};
    double diag_sum = 0.0, diag_error = 0.0, diag_square = 0.0, total = 0.0;

    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double value = b[i * m + j];
            total += value * value;
        }
        double d = b[i * m + i];
        diag_sum += d;
        diag_square += d * d;
        diag_error += (d - 1.0) * (d - 1.0);
    }
    metrics.diag_mean = diag_sum / (double)m;
    metrics.diag_rms_error = sqrt(diag_error / (double)m);
    metrics.frobenius = sqrt(total);
    double offdiag = total - diag_square;
    metrics.offdiag_share = total > 0.0 ? sqrt(offdiag > 0.0 ? offdiag / total : 0.0) : 0.0;
    return metrics;
}
