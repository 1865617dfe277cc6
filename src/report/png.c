/*
 * PNG files through libpng: an 8-bit encoder with text chunks, written beside the destination
 * and renamed into place, and a decoder that keeps the text chunks for the tests and tools.
 *
 * libpng reports errors by longjmp from its error callback; each setjmp lives in a function
 * whose own locals do not change after it, and every allocation is reached through a pointer
 * so that nothing is lost on the jump. Warnings are dropped: the library does not print.
 * Not done: 16-bit samples, interlacing, colour profiles, fsync before the rename.
 */
#include "lae/report.h"

#include "lae/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* What libpng's callbacks record before jumping back. */
typedef struct {
    char message[256];
    int io_errno; /* errno of a failed write, 0 for an encoder or decoder error */
} png_failure;

static void on_png_error(png_structp png, png_const_charp message) {
    png_failure *failure = png_get_error_ptr(png);
    if (failure->message[0] == '\0') {
        snprintf(failure->message, sizeof failure->message, "%s", message);
    }
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* The write callback: fwrite, and a libpng error with errno kept when it comes up short. */
typedef struct {
    FILE *stream;
    png_failure *failure;
} write_target;

static void on_png_write(png_structp png, png_bytep data, size_t length) {
    write_target *target = png_get_io_ptr(png);
    if (fwrite(data, 1, length, target->stream) != length) {
        target->failure->io_errno = errno != 0 ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void on_png_flush(png_structp png) {
    write_target *target = png_get_io_ptr(png);
    if (fflush(target->stream) != 0) {
        target->failure->io_errno = errno != 0 ? errno : EIO;
        png_error(png, "flush failed");
    }
}

static int is_ascii(const char *s) {
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 0;
        }
    }
    return 1;
}

/* The PNG rule for keywords, narrowed to printable ASCII. */
static int key_is_valid(const char *key) {
    size_t length = strlen(key);
    if (length < 1 || length > 79 || key[0] == ' ' || key[length - 1] == ' ') {
        return 0;
    }
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 0x20 || c > 0x7e || (c == ' ' && key[i + 1] == ' ')) {
            return 0;
        }
    }
    return 1;
}

static lae_status check_image_args(const char *name, size_t width, size_t height,
                                   const uint8_t *pixels, int channels, const lae_png_text *texts,
                                   size_t ntexts) {
    if (pixels == NULL || width == 0 || height == 0 || width > 0x7fffffff / 4 ||
        height > 0x7fffffff) {
        return lae_fail(LAE_ERR_ARG, "PNG '%s': expected a non-empty image, got %zu×%zu%s", name,
                        width, height, pixels == NULL ? " with no pixels" : "");
    }
    if (channels < 1 || channels > 4) {
        return lae_fail(LAE_ERR_ARG, "PNG '%s': expected 1 to 4 channels, got %d", name, channels);
    }
    if (ntexts > 0 && texts == NULL) {
        return lae_fail(LAE_ERR_ARG, "PNG '%s': %zu text chunks but no array", name, ntexts);
    }
    for (size_t i = 0; i < ntexts; i++) {
        if (texts[i].key == NULL || texts[i].value == NULL || !key_is_valid(texts[i].key)) {
            return lae_fail(LAE_ERR_ARG,
                            "PNG '%s': text key '%s' must be 1 to 79 printable ASCII characters "
                            "with single inner spaces, and have a value",
                            name, texts[i].key == NULL ? "(null)" : texts[i].key);
        }
    }
    return LAE_OK;
}

/* Everything the encoder touches after setjmp, reached through one pointer. */
typedef struct {
    png_structp png;
    png_infop info;
    png_textp chunks;
    write_target target;
    png_failure failure;
} png_writer;

/* Returns 0 when the image was encoded and handed to the stream, 1 after a libpng error. */
static int encode(png_writer *w, size_t width, size_t height, const uint8_t *pixels, int channels,
                  size_t ntexts) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (setjmp(png_jmpbuf(w->png))) {
        return 1;
    }
    png_set_write_fn(w->png, &w->target, on_png_write, on_png_flush);
    png_set_IHDR(w->png, w->info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ntexts > 0) {
        png_set_text(w->png, w->info, w->chunks, (int)ntexts);
    }
    png_write_info(w->png, w->info);
    for (size_t row = 0; row < height; row++) {
        png_write_row(w->png, pixels + row * width * (size_t)channels);
    }
    png_write_end(w->png, w->info);
    return 0;
}

