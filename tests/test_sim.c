/*
 * The coordinator and service-node state machines together, through the
 * loopback transport in virtual time: conservation, open-loop latency,
 * windows, admission, draining, verdicts and agreement with queueing
 * theory. Virtual time has no scheduling noise, so the theory checks here
 * are tight; the MPI tests check the same against the real clock.
 */
#include "test_common.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/queueing.h"
#include "cs/stop.h"
#include "cs/scenario.h"
#include "sim.h"

static void below_capacity_every_request_completes(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":0.6,\"duration_s\":20,\"warmup_s\":1}}", 4);
    sim_assert_conserved(&x->r);
    assert_int_equal(x->r.coord[CS_C_REJECTED], 0);
    assert_int_equal(x->r.coord[CS_C_TIMED_OUT], 0);
    assert_close(x->r.coord[CS_C_GENERATED], 2400.0 * 20, 0.03);
    assert_close(x->r.throughput_rps, 2400.0, 0.03);
    assert_close(x->r.node_utilization_mean, 0.6, 0.05);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_NONE);
    sim_done(x);
}

/* Little's law, L = X R, with L measured on its own: the coordinator sums
 * each request's time in the system inside the window. In a steady run the
 * two sides differ only by the requests straddling the window's edges. A
 * constant arrival and service make it exact: 1000 req/s, each 2 ms in the
 * system, is 2 requests in the system at every instant. */
static void littles_law_holds_between_the_measured_sides(void **state)
{
    (void)state;
    struct sim_run *x =
        sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":1000,\"duration_s\":2,\"warmup_s\":0.5},"
                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":2000}}}",
                4);
    assert_close(x->r.in_system_mean, 2.0, 0.001);
    sim_done(x);
    const char *steady[] = {"{\"load\":{\"utilization\":0.8,\"duration_s\":20,\"warmup_s\":1}}",
                            "{\"load\":{\"utilization\":0.9,\"duration_s\":20,\"warmup_s\":2},"
                            "\"dispatch\":{\"policy\":\"pull\"}}",
                            "{\"load\":{\"arrival\":\"closed\",\"clients\":12,\"duration_s\":10}}"};
    for (size_t i = 0; i < CS_ARRAY_LEN(steady); i++) {
        x = sim_run(steady[i], 4);
        double xr = x->r.throughput_rps * cs_hist_mean(&x->r.latency) / 1e9;
        assert_true(x->r.in_system_mean > 1.0);
        assert_close(x->r.in_system_mean, xr, 0.02);
        sim_done(x);
    }
    /* A closed loop without think time keeps exactly its clients in it. */
    x = sim_run("{\"load\":{\"arrival\":\"closed\",\"clients\":12,\"duration_s\":5}}", 3);
    assert_close(x->r.in_system_mean, 12.0, 0.001);
    sim_done(x);
}

static void constant_arrivals_generate_exactly_rate_times_duration(void **state)
{
    (void)state;
    struct sim_run *x =
        sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":1000,\"duration_s\":2,\"warmup_s\":0.5},"
                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":100}}}",
                2);
    sim_assert_conserved(&x->r);
    /* Arrivals come at 1 ms, 2 ms, ...: 499 before the window opens at
     * 500 ms, then 2000 inside it (the one at 2500 ms is past its end). */
    assert_int_equal(x->r.coord[CS_C_GENERATED], 2000);
    assert_int_equal(x->r.coord[CS_C_WARMUP_GENERATED], 499);
    /* Nobody waits: every latency is the service time itself. */
    assert_int_equal(x->r.latency.min, 100000);
    assert_int_equal(x->r.latency.max, 100000);
    sim_done(x);
}

static void a_run_is_reproducible_by_seed(void **state)
{
    (void)state;
    const char *a = "{\"load\":{\"utilization\":0.8,\"duration_s\":3,\"seed\":5},\"dispatch\":{\"policy\":\"random\"}}";
    const char *b = "{\"load\":{\"utilization\":0.8,\"duration_s\":3,\"seed\":6},\"dispatch\":{\"policy\":\"random\"}}";
    struct sim_run *x = sim_run(a, 3), *y = sim_run(a, 3), *z = sim_run(b, 3);
    assert_memory_equal(x->r.coord, y->r.coord, sizeof(x->r.coord));
    assert_memory_equal(x->r.latency.counts, y->r.latency.counts, sizeof(x->r.latency.counts));
    assert_true(x->r.coord[CS_C_GENERATED] != z->r.coord[CS_C_GENERATED] || x->r.latency.sum != z->r.latency.sum);
    sim_done(x);
    sim_done(y);
    sim_done(z);
}

/* Results that must agree to the last bit: the dispatchers', the relays'
 * and every node's measures, the histograms, the series and the verdict. */
static void assert_same_results(const struct cs_results *a, const struct cs_results *b, const char *what)
{
    if (memcmp(a->coord, b->coord, sizeof(a->coord)) != 0 || memcmp(&a->latency, &b->latency, sizeof(a->latency)) ||
        memcmp(&a->queue_wait, &b->queue_wait, sizeof(a->queue_wait)) ||
        memcmp(&a->dispatch_wait, &b->dispatch_wait, sizeof(a->dispatch_wait)) ||
        memcmp(&a->service, &b->service, sizeof(a->service)) || a->series_n != b->series_n ||
        memcmp(a->series, b->series, (size_t)a->series_n * sizeof(*a->series)) ||
        memcmp(&a->overload, &b->overload, sizeof(a->overload)) || a->dispatchers != b->dispatchers ||
        memcmp(a->dispatcher, b->dispatcher, sizeof(a->dispatcher)) || a->relays != b->relays ||
        memcmp(a->relay, b->relay, sizeof(a->relay)) || strcmp(a->reason, b->reason) != 0)
        fail_msg("%s: handed over, %llu completed, p99 %llu ns; as letters, %llu, %llu ns", what,
                 (unsigned long long)a->coord[CS_C_COMPLETED], (unsigned long long)cs_hist_percentile(&a->latency, 99),
                 (unsigned long long)b->coord[CS_C_COMPLETED], (unsigned long long)cs_hist_percentile(&b->latency, 99));
    for (int k = 0; k < a->service_nodes; k++)
        if (memcmp(&a->nodes[k], &b->nodes[k], sizeof(a->nodes[k])) != 0)
            fail_msg("%s: node rank %d differs", what, a->nodes[k].rank);
}

/* A run of json on `nodes` (and trace, if any), handed over or as letters. */
static void run_both_ways(const char *json, int nodes, const struct cs_trace *trace)
{
    struct cs_scenario sc;
    sim_scenario(&sc, json);
    struct cs_results r[2];
    struct cs_virtual_stats st[2] = {{.letters_only = false}, {.letters_only = true}};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(cs_results_init(&r[k], cs_plan_ranks(&sc, nodes)), CS_OK);
        assert_int_equal(cs_virtual_run(&sc, nodes, trace, &r[k], &st[k]), CS_OK);
    }
    assert_same_results(&r[0], &r[1], json);
    assert_int_equal(st[0].messages, st[1].messages);
    cs_results_free(&r[0]);
    cs_results_free(&r[1]);
}

/* The engine hands a request to a node with nothing else due at once,
 * and leaves a free dispatcher's replies to wait for its next turn: one
 * turn a request where there were four. The same runs with every message
 * a letter and a turn give the same results to the last bit: every
 * policy (with and without a network latency, with bounded node queues
 * whose rejections come back inside the dispatcher's own turn),
 * dispatcher costs, batches, several dispatchers, relays, closed loops,
 * timeouts and retries, windows, servers, faults, hedging, a load
 * schedule, service in no time, and a trace whose arrivals share an
 * instant. */
static void handing_messages_over_changes_no_result(void **state)
{
    (void)state;
#define D "\"load\":{\"duration_s\":0.5,\"warmup_s\":0.1,\"utilization\":0.9}"
    static const struct {
        int nodes;
        const char *json;
    } runs[] = {
        {4, "{" D ",\"dispatch\":{\"policy\":\"round_robin\"}}"},
        {50, "{" D ",\"dispatch\":{\"policy\":\"random\"}}"},
        {50, "{" D ",\"dispatch\":{\"policy\":\"power_of_d\"}}"},
        {8, "{" D ",\"dispatch\":{\"policy\":\"least_outstanding\"}}"},
        {8, "{" D ",\"dispatch\":{\"policy\":\"jiq\"}}"},
        {8, "{" D ",\"dispatch\":{\"policy\":\"pull\"}}"},
        {8, "{" D ",\"network\":{\"latency_us\":50}}"},
        {8, "{" D ",\"network\":{\"latency_us\":50},\"dispatch\":{\"policy\":\"power_of_d\"}}"},
        {8, "{" D ",\"network\":{\"latency_us\":50},\"dispatch\":{\"policy\":\"least_outstanding\"}}"},
        {8, "{" D ",\"network\":{\"latency_us\":50},\"dispatch\":{\"policy\":\"jiq\"}}"},
        {8, "{" D ",\"dispatch\":{\"cost_us\":100}}"},
        {8, "{" D ",\"model\":{\"coordinator_message_us\":20},\"dispatch\":{\"batch\":4}}"},
        {8, "{" D ",\"dispatch\":{\"batch\":8,\"batch_wait_us\":200}}"},
        {8, "{" D ",\"dispatch\":{\"dispatchers\":2}}"},
        {9, "{" D ",\"dispatch\":{\"dispatchers\":3,\"partition\":\"sharded\"}}"},
        {16, "{" D ",\"dispatch\":{\"relays\":2,\"cost_us\":50}}"},
        {16, "{" D ",\"network\":{\"latency_us\":20},\"dispatch\":{\"relays\":2}}"},
        {8, "{\"load\":{\"arrival\":\"closed\",\"clients\":32,\"duration_s\":0.5,\"warmup_s\":0.1}}"},
        {8, "{" D ",\"dispatch\":{\"timeout_ms\":5,\"retries\":2}}"},
        {8, "{" D ",\"dispatch\":{\"window\":2}}"},
        {8, "{" D ",\"nodes\":{\"queue_capacity\":3}}"},
        {50, "{\"load\":{\"duration_s\":0.3,\"warmup_s\":0.05,\"utilization\":0.95},\"nodes\":{\"queue_capacity\":1},"
             "\"dispatch\":{\"policy\":\"power_of_d\"}}"},
        {8, "{\"load\":{\"duration_s\":0.3,\"warmup_s\":0.05,\"utilization\":0.95},\"nodes\":{\"queue_capacity\":1},"
            "\"dispatch\":{\"policy\":\"least_outstanding\"}}"},
        {8, "{" D ",\"nodes\":{\"queue_capacity\":1},\"dispatch\":{\"policy\":\"jiq\"}}"},
        {4, "{" D ",\"nodes\":{\"servers\":3},\"dispatch\":{\"policy\":\"least_outstanding\"}}"},
        {4, "{" D ",\"dispatch\":{\"hedge_after_us\":3000},\"faults\":[{\"rank\":2,\"at_s\":0.2,\"kind\":"
            "\"slow\",\"factor\":10,\"for_s\":0.2},{\"rank\":3,\"at_s\":0.3,\"kind\":\"stop\"}]}"},
        {4, "{\"load\":{\"duration_s\":1,\"warmup_s\":0,\"schedule\":[{\"at_s\":0,\"rate_rps\":2000},{\"at_s\":"
            "0.3,\"rate_rps\":6000},{\"at_s\":0.5,\"rate_rps\":1000}]},\"dispatch\":{\"max_pending\":300}}"},
        {4, "{\"load\":{\"rate_rps\":2000,\"duration_s\":0.2,\"warmup_s\":0},\"service\":{\"time\":{\"dist\":"
            "\"constant\",\"mean_us\":0}}}"},
    };
#undef D
    for (size_t i = 0; i < CS_ARRAY_LEN(runs); i++)
        run_both_ways(runs[i].json, runs[i].nodes, NULL);
    /* Arrivals at one instant, to a node whose one-request queue is full. */
    struct cs_trace t;
    char err[CS_ERRBUF], csv[4096];
    int len = 0;
    for (int k = 0; k < 200; k++)
        len += snprintf(csv + len, sizeof(csv) - (size_t)len, "%.3f,%d\n%.3f,%d\n", 0.001 * (k / 2), 300 + 7 * (k % 5),
                        0.001 * (k / 2), 900);
    assert_int_equal(cs_trace_parse(&t, "t", csv, (size_t)len, err, sizeof(err)), CS_OK);
    run_both_ways(
        "{\"load\":{\"arrival\":\"trace\",\"duration_s\":0.2,\"warmup_s\":0},\"nodes\":{\"queue_capacity\":1},"
        "\"dispatch\":{\"policy\":\"least_outstanding\"}}",
        3, &t);
    cs_trace_free(&t);
}

