/*
 * One OpenCL context on one device: the in-order queue, the program built from every
 * embedded kernel source, and a table of its kernels by name.
 *
 * All kernels live in one program so that a context costs one compile. No fast-math options
 * are passed: lae's kernels must agree with their C references and across vendors.
 */
#include "lae/clock.h"
#include "lae/device.h"

#include <stdlib.h>
#include <string.h>

#include "cl/check.h"
#include "cl/context_internal.h"
#include "cl/kernels_embedded.h"
#include "lae/log.h"

#define BUILD_OPTIONS "-cl-std=CL1.2"


/* Logs the compiler's output in full: a failed build is useless without it. */
static void log_build_failure(const lae_context *ctx) {
    size_t size = 0;
    clGetProgramBuildInfo(ctx->program, ctx->info.device_id, CL_PROGRAM_BUILD_LOG, 0, NULL,
                          &size);
    char *text = malloc(size + 1);
    if (text == NULL) {
        return;
    }
    if (clGetProgramBuildInfo(ctx->program, ctx->info.device_id, CL_PROGRAM_BUILD_LOG, size,
                              text, NULL) == CL_SUCCESS) {
        text[size] = '\0';
        lae_log_error("cl", "build log for device '%s':\n%s", ctx->info.name, text);
    }
    free(text);
}

static lae_status build_program(lae_context *ctx) {
    lae_status status = LAE_OK;
    cl_int err;
    const char *sources[64];
    cl_uint count = (cl_uint)lae_kernel_source_count;

    for (cl_uint i = 0; i < count; i++) {
        sources[i] = lae_kernel_sources[i].source;
    }
    CL_CHECK_CREATE(ctx->program = clCreateProgramWithSource(ctx->context, count, sources, NULL,
                                                             &err),
                    err);

    double start = lae_seconds();
    err = clBuildProgram(ctx->program, 1, &ctx->info.device_id, BUILD_OPTIONS, NULL, NULL);
    ctx->build_seconds = lae_seconds() - start;
    if (err != CL_SUCCESS) {
        log_build_failure(ctx);
        return lae_fail_cl(err, "building lae's kernels for device '%s' failed with %s (%d); "
                           "the build log is above", ctx->info.name, lae_cl_error_name(err),
                           err);
    }

    CL_CHECK(clCreateKernelsInProgram(ctx->program, MAX_KERNELS, ctx->kernels,
                                      &ctx->kernel_count));
    for (cl_uint i = 0; i < ctx->kernel_count; i++) {
        CL_CHECK(clGetKernelInfo(ctx->kernels[i], CL_KERNEL_FUNCTION_NAME,
                                 sizeof ctx->kernel_names[i], ctx->kernel_names[i], NULL));
    }
fail:
    return status;
}

lae_status lae_context_create(const lae_device_info *info, lae_context **out) {
    lae_status status = LAE_OK;
    cl_int err;
    lae_context *ctx = calloc(1, sizeof *ctx);

    *out = NULL;
    if (ctx == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory creating an OpenCL context");
    }
    ctx->info = *info;

    cl_context_properties properties[] = {CL_CONTEXT_PLATFORM,
                                          (cl_context_properties)info->platform_id, 0};
    CL_CHECK_CREATE(ctx->context = clCreateContext(properties, 1, &info->device_id, NULL, NULL,
                                                   &err),
                    err);
    CL_CHECK_CREATE(ctx->queue = clCreateCommandQueue(ctx->context, info->device_id, 0, &err),
                    err);
    LAE_TRY(build_program(ctx));
    lae_gemm_set_backend(ctx, LAE_GEMM_AUTO);

    *out = ctx;
    return LAE_OK;
fail:
    lae_context_free(ctx);
    return status;
}

