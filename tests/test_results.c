/*
 * Results: the JSON contract, the bottleneck verdicts on hand-made
 * measurements, and the atomic file write.
 */
#include "test_common.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/common.h"
#include "cs/fileio.h"
#include "cs/scenario.h"
#include "cs/sweep.h"
#include "sim.h"

static const cJSON *at(const cJSON *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *node = root;
    for (char *seg = strtok(buf, "."); seg; seg = strtok(NULL, ".")) {
        node = cJSON_GetObjectItemCaseSensitive(node, seg);
        if (!node)
            fail_msg("results JSON has no '%s'", path);
    }
    return node;
}

static double num(const cJSON *root, const char *path)
{
    const cJSON *n = at(root, path);
    if (!cJSON_IsNumber(n))
        fail_msg("'%s' is not a number", path);
    return n->valuedouble;
}

static void the_json_holds_the_runs_numbers_and_accounts_for_every_request(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"name\":\"contract\",\"load\":{\"utilization\":0.5,\"duration_s\":2}}");
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 4), CS_OK);
    assert_int_equal(cs_virtual_run(&sc, 3, NULL, &r, NULL), CS_OK);
    char *text = cs_results_json(&r);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);

    assert_string_equal(at(root, "version")->valuestring, CS_VERSION);
    assert_true(cJSON_IsTrue(at(root, "complete")));
    assert_string_equal(at(root, "scenario.name")->valuestring, "contract");
    assert_true(num(root, "scenario.load.utilization") == 0.5);
    assert_true(num(root, "mpi.ranks") == 4);
    assert_true(num(root, "mpi.service_nodes") == 3);
    assert_true(cJSON_IsString(at(root, "mpi.library")));
    assert_true(cJSON_IsArray(at(root, "mpi.hosts")));
    assert_int_equal(cJSON_GetArraySize(at(root, "mpi.hosts")), 1);
    double gen = num(root, "requests.generated");
    assert_true(gen > 0);
    /* Every request accounted for, once (lost is floored at 0: a request
     * counted twice breaks the sum); the reference's keys are
     * tests/docs.sh's. */
    assert_true(gen == num(root, "requests.completed") + num(root, "requests.rejected") +
                           num(root, "requests.timed_out") + num(root, "requests.failed") + num(root, "requests.lost"));
    assert_true(num(root, "requests.lost") == 0);
    const char *zero[] = {
        "requests.failed",       "requests.retries",      "requests.retried_completed", "requests.retries_skipped",
        "requests.hedges",       "requests.hedge_wins",   "requests.hedges_skipped",    "requests.duplicate_replies",
        "requests.late_replies", "requests.warmup.failed"};
    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
        if (num(root, zero[i]) != 0)
            fail_msg("%s is not 0", zero[i]);
    assert_close(num(root, "offered_rps"), 1500, 1e-9);
    assert_true(num(root, "throughput_rps") > 0);
    assert_true(num(root, "duration_s") == 2);
    assert_true(num(root, "in_system_mean") > 0);
    assert_true(cJSON_IsNull(at(root, "overload"))); /* a steady run at 50% */
    const char *lat[] = {"mean", "p50", "p90", "p99", "p999", "max"};
    double prev = 0;
    for (size_t i = 1; i < sizeof(lat) / sizeof(lat[0]); i++) {
        char p[64];
        snprintf(p, sizeof(p), "latency_us.%s", lat[i]);
        assert_true(num(root, p) >= prev);
        prev = num(root, p);
    }
    assert_true(num(root, "latency_us.mean") > 0);
    assert_true(num(root, "queue_wait_us.mean") >= 0);
    assert_true(num(root, "queue_wait_us.p99") >= 0);
    assert_close(num(root, "service_us.mean"), 1000, 0.1);
    double cu = num(root, "coordinator.utilization");
    assert_true(cu >= 0 && cu <= 1);
    assert_true(num(root, "coordinator.per_request_us") >= 0);
    const cJSON *nodes = at(root, "nodes");
    assert_int_equal(cJSON_GetArraySize(nodes), 3);
    double sum = 0;
    for (int i = 0; i < 3; i++) {
        const cJSON *n = cJSON_GetArrayItem(nodes, i);
        assert_true(num(n, "rank") == i + 1);
        sum += num(n, "completed");
        double u = num(n, "utilization");
        assert_true(u > 0.3 && u < 0.7);
    }
    assert_true(sum == num(root, "requests.completed"));
    assert_string_equal(at(root, "bottleneck")->valuestring, "none");
    assert_true(strlen(at(root, "reason")->valuestring) > 10);
    assert_close(num(root, "model.capacity_rps"), 3000, 1e-9);

    cJSON_Delete(root);
    free(text);
    cs_results_free(&r);
}

