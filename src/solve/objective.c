/*
 * Names of the model kinds and the effective (p, a, b) of each.
 *
 * LAE is the plain autoencoder (no dropout), DLAE adds dropout with equal weights, EDLAE adds
 * emphasis on dropped entries; see MATH.md. Nothing here checks ranges: lae_solve and the
 * program's flag parser do.
 */
#include "lae/model.h"

#include <strings.h>

const char *lae_kind_name(lae_kind kind) {
    switch (kind) {
    case LAE_KIND_LAE: return "lae";
    case LAE_KIND_DLAE: return "dlae";
    case LAE_KIND_EDLAE: return "edlae";
    }
    return "unknown";
}

lae_status lae_kind_parse(const char *name, lae_kind *kind) {
    static const lae_kind kinds[] = {LAE_KIND_LAE, LAE_KIND_DLAE, LAE_KIND_EDLAE};

    if (name == NULL || kind == NULL) {
        return lae_fail(LAE_ERR_ARG, "model kind: expected lae, dlae or edlae, got nothing");
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcasecmp(name, lae_kind_name(kinds[i])) == 0) {
            *kind = kinds[i];
            return LAE_OK;
        }
    }
    return lae_fail(LAE_ERR_ARG, "model kind: expected lae, dlae or edlae, got '%s'", name);
}

lae_objective lae_objective_make(lae_kind kind, double p, double a, double b) {
    lae_objective obj = {kind, p, a, b};

    switch (kind) {
    case LAE_KIND_LAE:
        obj.p = 0.0;
        obj.a = 1.0;
        obj.b = 1.0;
        break;
    case LAE_KIND_DLAE:
        obj.a = 1.0;
        obj.b = 1.0;
        break;
    case LAE_KIND_EDLAE:
        break;
    }
    return obj;
}
