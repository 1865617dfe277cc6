/*
 * The host-side mathematics of src/solve/: expected loss, closed forms, descent, comparisons.
 *
 * Every check compares with something computed here independently: exhaustive enumeration of
 * dropout masks, finite-difference gradients of the exact expected loss, a Gauss–Jordan
 * inverse of our own for EASE and MATH.md's b > 0 formula, random candidates. Small random data
 * from a seeded generator of this file; everything in double precision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "lae/solve.h"

/* ---- data ------------------------------------------------------------------------------- */

static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state) {
    return ((double)(next_u64(state) >> 11) + 0.5) * 0x1.0p-53;
}

static double gauss(uint64_t *state) {
    double u1 = uniform(state), u2 = uniform(state);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* X (n×m): correlated Gaussian features with non-zero means, and G = XᵀX, μ. */
typedef struct {
    size_t n, m;
    double *x, *g, *mu;
} data;

static void data_gram(data *d) {
    size_t n = d->n, m = d->m;
    for (size_t i = 0; i < m; i++) {
        d->mu[i] = 0.0;
        for (size_t r = 0; r < n; r++) {
            d->mu[i] += d->x[r * m + i] / (double)n;
        }
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t r = 0; r < n; r++) {
                s += d->x[r * m + i] * d->x[r * m + j];
            }
            d->g[i * m + j] = s;
        }
    }
}

static data data_make(size_t n, size_t m, uint64_t seed) {
    data d = {n, m, malloc(n * m * sizeof(double)), malloc(m * m * sizeof(double)),
              malloc(m * sizeof(double))};
    uint64_t rng = seed;
    double *mix = malloc(m * m * sizeof *mix);
    for (size_t i = 0; i < m * m; i++) {
        mix[i] = gauss(&rng) * (i % (m + 1) == 0 ? 1.0 : 0.5);
    }
    for (size_t r = 0; r < n; r++) {
        double z[64];
        for (size_t i = 0; i < m; i++) {
            z[i] = gauss(&rng);
        }
        for (size_t j = 0; j < m; j++) {
            double s = 0.3 * (double)(j % 3); /* non-zero means */
            for (size_t i = 0; i < m; i++) {
                s += z[i] * mix[i * m + j];
            }
            d.x[r * m + j] = s;
        }
    }
    free(mix);
    data_gram(&d);
    return d;
}

static void data_free(data *d) {
    free(d->x);
    free(d->g);
    free(d->mu);
}

static lae_gram_view view_of(const data *d) {
    lae_gram_view v = {d->g, d->mu, d->n, d->m};
    return v;
}

/* ---- references -------------------------------------------------------------------------- */

static double weight_w(const lae_objective *o) {
    return o->p * o->a + (1.0 - o->p) * o->b;
}

/* F = E[L](B, c)/w + λ‖B‖², through the public expected loss (verified by enumeration). */
static double objective_f(const data *d, const lae_objective *o, double lambda, int bias,
                          const double *b, const double *c) {
    size_t m = d->m;
    double e = bias ? lae_expected_loss_bias(d->g, d->mu, d->n, m, b, c, o)
                    : lae_expected_loss(d->g, m, b, o);
    double norm = 0.0;
    for (size_t i = 0; i < m * m; i++) {
        norm += b[i] * b[i];
    }
    return e / weight_w(o) + lambda * norm;
}

/* F at B = U·Vᵀ with the optimal bias for that B. */
static double objective_uv(const data *d, const lae_objective *o, double lambda, int bias,
                           const double *u, const double *v, size_t k) {
    size_t m = d->m;
    double *b = calloc(m * m, sizeof *b), c[64];
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            for (size_t r = 0; r < k; r++) {
                b[i * m + j] += u[i * k + r] * v[j * k + r];
            }
        }
    }
    if (bias) {
        lae_optimal_bias(d->mu, m, b, o, c);
    }
    double f = objective_f(d, o, lambda, bias, b, c);
    free(b);
    return f;
}

/* Gauss–Jordan inverse with partial pivoting, written here to stay independent of LAPACK. */
static void invert(const double *a, size_t m, double *inv) {
    double *w = malloc(m * 2 * m * sizeof *w);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < 2 * m; j++) {
            w[i * 2 * m + j] = j < m ? a[i * m + j] : (j - m == i ? 1.0 : 0.0);
        }
    }
    for (size_t col = 0; col < m; col++) {
        size_t piv = col;
        for (size_t i = col + 1; i < m; i++) {
            if (fabs(w[i * 2 * m + col]) > fabs(w[piv * 2 * m + col])) {
                piv = i;
            }
        }
        for (size_t j = 0; j < 2 * m; j++) {
            double t = w[col * 2 * m + j];
            w[col * 2 * m + j] = w[piv * 2 * m + j];
            w[piv * 2 * m + j] = t;
        }
        double s = w[col * 2 * m + col];
        for (size_t j = 0; j < 2 * m; j++) {
            w[col * 2 * m + j] /= s;
        }
        for (size_t i = 0; i < m; i++) {
            double f = w[i * 2 * m + col];
            if (i != col && f != 0.0) {
                for (size_t j = 0; j < 2 * m; j++) {
                    w[i * 2 * m + j] -= f * w[col * 2 * m + j];
                }
            }
        }
    }
    for (size_t i = 0; i < m; i++) {
        memcpy(inv + i * m, w + i * 2 * m + m, m * sizeof *inv);
    }
    free(w);
}