/* Random dispatch of Poisson arrivals splits them into independent
 * Poisson streams, so each node is an M/M/1 queue: mean latency
 * 1 / (mu - lambda / n). 200,000 requests give a standard error near 1%. */
static void random_dispatch_matches_the_mm1_mean_latency(void **state)
{
    (void)state;
    const double rhos[] = {0.5, 0.8};
    for (int k = 0; k < 2; k++) {
        char json[256];
        snprintf(json, sizeof(json),
                 "{\"load\":{\"utilization\":%g,\"duration_s\":50,\"warmup_s\":5,\"seed\":3},"
                 "\"dispatch\":{\"policy\":\"random\",\"window\":100000}}",
                 rhos[k]);
        struct sim_run *x = sim_run(json, 4);
        sim_assert_conserved(&x->r);
        double mu = 1000.0, lambda = rhos[k] * mu;
        double theory_us = 1e6 / (mu - lambda);
        assert_close(cs_hist_mean(&x->r.latency) / 1e3, theory_us, 0.03);
        /* The sojourn time of M/M/1 is exponential: p99 = mean x ln 100. */
        assert_close((double)cs_hist_percentile(&x->r.latency, 99) / 1e3, theory_us * log(100.0),
                     rhos[k] < 0.7 ? 0.05 : 0.10);
        sim_done(x);
    }
}

static void windows_bound_what_a_node_holds(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":2,\"duration_s\":2},\"dispatch\":{\"window\":3}}", 2);
    sim_assert_conserved(&x->r);
    assert_true(x->st.max_node_depth <= 3);
    assert_true(x->st.max_node_depth >= 2);
    sim_done(x);
}

static void overload_is_rejected_at_the_coordinator_and_memory_stays_bounded(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":3,\"duration_s\":5},\"dispatch\":{\"max_pending\":50}}", 2);
    sim_assert_conserved(&x->r);
    assert_true(x->r.coord[CS_C_REJECTED] > 0);
    assert_true(x->r.coord[CS_C_PENDING_MAX] <= 50);
    /* Capacity is 2000 req/s: that is what gets through. */
    assert_close(x->r.throughput_rps, 2000.0, 0.03);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    sim_done(x);
}

static void with_no_coordinator_queue_what_cannot_be_sent_is_rejected(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":2,\"duration_s\":2},\"dispatch\":{\"max_pending\":0,"
                                "\"window\":1}}",
                                2);
    sim_assert_conserved(&x->r);
    assert_true(x->r.coord[CS_C_REJECTED] > 0);
    assert_int_equal(x->r.coord[CS_C_PENDING_MAX], 0);
    sim_done(x);
}

/* A coordinator that cannot keep up generates its arrivals late: with a
 * warm-up longer than it can catch up on (90,000 req/s offered, 50,000 it
 * can dispatch), the window's arrivals come after the clock has passed
 * the window. They are generated all the same, late: the window reports
 * the load it was offered, a latency (from the intended arrival) that
 * holds the coordinator's lag, about half a second by then, and names the
 * coordinator, where it used to report nothing offered, no latency and no
 * bottleneck; and the table says that most of them outlived the window. */
static void a_coordinator_behind_its_arrivals_still_offers_the_whole_window(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":0.9,\"duration_s\":0.5,\"warmup_s\":1},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":1000}},"
                                "\"dispatch\":{\"cost_us\":20}}",
                                100);
    sim_assert_conserved(&x->r);
    assert_close(x->r.coord[CS_C_GENERATED], 45000, 0.02);
    assert_close(x->r.offered_rps, 90000, 0.02);
    assert_true(cs_hist_percentile(&x->r.latency, 50) > 300 * CS_NS_PER_MS);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_COORDINATOR);
    /* Most of them were still out when the window closed: said so. */
    assert_true(x->r.coord[CS_C_OUT_AT_WINDOW_END] > x->r.coord[CS_C_GENERATED] / 2);
    char *table = sim_render(cs_results_table, &x->r);
    assert_non_null(strstr(table, "outlived window"));
    assert_non_null(strstr(table, "p99 > the window"));
    free(table);
    sim_done(x);

    /* At half load a few are out at the end, far under 1%: nothing said. */
    x = sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":2,\"warmup_s\":0.5}}", 4);
    assert_true(x->r.coord[CS_C_OUT_AT_WINDOW_END] < x->r.coord[CS_C_GENERATED] / 100);
    table = sim_render(cs_results_table, &x->r);
    assert_null(strstr(table, "outlived window"));
    free(table);
    sim_done(x);
}

/* A coordinator that needs 500 us per request caps throughput at 2000
 * req/s whatever the nodes can do. Its backlog must show as latency
 * (open loop: latency counts from the intended arrival). */
static void a_slow_coordinator_is_the_bottleneck_and_its_backlog_is_latency(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"rate_rps\":2500,\"duration_s\":4,\"warmup_s\":0.5},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":1000}},"
                                "\"dispatch\":{\"cost_us\":500,\"max_pending\":100000}}",
                                8);
    sim_assert_conserved(&x->r);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_COORDINATOR);
    assert_true(x->r.coordinator_utilization > 0.95);
    assert_close(x->r.throughput_rps, 2000.0, 0.03);
    assert_close(x->r.coordinator_per_request_us, 500.0, 0.05);
    assert_close(x->r.coordinator_capacity_rps, 2000.0, 0.05);
    /* 500 req/s pile up: after 4.5 s the last ones wait over a second. */
    assert_true(cs_hist_percentile(&x->r.latency, 99) > 500 * CS_NS_PER_MS);
    sim_done(x);
}

static void the_drain_deadline_times_out_what_is_left(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":10,\"duration_s\":1,\"warmup_s\":0},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":400000}},"
                                "\"run\":{\"drain_timeout_s\":0.5}}",
                                1);
    sim_assert_conserved(&x->r);
    assert_true(x->r.coord[CS_C_TIMED_OUT] > 0);
    uint64_t abandoned = x->r.nodes[0].counters[CS_N_ABANDONED];
    assert_true(abandoned > 0);
    assert_int_equal(abandoned, x->r.coord[CS_C_TIMED_OUT]);
    sim_done(x);
}

static void zero_rate_produces_no_requests_and_no_verdict(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"rate_rps\":0,\"duration_s\":1}}", 2);
    sim_assert_conserved(&x->r);
    assert_int_equal(x->r.coord[CS_C_GENERATED], 0);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_NONE);
    sim_done(x);
}

static void multiple_servers_serve_in_parallel(void **state)
{
    (void)state;
    /* 1 node, 4 servers, constant 1 ms: capacity 4000 req/s. */
    struct sim_run *x = sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":3800,\"duration_s\":2},"
                                "\"service\":{\"servers\":4,\"time\":{\"dist\":\"constant\",\"mean_us\":1000}}}",
                                1);
    sim_assert_conserved(&x->r);
    assert_close(x->r.throughput_rps, 3800.0, 0.02);
    assert_close(x->r.node_utilization_mean, 0.95, 0.02);
    assert_true(x->r.latency.max < 2 * CS_NS_PER_MS);
    sim_done(x);
}

/* A coordinator for one service node on a virtual network of two ranks,
 * for a test to drive by hand; sc must outlive c. */
static void coord_on_vnet(struct cs_vnet *s, struct cs_scenario *sc, struct cs_coord *c, const char *json)
{
    assert_int_equal(cs_vnet_open(s, 2, 1), CS_OK);
    sim_scenario(sc, json);
    assert_int_equal(cs_coord_init(c, sc, 1, NULL, &s->endpoints[0].tp, &s->endpoints[0].clock, 0), CS_OK);
}

/* A service node (rank 1) of the scenario json on a loopback network. */
static void node_on_vnet(struct cs_vnet *s, struct cs_scenario *sc, struct cs_node *n, const char *json)
{
    assert_int_equal(cs_vnet_open(s, 2, 1), CS_OK);
    sim_scenario(sc, json);
    assert_int_equal(cs_node_start(n, sc, 1, 1, &s->endpoints[1].tp, &s->endpoints[1].clock, 0, NULL), CS_OK);
}

