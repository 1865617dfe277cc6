/*
 * Temporary-then-rename writes; see include/lae/atomic_file.h. The temporary sits in the
 * destination's folder, since rename is atomic only within one file system.
 */
#include "lae/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

lae_status lae_atomic_open(lae_atomic_file *out, const char *path) {
    memset(out, 0, sizeof *out);
    if (strlen(path) + 16 >= sizeof out->tmp_path) {
        return lae_fail(LAE_ERR_IO, "%s: path too long", path);
    }
    snprintf(out->path, sizeof out->path, "%s", path);
    snprintf(out->tmp_path, sizeof out->tmp_path, "%s.tmp-XXXXXX", path);

    int fd = mkstemp(out->tmp_path);
    if (fd < 0) {
        int saved = errno;
        out->tmp_path[0] = '\0';
        return lae_fail(LAE_ERR_IO, "%s: cannot create a file there: %s", path, strerror(saved));
    }
    /* mkstemp makes the file private; give it the mode a plain fopen would have. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);

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

lae_status lae_atomic_commit(lae_atomic_file *file) {
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
        return lae_fail(LAE_ERR_IO, "%s: write failed: %s", file->path, strerror(saved));
    }
    if (rename(file->tmp_path, file->path) != 0) {
        saved = errno;
        unlink(file->tmp_path);
        file->tmp_path[0] = '\0';
        return lae_fail(LAE_ERR_IO, "%s: cannot rename the finished file into place: %s",
                        file->path, strerror(saved));
    }
    file->tmp_path[0] = '\0';
    return LAE_OK;
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