/* A results struct as a run would leave it, for the verdict tests. */
static void fake(struct cs_results *r, double coord_busy, double node_busy, double inflation, int host_ranks,
                 int host_cores)
{
    assert_int_equal(cs_results_init(r, 5), CS_OK);
    sim_scenario(&r->scenario, "{\"load\":{\"rate_rps\":3000,\"duration_s\":10}}");
    r->offered_rps = 3000;
    r->window_s = 10;
    r->coord[CS_C_GENERATED] = r->coord[CS_C_COMPLETED] = 30000;
    r->coord[CS_C_WINDOW_COMPLETIONS] = 30000;
    r->coord[CS_C_BUSY_NS] = (uint64_t)(coord_busy * 10e9);
    for (int i = 0; i < 5; i++) {
        snprintf(r->rank_info[i].host, sizeof(r->rank_info[i].host), "h");
        r->rank_info[i].host_ranks = host_ranks;
        r->rank_info[i].host_cores = host_cores;
    }
    for (int i = 0; i < 4; i++) {
        r->nodes[i].rank = i + 1;
        uint64_t *c = r->nodes[i].counters;
        c[CS_N_WINDOW_NS] = (uint64_t)10e9;
        c[CS_N_SERVERS] = 1;
        c[CS_N_BUSY_NS] = (uint64_t)(node_busy * 10e9);
        c[CS_N_REQUESTED_NS] = 1000000;
        c[CS_N_SERVICE_NS] = (uint64_t)(1000000 * inflation);
    }
    cs_results_analyze(r);
}

/* A run stopped early (SIGTERM at 2.3 s of a 10 s window) reports the
 * window it measured, as its JSON does, not the one it was asked for. */
static void a_stopped_run_reports_the_window_it_measured(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.1, 0.5, 1.0, 1, 8);
    r.window_s = 2.3;
    r.complete = false;
    cs_results_analyze(&r);
    char *text = sim_render(cs_results_table, &r);
    if (!strstr(text, "2.3 s measured") || strstr(text, "10.0 s measured"))
        fail_msg("the report does not say the measured window:\n%s", text);
    free(text);
    cs_results_free(&r);
}

/* The sweep CSV: one line per row, 17 fields each, whatever the numbers
 * (a resumed file's rows are read back as they are: huge, or not finite,
 * they must neither overflow the buffer nor print "nan"), step last. */
static void the_sweep_csv_has_every_field_whatever_the_numbers(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.1, 0.5, 1.0, 1, 8);
    struct cs_sweep_row rows[3] = {
        {.nodes = 1,
         .offered_rps = 1e300,
         .throughput_rps = -1e300,
         .p50_us = 1e30,
         .p99_us = DBL_MAX,
         .mean_us = 1e300,
         .coordinator_per_request_us = 1e299,
         .service_inflation = 1e298,
         .relay_utilization = 1e300,
         .relay_per_request_us = DBL_MAX,
         .dispatchers = 1,
         .batch = 1,
         .relays = 2,
         .step = 1},
        {.nodes = 2,
         .offered_rps = NAN,
         .p99_us = INFINITY,
         .coordinator_per_request_us = NAN,
         .dispatchers = 1,
         .batch = 1,
         .step = 2},
        {.nodes = 3, .offered_rps = 2.5, .dispatchers = 1, .batch = 1}, /* a single run's: no step */
    };
    char *csv = cs_sweep_csv(&r, rows, 3);
    assert_non_null(csv);
    int lines = 0;
    for (char *line = strtok(csv, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        int commas = 0;
        for (const char *c = line; *c; c++)
            commas += *c == ',';
        if (commas != 19 || (lines > 0 && (strstr(line, "nan") || strstr(line, "inf"))))
            fail_msg("CSV line %d: %s", lines, line);
        const char *want[] = {"step,ended", "1,", "2,", ","};
        size_t n = strlen(line), m = strlen(want[lines]);
        if (n < m || strcmp(line + n - m, want[lines]) != 0)
            fail_msg("CSV line %d: %s, not ending in '%s'", lines, line, want[lines]);
    }
    assert_int_equal(lines, 4);
    free(csv);
    /* A file that does not hold the whole run says why on every row, as
     * its JSON does: quoted, its own quotes doubled. */
    snprintf(r.ended, sizeof(r.ended), "running: 1 of 3 steps done, \"step\" 2 next");
    csv = cs_sweep_csv(&r, rows, 2);
    assert_non_null(csv);
    assert_non_null(strstr(csv, ",1,\"running: 1 of 3 steps done, \"\"step\"\" 2 next\"\n"));
    assert_non_null(strstr(csv, ",2,\"running: 1 of 3 steps done, \"\"step\"\" 2 next\"\n"));
    free(csv);
    /* The longest: every character a quote, each doubled (the buffer's
     * bound; the sanitizers' build runs this too). */
    memset(r.ended, '"', sizeof(r.ended) - 1);
    r.ended[sizeof(r.ended) - 1] = '\0';
    csv = cs_sweep_csv(&r, rows, 3);
    assert_non_null(csv);
    assert_int_equal(strlen(strrchr(csv, ',') + 1), 2 * (sizeof(r.ended) - 1) + 2 + 1); /* quoted, newline */
    free(csv);
    cs_results_free(&r);
}

