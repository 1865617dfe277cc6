/*
 * Files that appear whole or not at all: written under a temporary name in the destination's
 * folder, then renamed over the destination. A failed or abandoned write removes the
 * temporary file, so no command leaves a half-written output behind.
 */
#ifndef LAE_ATOMIC_FILE_H
#define LAE_ATOMIC_FILE_H

#include <stdio.h>

#include "lae/status.h"

typedef struct {
    FILE *file;          /* write here */
    char path[4096];     /* the destination */
    char tmp_path[4096]; /* the temporary name, in the same folder */
} lae_atomic_file;

/* Creates the temporary file; LAE_ERR_IO names the destination if its folder is unusable. */
lae_status lae_atomic_open(lae_atomic_file *out, const char *path);

/* Flushes, closes and renames; on any write error removes the temporary and fails. */
lae_status lae_atomic_commit(lae_atomic_file *file);

/* Closes and removes the temporary file; safe to call after a failed commit. */
void lae_atomic_abort(lae_atomic_file *file);

#endif
