/*
 * lae_solve: the optimal B (and bias) of LAE, DLAE and EDLAE from G, μ and n.
 *
 * Closed forms for every full-rank case and for LAE/DLAE at rank k; block-coordinate descent
 * (src/solve/bcd.c) for EDLAE at rank k. Constant features are removed first and restored as
 * zero rows and columns; a bias is eliminated by centring (see src/solve/internal.h for the
 * objective that results). Follows MATH.md; the b > 0 column form is written here in the
 * variables x_j = B_jj and φ_j of a two-dimensional reduction, derived for this file and
 * equal to MATH.md's when there is no bias.
 */
#include "lae/solve.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>

#include "lae/log.h"
#include "solve/internal.h"

/* A feature is constant when its variance (energy without a bias) is below this share of the
 * largest second moment: exact zeros, and constants up to the rounding of G_jj/n − μ_j². */
#define CONSTANT_TOL 1e-12

lae_solve_options lae_solve_options_default(void) {
    lae_solve_options opt;
    memset(&opt, 0, sizeof opt);
    opt.k = SIZE_MAX;
    opt.seed = 1;
    return opt;
}

void lae_solution_free(lae_solution *sol) {
    if (sol == NULL) {
        return;
    }
    free(sol->u);
    free(sol->v);
    free(sol->c);
    memset(sol, 0, sizeof *sol);
}

double *lae_solution_product(const lae_solution *sol) {
    double *b = malloc(sol->m * sol->m * sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)sol->m, (int)sol->m, (int)sol->k,
                1.0, sol->u, (int)sol->k, sol->v, (int)sol->k, 0.0, b, (int)sol->m);
    return b;
}

static lae_status check_arguments(const lae_gram_view *gram, const lae_objective *obj,
                                  const lae_solve_options *opt) {
    if (gram == NULL || obj == NULL || opt == NULL || gram->g == NULL || gram->m == 0) {
        return lae_fail(LAE_ERR_ARG, "solve: expected a Gram matrix of at least 1×1");
    }
    if (!(obj->p >= 0.0 && obj->p < 1.0)) {
        return lae_fail(LAE_ERR_ARG, "solve: --p must be in [0, 1), got %g", obj->p);
    }
    if (!(obj->a >= 0.0 && obj->b >= 0.0 && isfinite(obj->a) && isfinite(obj->b))
        || (obj->a == 0.0 && obj->b == 0.0)) {
        return lae_fail(LAE_ERR_ARG, "solve: weights a, b must be ≥ 0 and not both 0, got %g, %g",
                        obj->a, obj->b);
    }
    if (obj->kind == LAE_KIND_LAE && obj->p != 0.0) {
        return lae_fail(LAE_ERR_ARG, "solve: kind lae needs p = 0, got %g", obj->p);
    }
    if (obj->kind == LAE_KIND_DLAE && obj->a != obj->b) {
        return lae_fail(LAE_ERR_ARG, "solve: kind dlae needs a = b, got %g, %g", obj->a, obj->b);
    }
    if (!(opt->lambda >= 0.0 && isfinite(opt->lambda))) {
        return lae_fail(LAE_ERR_ARG, "solve: --lambda must be ≥ 0, got %g", opt->lambda);
    }
    if (opt->k == 0) {
        return lae_fail(LAE_ERR_ARG, "solve: rank k must be ≥ 1, got 0");
    }
    if (opt->bias && (gram->mu == NULL || gram->n == 0)) {
        return lae_fail(LAE_ERR_ARG, "solve: a bias needs the column means and n ≥ 1");
    }
    if (opt->grad_tol < 0.0 || opt->starts < 0 || opt->max_iter < 0) {
        return lae_fail(LAE_ERR_ARG, "solve: grad_tol, starts and max_iter must be ≥ 0");
    }
    return LAE_OK;
}

