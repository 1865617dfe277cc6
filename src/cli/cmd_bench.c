/*
 * `lae bench`: what each OpenCL device does with lae's work. For every device (or the one
 * --device names): kernel compile time, peak FMA rate, launch latency, every GEMM backend on
 * the training step's shapes and on a Gram matrix, and the time of a training step and an
 * epoch. A figure that cannot be measured on a device is recorded as skipped with the reason;
 * a GEMM backend that computes wrong numbers is recorded as wrong and never timed.
 *
 * Method: each figure is warmed up once (compiles, first-use probes), then timed reps times;
 * a repetition of a short operation queues it back to back until the repetition lasts about
 * REP_SECONDS and divides, as training queues its GEMMs. Results go to bench_report.c's
 * renderers. The solve figure times `lae solve`'s work (Gram on the device, the closed form on
 * the host) on as many of --gram-rows images as the data has (the bundled digits have 10,000).
 * Not measured: memory bandwidth, transfers, multi-device runs.
 */
#include <cblas.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/bench_report.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outputs.h"
#include "lae/atomic_file.h"
#include "lae/bench.h"
#include "lae/gemm.h"
#include "lae/log.h"
#include "lae/report.h"
#include "lae/solve.h"
#include "lae/train.h"

#define CHECK_TOLERANCE 1e-4 /* relative to ‖row of op(A)‖·‖column of op(B)‖ */
#define MAX_CALLS 4096       /* back-to-back calls in one repetition, at most */

typedef struct {
    const char *device;
    size_t reps;
    int quick;
    int json;
    const char *png;
    size_t gram_rows;
    size_t train;
    const char *data;
    int cold;
} bench_options;

/* How long one repetition of a short operation should last. */
static double rep_seconds(const bench_options *o) {
    return o->quick ? 0.01 : 0.05;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

/* Operands uniform in [−0.5, 0.5) from a 32-bit LCG: reproducible and cheap. */
static void fill_random(float *x, size_t count, uint32_t *state) {
    for (size_t i = 0; i < count; i++) {
        *state = *state * 1664525u + 1013904223u;
        x[i] = (float)(*state >> 8) / 16777216.0f - 0.5f;
    }
}

static void set_reason(bench_result *r, bench_state state, const char *reason) {
    r->state = state;
    snprintf(r->reason, sizeof r->reason, "%s", reason);
}

/* Removes a folder and everything in it (the cold-compile cache); errors are ignored. */
static void remove_tree(const char *path) {
    DIR *dir = opendir(path);
    if (dir != NULL) {
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
                continue;
            }
            char child[4096];
            struct stat info;
            snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
            if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode)) {
                remove_tree(child);
            } else {
                unlink(child);
            }
        }
        closedir(dir);
    }
    rmdir(path);
}

/* ---- GEMM --------------------------------------------------------------------------------- */

/* One shape's operands on the host and the device, and the host's answer. */
typedef struct {
    lae_bench_shape shape;
    int same_ab;     /* A and B are one buffer (a Gram matrix XᵀX) */
    float *a, *b;    /* host operands (b == a when same_ab) */
    float *expected; /* c_floats, cblas on the host */
    float *got;
    double *norm_a;  /* ‖row i of op(A)‖ */
    double *norm_b;  /* ‖column j of op(B)‖ */
    cl_mem da, db, dc;
} gemm_case;

static void gemm_case_free(gemm_case *g) {
    if (g->dc != NULL) {
        clReleaseMemObject(g->dc);
    }
    if (g->db != NULL && !g->same_ab) {
        clReleaseMemObject(g->db);
    }
    if (g->da != NULL) {
        clReleaseMemObject(g->da);
    }
    free(g->norm_b);
    free(g->norm_a);
    free(g->got);
    free(g->expected);
    if (!g->same_ab) {
        free(g->b);
    }
    free(g->a);
    memset(g, 0, sizeof *g);
}

static double op_a(const gemm_case *g, size_t i, size_t p) {
    const lae_bench_shape *s = &g->shape;
    return g->a[s->a_offset + (s->trans_a ? p * s->lda + i : i * s->lda + p)];
}

static double op_b(const gemm_case *g, size_t p, size_t j) {
    const lae_bench_shape *s = &g->shape;
    return g->b[s->b_offset + (s->trans_b ? j * s->ldb + p : p * s->ldb + j)];
}