static void a_saturated_coordinator_is_named_first(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.97, 0.95, 1.0, 5, 8);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_COORDINATOR);
    assert_non_null(strstr(r.reason, "busy 97%"));
    assert_close(r.coordinator_per_request_us, 0.97 * 10e6 / 30000, 1e-9);
    cs_results_free(&r);
}

/* One second of a virtual run of the scenario json on 4 nodes of the
 * given servers, busy_s each of it (the servers' seconds), offered
 * offered_rps and completed `completed`: analyzed. */
static void virtual_second(struct cs_results *r, const char *json, double offered_rps, uint64_t completed, int servers,
                           double busy_s)
{
    assert_int_equal(cs_results_init(r, 5), CS_OK);
    sim_scenario(&r->scenario, json);
    r->scenario.run.engine = CS_ENGINE_VIRTUAL;
    r->offered_rps = offered_rps;
    r->window_s = 1;
    r->coord[CS_C_GENERATED] = r->coord[CS_C_COMPLETED] = r->coord[CS_C_WINDOW_COMPLETIONS] = completed;
    for (int i = 0; i < 4; i++) {
        r->nodes[i].rank = i + 1;
        r->nodes[i].counters[CS_N_WINDOW_NS] = (uint64_t)1e9;
        r->nodes[i].counters[CS_N_SERVERS] = (uint64_t)servers;
        r->nodes[i].counters[CS_N_BUSY_NS] = (uint64_t)(busy_s * 1e9);
    }
    cs_results_analyze(r);
}

static void busy_nodes_are_the_bottleneck(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.2, 0.95, 1.01, 5, 8);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_false(r.oversubscribed);
    if (!strstr(r.reason, "4 nodes with 4 servers in all serve about 4000 req/s against 3000 offered; add nodes or "
                          "servers"))
        fail_msg("%s", r.reason);
    cs_results_free(&r);
    /* The nodes' own servers and speed, as the capacity counts them: it
     * said "4 nodes x 1 servers at 1000 us" beside 32000 req/s. */
    virtual_second(&r, "{\"nodes\":{\"servers\":4,\"speed\":2}}", 38400, 32000, 4, 4);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    if (!strstr(r.reason, "4 nodes with 16 servers in all serve about 32000 req/s against 38400 offered"))
        fail_msg("%s", r.reason);
    cs_results_free(&r);
}

/* A pulling node waits a network round trip for each request: 4 nodes
 * of 1 ms serve 4 / (1 ms + 200 us) = 3333 req/s, and 3400 offered
 * saturate them though they were 83% busy (it was called a transient
 * overload "where the service nodes serve 4000"). With two requests a
 * server (dispatch.prefetch 2) the round trip hides behind the service. */
static void a_network_round_trip_caps_what_pulling_nodes_serve(void **state)
{
    (void)state;
    struct cs_results r;
    virtual_second(&r, "{\"dispatch\":{\"policy\":\"pull\"},\"network\":{\"latency_us\":100}}", 3400, 3300, 1, 0.83);
    assert_close(r.node_capacity_rps, 4e6 / 1200, 1e-9);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    if (!strstr(r.reason, "serve about 3333 req/s through the network (their servers alone 4000: a round trip of "
                          "200 us holds each server idle before each request), against 3400 offered") ||
        !strstr(r.reason, "dispatch.prefetch"))
        fail_msg("reason: %s", r.reason);
    r.scenario.dispatch.prefetch = 2;
    cs_results_analyze(&r);
    assert_close(r.node_capacity_rps, 4000, 1e-9);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    cs_results_free(&r);
}

static void oversubscribed_with_inflated_service_is_the_host_cpu(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.2, 0.95, 1.3, 5, 2);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_HOST_CPU);
    assert_true(r.oversubscribed);
    assert_non_null(strstr(r.reason, "5 ranks share 2 cores"));
    cs_results_free(&r);
}

static void oversubscribed_but_faithful_is_not_blamed_on_the_host(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.2, 0.5, 1.01, 5, 2);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    cs_results_free(&r);
}

/* Four nodes that answered 7500 requests each in the window, 1 ms of
 * service and 1.5 ms in the queue each on average. */
