/*
 * Shared between the files of src/solve/: the quadratic that every solver minimises.
 *
 * After constant features are removed and the bias is eliminated (c = c*(B)), every objective
 * of lae is, over the m kept features (MATH.md, "EDLAE low rank", with a bias worked in):
 *   J(B) = tr Gc − 2 tr(Gc·B) + tr(Bᵀ·A·B) + 2κ·Σ_j B_jj·(Gc − Gc·B)_jj + Σ_j d_j·B_jj²
 * with Gc = G (no bias) or G − n·μμᵀ (bias), A = Gc + Λ + λI, Λ = (p/q)·diag(G) of the
 * uncentred G, and d_j = κ(q − p)/q·G_jj − [bias]·n·κ²·μ_j². J = E[L]/w + λ‖B‖².
 * Not a public interface.
 */
#ifndef LAE_SOLVE_INTERNAL_H
#define LAE_SOLVE_INTERNAL_H

#include <stddef.h>

#include "lae/clock.h"
#include "lae/solve.h"

typedef struct {
    size_t m;      /* features kept */
    double *gc;    /* m×m: G, or the centred G with a bias */
    double *a;     /* m×m: Gc + Λ + λI */
    double *chol;  /* m×m: lower Cholesky factor of A, NULL when A is not positive definite */
    double *d;     /* m: coefficient of B_jj² */
    double kappa;  /* p(a − b)/w, 1 when b = 0 */
    double lambda; /* extra ridge */
    double trace;  /* tr Gc */
    double t_factor; /* seconds spent in factorisations, accumulated */
} lae_quad;

/* κ of an objective: p(a − b)/w, and 1 when b = 0 (also the p → 0 limit, where w = 0). */
double lae_emphasis_kappa(const lae_objective *obj);

/* J(B) for a full-rank B (m×m): lae_quad_objective with U = B and V = I, in one symmetric
 * product instead of four; needs m·m doubles of work. */
double lae_quad_objective_full(const lae_quad *qd, const double *b, double *work);

/* J(U·Vᵀ) for U, V m×k; needs 2·m·k + 2·k·k doubles of work. */
double lae_quad_objective(const lae_quad *qd, const double *u, const double *v, size_t k,
                          double *work);

typedef struct {
    uint64_t seed;
    int starts;
    int max_iter;
    double tol;
    double grad_tol;
    size_t dense_limit;
    lae_solve_step_fn on_step;
    void *step_ctx;
} lae_bcd_options;

/*
 * Block-coordinate descent for rank k < m. On entry u, v (m×k) hold the DLAE start, or
 * has_start is 0 and every start is random. On return they hold the best start's result.
 * A block step that raises J by more than ROUNDING_SLACK·J is undone; *worst_undone is the
 * largest such rise relative to J (0 if none). Exact block minimisers only ever show J's own
 * rounding there, which its cancelling terms put near 1e-10 at convergence; much more means
 * a wrong step.
 */
lae_status lae_bcd_solve(lae_quad *qd, size_t k, double *u, double *v, int has_start,
                         const lae_bcd_options *opt, int *iterations, int *starts_run,
                         double *objective, int *used_cg, double *worst_undone);

#endif