/* Operands, the host's answer and the error scales, then the device buffers. */
static lae_status gemm_case_create(lae_context *ctx, const lae_bench_shape *shape, int same_ab,
                                   gemm_case *g) {
    const lae_bench_shape *s = shape;
    uint32_t seed = 12345u;

    memset(g, 0, sizeof *g);
    g->shape = *shape;
    g->same_ab = same_ab;
    g->a = malloc(s->a_floats * sizeof *g->a);
    g->b = same_ab ? g->a : malloc(s->b_floats * sizeof *g->b);
    g->expected = calloc(s->c_floats, sizeof *g->expected);
    g->got = malloc(s->c_floats * sizeof *g->got);
    g->norm_a = calloc(s->rows, sizeof *g->norm_a);
    g->norm_b = calloc(s->cols, sizeof *g->norm_b);
    if (!g->a || !g->b || !g->expected || !g->got || !g->norm_a || !g->norm_b) {
        gemm_case_free(g);
        return lae_fail(LAE_ERR_NOMEM, "out of memory for the operands of a %zu×%zu×%zu GEMM",
                        s->rows, s->cols, s->inner);
    }
    fill_random(g->a, s->a_floats, &seed);
    if (!same_ab) {
        fill_random(g->b, s->b_floats, &seed);
    }
    cblas_sgemm(CblasRowMajor, s->trans_a ? CblasTrans : CblasNoTrans,
                s->trans_b ? CblasTrans : CblasNoTrans, (int)s->rows, (int)s->cols,
                (int)s->inner, 1.0f, g->a + s->a_offset, (int)s->lda, g->b + s->b_offset,
                (int)s->ldb, 0.0f, g->expected + s->c_offset, (int)s->ldc);
    for (size_t p = 0; p < s->inner; p++) {
        for (size_t i = 0; i < s->rows; i++) {
            double x = op_a(g, i, p);
            g->norm_a[i] += x * x;
        }
        for (size_t j = 0; j < s->cols; j++) {
            double y = op_b(g, p, j);
            g->norm_b[j] += y * y;
        }
    }
    for (size_t i = 0; i < s->rows; i++) {
        g->norm_a[i] = sqrt(g->norm_a[i]);
    }
    for (size_t j = 0; j < s->cols; j++) {
        g->norm_b[j] = sqrt(g->norm_b[j]);
    }

    lae_status status = lae_buffer_create(ctx, s->a_floats * sizeof(float), &g->da);
    if (status == LAE_OK) {
        status = lae_buffer_write(ctx, g->da, 0, s->a_floats * sizeof(float), g->a);
    }
    if (status == LAE_OK && same_ab) {
        g->db = g->da;
    } else if (status == LAE_OK) {
        status = lae_buffer_create(ctx, s->b_floats * sizeof(float), &g->db);
        if (status == LAE_OK) {
            status = lae_buffer_write(ctx, g->db, 0, s->b_floats * sizeof(float), g->b);
        }
    }
    if (status == LAE_OK) {
        status = lae_buffer_create(ctx, s->c_floats * sizeof(float), &g->dc);
    }
    if (status != LAE_OK) {
        gemm_case_free(g);
    }
    return status;
}

static lae_status gemm_call(lae_context *ctx, const gemm_case *g) {
    const lae_bench_shape *s = &g->shape;
    return lae_gemm(ctx, s->trans_a, s->trans_b, s->rows, s->cols, s->inner, 1.0f, g->da,
                    s->a_offset, s->lda, g->db, s->b_offset, s->ldb, 0.0f, g->dc, s->c_offset,
                    s->ldc);
}

/*
 * Runs the GEMM once on zeroed C and returns the largest scaled error against the host, and
 * the seconds the call took with C's upload and download around it.
 */
static lae_status gemm_check(lae_context *ctx, gemm_case *g, double *worst, double *seconds) {
    const lae_bench_shape *s = &g->shape;
    size_t bytes = s->c_floats * sizeof(float);

    memset(g->got, 0, bytes);
    double start = lae_bench_now();
    lae_status status = lae_buffer_write(ctx, g->dc, 0, bytes, g->got);
    if (status == LAE_OK) {
        status = gemm_call(ctx, g);
    }
    if (status == LAE_OK) {
        status = lae_buffer_read(ctx, g->dc, 0, bytes, g->got);
    }
    *seconds = lae_bench_now() - start;
    if (status != LAE_OK) {
        return status;
    }
    *worst = 0.0;
    for (size_t i = 0; i < s->rows; i++) {
        for (size_t j = 0; j < s->cols; j++) {
            size_t at = s->c_offset + i * s->ldc + j;
            double error = fabs((double)g->got[at] - (double)g->expected[at]) /
                           (g->norm_a[i] * g->norm_b[j] + 1e-30);
            if (!(error <= *worst)) {
                *worst = isnan(error) ? INFINITY : error;
            }
        }
    }
    return LAE_OK;
}

