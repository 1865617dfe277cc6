/*
 * Block-coordinate descent for the low-rank objective J(U·Vᵀ) of src/solve/internal.h.
 *
 * Each sweep is an exact V-step (one k×k solve per output j, MATH.md "EDLAE low rank") and an
 * exact U-step: a dense mk×mk solve when m·k is small, otherwise preconditioned conjugate
 * gradients with Hessian-vector products, started from the current U; then an extrapolation
 * along the sweep, taken only when it lowers J. Each minimises J over its block or line, so J
 * never increases but by rounding (≈1e-16·J, which the stopping rule has to live with). U is
 * re-orthonormalised
 * every few sweeps (B unchanged) to keep UᵀAU well conditioned.
 * Stopping rule: the relative gradient (see relative_gradient) below grad_tol, a sweep that
 * lowers J by less than tol·J (unless tol < 0), or max_iter sweeps, whichever comes first.
 */
#include "solve/internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "lae/log.h"

#define CG_MAX_ITER 1000
#define CG_REL_TOL 1e-13
/* A block step that raises J by more than this share of J is undone (rounding is far less). */
#define ROUNDING_SLACK 1e-12

/* splitmix64, then Box–Muller: a small generator of our own for the random starts. */
static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double next_gauss(uint64_t *state) {
    double u1 = ((double)(next_u64(state) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(next_u64(state) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* Workspace of one descent, sized once. */
typedef struct {
    double *au, *gu, *t, *s;       /* m×k each (gu: scratch of the gradient), k×k */
    double *mj, *rhs;              /* k×k, k */
    double *vv, *lv, *r, *x;       /* k×k, k×k, m×k, m×k */
    double *cg_r, *cg_z, *cg_p, *cg_hp, *w1, *w2; /* m×k each */
    double *tau, *rr;              /* k, k×k */
    double *h;                     /* (mk)² for the dense U-step, or NULL */
    double *obj_work;              /* 2·m·k + 2·k·k */
    double worst_undone;           /* largest relative rise of J that a step was undone for */
} workspace;

/* V-step: for every output j, v_j = M_j⁻¹·(t_j − κ·Gc_jj·u_j). */
static lae_status v_step(const lae_quad *qd, size_t k, const double *u, double *v,
                         workspace *ws) {
    size_t m = qd->m;
    int im = (int)m, ik = (int)k;

    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->a, im, u, ik, 0.0,
                ws->au, ik);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ik, ik, im, 1.0, u, ik, ws->au, ik,
                0.0, ws->s, ik);
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->gc, im, u, ik, 0.0,
                ws->t, ik);

    for (size_t j = 0; j < m; j++) {
        const double *uj = u + j * k, *tj = ws->t + j * k;
        double gjj = qd->gc[j * m + j];
        for (size_t r = 0; r < k; r++) {
            for (size_t s = 0; s < k; s++) {
                ws->mj[r * k + s] = ws->s[r * k + s]
                                    - qd->kappa * (uj[r] * tj[s] + tj[r] * uj[s])
                                    + qd->d[j] * uj[r] * uj[s];
            }
            ws->rhs[r] = tj[r] - qd->kappa * gjj * uj[r];
        }
        lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', ik, 1, ws->mj, ik, ws->rhs, 1);
        if (info != 0) {
            return lae_fail(LAE_ERR_NUMERIC,
                            "BCD V-step: the %zu×%zu system of output %zu is not positive "
                            "definite (dposv info %d); add --lambda > 0",
                            k, k, j, (int)info);
        }
        memcpy(v + j * k, ws->rhs, k * sizeof *v);
    }
    return LAE_OK;
}

/*
 * The U-step's Hessian (halved) applied to x (m×k):
 *   A·x·VᵀV − κ·[Gc·(e ⊙ V) + f ⊙ V] + d ⊙ e ⊙ V,  e_j = x_j·v_j, f_i = (Gc·x)_i·v_i,
 * where "e ⊙ V" scales row j of V by e_j.
 */
static void hessian_apply(const lae_quad *qd, size_t k, const double *v, const double *x,
                          double *out, workspace *ws) {
    size_t m = qd->m;
    int im = (int)m, ik = (int)k;

    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->a, im, x, ik, 0.0,
                ws->w1, ik);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, im, ik, ik, 1.0, ws->w1, ik, ws->vv,
                ik, 0.0, out, ik);

    for (size_t j = 0; j < m; j++) {
        double e = 0.0;
        for (size_t r = 0; r < k; r++) {
            e += x[j * k + r] * v[j * k + r];
        }
        for (size_t r = 0; r < k; r++) {
            ws->w2[j * k + r] = e * v[j * k + r];
            out[j * k + r] += qd->d[j] * e * v[j * k + r];
        }
    }
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, -qd->kappa, qd->gc, im, ws->w2,
                ik, 1.0, out, ik);

    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->gc, im, x, ik, 0.0,
                ws->w1, ik);
    for (size_t i = 0; i < m; i++) {
        double f = 0.0;
        for (size_t r = 0; r < k; r++) {
            f += ws->w1[i * k + r] * v[i * k + r];
        }
        for (size_t r = 0; r < k; r++) {
            out[i * k + r] -= qd->kappa * f * v[i * k + r];
        }
    }
}

