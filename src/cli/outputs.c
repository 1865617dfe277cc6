/*
 * Checking and committing a command's model outputs; see outputs.h.
 */
#include "cli/outputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int output_spares_data(const char *command, const char *flag, const char *path,
                       const char *data_dir) {
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (size_t i = 0; i < 2 * sizeof names / sizeof names[0]; i++) {
        char input[4200];
        snprintf(input, sizeof input, "%s/%s%s", data_dir, names[i / 2], i % 2 ? ".gz" : "");
        if (lae_output_is_input(path, input)) {
            fprintf(stderr, "lae %s: error: %s %s would replace the data file %s\n", command,
                    flag, path, input);
            return 2;
        }
    }
    return 0;
}

static int refuse(const char *command, const char *flag) {
    fprintf(stderr, "lae %s: error: %s: %s\n", command, flag, lae_error_message());
    return 2;
}

static int check_npy_dir(const char *command, const char *dir) {
    struct stat st;

    if (dir[0] == '\0') {
        fprintf(stderr, "lae %s: error: --export-npy: expected a folder, got an empty name\n",
                command);
        return 2;
    }
    if (stat(dir, &st) != 0) {
        /* Not there yet: it is made at the end, so its parent must take a new entry. */
        return lae_output_check(dir, NULL, 0) == LAE_OK ? 0 : refuse(command, "--export-npy");
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "lae %s: error: --export-npy: '%s' exists and is not a folder\n",
                command, dir);
        return 2;
    }
    for (int i = 0; i < LAE_NPY_FILES; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, lae_npy_names[i]);
        if (lae_output_check(path, NULL, 0) != LAE_OK) {
            return refuse(command, "--export-npy");
        }
    }
    return 0;
}

/* Two outputs that name one file would leave only the one written last: refuse them. */
static int check_distinct(const char *command, const model_outputs *outputs) {
    char ids[2 + LAE_NPY_FILES][4200];
    const char *flags[2 + LAE_NPY_FILES];
    size_t count = 0;
    struct stat st;

    if (outputs->log_path != NULL &&
        lae_output_identity(outputs->log_path, ids[count], sizeof ids[0]) == LAE_OK) {
        flags[count++] = "--log";
    }
    if (outputs->save_path != NULL &&
        lae_output_identity(outputs->save_path, ids[count], sizeof ids[0]) == LAE_OK) {
        flags[count++] = "--save";
    }
    if (outputs->npy_dir != NULL && stat(outputs->npy_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        for (int i = 0; i < LAE_NPY_FILES; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", outputs->npy_dir, lae_npy_names[i]);
            if (lae_output_identity(path, ids[count], sizeof ids[0]) == LAE_OK) {
                flags[count++] = "--export-npy";
            }
        }
    }
    /* A folder still to be made cannot share its name with a file output either. */
    if (outputs->npy_dir != NULL && stat(outputs->npy_dir, &st) != 0 &&
        lae_output_identity(outputs->npy_dir, ids[count], sizeof ids[0]) == LAE_OK) {
        flags[count++] = "--export-npy";
    }
    for (size_t i = 0; i < count; i++) {
        for (size_t j = i + 1; j < count; j++) {
            if (strcmp(ids[i], ids[j]) == 0) {
                fprintf(stderr, "lae %s: error: %s and %s both name the file '%s'\n", command,
                        flags[i], flags[j], ids[i]);
                return 2;
            }
        }
    }
    return 0;
}

int model_outputs_check(const char *command, const model_outputs *outputs) {
    if (outputs->log_path != NULL && lae_output_check(outputs->log_path, NULL, 0) != LAE_OK) {
        return refuse(command, "--log");
    }
    if (outputs->save_path != NULL && lae_output_check(outputs->save_path, NULL, 0) != LAE_OK) {
        return refuse(command, "--save");
    }
    if (outputs->npy_dir != NULL && check_npy_dir(command, outputs->npy_dir) != 0) {
        return 2;
    }
    int code = check_distinct(command, outputs);
    if (code == 0 && outputs->data_dir != NULL) {
        const char *paths[] = {outputs->log_path, outputs->save_path};
        const char *flags[] = {"--log", "--save"};
        for (int i = 0; i < 2 && code == 0; i++) {
            if (paths[i] != NULL) {
                code = output_spares_data(command, flags[i], paths[i], outputs->data_dir);
            }
        }
    }
    return code;
}

int model_outputs_commit(const char *command, const model_outputs *outputs,
                         const lae_model *model, lae_atomic_file *csv) {
    lae_atomic_file files[2 + LAE_NPY_FILES];
    size_t count = 0;
    int made_dir = 0;

    if (csv != NULL) {
        files[count++] = *csv;
    }
    if (outputs->save_path != NULL) {
        if (lae_model_write(model, outputs->save_path, &files[count]) != LAE_OK) {
            goto fail;
        }
        count++;
    }
    if (outputs->npy_dir != NULL) {
        if (mkdir(outputs->npy_dir, 0777) == 0) {
            made_dir = 1;
        } else if (errno != EEXIST) {
            lae_fail(LAE_ERR_IO, "--export-npy: cannot make the folder '%s': %s",
                     outputs->npy_dir, strerror(errno));
            goto fail;
        }
        if (lae_model_write_npy(model, outputs->npy_dir, &files[count]) != LAE_OK) {
            goto fail;
        }
        count += LAE_NPY_FILES;
    }
    if (lae_atomic_commit_all(files, count) != LAE_OK) {
        goto fail;
    }
    return 0;

fail:
    fprintf(stderr, "lae %s: error: %s\n", command, lae_error_message());
    for (size_t i = 0; i < count; i++) {
        lae_atomic_abort(&files[i]);
    }
    if (made_dir) {
        rmdir(outputs->npy_dir);
    }
    return 1;
}