/*
 * Which features to keep. Why remove rather than rely on λ > 0: a constant feature j has
 * Gc_·j = 0, so the only terms of J that involve row j or column j of B are the ridge
 * (Λ_jj + λ)·B_j·² and, for B_jj, a coefficient that convexity makes ≥ 0; their minimum is at
 * zero. Removing j and restoring zeros is therefore the exact optimum for every λ ≥ 0 (the
 * minimum-norm one when λ = 0 leaves them free), while λ > 0 alone would change every other
 * entry. Without a bias, a non-zero constant column is an ordinary feature (it acts as an
 * intercept), so only zero columns count as constant.
 */
static size_t find_kept(const lae_gram_view *gram, int bias, size_t *kept) {
    size_t m = gram->m, count = 0;
    double n = gram->n > 0 ? (double)gram->n : 1.0;
    double scale = 0.0;

    for (size_t j = 0; j < m; j++) {
        scale = fmax(scale, gram->g[j * m + j] / n);
    }
    for (size_t j = 0; j < m; j++) {
        double spread = gram->g[j * m + j] / n;
        if (bias) {
            spread -= gram->mu[j] * gram->mu[j];
        }
        if (spread > CONSTANT_TOL * scale) {
            kept[count++] = j;
        }
    }
    return count;
}

static void quad_free(lae_quad *qd) {
    free(qd->gc);
    free(qd->a);
    free(qd->chol);
    free(qd->d);
    memset(qd, 0, sizeof *qd);
}

/* The reduced quadratic over the kept features; A's Cholesky factor if it has one. */
static lae_status quad_build(lae_quad *qd, const lae_gram_view *gram, const lae_objective *obj,
                             const lae_solve_options *opt, const size_t *kept, size_t mr) {
    size_t m = gram->m;
    double p = obj->p, q = 1.0 - p;
    double n = (double)gram->n;

    memset(qd, 0, sizeof *qd);
    qd->m = mr;
    qd->kappa = lae_emphasis_kappa(obj);
    qd->lambda = opt->lambda;
    qd->gc = malloc(mr * mr * sizeof *qd->gc);
    qd->a = malloc(mr * mr * sizeof *qd->a);
    qd->chol = malloc(mr * mr * sizeof *qd->chol);
    qd->d = malloc(mr * sizeof *qd->d);
    if (qd->gc == NULL || qd->a == NULL || qd->chol == NULL || qd->d == NULL) {
        quad_free(qd);
        return lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu", mr);
    }

    for (size_t r = 0; r < mr; r++) {
        size_t i = kept[r];
        for (size_t s = 0; s < mr; s++) {
            size_t j = kept[s];
            double gij = gram->g[i * m + j];
            if (opt->bias) {
                gij -= n * gram->mu[i] * gram->mu[j];
            }
            qd->gc[r * mr + s] = gij;
            qd->a[r * mr + s] = gij;
        }
    }
    for (size_t r = 0; r < mr; r++) {
        size_t j = kept[r];
        double gjj = gram->g[j * m + j]; /* Λ and d use the uncentred G dropout acts on */
        qd->a[r * mr + r] += p / q * gjj + opt->lambda;
        qd->d[r] = qd->kappa * (q - p) / q * gjj;
        if (opt->bias) {
            qd->d[r] -= n * qd->kappa * qd->kappa * gram->mu[j] * gram->mu[j];
        }
        qd->trace += qd->gc[r * mr + r];
    }

    double t0 = lae_seconds();
    memcpy(qd->chol, qd->a, mr * mr * sizeof *qd->chol);
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)mr, qd->chol, (int)mr) != 0) {
        free(qd->chol);
        qd->chol = NULL;
    }
    qd->t_factor += lae_seconds() - t0;
    return LAE_OK;
}

static lae_status need_chol(const lae_quad *qd) {
    if (qd->chol == NULL) {
        return lae_fail(LAE_ERR_NUMERIC,
                        "solve: A = G + Λ + λI (%zu×%zu, constant features removed) is not "
                        "positive definite; use p > 0 or --lambda > 0",
                        qd->m, qd->m);
    }
    return LAE_OK;
}

