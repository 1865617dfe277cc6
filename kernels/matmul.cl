/*
 * C = α·op(A)·op(B) + β·C, single precision, row-major, with offsets and leading dimensions:
 * the GEMM of last resort and the reference on the device for the other backends.
 *
 *   op(A) is rows×inner: A[i·lda + p], or A[p·lda + i] when trans_a
 *   op(B) is inner×cols: B[p·ldb + j], or B[j·ldb + p] when trans_b
 *   C     is rows×cols:  C[i·ldc + j]
 *
 * Register tiling: a work-group of MM_THREADS×MM_THREADS items computes an MM_TILE×MM_TILE
 * block of C, each item MM_WORK×MM_WORK outputs strided by MM_THREADS (so that neighbouring
 * items read neighbouring local memory). The inner dimension advances MM_DEPTH at a time
 * through local memory. Local size must be (MM_THREADS, MM_THREADS); global size
 * (⌈cols/MM_TILE⌉·MM_THREADS, ⌈rows/MM_TILE⌉·MM_THREADS). Any sizes work: edges are guarded.
 * When β = 0, C is not read, so it may hold NaN.
 */

#ifndef MM_THREADS
#define MM_THREADS 16 /* work-items along each side of a group */
#endif
#ifndef MM_WORK
#define MM_WORK 4 /* outputs per work-item along each side */
#endif
#ifndef MM_DEPTH
#define MM_DEPTH 16 /* inner-dimension slice held in local memory */
#endif
#define MM_TILE (MM_THREADS * MM_WORK)

__kernel void matmul(int trans_a, int trans_b, int rows, int cols, int inner, float alpha,
                     __global const float *a, int a_offset, int lda, __global const float *b,
                     int b_offset, int ldb, float beta, __global float *c, int c_offset,
                     int ldc) {
    __local float tile_a[MM_DEPTH][MM_TILE + 1]; /* op(A) slice, [p][i]; +1 avoids conflicts */
    __local float tile_b[MM_DEPTH][MM_TILE + 1]; /* op(B) slice, [p][j] */
    float acc[MM_WORK][MM_WORK];

    int tx = get_local_id(0);
    int ty = get_local_id(1);
    int col0 = get_group_id(0) * MM_TILE;
    int row0 = get_group_id(1) * MM_TILE;
    int thread = ty * MM_THREADS + tx;
    a += a_offset;
    b += b_offset;

    for (int wi = 0; wi < MM_WORK; wi++) {
        for (int wj = 0; wj < MM_WORK; wj++) {
            acc[wi][wj] = 0.0f;
        }
    }

    for (int p0 = 0; p0 < inner; p0 += MM_DEPTH) {
        /* Each item loads MM_TILE·MM_DEPTH / MM_THREADS² elements of each slice. */
        for (int e = thread; e < MM_TILE * MM_DEPTH; e += MM_THREADS * MM_THREADS) {
            int p = e / MM_TILE;
            int t = e - p * MM_TILE;
            int i = row0 + t;
            int j = col0 + t;
            int pp = p0 + p;
            float va = 0.0f;
            float vb = 0.0f;
            if (i < rows && pp < inner) {
                va = trans_a ? a[(size_t)pp * lda + i] : a[(size_t)i * lda + pp];
            }
            if (j < cols && pp < inner) {
                vb = trans_b ? b[(size_t)j * ldb + pp] : b[(size_t)pp * ldb + j];
            }
            tile_a[p][t] = va;
            tile_b[p][t] = vb;
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        for (int p = 0; p < MM_DEPTH; p++) {
            float va[MM_WORK];
            float vb[MM_WORK];
            for (int w = 0; w < MM_WORK; w++) {
                va[w] = tile_a[p][ty + w * MM_THREADS];
                vb[w] = tile_b[p][tx + w * MM_THREADS];
            }
            for (int wi = 0; wi < MM_WORK; wi++) {
                for (int wj = 0; wj < MM_WORK; wj++) {
                    acc[wi][wj] = fma(va[wi], vb[wj], acc[wi][wj]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int wi = 0; wi < MM_WORK; wi++) {
        int i = row0 + ty + wi * MM_THREADS;
        for (int wj = 0; wj < MM_WORK; wj++) {
            int j = col0 + tx + wj * MM_THREADS;
            if (i < rows && j < cols) {
                size_t at = (size_t)c_offset + (size_t)i * ldc + j;
                float result = alpha * acc[wi][wj];
                c[at] = beta == 0.0f ? result : result + beta * c[at];
            }
        }
    }
}
