/*
 * Enumerates OpenCL platforms and devices and picks one.
 *
 * A device that fails a query is still listed, with what could be read; a platform that
 * reports no devices is skipped. Nothing here creates a context.
 */
#include "lae/device.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cl/check.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES_PER_PLATFORM 64

const char *lae_device_type_name(cl_device_type type) {
    if (type & CL_DEVICE_TYPE_GPU) {
        return "GPU";
    }
    if (type & CL_DEVICE_TYPE_CPU) {
        return "CPU";
    }
    if (type & CL_DEVICE_TYPE_ACCELERATOR) {
        return "accelerator";
    }
    return "other";
}

static void query_string(cl_device_id device, cl_device_info what, char *out, size_t size) {
    if (clGetDeviceInfo(device, what, size, out, NULL) != CL_SUCCESS) {
        snprintf(out, size, "?");
    }
    out[size - 1] = '\0';
}

static void describe_device(cl_platform_id platform, const char *platform_name,
                            cl_device_id device, lae_device_info *info) {
    char extensions[8192];
    cl_device_fp_config fp64_config = 0;
    cl_device_exec_capabilities exec = 0;
    cl_bool unified = CL_FALSE;

    memset(info, 0, sizeof *info);
    info->platform_id = platform;
    info->device_id = device;
    snprintf(info->platform, sizeof info->platform, "%s", platform_name);
    query_string(device, CL_DEVICE_NAME, info->name, sizeof info->name);
    query_string(device, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    query_string(device, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
    query_string(device, CL_DEVICE_VERSION, info->version, sizeof info->version);
    query_string(device, CL_DEVICE_OPENCL_C_VERSION, info->c_version, sizeof info->c_version);
    query_string(device, CL_DEVICE_EXTENSIONS, extensions, sizeof extensions);

    clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof info->type, &info->type, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof info->compute_units,
                    &info->compute_units, NULL);
    clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof info->global_mem,
                    &info->global_mem, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof info->max_alloc,
                    &info->max_alloc, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof info->max_work_group,
                    &info->max_work_group, NULL);
    clGetDeviceInfo(device, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64_config, &fp64_config, NULL);
    clGetDeviceInfo(device, CL_DEVICE_EXECUTION_CAPABILITIES, sizeof exec, &exec, NULL);
    clGetDeviceInfo(device, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL);

    info->fp64 = fp64_config != 0 || strstr(extensions, "cl_khr_fp64") != NULL;
    info->native_kernels = (exec & CL_EXEC_NATIVE_KERNEL) != 0;
    info->unified_memory = unified == CL_TRUE;
}

lae_status lae_device_list(lae_device_info **infos, size_t *count) {
    lae_status status = LAE_OK;
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint platform_count = 0;
    lae_device_info *list = NULL;
    size_t used = 0;

    *infos = NULL;
    *count = 0;

    /* The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no driver is installed. */
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, platforms, &platform_count);
    if (err != CL_SUCCESS || platform_count == 0) {
        return lae_fail(LAE_ERR_NODEVICE,
                        "no OpenCL platform found (%s): install a driver, for example "
                        "'apt-get install pocl-opencl-icd' for the CPU, and check that "
                        "/etc/OpenCL/vendors lists it",
                        err != CL_SUCCESS ? lae_cl_error_name(err) : "zero platforms");
    }

    list = calloc((size_t)platform_count * MAX_DEVICES_PER_PLATFORM, sizeof *list);
    if (list == NULL) {
        return lae_fail(LAE_ERR_NOMEM, "out of memory listing OpenCL devices");
    }

    for (cl_uint p = 0; p < platform_count; p++) {
        char platform_name[128] = "?";
        cl_device_id devices[MAX_DEVICES_PER_PLATFORM];
        cl_uint device_count = 0;

        clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof platform_name, platform_name,
                          NULL);
        platform_name[sizeof platform_name - 1] = '\0';
        err = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES_PER_PLATFORM, devices,
                             &device_count);
        if (err != CL_SUCCESS) {
            continue;
        }
        for (cl_uint d = 0; d < device_count; d++) {
            describe_device(platforms[p], platform_name, devices[d], &list[used]);
            list[used].index = (int)used;
            used++;
        }
    }

    if (used == 0) {
        free(list);
        return lae_fail(LAE_ERR_NODEVICE,
                        "%u OpenCL platform(s) found but no device on any of them: check the "
                        "driver installation",
                        platform_count);
    }
    *infos = list;
    *count = used;
    return status;
}

static int contains_case_insensitive(const char *haystack, const char *needle) {
    size_t length = strlen(needle);
    for (const char *at = haystack; *at != '\0'; at++) {
        if (strncasecmp(at, needle, length) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_index(const char *text) {
    if (*text == '\0') {
        return 0;
    }
    for (; *text != '\0'; text++) {
        if (!isdigit((unsigned char)*text)) {
            return 0;
        }
    }
    return 1;
}

static int first_of_type(const lae_device_info *list, size_t count, cl_device_type type) {
    for (size_t i = 0; i < count; i++) {
        if (list[i].type & type) {
            return (int)i;
        }
    }
    return -1;
}

lae_status lae_device_select(const char *selector, lae_device_info *chosen) {
    lae_device_info *list = NULL;
    size_t count = 0;
    int found = -1;
    const char *origin = "--device";

    lae_status status = lae_device_list(&list, &count);
    if (status != LAE_OK) {
        return status;
    }

    if (selector == NULL || *selector == '\0') {
        selector = getenv("LAE_DEVICE");
        origin = "LAE_DEVICE";
    }

    if (selector == NULL || *selector == '\0') {
        found = first_of_type(list, count, CL_DEVICE_TYPE_GPU);
        if (found < 0) {
            found = first_of_type(list, count, CL_DEVICE_TYPE_ACCELERATOR);
        }
        if (found < 0) {
            found = first_of_type(list, count, CL_DEVICE_TYPE_CPU);
        }
        if (found < 0) {
            found = 0;
        }
    } else if (is_index(selector)) {
        long index = strtol(selector, NULL, 10);
        if (index >= 0 && (size_t)index < count) {
            found = (int)index;
        } else {
            status = lae_fail(LAE_ERR_NODEVICE,
                              "%s %s: no such device index; %zu device(s) are numbered 0 to %zu "
                              "(see 'lae devices')",
                              origin, selector, count, count - 1);
        }
    } else {
        for (size_t i = 0; i < count && found < 0; i++) {
            if (contains_case_insensitive(list[i].name, selector) ||
                contains_case_insensitive(list[i].vendor, selector) ||
                contains_case_insensitive(list[i].platform, selector)) {
                found = (int)i;
            }
        }
        if (found < 0) {
            status = lae_fail(LAE_ERR_NODEVICE,
                              "%s '%s' matches no device name, vendor or platform "
                              "(see 'lae devices')",
                              origin, selector);
        }
    }

    if (found >= 0) {
        *chosen = list[found];
    }
    free(list);
    return status;
}

int lae_device_is_host_cpu(const lae_device_info *info) {
    return (info->type & CL_DEVICE_TYPE_CPU) != 0;
}
