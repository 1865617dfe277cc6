/*
 * `lae experiment`: the study of Steck (NeurIPS 2020) on the bundled digits, in one command. It
 * trains LAE, DLAE and EDLAE at rank 64 and at full rank (plus the untrained start) on one
 * device with one seed and the tutorial's hyperparameters, then writes a report folder: a page
 * to read first, single pictures, results.json, results.csv and a README. It does not tune
 * anything and does not average over seeds; one run is one sample.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "cli/commands.h"
#include "cli/common.h"
#include "lae/atomic_file.h"
#include "lae/gram.h"
#include "lae/log.h"
#include "lae/solve.h"
#include "lae/study.h"
#include "lae/train.h"

/* The tutorial's objective and rank (MATH.md, "What the tutorial shows"). */
#define STUDY_P    0.2
#define STUDY_A    2.0
#define STUDY_B    1.0
#define STUDY_RANK 64

/* Digits shown by the page and by each recon-<name>.png. */
#define STUDY_DIGITS 16

/* --quick: small enough for under a minute on two CPU cores, long enough for the ordering. */
#define QUICK_TRAIN  2000
#define QUICK_TEST   500
#define QUICK_EPOCHS 20

typedef struct {
    const char *name; /* also the file-name part of its pictures */
    lae_kind kind;
    int full_rank;    /* k = m, else STUDY_RANK */
    int trained;      /* 0: the random start, never trained */
    int draw_b;       /* write B-<name>.png */
} model_spec;

static const model_spec specs[] = {
    {"untrained", LAE_KIND_LAE, 0, 0, 0},
    {"lae-full", LAE_KIND_LAE, 1, 1, 1},
    {"lae-64", LAE_KIND_LAE, 0, 1, 1},
    {"dlae-64", LAE_KIND_DLAE, 0, 1, 0},
    {"edlae-64", LAE_KIND_EDLAE, 0, 1, 0},
    {"dlae-full", LAE_KIND_DLAE, 1, 1, 1},
    {"edlae-full", LAE_KIND_EDLAE, 1, 1, 1},
};
#define NSPECS (sizeof specs / sizeof specs[0])

typedef struct {
    lae_model model;
    double *product; /* B, m×m */
    lae_identity_metrics metrics;
    double train_loss, test_mse, seconds;
    double optimum;    /* (E − E*)/E₀, see score_against_optimum; NaN when unknown */
    double excess;     /* (E − E*)/E*, NaN when unknown or E* = 0 */
    double b_distance; /* ‖B − B*‖_F/‖B*‖_F, NaN when unknown */
    double solve_seconds;
    char solve_method[96];
    double *epoch, *train_curve, *test_curve; /* points each, epoch 0 first */
    size_t points;
    float *recon;    /* STUDY_DIGITS×m reconstructions of the first test digits */
} model_result;

typedef struct {
    device_options device;
    data_options data;
    const char *out;
    int epochs;
    int quick;
    uint64_t seed;
    int json;
} experiment_options;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void result_free(model_result *r) {
    lae_model_free(&r->model);
    free(r->product);
    free(r->epoch);
    free(r->train_curve);
    free(r->test_curve);
    free(r->recon);
    memset(r, 0, sizeof *r);
}

/*
 * --out must be a folder or a name whose parent folder exists and is writable; checked before
 * any data is loaded or any device opened, so that a typo costs nothing.
 */
/* Whether each file the report writes can be written in an existing folder dir. */
static int check_out_files(const char *dir) {
    static const char *const fixed[] = {"report.png", "curves.png", "results.csv",
                                        "results.json", "README.md"};
    char paths[sizeof fixed / sizeof fixed[0] + 3 * NSPECS][4400];
    size_t count = 0;

    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        snprintf(paths[count++], sizeof paths[0], "%s/%s", dir, fixed[i]);
    }
    for (size_t i = 0; i < NSPECS; i++) {
        snprintf(paths[count++], sizeof paths[0], "%s/recon-%s.png", dir, specs[i].name);
        snprintf(paths[count++], sizeof paths[0], "%s/diag-%s.png", dir, specs[i].name);
        if (specs[i].draw_b) {
            snprintf(paths[count++], sizeof paths[0], "%s/B-%s.png", dir, specs[i].name);
        }
    }
    for (size_t i = 0; i < count; i++) {
        if (lae_output_check(paths[i], NULL, 0) != LAE_OK) {
            fprintf(stderr, "lae experiment: error: --out: %s\n", lae_error_message());
            return 2;
        }
    }
    return 0;
}

