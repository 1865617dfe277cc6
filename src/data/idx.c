/*
 * IDX reader for MNIST-style uint8 images and labels, gzipped or plain.
 *
 * zlib's gzread passes a plain file through unchanged, so one path reads both and the choice is
 * made by content, never by the file's name. The body goes into a buffer that grows only as
 * bytes arrive, so a header that claims terabytes costs about a megabyte before the short file
 * is noticed. Only the two uint8 kinds MNIST uses are read; the signed, int and float IDX types
 * are refused with their type named. The format is the one described on LeCun's MNIST page.
 */
#include "lae/data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The first buffer for a body, and the most asked of one gzread (which takes an unsigned). */
#define FIRST_CAPACITY ((size_t)1 << 20)
#define READ_CHUNK ((size_t)1 << 24)
#define GZ_BUFFER_SIZE (1u << 17)

/* What a file should be: its magic, and the names of the header words after the magic. */
typedef struct {
    const char *what; /* "images" or "labels" */
    uint32_t magic;
    size_t dims;
    const char *dim_names[3];
} idx_kind;

static const idx_kind KIND_IMAGES = {"images", LAE_IDX_MAGIC_IMAGES, 3, {"count", "rows", "cols"}};
static const idx_kind KIND_LABELS = {"labels", LAE_IDX_MAGIC_LABELS, 1, {"count", NULL, NULL}};

static uint32_t read_be32(const unsigned char *b) {
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static uint32_t byte_swap32(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static const char *idx_type_name(unsigned type) {
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0b: return "short";
    case 0x0c: return "int";
    case 0x0d: return "float";
    case 0x0e: return "double";
    }
    return "unknown type";
}

lae_status lae_idx_payload_bytes(size_t count, size_t rows, size_t cols, size_t *bytes) {
    /* Divide before multiplying: the product itself is what might not fit. */
    if (rows != 0 && count > SIZE_MAX / rows) {
        goto overflow;
    }
    size_t per_row_block = count * rows;
    if (cols != 0 && per_row_block > SIZE_MAX / cols) {
        goto overflow;
    }
    *bytes = per_row_block * cols;
    return LAE_OK;

overflow:
    return lae_fail(LAE_ERR_FORMAT, "%zu x %zu x %zu bytes overflows size_t (at most %zu)", count,
                    rows, cols, (size_t)SIZE_MAX);
}

/*
 * Turns the zlib error behind a failed gzread into a status and a message. zlib prefixes its
 * message with the path, which ours already names, so that prefix is dropped. No offset is
 * given for a data error: zlib inflates ahead of the reader, so it would mislead.
 */
static lae_status read_failure(gzFile gz, const char *path, size_t offset, int saved_errno) {
    int code = Z_OK;
    const char *message = gzerror(gz, &code);
    size_t path_len = strlen(path);
    if (strncmp(message, path, path_len) == 0 && strncmp(message + path_len, ": ", 2) == 0) {
        message += path_len + 2;
    }
    if (code == Z_ERRNO) {
        return lae_fail(LAE_ERR_IO, "%s: read failed after %zu bytes: %s", path, offset,
                        strerror(saved_errno));
    }
    return lae_fail(LAE_ERR_FORMAT, "%s: corrupt gzip stream: %s (zlib code %d)", path, message,
                    code);
}

/*
 * Reads until len bytes have arrived or the data ends; *got says how many came. A short
 * read is not an error here, because only the caller knows what the missing bytes were for.
 * offset is where buf starts in the decompressed file, for messages.
 */
static lae_status read_full(gzFile gz, const char *path, unsigned char *buf, size_t len,
                            size_t offset, size_t *got) {
    *got = 0;
    while (*got < len) {
        size_t want = len - *got < READ_CHUNK ? len - *got : READ_CHUNK;
        errno = 0;
        int r = gzread(gz, buf + *got, (unsigned)want);
        if (r < 0) {
            return read_failure(gz, path, offset + *got, errno);
        }
        if (r == 0) {
            break;
        }
        *got += (size_t)r;
    }
    return LAE_OK;
}

/*
 * gzread reports a gzip stream cut in the middle as a plain end of data and keeps
 * Z_BUF_ERROR aside; this says so in the message, since it tells the user which file to fetch.
 */
static const char *cut_short_note(gzFile gz) {
    int code = Z_OK;
    gzerror(gz, &code);
    return code == Z_BUF_ERROR ? " (the gzip stream itself ends early)" : "";
}

/* A message for a magic that is not the expected one, naming what it looks like instead. */
static lae_status wrong_magic(const char *path, const idx_kind *kind, uint32_t found) {
    const idx_kind *other = kind == &KIND_IMAGES ? &KIND_LABELS : &KIND_IMAGES;

    if (found == other->magic) {
        return lae_fail(LAE_ERR_FORMAT,
                        "%s: expected an IDX %s file (magic 0x%08x) but this is an IDX %s file "
                        "(magic 0x%08x)",
                        path, kind->what, kind->magic, other->what, found);
    }
    if (byte_swap32(found) == kind->magic || byte_swap32(found) == other->magic) {
        return lae_fail(LAE_ERR_FORMAT,
                        "%s: expected an IDX %s file (magic 0x%08x) but found 0x%08x, the magic "
                        "of an IDX %s file byte-swapped: the header was written little-endian, "
                        "and IDX headers are big-endian",
                        path, kind->what, kind->magic, found,
                        byte_swap32(found) == kind->magic ? kind->what : other->what);
    }
    if ((found >> 16) == 0) {
        unsigned type = (found >> 8) & 0xffu;
        return lae_fail(LAE_ERR_FORMAT,
                        "%s: expected an IDX %s file (magic 0x%08x: unsigned byte, %zu "
                        "dimension%s) but found magic 0x%08x (%s, %u dimensions)",
                        path, kind->what, kind->magic, kind->dims, kind->dims == 1 ? "" : "s",
                        found, idx_type_name(type), found & 0xffu);
    }
    return lae_fail(LAE_ERR_FORMAT,
                    "%s: expected an IDX %s file (magic 0x%08x) but found 0x%08x, which is not "
                    "an IDX magic",
                    path, kind->what, kind->magic, found);
}

/* Checks the sizes in a header; dims[0] is the count, dims[1..2] the image shape. */
static lae_status check_dims(const char *path, const idx_kind *kind, const size_t *dims) {
    for (size_t i = 0; i < kind->dims; i++) {
        if (dims[i] == 0) {
            return lae_fail(LAE_ERR_FORMAT, "%s: header says %s = 0; expected at least 1", path,
                            kind->dim_names[i]);
        }
        if (i > 0 && dims[i] > LAE_IDX_MAX_SIDE) {
            return lae_fail(LAE_ERR_FORMAT,
                            "%s: header says %s = %zu; expected an image side of at most %u, so "
                            "the header is taken to be corrupt",
                            path, kind->dim_names[i], dims[i], LAE_IDX_MAX_SIDE);
        }
    }
    return LAE_OK;
}

/* Reads the body into a buffer that grows only as fast as bytes actually arrive. */
static lae_status read_body(gzFile gz, const char *path, size_t header_bytes, size_t total,
                            unsigned char **data_out, size_t *got_out) {
    size_t capacity = total < FIRST_CAPACITY ? total : FIRST_CAPACITY;
    size_t have = 0;
    lae_status status = LAE_OK;
    unsigned char *data = malloc(capacity);
    if (data == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, capacity);
        goto fail;
    }

    while (have < total) {
        /* Double only once the buffer is full, so memory tracks the bytes really present. */
        if (have == capacity) {
            size_t grown = capacity <= total / 2 ? capacity * 2 : total;
            unsigned char *bigger = realloc(data, grown);
            if (bigger == NULL) {
                status = lae_fail(LAE_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, grown);
                goto fail;
            }
            data = bigger;
            capacity = grown;
        }

        size_t got = 0;
        status = read_full(gz, path, data + have, capacity - have, header_bytes + have, &got);
        if (status != LAE_OK) {
            goto fail;
        }
        have += got;
        if (have < capacity) {
            break; /* the data ended early; the caller words the message */
        }
    }

    *data_out = data;
    *got_out = have;
    return LAE_OK;

fail:
    free(data);
    return status;
}