/* P = A⁻¹ (full symmetric) from the Cholesky factor. */
static lae_status inverse(lae_quad *qd, double *pinv) {
    size_t m = qd->m;
    double t0 = lae_seconds();

    memcpy(pinv, qd->chol, m * m * sizeof *pinv);
    if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (int)m, pinv, (int)m) != 0) {
        return lae_fail(LAE_ERR_NUMERIC, "solve: inverting A (%zu×%zu) failed", m, m);
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = i + 1; j < m; j++) {
            pinv[i * m + j] = pinv[j * m + i];
        }
    }
    qd->t_factor += lae_seconds() - t0;
    return LAE_OK;
}

/* Full rank, on the reduced problem: B (m×m) by the closed form that fits the objective. */
static lae_status full_rank(lae_quad *qd, const lae_objective *obj, double *b,
                            const char **method) {
    size_t m = qd->m;
    double *pinv = NULL;
    lae_status status = LAE_OK;

    /* LAE without ridge: the identity is optimal, whatever G's rank. */
    if (obj->kind == LAE_KIND_LAE && qd->lambda == 0.0) {
        *method = "lae-identity";
        memset(b, 0, m * m * sizeof *b);
        for (size_t j = 0; j < m; j++) {
            b[j * m + j] = 1.0;
        }
        return LAE_OK;
    }
    status = need_chol(qd);
    if (status != LAE_OK) {
        return status;
    }

    /* LAE with ridge, and DLAE: B = A⁻¹·Gc, one Cholesky solve with m right-hand sides. */
    if (obj->kind != LAE_KIND_EDLAE) {
        *method = obj->kind == LAE_KIND_LAE ? "lae-ridge" : "dlae-closed";
        memcpy(b, qd->gc, m * m * sizeof *b);
        double t0 = lae_seconds();
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (int)m, (int)m, qd->chol, (int)m, b, (int)m);
        qd->t_factor += lae_seconds() - t0;
        return LAE_OK;
    }

    pinv = malloc(m * m * sizeof *pinv);
    if (pinv == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu", m);
    }
    status = inverse(qd, pinv);
    if (status != LAE_OK) {
        goto fail;
    }

    /*
     * Column j of B lies in span{e_j, P_·j}. Writing it as x·e_j + y·(P_·j without entry j)
     * and minimising the two-variable quadratic gives, with τ_j = A_jj − 1/P_jj,
     *   x = (1 − κ)(Gc_jj − τ_j) / (A_jj − 2κ·Gc_jj + d_j − (1 − κ)²·τ_j),
     *   B_jj = x,  B_ij = φ_j·(−P_ij/P_jj) with φ_j = 1 − (1 − κ)·x.
     * For b = 0 (κ = 1) x = 0: the diagonal leaves the loss (λ = 0) or costs only λ.
     */
    *method = qd->kappa == 1.0 ? "edlae-closed-b0" : "edlae-closed-columns";
    for (size_t j = 0; j < m; j++) {
        double pjj = pinv[j * m + j];
        double ajj = qd->a[j * m + j], gjj = qd->gc[j * m + j];
        double tau = ajj - 1.0 / pjj;
        double x = 0.0;
        if (qd->kappa != 1.0) {
            double om = 1.0 - qd->kappa;
            double denom = ajj - 2.0 * qd->kappa * gjj + qd->d[j] - om * om * tau;
            if (!(denom > 0.0)) {
                status = lae_fail(LAE_ERR_NUMERIC,
                                  "solve: EDLAE column %zu has curvature %g ≤ 0; add --lambda",
                                  j, denom);
                goto fail;
            }
            x = om * (gjj - tau) / denom;
        }
        double phi = 1.0 - (1.0 - qd->kappa) * x;
        for (size_t i = 0; i < m; i++) {
            b[i * m + j] = i == j ? x : -phi * pinv[i * m + j] / pjj;
        }
    }

