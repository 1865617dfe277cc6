/*
 * Helper threads for the host-BLAS backend, shared by the files of src/cl/.
 *
 * OpenBLAS's own threads spin between calls (it waits about 2²⁸ cycles before it sleeps),
 * and on a CPU OpenCL device they spin on the cores that PoCL's workers need for the kernels
 * in between: on 2 cores that made a training epoch up to 2× slower. So OpenBLAS runs
 * single-threaded, and a large BLAS call is cut into parts run by helper threads that sleep
 * on a condition variable when idle, one per further core.
 */
#ifndef LAE_CL_HOST_POOL_H
#define LAE_CL_HOST_POOL_H

/* Starts the helpers (once per process) and sets OpenBLAS to one thread. */
void host_pool_start(void);

/* The threads that can run parts at once: the helpers plus the calling thread. */
int host_pool_threads(void);

/*
 * Runs job(arg, part, parts) once for each part = 0 .. parts − 1, in any order and on any of
 * the threads, the caller's included, and returns when all are done. Parts should be of
 * similar work; more parts than threads lets a thread that starts late do less. Without
 * helpers, or with parts ≤ 1, everything runs in the caller, in order.
 */
void host_pool_run(void (*job)(const void *arg, int part, int parts), const void *arg,
                   int parts);

#endif
