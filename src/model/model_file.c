/*
 * The model file and the .npy export.
 *
 * The model file is a readable header followed by raw float32 data (docs/model-format.md).
 * The reader trusts nothing: every key is checked, sizes are bounded before any allocation,
 * and the file must end exactly where the header says the parameters end.
 */
#include "lae/model.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lae/atomic_file.h"

#define FORMAT_VERSION 1
#define MAX_FEATURES (1u << 20)

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

/* Writes count floats as little-endian, whatever the host's byte order. */
static void write_floats(FILE *file, const float *x, size_t count) {
    if (host_is_little_endian()) {
        fwrite(x, sizeof *x, count, file);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint8_t bytes[4];
        uint32_t bits;
        memcpy(&bits, &x[i], 4);
        for (int b = 0; b < 4; b++) {
            bytes[b] = (uint8_t)(bits >> (8 * b));
        }
        fwrite(bytes, 1, 4, file);
    }
}

static int read_floats(FILE *file, float *x, size_t count) {
    if (fread(x, sizeof *x, count, file) != count) {
        return 0;
    }
    if (!host_is_little_endian()) {
        for (size_t i = 0; i < count; i++) {
            uint8_t bytes[4];
            uint32_t bits = 0;
            memcpy(bytes, &x[i], 4);
            for (int b = 0; b < 4; b++) {
                bits |= (uint32_t)bytes[b] << (8 * b);
            }
            memcpy(&x[i], &bits, 4);
        }
    }
    return 1;
}

lae_status lae_model_save(const lae_model *model, const char *path) {
    lae_atomic_file out;
    lae_status status = lae_model_write(model, path, &out);
    return status == LAE_OK ? lae_atomic_commit_all(&out, 1) : status;
}

lae_status lae_model_write(const lae_model *model, const char *path, lae_atomic_file *out) {
    lae_status status = lae_atomic_open(out, path);
    if (status != LAE_OK) {
        return status;
    }
    FILE *f = out->file;
    const lae_objective *o = &model->objective;

    fprintf(f, "lae-model %d\n", FORMAT_VERSION);
    fprintf(f, "m %zu\nk %zu\nbias %d\n", model->m, model->k, model->has_bias);
    fprintf(f, "kind %s\np %.17g\na %.17g\nb %.17g\n", lae_kind_name(o->kind), o->p, o->a, o->b);
    fprintf(f, "norm %d %.17g %.17g\n", model->norm.enabled, model->norm.mean, model->norm.std);
    if (model->image_rows * model->image_cols == model->m) {
        fprintf(f, "image %zu %zu\n", model->image_rows, model->image_cols);
    }
    fprintf(f, "source %s\nseed %llu\nepochs %d\nbatch %d\nlr %.17g\nlambda %.17g\n",
            model->source[0] ? model->source : "unknown", (unsigned long long)model->seed,
            model->epochs, model->batch, model->lr, model->lambda);
    fprintf(f, "end\n");

    size_t count = 2 * model->m * model->k + model->m + model->k;
    write_floats(f, model->w_enc, count);
    status = lae_atomic_finish(out);
    if (status != LAE_OK) {
        lae_atomic_abort(out);
    }
    return status;
}

/* Reads one header line into key and value; 0 at end of file or on an overlong line. */
static int read_header_line(FILE *file, char *key, size_t key_size, char *value,
                            size_t value_size) {
    char line[512];
    if (fgets(line, sizeof line, file) == NULL) {
        return 0;
    }
    size_t length = strlen(line);
    if (length == 0 || line[length - 1] != '\n') {
        return 0;
    }
    /* Trailing blanks and a CR (a file edited on Windows) are not part of the value. */
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r' ||
                          line[length - 1] == ' ')) {
        line[--length] = '\0';
    }
    char *space = strchr(line, ' ');
    if (space != NULL) {
        *space = '\0';
        snprintf(value, value_size, "%s", space + 1);
    } else {
        value[0] = '\0';
    }
    snprintf(key, key_size, "%s", line);
    return 1;
}

