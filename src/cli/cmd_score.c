/*
 * `lae score MODEL`: how good any saved model is, exactly. The expected training objective
 * under dropout and emphasis comes from MATH.md's formula on the Gram matrix (no sampled
 * masks); with --against, the gap to another model, usually `lae solve`'s optimum.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "lae/gram.h"
#include "lae/log.h"
#include "lae/solve.h"

/* Everything score reports about one model under one objective. */
typedef struct {
    double expected_loss; /* summed over the n·m entries, as MATH.md */
    double per_entry;
    double train_mse, test_mse;
    lae_identity_metrics metrics;
    double *b; /* m×m */
    double *u; /* m×k, W_encᵀ: the column space of B */
} model_score;

/* The model's output bias as MATH.md's c: X̂ = Z·B + 1·cᵀ with c = W_dec·b_enc + b_dec. */
static void effective_bias(const lae_model *model, double *c) {
    for (size_t j = 0; j < model->m; j++) {
        double sum = model->b_dec[j];
        for (size_t l = 0; l < model->k; l++) {
            sum += (double)model->w_dec[j * model->k + l] * model->b_enc[l];
        }
        c[j] = sum;
    }
}

static lae_status score_model(const lae_model *model, const lae_objective *objective,
                              const double *g, const double *mu, const loaded_data *data,
                              model_score *out) {
    size_t m = model->m, k = model->k, n = data->train.n;
    lae_status status = lae_model_product(model, &out->b);
    if (status != LAE_OK) {
        return status;
    }
    out->u = malloc(m * k * sizeof *out->u);
    double *c = malloc(m * sizeof *c);
    if (out->u == NULL || c == NULL) {
        free(c);
        return lae_fail(LAE_ERR_NOMEM, "out of memory scoring a model");
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t l = 0; l < k; l++) {
            out->u[i * k + l] = model->w_enc[l * m + i];
        }
    }
    effective_bias(model, c);

    if (model->has_bias) {
        out->expected_loss = lae_expected_loss_bias(g, mu, n, m, out->b, c, objective);
    } else {
        out->expected_loss = lae_expected_loss(g, m, out->b, objective);
    }
    free(c);
    if (out->expected_loss < 0.0) {
        out->expected_loss = 0.0; /* an expectation of squares: below 0 only by rounding */
    }
    out->per_entry = out->expected_loss / ((double)n * (double)m);
    out->train_mse = gram_reconstruction_error(model, out->b, g, mu, n);
    out->test_mse = mean_reconstruction_error(model, data->test.x, data->test.n);
    out->metrics = lae_identity_metrics_of(out->b, m);
    return LAE_OK;
}

static void print_score(const char *label, const model_score *s) {
    printf("%s\n", label);
    printf("  expected objective %.10g  (%.6f per entry)\n", s->expected_loss, s->per_entry);
    printf("  train mse          %.6f\n", s->train_mse);
    printf("  test mse           %.6f\n", s->test_mse);
    printf("  mean diag(B)       %.6f\n", s->metrics.diag_mean);
    printf("  rms(diag(B) - 1)   %.6f\n", s->metrics.diag_rms_error);
    printf("  off-diagonal share %.6f\n", s->metrics.offdiag_share);
}

static void json_score(json_writer *w, const char *key, const model_score *s) {
    json_object_begin(w, key);
    json_number(w, "expected_loss", s->expected_loss);
    json_number(w, "expected_loss_per_entry", s->per_entry);
    json_number(w, "train_mse", s->train_mse);
    json_number(w, "test_mse", s->test_mse);
    json_number(w, "diag_mean", s->metrics.diag_mean);
    json_number(w, "diag_rms_error", s->metrics.diag_rms_error);
    json_number(w, "offdiag_share", s->metrics.offdiag_share);
    json_object_end(w);
}

