/*
 * The IDX reader: good files parsed byte by byte, and every kind of broken file refused.
 *
 * Files are written into a fresh scratch directory, plain and gzipped. A broken file must fail
 * with the right status, a message naming the file and the fault, and an empty *out. The
 * bundled dataset's facts are checked in test_dataset.c, not here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idx_files.h"
#include "lae/data.h"

static char scratch[SCRATCH_PATH_SIZE];

static int make_scratch(void **state) {
    (void)state;
    return scratch_make(scratch);
}

static int remove_scratch(void **state) {
    (void)state;
    scratch_remove(scratch);
    return 0;
}

/* Writes bytes to scratch/name, gzipped or plain, and frees them; path receives the name. */
static void put_file(char *path, const char *name, byte_buf *bytes, int gz) {
    scratch_path(path, scratch, name);
    if (gz) {
        write_gz(path, bytes->bytes, bytes->len);
    } else {
        write_plain(path, bytes->bytes, bytes->len);
    }
    buf_free(bytes);
}

static void assert_message_has(const char *needle) {
    if (needle != NULL && strstr(lae_error_message(), needle) == NULL) {
        fail_msg("message \"%s\" lacks \"%s\"", lae_error_message(), needle);
    }
}

/*
 * Reads scratch/name as images (or labels) and expects the given failure: the status, a
 * message naming the file and containing both needles, and *out left empty.
 */
static void expect_failure(const char *name, byte_buf bytes, int gz, int as_labels,
                           lae_status want, const char *needle1, const char *needle2) {
    char path[SCRATCH_PATH_SIZE * 2];
    put_file(path, name, &bytes, gz);

    lae_status got;
    if (as_labels) {
        lae_idx_labels labels = {7, (uint8_t *)path};
        got = lae_idx_read_labels(path, &labels);
        assert_int_equal(labels.count, 0);
        assert_null(labels.labels);
    } else {
        lae_idx_images images = {7, 7, 7, (uint8_t *)path};
        got = lae_idx_read_images(path, &images);
        assert_int_equal(images.count, 0);
        assert_int_equal(images.rows, 0);
        assert_null(images.pixels);
    }
    if (got != want) {
        fail_msg("%s: got %s, expected %s; message: %s", name, lae_status_name(got),
                 lae_status_name(want), lae_error_message());
    }
    assert_message_has(path);
    assert_message_has(needle1);
    assert_message_has(needle2);
}

/* Good files. */

static void check_images(int gz) {
    char path[SCRATCH_PATH_SIZE * 2];
    byte_buf bytes = images_bytes(3, 4, 5);
    put_file(path, gz ? "good-images.gz" : "good-images", &bytes, gz);

    lae_idx_images images;
    assert_int_equal(lae_idx_read_images(path, &images), LAE_OK);
    assert_int_equal(images.count, 3);
    assert_int_equal(images.rows, 4);
    assert_int_equal(images.cols, 5);
    for (size_t i = 0; i < 3 * 4 * 5; i++) {
        assert_int_equal(images.pixels[i], pattern_byte(i));
    }
    lae_idx_images_free(&images);
    assert_null(images.pixels);
    assert_int_equal(images.count, 0);
}

static void images_plain_read_byte_by_byte(void **state) {
    (void)state;
    check_images(0);
}

static void images_gzipped_read_byte_by_byte(void **state) {
    (void)state;
    check_images(1);
}

static void check_labels(int gz) {
    char path[SCRATCH_PATH_SIZE * 2];
    byte_buf bytes = labels_bytes(23);
    put_file(path, gz ? "good-labels.gz" : "good-labels", &bytes, gz);

    lae_idx_labels labels;
    assert_int_equal(lae_idx_read_labels(path, &labels), LAE_OK);
    assert_int_equal(labels.count, 23);
    for (size_t i = 0; i < 23; i++) {
        assert_int_equal(labels.labels[i], i % 10);
    }
    lae_idx_labels_free(&labels);
    assert_null(labels.labels);
}

static void labels_plain_read_byte_by_byte(void **state) {
    (void)state;
    check_labels(0);
}

static void labels_gzipped_read_byte_by_byte(void **state) {
    (void)state;
    check_labels(1);
}

