/* The OpenCL sources of kernels/, embedded at build time by tools/embed_kernels.py. */
#ifndef LAE_CL_KERNELS_EMBEDDED_H
#define LAE_CL_KERNELS_EMBEDDED_H

typedef struct {
    const char *name;   /* file name, such as "dropout.cl" */
    const char *source; /* NUL-terminated OpenCL C */
} lae_kernel_source;

extern const lae_kernel_source lae_kernel_sources[];
extern const int lae_kernel_source_count;

#endif
