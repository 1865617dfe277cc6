/*
 * Shared command plumbing; see common.h. The bundled digits are found from any working
 * directory: the build records the source tree's datasets folder and the install folder.
 */
#include "cli/common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lae/log.h"
#include "lae/rng.h"
#include "lae/solve.h"

#ifndef LAE_SOURCE_DATA_DIR
#define LAE_SOURCE_DATA_DIR "datasets/mnist-10k"
#endif
#ifndef LAE_INSTALL_DATA_DIR
#define LAE_INSTALL_DATA_DIR "/usr/local/share/lae/mnist-10k"
#endif

void device_options_defaults(device_options *options) {
    options->device = NULL;
    options->gemm = "auto";
}

void model_options_defaults(model_options *options) {
    options->model = "edlae";
    options->rank = "64";
    options->p = 0.2;
    options->a = 2.0;
    options->b = 1.0;
    options->bias = 1;
}

void data_options_defaults(data_options *options) {
    options->dir = NULL;
    options->train = 5000;
    options->test = 1000;
    options->normalize = 1;
    options->mean = 0.1307;
    options->std = 0.3081;
}

void device_flags(flag_spec *table, size_t *count, device_options *o) {
    table[(*count)++] = (flag_spec){"device", FLAG_STRING, &o->device, "N|NAME",
                                    "device index or name substring (default: $LAE_DEVICE, "
                                    "else the first GPU)", 0};
    table[(*count)++] = (flag_spec){"gemm", FLAG_STRING, &o->gemm, "B",
                                    "GEMM backend: auto, clblast, host or own", 0};
}

void data_flags(flag_spec *table, size_t *count, data_options *o) {
    table[(*count)++] = (flag_spec){"data", FLAG_STRING, &o->dir, "DIR",
                                    "folder of IDX files (default: the bundled digits)", 0};
    table[(*count)++] = (flag_spec){"train", FLAG_SIZE, &o->train, "N",
                                    "training examples, the first N (default 5000)", 0};
    table[(*count)++] = (flag_spec){"test", FLAG_SIZE, &o->test, "N",
                                    "test examples, the first N (default 1000; 0: none)", 0};
    table[(*count)++] = (flag_spec){"normalize", FLAG_BOOL, &o->normalize, "",
                                    "(pixel/255 − mean)/std; --no-normalize keeps pixel/255", 0};
    table[(*count)++] = (flag_spec){"norm-mean", FLAG_DOUBLE, &o->mean, "X",
                                    "normalisation mean (default 0.1307)", 0};
    table[(*count)++] = (flag_spec){"norm-std", FLAG_DOUBLE, &o->std, "X",
                                    "normalisation std (default 0.3081)", 0};
}

void model_flags(flag_spec *table, size_t *count, model_options *o) {
    table[(*count)++] = (flag_spec){"model", FLAG_STRING, &o->model, "KIND",
                                    "lae, dlae or edlae (default edlae)", 0};
    table[(*count)++] = (flag_spec){"rank", FLAG_STRING, &o->rank, "K",
                                    "rank k, or 'full' for k = m (default 64)", 0};
    table[(*count)++] = (flag_spec){"p", FLAG_DOUBLE, &o->p, "P",
                                    "dropout probability (0.2)", 0};
    table[(*count)++] = (flag_spec){"a", FLAG_DOUBLE, &o->a, "A",
                                    "emphasis weight on dropped entries (2)", 0};
    table[(*count)++] = (flag_spec){"b", FLAG_DOUBLE, &o->b, "B",
                                    "emphasis weight on kept entries (1)", 0};
    table[(*count)++] = (flag_spec){"bias", FLAG_BOOL, &o->bias, "",
                                    "biases (default; --no-bias leaves them out)", 0};
}

/* A positive integer, or "full" (stored as 0); 0 on anything else. */
static int parse_rank(const char *text, size_t *k) {
    if (strcmp(text, "full") == 0) {
        *k = 0;
        return 1;
    }
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1) {
        return 0;
    }
    *k = (size_t)value;
    return 1;
}