static void fake_nodes(struct cs_results *r)
{
    for (int i = 0; i < 4; i++) {
        struct cs_node_result *n = &r->nodes[i];
        n->coordinator_completed = n->counters[CS_N_MEASURED] = 7500;
        n->counters[CS_N_SERVICE_NS] = n->counters[CS_N_REQUESTED_NS] = 7500 * (uint64_t)1000000;
        n->queue_wait_ns = 7500 * (uint64_t)1500000;
    }
}

/* A node whose requests wait far longer than the other nodes' has fallen
 * behind them: given more than it serves (a hot spot), or slowed (a
 * straggler). Chance does not make one: a few times the median's wait,
 * or a few requests. */
static void a_node_fallen_behind_is_named(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.2, 0.6, 1.0, 5, 8);
    fake_nodes(&r);
    r.nodes[2].counters[CS_N_BUSY_NS] = (uint64_t)(0.995 * 10e9);
    r.nodes[2].queue_wait_ns = 7500 * (uint64_t)99000000; /* 99 ms: 66 times */
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    const char *hot[] = {"service node rank 3 fell behind the others",
                         "waited 99.0 ms on average",
                         "66 times the lower quartile of the nodes' waits (1.50 ms)",
                         "busy 100% of the time while the nodes averaged 70%",
                         "round_robin dispatch gives it more than it can serve",
                         "a load-aware policy"};
    for (size_t i = 0; i < CS_ARRAY_LEN(hot); i++)
        if (!strstr(r.reason, hot[i]))
            fail_msg("no \"%s\" in: %s", hot[i], r.reason);
    /* A load-aware policy is not advised to one that has it. */
    r.scenario.dispatch.policy = cs_policy_find("least_outstanding");
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_null(strstr(r.reason, "a load-aware policy"));
    r.scenario.dispatch.policy = cs_policy_find("round_robin");
    /* Slower than the others, and a slow fault on it: said so. */
    r.nodes[2].counters[CS_N_SERVICE_NS] = 7500 * (uint64_t)2200000;
    r.scenario.faults_n = 1;
    r.scenario.faults[0] = (struct cs_fault){.rank = 3, .at_s = 2, .kind = CS_FAULT_SLOW, .factor = 10, .for_s = 4};
    cs_results_analyze(&r);
    if (!strstr(r.reason, "its service took 2.2 times the median node's (a slow fault), and round_robin dispatch "
                          "kept sending it work") ||
        !strstr(r.reason, "hedging"))
        fail_msg("reason: %s", r.reason);
    /* A load-aware policy or hedging is not advised to one that has it. */
    r.scenario.dispatch.policy = cs_policy_find("least_outstanding");
    r.scenario.dispatch.hedge_after_us = 20000;
    cs_results_analyze(&r);
    assert_non_null(strstr(r.reason, "least_outstanding dispatch kept sending it work"));
    assert_null(strstr(r.reason, "a load-aware policy"));
    assert_null(strstr(r.reason, "hedging"));
    r.scenario.dispatch.policy = cs_policy_find("round_robin");
    r.scenario.dispatch.hedge_after_us = 0;
    /* 29 times the lower quartile's: chance near saturation. */
    r.nodes[2].counters[CS_N_SERVICE_NS] = 7500 * (uint64_t)1000000;
    r.nodes[2].queue_wait_ns = 7500 * (uint64_t)43500000;
    cs_results_analyze(&r);
    if (r.bottleneck != CS_BOTTLENECK_NONE)
        fail_msg("reason: %s", r.reason);
    /* A hundred times, but over 199 requests: chance too. */
    r.nodes[2].queue_wait_ns = 199 * (uint64_t)150000000;
    r.nodes[2].coordinator_completed = r.nodes[2].counters[CS_N_MEASURED] = 199;
    r.nodes[2].counters[CS_N_SERVICE_NS] = r.nodes[2].counters[CS_N_REQUESTED_NS] = 199 * (uint64_t)1000000;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    /* Busy all of the window with no queue to show for it: no straggler,
     * but the busiest node is named beside the verdict. */
    fake_nodes(&r);
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    if (!strstr(r.reason, "service nodes busy 70% (the busiest, rank 3, 100%)"))
        fail_msg("reason: %s", r.reason);
    /* Two of three nodes overloaded (speeds 2, 1 and 0.5 under random
     * dispatch): the median is one of them; the lower quartile is not. */
    r.nodes[1].queue_wait_ns = 7500 * (uint64_t)500000000;
    r.nodes[2].queue_wait_ns = 7500 * (uint64_t)1200000000;
    r.nodes[3].queue_wait_ns = 7500 * (uint64_t)400000000;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    if (!strstr(r.reason, "service node rank 3 fell behind") || !strstr(r.reason, "800 times the lower quartile"))
        fail_msg("reason: %s", r.reason);
    /* Nothing waited and nothing took time: no straggler, no infinity. */
    for (int i = 0; i < 4; i++)
        r.nodes[i].queue_wait_ns = r.nodes[i].counters[CS_N_SERVICE_NS] = r.nodes[i].counters[CS_N_REQUESTED_NS] = 0;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    assert_null(strstr(r.reason, "inf"));
    cs_results_free(&r);
}