/*
 * Times a queued operation: one timed run sizes the calls per repetition (unless a warm-up
 * already took `known` seconds, longer than the target), then reps repetitions of that many
 * calls and one wait; samples receives seconds per call. An operation that takes over
 * SLOW_SECONDS a call is repeated SLOW_REPS times at most (*reps is lowered), so that a slow
 * backend on a big Gram matrix cannot hold a run for many minutes.
 */
#define SLOW_SECONDS 2.0
#define SLOW_REPS 3

typedef lae_status (*queued_op)(lae_context *ctx, void *user, size_t call);

static lae_status time_queued(lae_context *ctx, queued_op op, void *user, size_t *reps,
                              double target, double known, double *samples) {
    lae_status status = LAE_OK;
    double once = known;
    if (!(known > target)) {
        double start = lae_bench_now();
        status = op(ctx, user, 0);
        if (status == LAE_OK) {
            status = lae_context_finish(ctx);
        }
        once = lae_bench_now() - start;
    }
    size_t calls = once > 0 ? (size_t)ceil(target / once) : MAX_CALLS;
    calls = calls < 1 ? 1 : calls > MAX_CALLS ? MAX_CALLS : calls;
    if (once > SLOW_SECONDS && *reps > SLOW_REPS) {
        *reps = SLOW_REPS;
    }

    for (size_t r = 0; r < *reps && status == LAE_OK; r++) {
        double start = lae_bench_now();
        for (size_t c = 0; c < calls && status == LAE_OK; c++) {
            status = op(ctx, user, c);
        }
        if (status == LAE_OK) {
            status = lae_context_finish(ctx);
        }
        samples[r] = (lae_bench_now() - start) / (double)calls;
    }
    return status;
}

static lae_status gemm_op(lae_context *ctx, void *user, size_t call) {
    (void)call;
    return gemm_call(ctx, user);
}

static void shape_label(char *out, size_t size, const lae_bench_shape *s) {
    snprintf(out, size, "%c%c %zu×%zu×%zu", s->trans_a ? 'T' : 'N', s->trans_b ? 'T' : 'N',
             s->rows, s->cols, s->inner);
}

/* Checks, then times, one shape on every backend the device has. */
static void bench_gemm_shape(bench_device *d, lae_context *ctx, const lae_bench_shape *shape,
                             size_t k, int same_ab, const bench_options *o, double *samples) {
    static const lae_gemm_backend backends[] = {LAE_GEMM_CLBLAST, LAE_GEMM_HOST, LAE_GEMM_OWN};
    char label[64], name[96];
    gemm_case g;

    shape_label(label, sizeof label, shape);
    if (k > 0) {
        snprintf(name, sizeof name, "%s (k=%zu)", shape->name, k);
    } else {
        snprintf(name, sizeof name, "%s", shape->name);
    }
    lae_status made = gemm_case_create(ctx, shape, same_ab, &g);

    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        const char *backend = lae_gemm_backend_name(backends[b]);
        bench_result *r = bench_add(d, "gemm", name, label, backend, k);
        if (r == NULL) {
            break;
        }
        r->has_shape = 1;
        r->shape = *shape;
        if (backends[b] == LAE_GEMM_HOST && !d->host_cpu) {
            set_reason(r, BENCH_SKIPPED, "host BLAS runs only where the device is the host CPU");
            continue;
        }
        if (made != LAE_OK) {
            set_reason(r, BENCH_FAILED, lae_error_message());
            continue;
        }
        lae_log_debug("bench", "device %d: gemm %s %s on %s", d->info.index, name, label,
                      backend);
        lae_gemm_set_backend(ctx, backends[b]);

        /* The check doubles as the warm-up (CLBlast compiles its kernels on first use). */
        double worst = NAN, once = 0.0;
        if (gemm_check(ctx, &g, &worst, &once) != LAE_OK) {
            set_reason(r, BENCH_FAILED, lae_error_message());
            continue;
        }
        r->max_error = worst;
        if (!(worst <= CHECK_TOLERANCE)) {
            snprintf(r->reason, sizeof r->reason,
                     "wrong results: relative error %.3g against cblas on the host "
                     "(tolerance %g); not timed", worst, CHECK_TOLERANCE);
            r->state = BENCH_WRONG;
            continue;
        }
        size_t reps = o->reps;
        if (time_queued(ctx, gemm_op, &g, &reps, rep_seconds(o), once, samples) != LAE_OK) {
            set_reason(r, BENCH_FAILED, lae_error_message());
            continue;
        }
        bench_set_seconds(r, samples, reps, lae_bench_gemm_flops(shape));
    }
    if (made == LAE_OK) {
        gemm_case_free(&g);
    }
    lae_gemm_set_backend(ctx, LAE_GEMM_AUTO);
}