/* z = A⁻¹·r·(VᵀV)⁻¹, the Kronecker preconditioner; identity where a factor is missing. */
static void precondition(const lae_quad *qd, size_t k, int have_lv, const double *r,
                         double *z, const workspace *ws) {
    size_t m = qd->m;
    memcpy(z, r, m * k * sizeof *z);
    if (qd->chol != NULL) {
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (int)m, (int)k, qd->chol, (int)m, z, (int)k);
    }
    if (have_lv) {
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)m,
                    (int)k, 1.0, ws->lv, (int)k, z, (int)k);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)m,
                    (int)k, 1.0, ws->lv, (int)k, z, (int)k);
    }
}

/* Dense U-step: builds the mk×mk blocks H_ij/2 of MATH.md and solves; 0 on success. */
static int u_step_dense(const lae_quad *qd, size_t k, const double *v, double *u,
                        workspace *ws) {
    size_t m = qd->m, mk = m * k;
    double *h = ws->h;

    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double aij = qd->a[i * m + j], gij = qd->gc[i * m + j];
            for (size_t r = 0; r < k; r++) {
                for (size_t s = 0; s < k; s++) {
                    double outer = v[j * k + r] * v[j * k + s] + v[i * k + r] * v[i * k + s];
                    double val = aij * ws->vv[r * k + s] - qd->kappa * gij * outer;
                    if (i == j) {
                        val += qd->d[i] * v[i * k + r] * v[i * k + s];
                    }
                    h[(i * k + r) * mk + j * k + s] = val;
                }
            }
        }
    }
    memcpy(ws->x, ws->r, mk * sizeof *u);
    if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (int)mk, 1, h, (int)mk, ws->x, 1) != 0) {
        return -1;
    }
    memcpy(u, ws->x, mk * sizeof *u);
    return 0;
}

/* Preconditioned conjugate gradients on (H/2)·U = R, from the current U. */
static void u_step_cg(const lae_quad *qd, size_t k, const double *v, double *u, workspace *ws) {
    size_t m = qd->m, mk = m * k;
    int have_lv;

    memcpy(ws->lv, ws->vv, k * k * sizeof *ws->lv);
    have_lv = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)k, ws->lv, (int)k) == 0;

    hessian_apply(qd, k, v, u, ws->cg_hp, ws);
    double rhs_norm = cblas_dnrm2((int)mk, ws->r, 1);
    for (size_t i = 0; i < mk; i++) {
        ws->cg_r[i] = ws->r[i] - ws->cg_hp[i];
    }
    precondition(qd, k, have_lv, ws->cg_r, ws->cg_z, ws);
    memcpy(ws->cg_p, ws->cg_z, mk * sizeof *u);
    double rz = cblas_ddot((int)mk, ws->cg_r, 1, ws->cg_z, 1);

    for (int it = 0; it < CG_MAX_ITER; it++) {
        if (cblas_dnrm2((int)mk, ws->cg_r, 1) <= CG_REL_TOL * rhs_norm || rz <= 0.0) {
            break;
        }
        hessian_apply(qd, k, v, ws->cg_p, ws->cg_hp, ws);
        double php = cblas_ddot((int)mk, ws->cg_p, 1, ws->cg_hp, 1);
        if (!(php > 0.0)) {
            break; /* a direction of zero curvature: J is flat along it */
        }
        double alpha = rz / php;
        cblas_daxpy((int)mk, alpha, ws->cg_p, 1, u, 1);
        cblas_daxpy((int)mk, -alpha, ws->cg_hp, 1, ws->cg_r, 1);
        precondition(qd, k, have_lv, ws->cg_r, ws->cg_z, ws);
        double rz_next = cblas_ddot((int)mk, ws->cg_r, 1, ws->cg_z, 1);
        double beta = rz_next / rz;
        rz = rz_next;
        for (size_t i = 0; i < mk; i++) {
            ws->cg_p[i] = ws->cg_z[i] + beta * ws->cg_p[i];
        }
    }
}