/* Nodes offered 90% of what they serve are the limit whatever the seed
 * made of their measured share (86% to 93% at 90% on 4 nodes), unless
 * throughput fell short of the offer (then something else held it). */
static void nodes_offered_ninety_percent_are_the_limit(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.0, 0.86, 1.0, 5, 8);
    r.offered_rps = 3600;
    r.coord[CS_C_WINDOW_COMPLETIONS] = 35000;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    if (!strstr(r.reason, "busy 86% of the time on average") || !strstr(r.reason, "against 3600 offered"))
        fail_msg("reason: %s", r.reason);
    r.offered_rps = 3400; /* 85% */
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    r.offered_rps = 3600;
    r.coord[CS_C_WINDOW_COMPLETIONS] = 30000; /* 3000 of 3600: short */
    for (int i = 0; i < 4; i++)
        r.nodes[i].counters[CS_N_BUSY_NS] = (uint64_t)(0.7 * 10e9);
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    assert_non_null(strstr(r.reason, "fell short of the offered load"));
    cs_results_free(&r);
}

/* A transient overload names the tier whose capacity the intervals were
 * judged against, and with several dispatchers says they are rank 0's. */
static void a_transient_overload_names_its_tier(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.2, 0.6, 1.0, 5, 8);
    r.overload = (struct cs_overload){.episodes = 1,
                                      .from_s = 2,
                                      .to_s = 3,
                                      .overloaded_s = 1,
                                      .capacity_rps = 2000,
                                      .tier = CS_TIER_NODES,
                                      .peak_offered_rps = 2800};
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    if (!strstr(r.reason, "up to 2800 req/s arrived where the service nodes serve 2000; the coordinator's queue"))
        fail_msg("reason: %s", r.reason);
    r.overload.tier = CS_TIER_DISPATCHER;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_COORDINATOR);
    assert_non_null(strstr(r.reason, "where the coordinator serves 2000"));
    r.overload.tier = CS_TIER_RELAYS;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_RELAYS);
    assert_non_null(strstr(r.reason, "where the relays serve 2000"));
    /* Two dispatchers: rank 0's share. */
    struct cs_dispatch_report d = {.rank = 1};
    uint64_t done[4] = {0}, wait[4] = {0};
    r.dispatchers = 1; /* rank 0's, as collected */
    cs_results_add_dispatcher(&r, &d, done, wait);
    r.overload.tier = CS_TIER_NODES;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    if (!strstr(r.reason, "arrived at dispatcher rank 0 where its share of the service nodes serves 2000; its queue"))
        fail_msg("reason: %s", r.reason);
    r.overload.tier = CS_TIER_DISPATCHER;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_DISPATCHERS);
    assert_non_null(strstr(r.reason, "at dispatcher rank 0 where it serves 2000"));
    cs_results_free(&r);
}

/* Nodes busy with answers nobody waits for: the verdict says so, and
 * names the retries when there were any. */
static void busy_nodes_serving_discarded_work_are_explained(void **state)
{
    (void)state;
    struct cs_results r;
    fake(&r, 0.2, 0.95, 1.0, 5, 8);
    for (int i = 0; i < 4; i++)
        r.nodes[i].counters[CS_N_COMPLETED] = 10000; /* 40000 answers */
    r.coord[CS_C_LATE_REPLIES] = 12000;
    cs_results_analyze(&r);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_close(r.discarded_share, 0.3, 1e-9);
    if (!strstr(r.reason, "30% of their answers came after their requests had timed out"))
        fail_msg("reason: %s", r.reason);
    r.coord[CS_C_RETRIES] = 9000;
    cs_results_analyze(&r);
    if (!strstr(r.reason, "9000 retries and 0 hedges for 30000 requests") || !strstr(r.reason, "retry storm"))
        fail_msg("reason: %s", r.reason);
    r.coord[CS_C_LATE_REPLIES] = 4000; /* 10%: just busy */
    cs_results_analyze(&r);
    assert_null(strstr(r.reason, "discarded"));
    cs_results_free(&r);
}

static void the_file_is_written_whole_or_not_at_all(void **state)
{
    (void)state;
    char dir[] = "/tmp/cs_results_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[CS_ERRBUF];
    snprintf(path, sizeof(path), "%s/out.json", dir);
    assert_int_equal(cs_write_file_atomic(path, "{\"a\": 1}\n", err, sizeof(err)), CS_OK);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[64] = "";
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "{\"a\": 1}\n");
    unlink(path);
    char bad[300];
    snprintf(bad, sizeof(bad), "%s/missing/out.json", dir);
    assert_int_equal(cs_write_file_atomic(bad, "x", err, sizeof(err)), CS_E_IO);
    assert_non_null(strstr(err, bad));
    rmdir(dir);
}