/* Counts what follows the body; a whole file has nothing there. */
static lae_status count_trailing(gzFile gz, const char *path, size_t offset, size_t *extra) {
    unsigned char scratch[4096];
    *extra = 0;
    for (;;) {
        size_t got = 0;
        lae_status status = read_full(gz, path, scratch, sizeof scratch, offset + *extra, &got);
        if (status != LAE_OK) {
            return status;
        }
        *extra += got;
        if (got < sizeof scratch) {
            return LAE_OK;
        }
    }
}

/*
 * Reads a whole IDX file of the given kind: checks the magic and header, reads the body, and
 * insists that the data ends exactly where the header says. dims receives the header words.
 */
static lae_status read_idx(const char *path, const idx_kind *kind, size_t *dims,
                           unsigned char **data_out, size_t *bytes_out) {
    gzFile gz = NULL;
    unsigned char *data = NULL;
    unsigned char header[16];
    size_t header_bytes = 4 + 4 * kind->dims;
    size_t got = 0;
    size_t total = 0;
    lae_status status = LAE_OK;

    errno = 0;
    gz = gzopen(path, "rb");
    if (gz == NULL) {
        status = lae_fail(LAE_ERR_IO, "cannot open %s: %s", path,
                          errno != 0 ? strerror(errno) : "out of memory");
        goto fail;
    }
    gzbuffer(gz, GZ_BUFFER_SIZE);

    /* The magic first, so that a wrong kind of file is named before its sizes are read. */
    status = read_full(gz, path, header, 4, 0, &got);
    if (status != LAE_OK) {
        goto fail;
    }
    if (got < 4) {
        status = got == 0 ? lae_fail(LAE_ERR_FORMAT, "%s: file is empty%s; expected an IDX %s file",
                                     path, cut_short_note(gz), kind->what)
                          : lae_fail(LAE_ERR_FORMAT,
                                     "%s: file ends after %zu bytes, inside the 4-byte magic%s",
                                     path, got, cut_short_note(gz));
        goto fail;
    }
    uint32_t magic = read_be32(header);
    if (magic != kind->magic) {
        status = wrong_magic(path, kind, magic);
        goto fail;
    }

    /* Then the sizes, all big-endian u32. */
    status = read_full(gz, path, header + 4, header_bytes - 4, 4, &got);
    if (status != LAE_OK) {
        goto fail;
    }
    if (got < header_bytes - 4) {
        status = lae_fail(LAE_ERR_FORMAT,
                          "%s: file ends after %zu bytes, inside the %zu-byte %s header%s", path,
                          4 + got, header_bytes, kind->what, cut_short_note(gz));
        goto fail;
    }
    size_t shape[3] = {1, 1, 1};
    for (size_t i = 0; i < kind->dims; i++) {
        shape[i] = read_be32(header + 4 + 4 * i);
    }
    status = check_dims(path, kind, shape);
    if (status != LAE_OK) {
        goto fail;
    }
    status = lae_idx_payload_bytes(shape[0], shape[1], shape[2], &total);
    if (status != LAE_OK) {
        status = lae_fail(LAE_ERR_FORMAT, "%s: header sizes %zu x %zu x %zu overflow size_t",
                          path, shape[0], shape[1], shape[2]);
        goto fail;
    }

    /* The body, which must be exactly as long as the header says. */
    status = read_body(gz, path, header_bytes, total, &data, &got);
    if (status != LAE_OK) {
        goto fail;
    }
    if (got < total) {
        if (kind == &KIND_IMAGES) {
            status = lae_fail(LAE_ERR_FORMAT,
                              "%s: truncated: header says %zu images of %zux%zu = %zu bytes of "
                              "pixels, but only %zu are present%s",
                              path, shape[0], shape[1], shape[2], total, got, cut_short_note(gz));
        } else {
            status = lae_fail(LAE_ERR_FORMAT,
                              "%s: truncated: header says %zu labels = %zu bytes, but only %zu "
                              "are present%s",
                              path, shape[0], total, got, cut_short_note(gz));
        }
        goto fail;
    }
    size_t extra = 0;
    status = count_trailing(gz, path, header_bytes + total, &extra);
    if (status != LAE_OK) {
        goto fail;
    }
    if (extra > 0) {
        status = lae_fail(LAE_ERR_FORMAT,
                          "%s: %zu extra bytes after the %zu %s the header accounts for; expected "
                          "the file to end there",
                          path, extra, shape[0], kind->what);
        goto fail;
    }

    /* Closing is where zlib reports a stream that stopped inside a gzip member. */
    int close_code = gzclose(gz);
    gz = NULL;
    if (close_code != Z_OK) {
        if (close_code == Z_ERRNO) {
            status = lae_fail(LAE_ERR_IO, "%s: closing failed: %s", path, strerror(errno));
        } else if (close_code == Z_BUF_ERROR) {
            status = lae_fail(LAE_ERR_FORMAT,
                              "%s: corrupt gzip stream: all %zu bytes of data arrived but the "
                              "stream stops before its end (a cut .gz file)",
                              path, header_bytes + total);
        } else {
            status = lae_fail(LAE_ERR_FORMAT, "%s: corrupt gzip stream (zlib code %d on close)",
                              path, close_code);
        }
        goto fail;
    }

    for (size_t i = 0; i < 3; i++) {
        dims[i] = shape[i];
    }
    *data_out = data;
    *bytes_out = total;
    return LAE_OK;

fail:
    free(data);
    if (gz != NULL) {
        gzclose(gz);
    }
    return status;
}

