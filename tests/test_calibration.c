/*
 * Calibration files: what --calibrate writes, --calibration reads back
 * into the same costs, and every way a file can be wrong gets one line
 * naming the file (and the key).
 */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cs/calibration.h"
#include "cs/common.h"
#include "cs/fileio.h"

static char path[64];

static void write_text(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/cs_calib_%d.json", (int)getpid());
    char err[256];
    assert_int_equal(cs_write_file_atomic(path, text, err, sizeof(err)), CS_OK);
}

static void what_is_written_is_read_back(void **state)
{
    (void)state;
    struct cs_calibration k = {.ranks = 4,
                               .cores = 2,
                               .round_trips_per_s = 543161,
                               .latency_us = 0.921,
                               .coordinator_request_us = 1.847,
                               .coordinator_message_us = 0.25,
                               .node_overhead_us = 91.24};
    snprintf(k.host, sizeof(k.host), "vm");
    snprintf(k.measured_utc, sizeof(k.measured_utc), "2026-12-02T19:26:29Z");
    char *text = cs_calibration_json(&k);
    assert_non_null(text);
    write_text(text);
    free(text);
    struct cs_calibration got;
    char err[512];
    assert_int_equal(cs_calibration_load(path, &got, err, sizeof(err)), CS_OK);
    assert_close(got.latency_us, 0.921, 1e-12);
    assert_close(got.coordinator_request_us, 1.847, 1e-12);
    assert_close(got.coordinator_message_us, 0.25, 1e-12);
    assert_close(got.node_overhead_us, 91.24, 1e-12);
    assert_string_equal(got.host, "vm");
    char sets[CS_CALIBRATION_KEYS][96];
    cs_calibration_sets(&got, sets);
    assert_string_equal(sets[0], "network.latency_us=0.92100000000000004");
    assert_string_equal(sets[3], "model.node_overhead_us=91.239999999999995");
    unlink(path);
}

static void expect_refused(const char *text, const char *needle)
{
    write_text(text);
    struct cs_calibration got;
    char err[512] = "";
    assert_int_equal(cs_calibration_load(path, &got, err, sizeof(err)), CS_E_INVALID);
    if (!strstr(err, needle) || !strstr(err, path) || strchr(err, '\n'))
        fail_msg("for %s: '%s' does not name '%s' and the file on one line", text, err, needle);
    unlink(path);
}

static void bad_files_are_refused_with_one_line(void **state)
{
    (void)state;
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {", "line");
    expect_refused("{\"requests\": {}}", "not a clustersim calibration file");
    expect_refused("{\"clustersim_calibration\": 2, \"version\": \"9.0\"}", "format 2 (from clustersim 9.0)");
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {\"latency_us\": 1}, \"model\": {}}",
                   "'model.coordinator_request_us' must be a number");
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {\"latency_us\": -1}, \"model\": "
                   "{\"coordinator_request_us\": 1, \"coordinator_message_us\": 0, \"node_overhead_us\": 0}}",
                   "'network.latency_us' must be a number of microseconds, 0 or from 0.001 (a nanosecond) to 1e6, got "
                   "a number -1");
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {\"latency_us\": \"fast\"}}", "got a string");
    /* (cJSON reads 1e999 as infinity, and printed it as null) */
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {\"latency_us\": 1e999}, \"model\": "
                   "{\"coordinator_request_us\": 1, \"coordinator_message_us\": 0, \"node_overhead_us\": 0}}",
                   "'network.latency_us' must be a number of microseconds, 0 or from 0.001 (a nanosecond) to 1e6, got "
                   "a number above 1.8e308");
    /* a cost the clock cannot hold: said of this file, not of the
     * scenario key it becomes */
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {\"latency_us\": 1e-7}, \"model\": "
                   "{\"coordinator_request_us\": 1, \"coordinator_message_us\": 0, \"node_overhead_us\": 0}}",
                   "'network.latency_us' must be a number of microseconds, 0 or from 0.001");
    expect_refused("{\"clustersim_calibration\": \"1\"}",
                   "'clustersim_calibration' must be its format number (1), got a string");
    /* A name given twice: the scenario parser refuses one, and this took
     * the first without a word. */
    expect_refused("{\"clustersim_calibration\": 1, \"network\": {\"latency_us\": 1}, \"model\": "
                   "{\"coordinator_request_us\": 1, \"coordinator_message_us\": 0, \"node_overhead_us\": 1, "
                   "\"node_overhead_us\": 5}}",
                   "'model.node_overhead_us' given twice");
    expect_refused("{\"clustersim_calibration\": 1, \"clustersim_calibration\": 1}",
                   "'clustersim_calibration' given twice");
    struct cs_calibration got;
    char err[512] = "";
    assert_int_equal(cs_calibration_load("/nonexistent/calib.json", &got, err, sizeof(err)), CS_E_IO);
    assert_non_null(strstr(err, "/nonexistent/calib.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(what_is_written_is_read_back),
        cmocka_unit_test(bad_files_are_refused_with_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