static int check_out_dir(const char *dir) {
    struct stat info;
    if (stat(dir, &info) == 0) {
        if (!S_ISDIR(info.st_mode)) {
            fprintf(stderr, "lae experiment: error: --out %s exists and is not a folder\n", dir);
            return 2;
        }
        return check_out_files(dir);
    }

    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    size_t len = strlen(parent);
    while (len > 1 && parent[len - 1] == '/') {
        parent[--len] = '\0';
    }
    char *slash = strrchr(parent, '/');
    if (slash == NULL) {
        snprintf(parent, sizeof parent, ".");
    } else if (slash == parent) {
        parent[1] = '\0';
    } else {
        *slash = '\0';
    }
    if (stat(parent, &info) != 0 || !S_ISDIR(info.st_mode)) {
        fprintf(stderr, "lae experiment: error: --out %s: the parent folder '%s' does not exist "
                "(lae creates the report folder itself, but not its parents)\n", dir, parent);
        return 2;
    }
    if (access(parent, W_OK | X_OK) != 0) {
        fprintf(stderr, "lae experiment: error: --out %s: cannot create it in '%s': %s\n", dir,
                parent, strerror(errno));
        return 2;
    }
    return 0;
}

/* The sufficient statistics of the training set for the exact solutions, in double. */
typedef struct {
    double *g;  /* m×m, G = XᵀX, both triangles */
    double *mu; /* m column means */
    size_t n, m;
} gram_data;

static void gram_free(gram_data *gram) {
    free(gram->g);
    free(gram->mu);
    memset(gram, 0, sizeof *gram);
}

/* G = XᵀX and the column means of the training set, on the device as `lae solve` does. */
static lae_status gram_of(lae_context *ctx, const lae_dataset *train, gram_data *gram) {
    size_t n = train->n, m = train->m;

    memset(gram, 0, sizeof *gram);
    gram->g = malloc(m * m * sizeof *gram->g);
    gram->mu = malloc(m * sizeof *gram->mu);
    if (gram->g == NULL || gram->mu == NULL) {
        gram_free(gram);
        return lae_fail(LAE_ERR_NOMEM, "out of memory for the Gram matrix of %zu×%zu", n, m);
    }
    lae_status status = lae_gram_compute(ctx, train->x, n, m, 0, gram->g, gram->mu);
    if (status != LAE_OK) {
        gram_free(gram);
        return status;
    }
    gram->n = n;
    gram->m = m;
    return LAE_OK;
}

/*
 * Solves r's objective exactly (same kind, p, a, b and rank, with a bias, no extra ridge) and
 * scores the trained model against it with the exact expected loss E[L](B, c) of MATH.md, c =
 * W_dec·b_enc + b_dec being the model's output bias:
 *   r->optimum    = (E − E*)/E₀, E₀ the loss of B = 0 with c = μ (every digit read as the mean
 *                   digit). Not (E − E*)/E*: full-rank LAE has E* = 0 (the identity).
 *   r->excess     = (E − E*)/E*, NaN where E* is below 1e-9·E₀.
 *   r->b_distance = ‖B − B*‖_F/‖B*‖_F; it counts rows and columns of constant pixels, which the
 *                   loss cannot see, so it overstates how far a model is.
 * All stay NaN, with a warning, when the solver refuses the problem.
 */
static void score_against_optimum(model_result *r, const gram_data *gram, uint64_t seed) {
    const lae_model *model = &r->model;
    const lae_objective *obj = &model->objective;
    size_t m = model->m, k = model->k;
    lae_solve_options opt = lae_solve_options_default();
    lae_gram_view view = {gram->g, gram->mu, gram->n, m};
    lae_solution sol;
    lae_solve_info info;
    double start = now_seconds();

    /* Block-coordinate descent (rank-k EDLAE) stops at a relative tolerance far below any
     * excess worth printing; the default 1e-12 costs tens of seconds for nothing seen here. */
    opt.k = k;
    opt.bias = 1;
    opt.seed = seed;
    opt.tol = 1e-7;
    memset(&sol, 0, sizeof sol);
    if (lae_solve(&view, obj, &opt, &sol, &info) != LAE_OK) {
        lae_log_warn("experiment", "no exact optimum for %s k %zu: %s", lae_kind_name(obj->kind),
                     k, lae_error_message());
        return;
    }
    snprintf(r->solve_method, sizeof r->solve_method, "%s", info.method);

    double *c = malloc(m * sizeof *c);
    double *zero = calloc(m * m, sizeof *zero);
    double *b_star = lae_solution_product(&sol);
    if (c == NULL || zero == NULL || b_star == NULL) {
        lae_log_warn("experiment", "out of memory scoring against the exact optimum");
        goto done;
    }
    double mean_loss = lae_expected_loss_bias(gram->g, gram->mu, gram->n, m, zero, gram->mu, obj);
    for (size_t j = 0; j < m; j++) {
        double sum = model->b_dec[j];
        for (size_t t = 0; t < k; t++) {
            sum += (double)model->w_dec[j * k + t] * model->b_enc[t];
        }
        c[j] = sum;
    }
    double f = lae_expected_loss_bias(gram->g, gram->mu, gram->n, m, r->product, c, obj);
    double f_star = info.expected_loss;
    r->optimum = (f - f_star) / mean_loss;
    r->excess = f_star > 1e-9 * mean_loss ? lae_relative_excess(f, f_star) : NAN;
    r->b_distance = lae_relative_distance(r->product, b_star, m);
    r->solve_seconds = now_seconds() - start;

done:
    free(b_star);
    free(zero);
    free(c);
    lae_solution_free(&sol);
}