static double max_abs_diff(const double *x, const double *y, size_t len) {
    double e = 0.0;
    for (size_t i = 0; i < len; i++) {
        e = fmax(e, fabs(x[i] - y[i]));
    }
    return e;
}

static double frob(const double *x, size_t len) {
    double s = 0.0;
    for (size_t i = 0; i < len; i++) {
        s += x[i] * x[i];
    }
    return sqrt(s);
}

/* Solves and returns B (caller frees) with the solution kept in *sol. */
static double *solve_b(const data *d, lae_objective o, lae_solve_options opt, lae_solution *sol,
                       lae_solve_info *info) {
    lae_gram_view gv = view_of(d);
    lae_status st = lae_solve(&gv, &o, &opt, sol, info);
    if (st != LAE_OK) {
        fail_msg("lae_solve: %s: %s", lae_status_name(st), lae_error_message());
    }
    return lae_solution_product(sol);
}

/* ---- kinds ------------------------------------------------------------------------------- */

static void kinds_parse_and_name(void **state) {
    (void)state;
    lae_kind kind;
    assert_int_equal(lae_kind_parse("EDLAE", &kind), LAE_OK);
    assert_int_equal(kind, LAE_KIND_EDLAE);
    assert_string_equal(lae_kind_name(LAE_KIND_DLAE), "dlae");
    assert_int_equal(lae_kind_parse("vae", &kind), LAE_ERR_ARG);
    lae_objective o = lae_objective_make(LAE_KIND_DLAE, 0.3, 5.0, 0.0);
    assert_true(o.p == 0.3 && o.a == 1.0 && o.b == 1.0);
    o = lae_objective_make(LAE_KIND_LAE, 0.3, 5.0, 0.0);
    assert_true(o.p == 0.0 && o.a == 1.0 && o.b == 1.0);
    o = lae_objective_make(LAE_KIND_EDLAE, 0.3, 5.0, 0.0);
    assert_true(o.p == 0.3 && o.a == 5.0 && o.b == 0.0);
}

/* ---- expected loss against all 2^20 masks of a 5×4 X ---------------------------------------- */

static void expected_loss_matches_enumeration(void **state) {
    (void)state;
    enum { N = 5, M = 4 };
    const lae_objective settings[] = {
        {LAE_KIND_DLAE, 0.3, 1.0, 1.0},  {LAE_KIND_EDLAE, 0.5, 1.0, 0.0},
        {LAE_KIND_EDLAE, 0.25, 2.0, 0.5}, {LAE_KIND_EDLAE, 0.4, 0.5, 3.0},
        {LAE_KIND_EDLAE, 0.2, 1.5, 1.5},  {LAE_KIND_LAE, 0.0, 1.0, 1.0},
    };
    data d = data_make(N, M, 11);
    uint64_t rng = 12;
    double b[M * M], c[M];
    for (size_t i = 0; i < M * M; i++) {
        b[i] = gauss(&rng);
    }
    for (size_t j = 0; j < M; j++) {
        c[j] = gauss(&rng);
    }

    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        const lae_objective *o = &settings[s];
        double p = o->p, q = 1.0 - p;

        /* Row r's loss and probability under each of its 16 masks, straight from the
         * definition: Z = δ⊙X/q, weight a on dropped entries and b on kept ones. */
        double row_loss[N][16], row_loss_c[N][16], row_prob[16];
        for (unsigned pat = 0; pat < 16; pat++) {
            row_prob[pat] = 1.0;
            for (size_t j = 0; j < M; j++) {
                row_prob[pat] *= (pat >> j) & 1 ? q : p;
            }
            for (size_t r = 0; r < N; r++) {
                double l = 0.0, lc = 0.0;
                for (size_t j = 0; j < M; j++) {
                    double recon = 0.0;
                    for (size_t i = 0; i < M; i++) {
                        double z = (pat >> i) & 1 ? d.x[r * M + i] / q : 0.0;
                        recon += z * b[i * M + j];
                    }
                    double wgt = (pat >> j) & 1 ? o->b : o->a;
                    double e = d.x[r * M + j] - recon;
                    l += wgt * e * e;
                    lc += wgt * (e - c[j]) * (e - c[j]);
                }
                row_loss[r][pat] = l;
                row_loss_c[r][pat] = lc;
            }
        }

        /* All 2^20 masks: loss of the mask times its probability, Kahan-summed. */
        double sum = 0.0, comp = 0.0, sum_c = 0.0, comp_c = 0.0;
        for (uint32_t mask = 0; mask < (1u << (N * M)); mask++) {
            double prob = 1.0, l = 0.0, lc = 0.0;
            for (size_t r = 0; r < N; r++) {
                unsigned pat = (mask >> (r * M)) & 15u;
                prob *= row_prob[pat];
                l += row_loss[r][pat];
                lc += row_loss_c[r][pat];
            }
            double y = prob * l - comp, t = sum + y;
            comp = (t - sum) - y;
            sum = t;
            y = prob * lc - comp_c;
            t = sum_c + y;
            comp_c = (t - sum_c) - y;
            sum_c = t;
        }

        double exact = lae_expected_loss(d.g, M, b, o);
        double exact_c = lae_expected_loss_bias(d.g, d.mu, N, M, b, c, o);
        double err = fabs(exact - sum) / sum, err_c = fabs(exact_c - sum_c) / sum_c;
        printf("  p=%.2f a=%.1f b=%.1f: E[L] %.15g vs %.15g (rel %.1e), with bias rel %.1e\n",
               p, o->a, o->b, exact, sum, err, err_c);
        assert_true(err < 1e-12);
        assert_true(err_c < 1e-12);
    }
    data_free(&d);
}

