/*
 * What the tests of the lae program share: running the built binary (its path comes from the
 * LAE_BIN variable that tests/meson.build sets) with its output captured, a scratch folder per
 * test, and small file checks. These tests see the program as a user does: exit codes, messages
 * and the files it leaves behind.
 */
#ifndef LAE_TESTS_CLI_SUPPORT_H
#define LAE_TESTS_CLI_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    char dir[64];
} cli_fixture;

static inline int cli_setup(void **state) {
    cli_fixture *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "/tmp/lae-test-cli-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* Removes the scratch folder and everything in it, one level of subfolders deep. */
static inline void cli_remove_tree(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char path[1024];
            struct stat info;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (depth < 2 && stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
                cli_remove_tree(path, depth + 1);
            } else {
                remove(path);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline int cli_teardown(void **state) {
    cli_fixture *f = *state;
    cli_remove_tree(f->dir, 0);
    free(f);
    return 0;
}

/*
 * Runs "$LAE_BIN args" through the shell with stderr merged into stdout, keeps the first
 * size − 1 bytes of the output in out, prints the whole output for the log, and returns the
 * exit code (−1 when the program did not exit normally).
 */
static inline int cli_run(char *out, size_t size, const char *fmt, ...) {
    const char *bin = getenv("LAE_BIN");
    char args[2048], command[4096];
    va_list ap;

    if (bin == NULL || *bin == '\0') {
        fail_msg("LAE_BIN is not set: run this test through meson test");
    }
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(command, sizeof command, "'%s' %s 2>&1", bin, args);
    print_message("$ lae %s\n", args);

    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t used = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, pipe)) > 0) {
        fwrite(chunk, 1, got, stdout);
        size_t room = size - 1 - used;
        size_t keep = got < room ? got : room;
        memcpy(out + used, chunk, keep);
        used += keep;
    }
    out[used] = '\0';
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline int cli_exists(const char *dir, const char *name) {
    char path[1024];
    struct stat info;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0;
}

/* The whole file as a NUL-terminated string, owned by the caller; fails the test if absent. */
static inline char *cli_read_file(const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    fseek(f, 0, SEEK_END);
    long length = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)length + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)length, f), (size_t)length);
    text[length] = '\0';
    fclose(f);
    return text;
}

#endif