/* A write that fails part way (here: a file size limit, as a full disk
 * would) leaves the file that was there as it was, and no temporary file
 * beside it. */
static void a_failed_write_leaves_the_old_file_whole(void **state)
{
    (void)state;
    char dir[] = "/tmp/cs_results_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[CS_ERRBUF];
    snprintf(path, sizeof(path), "%s/out.json", dir);
    assert_int_equal(cs_write_file_atomic(path, "{\"old\": 1}\n", err, sizeof(err)), CS_OK);
    size_t big = 256 * 1024;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'x', big);
    text[big] = '\0';
    struct rlimit was, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    lim = was;
    lim.rlim_cur = 4096;
    void (*handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = cs_write_file_atomic(path, text, err, sizeof(err));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, handler);
    free(text);
    assert_int_equal(rc, CS_E_IO);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, strerror(EFBIG)));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[64] = "";
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "{\"old\": 1}\n");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1); /* out.json alone: no temporary left */
    unlink(path);
    rmdir(dir);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* A new results file gets the mode the umask gives (it was 0644 always:
 * readable by all under umask 077); one replaced keeps its own. */
static void a_results_file_takes_the_umask_or_keeps_its_mode(void **state)
{
    (void)state;
    char dir[] = "/tmp/cs_results_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[CS_ERRBUF];
    snprintf(path, sizeof(path), "%s/out.json", dir);
    mode_t was = umask(027);
    assert_int_equal(cs_write_file_atomic(path, "1\n", err, sizeof(err)), CS_OK);
    umask(was);
    assert_int_equal(mode_of(path), 0640);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(cs_write_file_atomic(path, "2\n", err, sizeof(err)), CS_OK);
    assert_int_equal(mode_of(path), 0600);
    unlink(path);
    rmdir(dir);
}

/* Only names of open files under /dev and /proc are streams (written
 * straight, appended): a regular file in /dev/shm is replaced whole, as
 * anywhere else (it was appended to, two JSON documents in one file). */
static void a_regular_file_under_dev_is_a_file(void **state)
{
    (void)state;
    assert_true(cs_is_stream("/dev/stdout") && cs_is_stream("/dev/null") && cs_is_stream("/proc/self/fd/1"));
    /* A link to one is a stream too (stdout sent to a log: a rename
     * through the link would replace the log). */
    char dir[] = "/tmp/cs_results_XXXXXX", link[64];
    assert_non_null(mkdtemp(dir));
    snprintf(link, sizeof(link), "%s/out.json", dir);
    assert_int_equal(symlink("/dev/stdout", link), 0);
    assert_true(cs_is_stream(link));
    unlink(link);
    rmdir(dir);
    char path[] = "/dev/shm/cs_results_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        skip(); /* (no /dev/shm here) */
    close(fd);
    assert_false(cs_is_stream(path));
    char err[CS_ERRBUF], buf[16] = "";
    assert_int_equal(cs_write_file_atomic(path, "first\n", err, sizeof(err)), CS_OK);
    assert_int_equal(cs_write_file_atomic(path, "second\n", err, sizeof(err)), CS_OK);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 7);
    fclose(f);
    assert_string_equal(buf, "second\n");
    unlink(path);
}

/* The theory beside the measurement: each run gets the model that
 * describes it, within 3% in long virtual runs; the others say why not. */