/* ---- stationarity ------------------------------------------------------------------------ */

/* Central differences of F in every entry of B (and of c with a bias); F is quadratic, so they
 * are exact up to rounding. Returns ‖∇F‖ at (B, c) over ‖∇F‖ at (0, 0). */
static double relative_gradient_full(const data *d, const lae_objective *o, double lambda,
                                     int bias, const double *b_in, const double *c_in) {
    size_t m = d->m;
    double *b = malloc(m * m * sizeof *b), c[64];
    double grad = 0.0, grad0 = 0.0, h = 1e-3;

    for (int at_zero = 0; at_zero < 2; at_zero++) {
        double total = 0.0;
        for (size_t i = 0; i < m * m; i++) {
            b[i] = at_zero ? 0.0 : b_in[i];
        }
        for (size_t j = 0; j < m; j++) {
            c[j] = at_zero || !bias ? 0.0 : c_in[j];
        }
        for (size_t e = 0; e < m * m + (bias ? m : 0); e++) {
            double *x = e < m * m ? &b[e] : &c[e - m * m];
            double keep = *x;
            *x = keep + h;
            double fp = objective_f(d, o, lambda, bias, b, c);
            *x = keep - h;
            double fm = objective_f(d, o, lambda, bias, b, c);
            *x = keep;
            double g = (fp - fm) / (2.0 * h);
            total += g * g;
        }
        if (at_zero) {
            grad0 = sqrt(total);
        } else {
            grad = sqrt(total);
        }
    }
    free(b);
    return grad / grad0;
}

static void full_rank_solutions_are_stationary(void **state) {
    (void)state;
    const lae_objective settings[] = {
        {LAE_KIND_DLAE, 0.3, 1.0, 1.0},  {LAE_KIND_EDLAE, 0.3, 1.0, 0.0},
        {LAE_KIND_EDLAE, 0.3, 1.0, 0.4}, {LAE_KIND_EDLAE, 0.5, 0.5, 2.0},
        {LAE_KIND_EDLAE, 0.2, 3.0, 1.0}, {LAE_KIND_LAE, 0.0, 1.0, 1.0},
    };
    const double lambdas[] = {0.0, 7.5};
    data d = data_make(40, 6, 21);

    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        for (int bias = 0; bias < 2; bias++) {
            for (size_t l = 0; l < 2; l++) {
                lae_solve_options opt = lae_solve_options_default();
                lae_solution sol;
                lae_solve_info info;
                opt.lambda = lambdas[l];
                opt.bias = bias;
                double *b = solve_b(&d, settings[s], opt, &sol, &info);
                double rel = relative_gradient_full(&d, &settings[s], opt.lambda, bias, b, sol.c);
                double f = objective_f(&d, &settings[s], opt.lambda, bias, b, sol.c);
                printf("  %-22s p=%.1f a=%.1f b=%.1f bias=%d λ=%.1f: |∇F|/|∇F(0)| = %.1e, "
                       "J %.12g vs F %.12g\n",
                       info.method, settings[s].p, settings[s].a, settings[s].b, bias,
                       opt.lambda, rel, info.objective, f);
                assert_true(rel < 1e-8);
                assert_true(fabs(info.objective - f) <= 1e-10 * fabs(f));
                free(b);
                lae_solution_free(&sol);
            }
        }
    }
    data_free(&d);
}

/* ‖∇_U F‖/(‖∇_B F(0)‖·‖V‖) + ‖∇_V F‖/(‖∇_B F(0)‖·‖U‖), by central differences. */
static double relative_gradient_uv(const data *d, const lae_objective *o, double lambda,
                                   int bias, const lae_solution *sol) {
    size_t m = d->m, k = sol->k;
    double *u = malloc(m * k * sizeof *u), *v = malloc(m * k * sizeof *v);
    double *zero = calloc(m * m, sizeof *zero), c0[64] = {0};
    double gu = 0.0, gv = 0.0, h = 1e-4;

    memcpy(u, sol->u, m * k * sizeof *u);
    memcpy(v, sol->v, m * k * sizeof *v);
    for (size_t e = 0; e < 2 * m * k; e++) {
        double *x = e < m * k ? &u[e] : &v[e - m * k];
        double keep = *x;
        *x = keep + h;
        double fp = objective_uv(d, o, lambda, bias, u, v, k);
        *x = keep - h;
        double fm = objective_uv(d, o, lambda, bias, u, v, k);
        *x = keep;
        double g = (fp - fm) / (2.0 * h);
        if (e < m * k) {
            gu += g * g;
        } else {
            gv += g * g;
        }
    }
    /* ‖∇_B F(0)‖ by differences at B = 0, c = c*(0). */
    double gb0 = 0.0;
    if (bias) {
        lae_optimal_bias(d->mu, m, zero, o, c0);
    }
    for (size_t e = 0; e < m * m; e++) {
        zero[e] = h;
        double fp = objective_f(d, o, lambda, bias, zero, c0);
        zero[e] = -h;
        double fm = objective_f(d, o, lambda, bias, zero, c0);
        zero[e] = 0.0;
        gb0 += pow((fp - fm) / (2.0 * h), 2);
    }
    double rel = sqrt(gu) / (sqrt(gb0) * frob(v, m * k)) + sqrt(gv) / (sqrt(gb0) * frob(u, m * k));
    free(zero);
    free(v);
    free(u);
    return rel;
}

