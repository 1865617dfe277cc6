/*
 * The output files of a command that writes a model: checked before any work, and written
 * all together at the end, so that a run that fails leaves none of them behind.
 */
#ifndef LAE_CLI_OUTPUTS_H
#define LAE_CLI_OUTPUTS_H

#include "lae/atomic_file.h"
#include "lae/model.h"

typedef struct {
    const char *log_path;  /* --log, or NULL */
    const char *save_path; /* --save, or NULL */
    const char *npy_dir;   /* --export-npy, or NULL */
    const char *data_dir;  /* the folder of IDX files read, whose files no output may replace */
} model_outputs;

/* Whether writing path would replace one of the IDX files lae reads from data_dir (train-
 * and t10k- images and labels, gzipped or not); if so prints why, naming the flag, and
 * returns 2, else 0. */
int output_spares_data(const char *command, const char *flag, const char *path,
                       const char *data_dir);

/* Checks every path that the outputs name (lae_output_check; for the .npy folder, that it is
 * a folder or can be made as one, and its five files). Prints the error, naming the flag,
 * and returns 2; 0 when all can be written. */
int model_outputs_check(const char *command, const model_outputs *outputs);

/*
 * Writes the model to --save and --export-npy (making the folder if needed) and publishes
 * them with the finished CSV of --log (csv, or NULL), all or none. Takes over csv, which the
 * caller must not touch again. Returns 0, or prints the error and returns 1.
 */
int model_outputs_commit(const char *command, const model_outputs *outputs,
                         const lae_model *model, lae_atomic_file *csv);

#endif
