/*
 * Helpers for the data tests: a scratch directory, and IDX files written byte by byte.
 *
 * The files are built here from the format's definition rather than by lae's own code, so a
 * reader bug cannot hide behind a matching writer bug. Gzipped copies go through zlib's
 * gzopen "wb". Include after cmocka.h: failures to write are test failures.
 */
#ifndef LAE_TEST_IDX_FILES_H
#define LAE_TEST_IDX_FILES_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define SCRATCH_PATH_SIZE 512

/* Creates a fresh directory under TMPDIR (or /tmp); dir must hold SCRATCH_PATH_SIZE bytes. */
static inline int scratch_make(char *dir) {
    const char *base = getenv("TMPDIR");
    snprintf(dir, SCRATCH_PATH_SIZE, "%s/lae-test-XXXXXX", base != NULL ? base : "/tmp");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Removes the files in dir (the tests make no subdirectories), then dir itself. */
static inline void scratch_remove(const char *dir) {
    DIR *listing = opendir(dir);
    if (listing == NULL) {
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        char path[SCRATCH_PATH_SIZE * 2];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(listing);
    rmdir(dir);
}

static inline void scratch_path(char *path, const char *dir, const char *name) {
    snprintf(path, SCRATCH_PATH_SIZE * 2, "%s/%s", dir, name);
}

/* A growable byte string, for building files. */
typedef struct {
    unsigned char *bytes;
    size_t len;
} byte_buf;

static inline void buf_append(byte_buf *buf, const void *bytes, size_t len) {
    buf->bytes = realloc(buf->bytes, buf->len + len);
    assert_non_null(buf->bytes);
    memcpy(buf->bytes + buf->len, bytes, len);
    buf->len += len;
}

static inline void buf_be32(byte_buf *buf, uint32_t value) {
    unsigned char word[4] = {(unsigned char)(value >> 24), (unsigned char)(value >> 16),
                             (unsigned char)(value >> 8), (unsigned char)value};
    buf_append(buf, word, 4);
}

static inline void buf_le32(byte_buf *buf, uint32_t value) {
    unsigned char word[4] = {(unsigned char)value, (unsigned char)(value >> 8),
                             (unsigned char)(value >> 16), (unsigned char)(value >> 24)};
    buf_append(buf, word, 4);
}

static inline void buf_free(byte_buf *buf) {
    free(buf->bytes);
    buf->bytes = NULL;
    buf->len = 0;
}

/* The pixel or label at byte i of a test body: a pattern that differs between neighbours. */
static inline unsigned char pattern_byte(size_t i) {
    return (unsigned char)((i * 37u + 11u) % 256u);
}

/* An images file: big-endian header (count, rows, cols), then count·rows·cols pattern bytes. */
static inline byte_buf images_bytes(uint32_t count, uint32_t rows, uint32_t cols) {
    byte_buf buf = {NULL, 0};
    buf_be32(&buf, 0x00000803u);
    buf_be32(&buf, count);
    buf_be32(&buf, rows);
    buf_be32(&buf, cols);
    for (size_t i = 0; i < (size_t)count * rows * cols; i++) {
        unsigned char b = pattern_byte(i);
        buf_append(&buf, &b, 1);
    }
    return buf;
}

/* A labels file: big-endian header (count), then count labels i mod 10. */
static inline byte_buf labels_bytes(uint32_t count) {
    byte_buf buf = {NULL, 0};
    buf_be32(&buf, 0x00000801u);
    buf_be32(&buf, count);
    for (size_t i = 0; i < count; i++) {
        unsigned char b = (unsigned char)(i % 10);
        buf_append(&buf, &b, 1);
    }
    return buf;
}

static inline void write_plain(const char *path, const void *bytes, size_t len) {
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    if (len > 0) {
        assert_int_equal(fwrite(bytes, 1, len, file), len);
    }
    assert_int_equal(fclose(file), 0);
}

static inline void write_gz(const char *path, const void *bytes, size_t len) {
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    if (len > 0) {
        assert_int_equal(gzwrite(gz, bytes, (unsigned)len), (int)len);
    }
    assert_int_equal(gzclose(gz), Z_OK);
}

/* Reads a whole file into a buf, for tests that damage a gzipped file after writing it. */
static inline byte_buf read_whole(const char *path) {
    byte_buf buf = {NULL, 0};
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    unsigned char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        buf_append(&buf, chunk, got);
    }
    fclose(file);
    return buf;
}

#endif
