/*
 * Host-side mathematics of linear autoencoders, in double precision: the exact expected loss of
 * any B under dropout and emphasis, the closed-form and block-coordinate-descent solutions, and
 * the measures that compare a model with the solved optimum.
 *
 * Everything here works from the Gram matrix G = XᵀX (m×m), the column means μ (m) and n; it
 * never sees X or a mask. It follows /work/shared/MATH.md (Steck, NeurIPS 2020) with inverted
 * dropout and the loss summed over entries. Matrices are row-major doubles. It does not train
 * and holds no OpenCL state; dense algebra goes through LAPACKE and CBLAS.
 */
#ifndef LAE_SOLVE_H
#define LAE_SOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "lae/model.h"
#include "lae/status.h"

/*
 * The sufficient statistics of the data, borrowed (never freed here): g is G = XᵀX, m×m
 * row-major and symmetric; mu the m column means of X, or NULL when no bias is wanted; n the
 * number of examples (only used with a bias).
 */
typedef struct {
    const double *g;
    const double *mu;
    size_t n;
    size_t m;
} lae_gram_view;

/*
 * The exact expected loss E[L] of MATH.md, summed over all n·m entries, of the reconstruction
 * Z·B with inverted dropout, for any m×m B (row-major) and any (p, a, b) in obj; no bias.
 * Costs one m×m×m product. Returns NaN if an argument is NULL or p is outside [0, 1).
 */
double lae_expected_loss(const double *g, size_t m, const double *b, const lae_objective *obj);

/*
 * The same with a bias c (m): residual X − Z·B − 1·cᵀ. Needs μ and n besides G:
 * E[L](B, c) = E[L](B) − 2n·Σ_j c_j·[w·((I − B)ᵀμ)_j + p(a − b)·μ_j·B_jj] + n·w·‖c‖².
 * Returns NaN on a NULL argument or p outside [0, 1).
 */
double lae_expected_loss_bias(const double *g, const double *mu, size_t n, size_t m,
                              const double *b, const double *c, const lae_objective *obj);

/*
 * The bias that minimises E[L](B, c) for a given B: c = (I − B)ᵀμ + κ·diag(B)⊙μ with
 * κ = p(a − b)/w (κ = 1 when b = 0). Writes m values to c_out.
 */
void lae_optimal_bias(const double *mu, size_t m, const double *b, const lae_objective *obj,
                      double *c_out);

/*
 * Progress of block-coordinate descent: called with step 0 at each start (0-based), then after
 * every V-step, U-step and extrapolation, with the objective J reached.
 */
typedef void (*lae_solve_step_fn)(void *ctx, int start, int step, double objective);

typedef struct {
    size_t k;           /* rank; k ≥ m asks for full rank */
    double lambda;      /* extra ridge λ ≥ 0: J = E[L]/w + λ·‖B‖² is what is minimised */
    int bias;           /* 1: fit a bias c as well (needs μ and n) */
    uint64_t seed;      /* random starts of block-coordinate descent */
    int starts;         /* BCD starts; 0: 1 when b > 0, 4 when b = 0 */
    int max_iter;       /* BCD sweeps (V-step then U-step) per start; 0: 1000 */
    double tol;         /* stop when a sweep lowers J by less than tol·J; 0: 1e-12, < 0: never */
    double grad_tol;    /* or when ‖∇_V J‖/(‖∇_B J(0)‖·‖U‖) falls below it; 0: 1e-9 */
    size_t dense_limit; /* largest m·k whose U-step is a dense solve, else CG; 0: 1024 */
    lae_solve_step_fn on_step; /* optional progress callback, NULL for none */
    void *step_ctx;
} lae_solve_options;

/* Options with every field at its default: full rank (k = SIZE_MAX), λ = 0, no bias, seed 1. */
lae_solve_options lae_solve_options_default(void);

