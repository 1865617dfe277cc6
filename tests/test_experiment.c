/*
 * `lae experiment` end to end on 1000 bundled training digits (--quick otherwise): every file of
 * the report folder appears, results.csv has one row per model, results.json is valid JSON with
 * the expected fields, report.png carries its text chunks, and the ordering the study is about
 * holds: full-rank LAE copies its input most (largest mean diag(B)), dropout and emphasis at full
 * rank copy less. Bad --out folders fail before any work, naming the folder.
 */
#include "cli_support.h"

#include <ctype.h>
#include <math.h>

#include "lae/report.h"

#define NMODELS 7

/* ---- A strict little JSON checker: true when text is one complete JSON value. ---------- */

static const char *json_value(const char *s, int depth);

static const char *json_space(const char *s) {
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') {
        s++;
    }
    return s;
}

static const char *json_string_end(const char *s) {
    if (*s != '"') {
        return NULL;
    }
    for (s++; *s != '"'; s++) {
        if (*s == '\0' || (unsigned char)*s < 0x20) {
            return NULL;
        }
        if (*s == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (!isxdigit((unsigned char)s[i])) {
                        return NULL;
                    }
                }
                s += 4;
            } else if (strchr("\"\\/bfnrt", *s) == NULL || *s == '\0') {
                return NULL;
            }
        }
    }
    return s + 1;
}

static const char *json_number_end(const char *s) {
    const char *start = s;
    if (*s == '-') {
        s++;
    }
    if (!isdigit((unsigned char)*s)) {
        return NULL;
    }
    while (isdigit((unsigned char)*s) || *s == '.' || *s == 'e' || *s == 'E' || *s == '+' ||
           *s == '-') {
        s++;
    }
    char *end;
    strtod(start, &end);
    return end == s ? s : NULL;
}

static const char *json_items(const char *s, char close, int object, int depth) {
    s = json_space(s + 1);
    if (*s == close) {
        return s + 1;
    }
    for (;;) {
        if (object) {
            s = json_string_end(json_space(s));
            if (s == NULL || *(s = json_space(s)) != ':') {
                return NULL;
            }
            s++;
        }
        s = json_value(s, depth + 1);
        if (s == NULL) {
            return NULL;
        }
        s = json_space(s);
        if (*s == close) {
            return s + 1;
        }
        if (*s != ',') {
            return NULL;
        }
        s++;
    }
}

static const char *json_value(const char *s, int depth) {
    s = json_space(s);
    if (depth > 64) {
        return NULL;
    }
    switch (*s) {
    case '{': return json_items(s, '}', 1, depth);
    case '[': return json_items(s, ']', 0, depth);
    case '"': return json_string_end(s);
    case 't': return strncmp(s, "true", 4) == 0 ? s + 4 : NULL;
    case 'f': return strncmp(s, "false", 5) == 0 ? s + 5 : NULL;
    case 'n': return strncmp(s, "null", 4) == 0 ? s + 4 : NULL;
    default: return json_number_end(s);
    }
}

static int json_valid(const char *text) {
    const char *end = json_value(text, 0);
    return end != NULL && *json_space(end) == '\0';
}

/* ---- results.csv ------------------------------------------------------------------------- */

typedef struct {
    char name[32];
    size_t k;
    double test_mse, diag_mean;
} csv_row;

/* Parses the rows after the header; fields by position as the header says. */
static size_t parse_csv(char *text, csv_row *rows, size_t max) {
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    assert_non_null(line);
    assert_string_equal(line, "name,kind,k,p,a,b,epochs,train_loss,test_mse,diag_mean,"
                              "diag_rms_error,offdiag_share,seconds,optimum_distance");
    size_t n = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        assert_true(n < max);
        char *fields[14] = {0};
        size_t count = 0;
        for (char *p = line; count < 14; count++) {
            fields[count] = p;
            char *comma = strchr(p, ',');
            if (comma == NULL) {
                count++;
                break;
            }
            *comma = '\0';
            p = comma + 1;
        }
        if (count != 14) {
            fail_msg("row %zu has %zu fields, want 14", n + 1, count);
        }
        snprintf(rows[n].name, sizeof rows[n].name, "%s", fields[0]);
        rows[n].k = (size_t)strtoul(fields[2], NULL, 10);
        rows[n].test_mse = strtod(fields[8], NULL);
        rows[n].diag_mean = strtod(fields[9], NULL);
        n++;
    }
    return n;
}

static const csv_row *find_row(const csv_row *rows, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].name, name) == 0) {
            return &rows[i];
        }
    }
    fail_msg("results.csv has no row '%s'", name);
    return NULL;
}

/* ---- Tests -------------------------------------------------------------------------------- */

