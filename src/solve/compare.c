/*
 * How far a model is from the solved optimum: relative excess objective, relative distance of
 * B, and the principal angles between column spaces (Björck and Golub; small angles from
 * sines, large ones from cosines, after Knyazev and Argentati, for accuracy at both ends).
 */
#include "lae/solve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#define RANK_TOL 1e-12
#define DEGREES (180.0 / 3.14159265358979323846)

double lae_relative_excess(double f, double f_star) {
    return (f - f_star) / fabs(f_star);
}

double lae_relative_distance(const double *b, const double *b_star, size_t m) {
    double diff = 0.0, ref = 0.0;
    for (size_t i = 0; i < m * m; i++) {
        diff += (b[i] - b_star[i]) * (b[i] - b_star[i]);
        ref += b_star[i] * b_star[i];
    }
    return ref > 0.0 ? sqrt(diff / ref) : sqrt(diff);
}

/* An orthonormal basis (m×r, r returned) of the column space of x (m×k), from its SVD. */
static lae_status orthonormal_basis(const double *x, size_t m, size_t k, double *q, size_t *r) {
    size_t kk = k < m ? k : m;
    double *copy = malloc(m * k * sizeof *copy);
    double *sv = malloc(kk * sizeof *sv);
    double *superb = malloc(kk * sizeof *superb);
    double *ut = malloc(m * kk * sizeof *ut);
    lae_status status = LAE_OK;

    if (copy == NULL || sv == NULL || superb == NULL || ut == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "principal angles: out of memory for m = %zu", m);
        goto fail;
    }
    memcpy(copy, x, m * k * sizeof *copy);
    if (LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'N', (int)m, (int)k, copy, (int)k, sv, ut,
                       (int)kk, NULL, 1, superb) != 0) {
        status = lae_fail(LAE_ERR_NUMERIC, "principal angles: SVD of an %zu×%zu factor failed",
                          m, k);
        goto fail;
    }
    *r = 0;
    while (*r < kk && sv[*r] > RANK_TOL * sv[0]) {
        (*r)++;
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < *r; j++) {
            q[i * *r + j] = ut[i * kk + j];
        }
    }

fail:
    free(ut);
    free(superb);
    free(sv);
    free(copy);
    return status;
}

/* Singular values (descending) of a rows×cols matrix, destroyed. */
static lae_status singular_values(double *a, size_t rows, size_t cols, double *sv) {
    size_t kk = rows < cols ? rows : cols;
    double *superb = malloc((kk + 1) * sizeof *superb);
    if (superb == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "principal angles: out of memory");
    }
    lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', (int)rows, (int)cols, a,
                                     (int)cols, sv, NULL, 1, NULL, 1, superb);
    free(superb);
    if (info != 0) {
        return lae_fail(LAE_ERR_NUMERIC, "principal angles: SVD failed (info %d)", (int)info);
    }
    return LAE_OK;
}

lae_status lae_principal_angles(const double *x1, size_t k1, const double *x2, size_t k2,
                                size_t m, double *angles, size_t *count) {
    double *q1 = NULL, *q2 = NULL, *c = NULL, *s = NULL, *cosv = NULL, *sinv = NULL;
    size_t r1 = 0, r2 = 0;
    lae_status status;

    if (x1 == NULL || x2 == NULL || angles == NULL || count == NULL || m == 0 || k1 == 0
        || k2 == 0) {
        return lae_fail(LAE_ERR_ARG, "principal angles: expected two non-empty m×k factors");
    }
    *count = 0;
    q1 = malloc(m * k1 * sizeof *q1);
    q2 = malloc(m * k2 * sizeof *q2);
    if (q1 == NULL || q2 == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "principal angles: out of memory for m = %zu", m);
        goto fail;
    }
    status = orthonormal_basis(x1, m, k1, q1, &r1);
    if (status == LAE_OK) {
        status = orthonormal_basis(x2, m, k2, q2, &r2);
    }
    if (status != LAE_OK) {
        goto fail;
    }

    /* Angles are symmetric: let q1 be the larger basis, so that there are r2 angles. */
    if (r1 < r2) {
        double *tq = q1;
        size_t tr = r1;
        q1 = q2;
        q2 = tq;
        r1 = r2;
        r2 = tr;
    }
    c = malloc(r1 * r2 * sizeof *c);
    s = malloc(m * r2 * sizeof *s);
    cosv = malloc(r2 * sizeof *cosv);
    sinv = malloc(r2 * sizeof *sinv);
    if (c == NULL || s == NULL || cosv == NULL || sinv == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "principal angles: out of memory for m = %zu", m);
        goto fail;
    }

    /* Cosines: singular values of Q1ᵀQ2. Sines: of (I − Q1Q1ᵀ)·Q2. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r1, (int)r2, (int)m, 1.0, q1,
                (int)r1, q2, (int)r2, 0.0, c, (int)r2);
    memcpy(s, q2, m * r2 * sizeof *s);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)r2, (int)r1, -1.0, q1,
                (int)r1, c, (int)r2, 1.0, s, (int)r2);
    status = singular_values(c, r1, r2, cosv);
    if (status == LAE_OK) {
        status = singular_values(s, m, r2, sinv);
    }
    if (status != LAE_OK) {
        goto fail;
    }

    /* cosv descending pairs with sinv ascending; sines are accurate below 45°. */
    for (size_t i = 0; i < r2; i++) {
        double cs = fmin(cosv[i], 1.0);
        double sn = fmin(sinv[r2 - 1 - i], 1.0);
        angles[i] = (cs >= sqrt(0.5) ? asin(sn) : acos(cs)) * DEGREES;
    }
    *count = r2;

fail:
    free(sinv);
    free(cosv);
    free(s);
    free(c);
    free(q2);
    free(q1);
    return status;
}
