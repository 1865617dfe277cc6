/*
 * What the OpenCL tests share: opening the device under test.
 *
 * The device is the default one (or LAE_DEVICE). Without any OpenCL device a test is skipped
 * on a developer's machine, but fails when CI is set: CI always has PoCL, so a missing device
 * there means a broken install, not a reason to pass.
 */
#ifndef LAE_TESTS_SUPPORT_H
#define LAE_TESTS_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lae/device.h"

static inline lae_context *support_open_context(void) {
    lae_device_info info;
    lae_context *ctx = NULL;

    if (lae_device_select(NULL, &info) != LAE_OK) {
        const char *ci = getenv("CI");
        if (ci != NULL && *ci != '\0') {
            fail_msg("no OpenCL device under CI: %s", lae_error_message());
        }
        print_message("skipping: %s\n", lae_error_message());
        skip();
    }
    if (lae_context_create(&info, &ctx) != LAE_OK) {
        fail_msg("creating a context on '%s': %s", info.name, lae_error_message());
    }
    return ctx;
}

/* |got − want| ≤ atol + rtol·|want|, with a message naming what is compared. */
#define assert_close(got, want, atol, rtol, what)                                               \
    do {                                                                                         \
        double got_ = (got), want_ = (want);                                                     \
        double bound_ = (atol) + (rtol) * (want_ < 0 ? -want_ : want_);                          \
        double diff_ = got_ - want_;                                                             \
        if (!(diff_ <= bound_ && -diff_ <= bound_)) {                                            \
            fail_msg("%s: got %.9g, want %.9g (bound %.3g)", (what), got_, want_, bound_);      \
        }                                                                                        \
    } while (0)

#endif
