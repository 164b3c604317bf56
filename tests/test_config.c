#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/config.h"
#include "cs/policy.h"
#include "cs/scenario.h"

static int parse(struct cs_scenario *s, const char *json, char *err)
{
    return cs_scenario_parse(s, json, strlen(json), err, CS_ERRBUF);
}

/* Parsing must fail, and the message must contain each fragment. */
static void expect_error(const char *json, const char *frag1, const char *frag2)
{
    struct cs_scenario s;
    char err[CS_ERRBUF] = "";
    int rc = parse(&s, json, err);
    if (rc != CS_E_INVALID)
        fail_msg("accepted %s", json);
    if (!strstr(err, frag1) || (frag2 && !strstr(err, frag2)))
        fail_msg("message for %s was: %s", json, err);
}

static void an_empty_object_gives_the_documented_defaults(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{}", err), CS_OK);
    assert_string_equal(s.name, "default");
    assert_int_equal(s.load.arrival, cs_arrival_find("poisson"));
    assert_true(isnan(s.load.rate_rps));
    assert_true(s.load.utilization == 0.7);
    assert_true(s.load.duration_s == 8);
    assert_true(s.load.warmup_s == 1);
    assert_int_equal(s.load.seed, 1);
    assert_int_equal(s.service.time.kind, cs_dist_find("exponential"));
    assert_true(s.service.time.mean_us == 1000);
    assert_int_equal(s.service.mode, CS_MODE_SLEEP);
    assert_int_equal(s.service.servers, 1);
    assert_int_equal(s.dispatch.policy, cs_policy_find("round_robin"));
    assert_true(s.dispatch.cost_us == 0);
    assert_int_equal(s.dispatch.window, 128);
    assert_int_equal(s.dispatch.max_pending, 10000);
    assert_true(s.run.drain_timeout_s == 30);
}

static void the_embedded_default_scenario_is_valid(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, cs_default_scenario_json, err), CS_OK);
    /* 3 nodes at 70% of 1 ms service: 2100 req/s. */
    assert_close(cs_scenario_rate(&s, 3), 2100.0, 1e-12);
}

static void every_key_is_read(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    const char *json = "{\"name\":\"x\",\"description\":\"d\",\"load\":{\"arrival\":\"constant\",\"rate_rps\":123.5,"
                       "\"utilization\":0.2,\"duration_s\":2,\"warmup_s\":0,\"seed\":99},"
                       "\"service\":{\"time\":{\"dist\":\"lognormal\",\"mean_us\":50,\"cv\":2},\"mode\":\"spin\","
                       "\"servers\":4},\"dispatch\":{\"policy\":\"random\",\"cost_us\":3.5,\"window\":7,"
                       "\"max_pending\":0},\"run\":{\"drain_timeout_s\":5,\"idle_poll_us\":20}}";
    assert_int_equal(parse(&s, json, err), CS_OK);
    assert_string_equal(s.name, "x");
    assert_string_equal(s.description, "d");
    assert_int_equal(s.load.arrival, cs_arrival_find("constant"));
    assert_true(s.load.rate_rps == 123.5);
    assert_true(s.load.utilization == 0.2); /* read, though the rate given wins */
    assert_true(s.load.duration_s == 2);
    assert_true(s.load.warmup_s == 0);
    assert_true(s.service.time.mean_us == 50);
    assert_true(s.dispatch.cost_us == 3.5);
    assert_true(s.run.drain_timeout_s == 5);
    assert_close(cs_scenario_rate(&s, 10), 123.5, 1e-12);
    assert_int_equal(s.load.seed, 99);
    assert_int_equal(s.service.time.kind, cs_dist_find("lognormal"));
    assert_true(s.service.time.cv == 2);
    assert_int_equal(s.service.mode, CS_MODE_SPIN);
    assert_int_equal(s.service.servers, 4);
    assert_int_equal(s.dispatch.policy, cs_policy_find("random"));
    assert_int_equal(s.dispatch.window, 7);
    assert_int_equal(s.dispatch.max_pending, 0);
    assert_true(s.run.idle_poll_us == 20);
}

/* A scenario printed (--print-config) parses back to the same values:
 * two scenarios between them set nearly every key away from its default
 * (the open loop's and the closed loop's keys exclude each other). */
