/*
 * `lae plot` and `lae curves`: the study's pictures for a user's own models and runs.
 *
 *   lae plot MODEL     B as a heat map (PREFIX-b.png) and diag(B) as an image of the input's
 *                      shape beside its histogram (PREFIX-diag.png), B computed on the host
 *   lae curves LOG...  training loss and test MSE against the epoch from `lae train --log`
 *                      files, one line per file, on one picture
 *
 * They only draw, with the functions `lae experiment` uses (include/lae/study.h); nothing
 * opens a device.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "lae/atomic_file.h"
#include "lae/log.h"
#include "lae/study.h"

#define CURVES_MAX_LOGS 10 /* one colour each (src/report/charts.c) */
#define CURVES_MAX_EPOCHS 100000

/* The PNG text chunks of a picture of one model. */
static void model_texts(const lae_model *model, const char *file, char values[5][32],
                        lae_png_text texts[8]) {
    const lae_objective *o = &model->objective;
    snprintf(values[0], 32, "%zu", model->k);
    snprintf(values[1], 32, "%g", o->p);
    snprintf(values[2], 32, "%g", o->a);
    snprintf(values[3], 32, "%g", o->b);
    snprintf(values[4], 32, "%llu", (unsigned long long)model->seed);
    lae_png_text t[8] = {
        {"model", lae_kind_name(o->kind)}, {"k", values[0]}, {"p", values[1]},
        {"a", values[2]}, {"b", values[3]}, {"seed", values[4]},
        {"lae version", LAE_VERSION_STRING}, {"model file", file},
    };
    memcpy(texts, t, sizeof t);
}

/* The default prefix: the model's path without a trailing ".lae". */
static void default_prefix(const char *path, char *prefix, size_t size) {
    size_t length = strlen(path);
    if (length > 4 && strcmp(path + length - 4, ".lae") == 0) {
        length -= 4;
    }
    snprintf(prefix, size, "%.*s", (int)length, path);
}

int cmd_plot(int argc, char **argv) {
    const char *prefix_flag = NULL;
    flag_spec flags[2];
    size_t count = 0, npositional = 0;
    const char *positional[1] = {NULL};
    lae_model model = {0};
    lae_canvas *canvas = NULL;
    double *product = NULL;
    int code = 0;

    flags[count++] = (flag_spec){"out", FLAG_STRING, &prefix_flag, "PREFIX",
                                 "write PREFIX-b.png and PREFIX-diag.png (default: MODEL "
                                 "without .lae; a PREFIX ending in / is a folder)", 0};
    int parsed = flags_parse("plot", "MODEL [OPTIONS]", flags, count, argc, argv, 2, positional,
                             1, &npositional);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }
    if (npositional != 1) {
        fprintf(stderr, "lae plot: error: expected one MODEL file (see lae plot --help)\n");
        return 2;
    }
    char prefix[4000], b_path[4096], diag_path[4096];
    if (prefix_flag != NULL && prefix_flag[strlen(prefix_flag) - 1] == '/') {
        /* A folder: the pictures go in it, named after the model. */
        const char *name = strrchr(positional[0], '/');
        char stem[1024];
        default_prefix(name != NULL ? name + 1 : positional[0], stem, sizeof stem);
        snprintf(prefix, sizeof prefix, "%s%s", prefix_flag, stem);
    } else if (prefix_flag != NULL) {
        snprintf(prefix, sizeof prefix, "%s", prefix_flag);
    } else {
        default_prefix(positional[0], prefix, sizeof prefix);
    }
    snprintf(b_path, sizeof b_path, "%s-b.png", prefix);
    snprintf(diag_path, sizeof diag_path, "%s-diag.png", prefix);
    if (lae_output_check(b_path, NULL, 0) != LAE_OK ||
        lae_output_check(diag_path, NULL, 0) != LAE_OK) {
        fprintf(stderr, "lae plot: error: --out: %s\n", lae_error_message());
        return 2;
    }
    if (lae_output_is_input(b_path, positional[0]) ||
        lae_output_is_input(diag_path, positional[0])) {
        fprintf(stderr, "lae plot: error: --out %s would replace the model it draws\n", prefix);
        return 2;
    }

    if (lae_model_load(positional[0], &model) != LAE_OK ||
        lae_model_product(&model, &product) != LAE_OK) {
        code = report_error("plot");
        goto done;
    }
    size_t m = model.m;
    lae_identity_metrics metrics = lae_identity_metrics_of(product, m);
    char values[5][32], title[160];
    lae_png_text texts[8];
    model_texts(&model, positional[0], values, texts);

    const char *base = strrchr(positional[0], '/'); /* the name without its folder */
    base = base != NULL ? base + 1 : positional[0];

    /* As `lae experiment` draws it: one pixel an entry, so that nothing is averaged away
     * (a larger m is averaged in blocks to stay on a screen). */
    int side = (int)(m < 320 ? 320 : m < 1600 ? m : 1600) + 120;
    snprintf(title, sizeof title, "B of %s (%s, k %zu, p %g, a %g, b %g)", base,
             lae_kind_name(model.objective.kind), model.k, model.objective.p,
             model.objective.a, model.objective.b);
    if (lae_canvas_create(&canvas, side + 40, side) != LAE_OK ||
        lae_draw_product(canvas, (lae_rect){10, 8, side + 20, side - 16}, product, m, title) !=
            LAE_OK ||
        lae_canvas_save_png(canvas, b_path, texts, 8) != LAE_OK) {
        code = report_error("plot");
        goto done;
    }
    lae_canvas_free(canvas);
    canvas = NULL;

    /* The image half is narrow: the file's name without its folder, and one statistic. */
    snprintf(title, sizeof title, "diag(B) of %.40s (mean %.4f)", base, metrics.diag_mean);
    if (lae_canvas_create(&canvas, 1000, 440) != LAE_OK ||
        lae_draw_diag_panel(canvas, (lae_rect){10, 8, 980, 424}, product, model.image_rows,
                            model.image_cols, title) != LAE_OK ||
        lae_canvas_save_png(canvas, diag_path, texts, 8) != LAE_OK) {
        code = report_error("plot");
        goto done;
    }
    printf("wrote %s and %s\n", b_path, diag_path);

