/*
 * Files that appear whole or not at all: written under a temporary name in the destination's
 * folder, then renamed over the destination. A failed or abandoned write removes the
 * temporary file, so no command leaves a half-written output behind. Several files can be
 * finished first and published together, so that a run whose last output fails leaves none.
 *
 * Only regular files are written. A symbolic link is followed to the file it names, which is
 * replaced and the link kept; a device, folder or pipe at the destination is refused, since
 * renaming over it would replace it (as root, /dev/null itself).
 */
#ifndef LAE_ATOMIC_FILE_H
#define LAE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "lae/status.h"

typedef struct {
    FILE *file;          /* write here; NULL once finished */
    char path[4096];     /* the destination as given, for messages */
    char target[4096];   /* the file that is replaced: path, or what a link at path names */
    char tmp_path[4112]; /* the temporary name, beside target; empty once published */
} lae_atomic_file;

/*
 * Checks, before any work is done, that path can be written: a non-empty name whose folder
 * exists and is writable, with nothing there yet or a regular file (through any link). If
 * target is not NULL it receives the file that would be replaced. LAE_ERR_ARG or LAE_ERR_IO
 * with a message naming path and what is wrong.
 */
lae_status lae_output_check(const char *path, char *target, size_t target_size);

/*
 * The file that writing path would replace, as an absolute name whose folder has no links
 * left in it (the file itself need not exist yet), so that two names can be compared: two
 * outputs of one command, or an output and an input (pass an existing input to realpath and
 * compare). Fails as lae_output_check does.
 */
lae_status lae_output_identity(const char *path, char *identity, size_t size);

/* Whether writing `output` would replace the existing file `input` (0 when either cannot be
 * resolved: the write then fails on its own). */
int lae_output_is_input(const char *output, const char *input);

/* Checks path as lae_output_check and creates the temporary file. */
lae_status lae_atomic_open(lae_atomic_file *out, const char *path);

/* Flushes, syncs and closes the temporary without renaming it; on a write error removes it
 * and fails naming the destination. */
lae_status lae_atomic_finish(lae_atomic_file *file);

/* lae_atomic_finish, then renames the temporary over the destination. */
lae_status lae_atomic_commit(lae_atomic_file *file);

/*
 * Finishes every file, and only if all succeed renames each into place, in order. On any
 * failure every temporary not yet renamed is removed. A rename can still fail after the
 * checks (a file system gone read-only, say); files renamed before it then stay.
 */
lae_status lae_atomic_commit_all(lae_atomic_file *files, size_t count);

/* Closes and removes the temporary file; safe to call after a failed or finished one, and
 * harmless after a commit. */
void lae_atomic_abort(lae_atomic_file *file);

#endif