static void a_reply_for_no_request_is_counted_not_trusted(void **state)
{
    (void)state;
    struct cs_vnet s;
    struct cs_scenario sc;
    struct cs_coord c;
    coord_on_vnet(&s, &sc, &c, "{\"load\":{\"rate_rps\":0,\"duration_s\":1}}");
    struct cs_msg bogus = {.kind = CS_MSG_REPLY, .id = 12345};
    assert_int_equal(s.endpoints[1].tp.send(s.endpoints[1].tp.ctx, 0, &bogus, 1), CS_OK);
    assert_true(cs_coord_turn(&c) > 0);
    assert_int_equal(c.counters[CS_C_UNEXPECTED_REPLIES], 1);
    assert_int_equal(c.counters[CS_C_COMPLETED], 0);
    cs_coord_free(&c);
    cs_vnet_close(&s);
}

/* Sleep-emulated service keeps the modelled server's schedule when the
 * node wakes late: the request queued behind the first starts when the
 * first was due to end, so a 2 ms late wake-up costs both replies time
 * but the server no capacity. Spin-emulated service needs the CPU, so
 * there the second request starts when the node gets to it. */
/* An early wake-up adds no capacity to sleep-emulated service: a node
 * woken 20 us before each deadline, with a 30 us early window, answers
 * each request early, but the next starts when the last was due to end,
 * so ten 100 us requests still take the server 1 ms. (Starting the next
 * at once put an overloaded 125 us node 4-9% above its capacity on
 * ranks.) */
/* nodes.queue_capacity bounds the requests waiting for a server: a batch
 * of 4 to an idle node of 2 servers and a queue of 1 starts 2, queues 1
 * and turns 1 away (it turned away 3: the two its servers were about to
 * start counted as waiting). */
static void a_full_queue_counts_only_requests_waiting_for_a_server(void **state)
{
    (void)state;
    struct cs_vnet s;
    struct cs_scenario sc;
    struct cs_node n;
    node_on_vnet(&s, &sc, &n, "{\"nodes\":{\"servers\":2,\"queue_capacity\":1}}");
    struct cs_msg m[4];
    for (int i = 0; i < 4; i++)
        m[i] = (struct cs_msg){.kind = CS_MSG_REQUEST, .id = (uint64_t)i + 1, .service_ns = 100000};
    assert_int_equal(cs_node_on_message(&n, m, 4, 0, 0), CS_OK);
    assert_int_equal(n.counters[CS_N_REJECTED], 1);
    assert_int_equal(cs_node_advance(&n, 0, 0), 0);
    assert_int_equal(n.busy, 2);
    assert_int_equal(n.queue.count, 1);
    /* Both servers busy and one waiting: the next is turned away. */
    assert_int_equal(cs_node_on_message(&n, m, 1, 0, 0), CS_OK);
    assert_int_equal(n.counters[CS_N_REJECTED], 2);
    cs_node_free(&n);
    cs_vnet_close(&s);
}

static void an_early_node_keeps_its_servers_schedule(void **state)
{
    (void)state;
    struct cs_vnet s;
    struct cs_scenario sc;
    struct cs_node n;
    node_on_vnet(&s, &sc, &n, "{\"load\":{\"duration_s\":1,\"warmup_s\":0},\"service\":{\"mode\":\"sleep\"}}");
    for (uint64_t id = 1; id <= 10; id++) {
        struct cs_msg m = {.kind = CS_MSG_REQUEST, .flags = CS_REQ_MEASURED, .id = id, .service_ns = 100000};
        assert_int_equal(cs_node_on_message(&n, &m, 1, 0, 0), CS_OK);
    }
    assert_int_equal(cs_node_advance(&n, 0, 0), 0); /* the first starts, due at 100 us */
    for (int k = 1; k <= 10; k++) {
        int64_t due = cs_node_next_deadline(&n);
        assert_int_equal(due, k * 100000); /* the schedule, never pulled earlier */
        assert_int_equal(cs_node_advance(&n, due - 20000, 30000), 1);
    }
    assert_int_equal(n.counters[CS_N_COMPLETED], 10);
    assert_int_equal(n.counters[CS_N_SERVICE_NS], 10 * 100000);
    assert_int_equal(n.counters[CS_N_BUSY_NS], 10 * 100000);
    cs_node_free(&n);
    cs_vnet_close(&s);
}

static void a_late_node_keeps_its_servers_schedule(void **state)
{
    (void)state;
    const char *modes[] = {"sleep", "spin"};
    for (int k = 0; k < 2; k++) {
        char json[160];
        snprintf(json, sizeof(json), "{\"load\":{\"duration_s\":1,\"warmup_s\":0},\"service\":{\"mode\":\"%s\"}}",
                 modes[k]);
        struct cs_vnet s;
        struct cs_scenario sc;
        struct cs_node n;
        node_on_vnet(&s, &sc, &n, json);
        for (uint64_t id = 1; id <= 2; id++) {
            struct cs_msg m = {.kind = CS_MSG_REQUEST, .flags = CS_REQ_MEASURED, .id = id, .service_ns = CS_NS_PER_MS};
            assert_int_equal(cs_node_on_message(&n, &m, 1, 0, 0), CS_OK);
        }
        assert_int_equal(cs_node_advance(&n, 0, 0), 0); /* the first starts, due at 1 ms */
        int sent = 0, r;
        while ((r = cs_node_advance(&n, 3 * CS_NS_PER_MS, 0)) > 0) /* woken 2 ms late */
            sent += r;
        assert_int_equal(r, 0);
        if (k == 0) {
            assert_int_equal(sent, 2); /* the second was due at 2 ms: answered at once */
            assert_int_equal(n.counters[CS_N_SERVICE_NS], 3 * CS_NS_PER_MS + 2 * CS_NS_PER_MS);
            assert_int_equal(n.counters[CS_N_BUSY_NS], 2 * CS_NS_PER_MS); /* the schedule: 0-1 and 1-2 ms */
        } else {
            assert_int_equal(sent, 1);
            assert_int_equal(cs_node_next_deadline(&n), 4 * CS_NS_PER_MS);
        }
        /* Two short requests answered early (a sleeper's early window):
         * the second never starts later than now, so no delivered time
         * is negative. */
        for (uint64_t id = 3; id <= 4; id++) {
            struct cs_msg m = {.kind = CS_MSG_REQUEST, .flags = CS_REQ_MEASURED, .id = id, .service_ns = 10000};
            assert_int_equal(cs_node_on_message(&n, &m, 1, 0, 10 * CS_NS_PER_MS), CS_OK);
        }
        uint64_t served = n.counters[CS_N_SERVICE_NS];
        for (int turn = 0; turn < 4; turn++) /* each completes what is due, then starts the next */
            assert_true(cs_node_advance(&n, 10 * CS_NS_PER_MS, 300000) >= 0);
        assert_int_equal(n.counters[CS_N_COMPLETED], 4);
        if (k == 0) {
            /* each was done at its deadline: exactly the 10 us asked */
            assert_int_equal(n.counters[CS_N_SERVICE_NS] - served, 2 * 10000);
            assert_true(n.service->max <= 3 * CS_NS_PER_MS);
        }
        cs_node_woke(&n, 0, CS_PAUSE_NS / 2);
        cs_node_woke(&n, 0, 2 * CS_PAUSE_NS);
        assert_int_equal(n.counters[CS_N_PAUSES], 1);
        assert_int_equal(n.counters[CS_N_WAKE_LATE_MAX_NS], 2 * CS_PAUSE_NS);
        cs_node_free(&n);
        cs_vnet_close(&s);
    }
}

/* A coordinator that the host held past its wait finds, when it looks,
 * a reply that came in time and a deadline that has passed. Normally the
 * deadline goes first (a late look must not turn a late reply into a
 * completion); after a pause it reported (cs_coord_woke) the reply does,
 * and the request completes instead of timing out. */
static void after_a_host_pause_replies_go_before_deadlines(void **state)
{
    (void)state;
    for (int paused = 0; paused < 2; paused++) {
        struct cs_vnet s;
        struct cs_scenario sc;
        struct cs_coord c;
        coord_on_vnet(&s, &sc, &c,
                      "{\"load\":{\"arrival\":\"constant\",\"rate_rps\":100,\"duration_s\":1,"
                      "\"warmup_s\":0},\"dispatch\":{\"timeout_ms\":10}}");
        struct cs_msg batch[CS_BATCH_MAX], m;
        int src;
        do { /* to the first arrival, which goes out at once */
            s.endpoints[0].now += CS_NS_PER_MS;
            assert_true(cs_coord_turn(&c) >= 0);
            s.endpoints[1].now = s.endpoints[0].now;
        } while (s.endpoints[1].tp.poll(s.endpoints[1].tp.ctx, batch, &src) == 0);
        m = batch[0];
        int64_t sent = s.endpoints[0].now;
        s.endpoints[1].now = sent + CS_NS_PER_MS;
        struct cs_msg reply = {.kind = CS_MSG_REPLY, .flags = m.flags, .id = m.id, .service_ns = CS_NS_PER_MS};
        assert_int_equal(s.endpoints[1].tp.send(s.endpoints[1].tp.ctx, 0, &reply, 1), CS_OK); /* in time: 1 ms after */
        if (paused)
            cs_coord_woke(&c, sent + 2 * CS_NS_PER_MS, sent + 20 * CS_NS_PER_MS);
        s.endpoints[0].now = sent + 20 * CS_NS_PER_MS; /* the look comes after the 10 ms deadline */
        assert_true(cs_coord_turn(&c) > 0);
        assert_int_equal(c.counters[CS_C_COMPLETED], paused ? 1 : 0);
        assert_int_equal(c.counters[CS_C_TIMED_OUT], paused ? 0 : 1);
        assert_int_equal(c.counters[CS_C_PAUSES], paused ? 1 : 0);
        cs_coord_free(&c);
        cs_vnet_close(&s);
    }
}

/* A stop (a signal) in the drain, after the measured window: the window
 * is whole, and so is the run when every reply comes within the grace;
 * past the grace what is left times out, and the run is cut short. A stop
 * in the window always cuts it. */
