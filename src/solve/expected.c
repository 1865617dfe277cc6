/*
 * The exact expected loss of MATH.md for any B, with and without a bias, from G alone.
 *
 * This is the scoring function of lae: it needs no mask and no data beyond G = XᵀX (m×m), the
 * column means μ and n. It follows MATH.md's formula term by term and deliberately shares no
 * code with the solver's objective (src/solve/quad.c), so that each checks the other.
 */
#include "lae/solve.h"

#include <math.h>
#include <stdlib.h>

#include <cblas.h>

#include "solve/internal.h"

double lae_expected_loss(const double *g, size_t m, const double *b, const lae_objective *obj) {
    if (g == NULL || b == NULL || obj == NULL || !(obj->p >= 0.0 && obj->p < 1.0)) {
        return NAN;
    }
    double p = obj->p, q = 1.0 - p;
    double w = p * obj->a + q * obj->b;
    double emph = p * (obj->a - obj->b);

    double *gb = malloc(m * m * sizeof *gb);
    if (gb == NULL) {
        return NAN;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0, g,
                (int)m, b, (int)m, 0.0, gb, (int)m);

    /* ‖X − XB‖² = tr G − 2 tr(GB) + tr(BᵀGB), and the ridge ‖Λ^{1/2}B‖², Λ = (p/q)·diag G. */
    double fit = 0.0, ridge = 0.0, cross = 0.0, square = 0.0;
    for (size_t i = 0; i < m; i++) {
        double row = 0.0;
        fit += g[i * m + i] - 2.0 * gb[i * m + i];
        for (size_t j = 0; j < m; j++) {
            fit += b[i * m + j] * gb[i * m + j];
            row += b[i * m + j] * b[i * m + j];
        }
        ridge += p / q * g[i * m + i] * row;
    }

    /* The emphasis terms, in diag(B) only. */
    for (size_t j = 0; j < m; j++) {
        double bjj = b[j * m + j];
        cross += bjj * (g[j * m + j] - gb[j * m + j]);
        square += g[j * m + j] * bjj * bjj;
    }
    free(gb);
    return w * (fit + ridge) + 2.0 * emph * cross + emph * (q - p) / q * square;
}

double lae_expected_loss_bias(const double *g, const double *mu, size_t n, size_t m,
                              const double *b, const double *c, const lae_objective *obj) {
    if (mu == NULL || c == NULL) {
        return NAN;
    }
    double loss = lae_expected_loss(g, m, b, obj);
    if (isnan(loss)) {
        return loss;
    }
    double p = obj->p, q = 1.0 - p;
    double w = p * obj->a + q * obj->b;
    double emph = p * (obj->a - obj->b);

    /*
     * Per entry (r, j), with weight W = a(1 − δ) + bδ and R the residual without bias:
     * E[W] = w and E[W·R] = w·(X − XB)_rj + p(a − b)·X_rj·B_jj. Summed over r.
     */
    double linear = 0.0, square = 0.0;
    for (size_t j = 0; j < m; j++) {
        double btmu = 0.0;
        for (size_t i = 0; i < m; i++) {
            btmu += b[i * m + j] * mu[i];
        }
        linear += c[j] * (w * (mu[j] - btmu) + emph * mu[j] * b[j * m + j]);
        square += c[j] * c[j];
    }
    return loss - 2.0 * (double)n * linear + (double)n * w * square;
}

double lae_emphasis_kappa(const lae_objective *obj) {
    double p = obj->p, q = 1.0 - p;
    double w = p * obj->a + q * obj->b;
    if (obj->b == 0.0) {
        return 1.0; /* full emphasis; also the p → 0 limit where w = 0 */
    }
    return p * (obj->a - obj->b) / w;
}

void lae_optimal_bias(const double *mu, size_t m, const double *b, const lae_objective *obj,
                      double *c_out) {
    double kappa = lae_emphasis_kappa(obj);
    for (size_t j = 0; j < m; j++) {
        double btmu = 0.0;
        for (size_t i = 0; i < m; i++) {
            btmu += b[i * m + j] * mu[i];
        }
        c_out[j] = mu[j] - btmu + kappa * b[j * m + j] * mu[j];
    }
}