/*
 * Trains (or, for the untrained spec, only evaluates) one model from the common seed and fills
 * r. The curve has one point before training and one after each epoch.
 */
static lae_status run_model(lae_context *ctx, const model_spec *spec, const loaded_data *data,
                            const lae_train_params *params, model_result *r) {
    lae_status status = LAE_OK;
    lae_trainer *trainer = NULL;
    size_t m = data->train.m;
    size_t k = spec->full_rank ? m : STUDY_RANK;
    int epochs = spec->trained ? params->epochs : 0;
    double start = now_seconds();

    memset(r, 0, sizeof *r);
    r->train_loss = NAN;
    r->optimum = NAN;
    r->excess = NAN;
    r->b_distance = NAN;
    r->solve_seconds = NAN;
    status = lae_model_alloc(&r->model, m, k, 1);
    if (status != LAE_OK) {
        return status;
    }
    lae_model_init_uniform(&r->model, params->seed);
    r->model.objective = lae_objective_make(spec->kind, STUDY_P, STUDY_A, STUDY_B);
    r->model.norm = data->norm;
    r->model.image_rows = data->train.rows;
    r->model.image_cols = data->train.cols;

    size_t cap = (size_t)epochs + 1;
    r->epoch = malloc(cap * sizeof *r->epoch);
    r->train_curve = malloc(cap * sizeof *r->train_curve);
    r->test_curve = malloc(cap * sizeof *r->test_curve);
    r->recon = malloc(STUDY_DIGITS * m * sizeof *r->recon);
    if (r->epoch == NULL || r->train_curve == NULL || r->test_curve == NULL || r->recon == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "%s: out of memory for its curves", spec->name);
        goto fail;
    }

    /* Epoch 0 is the random start, measured the same way as every later epoch. */
    status = lae_trainer_create(ctx, &r->model, data->train.x, data->train.n, data->test.x,
                                data->test.n, params, &trainer);
    if (status != LAE_OK) {
        goto fail;
    }
    status = lae_trainer_evaluate(trainer, &r->test_mse);
    if (status != LAE_OK) {
        goto fail;
    }
    r->epoch[0] = 0;
    r->train_curve[0] = NAN;
    r->test_curve[0] = r->test_mse;
    r->points = 1;

    for (int e = 1; e <= epochs; e++) {
        lae_epoch_stats stats;
        status = lae_trainer_epoch(trainer, &stats);
        if (status != LAE_OK) {
            goto fail;
        }
        if (!isfinite(stats.train_loss)) {
            status = lae_fail(LAE_ERR_NUMERIC, "%s: the training loss became %g at epoch %d",
                              spec->name, stats.train_loss, e);
            goto fail;
        }
        r->epoch[r->points] = e;
        r->train_curve[r->points] = stats.train_loss;
        r->test_curve[r->points] = stats.test_mse;
        r->points++;
        r->train_loss = stats.train_loss;
        r->test_mse = stats.test_mse;
        lae_log_debug("experiment", "%s: epoch %d/%d train loss %.6f test mse %.6f", spec->name,
                      e, epochs, stats.train_loss, stats.test_mse);
    }
    status = lae_trainer_download(trainer, &r->model);
    if (status != LAE_OK) {
        goto fail;
    }
    snprintf(r->model.source, sizeof r->model.source, "%s", spec->trained ? "trained" : "init");
    r->model.epochs = epochs;
    r->model.batch = (int)params->batch;
    r->model.lr = params->lr;
    r->seconds = now_seconds() - start;

    /* B, its metrics, and the digits of the pictures. */
    status = lae_model_product(&r->model, &r->product);
    if (status != LAE_OK) {
        goto fail;
    }
    r->metrics = lae_identity_metrics_of(r->product, m);
    lae_model_reconstruct(&r->model, data->test.x, STUDY_DIGITS, r->recon);

fail:
    lae_trainer_free(trainer);
    return status;
}

/* ---- Outputs ------------------------------------------------------------------------------ */

typedef struct {
    const experiment_options *o;
    const loaded_data *data;
    const lae_context *ctx;
    const model_result *results;
    double total_seconds;
} study_run;

