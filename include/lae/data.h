/*
 * Reading MNIST-style IDX files and turning them into a float matrix for training.
 *
 * Images are IDX magic 0x00000803 (uint8, 3 dimensions: n, rows, cols), labels 0x00000801
 * (uint8, 1 dimension: n); header words are big-endian, as in LeCun's format description.
 * Files may be gzipped or plain; zlib tells them apart by content, not by name. The reader
 * checks the whole file (truncation, trailing bytes, wrong or byte-swapped magic) and never
 * trusts the header's sizes for allocation. Other IDX types (int, float) are refused.
 */
#ifndef LAE_DATA_H
#define LAE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "lae/model.h"
#include "lae/status.h"

/* Magic numbers of the two IDX kinds lae reads. */
#define LAE_IDX_MAGIC_IMAGES 0x00000803u
#define LAE_IDX_MAGIC_LABELS 0x00000801u

/* Largest image side accepted; a header beyond it is taken to be corrupt, not a real image. */
#define LAE_IDX_MAX_SIDE 16384u

/* count images of rows×cols pixels, row-major, image after image; pixels is owned. */
typedef struct {
    size_t count, rows, cols;
    uint8_t *pixels; /* count×rows×cols */
} lae_idx_images;

/* count labels, one byte each; labels is owned. */
typedef struct {
    size_t count;
    uint8_t *labels; /* count */
} lae_idx_labels;

/*
 * Reads an images file (gzipped or plain) at path into *out, which the caller frees with
 * lae_idx_images_free. On failure *out is left empty (all zero) and the message names path:
 * LAE_ERR_IO when the file cannot be opened or read, LAE_ERR_FORMAT when its content is not a
 * whole uint8 3-D IDX file (bad magic, zero or absurd sizes, truncated, extra bytes, corrupt
 * gzip stream), LAE_ERR_NOMEM when memory runs out.
 */
lae_status lae_idx_read_images(const char *path, lae_idx_images *out);

/* As lae_idx_read_images, for a uint8 1-D labels file. */
lae_status lae_idx_read_labels(const char *path, lae_idx_labels *out);

/* Frees the pixels and zeroes *images; safe on a zeroed or already freed struct, or NULL. */
void lae_idx_images_free(lae_idx_images *images);

/* Frees the labels and zeroes *labels; safe on a zeroed or already freed struct, or NULL. */
void lae_idx_labels_free(lae_idx_labels *labels);

/*
 * The payload size count·rows·cols in bytes, checked for size_t overflow before any
 * multiplication. Returns LAE_ERR_FORMAT (with the three factors in the message) if the
 * product does not fit, else stores it in *bytes.
 */
lae_status lae_idx_payload_bytes(size_t count, size_t rows, size_t cols, size_t *bytes);

/* n examples of m = rows·cols features, as the model and the trainers see them. */
typedef struct {
    size_t n, m;       /* examples, features */
    size_t rows, cols; /* image shape */
    size_t available;  /* examples in the files before the limit was applied */
    float *x;          /* n×m row-major: (pixel/255 − mean)/std if norm->enabled, else pixel/255 */
    uint8_t *labels;   /* n */
} lae_dataset;

/*
 * Loads one split ("train" or "t10k") from dir: the images from
 * dir/<split>-images-idx3-ubyte or the same name with .gz, the labels from
 * dir/<split>-labels-idx1-ubyte[.gz]; the plain name wins when both exist. Keeps the first
 * limit examples (0 keeps all). norm may be NULL, meaning no normalisation.
 *
 * *out owns x and labels; free with lae_dataset_free. On failure *out is left empty:
 * LAE_ERR_ARG for an unknown split, limit above the count in the file, or a norm whose std is
 * not positive and finite; LAE_ERR_IO when neither name exists (the message lists both names
 * tried) or a file cannot be read; LAE_ERR_FORMAT for a malformed file or image and label
 * counts that disagree; LAE_ERR_NOMEM when memory runs out. Whether train and t10k share a
 * shape is the caller's check, made with rows and cols.
 */
lae_status lae_dataset_load(const char *dir, const char *split, size_t limit, const lae_norm *norm,
                            lae_dataset *out);

/* Frees x and labels and zeroes *dataset; safe on a zeroed struct or NULL. */
void lae_dataset_free(lae_dataset *dataset);

#endif
