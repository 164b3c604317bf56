/*
 * The labs' self-check: each soundness rule fires on the mistake it is
 * for and stays quiet on a sound run; bad input is refused with one line.
 * The documents are a real run's results with one thing changed.
 */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cs/common.h"
#include "cs/labcheck.h"

/* 3 nodes at 70% of 1 ms exponential service, 8 s after 1 s of warm-up:
 * the default scenario, measured (trimmed to what the checks read). */
static const char *const sound_run =
    "{\"version\":\"0.1.0\",\"complete\":true,"
    "\"scenario\":{\"name\":\"default\",\"load\":{\"arrival\":\"poisson\",\"warmup_s\":1,\"duration_s\":8,"
    "\"schedule\":null},\"service\":{\"mode\":\"sleep\",\"time\":{\"dist\":\"exponential\",\"mean_us\":1000}},"
    "\"dispatch\":{\"cost_us\":0,\"max_pending\":10000},\"nodes\":{\"speed\":1}},"
    "\"mpi\":{\"ranks\":4,\"service_nodes\":3,\"oversubscribed\":true,\"max_ranks_per_host\":4,"
    "\"cores_on_that_host\":2},"
    "\"requests\":{\"generated\":16781,\"completed\":16781,\"rejected\":0,\"timed_out\":0,\"failed\":0,\"lost\":0},"
    "\"offered_rps\":2100,\"throughput_rps\":2098.5,\"duration_s\":8,\"in_system_mean\":5.02,"
    "\"latency_us\":{\"count\":16781,\"mean\":2389.9,\"p99\":10321.9},"
    "\"service_us\":{\"mean\":1010.4,\"inflation\":1.004},"
    "\"coordinator\":{\"utilization\":0.008,\"per_request_us\":3.76},"
    "\"nodes\":[{\"rank\":1,\"utilization\":0.695},{\"rank\":2,\"utilization\":0.709},{\"rank\":3,\"utilization\":0."
    "715}],"
    "\"bottleneck\":\"none\",\"model\":{\"capacity_rps\":3000}}";

struct said {
    int n;
    char last[512];
};

static void collect(void *ctx, const char *problem)
{
    struct said *s = ctx;
    s->n++;
    snprintf(s->last, sizeof(s->last), "%s", problem);
}

static cJSON *doc(void)
{
    cJSON *d = cJSON_Parse(sound_run);
    assert_non_null(d);
    return d;
}

/* Replace the item at a dotted path with the JSON value given. */
static void set(cJSON *d, const char *path, const char *json)
{
    char key[64];
    cJSON *o = d;
    for (;;) {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof(key));
        memcpy(key, path, n);
        key[n] = '\0';
        if (path[n] == '\0')
            break;
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        assert_non_null(o);
        path += n + 1;
    }
    cJSON *v = cJSON_Parse(json);
    assert_non_null(v);
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else
        cJSON_AddItemToObject(o, key, v);
}

/* Run the check; expect `want` problems, the last containing `words`. */
static void expect(cJSON *d, int lab, int want, const char *words)
{
    struct said s = {0, ""};
    char err[CS_ERRBUF] = "";
    int n = cs_labcheck(d, lab, collect, &s, err, sizeof(err));
    if (n != want)
        fail_msg("%d problems, expected %d (last: '%s', err: '%s')", n, want, s.last, err);
    assert_int_equal(s.n, want);
    if (words && !strstr(s.last, words))
        fail_msg("'%s' does not say '%s'", s.last, words);
    cJSON_Delete(d);
}

static void expect_refused(cJSON *d, int lab, const char *words)
{
    struct said s = {0, ""};
    char err[CS_ERRBUF] = "";
    assert_int_equal(cs_labcheck(d, lab, collect, &s, err, sizeof(err)), CS_E_INVALID);
    assert_int_equal(s.n, 0);
    if (!strstr(err, words))
        fail_msg("'%s' does not say '%s'", err, words);
    cJSON_Delete(d);
}

static void a_sound_run_passes(void **state)
{
    (void)state;
    cJSON *d = doc();
    assert_null(cs_labcheck_unsteady(d));
    expect(d, 0, 0, NULL);
}

/* Where a run has no steady state, the steady-state checks are skipped,
 * and the reason is there for lab-check to say beside "sound". */
