/*
 * Checked OpenCL calls. Each macro records the failing call's text, the error's name and
 * file:line, sets `status` and jumps to the function's `fail:` label, which releases what was
 * acquired in reverse order. The enclosing function must declare `lae_status status`.
 */
#ifndef LAE_CL_CHECK_H
#define LAE_CL_CHECK_H

#include "lae/opencl.h"
#include "lae/status.h"

#define CL_CHECK(call)                                                                           \
    do {                                                                                         \
        cl_int cl_check_err_ = (call);                                                           \
        if (cl_check_err_ != CL_SUCCESS) {                                                       \
            status = lae_fail_cl(cl_check_err_, "%s failed with %s (%d) at %s:%d", #call,         \
                                 lae_cl_error_name(cl_check_err_), cl_check_err_, __FILE__,      \
                                 __LINE__);                                                      \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

/* For the creating calls that report through an out-parameter: `x = clCreateX(..., &err)`. */
#define CL_CHECK_CREATE(assignment, err)                                                        \
    do {                                                                                         \
        (err) = CL_SUCCESS;                                                                      \
        assignment;                                                                              \
        if ((err) != CL_SUCCESS) {                                                               \
            status = lae_fail_cl((err), "%s failed with %s (%d) at %s:%d", #assignment,          \
                                 lae_cl_error_name(err), (err), __FILE__, __LINE__);             \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

/* Propagates a failed lae_status from a callee, keeping its message. */
#define LAE_TRY(call)                                                                            \
    do {                                                                                         \
        status = (call);                                                                         \
        if (status != LAE_OK) {                                                                  \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

#endif