static void low_rank_solutions_are_stationary(void **state) {
    (void)state;
    const lae_objective settings[] = {
        {LAE_KIND_LAE, 0.0, 1.0, 1.0},   {LAE_KIND_DLAE, 0.3, 1.0, 1.0},
        {LAE_KIND_EDLAE, 0.3, 1.0, 0.0}, {LAE_KIND_EDLAE, 0.3, 1.0, 0.4},
        {LAE_KIND_EDLAE, 0.4, 0.5, 2.0},
    };
    data d = data_make(40, 7, 31);

    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        for (int bias = 0; bias < 2; bias++) {
            lae_solve_options opt = lae_solve_options_default();
            lae_solution sol;
            lae_solve_info info;
            opt.k = 3;
            opt.bias = bias;
            opt.lambda = bias ? 2.0 : 0.0;
            opt.tol = -1.0; /* stop on the gradient alone */
            opt.grad_tol = 1e-10;
            opt.max_iter = 20000;
            double *b = solve_b(&d, settings[s], opt, &sol, &info);
            double rel = relative_gradient_uv(&d, &settings[s], opt.lambda, bias, &sol);
            printf("  %-24s p=%.1f a=%.1f b=%.1f bias=%d: rel ∇(U,V) = %.1e after %d sweeps\n",
                   info.method, settings[s].p, settings[s].a, settings[s].b, bias, rel,
                   info.iterations);
            assert_true(rel < 1e-8);
            free(b);
            lae_solution_free(&sol);
        }
    }
    data_free(&d);
}

/* ---- reductions -------------------------------------------------------------------------- */

static void p_zero_reduces_to_lae_and_ease(void **state) {
    (void)state;
    size_t m = 6;
    data d = data_make(30, m, 41);
    lae_solution sol;
    lae_solve_info info;
    lae_solve_options opt = lae_solve_options_default();

    /* DLAE at p = 0, full rank: the identity. */
    double *b = solve_b(&d, lae_objective_make(LAE_KIND_DLAE, 0.0, 1, 1), opt, &sol, &info);
    double *eye = calloc(m * m, sizeof *eye);
    for (size_t j = 0; j < m; j++) {
        eye[j * m + j] = 1.0;
    }
    printf("  DLAE p=0 full rank vs I: %.1e\n", max_abs_diff(b, eye, m * m));
    assert_true(max_abs_diff(b, eye, m * m) < 1e-10);
    free(b);
    lae_solution_free(&sol);

    /* Rank 2: LAE (PCA), DLAE p = 0 (reduced-rank path) and EDLAE p = 0 (descent) agree, and
     * B is a rank-2 orthogonal projector whose loss is ‖X − XB‖² computed from X. */
    opt.k = 2;
    opt.tol = 1e-15;
    double *b_lae = solve_b(&d, lae_objective_make(LAE_KIND_LAE, 0, 1, 1), opt, &sol, &info);
    double loss = info.expected_loss;
    lae_solution_free(&sol);
    double *b_dlae = solve_b(&d, lae_objective_make(LAE_KIND_DLAE, 0, 1, 1), opt, &sol, &info);
    lae_solution_free(&sol);
    double *b_ed = solve_b(&d, lae_objective_make(LAE_KIND_EDLAE, 0, 1, 1), opt, &sol, &info);
    lae_solution_free(&sol);
    double direct = 0.0, trace = 0.0, idem = 0.0;
    for (size_t r = 0; r < d.n; r++) {
        for (size_t j = 0; j < m; j++) {
            double e = d.x[r * m + j];
            for (size_t i = 0; i < m; i++) {
                e -= d.x[r * m + i] * b_lae[i * m + j];
            }
            direct += e * e;
        }
    }
    for (size_t i = 0; i < m; i++) {
        trace += b_lae[i * m + i];
        for (size_t j = 0; j < m; j++) {
            double bb = 0.0;
            for (size_t l = 0; l < m; l++) {
                bb += b_lae[i * m + l] * b_lae[l * m + j];
            }
            idem = fmax(idem, fabs(bb - b_lae[i * m + j]) + fabs(b_lae[i * m + j]
                                                                 - b_lae[j * m + i]));
        }
    }
    printf("  rank 2: |B_dlae − B_lae| %.1e, |B_edlae − B_lae| %.1e, tr B %.12f, "
           "|B² − B| + |B − Bᵀ| %.1e, loss %.12g vs %.12g\n",
           max_abs_diff(b_dlae, b_lae, m * m), max_abs_diff(b_ed, b_lae, m * m), trace, idem,
           loss, direct);
    assert_true(max_abs_diff(b_dlae, b_lae, m * m) < 1e-10);
    assert_true(max_abs_diff(b_ed, b_lae, m * m) < 1e-7);
    assert_true(fabs(trace - 2.0) < 1e-10 && idem < 1e-10);
    assert_true(fabs(loss - direct) < 1e-10 * direct);
    free(b_lae);
    free(b_dlae);
    free(b_ed);

    /* EDLAE with p = 0, b = 0 is EASE: B_ij = −P_ij/P_jj, P = (G + λI)⁻¹. */
    opt = lae_solve_options_default();
    opt.lambda = 5.0;
    b = solve_b(&d, lae_objective_make(LAE_KIND_EDLAE, 0.0, 1.0, 0.0), opt, &sol, &info);
    double *a = malloc(m * m * sizeof *a), *pinv = malloc(m * m * sizeof *pinv);
    memcpy(a, d.g, m * m * sizeof *a);
    for (size_t j = 0; j < m; j++) {
        a[j * m + j] += 5.0;
    }
    invert(a, m, pinv);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            eye[i * m + j] = i == j ? 0.0 : -pinv[i * m + j] / pinv[j * m + j];
        }
    }
    printf("  EASE (λ = 5): max |B − B_ease| = %.1e (%s)\n", max_abs_diff(b, eye, m * m),
           info.method);
    assert_true(max_abs_diff(b, eye, m * m) < 1e-12);
    free(b);
    free(a);
    free(pinv);
    free(eye);
    lae_solution_free(&sol);
    data_free(&d);
}

