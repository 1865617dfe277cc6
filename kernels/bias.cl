/*
 * Bias terms of the two layers.
 *
 * bias_add:   H[r, j] += params[offset + j] for H nb×cols row-major; global size ≥ nb·cols.
 * bias_grads: the column sums that are the bias gradients,
 *               grads[b_dec_offset + j] = Σ_r R[r, j]   for j < m   (R = ∂loss/∂X̂, nb×m)
 *               grads[b_enc_offset + j] = Σ_r dH[r, j]  for j < k   (dH = ∂loss/∂H, nb×k)
 *             one work-item per column, global size ≥ m + k. Each sum runs in row order.
 */

__kernel void bias_add(__global float *h, __global const float *params, int offset, int nb,
                       int cols) {
    int e = get_global_id(0);
    if (e >= nb * cols) {
        return;
    }
    h[e] += params[offset + e % cols];
}

__kernel void bias_grads(__global const float *r, __global const float *dh, int nb, int m,
                         int k, __global float *grads, int b_enc_offset, int b_dec_offset) {
    int column = get_global_id(0);
    float sum = 0.0f;

    if (column < m) {
        for (int row = 0; row < nb; row++) {
            sum += r[row * m + column];
        }
        grads[b_dec_offset + column] = sum;
    } else if (column < m + k) {
        int j = column - m;
        for (int row = 0; row < nb; row++) {
            sum += dh[row * k + j];
        }
        grads[b_enc_offset + j] = sum;
    }
}
