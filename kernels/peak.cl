/*
 * Probes for `lae bench`: the device's peak single-precision FMA rate, and a kernel that does
 * almost nothing, for launch latency. Neither is used in training.
 *
 * peak_fma: every work-item runs 16 independent chains x ← fma(x, s, t) for `iters`
 * rounds, 32·iters flops an item, then writes the sum of its chains to out[gid]
 * so that no compiler can drop the work. Independent chains hide the FMA unit's latency; the
 * multiplier s is just under 1 and the addend small, so values stay finite for any iters.
 * Any global size, any local size (or none); out holds one float per work-item. The rate is
 * a peak only as far as the compiler keeps the chains in registers and fuses every fma; on
 * a CPU without FMA instructions fma() becomes a slow library call, which the figure shows.
 *
 * peak_fma16: the same with 8 chains of float16, 256·iters flops an item, and peak_fma8
 * with 12 chains of float8, 192·iters flops an item. A CPU driver such as PoCL cannot
 * vectorise across work-items around a kernel's own loop, so only explicit vectors fill its
 * SIMD lanes. Which width wins depends on the registers: 8 float16 chains fill 8 of
 * AVX-512's 32 registers but 16 of AVX2's 16, which then spill to memory, while 12 float8
 * chains and their two constants fit AVX2 and still hide its 4-cycle FMA latency on two
 * pipes. A GPU splits vectors into scalars and loses occupancy to the registers they take.
 * The host runs all three and keeps the fastest.
 *
 * launch_probe: out[0] = value, from work-item 0 only; global size 1.
 */

#define PEAK_STEP(x) x = fma(x, s, t)

__kernel void peak_fma(__global float *out, int iters, float s, float t) {
    int gid = get_global_id(0);
    float seed = (float)(gid & 255) * 1e-3f;
    float x0 = seed, x1 = seed + 0.01f, x2 = seed + 0.02f, x3 = seed + 0.03f;
    float x4 = seed + 0.04f, x5 = seed + 0.05f, x6 = seed + 0.06f, x7 = seed + 0.07f;
    float x8 = seed + 0.08f, x9 = seed + 0.09f, x10 = seed + 0.10f, x11 = seed + 0.11f;
    float x12 = seed + 0.12f, x13 = seed + 0.13f, x14 = seed + 0.14f, x15 = seed + 0.15f;

    for (int i = 0; i < iters; i++) {
        PEAK_STEP(x0); PEAK_STEP(x1); PEAK_STEP(x2); PEAK_STEP(x3);
        PEAK_STEP(x4); PEAK_STEP(x5); PEAK_STEP(x6); PEAK_STEP(x7);
        PEAK_STEP(x8); PEAK_STEP(x9); PEAK_STEP(x10); PEAK_STEP(x11);
        PEAK_STEP(x12); PEAK_STEP(x13); PEAK_STEP(x14); PEAK_STEP(x15);
    }
    out[gid] = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11)) +
               ((x12 + x13) + (x14 + x15));
}

__kernel void peak_fma16(__global float *out, int iters, float s, float t) {
    int gid = get_global_id(0);
    float16 seed = (float16)((float)(gid & 255) * 1e-3f) +
                   (float16)(0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f,
                             1.1f, 1.2f, 1.3f, 1.4f, 1.5f) * 0.01f;
    float16 vs = (float16)s, vt = (float16)t;
    float16 x0 = seed, x1 = seed + 0.01f, x2 = seed + 0.02f, x3 = seed + 0.03f;
    float16 x4 = seed + 0.04f, x5 = seed + 0.05f, x6 = seed + 0.06f, x7 = seed + 0.07f;

    for (int i = 0; i < iters; i++) {
        x0 = fma(x0, vs, vt); x1 = fma(x1, vs, vt); x2 = fma(x2, vs, vt); x3 = fma(x3, vs, vt);
        x4 = fma(x4, vs, vt); x5 = fma(x5, vs, vt); x6 = fma(x6, vs, vt); x7 = fma(x7, vs, vt);
    }
    float16 sum = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
    float8 s8 = sum.lo + sum.hi;
    float4 s4 = s8.lo + s8.hi;
    float2 s2 = s4.lo + s4.hi;
    out[gid] = s2.x + s2.y;
}

__kernel void peak_fma8(__global float *out, int iters, float s, float t) {
    int gid = get_global_id(0);
    float8 seed = (float8)((float)(gid & 255) * 1e-3f) +
                  (float8)(0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f) * 0.01f;
    float8 vs = (float8)s, vt = (float8)t;
    float8 x0 = seed, x1 = seed + 0.01f, x2 = seed + 0.02f, x3 = seed + 0.03f;
    float8 x4 = seed + 0.04f, x5 = seed + 0.05f, x6 = seed + 0.06f, x7 = seed + 0.07f;
    float8 x8 = seed + 0.08f, x9 = seed + 0.09f, x10 = seed + 0.10f, x11 = seed + 0.11f;

    for (int i = 0; i < iters; i++) {
        x0 = fma(x0, vs, vt); x1 = fma(x1, vs, vt); x2 = fma(x2, vs, vt); x3 = fma(x3, vs, vt);
        x4 = fma(x4, vs, vt); x5 = fma(x5, vs, vt); x6 = fma(x6, vs, vt); x7 = fma(x7, vs, vt);
        x8 = fma(x8, vs, vt); x9 = fma(x9, vs, vt); x10 = fma(x10, vs, vt);
        x11 = fma(x11, vs, vt);
    }
    float8 sum = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
    float4 s4 = sum.lo + sum.hi;
    float2 s2 = s4.lo + s4.hi;
    out[gid] = s2.x + s2.y;
}

__kernel void launch_probe(__global float *out, float value) {
    if (get_global_id(0) == 0) {
        out[0] = value;
    }
}