void lae_context_free(lae_context *ctx) {
    if (ctx == NULL) {
        return;
    }
    for (cl_uint i = 0; i < ctx->kernel_count; i++) {
        clReleaseKernel(ctx->kernels[i]);
    }
    if (ctx->program != NULL) {
        clReleaseProgram(ctx->program);
    }
    if (ctx->queue != NULL) {
        clFinish(ctx->queue);
        clReleaseCommandQueue(ctx->queue);
    }
    if (ctx->context != NULL) {
        clReleaseContext(ctx->context);
    }
    free(ctx);
}

const lae_device_info *lae_context_device(const lae_context *ctx) {
    return &ctx->info;
}

cl_context lae_context_cl(const lae_context *ctx) {
    return ctx->context;
}

cl_command_queue lae_context_queue(const lae_context *ctx) {
    return ctx->queue;
}

double lae_context_build_seconds(const lae_context *ctx) {
    return ctx->build_seconds;
}

cl_kernel lae_context_kernel(lae_context *ctx, const char *name) {
    for (cl_uint i = 0; i < ctx->kernel_count; i++) {
        if (strcmp(ctx->kernel_names[i], name) == 0) {
            return ctx->kernels[i];
        }
    }
    lae_fail(LAE_ERR_OPENCL, "kernel '%s' is not in lae's program", name);
    return NULL;
}

lae_status lae_buffer_create(lae_context *ctx, size_t bytes, cl_mem *out) {
    lae_status status = LAE_OK;
    cl_int err;
    cl_mem_flags flags = CL_MEM_READ_WRITE;

    /* Host-visible memory lets host BLAS work on the buffer in place (see gemm.c). */
    if (lae_device_is_host_cpu(&ctx->info)) {
        flags |= CL_MEM_ALLOC_HOST_PTR;
    }
    if (bytes == 0) {
        bytes = sizeof(float);
    }
    CL_CHECK_CREATE(*out = clCreateBuffer(ctx->context, flags, bytes, NULL, &err), err);
    return LAE_OK;
fail:
    *out = NULL;
    if (err == CL_INVALID_BUFFER_SIZE || err == CL_MEM_OBJECT_ALLOCATION_FAILURE) {
        return lae_fail_cl(err, "device '%s' could not allocate a buffer of %zu bytes "
                           "(largest allowed: %llu bytes)", ctx->info.name, bytes,
                           (unsigned long long)ctx->info.max_alloc);
    }
    return status;
}

lae_status lae_buffer_wrap(lae_context *ctx, const void *host, size_t bytes, cl_mem *out) {
    lae_status status = LAE_OK;
    cl_int err;
    cl_mem_flags flags = CL_MEM_READ_ONLY;

    flags |= lae_device_is_host_cpu(&ctx->info) ? CL_MEM_USE_HOST_PTR : CL_MEM_COPY_HOST_PTR;
    /* OpenCL takes a non-const pointer; CL_MEM_READ_ONLY keeps the device from writing. */
    CL_CHECK_CREATE(*out = clCreateBuffer(ctx->context, flags, bytes, (void *)host, &err), err);
    return LAE_OK;
fail:
    *out = NULL;
    return status;
}

lae_status lae_buffer_write(lae_context *ctx, cl_mem buffer, size_t offset, size_t bytes,
                            const void *src) {
    lae_status status = LAE_OK;
    if (bytes == 0) {
        return LAE_OK;
    }
    CL_CHECK(clEnqueueWriteBuffer(ctx->queue, buffer, CL_TRUE, offset, bytes, src, 0, NULL,
                                  NULL));
fail:
    return status;
}

lae_status lae_buffer_read(lae_context *ctx, cl_mem buffer, size_t offset, size_t bytes,
                           void *dst) {
    lae_status status = LAE_OK;
    if (bytes == 0) {
        return LAE_OK;
    }
    CL_CHECK(clEnqueueReadBuffer(ctx->queue, buffer, CL_TRUE, offset, bytes, dst, 0, NULL,
                                 NULL));
fail:
    return status;
}

lae_status lae_context_finish(lae_context *ctx) {
    lae_status status = LAE_OK;
    CL_CHECK(clFinish(ctx->queue));
fail:
    return status;
}