static void quick_experiment_writes_report_with_study_ordering(void **state) {
    cli_fixture *f = *state;
    char out[16384], dir[512];

    /* The report folder does not exist yet: the command creates it. */
    snprintf(dir, sizeof dir, "%s/report", f->dir);
    int code = cli_run(out, sizeof out, "experiment --quick --train 1000 --out %s", dir);
    assert_int_equal(code, 0);
    assert_non_null(strstr(out, "mean diag(B)"));
    assert_non_null(strstr(out, "edlae-full"));

    const char *files[] = {
        "report.png", "curves.png", "results.json", "results.csv", "README.md",
        "recon-untrained.png", "recon-lae-full.png", "recon-edlae-64.png",
        "recon-edlae-full.png", "diag-lae-full.png", "diag-dlae-full.png", "B-lae-full.png",
        "B-edlae-full.png",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (!cli_exists(dir, files[i])) {
            fail_msg("%s/%s is missing or empty", dir, files[i]);
        }
    }

    /* One row per model, and the ordering of mean diag(B). */
    csv_row rows[16];
    char *csv = cli_read_file(dir, "results.csv");
    size_t n = parse_csv(csv, rows, 16);
    free(csv);
    assert_int_equal(n, NMODELS);
    const csv_row *lae_full = find_row(rows, n, "lae-full");
    const csv_row *dlae_full = find_row(rows, n, "dlae-full");
    const csv_row *edlae_full = find_row(rows, n, "edlae-full");
    const csv_row *untrained = find_row(rows, n, "untrained");
    assert_int_equal(lae_full->k, 784);
    assert_int_equal(find_row(rows, n, "dlae-64")->k, 64);
    for (size_t i = 0; i < n; i++) {
        print_message("%-11s k %4zu  test mse %.5f  mean diag %.4f\n", rows[i].name, rows[i].k,
                      rows[i].test_mse, rows[i].diag_mean);
        assert_true(isfinite(rows[i].test_mse) && isfinite(rows[i].diag_mean));
        if (&rows[i] != lae_full) {
            assert_true(rows[i].diag_mean < lae_full->diag_mean);
        }
    }
    assert_true(dlae_full->diag_mean < lae_full->diag_mean);
    assert_true(edlae_full->diag_mean < lae_full->diag_mean);
    assert_true(fabs(untrained->diag_mean) < 0.01);
    assert_true(lae_full->test_mse < untrained->test_mse);

    /* results.json: valid, with the fields a reader looks for. */
    char *json = cli_read_file(dir, "results.json");
    assert_true(json_valid(json));
    const char *needles[] = {
        "\"command\":\"experiment\"", "\"quick\":true", "\"train\":1000", "\"models\":[",
        "\"name\":\"untrained\"", "\"name\":\"edlae-full\"", "\"kind\":\"edlae\"",
        "\"diag_mean\":", "\"curve\":{\"epoch\":[0,1,", "\"device\":{",
    };
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        if (strstr(json, needles[i]) == NULL) {
            fail_msg("results.json lacks %s", needles[i]);
        }
    }
    free(json);

    /* The page and its text chunks. */
    char path[600];
    lae_png_image img;
    snprintf(path, sizeof path, "%s/report.png", dir);
    assert_int_equal(lae_png_read(path, &img), LAE_OK);
    assert_int_equal(img.width, 1800);
    assert_true(img.height > 1000);
    assert_string_equal(lae_png_image_text(&img, "lae version"), "0.1.0");
    assert_string_equal(lae_png_image_text(&img, "seed"), "1");
    assert_non_null(lae_png_image_text(&img, "device"));
    assert_true(strlen(lae_png_image_text(&img, "device")) > 0);
    lae_png_image_free(&img);
    snprintf(path, sizeof path, "%s/recon-dlae-full.png", dir);
    assert_int_equal(lae_png_read(path, &img), LAE_OK);
    assert_string_equal(lae_png_image_text(&img, "model"), "dlae");
    assert_string_equal(lae_png_image_text(&img, "k"), "784");
    assert_string_equal(lae_png_image_text(&img, "p"), "0.2");
    lae_png_image_free(&img);

    /* No temporary file is left behind. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp") != NULL) {
            fail_msg("temporary file left: %s", e->d_name);
        }
    }
    closedir(d);
    lae_report_release_caches();
}

static void out_with_missing_parent_fails_naming_it(void **state) {
    cli_fixture *f = *state;
    char out[8192], parent[512];

    snprintf(parent, sizeof parent, "%s/no-such-folder", f->dir);
    int code = cli_run(out, sizeof out, "experiment --quick --out %s/report", parent);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(out, parent));
    assert_non_null(strstr(out, "does not exist"));
    struct stat info;
    assert_int_not_equal(stat(parent, &info), 0);
}

static void out_that_is_a_file_fails(void **state) {
    cli_fixture *f = *state;
    char out[8192], path[512];

    snprintf(path, sizeof path, "%s/plain-file", f->dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    int code = cli_run(out, sizeof out, "experiment --quick --out %s", path);
    assert_int_not_equal(code, 0);
    assert_non_null(strstr(out, "not a folder"));
    assert_int_equal(cli_run(out, sizeof out, "experiment --epochs 0 --out %s", f->dir), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(out_with_missing_parent_fails_naming_it, cli_setup,
                                        cli_teardown),
        cmocka_unit_test_setup_teardown(out_that_is_a_file_fails, cli_setup, cli_teardown),
        cmocka_unit_test_setup_teardown(quick_experiment_writes_report_with_study_ordering,
                                        cli_setup, cli_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    lae_report_release_caches();
    return failed;
}