fail:
    free(pinv);
    return status;
}

/* The top-k eigenvectors (descending) of a symmetric m×m matrix (destroyed): w is m×k. */
static lae_status top_eigenvectors(lae_quad *qd, double *sym, size_t k, double *w) {
    size_t m = qd->m;
    double *vals = malloc(m * sizeof *vals);
    double *z = malloc(m * k * sizeof *z);
    lapack_int *support = malloc(2 * m * sizeof *support);
    lapack_int found = 0;
    lae_status status = LAE_OK;

    if (vals == NULL || z == NULL || support == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu", m);
        goto fail;
    }
    double t0 = lae_seconds();
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'L', (int)m, sym, (int)m, 0.0,
                                     0.0, (int)(m - k + 1), (int)m, 0.0, &found, vals, z, (int)k,
                                     support);
    qd->t_factor += lae_seconds() - t0;
    if (info != 0 || (size_t)found != k) {
        status = lae_fail(LAE_ERR_NUMERIC, "solve: dsyevr failed (info %d, %d of %zu found)",
                          (int)info, (int)found, k);
        goto fail;
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t r = 0; r < k; r++) {
            w[i * k + r] = z[i * k + (k - 1 - r)];
        }
    }

fail:
    free(support);
    free(z);
    free(vals);
    return status;
}

/*
 * Rank k < m with κ = 0: reduced-rank ridge regression. W = top-k eigenvectors of
 * Gc·A⁻¹·Gc = YᵀY with Y = L⁻¹·Gc (A = L·Lᵀ), then U = A⁻¹·Gc·W = L⁻ᵀ·(Y·W), V = W.
 * With p = 0 and λ = 0 this is PCA, done directly on Gc (which may be singular).
 */
static lae_status reduced_rank_ridge(lae_quad *qd, size_t k, double *u, double *v) {
    size_t m = qd->m;
    int im = (int)m, ik = (int)k;
    double *y = malloc(m * m * sizeof *y);
    double *sym = malloc(m * m * sizeof *sym);
    lae_status status = LAE_OK;

    if (y == NULL || sym == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu", m);
        goto fail;
    }
    memcpy(y, qd->gc, m * m * sizeof *y);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, im, im, 1.0,
                qd->chol, im, y, im);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, im, im, 1.0, y, im, 0.0, sym, im);
    status = top_eigenvectors(qd, sym, k, v);
    if (status != LAE_OK) {
        goto fail;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, im, ik, im, 1.0, y, im, v, ik, 0.0,
                u, ik);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, im, ik, 1.0,
                qd->chol, im, u, ik);

fail:
    free(sym);
    free(y);
    return status;
}