/* U = Q·R (m×k, k ≤ m) and V ← V·Rᵀ: B = U·Vᵀ is unchanged, U becomes orthonormal. */
static void orthonormalise(double *u, double *v, size_t m, size_t k, double *tau, double *rr) {
    int im = (int)m, ik = (int)k;

    if (LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, im, ik, u, ik, tau) != 0) {
        return;
    }
    for (size_t r = 0; r < k; r++) {
        for (size_t s = 0; s < k; s++) {
            rr[r * k + s] = s >= r ? u[r * k + s] : 0.0;
        }
    }
    LAPACKE_dorgqr(LAPACK_ROW_MAJOR, im, ik, ik, u, ik, tau);
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans, CblasNonUnit, im, ik, 1.0,
                rr, ik, v, ik);
}

/* U-step: the exact minimiser of J over U for the current V. */
static void u_step(const lae_quad *qd, size_t k, double *u, double *v, workspace *ws,
                   int *used_cg) {
    size_t m = qd->m;
    int im = (int)m, ik = (int)k;

    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ik, ik, im, 1.0, v, ik, v, ik, 0.0,
                ws->vv, ik);
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->gc, im, v, ik, 0.0,
                ws->r, ik);
    for (size_t i = 0; i < m; i++) {
        for (size_t r = 0; r < k; r++) {
            ws->r[i * k + r] -= qd->kappa * qd->gc[i * m + i] * v[i * k + r];
        }
    }
    if (ws->h == NULL || u_step_dense(qd, k, v, u, ws) != 0) {
        *used_cg = 1;
        u_step_cg(qd, k, v, u, ws);
    }
}

static void workspace_free(workspace *ws) {
    double *all[] = {ws->au, ws->gu, ws->t, ws->s, ws->mj, ws->rhs, ws->vv, ws->lv, ws->r,
                     ws->x, ws->cg_r, ws->cg_z, ws->cg_p, ws->cg_hp, ws->w1, ws->w2, ws->tau,
                     ws->rr, ws->h, ws->obj_work};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free(all[i]);
    }
    memset(ws, 0, sizeof *ws);
}

static lae_status workspace_alloc(workspace *ws, size_t m, size_t k, size_t dense_limit) {
    size_t mk = m * k;
    double **mks[] = {&ws->au, &ws->gu, &ws->t, &ws->r, &ws->x, &ws->cg_r, &ws->cg_z,
                      &ws->cg_p, &ws->cg_hp, &ws->w1, &ws->w2};
    double **kks[] = {&ws->s, &ws->mj, &ws->vv, &ws->lv, &ws->rr};
    int failed = 0;

    memset(ws, 0, sizeof *ws);
    for (size_t i = 0; i < sizeof mks / sizeof mks[0]; i++) {
        failed |= (*mks[i] = malloc(mk * sizeof(double))) == NULL;
    }
    for (size_t i = 0; i < sizeof kks / sizeof kks[0]; i++) {
        failed |= (*kks[i] = malloc(k * k * sizeof(double))) == NULL;
    }
    failed |= (ws->rhs = malloc(k * sizeof(double))) == NULL;
    failed |= (ws->tau = malloc(k * sizeof(double))) == NULL;
    failed |= (ws->obj_work = malloc((2 * mk + 2 * k * k) * sizeof(double))) == NULL;
    if (mk <= dense_limit) {
        failed |= (ws->h = malloc(mk * mk * sizeof(double))) == NULL;
    }
    if (failed) {
        workspace_free(ws);
        return lae_fail(LAE_ERR_NOMEM, "BCD: out of memory for m = %zu, k = %zu", m, k);
    }
    return LAE_OK;
}