static void a_stop_in_the_drain_cuts_the_run_only_past_its_grace(void **state)
{
    (void)state;
    for (int late = 0; late < 3; late++) { /* 0: replies in the grace, 1: past it, 2: a stop in the window */
        struct cs_vnet s;
        struct cs_scenario sc;
        struct cs_coord c;
        coord_on_vnet(&s, &sc, &c,
                      "{\"load\":{\"arrival\":\"constant\",\"rate_rps\":100,\"duration_s\":0.05,\"warmup_s\":0}}");
        struct cs_msg sent[64];
        int n = 0, k, src;
        while (c.state == CS_COORD_RUNNING && !(late == 2 && n == 2)) {
            s.endpoints[0].now += CS_NS_PER_MS;
            assert_true(cs_coord_turn(&c) >= 0);
            s.endpoints[1].now = s.endpoints[0].now;
            while (n < 32 && (k = s.endpoints[1].tp.poll(s.endpoints[1].tp.ctx, sent + n, &src)) > 0)
                n += k;
        }
        assert_int_equal(n, late == 2 ? 2 : 4); /* at 10, 20 (30, 40) ms */
        int64_t now = s.endpoints[0].now;
        cs_coord_stop(&c, now, 10 * CS_NS_PER_MS);
        assert_true(cs_coord_stop_asked(&c));
        int64_t answer = now + (late == 1 ? 20 : 5) * CS_NS_PER_MS;
        s.endpoints[1].now = answer;
        for (int i = 0; late != 1 && i < n; i++) {
            struct cs_msg reply = {.kind = CS_MSG_REPLY, .flags = sent[i].flags, .id = sent[i].id, .service_ns = 0};
            assert_int_equal(s.endpoints[1].tp.send(s.endpoints[1].tp.ctx, 0, &reply, 1), CS_OK);
        }
        s.endpoints[0].now = answer;
        for (int turn = 0; turn < 4 && c.state != CS_COORD_DONE; turn++)
            assert_true(cs_coord_turn(&c) >= 0);
        assert_int_equal(c.state, CS_COORD_DONE);
        struct cs_coord_measures m;
        cs_coord_measures(&c, &m);
        const enum cs_stop_phase where[] = {CS_STOP_NONE, CS_STOP_DRAIN, CS_STOP_WINDOW};
        assert_int_equal(m.stopped, where[late]);
        assert_int_equal(c.counters[CS_C_COMPLETED], late == 1 ? 0 : n);
        assert_int_equal(c.counters[CS_C_TIMED_OUT], late == 1 ? n : 0);
        cs_coord_free(&c);
        cs_vnet_close(&s);
    }
    /* With dispatch.timeout_ms, requests that had all timed out (a node
     * that never answers) leave only expired attempts out: the drain gives
     * up on them as it would without a stop, and nothing is cut. */
    struct cs_vnet s;
    struct cs_scenario sc;
    struct cs_coord c;
    coord_on_vnet(&s, &sc, &c,
                  "{\"load\":{\"arrival\":\"constant\",\"rate_rps\":100,\"duration_s\":0.05,\"warmup_s\":0},"
                  "\"dispatch\":{\"timeout_ms\":5}}");
    while (c.state == CS_COORD_RUNNING) {
        s.endpoints[0].now += CS_NS_PER_MS;
        assert_true(cs_coord_turn(&c) >= 0);
    }
    s.endpoints[0].now += 10 * CS_NS_PER_MS; /* every attempt past its deadline */
    assert_true(cs_coord_turn(&c) >= 0);
    assert_int_equal(c.counters[CS_C_TIMED_OUT], 4);
    /* (a grace shorter than the one more timeout the drain gives them) */
    cs_coord_stop(&c, s.endpoints[0].now, CS_NS_PER_MS);
    assert_true(c.drain_cut);
    for (int turn = 0; turn < 8 && c.state != CS_COORD_DONE; turn++) {
        s.endpoints[0].now += 2 * CS_NS_PER_MS;
        assert_true(cs_coord_turn(&c) >= 0);
    }
    assert_int_equal(c.state, CS_COORD_DONE);
    struct cs_coord_measures m;
    cs_coord_measures(&c, &m);
    assert_int_equal(m.stopped, CS_STOP_NONE);
    cs_coord_free(&c);
    cs_vnet_close(&s);
}

/* A stop signal in the warm-up, in virtual time: nothing was measured,
 * and the results and the report say so in words, with no number made
 * of nothing (a cost per request of no request, theory -100% off); so
 * does one as the window begins. A stop in the window says how much of
 * it was measured (cs_coord_stop at a time of the test's choosing, on
 * the virtual network). */
static void a_stop_says_where_it_came(void **state)
{
    (void)state;
    const char *json[] = {"{\"load\":{\"warmup_s\":0.5,\"duration_s\":1}}",
                          "{\"load\":{\"warmup_s\":0,\"duration_s\":1}}"};
    const char *said[] = {"stopped by a signal in the warm-up: nothing was measured",
                          "stopped by a signal as the measured window began: nothing was measured"};
    for (int k = 0; k < 2; k++) {
        atomic_store(&cs_stop_signal, SIGINT); /* as the handler sets it: each dispatcher stops after its first turn */
        struct sim_run *x = sim_run(json[k], 2);
        atomic_store(&cs_stop_signal, 0);
        struct cs_results *r = &x->r;
        sim_assert_conserved(r);
        assert_false(r->complete);
        char *table = sim_render(cs_results_table, r);
        char line[160];
        snprintf(line, sizeof(line), "\n# INCOMPLETE: %s\n", said[k]);
        assert_string_equal(r->ended, said[k]);
        assert_string_equal(cs_results_incomplete_why(r), said[k]);
        assert_int_equal(r->coord[CS_C_GENERATED], 0);
        assert_non_null(strstr(table, line));
        assert_non_null(strstr(table, "busy   0.0%   - us per request"));
        assert_non_null(strstr(table, "(no request measured to compare)"));
        if (strstr(table, "nan") || strstr(table, "-100.0%"))
            fail_msg("a number of nothing in the report:\n%s", table);
        free(table);
        sim_done(x);
    }
    /* 0.3 s into a 1 s window, batched (its message line too), and in the
     * drain past the grace: each says so. */
    for (int drain = 0; drain < 2; drain++) {
        struct cs_vnet s;
        struct cs_scenario sc;
        struct cs_coord c;
        coord_on_vnet(&s, &sc, &c,
                      "{\"load\":{\"arrival\":\"constant\",\"rate_rps\":100,\"duration_s\":1,\"warmup_s\":0},"
                      "\"dispatch\":{\"batch\":4},\"run\":{\"stop_grace_s\":0.01}}");
        while (s.endpoints[0].now < (drain ? 1100 : 300) * CS_NS_PER_MS) {
            s.endpoints[0].now += CS_NS_PER_MS;
            assert_true(cs_coord_turn(&c) >= 0);
        }
        assert_int_equal(cs_coord_stop_phase(&c, s.endpoints[0].now), drain ? CS_STOP_DRAIN : CS_STOP_WINDOW);
        cs_coord_stop(&c, s.endpoints[0].now, 10 * CS_NS_PER_MS);
        for (int turn = 0; turn < 40 && c.state != CS_COORD_DONE; turn++) { /* no node answers */
            s.endpoints[0].now += CS_NS_PER_MS;
            assert_true(cs_coord_turn(&c) >= 0);
        }
        assert_int_equal(c.state, CS_COORD_DONE);
        struct cs_coord_measures m;
        cs_coord_measures(&c, &m);
        struct cs_results r;
        assert_int_equal(cs_results_init(&r, 2), CS_OK);
        struct cs_histogram none;
        cs_hist_init(&none);
        cs_results_collect_placed(&r, &sc, &m, &none);
        cs_results_analyze(&r);
        assert_false(r.complete);
        assert_string_equal(r.ended, drain ? "stopped by a signal in the drain: the requests still open when "
                                             "run.stop_grace_s (0.01 s) ran out count as timed out"
                                           : "stopped by a signal 0.3 s into the 1 s measured window");
        char *table = sim_render(cs_results_table, &r);
        if (strstr(table, "nan"))
            fail_msg("nan in the report:\n%s", table);
        free(table);
        cs_results_free(&r);
        cs_coord_free(&c);
        cs_vnet_close(&s);
    }
}

/* The pull policy keeps one queue at the coordinator and feeds a node
 * only when its server is free: n single-server nodes form an M/M/n
 * queue, whose mean latency is given by the Erlang C formula. */
static void pull_matches_erlang_c(void **state)
{
    (void)state;
    const double rhos[] = {0.5, 0.8};
    for (int k = 0; k < 2; k++) {
        char json[256];
        snprintf(json, sizeof(json),
                 "{\"load\":{\"utilization\":%g,\"duration_s\":40,\"warmup_s\":5,\"seed\":4},"
                 "\"dispatch\":{\"policy\":\"pull\",\"max_pending\":1000000}}",
                 rhos[k]);
        struct sim_run *x = sim_run(json, 4);
        sim_assert_conserved(&x->r);
        double theory_us = 1e6 * cs_mmc_sojourn(rhos[k] * 4000, 1000, 4);
        assert_close(cs_hist_mean(&x->r.latency) / 1e3, theory_us, 0.03);
        sim_done(x);
    }
}

/* Round robin hands each node every n-th Poisson arrival: Erlang-n
 * interarrival times, an E_n/M/1 queue solved as G/M/1. */
static void round_robin_matches_the_gm1_solution(void **state)
{
    (void)state;
    const double rhos[] = {0.5, 0.8};
    for (int k = 0; k < 2; k++) {
        char json[256];
        snprintf(json, sizeof(json),
                 "{\"load\":{\"utilization\":%g,\"duration_s\":40,\"warmup_s\":5,\"seed\":5},"
                 "\"dispatch\":{\"policy\":\"round_robin\"}}",
                 rhos[k]);
        struct sim_run *x = sim_run(json, 4);
        sim_assert_conserved(&x->r);
        double theory_us = 1e6 * cs_ekm1_sojourn(rhos[k] * 1000, 1000, 4);
        assert_close(cs_hist_mean(&x->r.latency) / 1e3, theory_us, 0.03);
        sim_done(x);
    }
}

/* At 80% load on nodes of mixed speed, p99 ranks the policies: pull (one
 * queue) beats power of two choices, which beats random and round robin. */
static void power_of_d_beats_random_and_round_robin_and_loses_to_pull(void **state)
{
    (void)state;
    const char *policies[] = {"random", "round_robin", "power_of_d", "pull"};
    double p99[4];
    for (int k = 0; k < 4; k++) {
        char json[400];
        snprintf(json, sizeof(json),
                 "{\"load\":{\"utilization\":0.8,\"duration_s\":30,\"warmup_s\":3,\"seed\":6},"
                 "\"nodes\":{\"speed\":[2,1,1,0.5,2,1,1,0.5]},"
                 "\"dispatch\":{\"policy\":\"%s\",\"max_pending\":1000000}}",
                 policies[k]);
        struct sim_run *x = sim_run(json, 8);
        sim_assert_conserved(&x->r);
        p99[k] = (double)cs_hist_percentile(&x->r.latency, 99);
        sim_done(x);
    }
    assert_true(p99[2] < p99[0]);
    assert_true(p99[2] < p99[1]);
    assert_true(p99[3] < p99[2]);
}

/* A closed loop of N clients thinking Z between requests obeys the
 * interactive response time law R = N / X - Z. */