done:
    lae_canvas_free(canvas);
    lae_report_release_caches();
    free(product);
    lae_model_free(&model);
    return code;
}

typedef struct {
    char name[128];
    double *epoch, *train_loss, *test_mse;
    size_t count;
} loss_log;

static void loss_log_free(loss_log *log) {
    free(log->epoch);
    free(log->train_loss);
    free(log->test_mse);
    memset(log, 0, sizeof *log);
}

/* Reads a CSV written by `lae train --log`; LAE_ERR_FORMAT names the file and line. */
static lae_status read_loss_log(const char *path, loss_log *log) {
    static const char header[] = "epoch,train_loss,test_mse,seconds,examples_per_second";
    lae_status status = LAE_OK;
    char line[512];
    size_t capacity = 0, number = 1;

    memset(log, 0, sizeof *log);
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t length = strlen(base);
    if (length > 4 && strcmp(base + length - 4, ".csv") == 0) {
        length -= 4;
    }
    snprintf(log->name, sizeof log->name, "%.*s", (int)length, base);

    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return lae_fail(LAE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (fgets(line, sizeof line, f) == NULL || strncmp(line, header, sizeof header - 1) != 0) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: not a `lae train --log` file (expected the "
                          "header '%s')", path, header);
        goto done;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        double epoch, train, test;
        number++;
        line[strcspn(line, "\r\n")] = '\0';
        if (sscanf(line, "%lf,%lf,%lf,", &epoch, &train, &test) != 3 || !(epoch >= 1)) {
            status = lae_fail(LAE_ERR_FORMAT, "%s: line %zu: expected epoch,train_loss,"
                              "test_mse,..., got '%.60s'", path, number, line);
            goto done;
        }
        if (log->count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            if (capacity > CURVES_MAX_EPOCHS) {
                status = lae_fail(LAE_ERR_FORMAT, "%s: more than %d epochs", path,
                                  CURVES_MAX_EPOCHS);
                goto done;
            }
            double *e = realloc(log->epoch, capacity * sizeof *e);
            if (e != NULL) {
                log->epoch = e;
            }
            double *l = realloc(log->train_loss, capacity * sizeof *l);
            if (l != NULL) {
                log->train_loss = l;
            }
            double *t = realloc(log->test_mse, capacity * sizeof *t);
            if (t != NULL) {
                log->test_mse = t;
            }
            if (e == NULL || l == NULL || t == NULL) {
                status = lae_fail(LAE_ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
        }
        log->epoch[log->count] = epoch;
        log->train_loss[log->count] = train;
        log->test_mse[log->count] = test;
        log->count++;
    }
    if (log->count == 0) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: no epochs after the header", path);
    }
done:
    fclose(f);
    if (status != LAE_OK) {
        loss_log_free(log);
    }
    return status;
}

int cmd_curves(int argc, char **argv) {
    const char *out = "curves.png";
    flag_spec flags[2];
    size_t count = 0, nlogs = 0;
    const char *paths[CURVES_MAX_LOGS + 1];
    loss_log logs[CURVES_MAX_LOGS];
    lae_curve curves[CURVES_MAX_LOGS];
    lae_canvas *canvas = NULL;
    int code = 0;
    size_t loaded = 0;

    flags[count++] = (flag_spec){"out", FLAG_STRING, &out, "FILE",
                                 "PNG to write (default curves.png)", 0};
    int parsed = flags_parse("curves", "LOG.csv [LOG.csv ...] [OPTIONS]", flags, count, argc,
                             argv, 2, paths, CURVES_MAX_LOGS + 1, &nlogs);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }
    if (nlogs < 1 || nlogs > CURVES_MAX_LOGS) {
        fprintf(stderr, "lae curves: error: expected 1 to %d files of `lae train --log`, got "
                "%zu\n", CURVES_MAX_LOGS, nlogs);
        return 2;
    }
    if (lae_output_check(out, NULL, 0) != LAE_OK) {
        fprintf(stderr, "lae curves: error: --out: %s\n", lae_error_message());
        return 2;
    }
    for (size_t i = 0; i < nlogs; i++) {
        if (lae_output_is_input(out, paths[i])) {
            fprintf(stderr, "lae curves: error: --out %s would replace the log %s\n", out,
                    paths[i]);
            return 2;
        }
    }

    for (; loaded < nlogs; loaded++) {
        if (read_loss_log(paths[loaded], &logs[loaded]) != LAE_OK) {
            code = report_error("curves");
            goto done;
        }
        const loss_log *l = &logs[loaded];
        curves[loaded] = (lae_curve){l->name, l->epoch, l->train_loss, l->test_mse, l->count};
    }
    /* The logs say nothing of the models; the chunks name the files drawn. */
    char files[2048] = "";
    for (size_t i = 0; i < nlogs; i++) {
        size_t used = strlen(files);
        snprintf(files + used, sizeof files - used, "%s%s", i > 0 ? "; " : "", paths[i]);
    }
    /* Logs of one name from different folders are told apart by their paths. */
    for (size_t i = 0; i < nlogs; i++) {
        for (size_t j = i + 1; j < nlogs; j++) {
            if (strcmp(logs[i].name, logs[j].name) == 0) {
                snprintf(logs[i].name, sizeof logs[i].name, "%s", paths[i]);
                snprintf(logs[j].name, sizeof logs[j].name, "%s", paths[j]);
            }
        }
    }
    lae_png_text texts[] = {{"Software", "lae " LAE_VERSION_STRING " curves"},
                            {"logs", files}, {"lae version", LAE_VERSION_STRING}};
    if (lae_canvas_create(&canvas, 1400, 480) != LAE_OK ||
        lae_draw_loss_curves(canvas, (lae_rect){10, 10, 1380, 460}, curves, nlogs) != LAE_OK ||
        lae_canvas_save_png(canvas, out, texts, 3) != LAE_OK) {
        code = report_error("curves");
        goto done;
    }
    printf("wrote %s\n", out);

done:
    lae_canvas_free(canvas);
    lae_report_release_caches();
    for (size_t i = 0; i < loaded; i++) {
        loss_log_free(&logs[i]);
    }
    return code;
}
