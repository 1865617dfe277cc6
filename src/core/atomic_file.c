/*
 * Temporary-then-rename writes; see include/lae/atomic_file.h. The temporary sits in the
 * destination's folder, since rename is atomic only within one file system.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "lae/atomic_file.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder part of path ("." when there is none). */
static void folder_of(const char *path, char *folder, size_t size) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(folder, size, ".");
    } else if (slash == path) {
        snprintf(folder, size, "/");
    } else {
        snprintf(folder, size, "%.*s", (int)(slash - path), path);
    }
}

lae_status lae_output_check(const char *path, char *target, size_t target_size) {
    char resolved[PATH_MAX];
    char folder[PATH_MAX];
    struct stat st;

    if (path == NULL || path[0] == '\0') {
        return lae_fail(LAE_ERR_ARG, "expected an output file name, got an empty one");
    }
    if (strlen(path) + 32 >= sizeof resolved) {
        return lae_fail(LAE_ERR_IO, "%s: path too long", path);
    }
    snprintf(resolved, sizeof resolved, "%s", path);

    /* A link is written through: the file it names is what gets replaced, or made when it
     * does not exist yet (read from the link itself, relative to the link's folder). */
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, resolved) == NULL) {
        if (errno != ENOENT) {
            /* A loop of links, say: nothing to write through to. */
            return lae_fail(LAE_ERR_IO, "%s: cannot follow the link: %s", path,
                            strerror(errno));
        }
        char named[PATH_MAX];
        ssize_t length = readlink(path, named, sizeof named - 1);
        if (length < 0) {
            return lae_fail(LAE_ERR_IO, "%s: cannot read the link: %s", path, strerror(errno));
        }
        named[length] = '\0';
        folder_of(path, folder, sizeof folder);
        if (named[0] == '/') {
            snprintf(resolved, sizeof resolved, "%s", named);
        } else if ((size_t)snprintf(resolved, sizeof resolved, "%s/%s", folder, named) >=
                   sizeof resolved - 32) {
            return lae_fail(LAE_ERR_IO, "%s: path too long", path);
        }
    }
    if (stat(resolved, &st) == 0 && !S_ISREG(st.st_mode)) {
        return lae_fail(LAE_ERR_IO, "%s: exists and is not a regular file (a %s); lae writes "
                        "only regular files", path,
                        S_ISDIR(st.st_mode) ? "folder" : S_ISCHR(st.st_mode) ? "device"
                        : S_ISFIFO(st.st_mode) ? "pipe" : "special file");
    }

    folder_of(resolved, folder, sizeof folder);
    if (stat(folder, &st) != 0) {
        return lae_fail(LAE_ERR_IO, "%s: the folder '%s' does not exist", path, folder);
    }
    if (!S_ISDIR(st.st_mode)) {
        return lae_fail(LAE_ERR_IO, "%s: '%s' is not a folder", path, folder);
    }
    if (access(folder, W_OK | X_OK) != 0) {
        return lae_fail(LAE_ERR_IO, "%s: cannot write in the folder '%s': %s", path, folder,
                        strerror(errno));
    }
    if (target != NULL) {
        snprintf(target, target_size, "%s", resolved);
    }
    return LAE_OK;
}

lae_status lae_output_identity(const char *path, char *identity, size_t size) {
    char target[PATH_MAX], folder[PATH_MAX], real_folder[PATH_MAX];
    lae_status status = lae_output_check(path, target, sizeof target);
    if (status != LAE_OK) {
        return status;
    }
    folder_of(target, folder, sizeof folder);
    if (realpath(folder, real_folder) == NULL) {
        return lae_fail(LAE_ERR_IO, "%s: cannot resolve the folder '%s': %s", path, folder,
                        strerror(errno));
    }
    const char *slash = strrchr(target, '/');
    snprintf(identity, size, "%s/%s", strcmp(real_folder, "/") == 0 ? "" : real_folder,
             slash != NULL ? slash + 1 : target);
    return LAE_OK;
}

int lae_output_is_input(const char *output, const char *input) {
    char out_id[PATH_MAX + 8], in_real[PATH_MAX];
    if (lae_output_identity(output, out_id, sizeof out_id) != LAE_OK ||
        realpath(input, in_real) == NULL) {
        return 0;
    }
    return strcmp(out_id, in_real) == 0;
}

lae_status lae_atomic_open(lae_atomic_file *out, const char *path) {
    memset(out, 0, sizeof *out);
    lae_status status = lae_output_check(path, out->target, sizeof out->target);
    if (status != LAE_OK) {
        return status;
    }
    snprintf(out->path, sizeof out->path, "%s", path);
    snprintf(out->tmp_path, sizeof out->tmp_path, "%s.tmp-XXXXXX", out->target);

    int fd = mkstemp(out->tmp_path);
    if (fd < 0) {
        int saved = errno;
        out->tmp_path[0] = '\0';
        return lae_fail(LAE_ERR_IO, "%s: cannot create a file there: %s", path, strerror(saved));
    }
    /* mkstemp makes the file private; give it the mode of the file it replaces, or else the
     * one a plain fopen would have. */
    struct stat existing;
    if (stat(out->target, &existing) == 0) {
        fchmod(fd, existing.st_mode & 07777);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }

    out->file = fdopen(fd, "wb");
    if (out->file == NULL) {
        int saved = errno;
        close(fd);
        unlink(out->tmp_path);
        out->tmp_path[0] = '\0';
        return lae_fail(LAE_ERR_IO, "%s: %s", path, strerror(saved));
    }
    return LAE_OK;
}

lae_status lae_atomic_finish(lae_atomic_file *file) {
    if (file->file == NULL) {
        return LAE_OK; /* already finished */
    }
    int failed = ferror(file->file) != 0;
    int saved = errno;

    if (fflush(file->file) != 0 || fsync(fileno(file->file)) != 0) {
        failed = 1;
        saved = errno;
    }
    if (fclose(file->file) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    file->file = NULL;
    if (failed) {
        unlink(file->tmp_path);
        file->tmp_path[0] = '\0';
        return lae_fail(LAE_ERR_IO, "%s: write failed: %s", file->path,
                        saved != 0 ? strerror(saved) : "stream error");
    }
    return LAE_OK;
}

static lae_status publish(lae_atomic_file *file) {
    if (rename(file->tmp_path, file->target) != 0) {
        int saved = errno;
        unlink(file->tmp_path);
        file->tmp_path[0] = '\0';
        return lae_fail(LAE_ERR_IO, "%s: cannot rename the finished file into place: %s",
                        file->path, strerror(saved));
    }
    file->tmp_path[0] = '\0';
    return LAE_OK;
}

lae_status lae_atomic_commit(lae_atomic_file *file) {
    lae_status status = lae_atomic_finish(file);
    return status == LAE_OK ? publish(file) : status;
}

lae_status lae_atomic_commit_all(lae_atomic_file *files, size_t count) {
    lae_status status = LAE_OK;

    for (size_t i = 0; i < count && status == LAE_OK; i++) {
        status = lae_atomic_finish(&files[i]);
    }
    for (size_t i = 0; i < count && status == LAE_OK; i++) {
        status = publish(&files[i]);
    }
    for (size_t i = 0; i < count; i++) {
        lae_atomic_abort(&files[i]);
    }
    return status;
}

void lae_atomic_abort(lae_atomic_file *file) {
    if (file->file != NULL) {
        fclose(file->file);
        file->file = NULL;
    }
    if (file->tmp_path[0] != '\0') {
        unlink(file->tmp_path);
        file->tmp_path[0] = '\0';
    }
}