static void a_closed_loop_obeys_the_response_time_law(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"arrival\":\"closed\",\"clients\":20,\"duration_s\":30,\"warmup_s\":2,"
                                "\"think_us\":{\"dist\":\"exponential\",\"mean_us\":5000}}}",
                                3);
    sim_assert_conserved(&x->r);
    double xput = x->r.throughput_rps;
    double r_law = cs_response_time_law(20, xput, 0.005);
    assert_close(cs_hist_mean(&x->r.latency) / 1e9, r_law, 0.02);
    /* 20 clients at 1 / (R + Z) each load 3 nodes heavily but not over. */
    assert_true(x->r.node_utilization_mean > 0.8);
    assert_int_equal(x->r.coord[CS_C_REJECTED], 0);
    sim_done(x);
}

static void a_schedule_changes_the_rate_at_its_points(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"arrival\":\"constant\",\"duration_s\":3,\"warmup_s\":0,"
                                "\"schedule\":[{\"at_s\":0,\"rate_rps\":100},{\"at_s\":1,\"rate_rps\":1000},"
                                "{\"at_s\":2,\"rate_rps\":0}]},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":100}}}",
                                2);
    sim_assert_conserved(&x->r);
    /* Arrivals strictly inside each piece: 99 in the first second, 999
     * in the next (the one due exactly at a point starts the next piece
     * over), none after. */
    assert_int_equal(x->r.coord[CS_C_GENERATED], 99 + 999);
    assert_close(x->r.offered_rps, 1100.0 / 3.0, 1e-9);
    sim_done(x);
}

static void a_trace_is_replayed_at_its_offsets_with_its_service_times(void **state)
{
    (void)state;
    struct cs_trace t;
    char err[CS_ERRBUF];
    const char *csv = "0.1,500\n0.2,1500\n0.2,1500\n5.0,10\n";
    assert_int_equal(cs_trace_parse(&t, "t", csv, strlen(csv), err, sizeof(err)), CS_OK);
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"load\":{\"arrival\":\"trace\",\"duration_s\":1,\"warmup_s\":0}}");
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 2), CS_OK);
    assert_int_equal(cs_virtual_run(&sc, 1, &t, &r, NULL), CS_OK);
    sim_assert_conserved(&r);
    /* The line at 5 s is past the window. One node: the third waits for the second. */
    assert_int_equal(r.coord[CS_C_GENERATED], 3);
    assert_int_equal(r.latency.min, 500000);
    assert_int_equal(r.latency.max, 3000000);
    cs_results_free(&r);
    cs_trace_free(&t);
}

static void timeouts_end_requests_once_and_discard_late_replies(void **state)
{
    (void)state;
    /* Service is 2 ms but a request is given up 3 ms after arrival; at
     * 150% load the backlog makes most of them late. */
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":1.5,\"duration_s\":5},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":2000}},"
                                "\"dispatch\":{\"timeout_ms\":3,\"window\":4}}",
                                2);
    sim_assert_conserved(&x->r);
    assert_true(x->r.coord[CS_C_TIMED_OUT] > 1000);
    assert_true(x->r.coord[CS_C_LATE_REPLIES] > 0);
    /* Nothing completes later than the timeout. */
    assert_true(x->r.latency.max <= 3 * CS_NS_PER_MS);
    sim_done(x);
}

static void a_full_node_queue_rejects_and_the_coordinator_counts_it(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":2,\"duration_s\":3},\"nodes\":{\"queue_capacity\":2}}", 2);
    sim_assert_conserved(&x->r);
    assert_true(x->r.coord[CS_C_REJECTED_AT_NODES] > 0);
    uint64_t at_nodes = 0;
    for (int i = 0; i < 2; i++)
        at_nodes += x->r.nodes[i].counters[CS_N_REJECTED];
    assert_true(at_nodes >= x->r.coord[CS_C_REJECTED_AT_NODES]);
    /* Queued work never exceeds 2 plus the one in service. */
    assert_true(x->st.max_node_depth <= 3);
    sim_done(x);
}

static void a_fast_node_serves_faster_and_counts_in_the_capacity(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":10},\"nodes\":{\"speed\":{\"1\":4},"
                                "\"servers\":{\"default\":1,\"2\":2}},\"dispatch\":{\"policy\":\"least_outstanding\"}}",
                                2);
    sim_assert_conserved(&x->r);
    /* Capacity: node 1 at 4 x 1000/s, node 2 with 2 servers at 1000/s. */
    assert_close(x->r.node_capacity_rps, 6000, 1e-9);
    double svc1 = (double)x->r.nodes[0].counters[CS_N_SERVICE_NS] / (double)x->r.nodes[0].counters[CS_N_MEASURED];
    double svc2 = (double)x->r.nodes[1].counters[CS_N_SERVICE_NS] / (double)x->r.nodes[1].counters[CS_N_MEASURED];
    assert_close(svc1, 250000, 0.05);
    assert_close(svc2, 1000000, 0.05);
    assert_true(x->r.nodes[0].coordinator_completed > x->r.nodes[1].coordinator_completed);
    sim_done(x);
}

/* A flash crowd (5x the capacity for 3 s): without admission control the
 * backlog, and so the latency, keeps growing until the crowd is gone;
 * with a small coordinator queue the excess is rejected and latency stays
 * bounded. */
#define FLASH_CROWD(max_pending)                                                               \
    "{\"load\":{\"duration_s\":6,\"warmup_s\":0,\"schedule\":[{\"at_s\":0,\"rate_rps\":1000}," \
    "{\"at_s\":2,\"rate_rps\":10000},{\"at_s\":5,\"rate_rps\":1000}]},"                        \
    "\"service\":{\"time\":{\"dist\":\"exponential\",\"mean_us\":1000}},"                      \
    "\"dispatch\":{\"max_pending\":" max_pending ",\"window\":8}}"

static void admission_control_bounds_latency_in_a_flash_crowd(void **state)
{
    (void)state;
    struct sim_run *open = sim_run(FLASH_CROWD("1000000"), 2);
    struct sim_run *bounded = sim_run(FLASH_CROWD("20"), 2);
    sim_assert_conserved(&open->r);
    sim_assert_conserved(&bounded->r);
    assert_int_equal(open->r.coord[CS_C_REJECTED], 0);
    assert_true(bounded->r.coord[CS_C_REJECTED] > 10000);
    /* 2 nodes serve 2000/s against 10000/s for 3 s: the backlog reaches
     * 24000 requests, 12 s of work; bounded, at most 36 wait. */
    assert_true(cs_hist_percentile(&open->r.latency, 99) > 5 * CS_NS_PER_S);
    assert_true(cs_hist_percentile(&bounded->r.latency, 99) < 50 * CS_NS_PER_MS);
    sim_done(open);
    sim_done(bounded);
}

/* The ticket rush: 3 nodes serve 3000/s; 1000/s, then 6000/s from 2 s to
 * 4 s, then 1000/s. Over the 8 s window throughput keeps up and the nodes
 * average 75%, yet the queue grew by 3000/s to about 6000 and drained at
 * 2000/s until about 7 s. The verdict must say so, when and how deep; with
 * admission control, the overload is the crowd's 2 s and the rejections.
 * A steady run at 90%, even with pull's shared queue, has no overloaded
 * interval. */
#define TICKET_RUSH(max_pending)                                                                          \
    "{\"load\":{\"duration_s\":8,\"warmup_s\":0,\"seed\":3,\"schedule\":[{\"at_s\":0,\"rate_rps\":1000}," \
    "{\"at_s\":2,\"rate_rps\":6000},{\"at_s\":4,\"rate_rps\":1000}]},\"dispatch\":{\"policy\":"           \
    "\"least_outstanding\",\"window\":8,\"max_pending\":" max_pending "},\"run\":{\"interval_ms\":250}}"

/* Two dispatchers under a crowd: rank 0's intervals, judged against its
 * share of the nodes (it was called a coordinator overload, at half the
 * rate); relays at 63% of what they send are no overload (rank 0's
 * threshold counted the relays' dispatch.cost_us); an overload that began
 * in the warm-up is reported from the window's start. */
static void a_transient_overload_is_judged_against_its_tier(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"duration_s\":5,\"warmup_s\":1,\"seed\":3,\"schedule\":[{\"at_s\":0,"
                                "\"rate_rps\":2000},{\"at_s\":2,\"rate_rps\":5500},{\"at_s\":3,\"rate_rps\":2000}]},"
                                "\"dispatch\":{\"dispatchers\":2}}",
                                4);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_int_equal(x->r.overload.tier, CS_TIER_NODES);
    assert_close(x->r.overload.capacity_rps, 2000, 1e-9);
    if (!strstr(x->r.reason, "arrived at dispatcher rank 0 where its share of the service nodes serves 2000"))
        fail_msg("reason: %s", x->r.reason);
    sim_done(x);

    x = sim_run("{\"load\":{\"rate_rps\":5000,\"duration_s\":2,\"warmup_s\":0.5},\"dispatch\":{\"relays\":2,"
                "\"cost_us\":250}}",
                16);
    assert_int_equal(x->r.overload.episodes, 0);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_NONE);
    sim_done(x);

    x = sim_run("{\"load\":{\"duration_s\":3,\"warmup_s\":1,\"seed\":3,\"schedule\":[{\"at_s\":0,\"rate_rps\":"
                "2000},{\"at_s\":0.5,\"rate_rps\":6000},{\"at_s\":2,\"rate_rps\":1000}]},\"run\":{\"interval_ms\":"
                "300}}",
                4);
    assert_int_equal(x->r.overload.episodes, 1);
    assert_close(x->r.overload.from_s, 1.0, 1e-9);
    assert_true(x->r.overload.overloaded_s <= x->r.overload.to_s - 1.0 + 1e-9);
    sim_done(x);

    /* The same overload turned away at the coordinator: an interval that
     * straddles the window's start counts only the measured requests it
     * turned away, not the warm-up's (0.9 to 1.2 s here). */
    x = sim_run("{\"load\":{\"duration_s\":3,\"warmup_s\":1,\"seed\":3,\"schedule\":[{\"at_s\":0,\"rate_rps\":"
                "2000},{\"at_s\":0.5,\"rate_rps\":6000},{\"at_s\":2,\"rate_rps\":1000}]},\"run\":{\"interval_ms\":"
                "300},\"dispatch\":{\"max_pending\":30}}",
                4);
    uint64_t window = x->r.coord[CS_C_REJECTED], warmup = x->r.coord[CS_C_WARMUP_REJECTED];
    if (!(warmup > 100 && x->r.overload.rejected > 1000 && x->r.overload.rejected <= window))
        fail_msg("turned away: %llu in the overloaded intervals, %llu in the window, %llu in the warm-up",
                 (unsigned long long)x->r.overload.rejected, (unsigned long long)window, (unsigned long long)warmup);
    sim_done(x);
}

