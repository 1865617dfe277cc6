/*
 * `lae solve`: the exact optimum of LAE, DLAE or EDLAE for the data, from the Gram matrix
 * (computed on the device) and the closed forms or block-coordinate descent of MATH.md (on
 * the host, in double). Writes the same model file as `lae train`.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lae/clock.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outputs.h"
#include "lae/gram.h"
#include "lae/log.h"
#include "lae/solve.h"

static void report_progress(void *user, int start, int step, double objective) {
    (void)user;
    if (step % 50 == 0) {
        lae_log_info("solve", "start %d, block step %d (a sweep is about three): objective %.10g",
                     start + 1, step, objective);
    }
}

int cmd_solve(int argc, char **argv) {
    device_options device;
    data_options data_opts;
    model_options model_opts;
    const char *save_path = NULL, *npy_dir = NULL;
    double lambda = 0.0, tol = 0.0;
    int json = 0, starts = 0, max_iter = 0, code = 0;
    uint64_t seed = 1;
    flag_spec flags[32];
    size_t count = 0;

    device_options_defaults(&device);
    data_options_defaults(&data_opts);
    model_options_defaults(&model_opts);
    device_flags(flags, &count, &device);
    data_flags(flags, &count, &data_opts);
    model_flags(flags, &count, &model_opts);
    flags[count++] = (flag_spec){"lambda", FLAG_DOUBLE, &lambda, "X",
                                 "extra uniform ridge λ‖B‖² (0)", 0};
    flags[count++] = (flag_spec){"starts", FLAG_INT, &starts, "N",
                                 "descent starts for low-rank EDLAE (1 if b > 0, else 4)", 0};
    flags[count++] = (flag_spec){"max-iter", FLAG_INT, &max_iter, "N",
                                 "descent sweeps per start (1000)", 0};
    flags[count++] = (flag_spec){"tol", FLAG_DOUBLE, &tol, "X",
                                 "stop when a sweep gains less than X·J (1e-12)", 0};
    flags[count++] = (flag_spec){"seed", FLAG_U64, &seed, "N", "seed of random starts (1)", 0};
    flags[count++] = (flag_spec){"save", FLAG_STRING, &save_path, "FILE", "write the model", 0};
    flags[count++] = (flag_spec){"export-npy", FLAG_STRING, &npy_dir, "DIR",
                                 "write W_enc, b_enc, W_dec, b_dec and B as .npy", 0};
    flags[count++] = (flag_spec){"json", FLAG_BOOL, &json, "", "one JSON object on stdout", 0};

    int parsed = flags_parse("solve", "[OPTIONS]", flags, count, argc, argv, 2, NULL, 0, NULL);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }

    if ((code = model_options_check("solve", &model_opts)) != 0) {
        return code;
    }
    if ((code = device_options_check("solve", &device)) != 0) {
        return code;
    }
    model_options_warn_unused("solve", &model_opts, flags, count);
    /* 0 stands for "the default" in lae_solve_options; a user gives a real count. */
    if (!(lambda >= 0.0)) {
        fprintf(stderr, "lae solve: error: --lambda must be 0 or more, got %g\n", lambda);
        return 2;
    }
    if (flags_seen(flags, count, "starts") && starts < 1) {
        fprintf(stderr, "lae solve: error: --starts must be at least 1, got %d\n", starts);
        return 2;
    }
    if (flags_seen(flags, count, "max-iter") && max_iter < 1) {
        fprintf(stderr, "lae solve: error: --max-iter must be at least 1, got %d\n", max_iter);
        return 2;
    }
    if (flags_seen(flags, count, "tol") && !(tol > 0.0)) {
        fprintf(stderr, "lae solve: error: --tol must be positive, got %g\n", tol);
        return 2;
    }
    model_outputs outputs = {NULL, save_path, npy_dir,
                             data_opts.dir != NULL ? data_opts.dir : default_data_dir()};
    if ((code = model_outputs_check("solve", &outputs)) != 0) {
        return code;
    }
    lae_objective objective = model_opts.objective;
    lae_kind kind = objective.kind;
    int bias = model_opts.bias;
    size_t k = 0;

    loaded_data data;
    lae_context *ctx = NULL;
    double *g = NULL, *mu = NULL, *product = NULL;
    lae_solution solution = {0};
    lae_model model = {0};
    lae_solve_info info = {0};

    if ((code = load_data("solve", &data_opts, &data)) != 0) {
        return code;
    }
    size_t m = data.train.m, n = data.train.n;
    if ((code = model_options_rank("solve", &model_opts, m, &k)) != 0) {
        loaded_data_free(&data);
        return code;
    }
    if ((code = open_device("solve", &device, &ctx)) != 0) {
        loaded_data_free(&data);
        return code;
    }

    lae_log_info("solve", "model %s, m %zu, k %zu, p %g, a %g, b %g, lambda %g, bias %s, "
                 "%zu examples", lae_kind_name(kind), m, k, objective.p, objective.a,
                 objective.b, lambda, bias ? "yes" : "no", n);

    /* The Gram matrix on the device. */
    g = malloc(m * m * sizeof *g);
    mu = malloc(m * sizeof *mu);
    if (g == NULL || mu == NULL) {
        fprintf(stderr, "lae solve: error: out of memory for the Gram matrix\n");
        code = 1;
        goto done;
    }
    double start = lae_seconds();
    if (lae_gram_compute(ctx, data.train.x, n, m, 0, g, mu) != LAE_OK) {
        code = report_error("solve");
        goto done;
    }
    double gram_seconds = lae_seconds() - start;

    /* The solve on the host. */
    lae_gram_view view = {.g = g, .mu = mu, .n = n, .m = m};
    lae_solve_options options = lae_solve_options_default();
    options.k = k;
    options.lambda = lambda;
    options.bias = bias;
    options.seed = seed;
    options.starts = starts;
    options.max_iter = max_iter;
    options.tol = tol;
    options.on_step = report_progress;
    if (lae_solve(&view, &objective, &options, &solution, &info) != LAE_OK) {
        code = report_error("solve");
        goto done;
    }

    if (lae_solution_to_model(&solution, bias, &model) != LAE_OK ||
        lae_model_product(&model, &product) != LAE_OK) {
        code = report_error("solve");
        goto done;
    }
    model.objective = objective;
    model.norm = data.norm;
    model.image_rows = data.train.rows;
    model.image_cols = data.train.cols;
    model.seed = seed;
    model.lambda = lambda;

    lae_identity_metrics metrics = lae_identity_metrics_of(product, m);
    double train_mse = gram_reconstruction_error(&model, product, g, mu, n);
    double test_mse = mean_reconstruction_error(&model, data.test.x, data.test.n);
    double per_entry = info.expected_loss / ((double)n * (double)m);

    if ((code = model_outputs_commit("solve", &outputs, &model, NULL)) != 0) {
        goto done;
    }

    if (!json) {
        printf("model %s  k %zu  p %g  a %g  b %g  lambda %g  bias %s\n", lae_kind_name(kind),
               k, objective.p, objective.a, objective.b, lambda, bias ? "yes" : "no");
        printf("method             %s\n", info.method);
        printf("constant features  %zu (solved without them; zero rows and columns of B)\n",
               info.n_constant);
        printf("expected objective %.10g  (%.6f per entry; the training loss's scale)\n",
               info.expected_loss, per_entry);
        printf("train mse          %.6f\n", train_mse);
        printf("test mse           %.6f\n", test_mse);
        printf("mean diag(B)       %.6f\n", metrics.diag_mean);
        printf("rms(diag(B) - 1)   %.6f\n", metrics.diag_rms_error);
        printf("off-diagonal share %.6f\n", metrics.offdiag_share);
        printf("time               %.3f s Gram, %.3f s factorisations, %.3f s rest\n",
               gram_seconds, info.t_factor, info.t_rest);
    } else {
        json_writer w;
        json_init(&w, stdout);
        json_object_begin(&w, NULL);
        json_string(&w, "command", "solve");
        json_string(&w, "lae_version", LAE_VERSION_STRING);
        json_device(&w, "device", ctx);
        json_object_begin(&w, "hyperparameters");
        json_string(&w, "model", lae_kind_name(kind));
        json_int(&w, "m", (long long)m);
        json_int(&w, "k", (long long)k);
        json_number(&w, "p", objective.p);
        json_number(&w, "a", objective.a);
        json_number(&w, "b", objective.b);
        json_number(&w, "lambda", lambda);
        json_bool(&w, "bias", bias);
        json_int(&w, "train", (long long)n);
        json_int(&w, "test", (long long)data.test.n);
        json_int(&w, "seed", (long long)seed);
        json_object_end(&w);
        json_object_begin(&w, "metrics");
        json_string(&w, "method", info.method);
        json_int(&w, "constant_features", (long long)info.n_constant);
        json_int(&w, "iterations", info.iterations);
        json_int(&w, "starts", info.starts);
        json_number(&w, "objective", info.objective);
        json_number(&w, "expected_loss", info.expected_loss);
        json_number(&w, "expected_loss_per_entry", per_entry);
        json_number(&w, "train_mse", train_mse);
        json_number(&w, "test_mse", test_mse);
        json_number(&w, "diag_mean", metrics.diag_mean);
        json_number(&w, "diag_rms_error", metrics.diag_rms_error);
        json_number(&w, "offdiag_share", metrics.offdiag_share);
        json_object_end(&w);
        json_object_begin(&w, "timings");
        json_number(&w, "gram_seconds", gram_seconds);
        json_number(&w, "factor_seconds", info.t_factor);
        json_number(&w, "rest_seconds", info.t_rest);
        json_object_end(&w);
        json_object_end(&w);
    }

done:
    free(product);
    lae_model_free(&model);
    lae_solution_free(&solution);
    free(mu);
    free(g);
    lae_context_free(ctx);
    loaded_data_free(&data);
    return code;
}