/* The content decides, not the name: a gzipped file without .gz and a plain one with it. */
static void content_not_name_decides_compression(void **state) {
    (void)state;
    char path[SCRATCH_PATH_SIZE * 2];
    byte_buf bytes = images_bytes(2, 3, 3);
    put_file(path, "gzipped-without-suffix", &bytes, 1);
    lae_idx_images images;
    assert_int_equal(lae_idx_read_images(path, &images), LAE_OK);
    assert_int_equal(images.pixels[17], pattern_byte(17));
    lae_idx_images_free(&images);

    bytes = images_bytes(2, 3, 3);
    put_file(path, "plain-with-suffix.gz", &bytes, 0);
    assert_int_equal(lae_idx_read_images(path, &images), LAE_OK);
    assert_int_equal(images.pixels[17], pattern_byte(17));
    lae_idx_images_free(&images);
}

/* A body larger than the reader's first buffer, so that the buffer has to grow. */
static void large_body_grows_buffer(void **state) {
    (void)state;
    char path[SCRATCH_PATH_SIZE * 2];
    byte_buf bytes = {NULL, 0};
    buf_be32(&bytes, 0x00000803u);
    buf_be32(&bytes, 3000);
    buf_be32(&bytes, 28);
    buf_be32(&bytes, 28);
    size_t body = (size_t)3000 * 28 * 28;
    unsigned char *pixels = malloc(body);
    assert_non_null(pixels);
    for (size_t i = 0; i < body; i++) {
        pixels[i] = pattern_byte(i);
    }
    buf_append(&bytes, pixels, body);
    put_file(path, "large.gz", &bytes, 1);

    lae_idx_images images;
    assert_int_equal(lae_idx_read_images(path, &images), LAE_OK);
    assert_int_equal(images.count, 3000);
    assert_memory_equal(images.pixels, pixels, body);
    lae_idx_images_free(&images);
    free(pixels);
}

static void free_is_safe_on_empty(void **state) {
    (void)state;
    lae_idx_images images = {0, 0, 0, NULL};
    lae_idx_labels labels = {0, NULL};
    lae_idx_images_free(&images);
    lae_idx_labels_free(&labels);
    lae_idx_images_free(NULL);
    lae_idx_labels_free(NULL);
    assert_null(images.pixels);
}

static void payload_size_checks_overflow(void **state) {
    (void)state;
    size_t bytes = 0;
    assert_int_equal(lae_idx_payload_bytes(8000, 28, 28, &bytes), LAE_OK);
    assert_int_equal(bytes, 8000 * 28 * 28);
    assert_int_equal(lae_idx_payload_bytes(SIZE_MAX / 2, 3, 1, &bytes), LAE_ERR_FORMAT);
    assert_message_has("overflows size_t");
    assert_int_equal(lae_idx_payload_bytes(SIZE_MAX / 4, 2, 3, &bytes), LAE_ERR_FORMAT);
    assert_int_equal(lae_idx_payload_bytes((size_t)1 << (sizeof(size_t) * 4), (size_t)1
                                           << (sizeof(size_t) * 4), 1, &bytes),
                     LAE_ERR_FORMAT);
    assert_int_equal(lae_idx_payload_bytes(SIZE_MAX, 1, 1, &bytes), LAE_OK);
    assert_int_equal(bytes, SIZE_MAX);
}

/* Broken files. */

static void missing_file_is_io_error(void **state) {
    (void)state;
    char path[SCRATCH_PATH_SIZE * 2];
    scratch_path(path, scratch, "no-such-file");
    lae_idx_images images;
    assert_int_equal(lae_idx_read_images(path, &images), LAE_ERR_IO);
    assert_null(images.pixels);
    assert_message_has(path);
    assert_message_has("No such file");
}

static void empty_file(void **state) {
    (void)state;
    expect_failure("empty", (byte_buf){NULL, 0}, 0, 0, LAE_ERR_FORMAT, "empty", NULL);
}

static void header_cut_inside_sizes(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(2, 2, 2);
    bytes.len = 10;
    expect_failure("cut-header", bytes, 0, 0, LAE_ERR_FORMAT, "after 10 bytes", "16-byte");
}

static void header_cut_inside_magic(void **state) {
    (void)state;
    byte_buf bytes = labels_bytes(2);
    bytes.len = 3;
    expect_failure("cut-magic", bytes, 1, 1, LAE_ERR_FORMAT, "after 3 bytes", "magic");
}

static void images_truncated_plain(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(4, 3, 2);
    bytes.len -= 5;
    expect_failure("short-images", bytes, 0, 0, LAE_ERR_FORMAT,
                   "header says 4 images of 3x2 = 24 bytes", "only 19 are present");
}

