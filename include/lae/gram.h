/*
 * The Gram matrix G = XᵀX and the column means μ of a data set, computed on an OpenCL device
 * through the GEMM layer, streaming the rows in chunks: n is limited by host memory and time,
 * not by the device's memory. Each chunk's product is formed in single precision on the device
 * and added into G in double on the host, so that rounding does not grow with n. Columns that
 * never vary get their exact rows and columns, so that the solver's test for constant
 * features finds them whatever the rounding.
 */
#ifndef LAE_GRAM_H
#define LAE_GRAM_H

#include <stddef.h>

#include "lae/device.h"

/*
 * x is n×m row-major. g (m×m) and mu (m) are caller-allocated doubles. chunk_rows = 0 picks
 * 4096 rows per chunk. Returns LAE_ERR_OPENCL/LAE_ERR_CLBLAST from the device, or
 * LAE_ERR_NOMEM.
 */
lae_status lae_gram_compute(lae_context *ctx, const float *x, size_t n, size_t m,
                            size_t chunk_rows, double *g, double *mu);

#endif
