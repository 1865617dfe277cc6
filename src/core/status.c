/*
 * The last error of each thread, and the names of lae's and OpenCL's status codes.
 *
 * The message lives in a thread-local buffer so that two threads using the library do not
 * overwrite each other's errors. Names of OpenCL codes follow the Khronos headers.
 */
#include "lae/status.h"

#include <stdio.h>

#define MESSAGE_SIZE 1024

static _Thread_local char last_message[MESSAGE_SIZE];
static _Thread_local int last_cl_code;

const char *lae_status_name(lae_status status) {
    switch (status) {
    case LAE_OK: return "LAE_OK";
    case LAE_ERR_ARG: return "LAE_ERR_ARG";
    case LAE_ERR_IO: return "LAE_ERR_IO";
    case LAE_ERR_FORMAT: return "LAE_ERR_FORMAT";
    case LAE_ERR_NOMEM: return "LAE_ERR_NOMEM";
    case LAE_ERR_OPENCL: return "LAE_ERR_OPENCL";
    case LAE_ERR_CLBLAST: return "LAE_ERR_CLBLAST";
    case LAE_ERR_NUMERIC: return "LAE_ERR_NUMERIC";
    case LAE_ERR_UNSUPPORTED: return "LAE_ERR_UNSUPPORTED";
    case LAE_ERR_NODEVICE: return "LAE_ERR_NODEVICE";
    case LAE_ERR_WRONG: return "LAE_ERR_WRONG";
    }
    return "LAE_ERR_UNKNOWN";
}

const char *lae_error_message(void) {
    return last_message;
}

int lae_error_cl_code(void) {
    return last_cl_code;
}

lae_status lae_fail(lae_status status, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, args);
    va_end(args);
    last_cl_code = 0;
    return status;
}

lae_status lae_fail_cl(int cl_code, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, args);
    va_end(args);
    last_cl_code = cl_code;
    return LAE_ERR_OPENCL;
}

const char *lae_cl_error_name(int cl_code) {
    switch (cl_code) {
    case 0: return "CL_SUCCESS";
    case -1: return "CL_DEVICE_NOT_FOUND";
    case -2: return "CL_DEVICE_NOT_AVAILABLE";
    case -3: return "CL_COMPILER_NOT_AVAILABLE";
    case -4: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case -5: return "CL_OUT_OF_RESOURCES";
    case -6: return "CL_OUT_OF_HOST_MEMORY";
    case -7: return "CL_PROFILING_INFO_NOT_AVAILABLE";
    case -8: return "CL_MEM_COPY_OVERLAP";
    case -9: return "CL_IMAGE_FORMAT_MISMATCH";
    case -10: return "CL_IMAGE_FORMAT_NOT_SUPPORTED";
    case -11: return "CL_BUILD_PROGRAM_FAILURE";
    case -12: return "CL_MAP_FAILURE";
    case -13: return "CL_MISALIGNED_SUB_BUFFER_OFFSET";
    case -14: return "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST";
    case -30: return "CL_INVALID_VALUE";
    case -31: return "CL_INVALID_DEVICE_TYPE";
    case -32: return "CL_INVALID_PLATFORM";
    case -33: return "CL_INVALID_DEVICE";
    case -34: return "CL_INVALID_CONTEXT";
    case -35: return "CL_INVALID_QUEUE_PROPERTIES";
    case -36: return "CL_INVALID_COMMAND_QUEUE";
    case -37: return "CL_INVALID_HOST_PTR";
    case -38: return "CL_INVALID_MEM_OBJECT";
    case -40: return "CL_INVALID_IMAGE_SIZE";
    case -42: return "CL_INVALID_BINARY";
    case -43: return "CL_INVALID_BUILD_OPTIONS";
    case -44: return "CL_INVALID_PROGRAM";
    case -45: return "CL_INVALID_PROGRAM_EXECUTABLE";
    case -46: return "CL_INVALID_KERNEL_NAME";
    case -47: return "CL_INVALID_KERNEL_DEFINITION";
    case -48: return "CL_INVALID_KERNEL";
    case -49: return "CL_INVALID_ARG_INDEX";
    case -50: return "CL_INVALID_ARG_VALUE";
    case -51: return "CL_INVALID_ARG_SIZE";
    case -52: return "CL_INVALID_KERNEL_ARGS";
    case -53: return "CL_INVALID_WORK_DIMENSION";
    case -54: return "CL_INVALID_WORK_GROUP_SIZE";
    case -55: return "CL_INVALID_WORK_ITEM_SIZE";
    case -56: return "CL_INVALID_GLOBAL_OFFSET";
    case -57: return "CL_INVALID_EVENT_WAIT_LIST";
    case -58: return "CL_INVALID_EVENT";
    case -59: return "CL_INVALID_OPERATION";
    case -61: return "CL_INVALID_BUFFER_SIZE";
    case -63: return "CL_INVALID_GLOBAL_WORK_SIZE";
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    }
    return "CL_UNKNOWN_ERROR";
}