static void theory_picks_the_model_and_agrees(void **state)
{
    (void)state;
    /* want_us: the model's mean, worked out by hand from the scenario
     * (1 ms exponential service, 4 nodes, utilization 0.8), not by the
     * code under test: M/M/1 1 / (1 - 0.8) ms; E4/M/1 1 / (1 - sigma)
     * with sigma = (3.2 / (3.2 + 1 - sigma))^4 = 0.6939447; M/M/c
     * C(c, a) / (c - a) + 1 ms by Erlang's C (M/M/4 at a = 3.2, M/M/2 at
     * 1.6, M/M/32 at 25.6); M/D/1 1 + 0.8 / (2 x 0.2) ms; M/G/1 with
     * cv 0.5, 1 + 0.8 x 1.25 / (2 x 0.2) ms; speed 2, M/M/1 of 0.5 ms;
     * 2 ms of wire each way, 4 ms added; the closed loops by the mean
     * value recursion over 12 (and 4) clients, four stations of demand
     * 0.25 ms (and 0), think 2 ms (and 1). */
    const struct {
        const char *json, *model;
        double want_us;
    } cases[] = {
        {"{\"dispatch\":{\"policy\":\"random\"}}", "M/M/1 per node (random split)", 5000},
        {"{\"dispatch\":{\"policy\":\"round_robin\"}}", "E_n/M/1 per node", 3267.384},
        {"{\"dispatch\":{\"policy\":\"pull\"}}", "M/M/c, one queue", 1745.5406},
        {"{\"dispatch\":{\"policy\":\"random\"},\"service\":{\"time\":{\"dist\":\"constant\"}}}", "M/D/1 per node",
         3000},
        {"{\"dispatch\":{\"policy\":\"random\"},\"service\":{\"servers\":2}}", "M/M/s per node", 2777.7778},
        {"{\"dispatch\":{\"policy\":\"random\"},\"load\":{\"arrival\":\"closed\",\"clients\":12,"
         "\"think_us\":{\"dist\":\"exponential\",\"mean_us\":2000}}}",
         "closed loop, exact mean value analysis", 2465.9187},
        {"{\"dispatch\":{\"policy\":\"random\"},\"service\":{\"time\":{\"dist\":\"lognormal\",\"cv\":0.5}}}",
         "M/G/1 per node", 3500},
        /* the service nodes' speed, not rank 1's (a dispatcher here) */
        {"{\"dispatch\":{\"policy\":\"random\",\"dispatchers\":2},\"nodes\":{\"speed\":[2,2,2,2]}}",
         "M/M/1 per node (random split)", 2500},
        /* many servers a node: the window (128) is far from full */
        {"{\"dispatch\":{\"policy\":\"random\"},\"service\":{\"servers\":32}}", "M/M/s per node", 1025.0974},
        /* two dispatchers, each its own window of 24 to a node 2 ms away:
         * half the 7.2 in flight each (the node's whole 7.2 against one
         * window would put it full 4% of the time) */
        {"{\"dispatch\":{\"policy\":\"random\",\"dispatchers\":2,\"window\":24},\"network\":{\"latency_us\":2000}}",
         "M/M/1 per node (random split)", 9000},
        /* no service: no time at the nodes, a closed form all the same */
        {"{\"dispatch\":{\"policy\":\"random\"},\"service\":{\"time\":{\"dist\":\"exponential\",\"mean_us\":0}},"
         "\"load\":{\"arrival\":\"closed\",\"clients\":4,\"think_us\":{\"dist\":\"exponential\",\"mean_us\":1000}}}",
         "closed loop, exact mean value analysis", 0},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        struct cs_scenario sc;
        sim_scenario(&sc, cases[i].json);
        sc.load.duration_s = 60;
        sc.load.utilization = 0.8;
        struct cs_results r;
        assert_int_equal(cs_results_init(&r, cs_plan_ranks(&sc, 4)), CS_OK);
        assert_int_equal(cs_virtual_run(&sc, 4, NULL, &r, NULL), CS_OK);
        if (!r.theory.model || strncmp(r.theory.model, cases[i].model, strlen(cases[i].model)) != 0)
            fail_msg("case %zu: model %s, expected %s (%s)", i, r.theory.model ? r.theory.model : "none",
                     cases[i].model, r.theory.why);
        if (!(fabs(r.theory.mean_us - cases[i].want_us) <= 1e-6 * cases[i].want_us + 1e-3))
            fail_msg("case %zu: theory %.4f us, by hand %.4f", i, r.theory.mean_us, cases[i].want_us);
        assert_close(cs_hist_mean(&r.latency) / 1e3, r.theory.mean_us, 0.03);
        cs_results_free(&r);
    }
    /* No closed form: say why. */
    const struct {
        const char *json, *why;
    } none[] = {
        {"{\"dispatch\":{\"policy\":\"least_outstanding\"}}", "least_outstanding dispatch of exponential"},
        {"{\"dispatch\":{\"cost_us\":10}}", "a second queue (the coordinator)"},
        {"{\"nodes\":{\"speed\":{\"default\":1,\"2\":2}}}", "the nodes differ"},
        /* the last service node (rank 5 behind 2 dispatchers) looked at too */
        {"{\"dispatch\":{\"policy\":\"random\",\"dispatchers\":2},\"nodes\":{\"speed\":{\"default\":1,\"5\":0.5}}}",
         "the nodes differ"},
        {"{\"dispatch\":{\"policy\":\"random\",\"dispatchers\":3,\"partition\":\"sharded\"}}",
         "sharded blocks differ in size"},
        {"{\"dispatch\":{\"policy\":\"random\",\"relays\":2}}", "relays each keep a queue"},
        {"{\"dispatch\":{\"policy\":\"random\",\"window\":1}}", "dispatch.window holds requests"},
        /* a full window that the load (rho 0.5, 0.6) alone would rarely
         * see: a service of high variance, or requests on a long wire */
        {"{\"dispatch\":{\"policy\":\"random\",\"window\":8},\"load\":{\"utilization\":0.5},"
         "\"service\":{\"time\":{\"dist\":\"lognormal\",\"mean_us\":1000,\"cv\":4}}}",
         "dispatch.window holds requests"},
        {"{\"dispatch\":{\"policy\":\"random\",\"window\":14},\"load\":{\"utilization\":0.6},"
         "\"network\":{\"latency_us\":5000}}",
         "dispatch.window holds requests"},
        /* beyond what a window of 4 a round trip of 11 ms lets 4 nodes
         * serve (1455 req/s), though their service would keep up */
        {"{\"dispatch\":{\"policy\":\"random\",\"window\":4,\"max_pending\":10000000},"
         "\"load\":{\"rate_rps\":2000},\"network\":{\"latency_us\":5000}}",
         "no steady state"},
        {"{\"load\":{\"utilization\":1.5},\"dispatch\":{\"policy\":\"random\",\"max_pending\":10000000}}",
         "no steady state"},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(none); i++) {
        struct cs_scenario sc;
        sim_scenario(&sc, none[i].json);
        sc.load.duration_s = 2;
        struct cs_results r;
        assert_int_equal(cs_results_init(&r, cs_plan_ranks(&sc, 4)), CS_OK);
        assert_int_equal(cs_virtual_run(&sc, 4, NULL, &r, NULL), CS_OK);
        if (r.theory.model || !strstr(r.theory.why, none[i].why))
            fail_msg("case %zu: model %s, why '%s', expected '%s'", i, r.theory.model ? r.theory.model : "none",
                     r.theory.why, none[i].why);
        char *text = cs_results_json(&r);
        assert_non_null(strstr(text, "\"why\":"));
        free(text);
        cs_results_free(&r);
    }
    /* A node's constant overhead is in what it was asked to take, not a
     * longer occupation: no second prediction. */
    {
        struct cs_scenario o;
        sim_scenario(&o, "{\"dispatch\":{\"policy\":\"random\"},\"service\":{\"time\":{\"dist\":\"constant\"}},"
                         "\"model\":{\"node_overhead_us\":50}}");
        o.load.duration_s = 2;
        struct cs_results q;
        assert_int_equal(cs_results_init(&q, cs_plan_ranks(&o, 4)), CS_OK);
        assert_int_equal(cs_virtual_run(&o, 4, NULL, &q, NULL), CS_OK);
        assert_non_null(q.theory.model);
        if (!isnan(q.theory.occupied_mean_us))
            fail_msg("occupied %.1f us against %.1f asked", q.occupied_us, q.asked_us);
        cs_results_free(&q);
    }
    /* A coordinator busy a third of the window (as on ranks, costs not
     * modelled) is a queue too. */
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"dispatch\":{\"policy\":\"random\"}}");
    sc.load.duration_s = 2;
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 5), CS_OK);
    assert_int_equal(cs_virtual_run(&sc, 4, NULL, &r, NULL), CS_OK);
    assert_non_null(r.theory.model);
    r.coord[CS_C_BUSY_NS] = (uint64_t)(0.4 * r.window_s * 1e9);
    cs_results_analyze(&r);
    assert_null(r.theory.model);
    assert_non_null(strstr(r.theory.why, "the coordinator was busy"));
    cs_results_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(theory_picks_the_model_and_agrees),
        cmocka_unit_test(the_json_holds_the_runs_numbers_and_accounts_for_every_request),
        cmocka_unit_test(a_stopped_run_reports_the_window_it_measured),
        cmocka_unit_test(the_sweep_csv_has_every_field_whatever_the_numbers),
        cmocka_unit_test(a_saturated_coordinator_is_named_first),
        cmocka_unit_test(busy_nodes_are_the_bottleneck),
        cmocka_unit_test(busy_nodes_serving_discarded_work_are_explained),
        cmocka_unit_test(oversubscribed_with_inflated_service_is_the_host_cpu),
        cmocka_unit_test(oversubscribed_but_faithful_is_not_blamed_on_the_host),
        cmocka_unit_test(a_node_fallen_behind_is_named),
        cmocka_unit_test(a_network_round_trip_caps_what_pulling_nodes_serve),
        cmocka_unit_test(nodes_offered_ninety_percent_are_the_limit),
        cmocka_unit_test(a_transient_overload_names_its_tier),
        cmocka_unit_test(the_file_is_written_whole_or_not_at_all),
        cmocka_unit_test(a_failed_write_leaves_the_old_file_whole),
        cmocka_unit_test(a_results_file_takes_the_umask_or_keeps_its_mode),
        cmocka_unit_test(a_regular_file_under_dev_is_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