static void images_truncated_gzipped_content(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(4, 3, 2);
    bytes.len -= 1;
    expect_failure("short-images.gz", bytes, 1, 0, LAE_ERR_FORMAT, "truncated",
                   "only 23 are present");
}

static void labels_truncated(void **state) {
    (void)state;
    byte_buf bytes = labels_bytes(30);
    bytes.len -= 12;
    expect_failure("short-labels", bytes, 0, 1, LAE_ERR_FORMAT, "30 labels = 30 bytes",
                   "only 18 are present");
}

/* A header that claims 2³²−1 images of 28×28 (3.4 TB) over 10 real images must not allocate. */
static void lying_header_fails_without_huge_allocation(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(10, 28, 28);
    unsigned char huge[4] = {0xff, 0xff, 0xff, 0xff};
    memcpy(bytes.bytes + 4, huge, 4);
    expect_failure("lying.gz", bytes, 1, 0, LAE_ERR_FORMAT, "4294967295 images",
                   "only 7840 are present");
}

static void trailing_bytes_plain(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(2, 2, 2);
    buf_append(&bytes, "xyz", 3);
    expect_failure("trailing", bytes, 0, 0, LAE_ERR_FORMAT, "3 extra bytes", "2 images");
}

static void trailing_bytes_gzipped(void **state) {
    (void)state;
    byte_buf bytes = labels_bytes(5);
    unsigned char zeros[5000] = {0};
    buf_append(&bytes, zeros, sizeof zeros);
    expect_failure("trailing.gz", bytes, 1, 1, LAE_ERR_FORMAT, "5000 extra bytes", "5 labels");
}

static void unknown_magic(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(1, 2, 2);
    memcpy(bytes.bytes, "\x12\x34\x56\x78", 4);
    expect_failure("junk", bytes, 0, 0, LAE_ERR_FORMAT, "found 0x12345678", "0x00000803");
}

static void labels_given_as_images(void **state) {
    (void)state;
    expect_failure("labels-as-images", labels_bytes(4), 1, 0, LAE_ERR_FORMAT,
                   "expected an IDX images file (magic 0x00000803)",
                   "IDX labels file (magic 0x00000801)");
}

static void images_given_as_labels(void **state) {
    (void)state;
    expect_failure("images-as-labels", images_bytes(1, 2, 2), 0, 1, LAE_ERR_FORMAT,
                   "expected an IDX labels file (magic 0x00000801)",
                   "IDX images file (magic 0x00000803)");
}

static void little_endian_images_header(void **state) {
    (void)state;
    byte_buf bytes = {NULL, 0};
    buf_le32(&bytes, 0x00000803u);
    buf_le32(&bytes, 1);
    buf_le32(&bytes, 2);
    buf_le32(&bytes, 2);
    buf_append(&bytes, "abcd", 4);
    expect_failure("little-endian", bytes, 0, 0, LAE_ERR_FORMAT, "found 0x03080000",
                   "little-endian");
}

static void little_endian_labels_header(void **state) {
    (void)state;
    byte_buf bytes = {NULL, 0};
    buf_le32(&bytes, 0x00000801u);
    buf_le32(&bytes, 1);
    buf_append(&bytes, "a", 1);
    expect_failure("little-endian-labels.gz", bytes, 1, 1, LAE_ERR_FORMAT,
                   "labels file byte-swapped", "little-endian");
}

static void float_idx_refused_by_type(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(1, 1, 1);
    memcpy(bytes.bytes, "\x00\x00\x0d\x03", 4);
    expect_failure("floats", bytes, 0, 0, LAE_ERR_FORMAT, "0x00000d03 (float, 3 dimensions)",
                   "unsigned byte");
}

static void zero_count(void **state) {
    (void)state;
    expect_failure("zero-count", images_bytes(0, 28, 28), 0, 0, LAE_ERR_FORMAT, "count = 0",
                   NULL);
}

static void zero_rows(void **state) {
    (void)state;
    expect_failure("zero-rows", images_bytes(5, 0, 28), 0, 0, LAE_ERR_FORMAT, "rows = 0", NULL);
}

static void zero_cols(void **state) {
    (void)state;
    expect_failure("zero-cols.gz", images_bytes(5, 28, 0), 1, 0, LAE_ERR_FORMAT, "cols = 0",
                   NULL);
}