static void bench_gemms(bench_device *d, lae_context *ctx, const bench_options *o,
                        double *samples) {
    static const size_t ranks[] = {64, 784};
    lae_bench_shape shapes[LAE_BENCH_STEP_GEMMS];

    for (size_t r = 0; r < sizeof ranks / sizeof ranks[0]; r++) {
        lae_bench_step_shapes(64, 784, ranks[r], shapes);
        for (int i = 0; i < LAE_BENCH_STEP_GEMMS; i++) {
            bench_gemm_shape(d, ctx, &shapes[i], ranks[r], 0, o, samples);
        }
    }
    lae_bench_shape gram = lae_bench_gram_shape(o->gram_rows, 784);
    bench_gemm_shape(d, ctx, &gram, 0, 1, o, samples);
}

/* ---- Training ----------------------------------------------------------------------------- */

typedef struct {
    lae_trainer *trainer;
    size_t batch;
    size_t full_batches; /* whole batches in the training set */
} step_user;

static lae_status step_op(lae_context *ctx, void *user, size_t call) {
    (void)ctx;
    step_user *u = user;
    return lae_trainer_step(u->trainer, (call % u->full_batches) * u->batch, u->batch);
}

/* A step and an epoch of one model: steps back to back, epochs one at a time. */
static void bench_model(bench_device *d, lae_context *ctx, const lae_dataset *data,
                        lae_kind kind, size_t k, const bench_options *o, double *samples) {
    char label[64];
    lae_objective objective = kind == LAE_KIND_EDLAE ? lae_objective_make(kind, 0.2, 2.0, 1.0)
                                                     : lae_objective_make(kind, 0.0, 1.0, 1.0);
    if (kind == LAE_KIND_EDLAE) {
        snprintf(label, sizeof label, "EDLAE k=%zu p=0.2 a=2 b=1", k);
    } else {
        snprintf(label, sizeof label, "%s k=%zu", kind == LAE_KIND_LAE ? "LAE" : "DLAE", k);
    }
    lae_gemm_set_backend(ctx, LAE_GEMM_AUTO);
    const char *backend = lae_gemm_backend_name(lae_gemm_get_backend(ctx));
    bench_result *step = bench_add(d, "train", "step", label, backend, k);
    bench_result *epoch = bench_add(d, "train", "epoch", label, backend, k);
    if (step == NULL || epoch == NULL) {
        return;
    }
    if (data->x == NULL) {
        set_reason(step, BENCH_SKIPPED, "no training data (see --data)");
        set_reason(epoch, BENCH_SKIPPED, "no training data (see --data)");
        return;
    }

    lae_model model;
    lae_trainer *trainer = NULL;
    lae_train_params params = lae_train_defaults();
    lae_epoch_stats stats;
    lae_status status = lae_model_alloc(&model, data->m, k, 1);
    if (status != LAE_OK) {
        goto fail;
    }
    lae_model_init_uniform(&model, 1);
    model.objective = objective;
    params.batch = 64;
    status = lae_trainer_create(ctx, &model, data->x, data->n, NULL, 0, &params, &trainer);
    if (status == LAE_OK) {
        /* Warm-up: an epoch compiles what is compiled at first launch and probes buffers. */
        status = lae_trainer_epoch(trainer, &stats);
    }
    if (status == LAE_OK) {
        step_user user = {trainer, params.batch, data->n / params.batch};
        if (user.full_batches == 0) {
            set_reason(step, BENCH_SKIPPED, "fewer training examples than one batch");
        } else {
            size_t reps = o->reps;
            status = time_queued(ctx, step_op, &user, &reps, rep_seconds(o), -1.0, samples);
            if (status == LAE_OK) {
                bench_set_seconds(step, samples, reps,
                                  lae_bench_step_flops(params.batch, data->m, k));
            }
        }
    }
    for (size_t r = 0; r < o->reps && status == LAE_OK; r++) {
        double start = lae_bench_now();
        status = lae_trainer_epoch(trainer, &stats);
        samples[r] = lae_bench_now() - start;
    }
    if (status == LAE_OK) {
        bench_set_seconds(epoch, samples, o->reps, lae_bench_epoch_flops(data->n, data->m, k));
    }
fail:
    if (status != LAE_OK) {
        if (step->state == BENCH_OK && step->seconds.count == 0) {
            set_reason(step, BENCH_FAILED, lae_error_message());
        }
        set_reason(epoch, BENCH_FAILED, lae_error_message());
    }
    lae_trainer_free(trainer);
    lae_model_free(&model);
}