int cmd_score(int argc, char **argv) {
    device_options device;
    data_options data_opts;
    const char *against_path = NULL;
    const char *positional[1];
    size_t positionals = 0;
    double p = 0, a = 0, b = 0;
    int json = 0, code = 0;
    flag_spec flags[32];
    size_t count = 0;

    device_options_defaults(&device);
    data_options_defaults(&data_opts);
    device_flags(flags, &count, &device);
    data_flags(flags, &count, &data_opts);
    flags[count++] = (flag_spec){"p", FLAG_DOUBLE, &p, "P",
                                 "dropout probability (default: the model's)", 0};
    flags[count++] = (flag_spec){"a", FLAG_DOUBLE, &a, "A",
                                 "weight of dropped entries (default: the model's)", 0};
    flags[count++] = (flag_spec){"b", FLAG_DOUBLE, &b, "B",
                                 "weight of kept entries (default: the model's)", 0};
    flags[count++] = (flag_spec){"against", FLAG_STRING, &against_path, "MODEL",
                                 "a second model, the optimum, to measure the gap to", 0};
    flags[count++] = (flag_spec){"json", FLAG_BOOL, &json, "", "one JSON object on stdout", 0};

    int parsed = flags_parse("score", "MODEL [OPTIONS]", flags, count, argc, argv, 2,
                             positional, 1, &positionals);
    if (parsed != 0) {
        return parsed == 1 ? 0 : 2;
    }
    if (positionals != 1) {
        fprintf(stderr, "lae score: error: expected one model file (lae score MODEL)\n");
        return 2;
    }

    lae_model model = {0}, optimum = {0};
    loaded_data data = {0};
    lae_context *ctx = NULL;
    double *g = NULL, *mu = NULL, *angles = NULL;
    model_score mine = {0}, best = {0};
    int have_data = 0;

    if (lae_model_load(positional[0], &model) != LAE_OK ||
        (against_path != NULL && lae_model_load(against_path, &optimum) != LAE_OK)) {
        code = report_error("score");
        goto done;
    }
    if (against_path != NULL && optimum.m != model.m) {
        fprintf(stderr, "lae score: error: %s has m = %zu but %s has m = %zu\n", against_path,
                optimum.m, positional[0], model.m);
        code = 1;
        goto done;
    }

    /* The objective: the model's own, with any flag given taking over. */
    lae_objective objective = model.objective;
    if (flags_seen(flags, count, "p") || flags_seen(flags, count, "a") ||
        flags_seen(flags, count, "b")) {
        objective.kind = LAE_KIND_EDLAE;
        objective.p = flags_seen(flags, count, "p") ? p : objective.p;
        objective.a = flags_seen(flags, count, "a") ? a : objective.a;
        objective.b = flags_seen(flags, count, "b") ? b : objective.b;
    }
    if (!(objective.p >= 0.0 && objective.p < 1.0) || objective.a < 0.0 ||
        objective.b < 0.0 || (objective.a == 0.0 && objective.b == 0.0)) {
        fprintf(stderr, "lae score: error: need 0 ≤ --p < 1 and --a, --b ≥ 0, not both 0\n");
        code = 2;
        goto done;
    }

    if ((code = device_options_check("score", &device)) != 0) {
        goto done;
    }

    /* The data, scaled as the model was trained. */
    data_opts.normalize = model.norm.enabled;
    data_opts.mean = model.norm.mean;
    data_opts.std = model.norm.std;
    if ((code = load_data("score", &data_opts, &data)) != 0) {
        goto done;
    }
    have_data = 1;
    if (data.train.m != model.m) {
        fprintf(stderr, "lae score: error: %s has m = %zu features but the data has %zu\n",
                positional[0], model.m, data.train.m);
        code = 1;
        goto done;
    }
    if ((code = open_device("score", &device, &ctx)) != 0) {
        goto done;
    }

    size_t m = model.m;
    g = malloc(m * m * sizeof *g);
    mu = malloc(m * sizeof *mu);
    if (g == NULL || mu == NULL ||
        lae_gram_compute(ctx, data.train.x, data.train.n, m, 0, g, mu) != LAE_OK ||
        score_model(&model, &objective, g, mu, &data, &mine) != LAE_OK) {
        code = g == NULL || mu == NULL ? (fprintf(stderr, "lae score: error: out of memory\n"), 1)
                                       : report_error("score");
        goto done;
    }

    double excess = NAN, distance = NAN;
    size_t angle_count = 0;
    if (against_path != NULL) {
        /* A gap means something only to an optimum of the objective scored, at a rank no
         * lower than the model's. */
        const lae_objective *solved = &optimum.objective;
        if (strcmp(optimum.source, "solved") != 0 || solved->kind != objective.kind ||
            solved->p != objective.p || solved->a != objective.a || solved->b != objective.b ||
            optimum.k < model.k) {
            lae_log_warn("score", "%s (%s %s, k %zu, p %g, a %g, b %g) is not a solved optimum of "
                         "the objective scored (%s, k %zu, p %g, a %g, b %g): the gap can be "
                         "negative", against_path, optimum.source,
                         lae_kind_name(solved->kind), optimum.k, solved->p, solved->a,
                         solved->b, lae_kind_name(objective.kind), model.k, objective.p,
                         objective.a, objective.b);
        }
        if (score_model(&optimum, &objective, g, mu, &data, &best) != LAE_OK) {
            code = report_error("score");
            goto done;
        }
        /* A relative excess needs E* > 0; full-rank LAE's optimum, the identity, has E* = 0
         * up to rounding, and only the absolute excess then means anything. */
        if (fabs(best.expected_loss) > 1e-9 * fabs(mine.expected_loss)) {
            excess = lae_relative_excess(mine.expected_loss, best.expected_loss);
        }
        distance = lae_relative_distance(mine.b, best.b, m);
        angles = malloc((model.k < optimum.k ? model.k : optimum.k) * sizeof *angles);
        if (angles == NULL || lae_principal_angles(mine.u, model.k, best.u, optimum.k, m,
                                                   angles, &angle_count) != LAE_OK) {
            code = angles == NULL ? 1 : report_error("score");
            goto done;
        }
    }

    if (!json) {
        printf("objective: %s, p %g, a %g, b %g, on %zu training examples\n",
               lae_kind_name(objective.kind), objective.p, objective.a, objective.b,
               data.train.n);
        print_score(positional[0], &mine);
        if (against_path != NULL) {
            print_score(against_path, &best);
            printf("gap\n");
            if (isfinite(excess)) {
                printf("  relative excess objective %.6g  (%.6g per entry above the optimum)\n",
                       excess, mine.per_entry - best.per_entry);
            } else {
                printf("  relative excess objective undefined: the optimum's is 0; %.6g per "
                       "entry above it\n", mine.per_entry - best.per_entry);
            }
            printf("  relative ||B - B*||_F     %.6g\n", distance);
            if (angle_count > 0 && model.k == m && optimum.k == m) {
                /* Both encoders span every direction: the angles are 0 and say nothing. */
                printf("  principal angles          none to compare at full rank\n");
            } else if (angle_count > 0) {
                printf("  principal angles (deg)    largest %.4g, median %.4g, smallest %.4g "
                       "(%zu)\n", angles[angle_count - 1], angles[angle_count / 2], angles[0],
                       angle_count);
            }
        }
    } else {
        json_writer w;
        json_init(&w, stdout);
        json_object_begin(&w, NULL);
        json_string(&w, "command", "score");
        json_string(&w, "model", positional[0]);
        json_object_begin(&w, "objective");
        json_string(&w, "kind", lae_kind_name(objective.kind));
        json_number(&w, "p", objective.p);
        json_number(&w, "a", objective.a);
        json_number(&w, "b", objective.b);
        json_int(&w, "train", (long long)data.train.n);
        json_object_end(&w);
        json_score(&w, "score", &mine);
        if (against_path != NULL) {
            json_string(&w, "against", against_path);
            json_score(&w, "against_score", &best);
            json_number(&w, "relative_excess", excess);
            json_number(&w, "excess_per_entry", mine.per_entry - best.per_entry);
            json_number(&w, "relative_distance", distance);
            json_array_begin(&w, "principal_angles_degrees");
            for (size_t i = 0; i < angle_count; i++) {
                json_number(&w, NULL, angles[i]);
            }
            json_array_end(&w);
        }
        json_object_end(&w);
    }

done:
    free(angles);
    free(best.b);
    free(best.u);
    free(mine.b);
    free(mine.u);
    free(mu);
    free(g);
    lae_context_free(ctx);
    if (have_data) {
        loaded_data_free(&data);
    }
    lae_model_free(&optimum);
    lae_model_free(&model);
    return code;
}
