/*
 * Files that appear whole or not at all: publishing, refusals of what is not a regular file,
 * writing through a link, and several files committed together or not at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lae/atomic_file.h"

static char dir[64];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lae-atomic-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state) {
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    return system(command) == 0 ? 0 : -1;
}

static void path_in_dir(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

static void read_back(const char *path, char *out, size_t size) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t got = fread(out, 1, size - 1, f);
    out[got] = '\0';
    fclose(f);
}

/* Entries of the folder whose names contain "tmp": temporaries left behind. */
static int temporaries_left(void) {
    char command[160];
    snprintf(command, sizeof command, "ls -a '%s' | grep -q tmp", dir);
    return system(command) == 0;
}

static void commit_publishes_and_abort_leaves_nothing(void **state) {
    (void)state;
    char path[128], text[16];
    lae_atomic_file f;

    path_in_dir(path, sizeof path, "a.txt");
    assert_int_equal(lae_atomic_open(&f, path), LAE_OK);
    fputs("first", f.file);
    assert_int_equal(access(path, F_OK), -1); /* nothing at the name until the commit */
    assert_int_equal(lae_atomic_commit(&f), LAE_OK);
    read_back(path, text, sizeof text);
    assert_string_equal(text, "first");

    assert_int_equal(lae_atomic_open(&f, path), LAE_OK);
    fputs("second", f.file);
    lae_atomic_abort(&f);
    read_back(path, text, sizeof text);
    assert_string_equal(text, "first");
    assert_false(temporaries_left());
}

static void refuses_what_is_not_a_regular_file(void **state) {
    (void)state;
    char fifo[128], sub[128], missing[128];
    lae_atomic_file f;

    path_in_dir(fifo, sizeof fifo, "pipe");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(lae_atomic_open(&f, fifo), LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), "not a regular file (a pipe)"));
    struct stat st;
    assert_int_equal(stat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    path_in_dir(sub, sizeof sub, "folder");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(lae_output_check(sub, NULL, 0), LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), "(a folder)"));

    path_in_dir(missing, sizeof missing, "nowhere/x.txt");
    assert_int_equal(lae_output_check(missing, NULL, 0), LAE_ERR_IO);
    assert_non_null(strstr(lae_error_message(), "does not exist"));
    assert_int_equal(lae_output_check("", NULL, 0), LAE_ERR_ARG);
    assert_false(temporaries_left());
}

static void writes_through_a_link(void **state) {
    (void)state;
    char real[128], link[128], text[16];
    lae_atomic_file f;

    path_in_dir(real, sizeof real, "real.txt");
    path_in_dir(link, sizeof link, "link.txt");
    assert_int_equal(symlink("real.txt", link), 0);
    assert_int_equal(lae_atomic_open(&f, link), LAE_OK);
    fputs("through", f.file);
    assert_int_equal(lae_atomic_commit(&f), LAE_OK);

    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    read_back(real, text, sizeof text);
    assert_string_equal(text, "through");
}

/* The second destination turns into a folder after its check: the first must not appear. */
static void commit_all_is_all_or_nothing(void **state) {
    (void)state;
    char one[128], two[128], three[128];
    lae_atomic_file files[2];

    path_in_dir(one, sizeof one, "one.txt");
    path_in_dir(two, sizeof two, "two.txt");
    assert_int_equal(lae_atomic_open(&files[0], one), LAE_OK);
    assert_int_equal(lae_atomic_open(&files[1], two), LAE_OK);
    fputs("1", files[0].file);
    fputs("2", files[1].file);
    assert_int_equal(lae_atomic_commit_all(files, 2), LAE_OK);
    assert_int_equal(access(one, F_OK), 0);
    assert_int_equal(access(two, F_OK), 0);

    path_in_dir(three, sizeof three, "three.txt");
    assert_int_equal(lae_atomic_open(&files[0], three), LAE_OK);
    assert_int_equal(lae_atomic_open(&files[1], "/dev/full.d/x"), LAE_ERR_IO);
    lae_atomic_abort(&files[0]);
    assert_int_equal(access(three, F_OK), -1);

    /* A write error in one file: nothing of either is published. */
    assert_int_equal(lae_atomic_open(&files[0], three), LAE_OK);
    assert_int_equal(lae_atomic_open(&files[1], two), LAE_OK);
    fputs("3", files[0].file);
    fclose(files[1].file);
    files[1].file = fopen("/dev/full", "wb");
    assert_non_null(files[1].file);
    fputs("lost", files[1].file);
    assert_int_equal(lae_atomic_commit_all(files, 2), LAE_ERR_IO);
    assert_int_equal(access(three, F_OK), -1);
    assert_false(temporaries_left());
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commit_publishes_and_abort_leaves_nothing),
        cmocka_unit_test(refuses_what_is_not_a_regular_file),
        cmocka_unit_test(writes_through_a_link),
        cmocka_unit_test(commit_all_is_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
