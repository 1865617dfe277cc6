/* Status codes and the per-thread error message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lae/status.h"

static void fail_keeps_formatted_message(void **state) {
    (void)state;
    lae_status status = lae_fail(LAE_ERR_ARG, "--p must be in [0, 1), got %g", 1.5);
    assert_int_equal(status, LAE_ERR_ARG);
    assert_string_equal(lae_error_message(), "--p must be in [0, 1), got 1.5");
    assert_int_equal(lae_error_cl_code(), 0);
}

static void fail_cl_keeps_code(void **state) {
    (void)state;
    lae_status status = lae_fail_cl(-5, "clEnqueueNDRangeKernel failed");
    assert_int_equal(status, LAE_ERR_OPENCL);
    assert_int_equal(lae_error_cl_code(), -5);
    assert_string_equal(lae_cl_error_name(-5), "CL_OUT_OF_RESOURCES");
}

static void names_are_distinct(void **state) {
    (void)state;
    assert_string_equal(lae_status_name(LAE_ERR_FORMAT), "LAE_ERR_FORMAT");
    assert_string_not_equal(lae_status_name(LAE_ERR_IO), lae_status_name(LAE_ERR_ARG));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fail_keeps_formatted_message),
        cmocka_unit_test(fail_cl_keeps_code),
        cmocka_unit_test(names_are_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