static void a_run_without_a_steady_state_says_why_it_was_not_checked(void **state)
{
    (void)state;
    cJSON *d = doc();
    set(d, "throughput_rps", "1500");
    set(d, "in_system_mean", "50"); /* Little's law far off: not judged here */
    assert_string_equal(cs_labcheck_unsteady(d), "throughput fell short of the offered load");
    cJSON_Delete(d);
    d = doc();
    set(d, "nodes", "[{\"rank\":1,\"utilization\":0.99},{\"rank\":2,\"utilization\":0.5}]");
    assert_string_equal(cs_labcheck_unsteady(d), "a node was busy 99% of the time, so its queue grew all along");
    cJSON_Delete(d);
    d = doc();
    set(d, "scenario.load.arrival", "\"trace\"");
    assert_string_equal(cs_labcheck_unsteady(d), "the load changes during the run by design");
    cJSON_Delete(d);
}

/* The sound document, marked incomplete, with "ended" when given (JSON). */
static cJSON *incomplete(const char *ended)
{
    cJSON *d = doc();
    set(d, "complete", "false");
    if (ended)
        set(d, "ended", ended);
    return d;
}

static void a_stopped_run_is_flagged(void **state)
{
    (void)state;
    expect(incomplete(NULL), 0, 1, "stopped before its end");
    /* A sweep's checkpoint, left by a process that died: said so. */
    expect(incomplete("\"running: 2 of 6 steps done\""), 0, 1,
           "incomplete: the file was written while the run was going (running: 2 of 6 steps done)");
    /* rank 0's measures alone, rewritten when a rank died */
    cJSON *d = incomplete("\"rank 2 on host vm died by 4.1 s; the results stop at the last checkpoint (running: 3)\"");
    set(d, "requests.completed", "16769");
    set(d, "requests.in_flight", "12");
    expect(d, 0, 1, "incomplete: the file was written while the run was going (rank 2 on host vm died");
    /* A run a signal stopped, whole as far as it went: where it stopped. */
    expect(incomplete("\"stopped by a signal 3.2 s into the 10 s measured window\""), 0, 1,
           "the run was stopped before its end (stopped by a signal 3.2 s into the 10 s measured window)");
}

static void requests_must_add_up(void **state)
{
    (void)state;
    cJSON *d = doc();
    set(d, "requests.completed", "16700");
    expect(d, 0, 1, "do not add up");
    d = doc();
    set(d, "requests.completed", "16771");
    set(d, "requests.lost", "10");
    expect(d, 0, 1, "10 requests were lost");
}

static void throughput_stays_under_the_offered_load_and_the_capacity(void **state)
{
    (void)state;
    cJSON *d = doc();
    /* 2100 offered over 8 s: 5% plus three Poisson deviations is 2153. */
    set(d, "throughput_rps", "2150");
    set(d, "in_system_mean", "5.14");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "throughput_rps", "2400");
    set(d, "in_system_mean", "5.74");
    expect(d, 0, 1, "above the offered 2100");
    /* 3000 of capacity over 8 s: 5% plus three Poisson deviations is 3208. */
    d = doc();
    set(d, "offered_rps", "4000");
    set(d, "throughput_rps", "3200");
    set(d, "in_system_mean", "7.7");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "offered_rps", "4000");
    set(d, "throughput_rps", "3300");
    set(d, "in_system_mean", "7.9");
    expect(d, 0, 1, "above the model's capacity 3000");
}

static void littles_law_is_checked_in_a_steady_run_only(void **state)
{
    (void)state;
    cJSON *d = doc();
    set(d, "in_system_mean", "6.5"); /* X R = 5.02 */
    expect(d, 0, 1, "Little's law does not hold");
    /* Overloaded: throughput well under the offered load. */
    d = doc();
    set(d, "in_system_mean", "60");
    set(d, "offered_rps", "4000");
    expect(d, 0, 0, NULL);
    /* A flash crowd changes the load on purpose. */
    d = doc();
    set(d, "in_system_mean", "60");
    set(d, "scenario.load.schedule", "[{\"at_s\":0,\"rate_rps\":1000},{\"at_s\":2,\"rate_rps\":6000}]");
    expect(d, 0, 0, NULL);
    /* Overloaded for a while (the results say when). */
    d = doc();
    set(d, "in_system_mean", "60");
    set(d, "overload", "{\"from_s\":2,\"to_s\":3}");
    expect(d, 0, 0, NULL);
    /* Results from before the field existed are not faulted for it. */
    d = doc();
    cJSON_DeleteItemFromObjectCaseSensitive(d, "in_system_mean");
    expect(d, 0, 0, NULL);
}