static void the_printed_scenario_parses_back_to_the_same_values(void **state)
{
    (void)state;
    const char *scenarios[] = {
        "{\"name\":\"rich\",\"description\":\"every key away from its default\",\"load\":{\"arrival\":\"poisson\","
        "\"rate_rps\":1234.5,\"utilization\":0.4,\"duration_s\":3,\"warmup_s\":0.25,\"seed\":77,\"schedule\":[{\"at_"
        "s\":0,"
        "\"rate_rps\":1000},{\"at_s\":1.5,\"rate_rps\":2000}]},\"service\":{\"time\":{\"dist\":\"lognormal\",\"mean_"
        "us\":700,"
        "\"cv\":1.5},\"mode\":\"spin\",\"servers\":2},\"dispatch\":{\"policy\":\"power_of_d\",\"cost_us\":3,"
        "\"message_cost_us\":1.5,\"cost_mode\":\"sleep\",\"batch\":4,\"batch_wait_us\":20,\"dispatchers\":2,"
        "\"partition\":\"sharded\",\"window\":64,\"max_pending\":500,\"d\":3,\"down_after\":2,\"probe_ms\":100,"
        "\"timeout_ms\":40,\"retries\":2,\"retry_budget\":0.2,\"hedge_after_us\":5000,\"hedge_budget\":0.05},"
        "\"nodes\":{\"speed\":[1,0.5,2,1],\"servers\":[2,1,1,3],\"queue_capacity\":50},\"run\":{\"drain_timeout_s\":10,"
        "\"idle_poll_us\":30,\"interval_ms\":250,\"checkpoint_s\":5,\"stop_grace_s\":1,\"engine\":\"virtual\","
        "\"nodes\":4},"
        "\"network\":{\"latency_us\":15},\"model\":{\"coordinator_request_us\":2,\"coordinator_message_us\":1,"
        "\"node_overhead_us\":4},\"faults\":[{\"rank\":3,\"at_s\":1,\"kind\":\"slow\",\"factor\":4,\"for_s\":0.5},"
        "{\"rank\":4,\"at_s\":2,\"kind\":\"stop\"}],\"sweep\":{\"nodes\":[1,2,4],\"clients_per_server\":6,"
        "\"dispatchers\":[1,2]}}",
        "{\"name\":\"rich2\",\"load\":{\"arrival\":\"closed\",\"clients\":12,\"think_us\":{\"dist\":\"exponential\","
        "\"mean_us\":300},\"seed\":5},\"dispatch\":{\"policy\":\"pull\",\"prefetch\":2,\"relays\":1,"
        "\"hedge_percentile\":95},\"sweep\":{\"mode\":\"weak\",\"nodes\":[1,2]}}",
        "{\"sweep\":{\"rates_rps\":[100,200,300]}}",
    };
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        struct cs_scenario a, b;
        char err[CS_ERRBUF];
        if (parse(&a, scenarios[i], err) != CS_OK)
            fail_msg("scenario %zu: %s", i, err);
        char *text = cs_scenario_to_json(&a);
        assert_non_null(text);
        if (parse(&b, text, err) != CS_OK)
            fail_msg("scenario %zu printed: %s", i, err);
        assert_memory_equal(&a, &b, sizeof(a));
        free(text);
    }
}

static void diff_names_the_first_key_that_differs(void **state)
{
    (void)state;
    static struct cs_scenario a, b;
    char err[CS_ERRBUF];
    const char *json = "{\"load\":{\"seed\":7},\"nodes\":{\"speed\":{\"default\":1,\"2\":0.5}},"
                       "\"sweep\":{\"nodes\":[1,2,4]},\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"stop\"}]}";
    assert_int_equal(parse(&a, json, err), CS_OK);
    assert_int_equal(parse(&b, json, err), CS_OK);
    assert_null(cs_scenario_diff(&a, &b));
    b.load.seed = 8;
    assert_string_equal(cs_scenario_diff(&a, &b), "load.seed");
    b.load.seed = 7;
    b.nodes.speed.at[0].value = 0.25;
    assert_string_equal(cs_scenario_diff(&a, &b), "nodes.speed");
    b.nodes.speed.at[0].value = 0.5;
    b.sweep.nodes_n = 2;
    assert_string_equal(cs_scenario_diff(&a, &b), "sweep.nodes");
    b.sweep.nodes_n = 3;
    b.faults[0].at_s = 2;
    assert_string_equal(cs_scenario_diff(&a, &b), "faults");
    b.faults[0].at_s = 1;
    /* What no run reads and the printed scenario leaves out does not count:
     * entries past a list's length, a stop fault's factor, an exponential's
     * cv; an unset (NAN) value equals another. */
    b.sweep.nodes[5] = 99;
    b.faults[0].factor = 3;
    b.service.time.cv = 0.5;
    assert_true(isnan(a.load.rate_rps) && isnan(b.load.rate_rps));
    assert_null(cs_scenario_diff(&a, &b));
}

static void numbers_print_and_compose_to_the_last_bit(void **state)
{
    (void)state;
    static struct cs_scenario a, b;
    char err[CS_ERRBUF];
    /* cJSON 1.7.15 alone prints these as 9.00719925474099e+15 and 0.3. */
    assert_int_equal(parse(&a, "{\"load\":{\"seed\":9007199254740991,\"utilization\":0.30000000000000004}}", err),
                     CS_OK);
    char *text = cs_scenario_to_json(&a);
    assert_non_null(text);
    assert_non_null(strstr(text, "9007199254740991"));
    assert_int_equal(parse(&b, text, err), CS_OK);
    assert_null(cs_scenario_diff(&a, &b));
    assert_true(b.load.seed == 9007199254740991ull);
    assert_true(b.load.utilization == 0.1 + 0.2);
    free(text);
    /* What --set gives reaches the run unchanged. */
    const char *sets[] = {"load.seed=9007199254740991", "load.utilization=0.30000000000000004"};
    assert_int_equal(cs_scenario_compose(NULL, sets, 2, &text, err, sizeof(err)), CS_OK);
    assert_int_equal(parse(&b, text, err), CS_OK);
    assert_true(b.load.seed == 9007199254740991ull);
    assert_true(b.load.utilization == 0.1 + 0.2);
    free(text);
}

static void syntax_errors_give_line_and_column(void **state)
{
    (void)state;
    expect_error("{\n  \"load\": {\n    \"rate_rps\": ,\n", "line 3, column", NULL);
    expect_error("", "empty input", NULL);
    expect_error("[1, 2]", "expected a JSON object at the top level", "an array");
}

static void text_that_is_not_utf8_is_refused_where_it_breaks(void **state)
{
    (void)state;
    expect_error("{\"name\": \"caf\xe9\"}", "byte 0xe9 at line 1, column 14 is not UTF-8", NULL);
    expect_error("{\n\"name\": \"\xc0\xaf\"}", "byte 0xc0 at line 2, column 10", NULL); /* overlong */
    expect_error("{\"name\": \"\xed\xa0\x80\"}", "byte 0xed", NULL);                    /* a surrogate */
    struct cs_scenario s;
    char err[CS_ERRBUF];
    const char nul[] = "{\"name\": \"a\0b\"}";
    assert_int_equal(cs_scenario_parse(&s, nul, sizeof(nul) - 1, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "byte 0x00"));
    assert_int_equal(parse(&s, "{\"name\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", err), CS_OK);
    assert_int_equal(parse(&s, "\xef\xbb\xbf{\"name\": \"bom\"}", err), CS_OK); /* a byte-order mark is fine */
}