static void a_transient_overload_is_named_when_the_averages_kept_up(void **state)
{
    (void)state;
    struct sim_run *x = sim_run(TICKET_RUSH("1000000"), 3);
    const struct cs_overload *o = &x->r.overload;
    assert_true(x->r.throughput_rps > 0.95 * x->r.offered_rps); /* the averages kept up */
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_int_equal(o->episodes, 1);
    assert_close(o->from_s, 2.0, 0.07);
    assert_close(o->to_s, 7.0, 0.07);
    assert_close(o->pending_peak, 6000, 0.05);
    assert_true(o->p99_peak_us > 1.5e6);
    assert_close(o->capacity_rps, 3000, 1e-9);
    assert_non_null(strstr(x->r.reason, "overloaded from 2.0 s to"));
    sim_done(x);

    x = sim_run(TICKET_RUSH("30"), 3);
    o = &x->r.overload;
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_close(o->from_s, 2.0, 0.07);
    assert_close(o->to_s, 4.0, 0.07);
    assert_true(o->pending_peak <= 30);
    assert_true(o->rejected > 5000);
    assert_non_null(strstr(x->r.reason, "requests were turned away"));
    /* The report's overload line says how many too. */
    char *table = sim_render(cs_results_table, &x->r), want[64];
    snprintf(want, sizeof(want), "; %llu turned away\n", (unsigned long long)o->rejected);
    if (!strstr(table, want))
        fail_msg("no '%s' in:\n%s", want, table);
    free(table);
    sim_done(x);

    const char *steady[] = {"{\"load\":{\"utilization\":0.9,\"duration_s\":20,\"warmup_s\":1}}",
                            "{\"load\":{\"utilization\":0.9,\"duration_s\":20,\"warmup_s\":1},"
                            "\"dispatch\":{\"policy\":\"pull\"}}"};
    for (size_t i = 0; i < CS_ARRAY_LEN(steady); i++) {
        x = sim_run(steady[i], 3);
        if (x->r.overload.episodes)
            fail_msg("%zu: %d episodes %.2f-%.2f s, %.2f s, peak %.0f req/s, queue %d, capacity %.0f", i,
                     x->r.overload.episodes, x->r.overload.from_s, x->r.overload.to_s, x->r.overload.overloaded_s,
                     x->r.overload.peak_offered_rps, x->r.overload.pending_peak, x->r.overload.capacity_rps);
        sim_done(x);
    }
}

static void time_series_rows_add_up_to_the_run(void **state)
{
    (void)state;
    struct cs_vnet s;
    struct cs_scenario sc;
    struct cs_coord c;
    coord_on_vnet(&s, &sc, &c,
                  "{\"load\":{\"arrival\":\"constant\",\"rate_rps\":1000,\"duration_s\":1,\"warmup_s\":0},"
                  "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":0}}}");
    struct cs_interval_row row;
    double total = 0;
    for (int k = 1; k <= 4; k++) {
        s.endpoints[0].now = k * 250 * CS_NS_PER_MS - 1;
        assert_true(cs_coord_turn(&c) >= 0);
        cs_coord_interval(&c, s.endpoints[0].now, &row);
        total += row.offered_rps * row.length_s;
        assert_close(row.length_s, 0.25, 1e-6);
        assert_close(row.offered_rps, 1000, 0.01);
        /* The arrivals are queued or in flight: nobody answers here. */
        assert_int_equal(row.in_flight + row.pending, (int)(c.counters[CS_C_GENERATED] - 0));
    }
    assert_close(total, (double)c.counters[CS_C_GENERATED], 1e-9);
    cs_coord_free(&c);
    cs_vnet_close(&s);
}

/* Node 2 of 3 stops at 1 s and recovers at 3 s, its faults listed as
 * given, at half load with a 50 ms timeout, marked down after 3. */
#define STOP_AT_1 "{\"rank\":2,\"at_s\":1,\"kind\":\"stop\"}"
#define RECOVER_AT_3 "{\"rank\":2,\"at_s\":3,\"kind\":\"recover\"}"
#define STOPPED_NODE(faults)                                                             \
    "{\"load\":{\"utilization\":0.5,\"duration_s\":6,\"warmup_s\":0},\"faults\":" faults \
    ",\"dispatch\":{\"timeout_ms\":50,\"down_after\":3,\"probe_ms\":200}}"

/* A node stops answering at 1 s and recovers at 3 s. Its requests time
 * out; after 3 in a row it is marked down and gets nothing but probes;
 * after it recovers a probe comes back and it takes work again. No
 * request is lost. */
static void a_stopped_node_is_marked_down_then_up_and_nothing_is_lost(void **state)
{
    (void)state;
    struct sim_run *x = sim_run(STOPPED_NODE("[" STOP_AT_1 "," RECOVER_AT_3 "]"), 3);
    sim_assert_conserved(&x->r);
    const struct cs_results *r = &x->r;
    assert_true(r->coord[CS_C_TIMED_OUT] >= 3 && r->coord[CS_C_TIMED_OUT] < 100);
    assert_true(r->nodes[1].counters[CS_N_DROPPED] >= 3);
    assert_true(r->health_n >= 2);
    assert_int_equal(r->health[0].rank, 2);
    assert_false(r->health[0].up);
    assert_true(r->health[0].at_s > 1.0 && r->health[0].at_s < 1.2);
    assert_true(r->health[r->health_n - 1].up);
    assert_true(r->health[r->health_n - 1].at_s >= 3.0 && r->health[r->health_n - 1].at_s < 3.3);
    /* 500 req/s for the 4 s it was up. */
    assert_true(r->nodes[1].coordinator_completed > 1500);
    sim_done(x);
}

/* Faults act in time order, not the list's: a recover listed before the
 * stop it ends still ends it (listed first, it undid nothing: the node
 * stayed up). */
static void faults_act_in_time_order_whatever_the_list_order(void **state)
{
    (void)state;
    struct sim_run *in_order = sim_run(STOPPED_NODE("[" STOP_AT_1 "," RECOVER_AT_3 "]"), 3);
    struct sim_run *reversed = sim_run(STOPPED_NODE("[" RECOVER_AT_3 "," STOP_AT_1 "]"), 3);
    assert_true(reversed->r.coord[CS_C_TIMED_OUT] >= 3);
    assert_int_equal(reversed->r.coord[CS_C_TIMED_OUT], in_order->r.coord[CS_C_TIMED_OUT]);
    assert_int_equal(reversed->r.coord[CS_C_COMPLETED], in_order->r.coord[CS_C_COMPLETED]);
    assert_int_equal(reversed->r.nodes[1].counters[CS_N_DROPPED], in_order->r.nodes[1].counters[CS_N_DROPPED]);
    sim_done(in_order);
    sim_done(reversed);
    /* One that is over changes nothing: a stop for 1 s inside a stop that
     * lasts does not bring the node back when it ends. */
    struct sim_run *lasting =
        sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":4,\"warmup_s\":0},"
                "\"faults\":[{\"rank\":2,\"at_s\":1,\"kind\":\"stop\"}],\"dispatch\":{\"timeout_ms\":50}}",
                3);
    struct sim_run *inside = sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":4,\"warmup_s\":0},"
                                     "\"faults\":[{\"rank\":2,\"at_s\":1,\"kind\":\"stop\"},"
                                     "{\"rank\":2,\"at_s\":2,\"kind\":\"stop\",\"for_s\":1}],"
                                     "\"dispatch\":{\"timeout_ms\":50}}",
                                     3);
    assert_int_equal(inside->r.coord[CS_C_TIMED_OUT], lasting->r.coord[CS_C_TIMED_OUT]);
    assert_int_equal(inside->r.nodes[1].counters[CS_N_DROPPED], lasting->r.nodes[1].counters[CS_N_DROPPED]);
    sim_done(lasting);
    sim_done(inside);
}

/* One node ten times slower for 3 s: round robin keeps feeding it and its
 * queue sets the tail; load-aware policies steer around it. */
static void a_straggler_hurts_round_robin_more_than_load_aware_policies(void **state)
{
    (void)state;
    const char *policies[] = {"round_robin", "least_outstanding", "pull"};
    double p99[3];
    for (int k = 0; k < 3; k++) {
        char json[400];
        snprintf(json, sizeof(json),
                 "{\"load\":{\"utilization\":0.6,\"duration_s\":6,\"warmup_s\":0,\"seed\":8},"
                 "\"faults\":[{\"rank\":3,\"at_s\":1,\"kind\":\"slow\",\"factor\":10,\"for_s\":3}],"
                 "\"dispatch\":{\"policy\":\"%s\",\"max_pending\":1000000}}",
                 policies[k]);
        struct sim_run *x = sim_run(json, 4);
        sim_assert_conserved(&x->r);
        p99[k] = (double)cs_hist_percentile(&x->r.latency, 99);
        sim_done(x);
    }
    assert_true(p99[0] > 3 * p99[1]);
    assert_true(p99[0] > 3 * p99[2]);
}

/* Rank 2 stops answering at 1 s and recovers at 3 s. With one retry
 * allowed, every request it swallowed is sent again to another node and
 * completes there: none times out, none fails, none is lost. (A retry to
 * the same node would time out again and fail.) */
static void a_stopped_nodes_requests_are_retried_elsewhere_and_complete(void **state)
{
    (void)state;
    struct sim_run *x =
        sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":6,\"warmup_s\":0},"
                "\"faults\":[{\"rank\":2,\"at_s\":1,\"kind\":\"stop\"},{\"rank\":2,\"at_s\":3,\"kind\":\"recover\"}],"
                "\"dispatch\":{\"timeout_ms\":50,\"retries\":1,\"down_after\":3,\"probe_ms\":200}}",
                3);
    sim_assert_conserved(&x->r);
    const uint64_t *c = x->r.coord;
    uint64_t dropped = x->r.nodes[1].counters[CS_N_DROPPED];
    assert_true(dropped >= 3);
    assert_int_equal(c[CS_C_TIMED_OUT], 0);
    assert_int_equal(c[CS_C_FAILED], 0);
    assert_int_equal(c[CS_C_REJECTED], 0);
    assert_int_equal(c[CS_C_COMPLETED], c[CS_C_GENERATED]);
    /* Every request the stopped node dropped was retried and completed
     * (probes it dropped while down too). */
    assert_int_equal(c[CS_C_RETRIES], dropped);
    assert_int_equal(c[CS_C_RETRIED_COMPLETED], dropped);
    /* Answers past a timeout take the timeout plus a round trip. */
    assert_true(x->r.latency.max >= 50 * CS_NS_PER_MS && x->r.latency.max < 60 * CS_NS_PER_MS);
    /* It is marked down and comes back as before. */
    assert_true(x->r.health_n >= 2);
    assert_true(x->r.health[x->r.health_n - 1].up);
    assert_true(x->r.nodes[1].coordinator_completed > 1500);
    sim_done(x);
}

