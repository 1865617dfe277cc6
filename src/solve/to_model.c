/* A solution's factors as an autoencoder's weights; see lae_solution_to_model in solve.h. */
#include "lae/solve.h"

#include <stdio.h>

lae_status lae_solution_to_model(const lae_solution *sol, int has_bias, lae_model *model) {
    size_t m = sol->m, k = sol->k;
    lae_status status = lae_model_alloc(model, m, k, has_bias);
    if (status != LAE_OK) {
        return status;
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t l = 0; l < k; l++) {
            model->w_enc[l * m + i] = (float)sol->u[i * k + l];
            model->w_dec[i * k + l] = (float)sol->v[i * k + l];
        }
        model->b_dec[i] = has_bias && sol->c != NULL ? (float)sol->c[i] : 0.0f;
    }
    snprintf(model->source, sizeof model->source, "solved");
    return LAE_OK;
}
