#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "cs/common.h"
#include "cs/trace.h"

static int parse(struct cs_trace *t, const char *text, char *err)
{
    return cs_trace_parse(t, "t.csv", text, strlen(text), err, CS_ERRBUF);
}

static void offsets_and_service_times_are_read(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&t, "offset_s,service_us\n# a comment\n0.5,100\n\n0.5,250.5\r\n2,0\n", err), CS_OK);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.offset_ns[0], 500000000);
    assert_int_equal(t.offset_ns[2], 2000000000);
    assert_non_null(t.service_ns);
    assert_int_equal(t.service_ns[1], 250500);
    cs_trace_free(&t);
}

static void a_trace_without_service_times_has_none(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&t, "0\n0.001\n0.002", err), CS_OK);
    assert_int_equal(t.n, 3);
    assert_null(t.service_ns);
    cs_trace_free(&t);
}

/* A spreadsheet's "CSV UTF-8" starts with a byte-order mark: skipped, so
 * the first line is read as data (it was taken for a header, and its
 * request lost), and a header after it is still one. */
static void a_byte_order_mark_is_skipped(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&t,
                           "\xef\xbb\xbf"
                           "0.001,500\n0.002,500\n",
                           err),
                     CS_OK);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.offset_ns[0], 1000000);
    cs_trace_free(&t);
    assert_int_equal(parse(&t,
                           "\xef\xbb\xbf"
                           "offset_s\n0.5\n",
                           err),
                     CS_OK);
    assert_int_equal(t.n, 1);
    cs_trace_free(&t);
}

static void bad_lines_are_named_by_number(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    const struct {
        const char *text, *want;
    } cases[] = {
        {"0\n1\nabc\n", "t.csv:3: offset_s must be a number"},
        {"1\n0.5\n", "t.csv:2: offset 0.5 s is before the previous line's"},
        {"0,5\n1\n", "t.csv:2: 1 field here but 2 on the first line"},
        {"0,5,6\n", "t.csv:1: expected offset_s[,service_us]"},
        {"-1\n", "t.csv:1: offset_s must be"},
        {"0,-3\n", "t.csv:1: service_us must be"},
        {"0,nan\n", "t.csv:1: service_us must be"},
        {"# nothing\n", "t.csv: no requests"},
        /* not a header, and not 16 s: a number out of range, a typo */
        {"nan\n0.1\n", "t.csv:1: offset_s must be a number"},
        {"Inf,5\n", "t.csv:1: offset_s must be a number"},
        {"0x10\n", "t.csv:1: offset_s must be a number"},
        {"nanos\n0.1\nx\n", "t.csv:3: offset_s must be a number"}, /* a header named so, then a bad line */
        /* a first line with a number in its second field is data mistyped,
         * not a header (its request was dropped without a word) */
        {",5\n0.2,5\n", "t.csv:1: offset_s must be a number"},
        {"O.01,500\n0.2,5\n", "t.csv:1: offset_s must be a number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(&t, cases[i].text, err), CS_E_INVALID);
        if (!strstr(err, cases[i].want))
            fail_msg("for %s: got '%s', want '%s'", cases[i].text, err, cases[i].want);
        assert_null(t.offset_ns);
    }
}

/* A NUL byte is no text: "0.25<NUL>junk" read as 0.25, and a UTF-16
 * file (a NUL beside every ASCII byte) as offsets of 0. */
static void a_nul_byte_is_refused_with_its_line(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    const char text[] = "offset_s,service_us\n0.25\0junk,300\n";
    assert_int_equal(cs_trace_parse(&t, "t.csv", text, sizeof(text) - 1, err, CS_ERRBUF), CS_E_INVALID);
    assert_non_null(strstr(err, "t.csv:2: a NUL byte: this is not text"));
    assert_null(t.offset_ns);
    const char utf16[] = "\xff\xfe"
                         "0\0.\0"
                         "5\0\n\0";
    assert_int_equal(cs_trace_parse(&t, "t.csv", utf16, sizeof(utf16) - 1, err, CS_ERRBUF), CS_E_INVALID);
    assert_non_null(strstr(err, "t.csv:1: a NUL byte"));
}

static void a_missing_file_is_named(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    assert_int_equal(cs_trace_load(&t, "/nonexistent/trace.csv", err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'load.trace'"));
    assert_non_null(strstr(err, "/nonexistent/trace.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offsets_and_service_times_are_read),  cmocka_unit_test(a_trace_without_service_times_has_none),
        cmocka_unit_test(a_byte_order_mark_is_skipped),        cmocka_unit_test(bad_lines_are_named_by_number),
        cmocka_unit_test(a_nul_byte_is_refused_with_its_line), cmocka_unit_test(a_missing_file_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