static int parse_size(const char *text, size_t *out) {
    char *end;
    if (!isdigit((unsigned char)text[0])) {
        return 0; /* strtoull would take blanks and a sign first */
    }
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
        return 0;
    }
    *out = (size_t)value;
    return 1;
}

/* "rows cols": two non-negative integers and nothing else. */
static int parse_size_pair(const char *text, size_t *first, size_t *second) {
    char copy[448];
    snprintf(copy, sizeof copy, "%s", text);
    char *space = strchr(copy, ' ');
    if (space == NULL) {
        return 0;
    }
    *space = '\0';
    return parse_size(copy, first) && parse_size(space + 1, second);
}

/* A non-negative int. */
static int parse_count(const char *text, int *out) {
    size_t value;
    if (!parse_size(text, &value) || value > 2147483647u) {
        return 0;
    }
    *out = (int)value;
    return 1;
}

static int parse_double(const char *text, double *out) {
    char *end;
    if (text[0] == '\0' || isspace((unsigned char)text[0])) {
        return 0;
    }
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(value)) {
        return 0;
    }
    *out = value;
    return 1;
}

lae_status lae_model_load(const char *path, lae_model *model) {
    lae_status status = LAE_OK;
    char key[64], value[448];
    size_t m = 0, k = 0, bias = 2, rows = 0, cols = 0;
    lae_model header;
    int norm_enabled = 0, seen_end = 0;
    unsigned long long seed = 0;
    double p = -1, a = -1, b = -1;
    lae_kind kind = LAE_KIND_LAE;
    int have_kind = 0;

    memset(model, 0, sizeof *model);
    memset(&header, 0, sizeof header);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return lae_fail(LAE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }

    if (!read_header_line(f, key, sizeof key, value, sizeof value) ||
        strcmp(key, "lae-model") != 0) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: not an lae model file (expected a first line "
                          "'lae-model %d')", path, FORMAT_VERSION);
        goto fail;
    }
    if (strcmp(value, "1") != 0) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: model format version '%s'; this lae reads "
                          "version %d", path, value, FORMAT_VERSION);
        goto fail;
    }

    char seen_keys[32][64];
    size_t seen_count = 0;
    int have_image = 0;
    while (!seen_end && read_header_line(f, key, sizeof key, value, sizeof value)) {
        int ok = 1;
        for (size_t i = 0; i < seen_count; i++) {
            if (strcmp(seen_keys[i], key) == 0) {
                status = lae_fail(LAE_ERR_FORMAT, "%s: header key '%s' appears twice", path,
                                  key);
                goto fail;
            }
        }
        if (key[0] == '\0' || strpbrk(key, "\t\v\f") != NULL) {
            status = lae_fail(LAE_ERR_FORMAT, "%s: malformed header line '%s %s' (expected "
                              "'key value', one space between)", path, key, value);
            goto fail;
        }
        if (seen_count < sizeof seen_keys / sizeof seen_keys[0]) {
            snprintf(seen_keys[seen_count++], sizeof seen_keys[0], "%s", key);
        }
        if (strcmp(key, "end") == 0) {
            seen_end = 1;
        } else if (strcmp(key, "m") == 0) {
            ok = parse_size(value, &m);
        } else if (strcmp(key, "k") == 0) {
            ok = parse_size(value, &k);
        } else if (strcmp(key, "bias") == 0) {
            ok = parse_size(value, &bias) && bias <= 1;
        } else if (strcmp(key, "kind") == 0) {
            ok = lae_kind_parse(value, &kind) == LAE_OK;
            have_kind = ok;
        } else if (strcmp(key, "p") == 0) {
            ok = parse_double(value, &p);
        } else if (strcmp(key, "a") == 0) {
            ok = parse_double(value, &a);
        } else if (strcmp(key, "b") == 0) {
            ok = parse_double(value, &b);
        } else if (strcmp(key, "norm") == 0) {
            ok = sscanf(value, "%d %lf %lf", &norm_enabled, &header.norm.mean,
                        &header.norm.std) == 3 &&
                 (norm_enabled == 0 || norm_enabled == 1);
        } else if (strcmp(key, "image") == 0) {
            ok = parse_size_pair(value, &rows, &cols);
            have_image = ok;
        } else if (strcmp(key, "source") == 0) {
            size_t length = strnlen(value, sizeof header.source - 1);
            memcpy(header.source, value, length);
            header.source[length] = '\0';
        } else if (strcmp(key, "seed") == 0) {
            size_t parsed = 0;
            ok = parse_size(value, &parsed);
            seed = parsed;
        } else if (strcmp(key, "epochs") == 0) {
            ok = parse_count(value, &header.epochs);
        } else if (strcmp(key, "batch") == 0) {
            ok = parse_count(value, &header.batch);
        } else if (strcmp(key, "lr") == 0) {
            ok = parse_double(value, &header.lr) && header.lr >= 0.0;
        } else if (strcmp(key, "lambda") == 0) {
            ok = parse_double(value, &header.lambda);
        }
        /* Unknown keys are skipped, so that later versions can add fields. */
        if (!ok) {
            status = lae_fail(LAE_ERR_FORMAT, "%s: bad value '%s' for header key '%s'", path,
                              value, key);
            goto fail;
        }
    }

    if (seen_end && (m == 0 || k == 0)) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: sizes m = %zu, k = %zu: both must be at least 1",
                          path, m, k);
        goto fail;
    }
    if (!seen_end || m == 0 || k == 0 || bias > 1 || !have_kind) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: header incomplete (needs m, k, bias, kind and "
                          "'end')", path);
        goto fail;
    }
    if (m > MAX_FEATURES || k > m) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: sizes m = %zu, k = %zu out of range (k ≤ m ≤ %u)",
                          path, m, k, MAX_FEATURES);
        goto fail;
    }
    if (!(p >= 0.0 && p < 1.0) || a < 0.0 || b < 0.0) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: objective p = %g, a = %g, b = %g out of range",
                          path, p, a, b);
        goto fail;
    }
    if (have_image && (rows > m || cols > m || rows * cols != m)) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: image %zu×%zu does not hold the m = %zu features",
                          path, rows, cols, m);
        goto fail;
    }
    if (!have_image) {
        rows = 1; /* no image shape: one row of m features */
        cols = m;
    }

    status = lae_model_alloc(model, m, k, (int)bias);
    if (status != LAE_OK) {
        goto fail;
    }
    size_t count = 2 * m * k + m + k;
    if (!read_floats(f, model->w_enc, count)) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: truncated: the header promises %zu parameters "
                          "(%zu bytes) after 'end'", path, count, count * 4);
        goto fail;
    }
    if (fgetc(f) != EOF) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: unexpected bytes after the %zu parameters", path,
                          count);
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(model->w_enc[i])) {
            status = lae_fail(LAE_ERR_FORMAT, "%s: parameter %zu is not finite", path, i);
            goto fail;
        }
    }
    fclose(f);

    model->objective = lae_objective_make(kind, p, a, b);
    model->norm.enabled = norm_enabled;
    model->norm.mean = header.norm.mean;
    model->norm.std = header.norm.std;
    model->image_rows = rows;
    model->image_cols = cols;
    memcpy(model->source, header.source, sizeof model->source);
    model->seed = seed;
    model->epochs = header.epochs;
    model->batch = header.batch;
    model->lr = header.lr;
    model->lambda = header.lambda;
    return LAE_OK;