/* ---- Solve -------------------------------------------------------------------------------- */

/*
 * `lae solve`'s work for DLAE at full rank: the Gram matrix G = XᵀX of the first rows of the
 * data by lae_gemm on the device (upload, GEMM, download), then lae_solve on the host in
 * double with a bias. Two results: the Gram part and the solve part, each timed reps times.
 */
static lae_status solve_once(lae_context *ctx, const lae_dataset *data, size_t n, cl_mem x,
                             cl_mem g, float *g_host, double *g_double, const double *mu,
                             double *gram_seconds, double *solve_seconds) {
    size_t m = data->m;
    double start = lae_bench_now();
    lae_status status = lae_buffer_write(ctx, x, 0, n * m * sizeof(float), data->x);
    if (status == LAE_OK) {
        status = lae_gemm(ctx, 1, 0, m, m, n, 1.0f, x, 0, m, x, 0, m, 0.0f, g, 0, m);
    }
    if (status == LAE_OK) {
        status = lae_buffer_read(ctx, g, 0, m * m * sizeof(float), g_host);
    }
    if (status != LAE_OK) {
        return status;
    }
    for (size_t i = 0; i < m * m; i++) {
        g_double[i] = g_host[i];
    }
    *gram_seconds = lae_bench_now() - start;

    start = lae_bench_now();
    lae_gram_view view = {.g = g_double, .mu = mu, .n = n, .m = m};
    lae_objective objective = lae_objective_make(LAE_KIND_DLAE, 0.2, 1.0, 1.0);
    lae_solve_options options = lae_solve_options_default();
    options.bias = 1;
    lae_solution solution = {0};
    status = lae_solve(&view, &objective, &options, &solution, NULL);
    lae_solution_free(&solution);
    *solve_seconds = lae_bench_now() - start;
    return status;
}

