/* cmocka needs these headers first, in this order. */
#ifndef CS_TEST_COMMON_H
#define CS_TEST_COMMON_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

/* |got - want| <= rel * |want|, with a readable failure. */
#define assert_close(got, want, rel)                                                   \
    do {                                                                               \
        double g_ = (double)(got), w_ = (double)(want);                                \
        if (!(fabs(g_ - w_) <= (rel)*fabs(w_)))                                        \
            fail_msg("%s = %g, expected %g within %g%%", #got, g_, w_, 100.0 * (rel)); \
    } while (0)
#endif