lae_status lae_idx_read_images(const char *path, lae_idx_images *out) {
    memset(out, 0, sizeof *out);
    size_t dims[3] = {0, 0, 0};
    unsigned char *data = NULL;
    size_t bytes = 0;
    lae_status status = read_idx(path, &KIND_IMAGES, dims, &data, &bytes);
    if (status != LAE_OK) {
        return status;
    }
    out->count = dims[0];
    out->rows = dims[1];
    out->cols = dims[2];
    out->pixels = data;
    return LAE_OK;
}

lae_status lae_idx_read_labels(const char *path, lae_idx_labels *out) {
    memset(out, 0, sizeof *out);
    size_t dims[3] = {0, 0, 0};
    unsigned char *data = NULL;
    size_t bytes = 0;
    lae_status status = read_idx(path, &KIND_LABELS, dims, &data, &bytes);
    if (status != LAE_OK) {
        return status;
    }
    out->count = dims[0];
    out->labels = data;
    return LAE_OK;
}

void lae_idx_images_free(lae_idx_images *images) {
    if (images == NULL) {
        return;
    }
    free(images->pixels);
    memset(images, 0, sizeof *images);
}

void lae_idx_labels_free(lae_idx_labels *labels) {
    if (labels == NULL) {
        return;
    }
    free(labels->labels);
    memset(labels, 0, sizeof *labels);
}