static void the_warm_up_and_the_window_must_fit_the_load(void **state)
{
    (void)state;
    /* 70% busy, 2.4 ms mean: settles in about 2.4 * 1.84 / 0.16 = 27 ms. */
    cJSON *d = doc();
    set(d, "scenario.load.warmup_s", "0");
    expect(d, 0, 1, "warm-up (0 s) is shorter");
    /* 95% busy, 20 ms mean (M/M/1): settles in about 20 * 1.97 / 0.025 =
     * 1.6 s, so 8 s measure barely 5 settling times. */
    d = doc();
    set(d, "latency_us.mean", "20000");
    set(d, "in_system_mean", "42");
    set(d, "nodes", "[{\"utilization\":0.95}]");
    set(d, "scenario.load.warmup_s", "2");
    expect(d, 0, 1, "window (8 s) is short");
    /* A node busy 99% of the time has no steady state to check. */
    d = doc();
    set(d, "latency_us.mean", "400000");
    set(d, "nodes", "[{\"utilization\":0.99}]");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "latency_us.count", "500");
    expect(d, 0, 1, "only 500 requests");
}

static void a_starved_cpu_is_flagged(void **state)
{
    (void)state;
    cJSON *d = doc();
    set(d, "service_us.inflation", "1.2");
    expect(d, 0, 1, "1.20x what was requested");
    /* In virtual time that is model.node_overhead_us: no CPU to blame. */
    d = doc();
    set(d, "service_us.inflation", "1.2");
    set(d, "scenario.run", "{\"engine\":\"virtual\"}");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "bottleneck", "\"host_cpu\"");
    expect(d, 0, 1, "host_cpu");
    d = doc();
    set(d, "scenario.dispatch.cost_us", "250");
    set(d, "coordinator.per_request_us", "264");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "scenario.dispatch.cost_us", "250");
    set(d, "coordinator.per_request_us", "420");
    expect(d, 0, 1, "took 420 us per request");
    /* Under relays the relays pay dispatch.cost_us, rank 0 little. */
    d = doc();
    set(d, "scenario.dispatch.cost_us", "250");
    set(d, "coordinator.per_request_us", "2");
    set(d, "relays", "[{\"per_request_us\":262},{\"per_request_us\":410}]");
    expect(d, 0, 1, "the relays took 410 us per request");
    d = doc();
    set(d, "scenario.dispatch.cost_us", "250");
    set(d, "coordinator.per_request_us", "2");
    set(d, "relays", "[{\"per_request_us\":262},{\"per_request_us\":255}]");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "scenario.service.mode", "\"spin\"");
    expect(d, 0, 1, "spin");
    d = doc();
    set(d, "scenario.service.mode", "\"spin\"");
    set(d, "mpi.oversubscribed", "false");
    expect(d, 0, 0, NULL);
}

static void every_sweep_step_is_checked(void **state)
{
    (void)state;
    cJSON *d = doc();
    set(d, "sweep",
        "[{\"nodes\":1,\"offered_rps\":991,\"throughput_rps\":991,\"service_inflation\":1.0,"
        "\"coordinator_per_request_us\":3,\"bottleneck\":\"service_nodes\"},"
        "{\"nodes\":2,\"offered_rps\":1900,\"throughput_rps\":1950,\"service_inflation\":1.3,"
        "\"coordinator_per_request_us\":3,\"bottleneck\":\"service_nodes\"}]");
    expect(d, 0, 1, "sweep step 2 (2 nodes): delivered service was 1.30x");
    /* A step with relays: theirs is the cost that pays dispatch.cost_us. */
    d = doc();
    set(d, "scenario.dispatch.cost_us", "250");
    set(d, "sweep",
        "[{\"nodes\":2,\"relays\":2,\"offered_rps\":1900,\"throughput_rps\":1900,\"service_inflation\":1.0,"
        "\"coordinator_per_request_us\":3,\"relay_per_request_us\":400,\"bottleneck\":\"relays\"}]");
    expect(d, 0, 1, "sweep step 1 (2 nodes): the relays took 400 us per request");
    /* ... and in a file from before the rows had it, where it was the
     * coordinator's field. */
    d = doc();
    set(d, "scenario.dispatch.cost_us", "250");
    set(d, "sweep",
        "[{\"nodes\":2,\"relays\":2,\"offered_rps\":1900,\"throughput_rps\":1900,\"service_inflation\":1.0,"
        "\"coordinator_per_request_us\":400,\"bottleneck\":\"relays\"}]");
    expect(d, 0, 1, "sweep step 1 (2 nodes): the relays took 400 us per request");
}