/* Without retries the same requests time out: the retry is what saves them. */
static void without_retries_a_stopped_nodes_requests_time_out(void **state)
{
    (void)state;
    struct sim_run *x = sim_run(STOPPED_NODE("[" STOP_AT_1 "," RECOVER_AT_3 "]"), 3);
    sim_assert_conserved(&x->r);
    assert_int_equal(x->r.coord[CS_C_TIMED_OUT], x->r.nodes[1].counters[CS_N_DROPPED]);
    assert_int_equal(x->r.coord[CS_C_FAILED], 0);
    assert_int_equal(x->r.coord[CS_C_RETRIES], 0);
    sim_done(x);
}

/* Every node stops at 1 s for good. Requests sent to them are retried,
 * time out again and fail; arrivals no node will take time out in the
 * queue; the run still ends, and every request is accounted for. */
static void when_every_node_stops_retried_requests_fail(void **state)
{
    (void)state;
    struct sim_run *x =
        sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":3,\"warmup_s\":0},"
                "\"faults\":[{\"rank\":1,\"at_s\":1,\"kind\":\"stop\"},{\"rank\":2,\"at_s\":1,\"kind\":\"stop\"}],"
                "\"dispatch\":{\"timeout_ms\":20,\"retries\":2,\"down_after\":3,\"probe_ms\":100},"
                "\"run\":{\"drain_timeout_s\":1}}",
                2);
    sim_assert_conserved(&x->r);
    const uint64_t *c = x->r.coord;
    assert_true(c[CS_C_FAILED] > 0);
    assert_true(c[CS_C_TIMED_OUT] > 1000); /* queued, never sent */
    assert_true(c[CS_C_RETRIES] > 0);
    assert_int_equal(c[CS_C_RETRIED_COMPLETED], 0);
    /* 1000 req/s answered for the first second only. */
    assert_true(c[CS_C_COMPLETED] > 800 && c[CS_C_COMPLETED] < 1100);
    sim_done(x);
}

#define STRAGGLER(policy, dispatch_extra)                                               \
    "{\"load\":{\"utilization\":0.6,\"duration_s\":6,\"warmup_s\":0,\"seed\":8},"       \
    "\"faults\":[{\"rank\":3,\"at_s\":1,\"kind\":\"slow\",\"factor\":10,\"for_s\":3}]," \
    "\"dispatch\":{\"policy\":\"" policy "\",\"max_pending\":1000000" dispatch_extra "}}"

/* The straggler under round robin: a duplicate sent to another node after
 * 20 ms unanswered (about the p99 of the healthy nodes, which carry the
 * straggler's share) takes the tail from over a second to tens of
 * milliseconds, for about 4% more work. (Hedging at 10 ms, below that p99,
 * wants a duplicate for a third of the requests: the default budget holds
 * it to 7% and the p99 is 88 ms; with no budget the p99 is 167 ms and the
 * mean 110 ms, against 29 ms unhedged.) */
static void hedging_cuts_a_stragglers_tail(void **state)
{
    (void)state;
    struct sim_run *plain = sim_run(STRAGGLER("round_robin", ""), 4);
    struct sim_run *hedged = sim_run(STRAGGLER("round_robin", ",\"hedge_after_us\":20000"), 4);
    sim_assert_conserved(&plain->r);
    sim_assert_conserved(&hedged->r);
    const uint64_t *c = hedged->r.coord;
    double p99_plain = (double)cs_hist_percentile(&plain->r.latency, 99);
    double p99_hedged = (double)cs_hist_percentile(&hedged->r.latency, 99);
    assert_true(p99_plain > 500 * CS_NS_PER_MS);
    assert_true(p99_hedged < 40 * CS_NS_PER_MS);
    assert_int_equal(c[CS_C_COMPLETED], c[CS_C_GENERATED]);
    /* Hedges are a minority, most of them win (the straggler's), and each
     * hedged request's other answer is a discarded duplicate. */
    assert_true(c[CS_C_HEDGES] > c[CS_C_GENERATED] / 50 && c[CS_C_HEDGES] < c[CS_C_GENERATED] / 4);
    assert_true(c[CS_C_HEDGE_WINS] > c[CS_C_HEDGES] / 2);
    assert_int_equal(c[CS_C_DUPLICATE_REPLIES], c[CS_C_HEDGES]);
    sim_done(plain);
    sim_done(hedged);
}

/* Hedging at the 95th percentile of recent answer times on a healthy
 * cluster: about 5% of requests get a duplicate (the Tail at Scale's
 * budget; bursts of queueing push it to about 8% here, as the estimate
 * lags), each duplicate's answer is counted and discarded, and the
 * default budget (10%, plus a burst of 200) holds. */
static void percentile_hedging_duplicates_about_the_tail(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":10,\"warmup_s\":0},"
                                "\"dispatch\":{\"policy\":\"random\",\"hedge_percentile\":95}}",
                                4);
    sim_assert_conserved(&x->r);
    const uint64_t *c = x->r.coord;
    assert_true(c[CS_C_HEDGES] > c[CS_C_GENERATED] / 50);
    assert_true(c[CS_C_HEDGES] <= c[CS_C_GENERATED] / 10 + 200);
    assert_int_equal(c[CS_C_DUPLICATE_REPLIES], c[CS_C_HEDGES]);
    assert_int_equal(c[CS_C_COMPLETED], c[CS_C_GENERATED]);
    sim_done(x);
}

/* Hedging far too early (after 100 us, below any answer) would duplicate
 * every request and double the load; the budget holds it to 5%. */
static void the_hedge_budget_caps_duplicates(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":0.5,\"duration_s\":10,\"warmup_s\":0},"
                                "\"dispatch\":{\"hedge_after_us\":100,\"hedge_budget\":0.05}}",
                                4);
    sim_assert_conserved(&x->r);
    const uint64_t *c = x->r.coord;
    assert_true(c[CS_C_HEDGES] >= c[CS_C_GENERATED] / 20 - 1);
    assert_true(c[CS_C_HEDGES] <= c[CS_C_GENERATED] / 20 + 200);
    assert_true(c[CS_C_HEDGES_SKIPPED] > c[CS_C_GENERATED] / 2);
    sim_done(x);
}

#define SPIKE(dispatch_extra)                                                                   \
    "{\"load\":{\"duration_s\":10,\"warmup_s\":0,\"schedule\":[{\"at_s\":0,\"rate_rps\":3200}," \
    "{\"at_s\":2,\"rate_rps\":6000},{\"at_s\":3,\"rate_rps\":3200}]},"                          \
    "\"dispatch\":{\"policy\":\"least_outstanding\",\"timeout_ms\":20,\"max_pending\":100000" dispatch_extra "}}"

/* A retry storm: 4 nodes (4000 req/s) at 80% take a 1 s spike to 150%.
 * Without retries the spike's excess times out and the rest completes.
 * With 3 retries and no budget, every timeout sends more work to nodes
 * still busy with what was given up on, and the overload outlives the
 * spike: most requests of the whole run fail (a metastable failure). The
 * default budget (retries add at most 10%) keeps it a spike. */
static void retries_without_a_budget_turn_a_spike_into_a_collapse(void **state)
{
    (void)state;
    struct sim_run *none = sim_run(SPIKE(""), 4);
    struct sim_run *storm = sim_run(SPIKE(",\"retries\":3,\"retry_budget\":100"), 4);
    struct sim_run *budget = sim_run(SPIKE(",\"retries\":3"), 4);
    sim_assert_conserved(&none->r);
    sim_assert_conserved(&storm->r);
    sim_assert_conserved(&budget->r);
    const uint64_t *n = none->r.coord, *s = storm->r.coord, *b = budget->r.coord;
    assert_true(n[CS_C_COMPLETED] > n[CS_C_GENERATED] * 7 / 10);
    assert_true(s[CS_C_COMPLETED] < s[CS_C_GENERATED] * 4 / 10);
    assert_true(s[CS_C_RETRIES] > s[CS_C_GENERATED] / 2);
    assert_int_equal(storm->r.bottleneck, CS_BOTTLENECK_SERVICE_NODES);
    assert_non_null(strstr(storm->r.reason, "retry storm"));
    assert_true(b[CS_C_COMPLETED] > b[CS_C_GENERATED] * 7 / 10);
    assert_true(b[CS_C_RETRIES] <= b[CS_C_GENERATED] / 10 + 200);
    assert_true(b[CS_C_RETRIES_SKIPPED] > 0);
    sim_done(none);
    sim_done(storm);
    sim_done(budget);
}

/* A one-minute timeout and a one-second hedge delay at 100,000 req/s: the
 * rings that hold deadlines and hedge candidates keep only what is still
 * in flight, not a minute's worth of arrivals. */
static void deadline_and_hedge_rings_stay_near_what_is_in_flight(void **state)
{
    (void)state;
    struct sim_run *x =
        sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":100000,\"duration_s\":2,\"warmup_s\":0},"
                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":10}},"
                "\"dispatch\":{\"timeout_ms\":60000,\"retries\":1,\"hedge_after_us\":1000000}}",
                3);
    sim_assert_conserved(&x->r);
    assert_int_equal(x->r.coord[CS_C_COMPLETED], x->r.coord[CS_C_GENERATED]);
    assert_true(x->r.coord[CS_C_GENERATED] >= 199999);
    assert_true(x->st.ring_cap <= 4096);
    sim_done(x);
}

/* The modelled costs of a virtual run. Constant arrivals below capacity
 * and constant service: nothing queues, so every request's latency is
 * exactly its service, its overhead and two network crossings. */
static void modelled_network_and_node_costs_add_exactly(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":500,\"duration_s\":4,\"warmup_s\":0},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":1000}},"
                                "\"network\":{\"latency_us\":250},\"model\":{\"node_overhead_us\":100}}",
                                2);
    sim_assert_conserved(&x->r);
    assert_int_equal(x->r.latency.min, 1600 * 1000);
    assert_true(x->r.latency.max - x->r.latency.min <= 1000); /* one histogram bucket */
    /* The delivered service includes the overhead: 1.1x what was asked. */
    assert_close(x->r.service_inflation, 1.1, 1e-6);
    assert_close(x->r.node_capacity_rps, 2 / 1100e-6, 1e-9);
    sim_done(x);
}