int model_options_check(const char *command, model_options *o) {
    lae_kind kind;
    size_t k;

    if (lae_kind_parse(o->model, &kind) != LAE_OK) {
        report_error(command);
        return 2;
    }
    if (!parse_rank(o->rank, &k)) {
        fprintf(stderr, "lae %s: error: --rank: expected a positive integer or 'full', "
                "got '%s'\n", command, o->rank);
        return 2;
    }
    if (!(o->p >= 0.0 && o->p < 1.0)) {
        fprintf(stderr, "lae %s: error: --p must be in [0, 1), got %g\n", command, o->p);
        return 2;
    }
    if (!(o->a >= 0.0) || !(o->b >= 0.0)) {
        fprintf(stderr, "lae %s: error: --a and --b must be 0 or more, got a = %g, b = %g\n",
                command, o->a, o->b);
        return 2;
    }
    if (o->a == 0.0 && o->b == 0.0) {
        fprintf(stderr, "lae %s: error: --a and --b cannot both be 0: nothing would be "
                "learned\n", command);
        return 2;
    }
    o->objective = lae_objective_make(kind, o->p, o->a, o->b);
    return 0;
}

void model_options_warn_unused(const char *command, const model_options *o,
                               const flag_spec *flags, size_t count) {
    lae_kind kind = o->objective.kind;
    if (kind == LAE_KIND_LAE && flags_seen(flags, count, "p")) {
        lae_log_warn(command, "--p %g is ignored by --model lae, which has no dropout", o->p);
    }
    int emphasis_seen = flags_seen(flags, count, "a") || flags_seen(flags, count, "b");
    if (kind != LAE_KIND_EDLAE && emphasis_seen) {
        lae_log_warn(command, "--a and --b are ignored by --model %s, which weighs every error "
                     "1; emphasis is --model edlae", lae_kind_name(kind));
    }
}

int model_options_rank(const char *command, const model_options *o, size_t m, size_t *k) {
    parse_rank(o->rank, k);
    if (*k == 0) {
        *k = m;
    }
    if (*k > m) {
        fprintf(stderr, "lae %s: error: --rank %zu exceeds the %zu features of the data\n",
                command, *k, m);
        return 2;
    }
    return 0;
}

static int is_directory(const char *path) {
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

const char *default_data_dir(void) {
    const char *env = getenv("LAE_DATA");
    if (env != NULL && *env != '\0') {
        return env;
    }
    if (is_directory(LAE_SOURCE_DATA_DIR)) {
        return LAE_SOURCE_DATA_DIR;
    }
    return LAE_INSTALL_DATA_DIR;
}

int report_error(const char *command) {
    fprintf(stderr, "lae %s: error: %s\n", command, lae_error_message());
    return 1;
}

int device_options_check(const char *command, const device_options *options) {
    lae_gemm_backend backend;
    if (lae_gemm_backend_parse(options->gemm, &backend) != LAE_OK) {
        report_error(command);
        return 2;
    }
    return 0;
}

int open_device(const char *command, const device_options *options, lae_context **ctx) {
    lae_device_info info;
    lae_gemm_backend backend;

    *ctx = NULL;
    if (lae_gemm_backend_parse(options->gemm, &backend) != LAE_OK) {
        report_error(command);
        return 2;
    }
    if (lae_device_select(options->device, &info) != LAE_OK ||
        lae_context_create(&info, ctx) != LAE_OK) {
        return report_error(command);
    }
    lae_gemm_set_backend(*ctx, backend);

    /* A wrong GEMM would silently train garbage: check each transpose pair on small odd
     * shapes against the host before use (catches CLBlast 1.5.3's broken variant). */
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            if (lae_gemm_check(*ctx, ta, tb, 37, 29, 41, 11u, NULL) != LAE_OK) {
                int code = report_error(command);
                lae_context_free(*ctx);
                *ctx = NULL;
                return code;
            }
        }
    }

    lae_log_info(command, "device %d: %s (%s, %s, driver %s, %s); kernels built in %.2f s",
                 info.index, info.name, info.vendor, lae_device_type_name(info.type),
                 info.driver, info.c_version, lae_context_build_seconds(*ctx));
    lae_log_info(command, "gemm: %s", lae_gemm_describe(*ctx));
    return 0;
}