static void equal_weights_reduce_edlae_to_dlae(void **state) {
    (void)state;
    size_t m = 7;
    data d = data_make(35, m, 51);

    for (int bias = 0; bias < 2; bias++) {
        for (size_t k = 3; k <= m; k += m - 3) {
            lae_solution sol;
            lae_solve_info info_e, info_d;
            lae_solve_options opt = lae_solve_options_default();
            opt.k = k;
            opt.bias = bias;
            opt.lambda = 0.5;
            opt.tol = 1e-15;
            double *be = solve_b(&d, lae_objective_make(LAE_KIND_EDLAE, 0.35, 2.0, 2.0), opt,
                                 &sol, &info_e);
            double ce[8];
            memcpy(ce, sol.c, m * sizeof *ce);
            lae_solution_free(&sol);
            double *bd = solve_b(&d, lae_objective_make(LAE_KIND_DLAE, 0.35, 1, 1), opt, &sol,
                                 &info_d);
            double dist = lae_relative_distance(be, bd, m);
            double dc = max_abs_diff(ce, sol.c, m);
            printf("  k=%zu bias=%d: %s vs %s: rel |ΔB| %.1e, |Δc| %.1e, J %.12g vs %.12g\n", k,
                   bias, info_e.method, info_d.method, dist, dc, info_e.objective,
                   info_d.objective);
            assert_true(dist < 1e-7 && dc < 1e-7);
            assert_true(fabs(info_e.objective - info_d.objective) < 1e-11 * info_d.objective);
            free(be);
            free(bd);
            lae_solution_free(&sol);
        }
    }
    data_free(&d);
}

/* MATH.md's b > 0 full-rank formula (no bias), computed here with our own inverse. */
static void column_form_matches_math_md(void **state) {
    (void)state;
    size_t m = 6;
    data d = data_make(30, m, 61);
    const double lambdas[] = {0.0, 3.0};

    for (size_t l = 0; l < 2; l++) {
        lae_objective o = lae_objective_make(LAE_KIND_EDLAE, 0.3, 1.0, 0.25);
        double p = o.p, q = 1 - p, w = weight_w(&o), lambda = lambdas[l];
        double alpha = p * o.a / w, beta = q * o.b / w;
        double *a = malloc(m * m * sizeof *a), *pinv = malloc(m * m * sizeof *pinv);
        double *ref = malloc(m * m * sizeof *ref);
        memcpy(a, d.g, m * m * sizeof *a);
        for (size_t j = 0; j < m; j++) {
            a[j * m + j] += p / q * d.g[j * m + j] + lambda;
        }
        invert(a, m, pinv);
        for (size_t j = 0; j < m; j++) {
            double pjj = pinv[j * m + j], gjj = d.g[j * m + j];
            double tau = a[j * m + j] - 1.0 / pjj;
            double u = (alpha * beta * tau + lambda * q * q)
                       / (beta * gjj - beta * beta * tau + lambda * q * q);
            double phi = alpha + beta * u;
            for (size_t i = 0; i < m; i++) {
                ref[i * m + j] = i == j ? q * (1.0 - u) : -phi * pinv[i * m + j] / pjj;
            }
        }
        lae_solution sol;
        lae_solve_info info;
        lae_solve_options opt = lae_solve_options_default();
        opt.lambda = lambda;
        double *b = solve_b(&d, o, opt, &sol, &info);
        double rel = lae_relative_distance(b, ref, m);
        double f = objective_f(&d, &o, lambda, 0, b, NULL);
        double f_ref = objective_f(&d, &o, lambda, 0, ref, NULL);
        printf("  λ=%.1f: rel |B − B_MATH.md| = %.1e, F %.15g vs %.15g\n", lambda, rel, f, f_ref);
        assert_true(rel < 1e-10);
        assert_true(fabs(f - f_ref) < 1e-12 * f_ref);
        free(b);
        free(a);
        free(pinv);
        free(ref);
        lae_solution_free(&sol);
    }
    data_free(&d);
}