static void join_path(char *out, size_t size, const char *dir, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

/* The text chunks of a picture: one model's, or (r == NULL) the whole study's. */
typedef struct {
    char k[48], p[48], a[48], b[48], seed[32];
    lae_png_text texts[9];
} picture_texts;

static void make_texts(picture_texts *t, const study_run *run, const model_spec *spec,
                       const model_result *r) {
    const lae_device_info *info = lae_context_device(run->ctx);
    snprintf(t->seed, sizeof t->seed, "%llu", (unsigned long long)run->o->seed);
    if (r != NULL) {
        snprintf(t->k, sizeof t->k, "%zu", r->model.k);
        snprintf(t->p, sizeof t->p, "%g", r->model.objective.p);
        snprintf(t->a, sizeof t->a, "%g", r->model.objective.a);
        snprintf(t->b, sizeof t->b, "%g", r->model.objective.b);
    } else {
        snprintf(t->k, sizeof t->k, "%d and %zu", STUDY_RANK, run->data->train.m);
        snprintf(t->p, sizeof t->p, "0 (lae) and %g (dlae, edlae)", STUDY_P);
        snprintf(t->a, sizeof t->a, "1 (lae, dlae) and %g (edlae)", STUDY_A);
        snprintf(t->b, sizeof t->b, "%g", STUDY_B);
    }
    lae_png_text texts[9] = {
        {"model", r != NULL ? lae_kind_name(r->model.objective.kind) : "all of results.csv"},
        {"name", spec != NULL ? spec->name : "study"},
        {"k", t->k}, {"p", t->p}, {"a", t->a}, {"b", t->b}, {"seed", t->seed},
        {"device", info->name}, {"lae version", LAE_VERSION_STRING},
    };
    memcpy(t->texts, texts, sizeof texts);
}

/* Creates a canvas, lets draw fill it, and saves it under dir/name. */
typedef lae_status (*draw_fn)(lae_canvas *canvas, const study_run *run, size_t index);

static lae_status save_picture(const study_run *run, const char *name, int width, int height,
                               draw_fn draw, size_t index, const picture_texts *texts) {
    char path[4096];
    lae_canvas *canvas = NULL;
    lae_status status = lae_canvas_create(&canvas, width, height);
    if (status != LAE_OK) {
        return status;
    }
    status = draw(canvas, run, index);
    if (status == LAE_OK) {
        join_path(path, sizeof path, run->o->out, name);
        status = lae_canvas_save_png(canvas, path, texts->texts, 9);
    }
    lae_canvas_free(canvas);
    return status;
}

static lae_status draw_recon(lae_canvas *canvas, const study_run *run, size_t i) {
    const model_result *r = &run->results[i];
    const lae_objective *obj = &r->model.objective;
    size_t m = r->model.m;
    float *dropped = NULL;
    char title[160];

    /* The dropped-out inputs of training, as `lae recon --dropped` draws them. */
    if (obj->p > 0) {
        dropped = malloc(STUDY_DIGITS * m * sizeof *dropped);
        if (dropped == NULL) {
            return lae_fail(LAE_ERR_NOMEM, "no memory for the dropped inputs");
        }
        dropout_inputs(run->data->test.x, STUDY_DIGITS, m, obj->p, run->o->seed, dropped);
    }
    snprintf(title, sizeof title, "%s: %s, k %zu, p %g, a %g, b %g, %d epochs, test MSE %.5f",
             specs[i].name, lae_kind_name(obj->kind), r->model.k, obj->p, obj->a, obj->b,
             r->model.epochs, r->test_mse);
    lae_digit_grid grid = {
        .originals = run->data->test.x, .dropped = dropped, .reconstructions = r->recon,
        .count = STUDY_DIGITS, .rows = r->model.image_rows, .cols = r->model.image_cols,
        .norm = r->model.norm, .title = title,
    };
    lae_rect rect = {10, 8, lae_canvas_width(canvas) - 20, lae_canvas_height(canvas) - 12};
    lae_status status = lae_draw_digit_grid(canvas, rect, &grid, NULL);
    free(dropped);
    return status;
}

static lae_status draw_diag(lae_canvas *canvas, const study_run *run, size_t i) {
    const model_result *r = &run->results[i];
    char title[96];
    snprintf(title, sizeof title, "diag(B) of %s (mean %.4f)", specs[i].name,
             r->metrics.diag_mean);
    lae_rect rect = {10, 8, lae_canvas_width(canvas) - 20, lae_canvas_height(canvas) - 16};
    return lae_draw_diag_panel(canvas, rect, r->product, r->model.image_rows,
                               r->model.image_cols, title);
}

static lae_status draw_b(lae_canvas *canvas, const study_run *run, size_t i) {
    const model_result *r = &run->results[i];
    char title[96];
    snprintf(title, sizeof title, "B of %s (k %zu)", specs[i].name, r->model.k);
    lae_rect rect = {10, 8, lae_canvas_width(canvas) - 20, lae_canvas_height(canvas) - 16};
    return lae_draw_product(canvas, rect, r->product, r->model.m, title);
}

static lae_status draw_curves(lae_canvas *canvas, const study_run *run, size_t unused) {
    lae_curve curves[NSPECS];
    (void)unused;
    for (size_t i = 0; i < NSPECS; i++) {
        const model_result *r = &run->results[i];
        curves[i] = (lae_curve){specs[i].name, r->epoch, r->train_curve, r->test_curve,
                                specs[i].trained ? r->points : 0};
    }
    lae_rect rect = {10, 10, lae_canvas_width(canvas) - 20, lae_canvas_height(canvas) - 20};
    return lae_draw_loss_curves(canvas, rect, curves, NSPECS);
}

static void describe_run(char *out, size_t size, const study_run *run) {
    const experiment_options *o = run->o;
    const lae_device_info *info = lae_context_device(run->ctx);
    snprintf(out, size, "%zu training and %zu test digits; %d epochs of Adam (lr 0.001, batch 64); "
             "dropout p %g, emphasis a %g, b %g; seed %llu; device %s (gemm %s); lae %s%s",
             run->data->train.n, run->data->test.n, o->epochs, STUDY_P, STUDY_A, STUDY_B,
             (unsigned long long)o->seed, info->name,
             lae_gemm_backend_name(lae_gemm_get_backend(run->ctx)), LAE_VERSION_STRING,
             o->quick ? "; --quick" : "");
}

static lae_status draw_page(lae_canvas *canvas, const study_run *run, size_t unused) {
    lae_study_entry entries[NSPECS];
    char subtitle[512];
    (void)unused;
    for (size_t i = 0; i < NSPECS; i++) {
        const model_result *r = &run->results[i];
        entries[i] = (lae_study_entry){
            .name = specs[i].name, .model = &r->model, .product = r->product,
            .metrics = r->metrics, .train_loss = r->train_loss, .test_mse = r->test_mse,
            .optimum_distance = r->optimum, .seconds = r->seconds,
            .curve = {specs[i].name, r->epoch, r->train_curve, r->test_curve,
                      specs[i].trained ? r->points : 0},
            .reconstructions = r->recon,
        };
    }
    describe_run(subtitle, sizeof subtitle, run);
    lae_study study = {
        .entries = entries, .count = NSPECS, .originals = run->data->test.x,
        .ndigits = STUDY_DIGITS, .rows = run->data->test.rows, .cols = run->data->test.cols,
        .norm = run->data->norm,
        .title = "Linear autoencoders and the identity: LAE, DLAE and EDLAE on digits",
        .subtitle = subtitle,
    };
    return lae_draw_study_page(canvas, &study);
}

static void write_json(FILE *out, const study_run *run) {
    const experiment_options *o = run->o;
    json_writer w;
    json_init(&w, out);
    json_object_begin(&w, NULL);
    json_string(&w, "command", "experiment");
    json_string(&w, "lae_version", LAE_VERSION_STRING);
    json_device(&w, "device", run->ctx);
    json_object_begin(&w, "settings");
    json_int(&w, "epochs", o->epochs);
    json_bool(&w, "quick", o->quick);
    json_int(&w, "train", (long long)run->data->train.n);
    json_int(&w, "test", (long long)run->data->test.n);
    json_int(&w, "seed", (long long)o->seed);
    json_int(&w, "batch", 64);
    json_number(&w, "lr", 1e-3);
    json_int(&w, "rank", STUDY_RANK);
    json_number(&w, "p", STUDY_P);
    json_number(&w, "a", STUDY_A);
    json_number(&w, "b", STUDY_B);
    json_bool(&w, "normalize", run->data->norm.enabled);
    json_number(&w, "total_seconds", run->total_seconds);
    json_object_end(&w);
    json_array_begin(&w, "models");
    for (size_t i = 0; i < NSPECS; i++) {
        const model_result *r = &run->results[i];
        const lae_objective *obj = &r->model.objective;
        json_object_begin(&w, NULL);
        json_string(&w, "name", specs[i].name);
        json_string(&w, "kind", lae_kind_name(obj->kind));
        json_int(&w, "k", (long long)r->model.k);
        json_number(&w, "p", obj->p);
        json_number(&w, "a", obj->a);
        json_number(&w, "b", obj->b);
        json_int(&w, "epochs", r->model.epochs);
        json_number(&w, "train_loss", r->train_loss);
        json_number(&w, "test_mse", r->test_mse);
        json_number(&w, "diag_mean", r->metrics.diag_mean);
        json_number(&w, "diag_rms_error", r->metrics.diag_rms_error);
        json_number(&w, "offdiag_share", r->metrics.offdiag_share);
        json_number(&w, "b_frobenius", r->metrics.frobenius);
        json_number(&w, "seconds", r->seconds);
        json_number(&w, "optimum_distance", r->optimum);
        json_number(&w, "optimum_relative_excess", r->excess);
        json_number(&w, "optimum_b_distance", r->b_distance);
        json_string(&w, "optimum_method", r->solve_method);
        json_number(&w, "solve_seconds", r->solve_seconds);
        json_object_begin(&w, "curve");
        json_array_begin(&w, "epoch");
        for (size_t e = 0; e < r->points; e++) {
            json_int(&w, NULL, (long long)r->epoch[e]);
        }
        json_array_end(&w);
        json_array_begin(&w, "train_loss");
        for (size_t e = 0; e < r->points; e++) {
            json_number(&w, NULL, r->train_curve[e]);
        }
        json_array_end(&w);
        json_array_begin(&w, "test_mse");
        for (size_t e = 0; e < r->points; e++) {
            json_number(&w, NULL, r->test_curve[e]);
        }
        json_array_end(&w);
        json_object_end(&w);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_end(&w);
}

/* A CSV number, empty where unknown. */
static void csv_number(FILE *out, double v, const char *sep) {
    if (isfinite(v)) {
        fprintf(out, "%.9g%s", v, sep);
    } else {
        fputs(sep, out);
    }
}

static void write_csv(FILE *out, const study_run *run) {
    fprintf(out, "name,kind,k,p,a,b,epochs,train_loss,test_mse,diag_mean,diag_rms_error,"
            "offdiag_share,seconds,optimum_distance\n");
    for (size_t i = 0; i < NSPECS; i++) {
        const model_result *r = &run->results[i];
        const lae_objective *obj = &r->model.objective;
        fprintf(out, "%s,%s,%zu,%g,%g,%g,%d,", specs[i].name, lae_kind_name(obj->kind),
                r->model.k, obj->p, obj->a, obj->b, r->model.epochs);
        csv_number(out, r->train_loss, ",");
        csv_number(out, r->test_mse, ",");
        csv_number(out, r->metrics.diag_mean, ",");
        csv_number(out, r->metrics.diag_rms_error, ",");
        csv_number(out, r->metrics.offdiag_share, ",");
        csv_number(out, r->seconds, ",");
        csv_number(out, r->optimum, "\n");
    }
}

static void write_readme(FILE *out, const study_run *run) {
    char line[512];
    describe_run(line, sizeof line, run);
    fprintf(out,
            "# lae experiment\n\n"
            "%s.\n\n"
            "Seven linear autoencoders from one random start: `untrained` (epoch 0, k = %d), "
            "plain LAE, DLAE (dropout p) and EDLAE (dropout p, weight a on dropped pixels, b on "
            "kept ones) at rank k = %d and at full rank. B = W_encᵀ·W_decᵀ is the m×m map from "
            "input to output pixels; B = I would copy every pixel, which is the overfitting the "
            "paper (Steck, NeurIPS 2020) is about.\n\n"
            "- `report.png`: the page to read first: reconstructions, the table, diag(B) of "
            "every model on one colour scale, and the learning curves.\n"
            "- `recon-<name>.png`: the first %d test digits (top), their reconstructions "
            "(middle), and for p > 0 the dropped-out input the model sees in training (bottom).\n"
            "- `diag-<name>.png`: diag(B) in the shape of a digit (red: the pixel copies "
            "itself) and its histogram.\n"
            "- `B-<name>.png`: B itself as a heat map; a red diagonal line is the identity.\n"
            "- `curves.png`: training loss (with dropout and emphasis) and test MSE (plain) "
            "against the epoch.\n"
            "- `results.csv`, `results.json`: one row per model: test MSE, mean diag(B), "
            "RMS(diag(B) − 1), the off-diagonal share ‖B − diag(B)‖_F / ‖B‖_F, seconds, and "
            "`optimum_distance`: how far the model's exact expected loss E (MATH.md, on the "
            "training set, with its bias) lies above the exactly solved optimum E* of the same "
            "objective and rank, as (E − E*)/E₀ with E₀ the loss of reading every digit as the "
            "mean digit (0: optimal; empty where no solver applies). The JSON adds (E − E*)/E* "
            "(null where E* = 0, as for full-rank LAE, whose optimum is the identity), "
            "‖B − B*‖_F/‖B*‖_F, the settings, the device and every epoch's losses.\n",
            line, STUDY_RANK, STUDY_RANK, STUDY_DIGITS);
}

/* Writes one text file atomically through a writer function. */
static lae_status save_text(const study_run *run, const char *name,
                            void (*write)(FILE *out, const study_run *run)) {
    char path[4096];
    lae_atomic_file file;
    join_path(path, sizeof path, run->o->out, name);
    lae_status status = lae_atomic_open(&file, path);
    if (status != LAE_OK) {
        return status;
    }
    write(file.file, run);
    return lae_atomic_commit(&file);
}

static lae_status write_outputs(const study_run *run) {
    lae_status status = LAE_OK;
    picture_texts texts;
    char name[128];
    size_t m = run->data->train.m;
    int recon_w, recon_h;

    if (mkdir(run->o->out, 0777) != 0 && errno != EEXIST) {
        return lae_fail(LAE_ERR_IO, "--out %s: cannot create the folder: %s", run->o->out,
                        strerror(errno));
    }
    for (size_t i = 0; i < NSPECS; i++) {
        const model_result *r = &run->results[i];
        make_texts(&texts, run, &specs[i], r);
        digit_canvas_size(STUDY_DIGITS, r->model.image_rows, r->model.image_cols,
                          r->model.objective.p > 0 ? 3 : 2, &recon_w, &recon_h);
        snprintf(name, sizeof name, "recon-%s.png", specs[i].name);
        status = save_picture(run, name, recon_w, recon_h, draw_recon, i, &texts);
        if (status != LAE_OK) {
            return status;
        }
        snprintf(name, sizeof name, "diag-%s.png", specs[i].name);
        status = save_picture(run, name, 1000, 440, draw_diag, i, &texts);
        if (status != LAE_OK) {
            return status;
        }
        if (specs[i].draw_b) {
            /* Wide enough for one pixel an entry of B, so that nothing is averaged away. */
            int side = (int)m + 120;
            snprintf(name, sizeof name, "B-%s.png", specs[i].name);
            status = save_picture(run, name, side + 40, side, draw_b, i, &texts);
            if (status != LAE_OK) {
                return status;
            }
        }
    }

    make_texts(&texts, run, NULL, NULL);
    status = save_picture(run, "curves.png", 1400, 480, draw_curves, 0, &texts);
    if (status != LAE_OK) {
        return status;
    }
    lae_study probe = {.count = NSPECS};
    int page_w, page_h;
    lae_study_page_size(&probe, &page_w, &page_h);
    status = save_picture(run, "report.png", page_w, page_h, draw_page, 0, &texts);
    if (status != LAE_OK) {
        return status;
    }
    status = save_text(run, "results.json", write_json);
    if (status != LAE_OK) {
        return status;
    }
    status = save_text(run, "results.csv", write_csv);
    if (status != LAE_OK) {
        return status;
    }
    return save_text(run, "README.md", write_readme);
}

static void print_table(const study_run *run) {
    printf("%-11s %4s %10s %13s %14s %14s %11s %8s\n", "model", "k", "test MSE", "mean diag(B)",
           "RMS(diag - 1)", "off-diag share", "to optimum", "seconds");
    for (size_t i = 0; i < NSPECS; i++) {
        const model_result *r = &run->results[i];
        char optimum[32];
        if (isfinite(r->optimum)) {
            snprintf(optimum, sizeof optimum, "%.3e", r->optimum);
        } else {
            optimum[0] = '\0';
        }
        printf("%-11s %4zu %10.5f %13.4f %14.4f %14.4f %11s %8.1f\n", specs[i].name, r->model.k,
               r->test_mse, r->metrics.diag_mean, r->metrics.diag_rms_error,
               r->metrics.offdiag_share, optimum, r->seconds);
    }
    printf("\nwrote %s/report.png (read first), results.csv, results.json, README.md; %.1f s\n",
           run->o->out, run->total_seconds);
}

int cmd_experiment(int argc, char **argv) {
    experiment_options o = {.out = "report", .epochs = 100, .seed = 1};
    flag_spec flags[16];
    size_t count = 0;
    lae_context *ctx = NULL;
    loaded_data data;
    model_result results[NSPECS];
    gram_data gram;
    int code = 0;

    memset(&data, 0, sizeof data);
    memset(&gram, 0, sizeof gram);
    memset(results, 0, sizeof results);
    device_options_defaults(&o.device);
    data_options_defaults(&o.data);
    device_flags(flags, &count, &o.device);
    data_flags(flags, &count, &o.data);
    flags[count++] = (flag_spec){"out", FLAG_STRING, &o.out, "DIR",
                                 "report folder, created if missing (default report)", 0};
    flags[count++] = (flag_spec){"epochs", FLAG_INT, &o.epochs, "N",
                                 "epochs of every trained model (default 100)", 0};
    flags[count++] = (flag_spec){"quick", FLAG_BOOL, &o.quick, "",
                                 "under a minute on two CPU cores: 2000 training and 500 "
                                 "test digits, 20 epochs (flags given still win)", 0};
    flags[count++] = (flag_spec){"seed", FLAG_U64, &o.seed, "N",
                                 "seed of weights, shuffles and masks, shared by all (1)", 0};
    flags[count++] = (flag_spec){"json", FLAG_BOOL, &o.json, "",
                                 "print results.json on stdout instead of the table", 0};

    int parsed = flags_parse("experiment", "[OPTIONS]", flags, count, argc, argv, 2, NULL, 0,
                             NULL);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }
    if (o.quick) {
        if (!flags_seen(flags, count, "train")) {
            o.data.train = QUICK_TRAIN;
        }
        if (!flags_seen(flags, count, "test")) {
            o.data.test = QUICK_TEST;
        }
        if (!flags_seen(flags, count, "epochs")) {
            o.epochs = QUICK_EPOCHS;
        }
    }

    /* Every check that needs neither data nor device comes first. */
    lae_train_params params = lae_train_defaults();
    params.epochs = o.epochs;
    params.seed = o.seed;
    lae_objective objective = lae_objective_make(LAE_KIND_EDLAE, STUDY_P, STUDY_A, STUDY_B);
    if (o.epochs < 1) {
        fprintf(stderr, "lae experiment: error: --epochs must be at least 1, got %d\n",
                o.epochs);
        return 2;
    }
    if (lae_train_params_validate(&params, &objective) != LAE_OK) {
        return report_error("experiment"), 2;
    }
    if (o.data.test < STUDY_DIGITS) {
        fprintf(stderr, "lae experiment: error: --test must be at least %d (the digits of the "
                "pictures), got %zu\n", STUDY_DIGITS, o.data.test);
        return 2;
    }
    if (o.data.normalize && !(o.data.std > 0.0)) {
        fprintf(stderr, "lae experiment: error: --norm-std must be positive, got %g\n",
                o.data.std);
        return 2;
    }
    if ((code = check_out_dir(o.out)) != 0) {
        return code;
    }

    double start = now_seconds();
    if ((code = load_data("experiment", &o.data, &data)) != 0) {
        return code;
    }
    if (data.train.m < STUDY_RANK) {
        fprintf(stderr, "lae experiment: error: the data has %zu features, fewer than the rank "
                "%d of the study\n", data.train.m, STUDY_RANK);
        code = 2;
        goto done;
    }
    if ((code = open_device("experiment", &o.device, &ctx)) != 0) {
        goto done;
    }
    lae_log_info("experiment", "%zu models; epochs %d, batch %zu, lr %g, Adam betas (0.9, "
                 "0.999), eps 1e-8; rank %d and %zu; p %g, a %g, b %g; seed %llu", NSPECS,
                 o.epochs, params.batch, params.lr, STUDY_RANK, data.train.m, STUDY_P, STUDY_A,
                 STUDY_B, (unsigned long long)o.seed);

    for (size_t i = 0; i < NSPECS; i++) {
        if (run_model(ctx, &specs[i], &data, &params, &results[i]) != LAE_OK) {
            fprintf(stderr, "lae experiment: error: %s: %s\n", specs[i].name,
                    lae_error_message());
            code = 1;
            goto done;
        }
        lae_log_info("experiment", "%-10s k %4zu  test mse %.5f  mean diag %.4f  %.1f s",
                     specs[i].name, results[i].model.k, results[i].test_mse,
                     results[i].metrics.diag_mean, results[i].seconds);
    }

    /* The exact optima, from the Gram matrix of the same training set. */
    double solve_start = now_seconds();
    if (gram_of(ctx, &data.train, &gram) != LAE_OK) {
        code = report_error("experiment");
        goto done;
    }
    for (size_t i = 0; i < NSPECS; i++) {
        score_against_optimum(&results[i], &gram, o.seed);
        char excess[32] = "undefined (E* = 0)";
        if (isfinite(results[i].excess)) {
            snprintf(excess, sizeof excess, "%.3e", results[i].excess);
        }
        lae_log_info("experiment", "%-10s exact optimum by %s: (E − E*)/E₀ %.3e, (E − E*)/E* "
                     "%s, ‖B − B*‖/‖B*‖ %.3f (%.1f s)", specs[i].name, results[i].solve_method,
                     results[i].optimum, excess, results[i].b_distance,
                     results[i].solve_seconds);
    }
    lae_log_info("experiment", "exact solutions took %.1f s", now_seconds() - solve_start);

    study_run run = {&o, &data, ctx, results, now_seconds() - start};
    if (write_outputs(&run) != LAE_OK) {
        code = report_error("experiment");
        goto done;
    }
    if (o.json) {
        write_json(stdout, &run);
    } else {
        print_table(&run);
    }

done:
    for (size_t i = 0; i < NSPECS; i++) {
        result_free(&results[i]);
    }
    gram_free(&gram);
    lae_context_free(ctx);
    loaded_data_free(&data);
    lae_report_release_caches();
    return code;
}