static void deep_nesting_is_refused_not_crashed_on(void **state)
{
    (void)state;
    char deep[5000];
    size_t n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"load\":", 7);
    n += 7;
    for (int i = 0; i < 2000; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    expect_error(deep, "nested deeper than 1000 arrays and objects, at line 1, column 1008", NULL);
    /* Brackets in a string are not nesting: a plain syntax error there. */
    expect_error("{\"name\": \"[[[[\", \"load\": [1,", "invalid JSON at line 1", NULL);
}

static void unknown_keys_are_named_with_the_known_ones(void **state)
{
    (void)state;
    expect_error("{\"lod\": {}}", "'lod': unknown key", "load");
    expect_error("{\"load\": {\"rate\": 5}}", "'load.rate': unknown key", "rate_rps");
    expect_error("{\"service\": {\"time\": {\"dist\": \"constant\", \"mean\": 5}}}", "'service.time.mean'", NULL);
    expect_error("{\"load\": {\"rate_rps\": 5, \"rate_rps\": 6}}", "'load.rate_rps': given twice", NULL);
}

static void wrong_types_are_named_with_the_value(void **state)
{
    (void)state;
    expect_error("{\"load\": {\"rate_rps\": \"fast\"}}", "'load.rate_rps': expected a number", "\"fast\"");
    expect_error("{\"load\": 5}", "'load': expected an object", "5");
    expect_error("{\"name\": 5}", "'name': expected a string", NULL);
    expect_error("{\"service\": {\"servers\": 1.5}}", "'service.servers': expected a whole number", "1.5");
    expect_error("{\"service\": {\"time\": 1000}}", "'service.time': expected a distribution object", NULL);
    expect_error("{\"load\": {\"duration_s\": null}}", "'load.duration_s'", "null");
}

static void out_of_range_values_are_named_with_the_bounds(void **state)
{
    (void)state;
    expect_error("{\"load\": {\"rate_rps\": -5}}", "'load.rate_rps': value -5 is out of range", ">= 0");
    expect_error("{\"load\": {\"duration_s\": 0}}", "'load.duration_s': value 0 is out of range", "> 0");
    /* A time the engines would round to none (a timeout of 1e-7 ms was
     * "no timeout"); a nanosecond is one. */
    expect_error("{\"dispatch\": {\"timeout_ms\": 1e-7}}",
                 "'dispatch.timeout_ms': value 1e-07 is less than a nanosecond", "at least 1e-06, or 0");
    expect_error("{\"load\": {\"duration_s\": 1e-12}}", "'load.duration_s': value 1e-12 is less than a nanosecond",
                 "at least 1e-09)");
    expect_error("{\"network\": {\"latency_us\": 0.0004}}", "'network.latency_us'", "less than a nanosecond");
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{\"dispatch\": {\"timeout_ms\": 1e-6}, \"network\": {\"latency_us\": 0}}", err), CS_OK);
    expect_error("{\"load\": {\"rate_rps\": 1e400}}", "'load.rate_rps': the number is above 1.8e308, too large", NULL);
    expect_error("{\"load\": {\"rate_rps\": -1e400}}", "'load.rate_rps': the number is below -1.8e308", NULL);
    expect_error("{\"service\": {\"servers\": 0}}", "'service.servers'", "out of range");
    expect_error("{\"dispatch\": {\"window\": 1e12}}", "'dispatch.window'", "out of range");
    expect_error("{\"service\": {\"time\": {\"dist\": \"exponential\", \"mean_us\": -1}}}", "'service.time.mean_us'",
                 "out of range");
    expect_error("{\"service\": {\"time\": {\"dist\": \"uniform\", \"cv\": 0.9}}}", "'service.time.cv'",
                 "out of range");
}

static void keys_that_need_another_say_which(void **state)
{
    (void)state;
    expect_error("{\"dispatch\": {\"retries\": 2}}", "'dispatch.retries': 2 needs dispatch.timeout_ms", "which is 0");
    expect_error("{\"dispatch\": {\"down_after\": 3}}", "'dispatch.down_after': 3 needs dispatch.timeout_ms", NULL);
    expect_error("{\"dispatch\": {\"hedge_after_us\": 500, \"hedge_percentile\": 95}}",
                 "'dispatch.hedge_after_us' (500) and 'dispatch.hedge_percentile' (95)", "one or the other");
    expect_error("{\"dispatch\": {\"hedge_percentile\": 100}}", "'dispatch.hedge_percentile'", "out of range");
    expect_error("{\"dispatch\": {\"retries\": -1, \"timeout_ms\": 5}}", "'dispatch.retries'", "out of range");
    expect_error("{\"dispatch\": {\"batch\": 0}}", "'dispatch.batch'", "out of range");
    expect_error("{\"dispatch\": {\"dispatchers\": 0}}", "'dispatch.dispatchers'", "out of range");
    expect_error("{\"dispatch\": {\"dispatchers\": 2}, \"load\": {\"arrival\": \"trace\"}}",
                 "'dispatch.dispatchers': 2 dispatchers cannot share a trace", NULL);
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{\"dispatch\": {\"retries\": 2, \"timeout_ms\": 5, \"hedge_percentile\": 99}}", err),
                     CS_OK);
    assert_int_equal(s.dispatch.retries, 2);
    assert_true(s.dispatch.hedge_percentile == 99);
}