static void bench_solve(bench_device *d, lae_context *ctx, const lae_dataset *data,
                        const bench_options *o, double *samples) {
    char label[64];
    size_t n = data->n < o->gram_rows ? data->n : o->gram_rows;
    cl_mem x = NULL, g = NULL;
    float *g_host = NULL;
    double *g_double = NULL, *mu = NULL;

    snprintf(label, sizeof label, "DLAE k=m p=0.2 n=%zu", n);
    lae_gemm_set_backend(ctx, LAE_GEMM_AUTO);
    const char *backend = lae_gemm_backend_name(lae_gemm_get_backend(ctx));
    bench_result *gram = bench_add(d, "solve", "Gram XᵀX on the device", label, backend, 0);
    bench_result *solve = bench_add(d, "solve", "lae_solve on the host", label, "", 0);
    if (gram == NULL || solve == NULL) {
        return;
    }
    if (data->x == NULL) {
        set_reason(gram, BENCH_SKIPPED, "no training data (see --data)");
        set_reason(solve, BENCH_SKIPPED, "no training data (see --data)");
        return;
    }
    if (n < o->gram_rows) {
        lae_log_warn("bench", "solve: the data has %zu images, fewer than --gram-rows %zu; "
                     "timing the solve on %zu", data->n, o->gram_rows, n);
    }

    size_t m = data->m;
    lae_status status = LAE_OK;
    g_host = malloc(m * m * sizeof *g_host);
    g_double = malloc(m * m * sizeof *g_double);
    mu = calloc(m, sizeof *mu);
    if (g_host == NULL || g_double == NULL || mu == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "out of memory for a %zu×%zu Gram matrix", m, m);
    }
    for (size_t i = 0; i < n && status == LAE_OK; i++) {
        for (size_t j = 0; j < m; j++) {
            mu[j] += data->x[i * m + j] / (double)n;
        }
    }
    if (status == LAE_OK) {
        status = lae_buffer_create(ctx, n * m * sizeof(float), &x);
    }
    if (status == LAE_OK) {
        status = lae_buffer_create(ctx, m * m * sizeof(float), &g);
    }

    /* One warm-up, then reps timed runs. */
    double *solve_samples = samples + o->reps;
    double gram_once = 0.0, solve_once_s = 0.0;
    if (status == LAE_OK) {
        status = solve_once(ctx, data, n, x, g, g_host, g_double, mu, &gram_once, &solve_once_s);
    }
    for (size_t r = 0; r < o->reps && status == LAE_OK; r++) {
        status = solve_once(ctx, data, n, x, g, g_host, g_double, mu, &samples[r],
                            &solve_samples[r]);
    }
    if (status == LAE_OK) {
        bench_set_seconds(gram, samples, o->reps, 2.0 * (double)m * (double)m * (double)n);
        bench_set_seconds(solve, solve_samples, o->reps, 0);
    } else {
        set_reason(gram, BENCH_FAILED, lae_error_message());
        set_reason(solve, BENCH_FAILED, lae_error_message());
    }
    if (g != NULL) {
        clReleaseMemObject(g);
    }
    if (x != NULL) {
        clReleaseMemObject(x);
    }
    free(mu);
    free(g_double);
    free(g_host);
}

/* ---- One device --------------------------------------------------------------------------- */

static void bench_one_device(bench_device *d, const bench_options *o, const lae_dataset *data,
                             const lae_dataset *all, double *samples) {
    lae_context *ctx = NULL, *second = NULL;
    const char *compile_label = o->cold ? "cold cache" : "driver cache as found";

    /* Compile: the first context's build, then a second one's (a driver cache shows here). */
    if (lae_context_create(&d->info, &ctx) != LAE_OK) {
        snprintf(d->error, sizeof d->error, "%s", lae_error_message());
        return;
    }
    d->opened = 1;
    bench_result *r = bench_add(d, "compile", "first context", compile_label, "", 0);
    double build = lae_context_build_seconds(ctx);
    if (r != NULL) {
        bench_set_seconds(r, &build, 1, 0);
    }
    r = bench_add(d, "compile", "second context", "", "", 0);
    if (r != NULL && lae_context_create(&d->info, &second) == LAE_OK) {
        build = lae_context_build_seconds(second);
        bench_set_seconds(r, &build, 1, 0);
        lae_context_free(second);
    } else if (r != NULL) {
        set_reason(r, BENCH_FAILED, lae_error_message());
    }
    lae_log_info("bench", "device %d: %s (%s, %s, driver %s): kernels built in %.2f s",
                 d->info.index, d->info.name, d->info.vendor,
                 lae_device_type_name(d->info.type), d->info.driver,
                 lae_context_build_seconds(ctx));

    /* Peak FMA rate, measured as rates; the device's peak is the best repetition (see
     * src/bench/probe.c), against which the medians of everything else are compared. */
    const char *peak_kernel = "";
    r = bench_add(d, "peak", "FMA rate", "fp32", "", 0);
    if (r != NULL &&
        lae_bench_peak(ctx, o->quick ? 0.02 : 0.1, o->reps, samples, &peak_kernel) == LAE_OK) {
        r->gflops = lae_bench_summarise(samples, o->reps);
        snprintf(r->label, sizeof r->label, "fp32, %s, best", peak_kernel);
        d->peak_gflops = r->gflops.max;
    } else if (r != NULL) {
        set_reason(r, BENCH_FAILED, lae_error_message());
    }

    /* Launch latency, each repetition a sample. */
    bench_result *queued = bench_add(d, "launch", "one-item kernel", "back to back", "", 0);
    bench_result *waited = bench_add(d, "launch", "one-item kernel", "with a wait", "", 0);
    if (queued != NULL && waited != NULL) {
        double *waits = samples + o->reps;
        lae_status status = LAE_OK;
        for (size_t i = 0; i < o->reps && status == LAE_OK; i++) {
            status = lae_bench_launch(ctx, o->quick ? 50 : 200, &samples[i], &waits[i]);
        }
        if (status == LAE_OK) {
            bench_set_seconds(queued, samples, o->reps, 0);
            bench_set_seconds(waited, waits, o->reps, 0);
        } else {
            set_reason(queued, BENCH_FAILED, lae_error_message());
            set_reason(waited, BENCH_FAILED, lae_error_message());
        }
    }

    lae_log_info("bench", "device %d: GEMMs", d->info.index);
    bench_gemms(d, ctx, o, samples);

    lae_log_info("bench", "device %d: training", d->info.index);
    bench_model(d, ctx, data, LAE_KIND_LAE, 64, o, samples);
    bench_model(d, ctx, data, LAE_KIND_EDLAE, 64, o, samples);
    bench_model(d, ctx, data, LAE_KIND_LAE, 784, o, samples);

    lae_log_info("bench", "device %d: solve", d->info.index);
    bench_solve(d, ctx, all, o, samples);
    lae_context_free(ctx);
}

