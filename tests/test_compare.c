/*
 * --compare: the scenario keys that differ are listed with each file's
 * value, numbers carry their change from the first file, and what is
 * not results is refused with the file's name.
 */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cs/common.h"
#include "cs/compare.h"

static cJSON *results(const char *policy, double throughput, double mean_us, const char *bottleneck)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"scenario\":{\"name\":\"policy-shootout\",\"description\":\"x\",\"load\":{\"utilization\":0.8},"
             "\"dispatch\":{\"policy\":\"%s\",\"d\":2}},\"mpi\":{\"service_nodes\":3},"
             "\"requests\":{\"completed\":4400,\"rejected\":0},\"offered_rps\":560,\"throughput_rps\":%g,"
             "\"latency_us\":{\"mean\":%g,\"p99\":%g},\"nodes\":[{\"utilization\":0.6},{\"utilization\":1}],"
             "\"bottleneck\":\"%s\",\"reason\":\"because\"}",
             policy, throughput, mean_us, 3 * mean_us, bottleneck);
    cJSON *d = cJSON_Parse(text);
    assert_non_null(d);
    return d;
}

static char *render(cJSON *const *docs, const char *const *names, int n, int *rc)
{
    char *text = NULL, err[CS_ERRBUF] = "";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    *rc = cs_compare((const cJSON *const *)docs, names, n, out, err, sizeof(err));
    fclose(out);
    if (*rc != CS_OK) {
        free(text);
        return strdup(err);
    }
    return text;
}

static void two_runs_side_by_side(void **state)
{
    (void)state;
    cJSON *docs[2] = {results("random", 535.4, 430600, "service_nodes"), results("pull", 554.6, 10300, "none")};
    const char *names[2] = {"lab3/random.json", "lab3/pull.json"};
    int rc;
    char *text = render(docs, names, 2, &rc);
    assert_int_equal(rc, CS_OK);
    /* Headed by the file names; the one scenario key that differs. */
    assert_non_null(strstr(text, "random.json"));
    assert_non_null(strstr(text, "scenario differences"));
    char *diff = strstr(text, "dispatch.policy");
    assert_non_null(diff);
    assert_non_null(strstr(diff, "\"random\""));
    assert_non_null(strstr(diff, "\"pull\""));
    assert_null(strstr(text, "dispatch.d ")); /* the same in both */
    assert_null(strstr(text, "description"));
    /* Changes from the first: +3.6% throughput, -97.6% mean latency. */
    assert_non_null(strstr(text, "554.6 (+3.6%)"));
    assert_non_null(strstr(text, "10.300 (-97.6%)"));
    assert_non_null(strstr(text, "service_nodes"));
    assert_non_null(strstr(text, "lab3/pull.json: because"));
    free(text);
    cJSON_Delete(docs[0]);
    cJSON_Delete(docs[1]);
}

static void the_same_scenario_says_so(void **state)
{
    (void)state;
    cJSON *docs[2] = {results("pull", 554.6, 10300, "none"), results("pull", 555.0, 10400, "none")};
    const char *names[2] = {"a.json", "b.json"};
    int rc;
    char *text = render(docs, names, 2, &rc);
    assert_int_equal(rc, CS_OK);
    assert_non_null(strstr(text, "scenario differences: none"));
    assert_null(strstr(text, "incomplete"));
    free(text);
    /* A checkpoint left by a sweep that died, and a run a signal stopped. */
    cJSON_AddFalseToObject(docs[0], "complete");
    cJSON_AddStringToObject(docs[0], "ended", "running: 2 of 6 steps done");
    cJSON_AddFalseToObject(docs[1], "complete");
    text = render(docs, names, 2, &rc);
    assert_int_equal(rc, CS_OK);
    assert_non_null(strstr(text, "a.json: incomplete (running: 2 of 6 steps done)"));
    assert_non_null(strstr(text, "b.json: incomplete (stopped before its end)"));
    free(text);
    cJSON_Delete(docs[0]);
    cJSON_Delete(docs[1]);
}

/* A key only the second file has differs as much as one only the first
 * has: the differences do not hang on the order of the files. */
static void a_key_only_a_later_file_has_differs(void **state)
{
    (void)state;
    cJSON *docs[2] = {results("pull", 554.6, 10300, "none"), results("pull", 555.0, 10400, "none")};
    cJSON_AddNumberToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(docs[1], "scenario"), "dispatch"), "relays", 2);
    const char *names[2] = {"a.json", "b.json"};
    for (int order = 0; order < 2; order++) {
        int rc;
        char *text = render(docs, names, 2, &rc);
        assert_int_equal(rc, CS_OK);
        assert_null(strstr(text, "scenario differences: none"));
        assert_non_null(strstr(text, "dispatch.relays"));
        free(text);
        cJSON *t = docs[0];
        docs[0] = docs[1];
        docs[1] = t;
    }
    cJSON_Delete(docs[0]);
    cJSON_Delete(docs[1]);
}

static void what_is_not_results_is_refused(void **state)
{
    (void)state;
    cJSON *docs[2] = {results("pull", 554.6, 10300, "none"), cJSON_Parse("{\"name\":\"mm1\"}")};
    const char *names[2] = {"a.json", "scenario.json"};
    int rc;
    char *err = render(docs, names, 2, &rc);
    assert_int_equal(rc, CS_E_INVALID);
    assert_non_null(strstr(err, "scenario.json: not a clustersim results file"));
    free(err);
    err = render(docs, names, 0, &rc);
    assert_int_equal(rc, CS_E_INVALID);
    free(err);
    cJSON_Delete(docs[0]);
    cJSON_Delete(docs[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_runs_side_by_side),
        cmocka_unit_test(the_same_scenario_says_so),
        cmocka_unit_test(a_key_only_a_later_file_has_differs),
        cmocka_unit_test(what_is_not_results_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