int load_data(const char *command, const data_options *options, loaded_data *data) {
    const char *dir = options->dir != NULL ? options->dir : default_data_dir();

    memset(data, 0, sizeof *data);
    data->norm.enabled = options->normalize;
    data->norm.mean = options->mean;
    data->norm.std = options->std;

    if (options->train < 1) {
        fprintf(stderr, "lae %s: error: --train must be at least 1\n", command);
        return 2;
    }
    lae_status status = lae_dataset_load(dir, "train", options->train, &data->norm,
                                         &data->train);
    if (status == LAE_OK && options->test > 0) {
        status = lae_dataset_load(dir, "t10k", options->test, &data->norm, &data->test);
    }
    if (status != LAE_OK) {
        /* An out-of-range count is the flag's fault: say which flag. */
        const char *flag = data->train.x == NULL ? "--train" : "--test";
        fprintf(stderr, "lae %s: error: %s%s%s\n", command, status == LAE_ERR_ARG ? flag : "",
                status == LAE_ERR_ARG ? ": " : "", lae_error_message());
        loaded_data_free(data);
        return 1;
    }
    if (options->test > 0 && data->test.m != data->train.m) {
        fprintf(stderr, "lae %s: error: %s: train images are %zu×%zu but t10k images are "
                "%zu×%zu\n", command, dir, data->train.rows, data->train.cols, data->test.rows,
                data->test.cols);
        loaded_data_free(data);
        return 1;
    }
    lae_log_info(command, "data: %s, %zu train and %zu test examples of %zu×%zu, %s", dir,
                 data->train.n, data->test.n, data->train.rows, data->train.cols,
                 data->norm.enabled ? "normalised" : "pixel/255");
    return 0;
}

void loaded_data_free(loaded_data *data) {
    lae_dataset_free(&data->train);
    lae_dataset_free(&data->test);
}

void json_device(json_writer *w, const char *key, const lae_context *ctx) {
    const lae_device_info *info = lae_context_device(ctx);
    json_object_begin(w, key);
    json_int(w, "index", info->index);
    json_string(w, "name", info->name);
    json_string(w, "vendor", info->vendor);
    json_string(w, "platform", info->platform);
    json_string(w, "type", lae_device_type_name(info->type));
    json_string(w, "driver", info->driver);
    json_string(w, "opencl_c", info->c_version);
    json_string(w, "gemm", lae_gemm_backend_name(lae_gemm_get_backend(ctx)));
    json_object_end(w);
}

double mean_reconstruction_error(const lae_model *model, const float *x, size_t n) {
    enum { ROWS = 256 };
    size_t m = model->m;
    float *out = malloc(ROWS * m * sizeof *out);
    double sum = 0.0;

    if (out == NULL || n == 0) {
        free(out);
        return NAN;
    }
    for (size_t row0 = 0; row0 < n; row0 += ROWS) {
        size_t rows = n - row0 < ROWS ? n - row0 : ROWS;
        lae_model_reconstruct(model, x + row0 * m, rows, out);
        for (size_t i = 0; i < rows * m; i++) {
            double residual = (double)out[i] - x[row0 * m + i];
            sum += residual * residual;
        }
    }
    free(out);
    return sum / ((double)n * (double)m);
}

double gram_reconstruction_error(const lae_model *model, const double *b, const double *g,
                                 const double *mu, size_t n) {
    size_t m = model->m;
    lae_objective plain = lae_objective_make(LAE_KIND_LAE, 0.0, 1.0, 1.0);
    double *c = malloc(m * sizeof *c);
    if (c == NULL || n == 0) {
        free(c);
        return NAN;
    }

    /* ‖X − X·B − 1·cᵀ‖² is the expected loss without dropout, which needs only G and μ. */
    for (size_t j = 0; j < m; j++) {
        double sum = model->b_dec[j];
        for (size_t l = 0; l < model->k; l++) {
            sum += (double)model->w_dec[j * model->k + l] * model->b_enc[l];
        }
        c[j] = sum;
    }
    double total = lae_expected_loss_bias(g, mu, n, m, b, c, &plain);
    free(c);
    /* A sum of squares: below 0 only by the rounding of its cancelling terms (the identity). */
    return (total < 0.0 ? 0.0 : total) / ((double)n * (double)m);
}

void dropout_inputs(const float *x, size_t n, size_t m, double p, uint64_t seed, float *z) {
    uint32_t threshold = lae_drop_threshold(p);
    float scale = (float)(1.0 / (1.0 - p));
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            int kept = lae_dropout_kept(seed, 0, i, j, m, threshold);
            z[i * m + j] = kept ? x[i * m + j] * scale : 0.0f;
        }
    }
}

void digit_canvas_size(size_t count, size_t rows, size_t cols, int nrows, int *width,
                       int *height) {
    int scale = count <= 20 ? 3 : 2;
    *width = 150 + (int)count * ((int)cols * scale + 3);
    *height = 44 + nrows * ((int)rows * scale + 3);
    *width = *width < 640 ? 640 : *width;
}
