/*
 * The fields of an lae_context, shared by the files of src/cl/ and nothing else.
 */
#ifndef LAE_CL_CONTEXT_INTERNAL_H
#define LAE_CL_CONTEXT_INTERNAL_H

#include "lae/device.h"
#include "lae/gemm.h"

#define MAX_KERNELS 64

struct lae_context {
    lae_device_info info;
    cl_context context;
    cl_command_queue queue;
    cl_program program;
    cl_kernel kernels[MAX_KERNELS];
    char kernel_names[MAX_KERNELS][64];
    cl_uint kernel_count;
    double build_seconds;
    lae_gemm_backend gemm_backend;
};

#endif