/* DLAE with a bias is DLAE on centred data, with Λ from the uncentred G. */
static void dlae_bias_is_centred_ridge(void **state) {
    (void)state;
    size_t m = 6, n = 30;
    double p = 0.3, q = 1 - p;
    data d = data_make(n, m, 71);
    double *gc = malloc(m * m * sizeof *gc), *a = malloc(m * m * sizeof *a);
    double *pinv = malloc(m * m * sizeof *pinv), *ref = calloc(m * m, sizeof *ref);

    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t r = 0; r < n; r++) {
                s += (d.x[r * m + i] - d.mu[i]) * (d.x[r * m + j] - d.mu[j]);
            }
            gc[i * m + j] = a[i * m + j] = s;
        }
        a[i * m + i] += p / q * d.g[i * m + i];
    }
    invert(a, m, pinv);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            for (size_t l = 0; l < m; l++) {
                ref[i * m + j] += pinv[i * m + l] * gc[l * m + j];
            }
        }
    }
    lae_solution sol;
    lae_solve_info info;
    lae_solve_options opt = lae_solve_options_default();
    opt.bias = 1;
    double *b = solve_b(&d, lae_objective_make(LAE_KIND_DLAE, p, 1, 1), opt, &sol, &info);
    printf("  rel |B − (XcᵀXc + Λ)⁻¹XcᵀXc| = %.1e\n", lae_relative_distance(b, ref, m));
    assert_true(lae_relative_distance(b, ref, m) < 1e-12);
    free(b);
    free(gc);
    free(a);
    free(pinv);
    free(ref);
    lae_solution_free(&sol);
    data_free(&d);
}

/* ---- descent ----------------------------------------------------------------------------- */

typedef struct {
    int count, increases, last_start;
    double last, worst_rise;
} trace;

static void record_step(void *ctx, int start, int half_step, double objective) {
    trace *t = ctx;
    if (half_step > 0 && start == t->last_start && objective > t->last) {
        /* Exact block steps cannot raise J; rounding of J itself is ≈1e-16·J. */
        t->worst_rise = fmax(t->worst_rise, (objective - t->last) / fabs(t->last));
        if (objective > t->last * (1 + 1e-13)) {
            t->increases++;
        }
    }
    t->last_start = start;
    t->last = objective;
    t->count++;
}

static void low_rank_beats_candidates(void **state) {
    (void)state;
    size_t m = 8, k = 3;
    data d = data_make(50, m, 81);
    const lae_objective settings[] = {
        {LAE_KIND_EDLAE, 0.3, 1.0, 0.0},
        {LAE_KIND_EDLAE, 0.3, 1.0, 0.4},
        {LAE_KIND_DLAE, 0.3, 1.0, 1.0},
    };

    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        for (int bias = 0; bias < 2; bias++) {
            const lae_objective *o = &settings[s];
            lae_solution sol;
            lae_solve_info info;
            lae_solve_options opt = lae_solve_options_default();
            trace tr = {0, 0, -1, 0.0, 0.0};
            opt.k = k;
            opt.bias = bias;
            opt.on_step = record_step;
            opt.step_ctx = &tr;
            double *b = solve_b(&d, *o, opt, &sol, &info);
            double f_sol = objective_uv(&d, o, 0.0, bias, sol.u, sol.v, k);
            uint64_t rng = 82 + s;
            double *u = malloc(m * k * sizeof *u), *v = malloc(m * k * sizeof *v);
            double best_random = INFINITY, best_perturbed = INFINITY;

            /* Random rank-k candidates, each at its best scale s·U·Vᵀ (F is quadratic in s). */
            for (int trial = 0; trial < 2000; trial++) {
                for (size_t i = 0; i < m * k; i++) {
                    u[i] = gauss(&rng);
                    v[i] = gauss(&rng);
                }
                double f1 = objective_uv(&d, o, 0.0, bias, u, v, k);
                for (size_t i = 0; i < m * k; i++) {
                    v[i] = -v[i];
                }
                double fm1 = objective_uv(&d, o, 0.0, bias, u, v, k);
                double f0 = objective_uv(&d, o, 0.0, bias, u, v, 0);
                double lin = (f1 - fm1) / 2, quad = (f1 + fm1) / 2 - f0;
                best_random = fmin(best_random, f0 - lin * lin / (4 * quad));
            }

            /* Random perturbations of the solution, of relative size 1e-3 and 1e-6. */
            for (int trial = 0; trial < 400; trial++) {
                double eps = trial % 2 ? 1e-3 : 1e-6;
                for (size_t i = 0; i < m * k; i++) {
                    u[i] = sol.u[i] * (1 + eps * gauss(&rng));
                    v[i] = sol.v[i] * (1 + eps * gauss(&rng));
                }
                best_perturbed = fmin(best_perturbed, objective_uv(&d, o, 0.0, bias, u, v, k));
            }
            printf("  %-24s b=%.1f bias=%d: F %.12g, best of 2000 random %.12g, best of 400 "
                   "perturbed %.15g; %d steps, %d rises, largest %.1e, worst undone %.1e\n",
                   info.method, o->b, bias, f_sol, best_random, best_perturbed, tr.count,
                   tr.increases, tr.worst_rise, info.worst_undone);
            assert_true(f_sol < best_random);
            assert_true(f_sol <= best_perturbed * (1 + 1e-13));
            /* The reported J never rises, and no step raised it by more than J's own
             * rounding (≈1e-10 at convergence, from its cancelling terms): the solver undoes
             * a rising step, which would otherwise hide a wrong one behind a flat trace. */
            assert_int_equal(tr.increases, 0);
            assert_true(info.worst_undone < 1e-8);
            free(u);
            free(v);
            free(b);
            lae_solution_free(&sol);
        }
    }
    data_free(&d);
}