/* Rank k < m on the reduced problem: U, V m×k. */
static lae_status low_rank(lae_quad *qd, const lae_objective *obj, const lae_solve_options *opt,
                           size_t k, double *u, double *v, lae_solve_info *info,
                           char *method, size_t method_size) {
    size_t m = qd->m;
    lae_status status;

    /* Plain PCA: U = V = W_k. */
    if (obj->kind == LAE_KIND_LAE && qd->lambda == 0.0) {
        double *sym = malloc(m * m * sizeof *sym);
        if (sym == NULL) {
            return lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu", m);
        }
        memcpy(sym, qd->gc, m * m * sizeof *sym);
        status = top_eigenvectors(qd, sym, k, v);
        free(sym);
        memcpy(u, v, m * k * sizeof *u);
        snprintf(method, method_size, "lae-pca");
        return status;
    }

    if (obj->kind != LAE_KIND_EDLAE) {
        status = need_chol(qd);
        if (status == LAE_OK) {
            status = reduced_rank_ridge(qd, k, u, v);
        }
        snprintf(method, method_size, "%s", obj->kind == LAE_KIND_LAE ? "lae-ridge-rank-k"
                                                                      : "dlae-reduced-rank");
        return status;
    }

    /* EDLAE: descent, from the DLAE solution of the same p and λ when A has a factor. */
    int has_start = qd->chol != NULL;
    if (has_start) {
        status = reduced_rank_ridge(qd, k, u, v);
        if (status != LAE_OK) {
            return status;
        }
    }
    lae_bcd_options bopt = {
        .seed = opt->seed,
        .starts = opt->starts > 0 ? opt->starts : (obj->b == 0.0 ? 4 : 1),
        .max_iter = opt->max_iter > 0 ? opt->max_iter : 1000,
        .tol = opt->tol != 0.0 ? opt->tol : 1e-12,
        .grad_tol = opt->grad_tol > 0.0 ? opt->grad_tol : 1e-9,
        .dense_limit = opt->dense_limit > 0 ? opt->dense_limit : 1024,
        .on_step = opt->on_step,
        .step_ctx = opt->step_ctx,
    };
    int used_cg = 0;
    double j_best = 0.0;
    status = lae_bcd_solve(qd, k, u, v, has_start, &bopt, &info->iterations, &info->starts,
                           &j_best, &used_cg, &info->worst_undone);
    snprintf(method, method_size, "edlae-bcd (%s U-step)", used_cg ? "cg" : "dense");
    return status;
}