fail:
    fclose(f);
    lae_model_free(model);
    return status;
}

/* Writes one .npy file, finished but unpublished in *out. */
static lae_status npy_write(const char *path, const float *data, size_t ndim,
                            const size_t *shape, lae_atomic_file *out) {
    char header[128];
    char shape_text[64];
    size_t count = 1;

    if (ndim == 1) {
        snprintf(shape_text, sizeof shape_text, "(%zu,)", shape[0]);
        count = shape[0];
    } else {
        snprintf(shape_text, sizeof shape_text, "(%zu, %zu)", shape[0], shape[1]);
        count = shape[0] * shape[1];
    }
    int length = snprintf(header, sizeof header,
                          "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape_text);

    /* NPY 1.0: magic, version, little-endian u16 header length; the header is padded with
     * spaces and ends in a newline so that the data starts on a 64-byte boundary. */
    size_t total = 10 + (size_t)length + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t header_length = padded - 10;

    lae_status status = lae_atomic_open(out, path);
    if (status != LAE_OK) {
        return status;
    }
    fwrite("\x93NUMPY\x01\x00", 1, 8, out->file);
    fputc((int)(header_length & 0xff), out->file);
    fputc((int)(header_length >> 8), out->file);
    fwrite(header, 1, (size_t)length, out->file);
    for (size_t i = (size_t)length; i + 1 < header_length; i++) {
        fputc(' ', out->file);
    }
    fputc('\n', out->file);
    write_floats(out->file, data, count);
    status = lae_atomic_finish(out);
    if (status != LAE_OK) {
        lae_atomic_abort(out);
    }
    return status;
}

lae_status lae_npy_write_f32(const char *path, const float *data, size_t ndim,
                             const size_t *shape) {
    lae_atomic_file out;
    lae_status status = npy_write(path, data, ndim, shape, &out);
    return status == LAE_OK ? lae_atomic_commit_all(&out, 1) : status;
}

const char *const lae_npy_names[LAE_NPY_FILES] = {"W_enc.npy", "b_enc.npy", "W_dec.npy",
                                                  "b_dec.npy", "B.npy"};

lae_status lae_model_export_npy(const lae_model *model, const char *dir) {
    lae_atomic_file out[LAE_NPY_FILES];
    lae_status status = lae_model_write_npy(model, dir, out);
    return status == LAE_OK ? lae_atomic_commit_all(out, LAE_NPY_FILES) : status;
}

lae_status lae_model_write_npy(const lae_model *model, const char *dir,
                               lae_atomic_file out[LAE_NPY_FILES]) {
    char path[4096];
    size_t m = model->m, k = model->k;
    size_t enc_shape[2] = {k, m}, dec_shape[2] = {m, k}, b_shape[2] = {m, m};
    lae_status status = LAE_OK;
    double *product = NULL;
    float *product_f = NULL;
    size_t written = 0;

    status = lae_model_product(model, &product);
    if (status != LAE_OK) {
        goto done;
    }
    product_f = malloc(m * m * sizeof *product_f);
    if (product_f == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "out of memory exporting B");
        goto done;
    }
    for (size_t i = 0; i < m * m; i++) {
        product_f[i] = (float)product[i];
    }

    const struct {
        const float *data;
        size_t ndim;
        const size_t *shape;
    } arrays[LAE_NPY_FILES] = {
        {model->w_enc, 2, enc_shape}, {model->b_enc, 1, &k}, {model->w_dec, 2, dec_shape},
        {model->b_dec, 1, &m}, {product_f, 2, b_shape},
    };
    for (; written < LAE_NPY_FILES; written++) {
        snprintf(path, sizeof path, "%s/%s", dir, lae_npy_names[written]);
        status = npy_write(path, arrays[written].data, arrays[written].ndim,
                           arrays[written].shape, &out[written]);
        if (status != LAE_OK) {
            break;
        }
    }
done:
    if (status != LAE_OK) {
        for (size_t i = 0; i < written; i++) {
            lae_atomic_abort(&out[i]);
        }
    }
    free(product);
    free(product_f);
    return status;
}