/* ---- The command -------------------------------------------------------------------------- */

static int parse_options(int argc, char **argv, bench_options *o) {
    flag_spec flags[] = {
        {"device", FLAG_STRING, &o->device, "N|NAME",
         "one device, by index or name substring (default: every device)", 0},
        {"reps", FLAG_SIZE, &o->reps, "N", "timed repetitions of each figure (5; --quick 3)", 0},
        {"quick", FLAG_BOOL, &o->quick, "",
         "small sizes and few repetitions: well under a minute on two CPU cores", 0},
        {"json", FLAG_BOOL, &o->json, "", "one JSON object on stdout instead of the table", 0},
        {"png", FLAG_STRING, &o->png, "FILE", "a bar chart of every rate, across devices", 0},
        {"gram-rows", FLAG_SIZE, &o->gram_rows, "N",
         "rows n of the XᵀX GEMM (60000; --quick 1000)", 0},
        {"train", FLAG_SIZE, &o->train, "N",
         "training examples for the step and epoch timings (5000; --quick 1000)", 0},
        {"data", FLAG_STRING, &o->data, "DIR", "folder of IDX files (default: the bundled digits)",
         0},
        {"cold", FLAG_BOOL, &o->cold, "",
         "on PoCL, compile the first context with an empty kernel cache", 0},
    };
    size_t count = sizeof flags / sizeof flags[0];
    int parsed = flags_parse("bench", "[OPTIONS]", flags, count, argc, argv, 2, NULL, 0, NULL);
    if (parsed != 0) {
        return parsed == 1 ? -1 : 2;
    }
    if (!flags_seen(flags, count, "reps")) {
        o->reps = o->quick ? 3 : 5;
    }
    if (!flags_seen(flags, count, "gram-rows")) {
        o->gram_rows = o->quick ? 1000 : 60000;
    }
    if (!flags_seen(flags, count, "train")) {
        o->train = o->quick ? 1000 : 5000;
    }
    if (o->png != NULL && lae_output_check(o->png, NULL, 0) != LAE_OK) {
        fprintf(stderr, "lae bench: error: --png: %s\n", lae_error_message());
        return 2;
    }
    if (o->png != NULL && output_spares_data("bench", "--png", o->png,
                                             o->data != NULL ? o->data : default_data_dir())) {
        return 2;
    }
    if (o->reps < 1 || o->reps > 1000) {
        fprintf(stderr, "lae bench: error: --reps must be between 1 and 1000, got %zu\n",
                o->reps);
        return 2;
    }
    if (o->gram_rows < 1 || o->gram_rows > 1000000) {
        fprintf(stderr, "lae bench: error: --gram-rows must be between 1 and 1000000, got %zu\n",
                o->gram_rows);
        return 2;
    }
    if (o->train < 1) {
        fprintf(stderr, "lae bench: error: --train must be at least 1\n");
        return 2;
    }
    return 0;
}

/*
 * --cold on PoCL: an empty POCL_CACHE_DIR, set before the first OpenCL call, so the first
 * context compiles from source and the second finds the first's binaries. Other drivers keep
 * caches lae cannot redirect (NVIDIA's ~/.nv/ComputeCache, which CUDA_CACHE_DISABLE=1 turns
 * off for every context; AMD's and Intel's per-user caches), so there "cold" means only what
 * the driver's cache held when the run began.
 */
