/*
 * The two vector operations of the bias terms, as the GEMM layer's sequences use them
 * (include/lae/gemm.h) on backends without a host BLAS in the queue.
 *
 * add_row:     C[r, j] += v[j]             for r < rows, j < cols: a bias on every row.
 *              C row-major at c_offset with leading dimension ldc, v at v_offset.
 *              One work-item per entry, global size ≥ rows·cols, any local size.
 * column_sums: s[j] = Σ_r A[r, j]          for j < cols, summed in row order: the bias
 *              gradients. A row-major at a_offset with leading dimension lda, s at s_offset.
 *              One work-item per column, global size ≥ cols, any local size.
 */

__kernel void add_row(__global float *c, int c_offset, int ldc, __global const float *v,
                      int v_offset, int rows, int cols) {
    int e = get_global_id(0);
    if (e >= rows * cols) {
        return;
    }
    int r = e / cols, j = e - r * cols;
    c[c_offset + r * ldc + j] += v[v_offset + j];
}

__kernel void column_sums(__global const float *a, int a_offset, int lda, int rows, int cols,
                          __global float *s, int s_offset) {
    int j = get_global_id(0);
    if (j >= cols) {
        return;
    }
    float sum = 0.0f;
    for (int r = 0; r < rows; r++) {
        sum += a[a_offset + r * lda + j];
    }
    s[s_offset + j] = sum;
}
