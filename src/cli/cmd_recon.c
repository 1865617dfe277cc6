/*
 * `lae recon`: draws the first n test digits over their reconstructions by a saved model, and
 * optionally the dropped-out inputs the model saw in training, as one PNG. Reconstruction runs
 * on the host (no OpenCL device is opened), in the model's own normalisation. It does not train
 * or score; `lae train` and `lae experiment` do.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outputs.h"
#include "lae/atomic_file.h"
#include "lae/log.h"
#include "lae/report.h"

#define RECON_MAX_DIGITS 64 /* four bands */
#define RECON_PER_BAND 16   /* digits side by side: wider is too wide to look at */

typedef struct {
    size_t n;
    const char *out;
    int dropped;
    const char *data_dir;
    uint64_t seed;
} recon_options;

int cmd_recon(int argc, char **argv) {
    recon_options o = {.n = 16, .out = "recon.png", .dropped = 0, .data_dir = NULL, .seed = 0};
    flag_spec flags[8];
    size_t count = 0, npositional = 0;
    const char *positional[1] = {NULL};
    lae_model model;
    lae_dataset test;
    lae_canvas *canvas = NULL;
    float *recon = NULL, *dropped = NULL;
    int code = 0;

    memset(&model, 0, sizeof model);
    memset(&test, 0, sizeof test);
    flags[count++] = (flag_spec){"n", FLAG_SIZE, &o.n, "N",
                                 "test digits to show, the first N (default 16, at most 64)", 0};
    flags[count++] = (flag_spec){"out", FLAG_STRING, &o.out, "FILE",
                                 "PNG to write (default recon.png)", 0};
    flags[count++] = (flag_spec){"dropped", FLAG_BOOL, &o.dropped, "",
                                 "add a row of dropped-out inputs (models with p > 0)", 0};
    flags[count++] = (flag_spec){"data", FLAG_STRING, &o.data_dir, "DIR",
                                 "folder of IDX files (default: the bundled digits)", 0};
    flags[count++] = (flag_spec){"seed", FLAG_U64, &o.seed, "N",
                                 "seed of the dropout mask (default: the model's seed)", 0};

    int parsed = flags_parse("recon", "MODEL [OPTIONS]", flags, count, argc, argv, 2, positional,
                             1, &npositional);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }
    if (npositional != 1) {
        fprintf(stderr, "lae recon: error: expected one MODEL file (see lae recon --help)\n");
        return 2;
    }
    if (o.n < 1 || o.n > RECON_MAX_DIGITS) {
        fprintf(stderr, "lae recon: error: --n must be 1 to %d, got %zu\n", RECON_MAX_DIGITS,
                o.n);
        return 2;
    }

    if (lae_output_check(o.out, NULL, 0) != LAE_OK) {
        fprintf(stderr, "lae recon: error: --out: %s\n", lae_error_message());
        return 2;
    }
    if (lae_output_is_input(o.out, positional[0])) {
        fprintf(stderr, "lae recon: error: --out %s would replace the model it draws\n", o.out);
        return 2;
    }
    if (output_spares_data("recon", "--out", o.out,
                           o.data_dir != NULL ? o.data_dir : default_data_dir()) != 0) {
        return 2;
    }

    /* The model decides the normalisation, the image shape and whether --dropped makes sense. */
    if (lae_model_load(positional[0], &model) != LAE_OK) {
        return report_error("recon");
    }
    const lae_objective *obj = &model.objective;
    size_t m = model.m;
    if (model.image_rows * model.image_cols != m) {
        fprintf(stderr, "lae recon: error: %s: image shape %zu×%zu does not match m = %zu\n",
                positional[0], model.image_rows, model.image_cols, m);
        code = 1;
        goto done;
    }
    if (o.dropped && !(obj->p > 0)) {
        fprintf(stderr, "lae recon: error: --dropped: %s has p = 0 (kind %s); nothing is "
                "dropped\n", positional[0], lae_kind_name(obj->kind));
        code = 2;
        goto done;
    }
    uint64_t seed = flags_seen(flags, count, "seed") ? o.seed : model.seed;

    const char *dir = o.data_dir != NULL ? o.data_dir : default_data_dir();
    if (lae_dataset_load(dir, "t10k", o.n, &model.norm, &test) != LAE_OK) {
        code = report_error("recon");
        goto done;
    }
    if (test.rows != model.image_rows || test.cols != model.image_cols) {
        fprintf(stderr, "lae recon: error: %s has %zu×%zu test images but the model expects "
                "%zu×%zu\n", dir, test.rows, test.cols, model.image_rows, model.image_cols);
        code = 1;
        goto done;
    }

    /* Reconstruct the clean digits; the dropped row only shows what training fed the model. */
    recon = malloc(o.n * m * sizeof *recon);
    dropped = o.dropped ? malloc(o.n * m * sizeof *dropped) : NULL;
    if (recon == NULL || (o.dropped && dropped == NULL)) {
        fprintf(stderr, "lae recon: error: out of memory for %zu images\n", o.n);
        code = 1;
        goto done;
    }
    lae_model_reconstruct(&model, test.x, o.n, recon);
    if (o.dropped) {
        dropout_inputs(test.x, o.n, m, obj->p, seed, dropped);
    }

    /* Bands of at most RECON_PER_BAND digits, one under the other, so that a long
     * request wraps instead of making one strip too wide to read. */
    size_t bands = (o.n + RECON_PER_BAND - 1) / RECON_PER_BAND;
    size_t per_band = o.n < RECON_PER_BAND ? o.n : RECON_PER_BAND;
    int width, band_height;
    digit_canvas_size(per_band, model.image_rows, model.image_cols, o.dropped ? 3 : 2, &width,
                      &band_height);
    if (lae_canvas_create(&canvas, width, (int)bands * band_height) != LAE_OK) {
        code = report_error("recon");
        goto done;
    }
    char title[200];
    if (strcmp(model.source, "trained") == 0) {
        snprintf(title, sizeof title, "%s, k %zu, p %g, a %g, b %g (trained, %d epochs, seed "
                 "%llu)", lae_kind_name(obj->kind), model.k, obj->p, obj->a, obj->b,
                 model.epochs, (unsigned long long)model.seed);
    } else {
        snprintf(title, sizeof title, "%s, k %zu, p %g, a %g, b %g (%s)",
                 lae_kind_name(obj->kind), model.k, obj->p, obj->a, obj->b, model.source);
    }
    for (size_t band = 0; band < bands; band++) {
        size_t first = band * RECON_PER_BAND;
        size_t here = o.n - first < RECON_PER_BAND ? o.n - first : RECON_PER_BAND;
        lae_digit_grid grid = {
            .originals = test.x + first * m,
            .dropped = dropped != NULL ? dropped + first * m : NULL,
            .reconstructions = recon + first * m, .count = here, .rows = model.image_rows,
            .cols = model.image_cols, .norm = model.norm, .title = band == 0 ? title : NULL,
        };
        lae_rect rect = {10, 8 + (int)band * band_height, width - 20, band_height - 12};
        if (lae_draw_digit_grid(canvas, rect, &grid, NULL) != LAE_OK) {
            code = report_error("recon");
            goto done;
        }
    }

    char k_text[32], p_text[32], a_text[32], b_text[32], seed_text[32];
    snprintf(k_text, sizeof k_text, "%zu", model.k);
    snprintf(p_text, sizeof p_text, "%g", obj->p);
    snprintf(a_text, sizeof a_text, "%g", obj->a);
    snprintf(b_text, sizeof b_text, "%g", obj->b);
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    lae_png_text texts[] = {
        {"model", lae_kind_name(obj->kind)}, {"k", k_text}, {"p", p_text}, {"a", a_text},
        {"b", b_text}, {"seed", seed_text}, {"device", "host"},
        {"lae version", LAE_VERSION_STRING}, {"model file", positional[0]},
    };
    if (lae_canvas_save_png(canvas, o.out, texts, sizeof texts / sizeof texts[0]) != LAE_OK) {
        code = report_error("recon");
        goto done;
    }
    lae_log_info("recon", "%zu digits of %s reconstructed by %s", o.n, dir, positional[0]);
    printf("wrote %s\n", o.out);

done:
    lae_canvas_free(canvas);
    lae_report_release_caches();
    free(dropped);
    free(recon);
    lae_dataset_free(&test);
    lae_model_free(&model);
    return code;
}
