/*
 * The one place that includes the OpenCL headers. lae targets the OpenCL 1.2 host API, so
 * that NVIDIA, AMD, Intel and PoCL all run it; the macro must come before any CL include.
 */
#ifndef LAE_OPENCL_H
#define LAE_OPENCL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS

#include <CL/cl.h>

#endif