/* With k dispatchers the service nodes are ranks k, k+1, ...: lists give
 * them in that order, overrides and faults name their ranks, and a
 * sharded dispatcher owns a block of nodes that differs from the others'
 * by one at most. */
static void with_several_dispatchers_nodes_start_after_them(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s,
                           "{\"dispatch\":{\"dispatchers\":3,\"partition\":\"sharded\"},"
                           "\"nodes\":{\"speed\":[1,2,4,8,16]}}",
                           err),
                     CS_OK);
    assert_int_equal(cs_first_node(&s), 3);
    assert_true(cs_node_speed(&s, 3) == 1 && cs_node_speed(&s, 7) == 16);
    assert_int_equal(cs_scenario_check_nodes(&s, 5, err, sizeof(err)), CS_OK);
    assert_close(cs_scenario_capacity_rps(&s, 5), 31000, 1e-12); /* (1+2+4+8+16) x 1000 */
    int first, count, total = 0;
    for (int d = 0; d < 3; d++) {
        cs_dispatcher_nodes(&s, d, 5, &first, &count);
        assert_int_equal(first, total);
        assert_true(count == 1 || count == 2);
        total += count;
    }
    assert_int_equal(total, 5);
    assert_int_equal(cs_scenario_check_nodes(&s, 2, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'dispatch.dispatchers' (3) and 'dispatch.partition' (\"sharded\")"));

    assert_int_equal(parse(&s, "{\"dispatch\":{\"dispatchers\":2},\"nodes\":{\"servers\":{\"1\":4}}}", err), CS_OK);
    cs_dispatcher_nodes(&s, 1, 6, &first, &count);
    assert_true(first == 0 && count == 6); /* shared: every node */
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "no service node of rank 1 (ranks 2 to 5)"));
    assert_int_equal(parse(&s,
                           "{\"dispatch\":{\"dispatchers\":2},\"faults\":[{\"rank\":1,\"at_s\":1,"
                           "\"kind\":\"stop\"}]}",
                           err),
                     CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'faults[0].rank': there is no service node of rank 1 (ranks 2 to 5)"));
    /* A node's mean service must fit a run's clock, speed and a slow
     * fault's factor applied: each in range alone, too slow together (a
     * node of speed 1e-13 served in no time). The slowest allowed is
     * accepted. */
    assert_int_equal(parse(&s, "{\"nodes\":{\"speed\":{\"default\":1,\"3\":1e-13}}}", err), CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'nodes.speed' (1e-13): node 3 would serve a request in 1e+16 us"));
    assert_int_equal(parse(&s, "{\"nodes\":{\"speed\":1e-9}}", err), CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_OK);
    assert_int_equal(parse(&s,
                           "{\"service\":{\"time\":{\"mean_us\":1e9}},\"nodes\":{\"speed\":[1,0.5]},"
                           "\"faults\":[{\"rank\":2,\"at_s\":1,\"kind\":\"slow\",\"factor\":1000}]}",
                           err),
                     CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 2, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'faults[0].factor' (1000): node 2 would serve a request in 2e+12 us"));
    assert_int_equal(parse(&s,
                           "{\"nodes\":{\"speed\":{\"default\":1,\"2\":1e-13}},"
                           "\"faults\":[{\"rank\":2,\"at_s\":1,\"kind\":\"slow\",\"factor\":2}]}",
                           err),
                     CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 2, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'nodes.speed' (1e-13): node 2")); /* the speed is the cause, not the fault */
}

static void unknown_names_list_the_choices(void **state)
{
    (void)state;
    expect_error("{\"dispatch\": {\"policy\": \"fastest\"}}", "'dispatch.policy': unknown value \"fastest\"",
                 "round_robin, random, least_outstanding, power_of_d, pull");
    expect_error("{\"load\": {\"arrival\": \"bursty\"}}", "'load.arrival'", "poisson, constant, closed, trace");
    expect_error("{\"service\": {\"mode\": \"nap\"}}", "'service.mode'", "sleep, spin");
    expect_error("{\"service\": {\"time\": {\"dist\": \"pareto\"}}}", "'service.time.dist'", "lognormal");
    expect_error("{\"service\": {\"time\": {\"dist\": \"exponential\", \"cv\": 2}}}", "has no cv", NULL);
}

static void a_null_rate_means_derive_it_from_utilization(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s,
                           "{\"load\":{\"rate_rps\":null,\"utilization\":0.5},\"service\":{\"servers\":2,"
                           "\"time\":{\"dist\":\"constant\",\"mean_us\":2000}}}",
                           err),
                     CS_OK);
    assert_close(cs_scenario_rate(&s, 4), 0.5 * 4 * 2 / 0.002, 1e-12);
}

static void set_overrides_apply_in_order_and_read_json_or_strings(void **state)
{
    (void)state;
    const char *sets[] = {"load.rate_rps=500",
                          "dispatch.policy=random",
                          "name=my run",
                          "load.rate_rps=700",
                          "service.time={\"dist\":\"constant\",\"mean_us\":20}",
                          "service.time.mean_us=30",
                          "description=true"};
    char *text = NULL, err[CS_ERRBUF];
    assert_int_equal(cs_scenario_compose(NULL, sets, 7, &text, err, sizeof(err)), CS_OK);
    struct cs_scenario s;
    assert_int_equal(parse(&s, text, err), CS_OK);
    assert_true(s.load.rate_rps == 700);
    assert_int_equal(s.dispatch.policy, cs_policy_find("random"));
    assert_string_equal(s.name, "my run");
    assert_int_equal(s.service.time.kind, cs_dist_find("constant"));
    assert_true(s.service.time.mean_us == 30);
    assert_string_equal(s.description, "true"); /* text as typed, not JSON's true */
    free(text);
    /* A name that reads as a number is the name as typed, quoted or not. */
    const char *year[] = {"name=2024"}, *quoted[] = {"name=\"2024\""};
    assert_int_equal(cs_scenario_compose(NULL, year, 1, &text, err, sizeof(err)), CS_OK);
    assert_int_equal(parse(&s, text, err), CS_OK);
    assert_string_equal(s.name, "2024");
    free(text);
    assert_int_equal(cs_scenario_compose(NULL, quoted, 1, &text, err, sizeof(err)), CS_OK);
    assert_int_equal(parse(&s, text, err), CS_OK);
    assert_string_equal(s.name, "2024");
    free(text);
}

/* A scenario file holding body, in path (a mkstemp template). */
static void write_temp(char *path, const char *body)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
}

