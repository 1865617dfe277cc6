/*
 * `lae train`: trains one model with minibatch Adam and reports how far B stays from the
 * identity. Per-epoch lines go to stdout (to stderr with --json, which keeps stdout for the
 * one JSON object); a progress bar is drawn on stderr only when it is a terminal.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lae/clock.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outputs.h"
#include "lae/atomic_file.h"
#include "lae/log.h"
#include "lae/train.h"

typedef struct {
    device_options device;
    data_options data;
    model_options model;
    int epochs;
    size_t batch;
    double lr, weight_decay;
    uint64_t seed;
    const char *log_path;
    const char *save_path;
    const char *npy_dir;
    int overlap;
    int json;
} train_options;

typedef struct {
    FILE *lines;           /* where epoch lines go */
    FILE *csv;             /* --log's rows, kept in memory until the end; or NULL */
    int epochs;
    int progress;          /* draw a bar on stderr */
} epoch_printer;

static int print_epoch(const lae_epoch_stats *s, void *user) {
    epoch_printer *p = user;

    if (p->progress) {
        fputs("\r\033[K", stderr);
    }
    fprintf(p->lines, "epoch %4d/%d  train loss %.6f  test mse %.6f  %.3f s  %.0f ex/s\n",
            s->epoch, p->epochs, s->train_loss, s->test_mse, s->seconds,
            s->examples_per_second);
    fflush(p->lines);
    if (p->csv != NULL) {
        fprintf(p->csv, "%d,%.9g,%.9g,%.6f,%.1f\n", s->epoch, s->train_loss, s->test_mse,
                s->seconds, s->examples_per_second);
    }
    if (p->progress) {
        int width = 30, done = (int)((double)width * s->epoch / p->epochs);
        fprintf(stderr, "[%.*s%*s] %d/%d epochs", done, "##############################",
                width - done, "", s->epoch, p->epochs);
        fflush(stderr);
    }
    return 0;
}

static void print_results(const train_options *o, const lae_context *ctx, const lae_model *model,
                          const lae_identity_metrics *metrics, const lae_epoch_stats *last,
                          double setup_seconds, double train_seconds) {
    const lae_objective *obj = &model->objective;

    if (!o->json) {
        printf("\nmodel %s  k %zu  p %g  a %g  b %g  bias %s\n", lae_kind_name(obj->kind),
               model->k, obj->p, obj->a, obj->b, model->has_bias ? "yes" : "no");
        printf("final train loss   %.6f\n", last->train_loss);
        if (isnan(last->test_mse)) {
            printf("final test mse     none (--test 0)\n");
        } else {
            printf("final test mse     %.6f\n", last->test_mse);
        }
        printf("mean diag(B)       %.6f\n", metrics->diag_mean);
        printf("rms(diag(B) - 1)   %.6f\n", metrics->diag_rms_error);
        printf("off-diagonal share %.6f   (||B - diag(B)||_F / ||B||_F)\n",
               metrics->offdiag_share);
        printf("time               %.2f s training, %.2f s set-up\n", train_seconds,
               setup_seconds);
        return;
    }

    json_writer w;
    json_init(&w, stdout);
    json_object_begin(&w, NULL);
    json_string(&w, "command", "train");
    json_string(&w, "lae_version", LAE_VERSION_STRING);
    json_device(&w, "device", ctx);
    json_object_begin(&w, "hyperparameters");
    json_string(&w, "model", lae_kind_name(obj->kind));
    json_int(&w, "m", (long long)model->m);
    json_int(&w, "k", (long long)model->k);
    json_number(&w, "p", obj->p);
    json_number(&w, "a", obj->a);
    json_number(&w, "b", obj->b);
    json_bool(&w, "bias", model->has_bias);
    json_int(&w, "epochs", o->epochs);
    json_int(&w, "batch", (long long)o->batch);
    json_number(&w, "lr", o->lr);
    json_number(&w, "weight_decay", o->weight_decay);
    json_int(&w, "seed", (long long)o->seed);
    json_int(&w, "train", (long long)o->data.train);
    json_int(&w, "test", (long long)o->data.test);
    json_bool(&w, "normalize", model->norm.enabled);
    json_number(&w, "norm_mean", model->norm.mean);
    json_number(&w, "norm_std", model->norm.std);
    json_object_end(&w);
    json_object_begin(&w, "metrics");
    json_number(&w, "train_loss", last->train_loss);
    json_number(&w, "test_mse", last->test_mse);
    json_number(&w, "diag_mean", metrics->diag_mean);
    json_number(&w, "diag_rms_error", metrics->diag_rms_error);
    json_number(&w, "offdiag_share", metrics->offdiag_share);
    json_number(&w, "b_frobenius", metrics->frobenius);
    json_object_end(&w);
    json_object_begin(&w, "timings");
    json_number(&w, "setup_seconds", setup_seconds);
    json_number(&w, "train_seconds", train_seconds);
    json_number(&w, "seconds_per_epoch", o->epochs > 0 ? train_seconds / o->epochs : NAN);
    json_object_end(&w);
    json_object_end(&w);
}