/* b = 0 has local minima: the best of several starts is no worse than the DLAE start alone. */
static void several_starts_for_full_emphasis(void **state) {
    (void)state;
    size_t m = 10, k = 2;
    data d = data_make(40, m, 91);
    lae_objective o = lae_objective_make(LAE_KIND_EDLAE, 0.4, 1.0, 0.0);
    lae_solution sol;
    lae_solve_info one, many;
    lae_solve_options opt = lae_solve_options_default();
    opt.k = k;
    opt.starts = 1;
    double *b1 = solve_b(&d, o, opt, &sol, &one);
    lae_solution_free(&sol);
    opt.starts = 6;
    double *b6 = solve_b(&d, o, opt, &sol, &many);
    lae_solution_free(&sol);

    /* The DLAE rank-k solution scored under the EDLAE objective, for reference. */
    double *bd = solve_b(&d, lae_objective_make(LAE_KIND_DLAE, 0.4, 1, 1), opt, &sol, NULL);
    double f_dlae = objective_f(&d, &o, 0.0, 0, bd, NULL);
    printf("  J: DLAE solution %.12g, 1 start %.12g, %d starts %.12g (excess of 1 start %.2e)\n",
           f_dlae, one.objective, many.starts, many.objective,
           lae_relative_excess(one.objective, many.objective));
    assert_int_equal(many.starts, 6);
    assert_true(one.objective <= f_dlae);
    assert_true(many.objective <= one.objective * (1 + 1e-14));
    free(b1);
    free(b6);
    free(bd);
    lae_solution_free(&sol);
    data_free(&d);
}

/* The conjugate-gradient U-step reaches the dense one's optimum. */
static void cg_u_step_matches_dense(void **state) {
    (void)state;
    size_t m = 12, k = 4;
    data d = data_make(60, m, 101);
    lae_objective o = lae_objective_make(LAE_KIND_EDLAE, 0.3, 1.0, 0.3);
    lae_solution sol;
    lae_solve_info dense, cg;
    lae_solve_options opt = lae_solve_options_default();
    opt.k = k;
    opt.bias = 1;
    opt.tol = 1e-15;
    double *bd = solve_b(&d, o, opt, &sol, &dense);
    lae_solution_free(&sol);
    opt.dense_limit = 1;
    double *bc = solve_b(&d, o, opt, &sol, &cg);
    lae_solution_free(&sol);
    printf("  %s: J %.15g; %s: J %.15g; rel |ΔB| %.1e\n", dense.method, dense.objective,
           cg.method, cg.objective, lae_relative_distance(bc, bd, m));
    assert_string_equal(cg.method, "edlae-bcd (cg U-step)");
    assert_string_equal(dense.method, "edlae-bcd (dense U-step)");
    assert_true(fabs(cg.objective - dense.objective) < 1e-12 * dense.objective);
    assert_true(lae_relative_distance(bc, bd, m) < 1e-6);
    free(bd);
    free(bc);
    data_free(&d);
}

/* ---- constant features ------------------------------------------------------------------ */

static void constant_features_are_removed(void **state) {
    (void)state;
    size_t m = 7, n = 30;
    data d = data_make(n, m, 111);
    /* Feature 2 is always zero, feature 5 always 0.42. */
    for (size_t r = 0; r < n; r++) {
        d.x[r * m + 2] = 0.0;
        d.x[r * m + 5] = 0.42;
    }
    data_gram(&d);
    const lae_objective settings[] = {
        {LAE_KIND_LAE, 0.0, 1.0, 1.0},   {LAE_KIND_DLAE, 0.3, 1.0, 1.0},
        {LAE_KIND_EDLAE, 0.3, 1.0, 0.0}, {LAE_KIND_EDLAE, 0.3, 1.0, 0.5},
    };
    const size_t ranks[] = {3, 7};

    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        for (int bias = 0; bias < 2; bias++) {
            for (size_t r = 0; r < 2; r++) {
                lae_solution sol;
                lae_solve_info info;
                lae_solve_options opt = lae_solve_options_default();
                opt.k = ranks[r];
                opt.bias = bias;
                opt.tol = -1.0;
                opt.grad_tol = 1e-10;
                opt.max_iter = 20000;
                double *b = solve_b(&d, settings[s], opt, &sol, &info);
                int finite = 1;
                double at_constant = 0.0;
                for (size_t i = 0; i < m * m; i++) {
                    finite &= isfinite(b[i]);
                }
                for (size_t i = 0; i < m; i++) {
                    at_constant += fabs(b[2 * m + i]) + fabs(b[i * m + 2]);
                    if (bias) {
                        at_constant += fabs(b[5 * m + i]) + fabs(b[i * m + 5]);
                    }
                }
                double rel = ranks[r] == m
                                 ? relative_gradient_full(&d, &settings[s], 0.0, bias, b, sol.c)
                                 : relative_gradient_uv(&d, &settings[s], 0.0, bias, &sol);
                printf("  %-24s bias=%d k=%zu: %zu constant, finite %d, |B at constant| %.1e, "
                       "rel ∇ %.1e\n",
                       info.method, bias, ranks[r], info.n_constant, finite, at_constant, rel);
                assert_true(finite && isfinite(info.expected_loss));
                assert_int_equal(info.n_constant, bias ? 2 : 1);
                assert_true(at_constant == 0.0);
                assert_true(rel < 1e-8);
                if (bias) {
                    assert_true(fabs(sol.c[5] - 0.42) < 1e-12 && sol.c[2] == 0.0);
                }
                free(b);
                lae_solution_free(&sol);
            }
        }
    }
    data_free(&d);
}