/* A file whose keys need another that --set gives (retries, then the
 * timeout they follow) is judged whole, with the --set values; alone it
 * is refused, naming the file. */
static void set_overrides_complete_a_file_before_its_keys_are_combined(void **state)
{
    (void)state;
    char path[] = "/tmp/cs_compose_XXXXXX";
    write_temp(path, "{\"dispatch\": {\"retries\": 1, \"dispatchers\": 2}}");
    char *text = NULL, err[CS_ERRBUF];
    const char *timeout[] = {"dispatch.timeout_ms=100"};
    assert_int_equal(cs_scenario_compose(path, timeout, 1, &text, err, sizeof(err)), CS_OK);
    struct cs_scenario s;
    assert_int_equal(parse(&s, text, err), CS_OK);
    assert_int_equal(s.dispatch.retries, 1);
    assert_true(s.dispatch.timeout_ms == 100);
    free(text);
    text = NULL;
    assert_int_equal(cs_scenario_compose(path, NULL, 0, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "'dispatch.retries': 1 needs dispatch.timeout_ms"));
    /* Keys that combine wrongly only with a --set are not the file's. */
    char plain[] = "/tmp/cs_compose_XXXXXX";
    write_temp(plain, "{\"name\": \"x\"}");
    const char *retries[] = {"dispatch.retries=2"};
    assert_int_equal(cs_scenario_compose(plain, retries, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_null(strstr(err, plain));
    assert_non_null(strstr(err, "'dispatch.retries': 2 needs dispatch.timeout_ms"));
    unlink(plain);
    /* A --set value out of range is the --set's, not the file's. */
    const char *bad[] = {"dispatch.timeout_ms=-1"};
    assert_int_equal(cs_scenario_compose(path, bad, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_null(strstr(err, path));
    assert_non_null(strstr(err, "'dispatch.timeout_ms': value -1 is out of range"));
    unlink(path);
}

static void bad_set_overrides_are_reported(void **state)
{
    (void)state;
    char *text = NULL, err[CS_ERRBUF];
    const char *nokey[] = {"=5"};
    assert_int_equal(cs_scenario_compose(NULL, nokey, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "expected key.path=value"));
    const char *unknown[] = {"load.rat=5"};
    assert_int_equal(cs_scenario_compose(NULL, unknown, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'load.rat': unknown key"));
    const char *through[] = {"name.x=5"};
    assert_int_equal(cs_scenario_compose(NULL, through, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'name' is not an object"));
    const char *nan[] = {"load.rate_rps=nan"};
    assert_int_equal(cs_scenario_compose(NULL, nan, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "expected a number, got a string \"nan\""));
    const char *arr[] = {"load.rate_rps=[1,2,4]"};
    assert_int_equal(cs_scenario_compose(NULL, arr, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "got an array [1,2,4]"));
    const char *empty[] = {"load..rate_rps=1"};
    assert_int_equal(cs_scenario_compose(NULL, empty, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "empty segment"));
    /* A value is JSON and nothing after it: not the 1 of "1,000", nor a
     * list with a bracket too many; blanks around it are fine. */
    const char *thousand[] = {"load.rate_rps=1,000"};
    assert_int_equal(cs_scenario_compose(NULL, thousand, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'load.rate_rps': expected a number, got a string \"1,000\""));
    const char *brackets[] = {"sweep.nodes=[1,2]]"};
    assert_int_equal(cs_scenario_compose(NULL, brackets, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.nodes'"));
    const char *blanks[] = {"load.rate_rps= 500 "};
    assert_int_equal(cs_scenario_compose(NULL, blanks, 1, &text, err, sizeof(err)), CS_OK);
    assert_non_null(strstr(text, "500"));
    free(text);
}

static void files_that_cannot_be_read_are_named(void **state)
{
    (void)state;
    char *text = NULL, err[CS_ERRBUF];
    assert_int_equal(cs_scenario_compose("/nonexistent/s.json", NULL, 0, &text, err, sizeof(err)), CS_E_IO);
    assert_non_null(strstr(err, "'/nonexistent/s.json'"));
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(cs_scenario_compose("/tmp", NULL, 0, &text, err, sizeof(err)), CS_E_IO);
    assert_non_null(strstr(err, "not a regular file"));
}

/* A name given twice anywhere (a distribution, per-node overrides, by
 * rank, a fault) is refused, as at the top: cJSON keeps both, and which
 * one counted was the reader's choice. A dotted name would read as the
 * nested key beside it. */
static void a_name_is_given_once(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":5,\"mean_us\":7}}}", err),
                     CS_E_INVALID);
    assert_non_null(strstr(err, "'service.time.mean_us': given twice"));
    assert_int_equal(parse(&s, "{\"nodes\":{\"speed\":{\"default\":1,\"2\":0.5,\"02\":4}}}", err), CS_E_INVALID);
    assert_non_null(strstr(err, "service node 2 given twice"));
    assert_int_equal(parse(&s, "{\"faults\":[{\"rank\":2,\"rank\":3,\"at_s\":1,\"kind\":\"stop\"}]}", err),
                     CS_E_INVALID);
    assert_non_null(strstr(err, "'faults[0].rank': given twice"));
    assert_int_equal(parse(&s, "{\"load\":{\"rate_rps\":100},\"load.rate_rps\":200}", err), CS_E_INVALID);
    assert_non_null(strstr(err, "'load.rate_rps': a name with a dot"));
    /* Among many names (looked at sorted, not each against all), the one
     * whose second time comes first. */
    char many[1024] = "{";
    for (int i = 0; i < 40; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "\"k%d\": %d, ", i, i);
    snprintf(many + strlen(many), sizeof(many) - strlen(many), "\"k31\": 1, \"k2\": 2}");
    assert_int_equal(parse(&s, many, err), CS_E_INVALID);
    assert_non_null(strstr(err, "'k31': given twice"));
}

/* A string that escapes a NUL would end there ("poisson\u0000junk" read as
 * poisson, a path as the part before it): refused, in a file and a --set;
 * an escaped backslash before "u0000" is no NUL. */
static void a_nul_in_a_string_is_refused(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF], *text = NULL;
    assert_int_equal(parse(&s, "{\"load\": {\"arrival\": \"poisson\\u0000junk\"}}", err), CS_E_INVALID);
    assert_non_null(strstr(err, "\\u0000 (a NUL character) at line 1, column 30"));
    const char *set[] = {"load.trace=\"ok.csv\\u0000.bak\""};
    assert_int_equal(cs_scenario_compose(NULL, set, 1, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "\\u0000 (a NUL character)"));
    assert_int_equal(parse(&s, "{\"name\": \"a\\\\u0000b\"}", err), CS_OK);
    assert_string_equal(s.name, "a\\u0000b");
    /* A --set value that is no JSON is text as typed: its \u0000 is text. */
    const char *typed[] = {"description=see C:\\u0000dir"};
    assert_int_equal(cs_scenario_compose(NULL, typed, 1, &text, err, sizeof(err)), CS_OK);
    assert_non_null(strstr(text, "see C:\\\\u0000dir"));
    free(text);
}

/* Load keys the arrival given does not read are refused, not dropped:
 * a closed loop's rate or schedule, a trace file without trace arrivals. */
static void load_keys_the_arrival_does_not_read_are_refused(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{\"load\":{\"arrival\":\"closed\",\"rate_rps\":5}}", err), CS_E_INVALID);
    assert_non_null(strstr(err, "'load.rate_rps': a closed loop's load is its clients"));
    assert_int_equal(parse(&s, "{\"load\":{\"arrival\":\"closed\",\"schedule\":[{\"at_s\":0,\"rate_rps\":9}]}}", err),
                     CS_E_INVALID);
    assert_non_null(strstr(err, "'load.schedule'"));
    assert_int_equal(parse(&s, "{\"load\":{\"trace\":\"t.csv\"}}", err), CS_E_INVALID);
    assert_non_null(strstr(err, "'load.trace': 't.csv' is replayed only with load.arrival \"trace\""));
    assert_int_equal(parse(&s, "{\"load\":{\"arrival\":\"closed\",\"clients\":4}}", err), CS_OK);
    /* dispatch.d is read by power_of_d alone (as prefetch by pull): given
     * to another policy it was dropped. */
    assert_int_equal(parse(&s, "{\"dispatch\":{\"policy\":\"random\",\"d\":4}}", err), CS_E_INVALID);
    assert_non_null(strstr(err, "'dispatch.d': 4 applies to the power_of_d policy only (dispatch.policy is 'random')"));
    assert_int_equal(parse(&s, "{\"dispatch\":{\"policy\":\"power_of_d\",\"d\":4}}", err), CS_OK);
    /* A trace brings its own times: a rate or a schedule beside it was
     * dropped without a word. */
    assert_int_equal(parse(&s, "{\"load\":{\"arrival\":\"trace\",\"trace\":\"t.csv\",\"rate_rps\":5}}", err),
                     CS_E_INVALID);
    assert_non_null(strstr(err, "'load.rate_rps': a trace's load is its arrival times (load.trace), not a rate"));
    assert_int_equal(parse(&s,
                           "{\"load\":{\"arrival\":\"trace\",\"trace\":\"t.csv\",\"schedule\":[{\"at_s\":0,"
                           "\"rate_rps\":5}]}}",
                           err),
                     CS_E_INVALID);
    assert_non_null(strstr(err, "'load.schedule': a trace's load"));
    /* Clients are shared among the dispatchers: fewer left some idle,
     * and the verdict blamed a coordinator 0% busy. */
    assert_int_equal(
        parse(&s, "{\"load\":{\"arrival\":\"closed\",\"clients\":1},\"dispatch\":{\"dispatchers\":4}}", err),
        CS_E_INVALID);
    assert_non_null(strstr(err, "'load.clients' (1) and 'dispatch.dispatchers' (4)"));
    assert_int_equal(
        parse(&s, "{\"load\":{\"arrival\":\"closed\",\"clients\":4},\"dispatch\":{\"dispatchers\":4}}", err), CS_OK);
}

/* A window below a node's servers keeps the rest idle (except under pull,
 * whose limit is servers x prefetch). */
static void a_window_below_the_servers_is_refused(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{\"dispatch\":{\"window\":2},\"nodes\":{\"servers\":{\"default\":2,\"3\":4}}}", err),
                     CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'dispatch.window' (2): node 3 has 4 servers"));
    assert_non_null(strstr(err, "keep 2 of them idle; give a window of at least 4"));
    /* Each dispatcher has its own window to a node they share: two of 2
     * keep 4 servers busy; sharded, a node has one dispatcher. */
    assert_int_equal(parse(&s, "{\"dispatch\":{\"window\":2,\"dispatchers\":2},\"service\":{\"servers\":4}}", err),
                     CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_OK);
    assert_int_equal(
        parse(&s,
              "{\"dispatch\":{\"window\":2,\"dispatchers\":2,\"partition\":\"sharded\"},\"service\":{\"servers\":4}}",
              err),
        CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'dispatch.window' (2): node 2 has 4 servers"));
    assert_int_equal(parse(&s, "{\"dispatch\":{\"window\":2},\"service\":{\"servers\":2}}", err), CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_OK);
    assert_int_equal(parse(&s, "{\"dispatch\":{\"window\":1,\"policy\":\"pull\"},\"service\":{\"servers\":4}}", err),
                     CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_OK);
}

static void a_file_holds_one_json_value(void **state)
{
    (void)state;
    char path[] = "/tmp/cs_test_configXXXXXX";
    write_temp(path, "{\"load\": {\"rate_rps\": 100}}\n{\"load\": {\"rate_rps\": \"x\"}}\n");
    char *text = NULL, err[CS_ERRBUF];
    assert_int_equal(cs_scenario_compose(path, NULL, 0, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "more after the JSON value, at line 2, column 1"));
    unlink(path);
}

static void a_file_error_names_the_file_and_the_key(void **state)
{
    (void)state;
    char path[] = "/tmp/cs_test_configXXXXXX";
    write_temp(path, "{\"load\": {\"seed\": -1}}");
    char *text = NULL, err[CS_ERRBUF];
    assert_int_equal(cs_scenario_compose(path, NULL, 0, &text, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "'load.seed'"));
    unlink(path);
}

static void per_node_values_come_as_a_number_a_list_or_overrides(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s, "{\"nodes\":{\"speed\":2}}", err), CS_OK);
    assert_true(cs_per_node_value(&s.nodes.speed, 3) == 2);
    assert_int_equal(parse(&s, "{\"nodes\":{\"speed\":[4,1,0.5]}}", err), CS_OK);
    assert_true(cs_per_node_value(&s.nodes.speed, 1) == 4 && cs_per_node_value(&s.nodes.speed, 3) == 0.5);
    assert_int_equal(cs_scenario_check_nodes(&s, 3, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'nodes.speed': the list has 3 entries but the run has 4 service nodes"));
    assert_int_equal(parse(&s,
                           "{\"nodes\":{\"speed\":{\"default\":0.5,\"2\":3},\"servers\":{\"1\":4}},"
                           "\"service\":{\"servers\":2,\"time\":{\"dist\":\"constant\",\"mean_us\":1000}}}",
                           err),
                     CS_OK);
    assert_true(cs_per_node_value(&s.nodes.speed, 1) == 0.5 && cs_per_node_value(&s.nodes.speed, 2) == 3);
    /* Capacity: node 1 has 4 servers at half speed, node 2 two at 3x, node 3 two at half. */
    assert_close(cs_scenario_capacity_rps(&s, 3), (4 * 0.5 + 2 * 3 + 2 * 0.5) * 1000, 1e-12);
    assert_int_equal(cs_scenario_check_nodes(&s, 1, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'nodes.speed.2': there is no service node of rank 2"));
    expect_error("{\"nodes\":{\"speed\":0}}", "'nodes.speed'", "out of range");
    expect_error("{\"nodes\":{\"speed\":{\"x\":1}}}", "'nodes.speed.x'", "a service node's rank");
    expect_error("{\"nodes\":{\"speed\":{\" 3\":1}}}", "'nodes.speed. 3'", "a service node's rank");
    expect_error("{\"nodes\":{\"speed\":{\"+3\":1}}}", "'nodes.speed.+3'", "a service node's rank");
    expect_error("{\"nodes\":{\"speed\":[]}}", "'nodes.speed'", "empty list");
    expect_error("{\"nodes\":{\"speed\":\"fast\"}}", "'nodes.speed'", "overrides by rank");
    expect_error("{\"nodes\":{\"speed\":[1,-2]}}", "'nodes.speed[1]'", "out of range");
}

static void a_schedule_is_checked_and_its_mean_is_the_offered_load(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s,
                           "{\"load\":{\"duration_s\":4,\"warmup_s\":1,\"schedule\":[{\"at_s\":0,\"rate_rps\":100},"
                           "{\"at_s\":2,\"rate_rps\":500},{\"at_s\":4,\"rate_rps\":0}]}}",
                           err),
                     CS_OK);
    assert_int_equal(s.load.schedule_n, 3);
    /* Window 1..5 s: 1 s at 100, 2 s at 500, 1 s at 0. */
    assert_close(cs_scenario_rate(&s, 3), (100 + 1000 + 0) / 4.0, 1e-12);
    expect_error("{\"load\":{\"schedule\":[{\"at_s\":1,\"rate_rps\":5}]}}", "first point must be at 0 s", NULL);
    expect_error("{\"load\":{\"schedule\":[{\"at_s\":0,\"rate_rps\":5},{\"at_s\":0,\"rate_rps\":6}]}}",
                 "'load.schedule[1].at_s'", "not after");
    expect_error("{\"load\":{\"schedule\":[{\"at_s\":0,\"rate\":5}]}}", "'load.schedule[0]'", "rate_rps");
    expect_error("{\"load\":{\"schedule\":[{\"at_s\":0,\"rate_rps\":-5}]}}", "'load.schedule[0].rate_rps'",
                 "out of range");
    expect_error("{\"load\":{\"schedule\":5}}", "'load.schedule'", "non-empty list");
}

static void closed_loop_and_overload_keys_are_read(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s,
                           "{\"load\":{\"arrival\":\"closed\",\"clients\":50,\"think_us\":{\"dist\":\"exponential\","
                           "\"mean_us\":2000}},\"dispatch\":{\"policy\":\"power_of_d\",\"d\":3,\"timeout_ms\":25},"
                           "\"nodes\":{\"queue_capacity\":10},\"run\":{\"interval_ms\":100}}",
                           err),
                     CS_OK);
    assert_int_equal(s.load.clients, 50);
    assert_true(s.load.think.mean_us == 2000);
    assert_int_equal(s.dispatch.d, 3);
    assert_true(s.dispatch.timeout_ms == 25);
    assert_int_equal(s.nodes.queue_capacity, 10);
    assert_true(s.run.interval_ms == 100);
    expect_error("{\"load\":{\"clients\":0}}", "'load.clients'", "out of range");
    /* a closed loop's keys with open arrivals: said, not dropped */
    expect_error("{\"load\":{\"clients\":100}}", "'load.clients'", "load.arrival \"poisson\" reads none");
    expect_error("{\"load\":{\"think_us\":{\"dist\":\"constant\",\"mean_us\":5000}}}", "'load.think_us'",
                 "load.arrival \"poisson\" reads none");
    expect_error("{\"dispatch\":{\"d\":0}}", "'dispatch.d'", "out of range");
    expect_error("{\"dispatch\":{\"timeout_ms\":-1}}", "'dispatch.timeout_ms'", "out of range");
}

static void faults_are_read_and_checked(void **state)
{
    (void)state;
    struct cs_scenario s;
    char err[CS_ERRBUF];
    assert_int_equal(parse(&s,
                           "{\"faults\":[{\"rank\":3,\"at_s\":5,\"kind\":\"slow\",\"factor\":10,\"for_s\":4},"
                           "{\"rank\":2,\"at_s\":8,\"kind\":\"stop\"},{\"rank\":2,\"at_s\":8.5,\"kind\":\"recover\"}]}",
                           err),
                     CS_OK);
    assert_int_equal(s.faults_n, 3);
    assert_int_equal(s.faults[0].kind, CS_FAULT_SLOW);
    assert_true(s.faults[0].factor == 10 && s.faults[0].for_s == 4);
    assert_int_equal(s.faults[1].kind, CS_FAULT_STOP);
    assert_int_equal(cs_scenario_check_nodes(&s, 3, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_scenario_check_nodes(&s, 2, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'faults[0].rank': there is no service node of rank 3"));
    expect_error("{\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"explode\"}]}", "'faults[0].kind'",
                 "slow, stop, recover");
    expect_error("{\"faults\":[{\"at_s\":1,\"kind\":\"stop\"}]}", "'faults[0]': a fault needs rank, at_s and kind",
                 NULL);
    /* A slow fault without a factor changed nothing, and one below 1 made
     * its node faster. */
    expect_error("{\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"slow\"}]}",
                 "'faults[0].factor': a \"slow\" fault needs a factor above 1", "got none");
    expect_error("{\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"slow\",\"factor\":0.5}]}",
                 "'faults[0].factor': a \"slow\" fault needs a factor above 1", "got a number 0.5");
    expect_error("{\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"slow\",\"factor\":0}]}", "'faults[0].factor'",
                 "out of range");
    expect_error("{\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"stop\",\"when\":2}]}", "'faults[0].when': unknown key",
                 NULL);
    expect_error("{\"faults\":{}}", "'faults': expected a list", NULL);
    /* A recover has no length: for_s beside it was read by nothing. */
    expect_error("{\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"recover\",\"for_s\":2}]}",
                 "'faults[0].for_s': a \"recover\" fault has none", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_empty_object_gives_the_documented_defaults),
        cmocka_unit_test(the_embedded_default_scenario_is_valid),
        cmocka_unit_test(every_key_is_read),
        cmocka_unit_test(the_printed_scenario_parses_back_to_the_same_values),
        cmocka_unit_test(diff_names_the_first_key_that_differs),
        cmocka_unit_test(numbers_print_and_compose_to_the_last_bit),
        cmocka_unit_test(syntax_errors_give_line_and_column),
        cmocka_unit_test(text_that_is_not_utf8_is_refused_where_it_breaks),
        cmocka_unit_test(deep_nesting_is_refused_not_crashed_on),
        cmocka_unit_test(unknown_keys_are_named_with_the_known_ones),
        cmocka_unit_test(wrong_types_are_named_with_the_value),
        cmocka_unit_test(out_of_range_values_are_named_with_the_bounds),
        cmocka_unit_test(with_several_dispatchers_nodes_start_after_them),
        cmocka_unit_test(unknown_names_list_the_choices),
        cmocka_unit_test(keys_that_need_another_say_which),
        cmocka_unit_test(a_null_rate_means_derive_it_from_utilization),
        cmocka_unit_test(set_overrides_apply_in_order_and_read_json_or_strings),
        cmocka_unit_test(set_overrides_complete_a_file_before_its_keys_are_combined),
        cmocka_unit_test(bad_set_overrides_are_reported),
        cmocka_unit_test(files_that_cannot_be_read_are_named),
        cmocka_unit_test(a_name_is_given_once),
        cmocka_unit_test(a_nul_in_a_string_is_refused),
        cmocka_unit_test(load_keys_the_arrival_does_not_read_are_refused),
        cmocka_unit_test(a_window_below_the_servers_is_refused),
        cmocka_unit_test(a_file_holds_one_json_value),
        cmocka_unit_test(a_file_error_names_the_file_and_the_key),
        cmocka_unit_test(per_node_values_come_as_a_number_a_list_or_overrides),
        cmocka_unit_test(a_schedule_is_checked_and_its_mean_is_the_offered_load),
        cmocka_unit_test(closed_loop_and_overload_keys_are_read),
        cmocka_unit_test(faults_are_read_and_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