lae_status lae_png_write_stream(FILE *stream, const char *name, size_t width, size_t height,
                                const uint8_t *pixels, int channels, const lae_png_text *texts,
                                size_t ntexts) {
    lae_status status = LAE_OK;
    png_writer w;
    memset(&w, 0, sizeof w);
    if (name == NULL) {
        name = "(stream)";
    }

    status = check_image_args(name, width, height, pixels, channels, texts, ntexts);
    if (status != LAE_OK) {
        goto fail;
    }
    if (stream == NULL) {
        status = lae_fail(LAE_ERR_IO, "PNG '%s': no stream to write to", name);
        goto fail;
    }

    /* The text chunks point at the caller's strings; libpng copies them in png_set_text. */
    if (ntexts > 0) {
        w.chunks = calloc(ntexts, sizeof *w.chunks);
        if (w.chunks == NULL) {
            status =
                lae_fail(LAE_ERR_NOMEM, "PNG '%s': no memory for %zu text chunks", name, ntexts);
            goto fail;
        }
    }
    for (size_t i = 0; i < ntexts; i++) {
        w.chunks[i].key = (png_charp)texts[i].key;
        w.chunks[i].text = (png_charp)texts[i].value;
        if (is_ascii(texts[i].value)) {
            w.chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
            w.chunks[i].text_length = strlen(texts[i].value);
        } else {
            w.chunks[i].compression = PNG_ITXT_COMPRESSION_NONE;
            w.chunks[i].itxt_length = strlen(texts[i].value);
        }
    }

    w.png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &w.failure, on_png_error, on_png_warning);
    w.info = w.png != NULL ? png_create_info_struct(w.png) : NULL;
    if (w.info == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "PNG '%s': libpng could not start an encoder", name);
        goto fail;
    }
    w.target.stream = stream;
    w.target.failure = &w.failure;

    if (encode(&w, width, height, pixels, channels, ntexts) != 0) {
        if (w.failure.io_errno != 0) {
            status = lae_fail(LAE_ERR_IO, "cannot write PNG '%s': %s", name,
                              strerror(w.failure.io_errno));
        } else {
            status = lae_fail(LAE_ERR_FORMAT, "libpng could not encode '%s': %s", name,
                              w.failure.message);
        }
        goto fail;
    }

    /* A full disk often shows only when the stream's buffer is flushed. */
    if (fflush(stream) != 0 || ferror(stream)) {
        status = lae_fail(LAE_ERR_IO, "cannot write PNG '%s': %s", name,
                          errno != 0 ? strerror(errno) : "stream error");
        goto fail;
    }

fail:
    if (w.png != NULL) {
        png_destroy_write_struct(&w.png, w.info != NULL ? &w.info : NULL);
    }
    free(w.chunks);
    return status;
}

/* Opens a new file named after path in its folder, honouring the umask. */
static int open_temporary(const char *path, char *temp, size_t temp_size) {
    static atomic_uint counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = atomic_fetch_add(&counter, 1u);
        snprintf(temp, temp_size, "%s.tmp-%ld-%u", path, (long)getpid(), n);
        int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0 || errno != EEXIST) {
            return fd;
        }
    }
    errno = EEXIST;
    return -1;
}