/*
 * ‖∇_V J‖ / (‖∇_B J(0)‖·‖U‖), the stationarity measure of the stopping rule (∇_U J = 0 right
 * after an exact U-step). Row j of ∇_V J/2 is
 *   (V·UᵀAU)_j − t_j + κ·(Gc_jj·u_j − B_jj·t_j − (t_j·v_j)·u_j) + d_j·B_jj·u_j,  t = Gc·U.
 */
static double relative_gradient(const lae_quad *qd, size_t k, const double *u, const double *v,
                                double grad0, workspace *ws) {
    size_t m = qd->m;
    int im = (int)m, ik = (int)k;
    double sum = 0.0, unorm = 0.0;

    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->a, im, u, ik, 0.0,
                ws->au, ik);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ik, ik, im, 1.0, u, ik, ws->au, ik,
                0.0, ws->s, ik);
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, im, ik, 1.0, qd->gc, im, u, ik, 0.0,
                ws->t, ik);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, im, ik, ik, 1.0, v, ik, ws->s, ik,
                0.0, ws->gu, ik);
    for (size_t j = 0; j < m; j++) {
        const double *uj = u + j * k, *vj = v + j * k, *tj = ws->t + j * k;
        double bjj = 0.0, gbjj = 0.0;
        for (size_t r = 0; r < k; r++) {
            bjj += uj[r] * vj[r];
            gbjj += tj[r] * vj[r];
        }
        for (size_t r = 0; r < k; r++) {
            double g = ws->gu[j * k + r] - tj[r]
                       + qd->kappa * (qd->gc[j * m + j] * uj[r] - bjj * tj[r] - gbjj * uj[r])
                       + qd->d[j] * bjj * uj[r];
            sum += 4.0 * g * g;
            unorm += uj[r] * uj[r];
        }
    }
    return sqrt(sum) / (grad0 * sqrt(unorm));
}

/*
 * Extrapolation along the last sweep, (U, V) + s·(ΔU, ΔV), s ≥ 0. J is a quartic in s (B is
 * quadratic in s, J quadratic in B): it is interpolated at s = −1, 0, 1, 2, 3, minimised on
 * [0, EXTRAP_MAX] by sampling, and the point is taken only if J really decreases there. This
 * speeds up descent where alternating steps zig-zag (b = 0, whose loss ignores diag(B)).
 */
#define EXTRAP_MAX 20.0
#define EXTRAP_SAMPLES 4000

static double extrapolate(const lae_quad *qd, size_t k, double *u, double *v,
                          const double *prev_u, const double *prev_v, double j_now,
                          workspace *ws, double *try_u, double *try_v) {
    size_t mk = qd->m * k;
    const double nodes[5] = {-1.0, 0.0, 1.0, 2.0, 3.0};
    double vals[5], coef[5], vander[25];

    for (int t = 0; t < 5; t++) {
        if (nodes[t] == 0.0) {
            vals[t] = j_now;
        } else {
            for (size_t i = 0; i < mk; i++) {
                try_u[i] = u[i] + nodes[t] * (u[i] - prev_u[i]);
                try_v[i] = v[i] + nodes[t] * (v[i] - prev_v[i]);
            }
            vals[t] = lae_quad_objective(qd, try_u, try_v, k, ws->obj_work);
        }
        for (int e = 0; e < 5; e++) {
            vander[t * 5 + e] = pow(nodes[t], e);
        }
        coef[t] = vals[t];
    }
    lapack_int pivots[5];
    if (LAPACKE_dgesv(LAPACK_ROW_MAJOR, 5, 1, vander, 5, pivots, coef, 1) != 0) {
        return j_now;
    }
    double best_s = 0.0, best = j_now;
    for (int i = 1; i <= EXTRAP_SAMPLES; i++) {
        double sv = EXTRAP_MAX * i / EXTRAP_SAMPLES;
        double f = coef[0] + sv * (coef[1] + sv * (coef[2] + sv * (coef[3] + sv * coef[4])));
        if (f < best) {
            best = f;
            best_s = sv;
        }
    }
    if (best_s == 0.0) {
        return j_now;
    }
    for (size_t i = 0; i < mk; i++) {
        try_u[i] = u[i] + best_s * (u[i] - prev_u[i]);
        try_v[i] = v[i] + best_s * (v[i] - prev_v[i]);
    }
    double j_try = lae_quad_objective(qd, try_u, try_v, k, ws->obj_work);
    if (!(j_try < j_now)) {
        return j_now;
    }
    memcpy(u, try_u, mk * sizeof *u);
    memcpy(v, try_v, mk * sizeof *v);
    return j_try;
}