static int make_cold_cache(char *dir, size_t size) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/lae-bench-pocl-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "lae bench: error: --cold: cannot create a folder from %s\n", dir);
        return 1;
    }
    setenv("POCL_CACHE_DIR", dir, 1);
    return 0;
}

int cmd_bench(int argc, char **argv) {
    bench_options o = {0};
    bench_run run = {0};
    lae_device_info *infos = NULL;
    size_t ninfos = 0;
    lae_dataset data = {0}, train_data = {0};
    double *samples = NULL;
    char cache_dir[512] = "";
    int code = 0;

    int parsed = parse_options(argc, argv, &o);
    if (parsed != 0) {
        return parsed < 0 ? 0 : parsed;
    }
    if (o.cold && make_cold_cache(cache_dir, sizeof cache_dir) != 0) {
        return 1;
    }
    run.reps = o.reps;
    run.quick = o.quick;
    run.batch = 64;
    run.train_examples = o.train;
    run.gram_rows = o.gram_rows;
    run.cold = o.cold;
    run.cache_dir = o.cold ? cache_dir : NULL;

    /* The devices: the one named, or all. */
    if (o.device != NULL) {
        infos = malloc(sizeof *infos);
        ninfos = 1;
        if (infos == NULL || lae_device_select(o.device, infos) != LAE_OK) {
            code = report_error("bench");
            goto done;
        }
    } else if (lae_device_list(&infos, &ninfos) != LAE_OK) {
        code = report_error("bench");
        goto done;
    }
    run.devices = calloc(ninfos, sizeof *run.devices);
    samples = malloc(2 * o.reps * sizeof *samples);
    if (run.devices == NULL || samples == NULL) {
        fprintf(stderr, "lae bench: error: out of memory\n");
        code = 1;
        goto done;
    }

    /* Training data: without it the training figures are skipped, the rest still runs. */
    lae_norm norm = {.enabled = 1, .mean = 0.1307, .std = 0.3081};
    const char *dir = o.data != NULL ? o.data : default_data_dir();
    if (lae_dataset_load(dir, "train", 0, &norm, &data) != LAE_OK) {
        lae_log_warn("bench", "training and solve figures skipped: %s", lae_error_message());
    } else if (data.n < o.train) {
        lae_log_warn("bench", "training figures skipped: --train %zu but %s has %zu images",
                     o.train, dir, data.n);
        train_data.x = NULL;
    } else {
        train_data = data;
        train_data.n = o.train;
    }
    lae_log_info("bench", "%zu repetitions; batch 64; %zu training examples from %s "
                 "(normalised, mean 0.1307, std 0.3081), weights seeded 1, Adam lr 1e-3; "
                 "Gram of %zu random rows; %s compile", o.reps, o.train, dir, o.gram_rows,
                 o.cold ? "cold" : "warm-or-cold");

    for (size_t i = 0; i < ninfos; i++) {
        bench_device *d = &run.devices[run.count++];
        d->info = infos[i];
        d->host_cpu = lae_device_is_host_cpu(&infos[i]);
        d->peak_gflops = NAN;
        bench_one_device(d, &o, &train_data, &data, samples);
        if (!d->opened) {
            lae_log_warn("bench", "device %d (%s) not measured: %s", d->info.index,
                         d->info.name, d->error);
        }
    }

    size_t opened = 0;
    for (size_t i = 0; i < run.count; i++) {
        opened += run.devices[i].opened;
    }
    if (opened == 0) {
        fprintf(stderr, "lae bench: error: no device could be measured (see the messages above)\n");
        code = 1;
    }
    if (o.json) {
        bench_write_json(stdout, &run);
    } else {
        bench_print_table(stdout, &run);
    }
    fflush(stdout);
    if (o.png != NULL) {
        if (bench_write_png(o.png, &run) != LAE_OK) {
            code = report_error("bench");
        } else {
            lae_log_info("bench", "wrote %s", o.png); /* stdout may be the --json object */
        }
        lae_report_release_caches();
    }

done:
    free(samples);
    lae_dataset_free(&data);
    bench_run_free(&run);
    free(infos);
    if (o.cold && cache_dir[0] != '\0') {
        remove_tree(cache_dir);
    }
    return code;
}