static void refuses_bad_arguments(void **state) {
    (void)state;
    data d = data_make(10, 4, 121);
    lae_gram_view gv = view_of(&d);
    lae_solution sol;
    lae_solve_options opt = lae_solve_options_default();
    lae_objective o = {LAE_KIND_LAE, 0.2, 1.0, 1.0};
    assert_int_equal(lae_solve(&gv, &o, &opt, &sol, NULL), LAE_ERR_ARG);
    o = lae_objective_make(LAE_KIND_EDLAE, 1.0, 1.0, 0.0);
    assert_int_equal(lae_solve(&gv, &o, &opt, &sol, NULL), LAE_ERR_ARG);
    o = lae_objective_make(LAE_KIND_DLAE, 0.2, 1.0, 1.0);
    opt.bias = 1;
    gv.mu = NULL;
    assert_int_equal(lae_solve(&gv, &o, &opt, &sol, NULL), LAE_ERR_ARG);
    printf("  last message: %s\n", lae_error_message());
    assert_null(sol.u);
    data_free(&d);
}

/* ---- comparisons ------------------------------------------------------------------------- */

static void principal_angles_known(void **state) {
    (void)state;
    enum { M = 5 };
    double theta = 0.3; /* radians */
    double x1[M * 2] = {0}, x2[M * 2] = {0}, x3[M * 2], angles[2];
    size_t count = 0;
    x1[0 * 2 + 0] = 2.0; /* span{e0, e1}, columns not normalised */
    x1[1 * 2 + 1] = 3.0;
    x1[0 * 2 + 1] = 1.0;
    x2[0 * 2 + 0] = 1.0; /* span{e0, cos θ·e1 + sin θ·e2} */
    x2[1 * 2 + 1] = cos(theta);
    x2[2 * 2 + 1] = sin(theta);
    assert_int_equal(lae_principal_angles(x1, 2, x2, 2, M, angles, &count), LAE_OK);
    printf("  angles %.12f, %.12f degrees (expected 0 and %.12f)\n", angles[0], angles[1],
           theta * 180 / 3.14159265358979323846);
    assert_int_equal(count, 2);
    assert_true(fabs(angles[0]) < 1e-10);
    assert_true(fabs(angles[1] - theta * 180 / 3.14159265358979323846) < 1e-10);

    /* The same space under a change of basis: angles 0 to high accuracy. */
    for (size_t i = 0; i < M; i++) {
        x3[i * 2 + 0] = x2[i * 2 + 0] + 2 * x2[i * 2 + 1];
        x3[i * 2 + 1] = -x2[i * 2 + 0] + 0.5 * x2[i * 2 + 1];
    }
    assert_int_equal(lae_principal_angles(x2, 2, x3, 2, M, angles, &count), LAE_OK);
    printf("  same space: %.1e, %.1e degrees\n", angles[0], angles[1]);
    assert_true(angles[0] < 1e-6 && angles[1] < 1e-6);

    double b[4] = {1, 2, 3, 4}, bs[4] = {1, 2, 3, 5};
    assert_true(fabs(lae_relative_distance(b, bs, 2) - 1.0 / sqrt(39.0)) < 1e-15);
    assert_true(fabs(lae_relative_excess(1.1, 1.0) - 0.1) < 1e-15);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_parse_and_name),
        cmocka_unit_test(expected_loss_matches_enumeration),
        cmocka_unit_test(full_rank_solutions_are_stationary),
        cmocka_unit_test(low_rank_solutions_are_stationary),
        cmocka_unit_test(p_zero_reduces_to_lae_and_ease),
        cmocka_unit_test(equal_weights_reduce_edlae_to_dlae),
        cmocka_unit_test(column_form_matches_math_md),
        cmocka_unit_test(dlae_bias_is_centred_ridge),
        cmocka_unit_test(low_rank_beats_candidates),
        cmocka_unit_test(several_starts_for_full_emphasis),
        cmocka_unit_test(cg_u_step_matches_dense),
        cmocka_unit_test(constant_features_are_removed),
        cmocka_unit_test(refuses_bad_arguments),
        cmocka_unit_test(principal_angles_known),
    };
    /* The matrices here are tiny: OpenBLAS's threads would only spin (a minute under ASan). */
    openblas_set_num_threads(1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
