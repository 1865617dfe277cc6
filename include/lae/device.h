/*
 * OpenCL platforms and devices, and the one context, queue and kernel program lae uses.
 *
 * Devices are numbered across all platforms in the order the ICD loader reports them; that
 * index is what `--device N` means. A context owns one in-order queue and the program built
 * from every kernel in kernels/, compiled once when the context is created. Drivers keep
 * their own caches of built programs; lae does not cache binaries itself (on PoCL, asking a
 * program for its binaries costs a second full compile).
 */
#ifndef LAE_DEVICE_H
#define LAE_DEVICE_H

#include <stddef.h>

#include "lae/opencl.h"
#include "lae/status.h"

typedef struct {
    int index; /* across all platforms, as `lae devices` prints it */
    cl_platform_id platform_id;
    cl_device_id device_id;
    char platform[128];
    char name[256];
    char vendor[128];
    char driver[128];
    char version[128];   /* CL_DEVICE_VERSION */
    char c_version[128]; /* CL_DEVICE_OPENCL_C_VERSION */
    cl_device_type type;
    cl_uint compute_units;
    cl_ulong global_mem;
    cl_ulong max_alloc;
    size_t max_work_group;
    int fp64;            /* cl_khr_fp64 or a double-precision config */
    int native_kernels;  /* CL_EXEC_NATIVE_KERNEL: host functions can run in the queue */
    int unified_memory;  /* CL_DEVICE_HOST_UNIFIED_MEMORY */
} lae_device_info;

/* "GPU", "CPU", "accelerator" or "other". */
const char *lae_device_type_name(cl_device_type type);

/*
 * Lists every device of every platform. *infos is allocated (free with free()); a machine
 * with no OpenCL platform returns LAE_ERR_NODEVICE with a hint on installing a driver.
 */
lae_status lae_device_list(lae_device_info **infos, size_t *count);

/*
 * Picks a device: selector is a device index ("1") or a case-insensitive substring of the
 * device, vendor or platform name. A NULL or empty selector falls back to the LAE_DEVICE
 * variable, then to the first GPU, else the first accelerator, else the first CPU.
 */
lae_status lae_device_select(const char *selector, lae_device_info *chosen);

/* Whether the device runs on the host's CPU, so that host memory is device memory. */
int lae_device_is_host_cpu(const lae_device_info *info);

typedef struct lae_context lae_context;

/* Creates a context, an in-order queue and the built program; free with lae_context_free. */
lae_status lae_context_create(const lae_device_info *info, lae_context **out);

void lae_context_free(lae_context *ctx);

const lae_device_info *lae_context_device(const lae_context *ctx);
cl_context lae_context_cl(const lae_context *ctx);
cl_command_queue lae_context_queue(const lae_context *ctx);

/* A kernel of the built program by name; NULL (with an error recorded) if absent. */
cl_kernel lae_context_kernel(lae_context *ctx, const char *name);

/* Seconds the program took to build when the context was created. */
double lae_context_build_seconds(const lae_context *ctx);

/*
 * Allocates a device buffer of bytes. On a host-CPU device the buffer is allocated in host
 * memory the driver can hand to host code without copies (CL_MEM_ALLOC_HOST_PTR).
 */
lae_status lae_buffer_create(lae_context *ctx, size_t bytes, cl_mem *out);

/* A read-only buffer over bytes of host memory, which the caller keeps alive and unchanged
 * until the buffer is released: read in place, with no copy, where the device is the host
 * CPU, and copied once at creation elsewhere. */
lae_status lae_buffer_wrap(lae_context *ctx, const void *host, size_t bytes, cl_mem *out);

/* Blocking copies between host memory and a buffer, offsets and sizes in bytes. */
lae_status lae_buffer_write(lae_context *ctx, cl_mem buffer, size_t offset, size_t bytes,
                            const void *src);
lae_status lae_buffer_read(lae_context *ctx, cl_mem buffer, size_t offset, size_t bytes,
                           void *dst);

/* Waits for everything queued so far. */
lae_status lae_context_finish(lae_context *ctx);

#endif