lae_status lae_png_write(const char *path, size_t width, size_t height, const uint8_t *pixels,
                         int channels, const lae_png_text *texts, size_t ntexts) {
    lae_status status = LAE_OK;
    char *temp = NULL;
    FILE *stream = NULL;
    int fd = -1;
    int created = 0;
    int closed = 0;
    size_t temp_size = 0;

    if (path == NULL || path[0] == '\0') {
        return lae_fail(LAE_ERR_ARG, "PNG: expected a path, got none");
    }
    status = check_image_args(path, width, height, pixels, channels, texts, ntexts);
    if (status != LAE_OK) {
        return status;
    }

    /* Renaming over a device or a folder would replace it: refuse; follow a link. */
    char target[4096];
    status = lae_output_check(path, target, sizeof target);
    if (status != LAE_OK) {
        return status;
    }

    temp_size = strlen(target) + 64;
    temp = malloc(temp_size);
    if (temp == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "PNG '%s': no memory for a file name", path);
        goto fail;
    }
    fd = open_temporary(target, temp, temp_size);
    if (fd < 0) {
        status = lae_fail(LAE_ERR_IO, "cannot create PNG '%s' (as temporary '%s'): %s", path, temp,
                          strerror(errno));
        goto fail;
    }
    created = 1;
    struct stat existing;
    if (stat(target, &existing) == 0) {
        fchmod(fd, existing.st_mode & 07777); /* a replaced picture keeps its mode */
    }
    stream = fdopen(fd, "wb");
    if (stream == NULL) {
        status = lae_fail(LAE_ERR_IO, "cannot write PNG '%s': %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;

    status = lae_png_write_stream(stream, path, width, height, pixels, channels, texts, ntexts);
    if (status != LAE_OK) {
        goto fail;
    }
    closed = fclose(stream);
    stream = NULL;
    if (closed != 0) {
        status = lae_fail(LAE_ERR_IO, "cannot write PNG '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (rename(temp, target) != 0) {
        status =
            lae_fail(LAE_ERR_IO, "cannot rename '%s' to PNG '%s': %s", temp, path, strerror(errno));
        goto fail;
    }
    created = 0;

fail:
    if (stream != NULL) {
        fclose(stream);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (created) {
        unlink(temp);
    }
    free(temp);
    return status;
}

/* ---- Decoder -------------------------------------------------------------------------------- */

typedef struct {
    png_structp png;
    png_infop info;
    png_bytepp rows;
    lae_png_image *image;
    png_failure failure;
    int out_of_memory;
} png_reader;

static char *copy_string(const char *s) {
    size_t length = strlen(s);
    char *copy = malloc(length + 1);
    if (copy != NULL) {
        memcpy(copy, s, length + 1);
    }
    return copy;
}

/* Returns 0 on success, 1 after a libpng error or an allocation failure. */
static int decode(png_reader *r, FILE *stream) {
    if (setjmp(png_jmpbuf(r->png))) {
        return 1;
    }
    png_init_io(r->png, stream);
    png_read_info(r->png, r->info);

    /* Palettes to RGB, sub-byte grey to 8 bits, tRNS to alpha, 16 bits to 8. */
    png_set_expand(r->png);
    png_set_strip_16(r->png);
    png_set_interlace_handling(r->png);
    png_read_update_info(r->png, r->info);

    lae_png_image *image = r->image;
    image->width = png_get_image_width(r->png, r->info);
    image->height = png_get_image_height(r->png, r->info);
    image->channels = png_get_channels(r->png, r->info);
    size_t row_bytes = png_get_rowbytes(r->png, r->info);
    if (row_bytes != image->width * (size_t)image->channels) {
        png_error(r->png, "unexpected row size after expansion");
    }
    image->pixels = malloc(row_bytes * image->height);
    r->rows = malloc(image->height * sizeof *r->rows);
    if (image->pixels == NULL || r->rows == NULL) {
        r->out_of_memory = 1;
        return 1;
    }
    for (size_t row = 0; row < image->height; row++) {
        r->rows[row] = image->pixels + row * row_bytes;
    }
    png_read_image(r->png, r->rows);
    png_read_end(r->png, r->info);

    /* Text chunks from before and after the image data. */
    png_textp chunks = NULL;
    int nchunks = png_get_text(r->png, r->info, &chunks, NULL);
    if (nchunks > 0) {
        image->texts = calloc((size_t)nchunks, sizeof *image->texts);
        if (image->texts == NULL) {
            r->out_of_memory = 1;
            return 1;
        }
        for (int i = 0; i < nchunks; i++) {
            lae_png_text *t = &image->texts[image->ntexts];
            t->key = copy_string(chunks[i].key);
            t->value = copy_string(chunks[i].text != NULL ? chunks[i].text : "");
            image->ntexts++;
            if (t->key == NULL || t->value == NULL) {
                r->out_of_memory = 1;
                return 1;
            }
        }
    }
    return 0;
}

lae_status lae_png_read(const char *path, lae_png_image *image) {
    lae_status status = LAE_OK;
    FILE *stream = NULL;
    png_reader r;
    memset(&r, 0, sizeof r);
    unsigned char signature[8];

    if (image == NULL || path == NULL) {
        return lae_fail(LAE_ERR_ARG, "PNG read: expected a path and an image");
    }
    memset(image, 0, sizeof *image);
    r.image = image;

    stream = fopen(path, "rb");
    if (stream == NULL) {
        status = lae_fail(LAE_ERR_IO, "cannot open PNG '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (fread(signature, 1, sizeof signature, stream) != sizeof signature ||
        png_sig_cmp(signature, 0, sizeof signature) != 0) {
        status = lae_fail(LAE_ERR_FORMAT, "'%s' is not a PNG file (bad signature)", path);
        goto fail;
    }

    r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r.failure, on_png_error, on_png_warning);
    r.info = r.png != NULL ? png_create_info_struct(r.png) : NULL;
    if (r.info == NULL) {
        status = lae_fail(LAE_ERR_NOMEM, "PNG '%s': libpng could not start a decoder", path);
        goto fail;
    }
    png_set_sig_bytes(r.png, sizeof signature);

    if (decode(&r, stream) != 0) {
        if (r.out_of_memory) {
            status = lae_fail(LAE_ERR_NOMEM, "PNG '%s': no memory for the decoded image", path);
        } else if (ferror(stream)) {
            status = lae_fail(LAE_ERR_IO, "cannot read PNG '%s'", path);
        } else {
            status = lae_fail(LAE_ERR_FORMAT, "PNG '%s' is damaged: %s", path, r.failure.message);
        }
        goto fail;
    }

fail:
    if (r.png != NULL) {
        png_destroy_read_struct(&r.png, r.info != NULL ? &r.info : NULL, NULL);
    }
    free(r.rows);
    if (stream != NULL) {
        fclose(stream);
    }
    if (status != LAE_OK) {
        lae_png_image_free(image);
    }
    return status;
}

void lae_png_image_free(lae_png_image *image) {
    if (image == NULL) {
        return;
    }
    for (size_t i = 0; i < image->ntexts; i++) {
        free((void *)image->texts[i].key);
        free((void *)image->texts[i].value);
    }
    free(image->texts);
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

const char *lae_png_image_text(const lae_png_image *image, const char *key) {
    for (size_t i = 0; i < image->ntexts; i++) {
        if (strcmp(image->texts[i].key, key) == 0) {
            return image->texts[i].value;
        }
    }
    return NULL;
}