/* Every this many sweeps U is re-orthonormalised (B unchanged) instead of extrapolated. */
#define REORTHO_EVERY 25

/* Buffers of one start, m×k each. */
typedef struct {
    double *prev_u, *prev_v, *save_u, *try_u, *try_v;
} start_buffers;

/* One start: sweeps from (u, v) until the stopping rule; returns the final J in *objective. */
static lae_status descend(const lae_quad *qd, size_t k, double *u, double *v, int start,
                          const lae_bcd_options *opt, workspace *ws, const start_buffers *sb,
                          int *iterations, double *objective, int *used_cg) {
    size_t mk = qd->m * k;
    double j_old = lae_quad_objective(qd, u, v, k, ws->obj_work);
    int step = 0, it;
    lae_status status;

    /* ‖∇_B J(0)‖ = ‖2·(κ·diag(Gc) − Gc)‖, the scale of the gradient measure. */
    double grad0 = 0.0;
    for (size_t i = 0; i < qd->m; i++) {
        for (size_t j = 0; j < qd->m; j++) {
            double g = (i == j ? qd->kappa * qd->gc[i * qd->m + i] : 0.0) - qd->gc[i * qd->m + j];
            grad0 += 4.0 * g * g;
        }
    }
    grad0 = grad0 > 0.0 ? sqrt(grad0) : 1.0;

    if (opt->on_step != NULL) {
        opt->on_step(opt->step_ctx, start, step, j_old);
    }
    for (it = 1; it <= opt->max_iter; it++) {
        double j_sweep = j_old;
        memcpy(sb->prev_u, u, mk * sizeof *u);
        memcpy(sb->prev_v, v, mk * sizeof *v);

        /* V-step, then U-step. Each is an exact block minimiser, so J cannot rise but by
         * rounding; a real rise (numerical trouble) undoes the step. */
        status = v_step(qd, k, u, v, ws);
        if (status != LAE_OK) {
            return status;
        }
        double j_new = lae_quad_objective(qd, u, v, k, ws->obj_work);
        if (j_new > j_old + ROUNDING_SLACK * fabs(j_old)) {
            ws->worst_undone = fmax(ws->worst_undone, (j_new - j_old) / fabs(j_old));
            memcpy(v, sb->prev_v, mk * sizeof *v);
            j_new = j_old;
        }
        j_old = j_new;
        if (opt->on_step != NULL) {
            opt->on_step(opt->step_ctx, start, ++step, j_old);
        }

        memcpy(sb->save_u, u, mk * sizeof *u);
        u_step(qd, k, u, v, ws, used_cg);
        j_new = lae_quad_objective(qd, u, v, k, ws->obj_work);
        if (j_new > j_old + ROUNDING_SLACK * fabs(j_old)) {
            ws->worst_undone = fmax(ws->worst_undone, (j_new - j_old) / fabs(j_old));
            memcpy(u, sb->save_u, mk * sizeof *u);
            j_new = j_old;
        }
        j_old = j_new;
        if (opt->on_step != NULL) {
            opt->on_step(opt->step_ctx, start, ++step, j_old);
        }
        double rel_grad = relative_gradient(qd, k, u, v, grad0, ws);
        if (rel_grad <= opt->grad_tol) {
            break; /* stationary: ∇_U J = 0 after the U-step, ∇_V J is small */
        }

        /* Extrapolate along the sweep, or re-orthonormalise U now and then. */
        if (it % REORTHO_EVERY == 0) {
            orthonormalise(u, v, qd->m, k, ws->tau, ws->rr);
        } else {
            j_old = extrapolate(qd, k, u, v, sb->prev_u, sb->prev_v, j_old, ws, sb->try_u,
                                sb->try_v);
            if (opt->on_step != NULL) {
                opt->on_step(opt->step_ctx, start, ++step, j_old);
            }
        }

        if (!isfinite(j_old)) {
            return lae_fail(LAE_ERR_NUMERIC, "BCD start %d: objective became %g", start, j_old);
        }
        if (it % 50 == 0) {
            lae_log_debug("solve", "BCD start %d, sweep %d: J = %.15g, relative gradient %.2e",
                          start, it, j_old, rel_grad);
        }
        if (opt->tol >= 0.0 && j_sweep - j_old <= opt->tol * fmax(fabs(j_old), DBL_MIN)) {
            break;
        }
    }
    *iterations = it > opt->max_iter ? opt->max_iter : it;
    lae_log_debug("solve", "BCD start %d stopped after %d sweeps: J = %.15g, relative gradient "
                  "%.2e", start, *iterations, j_old, relative_gradient(qd, k, u, v, grad0, ws));
    *objective = j_old;
    return LAE_OK;
}