/*
 * The solved model: B = U·Vᵀ with U, V m×k row-major (U = W_encᵀ, V = W_dec in nn.Linear
 * terms), and the bias c (m; zero without a bias). Full rank is returned with k = m, U = B and
 * V = I. Owned by the caller; free with lae_solution_free.
 */
typedef struct {
    size_t m, k;
    double *u;
    double *v;
    double *c;
} lae_solution;

void lae_solution_free(lae_solution *sol);

/* B = U·Vᵀ of a solution as a new m×m array owned by the caller; NULL if out of memory. */
double *lae_solution_product(const lae_solution *sol);

typedef struct {
    char method[96];      /* for example "edlae-bcd (cg U-step)" */
    size_t n_constant;    /* features removed as constant, restored as zero rows/columns */
    int iterations;       /* BCD sweeps of the best start; 0 for closed forms */
    int starts;           /* BCD starts run; 0 for closed forms */
    double worst_undone;  /* largest relative rise of J a BCD step was undone for: rounding */
    double objective;     /* J = E[L]/w + λ‖B‖² at the solution, bias included */
    double expected_loss; /* E[L](B, c) at the solution, the score any model gets */
    double t_factor;      /* seconds in factorisations and eigen-decompositions */
    double t_rest;        /* seconds in everything else */
} lae_solve_info;

/*
 * Solves min over B (rank ≤ k) and c of J(B, c) = E[L](B, c)/w + λ‖B‖², w = p·a + (1 − p)·b
 * (the p → 0 limit when w = 0, which is EASE for b = 0).
 *   LAE  : top-k eigenvectors of G (of the centred Gram with a bias); full rank: identity,
 *          or (G + λI)⁻¹G when λ > 0.
 *   DLAE : (G + Λ + λI)⁻¹G, or the reduced-rank ridge solution at rank k.
 *   EDLAE: the column-separable closed form at full rank (any b ≥ 0); block-coordinate
 *          descent at rank k, several starts when b = 0, one of them the DLAE solution.
 * Features whose variance (with a bias) or energy (without) is zero relative to the largest
 * are removed before solving and restored as zero rows and columns of B; info->n_constant
 * counts them. The kind must agree with (p, a, b): LAE needs p = 0, DLAE needs a = b.
 * On success *sol is filled (free with lae_solution_free) and info, if not NULL, too.
 * Errors: LAE_ERR_ARG for bad arguments, LAE_ERR_NOMEM, LAE_ERR_NUMERIC when a factorisation
 * fails or a NaN appears; *sol is then left empty.
 */
lae_status lae_solve(const lae_gram_view *gram, const lae_objective *obj,
                     const lae_solve_options *opt, lae_solution *sol, lae_solve_info *info);

/* (f − f*)/|f*|: how much worse an objective value f is than the optimum f*. */
double lae_relative_excess(double f, double f_star);

/* ‖B − B*‖_F / ‖B*‖_F for two m×m matrices; ‖B − B*‖_F when B* = 0. */
double lae_relative_distance(const double *b, const double *b_star, size_t m);

/*
 * The principal angles, in degrees and ascending, between the column spaces of two m×k1 and
 * m×k2 matrices (for example the U factors of two models). Each is orthonormalised by an SVD
 * that drops directions below 1e-12 of its largest singular value; min(r1, r2) angles are
 * written to angles (room for min(k1, k2)) and their count to *count.
 */
lae_status lae_principal_angles(const double *x1, size_t k1, const double *x2, size_t k2,
                                size_t m, double *angles, size_t *count);

/*
 * Copies a solution into a new model (allocated here; free with lae_model_free): W_enc = Uᵀ,
 * W_dec = V, b_enc = 0, b_dec = c, so that the model computes x·U·Vᵀ + c. The objective,
 * normalisation and image shape are left for the caller to set.
 */
lae_status lae_solution_to_model(const lae_solution *sol, int has_bias, lae_model *model);

#endif