/* A modelled overhead of 20% lengthens every service in virtual time:
 * that is the model, not a host's CPU, which cannot slow a virtual node;
 * the nodes, busy 36%, are no bottleneck. */
static void a_modelled_overhead_is_not_the_host_cpu(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"arrival\":\"constant\",\"rate_rps\":600,\"duration_s\":2,\"warmup_s\":0},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":1000}},"
                                "\"model\":{\"node_overhead_us\":200}}",
                                2);
    assert_close(x->r.service_inflation, 1.2, 1e-6);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_NONE);
    assert_null(strstr(x->r.reason, "host"));
    sim_done(x);
}

/* Theory knows the network's round trip (a constant) and a constant
 * overhead on constant service: M/D/1 per node with service 900 + 100 us,
 * plus 2 x 300 us; and a closed loop whose clients think through the
 * round trip (exact MVA). Long virtual runs: within 3%. */
static void theory_takes_the_modelled_costs(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"rate_rps\":3200,\"duration_s\":60,\"warmup_s\":2},"
                                "\"dispatch\":{\"policy\":\"random\"},"
                                "\"service\":{\"time\":{\"dist\":\"constant\",\"mean_us\":900}},"
                                "\"network\":{\"latency_us\":300},\"model\":{\"node_overhead_us\":100}}",
                                4);
    assert_non_null(x->r.theory.model);
    assert_close(x->r.theory.mean_us, 1e6 * cs_md1_sojourn(800, 1000) + 600, 1e-9);
    assert_close(cs_hist_mean(&x->r.latency) / 1e3, x->r.theory.mean_us, 0.03);
    sim_done(x);
    x = sim_run("{\"load\":{\"arrival\":\"closed\",\"clients\":12,\"duration_s\":60,\"warmup_s\":2},"
                "\"dispatch\":{\"policy\":\"random\"},\"network\":{\"latency_us\":300}}",
                4);
    assert_non_null(x->r.theory.model);
    /* by hand: the mean value recursion over 12 clients, four stations of
     * demand 0.25 ms and the wire's 0.6 ms as a delay: 3.2995 ms queued
     * and served, 3.8995 with the wire */
    assert_close(x->r.theory.mean_us, 3899.4719, 1e-6);
    assert_close(cs_hist_mean(&x->r.latency) / 1e3, x->r.theory.mean_us, 0.03);
    sim_done(x);
    /* A pulling node waits a round trip for each request: no formula. */
    x = sim_run("{\"load\":{\"duration_s\":2},\"dispatch\":{\"policy\":\"pull\"},\"network\":{\"latency_us\":300}}", 4);
    assert_null(x->r.theory.model);
    assert_non_null(strstr(x->r.theory.why, "network.latency_us"));
    sim_done(x);
}

/* The coordinator's modelled work: per request and per message (one out,
 * one back), busy time it spends while the nodes go on. At 2000 req/s,
 * 50 + 2 x 25 us is 20% of its time; 9000 req/s would need 90%: at
 * 10000 req/s (100%) it is the bottleneck. */
static void the_coordinator_pays_its_modelled_costs(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"rate_rps\":2000,\"duration_s\":10,\"warmup_s\":1},"
                                "\"service\":{\"time\":{\"dist\":\"exponential\",\"mean_us\":100}},"
                                "\"model\":{\"coordinator_request_us\":50,\"coordinator_message_us\":25}}",
                                8);
    sim_assert_conserved(&x->r);
    assert_close(x->r.coordinator_utilization, 0.2, 0.02);
    assert_close(x->r.coordinator_per_request_us, 100, 0.02);
    assert_null(x->r.theory.model);
    sim_done(x);
    x = sim_run("{\"load\":{\"arrival\":\"closed\",\"clients\":64,\"duration_s\":5,\"warmup_s\":1},"
                "\"service\":{\"time\":{\"dist\":\"exponential\",\"mean_us\":100}},"
                "\"model\":{\"coordinator_request_us\":50,\"coordinator_message_us\":25}}",
                8);
    assert_close(x->r.throughput_rps, 10000, 0.02);
    assert_int_equal(x->r.bottleneck, CS_BOTTLENECK_COORDINATOR);
    sim_done(x);
}

/* The handoff: a pulling node that answers while requests wait at the
 * coordinator sits idle for its reply's trip there and the next
 * request's trip back: exactly 2 x network.latency_us in virtual time,
 * and the occupied service (delivered + handoff per request) puts the
 * same M/M/c back beside the measurement. Random dispatch never holds a
 * request back for a node, so it has no handoff. */
static void a_pulling_node_waits_a_round_trip_for_its_next_request(void **state)
{
    (void)state;
    struct sim_run *x = sim_run("{\"load\":{\"utilization\":0.8,\"duration_s\":20,\"warmup_s\":1},"
                                "\"dispatch\":{\"policy\":\"pull\"},\"network\":{\"latency_us\":100}}",
                                4);
    sim_assert_conserved(&x->r);
    assert_true(x->r.handoffs > 1000);
    assert_close(x->r.handoff_mean_us, 200, 1e-9);
    assert_true(x->r.occupied_us > cs_hist_mean(&x->r.service) / 1e3);
    /* dispatch.prefetch 2: the next request travels while the node still
     * serves, as a message broker's prefetch does. The handoff mostly
     * disappears (left: a service shorter than the round trip), and with
     * it the 20% of extra occupation that made 80% load nearly 96%. */
    struct sim_run *y = sim_run("{\"load\":{\"utilization\":0.8,\"duration_s\":20,\"warmup_s\":1},"
                                "\"dispatch\":{\"policy\":\"pull\",\"prefetch\":2},\"network\":{\"latency_us\":100}}",
                                4);
    sim_assert_conserved(&y->r);
    assert_true(y->r.handoffs < x->r.handoffs / 4);
    assert_true(cs_hist_mean(&y->r.latency) < 0.5 * cs_hist_mean(&x->r.latency));
    assert_null(y->r.theory.model);
    assert_non_null(strstr(y->r.theory.why, "prefetch"));
    sim_done(y);
    sim_done(x);
    x = sim_run("{\"load\":{\"utilization\":0.8,\"duration_s\":5},\"dispatch\":{\"policy\":\"random\"},"
                "\"network\":{\"latency_us\":100}}",
                4);
    assert_int_equal(x->r.handoffs, 0);
    sim_done(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(below_capacity_every_request_completes),
        cmocka_unit_test(littles_law_holds_between_the_measured_sides),
        cmocka_unit_test(constant_arrivals_generate_exactly_rate_times_duration),
        cmocka_unit_test(a_run_is_reproducible_by_seed),
        cmocka_unit_test(handing_messages_over_changes_no_result),
        cmocka_unit_test(random_dispatch_matches_the_mm1_mean_latency),
        cmocka_unit_test(windows_bound_what_a_node_holds),
        cmocka_unit_test(overload_is_rejected_at_the_coordinator_and_memory_stays_bounded),
        cmocka_unit_test(with_no_coordinator_queue_what_cannot_be_sent_is_rejected),
        cmocka_unit_test(a_slow_coordinator_is_the_bottleneck_and_its_backlog_is_latency),
        cmocka_unit_test(the_drain_deadline_times_out_what_is_left),
        cmocka_unit_test(zero_rate_produces_no_requests_and_no_verdict),
        cmocka_unit_test(multiple_servers_serve_in_parallel),
        cmocka_unit_test(a_reply_for_no_request_is_counted_not_trusted),
        cmocka_unit_test(pull_matches_erlang_c),
        cmocka_unit_test(round_robin_matches_the_gm1_solution),
        cmocka_unit_test(power_of_d_beats_random_and_round_robin_and_loses_to_pull),
        cmocka_unit_test(a_closed_loop_obeys_the_response_time_law),
        cmocka_unit_test(a_schedule_changes_the_rate_at_its_points),
        cmocka_unit_test(a_trace_is_replayed_at_its_offsets_with_its_service_times),
        cmocka_unit_test(timeouts_end_requests_once_and_discard_late_replies),
        cmocka_unit_test(a_full_node_queue_rejects_and_the_coordinator_counts_it),
        cmocka_unit_test(a_fast_node_serves_faster_and_counts_in_the_capacity),
        cmocka_unit_test(admission_control_bounds_latency_in_a_flash_crowd),
        cmocka_unit_test(a_transient_overload_is_named_when_the_averages_kept_up),
        cmocka_unit_test(a_transient_overload_is_judged_against_its_tier),
        cmocka_unit_test(time_series_rows_add_up_to_the_run),
        cmocka_unit_test(a_stopped_node_is_marked_down_then_up_and_nothing_is_lost),
        cmocka_unit_test(faults_act_in_time_order_whatever_the_list_order),
        cmocka_unit_test(a_straggler_hurts_round_robin_more_than_load_aware_policies),
        cmocka_unit_test(a_stopped_nodes_requests_are_retried_elsewhere_and_complete),
        cmocka_unit_test(without_retries_a_stopped_nodes_requests_time_out),
        cmocka_unit_test(when_every_node_stops_retried_requests_fail),
        cmocka_unit_test(hedging_cuts_a_stragglers_tail),
        cmocka_unit_test(percentile_hedging_duplicates_about_the_tail),
        cmocka_unit_test(the_hedge_budget_caps_duplicates),
        cmocka_unit_test(deadline_and_hedge_rings_stay_near_what_is_in_flight),
        cmocka_unit_test(retries_without_a_budget_turn_a_spike_into_a_collapse),
        cmocka_unit_test(modelled_network_and_node_costs_add_exactly),
        cmocka_unit_test(a_modelled_overhead_is_not_the_host_cpu),
        cmocka_unit_test(theory_takes_the_modelled_costs),
        cmocka_unit_test(the_coordinator_pays_its_modelled_costs),
        cmocka_unit_test(a_pulling_node_waits_a_round_trip_for_its_next_request),
        cmocka_unit_test(a_late_node_keeps_its_servers_schedule),
        cmocka_unit_test(a_full_queue_counts_only_requests_waiting_for_a_server),
        cmocka_unit_test(an_early_node_keeps_its_servers_schedule),
        cmocka_unit_test(after_a_host_pause_replies_go_before_deadlines),
        cmocka_unit_test(a_stop_in_the_drain_cuts_the_run_only_past_its_grace),
        cmocka_unit_test(a_stop_says_where_it_came),
        cmocka_unit_test(a_coordinator_behind_its_arrivals_still_offers_the_whole_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