static lae_status solve_on_host(const lae_gram_view *gram, const lae_objective *obj,
                                const lae_solve_options *opt, lae_solution *sol,
                                lae_solve_info *info) {
    lae_solve_info local;
    lae_quad qd;
    size_t *kept = NULL;
    double *ur = NULL, *vr = NULL, *work = NULL, *b = NULL;
    lae_status status;
    double t_start = lae_seconds();

    memset(&qd, 0, sizeof qd);
    if (sol == NULL) {
        return lae_fail(LAE_ERR_ARG, "solve: no solution to fill");
    }
    memset(sol, 0, sizeof *sol);
    if (info == NULL) {
        info = &local;
    }
    memset(info, 0, sizeof *info);
    status = check_arguments(gram, obj, opt);
    if (status != LAE_OK) {
        return status;
    }

    /* Constant features out; the reduced problem has mr features and rank kr. */
    size_t m = gram->m;
    kept = malloc(m * sizeof *kept);
    if (kept == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu", m);
    }
    size_t mr = find_kept(gram, opt->bias, kept);
    size_t k = opt->k < m ? opt->k : m;
    int full = k >= mr;
    size_t kr = full ? mr : k;
    info->n_constant = m - mr;
    if (info->n_constant > 0) {
        lae_log_info("solve", "%zu of %zu features are constant; solved without them",
                     info->n_constant, m);
    }

    sol->m = m;
    sol->k = k;
    sol->u = calloc(m * k, sizeof *sol->u);
    sol->v = calloc(m * k, sizeof *sol->v);
    sol->c = calloc(m, sizeof *sol->c);
    ur = calloc(mr * kr + 1, sizeof *ur);
    vr = calloc(mr * kr + 1, sizeof *vr);
    work = malloc((4 * mr * mr + 1) * sizeof *work);
    b = malloc(m * m * sizeof *b);
    if (sol->u == NULL || sol->v == NULL || sol->c == NULL || ur == NULL || vr == NULL
        || work == NULL || b == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "solve: out of memory for m = %zu, k = %zu", m, k);
        goto fail;
    }

    /* Solve on the reduced problem. Full rank gives U = B, V = I there. */
    if (mr > 0) {
        status = quad_build(&qd, gram, obj, opt, kept, mr);
        if (status != LAE_OK) {
            goto fail;
        }
        if (full) {
            const char *method = "";
            status = full_rank(&qd, obj, ur, &method);
            snprintf(info->method, sizeof info->method, "%s", method);
            for (size_t j = 0; j < mr; j++) {
                vr[j * mr + j] = 1.0;
            }
        } else {
            status = low_rank(&qd, obj, opt, kr, ur, vr, info, info->method,
                              sizeof info->method);
        }
        if (status != LAE_OK) {
            goto fail;
        }
        info->objective = full ? lae_quad_objective_full(&qd, ur, work)
                               : lae_quad_objective(&qd, ur, vr, kr, work);
    } else {
        snprintf(info->method, sizeof info->method, "all-constant");
    }

    /* Back to m features: rows of U and V at the kept indices. At full rank with k = m the
     * factors are U = B and V = I; with mr ≤ k < m, V selects the kept features. */
    for (size_t r = 0; r < mr; r++) {
        for (size_t s = 0; s < kr; s++) {
            sol->u[kept[r] * k + s] = ur[r * kr + s];
            sol->v[kept[r] * k + s] = vr[r * kr + s];
        }
    }
    if (full && k == m) {
        memset(sol->u, 0, m * m * sizeof *sol->u);
        memset(sol->v, 0, m * m * sizeof *sol->v);
        for (size_t r = 0; r < mr; r++) {
            for (size_t s = 0; s < mr; s++) {
                sol->u[kept[r] * m + kept[s]] = ur[r * mr + s];
            }
        }
        for (size_t j = 0; j < m; j++) {
            sol->v[j * m + j] = 1.0;
        }
    }

    /* The bias and the exact expected loss, from the full B (U itself when V = I). */
    if (full && k == m) {
        memcpy(b, sol->u, m * m * sizeof *b);
    } else {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)m, (int)k, 1.0,
                    sol->u, (int)k, sol->v, (int)k, 0.0, b, (int)m);
    }
    if (opt->bias) {
        lae_optimal_bias(gram->mu, m, b, obj, sol->c);
        info->expected_loss = lae_expected_loss_bias(gram->g, gram->mu, gram->n, m, b, sol->c,
                                                     obj);
    } else {
        info->expected_loss = lae_expected_loss(gram->g, m, b, obj);
    }
    /* Both are expectations of squares (and a ridge): a value below 0 is the rounding of
     * terms that cancel, as at the identity, whose loss is 0. */
    if (info->expected_loss < 0.0) {
        info->expected_loss = 0.0;
    }
    if (info->objective < 0.0) {
        info->objective = 0.0;
    }
    if (!isfinite(info->expected_loss) || !isfinite(info->objective)) {
        status = lae_fail(LAE_ERR_NUMERIC, "solve: %s gave a non-finite loss (%g, J = %g)",
                          info->method, info->expected_loss, info->objective);
        goto fail;
    }
    info->t_factor = qd.t_factor;
    info->t_rest = lae_seconds() - t_start - qd.t_factor;
    lae_log_info("solve", "%s, rank %zu, %zu constant: J = %.15g, E[L] = %.15g (%.3f s + %.3f s)",
                 info->method, k, info->n_constant, info->objective, info->expected_loss,
                 info->t_factor, info->t_rest);

fail:
    if (status != LAE_OK) {
        lae_solution_free(sol);
    }
    free(b);
    free(work);
    free(vr);
    free(ur);
    free(kept);
    quad_free(&qd);
    return status;
}

/*
 * The host BLAS may have been set to one thread for the device's sake (src/cl/host_pool.h);
 * the dense algebra of a large solve runs alone, so it gets every core, and the setting is
 * restored afterwards. Small problems stay single-threaded: there, waking threads costs more
 * than it saves.
 */
lae_status lae_solve(const lae_gram_view *gram, const lae_objective *obj,
                     const lae_solve_options *opt, lae_solution *sol, lae_solve_info *info) {
    enum { THREADED_FROM_M = 256 };
    int previous = openblas_get_num_threads();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    if (gram != NULL && gram->m >= THREADED_FROM_M && cores > previous) {
        openblas_set_num_threads((int)cores);
    }
    lae_status status = solve_on_host(gram, obj, opt, sol, info);
    openblas_set_num_threads(previous);
    return status;
}
