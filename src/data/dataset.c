/*
 * One split of an MNIST-style directory as an n×m float matrix with its labels.
 *
 * It finds the files under their standard names, gzipped or not, checks that images and labels
 * agree, keeps the first `limit` examples and scales pixels through a 256-entry table, so that a
 * pixel value always maps to the same float. It does not shuffle, hold out validation data or
 * compare shapes between splits: those are the caller's decisions.
 */
#include "lae/data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "dir/split-stem" in a fresh allocation, with an optional suffix such as ".gz". */
static lae_status join_path(const char *dir, const char *split, const char *stem,
                            const char *suffix, char **path_out) {
    int length = snprintf(NULL, 0, "%s/%s-%s%s", dir, split, stem, suffix);
    if (length < 0) {
        return lae_fail(LAE_ERR_ARG, "cannot form a file name from directory %s", dir);
    }
    char *path = malloc((size_t)length + 1);
    if (path == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "cannot allocate a %d-byte file name", length + 1);
    }
    snprintf(path, (size_t)length + 1, "%s/%s-%s%s", dir, split, stem, suffix);
    *path_out = path;
    return LAE_OK;
}

/* True unless the name is certainly absent; a file we may not read is left for open to name. */
static int may_exist(const char *path) {
    struct stat info;
    errno = 0;
    return stat(path, &info) == 0 || errno != ENOENT;
}

/*
 * Picks dir/split-stem, else the same name with .gz. The plain name wins when both exist,
 * because someone who unpacked the file by hand most likely meant that copy to be read.
 */
static lae_status find_file(const char *dir, const char *split, const char *stem,
                            char **path_out) {
    char *plain = NULL;
    char *gzipped = NULL;
    lae_status status = join_path(dir, split, stem, "", &plain);
    if (status != LAE_OK) {
        goto fail;
    }
    status = join_path(dir, split, stem, ".gz", &gzipped);
    if (status != LAE_OK) {
        goto fail;
    }

    if (may_exist(plain)) {
        free(gzipped);
        *path_out = plain;
        return LAE_OK;
    }
    if (may_exist(gzipped)) {
        free(plain);
        *path_out = gzipped;
        return LAE_OK;
    }
    status = lae_fail(LAE_ERR_IO, "no %s %s file in %s: tried %s and %s", split, stem, dir, plain,
                      gzipped);

fail:
    free(gzipped);
    free(plain);
    return status;
}

lae_status lae_dataset_load(const char *dir, const char *split, size_t limit, const lae_norm *norm,
                            lae_dataset *out) {
    char *images_path = NULL;
    char *labels_path = NULL;
    lae_idx_images images = {0};
    lae_idx_labels labels = {0};
    lae_status status = LAE_OK;
    memset(out, 0, sizeof *out);

    /* Arguments first: they cost nothing to check and say what the caller got wrong. */
    if (split == NULL || (strcmp(split, "train") != 0 && strcmp(split, "t10k") != 0)) {
        return lae_fail(LAE_ERR_ARG, "unknown split '%s'; expected 'train' or 't10k'",
                        split == NULL ? "(null)" : split);
    }
    int normalise = norm != NULL && norm->enabled;
    if (normalise && (!isfinite(norm->mean) || !isfinite(norm->std) || !(norm->std > 0))) {
        return lae_fail(LAE_ERR_ARG,
                        "normalisation needs a finite mean and a positive finite std, got "
                        "mean %g and std %g",
                        norm->mean, norm->std);
    }

    status = find_file(dir, split, "images-idx3-ubyte", &images_path);
    if (status != LAE_OK) {
        goto fail;
    }
    status = find_file(dir, split, "labels-idx1-ubyte", &labels_path);
    if (status != LAE_OK) {
        goto fail;
    }
    status = lae_idx_read_images(images_path, &images);
    if (status != LAE_OK) {
        goto fail;
    }
    status = lae_idx_read_labels(labels_path, &labels);
    if (status != LAE_OK) {
        goto fail;
    }

    if (images.count != labels.count) {
        status = lae_fail(LAE_ERR_FORMAT, "%s holds %zu images but %s holds %zu labels",
                          images_path, images.count, labels_path, labels.count);
        goto fail;
    }
    if (limit > images.count) {
        status = lae_fail(LAE_ERR_ARG, "limit %zu exceeds the %zu images in %s", limit,
                          images.count, images_path);
        goto fail;
    }

    /* n ≤ count, so n·m bytes fit already; only the float size can overflow the product. */
    size_t n = limit == 0 ? images.count : limit;
    size_t m = images.rows * images.cols;
    if (n * m > SIZE_MAX / sizeof(float)) {
        status = lae_fail(LAE_ERR_NOMEM, "%s: %zu x %zu floats overflow size_t", images_path, n, m);
        goto fail;
    }
    out->x = malloc(n * m * sizeof(float));
    out->labels = malloc(n);
    if (out->x == NULL || out->labels == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "%s: cannot allocate %zu x %zu floats", images_path, n, m);
        goto fail;
    }

    /* Scale in double once per pixel value, then look the value up for every pixel. */
    float table[256];
    for (int value = 0; value < 256; value++) {
        double scaled = value / 255.0;
        if (normalise) {
            scaled = (scaled - norm->mean) / norm->std;
        }
        table[value] = (float)scaled;
    }
    for (size_t i = 0; i < n * m; i++) {
        out->x[i] = table[images.pixels[i]];
    }
    memcpy(out->labels, labels.labels, n);

    out->n = n;
    out->m = m;
    out->rows = images.rows;
    out->cols = images.cols;
    out->available = images.count;
    lae_idx_labels_free(&labels);
    lae_idx_images_free(&images);
    free(labels_path);
    free(images_path);
    return LAE_OK;

fail:
    lae_dataset_free(out);
    lae_idx_labels_free(&labels);
    lae_idx_images_free(&images);
    free(labels_path);
    free(images_path);
    return status;
}

void lae_dataset_free(lae_dataset *dataset) {
    if (dataset == NULL) {
        return;
    }
    free(dataset->x);
    free(dataset->labels);
    memset(dataset, 0, sizeof *dataset);
}
