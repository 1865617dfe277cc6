/*
 * Status codes and the last error message of the lae library.
 *
 * Every library function that can fail returns an lae_status and, on failure, leaves a
 * message for the caller in a thread-local buffer (lae_error_message). The library never
 * prints the message and never exits: the program decides what to do with it. Codes below
 * -1000 are lae's own; an OpenCL failure keeps the OpenCL code in lae_error_cl_code().
 */
#ifndef LAE_STATUS_H
#define LAE_STATUS_H

#include <stdarg.h>

typedef enum {
    LAE_OK = 0,
    LAE_ERR_ARG = -1001,     /* a flag or argument out of range */
    LAE_ERR_IO = -1002,      /* a file could not be opened, read or written */
    LAE_ERR_FORMAT = -1003,  /* a file's content is not what was expected */
    LAE_ERR_NOMEM = -1004,   /* host allocation failed */
    LAE_ERR_OPENCL = -1005,  /* an OpenCL call failed; see lae_error_cl_code() */
    LAE_ERR_CLBLAST = -1006, /* a CLBlast call failed */
    LAE_ERR_NUMERIC = -1007, /* NaN, infinity, or a factorisation that failed */
    LAE_ERR_UNSUPPORTED = -1008, /* a valid request that lae does not implement */
    LAE_ERR_NODEVICE = -1009,    /* no OpenCL platform or no matching device */
    LAE_ERR_WRONG = -1010,       /* a self-check found wrong numbers */
} lae_status;

/* A short constant name for a status, such as "LAE_ERR_FORMAT". */
const char *lae_status_name(lae_status status);

/* The message of the last failure in this thread, or "" if none was recorded. */
const char *lae_error_message(void);

/* The OpenCL error code of the last LAE_ERR_OPENCL in this thread, else 0. */
int lae_error_cl_code(void);

/*
 * Records a failure message (printf-style) and returns status, so that a caller can write
 * `return lae_fail(LAE_ERR_ARG, "--p must be in [0, 1), got %g", p);`.
 */
lae_status lae_fail(lae_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Same as lae_fail, and keeps cl_code for lae_error_cl_code(). */
lae_status lae_fail_cl(int cl_code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The name of an OpenCL error code, such as "CL_OUT_OF_RESOURCES". */
const char *lae_cl_error_name(int cl_code);

#endif