static void a_lab_takes_its_own_scenarios_only(void **state)
{
    (void)state;
    expect_refused(doc(), 3, "not one of lab 3's (policy-shootout)");
    expect_refused(doc(), 7, "no lab 7");
    cJSON *d = cJSON_Parse("{\"name\":\"x\"}");
    expect_refused(d, 0, "not a clustersim results file");
    d = doc();
    set(d, "scenario.name", "\"ticket-rush\"");
    expect(d, 4, 1, "load.schedule is gone");
    assert_string_equal(cs_labcheck_scenarios(2), "coordinator-knee");
    assert_string_equal(cs_labcheck_scenarios(0), "");
}

static void a_lab_setup_changed_by_accident_is_flagged(void **state)
{
    (void)state;
    cJSON *d = doc();
    set(d, "scenario.name", "\"policy-shootout\"");
    set(d, "scenario.nodes.speed", "[2,1,0.5]");
    expect(d, 3, 0, NULL);
    d = doc();
    set(d, "scenario.name", "\"policy-shootout\"");
    set(d, "scenario.nodes.speed", "[1,1,1]");
    expect(d, 3, 1, "same speed");
    d = doc();
    set(d, "scenario.name", "\"coordinator-knee\"");
    expect(d, 2, 1, "dispatch.cost_us is 0");
    d = doc();
    set(d, "scenario.name", "\"ticket-rush-admission\"");
    set(d, "scenario.load.schedule", "[{\"at_s\":0,\"rate_rps\":1000},{\"at_s\":2,\"rate_rps\":6000}]");
    set(d, "scenario.dispatch.max_pending", "1000000");
    expect(d, 4, 1, "keeps the scenario's 30");
    /* The crowd flattened to what the nodes serve: no overload to see. */
    d = doc();
    set(d, "scenario.name", "\"ticket-rush\"");
    set(d, "scenario.load.schedule", "[{\"at_s\":0,\"rate_rps\":1000},{\"at_s\":2,\"rate_rps\":1000}]");
    expect(d, 4, 1, "peaks at 1000 req/s, not above the nodes' capacity");
    /* A virtual run is a prediction: sound as such (no lab), not a lab's
     * measurement. */
    d = doc();
    set(d, "scenario.run", "{\"engine\":\"virtual\"}");
    expect(d, 0, 0, NULL);
    d = doc();
    set(d, "scenario.name", "\"policy-shootout\"");
    set(d, "scenario.nodes.speed", "[2,1,0.5]");
    set(d, "scenario.run", "{\"engine\":\"virtual\"}");
    expect(d, 3, 1, "a virtual-time prediction (--virtual), not a measurement: lab 3 measures MPI ranks");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_sound_run_passes),
        cmocka_unit_test(a_run_without_a_steady_state_says_why_it_was_not_checked),
        cmocka_unit_test(a_stopped_run_is_flagged),
        cmocka_unit_test(requests_must_add_up),
        cmocka_unit_test(throughput_stays_under_the_offered_load_and_the_capacity),
        cmocka_unit_test(littles_law_is_checked_in_a_steady_run_only),
        cmocka_unit_test(the_warm_up_and_the_window_must_fit_the_load),
        cmocka_unit_test(a_starved_cpu_is_flagged),
        cmocka_unit_test(every_sweep_step_is_checked),
        cmocka_unit_test(a_lab_takes_its_own_scenarios_only),
        cmocka_unit_test(a_lab_setup_changed_by_accident_is_flagged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