static void zero_labels(void **state) {
    (void)state;
    expect_failure("zero-labels", labels_bytes(0), 0, 1, LAE_ERR_FORMAT, "count = 0", NULL);
}

static void absurd_side(void **state) {
    (void)state;
    byte_buf bytes = images_bytes(1, 1, 1);
    unsigned char cols[4] = {0x00, 0x01, 0x86, 0xa0}; /* 100000 */
    memcpy(bytes.bytes + 12, cols, 4);
    expect_failure("absurd", bytes, 0, 0, LAE_ERR_FORMAT, "cols = 100000", "at most 16384");
}

/* Writes a good gzipped file, then damages the compressed bytes with damage(). */
static void expect_gzip_failure(const char *name, void (*damage)(byte_buf *),
                                const char *needle1, const char *needle2) {
    char path[SCRATCH_PATH_SIZE * 2];
    scratch_path(path, scratch, name);
    byte_buf good = images_bytes(20, 28, 28);
    write_gz(path, good.bytes, good.len);
    buf_free(&good);
    byte_buf compressed = read_whole(path);
    damage(&compressed);
    expect_failure(name, compressed, 0, 0, LAE_ERR_FORMAT, needle1, needle2);
}

/* The gzip trailer is CRC-32 then the length, both little-endian, in the last 8 bytes. */
static void flip_crc(byte_buf *gz) {
    gz->bytes[gz->len - 8] ^= 0x5a;
}

static void cut_in_half(byte_buf *gz) {
    gz->len /= 2;
}

static void drop_trailer(byte_buf *gz) {
    gz->len -= 4;
}

static void scramble_middle(byte_buf *gz) {
    for (size_t i = gz->len / 3; i < gz->len / 3 + 16; i++) {
        gz->bytes[i] ^= 0xff;
    }
}

static void gzip_crc_mismatch(void **state) {
    (void)state;
    expect_gzip_failure("bad-crc.gz", flip_crc, "corrupt gzip stream", "incorrect data check");
}

static void gzip_cut_in_half(void **state) {
    (void)state;
    expect_gzip_failure("half.gz", cut_in_half, "truncated", "gzip stream itself ends early");
}

static void gzip_trailer_missing(void **state) {
    (void)state;
    expect_gzip_failure("no-trailer.gz", drop_trailer, "gzip stream", NULL);
}

static void gzip_scrambled_middle(void **state) {
    (void)state;
    expect_gzip_failure("scrambled.gz", scramble_middle, NULL, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(images_plain_read_byte_by_byte),
        cmocka_unit_test(images_gzipped_read_byte_by_byte),
        cmocka_unit_test(labels_plain_read_byte_by_byte),
        cmocka_unit_test(labels_gzipped_read_byte_by_byte),
        cmocka_unit_test(content_not_name_decides_compression),
        cmocka_unit_test(large_body_grows_buffer),
        cmocka_unit_test(free_is_safe_on_empty),
        cmocka_unit_test(payload_size_checks_overflow),
        cmocka_unit_test(missing_file_is_io_error),
        cmocka_unit_test(empty_file),
        cmocka_unit_test(header_cut_inside_sizes),
        cmocka_unit_test(header_cut_inside_magic),
        cmocka_unit_test(images_truncated_plain),
        cmocka_unit_test(images_truncated_gzipped_content),
        cmocka_unit_test(labels_truncated),
        cmocka_unit_test(lying_header_fails_without_huge_allocation),
        cmocka_unit_test(trailing_bytes_plain),
        cmocka_unit_test(trailing_bytes_gzipped),
        cmocka_unit_test(unknown_magic),
        cmocka_unit_test(labels_given_as_images),
        cmocka_unit_test(images_given_as_labels),
        cmocka_unit_test(little_endian_images_header),
        cmocka_unit_test(little_endian_labels_header),
        cmocka_unit_test(float_idx_refused_by_type),
        cmocka_unit_test(zero_count),
        cmocka_unit_test(zero_rows),
        cmocka_unit_test(zero_cols),
        cmocka_unit_test(zero_labels),
        cmocka_unit_test(absurd_side),
        cmocka_unit_test(gzip_crc_mismatch),
        cmocka_unit_test(gzip_cut_in_half),
        cmocka_unit_test(gzip_trailer_missing),
        cmocka_unit_test(gzip_scrambled_middle),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
