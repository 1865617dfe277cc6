/*
 * One Adam step over a flat parameter array, exactly as torch.optim.Adam (Kingma and Ba,
 * ICLR 2015, Algorithm 1, with PyTorch's placement of ε outside the square root):
 *
 *   g ← g + weight_decay·θ                      (L2 penalty, PyTorch's weight_decay)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   θ ← θ − step_size · m / (√v / √(1 − β₂ᵗ) + ε),   step_size = lr/(1 − β₁ᵗ)
 *
 * The host computes step_size and sqrt_bias2 = √(1 − β₂ᵗ) for step t (counted from 1).
 * All four parameter arrays of the model sit in one buffer, so one launch updates them all.
 * Global size ≥ count, any local size.
 */

__kernel void adam(__global float *theta, __global const float *grad, __global float *m,
                   __global float *v, int count, float beta1, float beta2, float step_size,
                   float sqrt_bias2, float eps, float weight_decay) {
    int i0 = 8 * get_global_id(0);
    if (i0 + 8 <= count) {
        float8 t = vload8(0, theta + i0);
        float8 g = vload8(0, grad + i0) + weight_decay * t;
        float8 m_new = beta1 * vload8(0, m + i0) + (1.0f - beta1) * g;
        float8 v_new = beta2 * vload8(0, v + i0) + (1.0f - beta2) * g * g;
        vstore8(m_new, 0, m + i0);
        vstore8(v_new, 0, v + i0);
        vstore8(t - step_size * m_new / (sqrt(v_new) / sqrt_bias2 + eps), 0, theta + i0);
        return;
    }
    for (int i = i0; i < count; i++) {
        float g = grad[i] + weight_decay * theta[i];
        float m_new = beta1 * m[i] + (1.0f - beta1) * g;
        float v_new = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = m_new;
        v[i] = v_new;
        theta[i] -= step_size * m_new / (sqrt(v_new) / sqrt_bias2 + eps);
    }
}
