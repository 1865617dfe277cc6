/*
 * The objective J of src/solve/internal.h evaluated on a factored B = U·Vᵀ in O(m²k), without
 * forming B: tr(BᵀAB) = tr(UᵀAU·VᵀV), tr(Gc·B) = Σ_j (Gc·U)_j·v_j, B_jj = u_j·v_j.
 */
#include "solve/internal.h"

#include <cblas.h>

double lae_quad_objective_full(const lae_quad *qd, const double *b, double *work) {
    size_t m = qd->m;
    int im = (int)m;

    if (m == 0) {
        return qd->trace;
    }
    /* tr(BᵀAB) = Σ_ij B_ij·(A·B)_ij, and (Gc·B)_jj = Σ_i Gc_ji·B_ij needs no product. */
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, im, 1.0, qd->a, im, b, im, 0.0, work,
                im);
    double quad = 0.0, lin = 0.0, emph = 0.0;
    for (size_t i = 0; i < m * m; i++) {
        quad += work[i] * b[i];
    }
    for (size_t j = 0; j < m; j++) {
        double bjj = b[j * m + j], gbjj = 0.0;
        for (size_t i = 0; i < m; i++) {
            gbjj += qd->gc[j * m + i] * b[i * m + j];
        }
        lin += gbjj;
        emph += 2.0 * qd->kappa * bjj * (qd->gc[j * m + j] - gbjj) + qd->d[j] * bjj * bjj;
    }
    return qd->trace - 2.0 * lin + quad + emph;
}

double lae_quad_objective(const lae_quad *qd, const double *u, const double *v, size_t k,
                          double *work) {
    size_t m = qd->m;
    double *gu = work;         /* m×k: Gc·U */
    double *au = work + m * k; /* m×k: A·U */
    int im = (int)m, ik = (int)k;

    if (m == 0 || k == 0) {
        return qd->trace;
    }
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->gc, im, u, ik, 0.0, gu,
                ik);
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->a, im, u, ik, 0.0, au,
                ik);

    /* tr(BᵀAB) = Σ_rs (UᵀAU)_rs·(VᵀV)_rs, both k×k and symmetric. */
    double *uau = work + 2 * m * k, *vv = uau + k * k;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ik, ik, im, 1.0, u, ik, au, ik, 0.0, uau,
                ik);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ik, ik, im, 1.0, v, ik, v, ik, 0.0, vv,
                ik);
    double quad = 0.0, lin = 0.0, emph = 0.0;
    for (size_t i = 0; i < k * k; i++) {
        quad += uau[i] * vv[i];
    }
    for (size_t j = 0; j < m; j++) {
        double bjj = 0.0, gbjj = 0.0;
        for (size_t r = 0; r < k; r++) {
            bjj += u[j * k + r] * v[j * k + r];
            gbjj += gu[j * k + r] * v[j * k + r];
        }
        lin += gbjj;
        emph += 2.0 * qd->kappa * bjj * (qd->gc[j * m + j] - gbjj) + qd->d[j] * bjj * bjj;
    }
    return qd->trace - 2.0 * lin + quad + emph;
}