int cmd_train(int argc, char **argv) {
    train_options o = {.epochs = 100, .batch = 64, .lr = 1e-3, .weight_decay = 0.0, .seed = 1,
                       .overlap = 1};
    flag_spec flags[32];
    size_t count = 0;
    lae_context *ctx = NULL;
    loaded_data data;
    lae_model model;
    lae_atomic_file csv;
    FILE *csv_rows = NULL;
    char *csv_text = NULL;
    size_t csv_size = 0;
    int code = 0;
    double *product = NULL;

    device_options_defaults(&o.device);
    data_options_defaults(&o.data);
    model_options_defaults(&o.model);
    device_flags(flags, &count, &o.device);
    data_flags(flags, &count, &o.data);
    model_flags(flags, &count, &o.model);
    flags[count++] = (flag_spec){"epochs", FLAG_INT, &o.epochs, "N", "epochs (100)", 0};
    flags[count++] = (flag_spec){"batch", FLAG_SIZE, &o.batch, "N", "minibatch rows (64)", 0};
    flags[count++] = (flag_spec){"lr", FLAG_DOUBLE, &o.lr, "X", "Adam learning rate (1e-3)", 0};
    flags[count++] = (flag_spec){"weight-decay", FLAG_DOUBLE, &o.weight_decay, "X",
                                 "Adam's L2 weight decay (0)", 0};
    flags[count++] = (flag_spec){"seed", FLAG_U64, &o.seed, "N",
                                 "seed of weights, shuffles and masks (1)", 0};
    flags[count++] = (flag_spec){"log", FLAG_STRING, &o.log_path, "FILE",
                                 "CSV of epoch, train_loss, test_mse, seconds, examples/s", 0};
    flags[count++] = (flag_spec){"save", FLAG_STRING, &o.save_path, "FILE",
                                 "write the trained model (docs/model-format.md)", 0};
    flags[count++] = (flag_spec){"export-npy", FLAG_STRING, &o.npy_dir, "DIR",
                                 "write W_enc, b_enc, W_dec, b_dec and B as .npy files", 0};
    flags[count++] = (flag_spec){"overlap", FLAG_BOOL, &o.overlap, "",
                                 "draw the next step's dropout on a second queue (default; "
                                 "--no-overlap: one queue, the same result)", 0};
    flags[count++] = (flag_spec){"json", FLAG_BOOL, &o.json, "",
                                 "print one JSON object with everything on stdout", 0};

    int parsed = flags_parse("train", "[OPTIONS]", flags, count, argc, argv, 2, NULL, 0, NULL);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }

    /* Check every flag that needs no data before touching the device or the disk. */
    lae_train_params params = lae_train_defaults();
    params.batch = o.batch;
    params.epochs = o.epochs;
    params.lr = o.lr;
    params.weight_decay = o.weight_decay;
    params.seed = o.seed;
    params.overlap_draws = o.overlap;
    size_t k = 0;
    if ((code = model_options_check("train", &o.model)) != 0) {
        return code;
    }
    if ((code = device_options_check("train", &o.device)) != 0) {
        return code;
    }
    model_options_warn_unused("train", &o.model, flags, count);
    lae_objective objective = o.model.objective;
    lae_kind kind = objective.kind;
    if (lae_train_params_validate(&params, &objective) != LAE_OK) {
        report_error("train");
        return 2;
    }
    if (o.data.normalize && !(o.data.std > 0.0)) {
        fprintf(stderr, "lae train: error: --norm-std must be positive, got %g\n", o.data.std);
        return 2;
    }
    model_outputs outputs = {o.log_path, o.save_path, o.npy_dir,
                             o.data.dir != NULL ? o.data.dir : default_data_dir()};
    if ((code = model_outputs_check("train", &outputs)) != 0) {
        return code;
    }

    double start = lae_seconds();
    if ((code = load_data("train", &o.data, &data)) != 0) {
        return code;
    }
    size_t m = data.train.m;
    if ((code = model_options_rank("train", &o.model, m, &k)) != 0) {
        loaded_data_free(&data);
        return code;
    }
    if ((code = open_device("train", &o.device, &ctx)) != 0) {
        loaded_data_free(&data);
        return code;
    }

    if (lae_model_alloc(&model, m, k, o.model.bias) != LAE_OK) {
        code = report_error("train");
        goto done;
    }
    lae_model_init_uniform(&model, o.seed);
    model.objective = objective;
    model.norm = data.norm;
    model.image_rows = data.train.rows;
    model.image_cols = data.train.cols;

    lae_log_info("train", "model %s, m %zu, k %zu, p %g, a %g, b %g, bias %s; epochs %d, "
                 "batch %zu, lr %g, weight decay %g, Adam betas (0.9, 0.999), eps 1e-8, seed %llu",
                 lae_kind_name(kind), m, k, objective.p, objective.a, objective.b,
                 o.model.bias ? "yes" : "no", o.epochs, o.batch, o.lr, o.weight_decay,
                 (unsigned long long)o.seed);

    /* The log is kept in memory and written with the other outputs at the end, so that an
     * interrupted run leaves no file, not even a temporary one. */
    if (o.log_path != NULL) {
        csv_rows = open_memstream(&csv_text, &csv_size);
        if (csv_rows == NULL) {
            fprintf(stderr, "lae train: error: out of memory for the --log rows\n");
            code = 1;
            goto done;
        }
        fprintf(csv_rows, "epoch,train_loss,test_mse,seconds,examples_per_second\n");
    }
    epoch_printer printer = {
        .lines = o.json ? stderr : stdout, .csv = csv_rows, .epochs = o.epochs,
        .progress = isatty(STDERR_FILENO) && lae_log_get_level() >= LAE_LOG_INFO,
    };
    params.on_epoch = print_epoch;
    params.user = &printer;

    double setup_seconds = lae_seconds() - start;
    double train_start = lae_seconds();
    lae_epoch_stats last;
    lae_status status = lae_train(ctx, &model, data.train.x, data.train.n, data.test.x,
                                  data.test.n, &params, &last);
    double train_seconds = lae_seconds() - train_start;
    if (printer.progress) {
        fputs("\r\033[K", stderr);
    }
    if (status != LAE_OK) {
        code = report_error("train");
        goto done;
    }

    if (lae_model_product(&model, &product) != LAE_OK) {
        code = report_error("train");
        goto done;
    }
    lae_identity_metrics metrics = lae_identity_metrics_of(product, m);

    /* Outputs: all of them or none. */
    if (csv_rows != NULL) {
        int failed = fclose(csv_rows) != 0;
        csv_rows = NULL;
        if (failed || lae_atomic_open(&csv, o.log_path) != LAE_OK) {
            code = failed ? (fprintf(stderr, "lae train: error: --log: out of memory\n"), 1)
                          : report_error("train");
            goto done;
        }
        fwrite(csv_text, 1, csv_size, csv.file);
    }
    if ((code = model_outputs_commit("train", &outputs, &model, o.log_path ? &csv : NULL)) !=
        0) {
        goto done;
    }
    print_results(&o, ctx, &model, &metrics, &last, setup_seconds, train_seconds);

done:
    if (csv_rows != NULL) {
        fclose(csv_rows);
    }
    free(csv_text);
    free(product);
    lae_model_free(&model);
    lae_context_free(ctx);
    loaded_data_free(&data);
    return code;
}