lae_status lae_bcd_solve(lae_quad *qd, size_t k, double *u, double *v, int has_start,
                         const lae_bcd_options *opt, int *iterations, int *starts_run,
                         double *objective, int *used_cg, double *worst_undone) {
    size_t m = qd->m, mk = m * k;
    uint64_t rng = opt->seed;
    workspace ws;
    double *cur_u = NULL, *cur_v = NULL, *bufs = NULL;
    start_buffers sb;
    double best = INFINITY;
    lae_status status = workspace_alloc(&ws, m, k, opt->dense_limit);

    if (status != LAE_OK) {
        return status;
    }
    cur_u = malloc(mk * sizeof *cur_u);
    cur_v = malloc(mk * sizeof *cur_v);
    bufs = malloc(5 * mk * sizeof *bufs);
    if (cur_u == NULL || cur_v == NULL || bufs == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "BCD: out of memory for m = %zu, k = %zu", m, k);
        goto fail;
    }

    sb.prev_u = bufs;
    sb.prev_v = bufs + mk;
    sb.save_u = bufs + 2 * mk;
    sb.try_u = bufs + 3 * mk;
    sb.try_v = bufs + 4 * mk;
    *starts_run = 0;
    for (int start = 0; start < opt->starts; start++) {
        int iters = 0;
        double j_start = INFINITY;

        /* Start 0 is the given (DLAE) solution; the others are random orthonormal U, V = 0. */
        if (start == 0 && has_start) {
            memcpy(cur_u, u, mk * sizeof *u);
            memcpy(cur_v, v, mk * sizeof *v);
        } else {
            for (size_t i = 0; i < mk; i++) {
                cur_u[i] = next_gauss(&rng);
                cur_v[i] = 0.0;
            }
        }
        orthonormalise(cur_u, cur_v, m, k, ws.tau, ws.rr);

        status = descend(qd, k, cur_u, cur_v, start, opt, &ws, &sb, &iters, &j_start, used_cg);
        if (status != LAE_OK) {
            goto fail;
        }
        (*starts_run)++;
        lae_log_info("solve", "BCD start %d/%d (%s): J = %.15g after %d sweeps", start + 1,
                     opt->starts, start == 0 && has_start ? "from DLAE" : "random", j_start,
                     iters);
        if (j_start < best) {
            best = j_start;
            *iterations = iters;
            memcpy(u, cur_u, mk * sizeof *u);
            memcpy(v, cur_v, mk * sizeof *v);
        }
    }
    *objective = best;
    *worst_undone = ws.worst_undone;

fail:
    free(bufs);
    free(cur_v);
    free(cur_u);
    workspace_free(&ws);
    return status;
}
