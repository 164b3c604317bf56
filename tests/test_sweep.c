#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs/common.h"
#include "cs/results.h"
#include "cs/sweep.h"
#include "cs/virtual.h"
#include "sim.h"

/* Deterministic noise in [-amp, amp]. */
static double noise(int i, double amp)
{
    static const double u[] = {0.3, -0.8, 0.55, -0.1, 0.9, -0.45, 0.05, -0.7, 0.65, -0.35, 0.2, -0.95};
    return amp * u[i % 12];
}

static void the_usl_fit_recovers_known_parameters(void **state)
{
    (void)state;
    const double x1s[] = {1000, 250}, sigmas[] = {0.05, 0.02}, kappas[] = {0.002, 0.0005};
    int n[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32};
    for (int k = 0; k < 2; k++) {
        double x[10];
        for (int i = 0; i < 10; i++)
            x[i] = x1s[k] * n[i] / (1 + sigmas[k] * (n[i] - 1) + kappas[k] * n[i] * (n[i] - 1)) * (1 + noise(i, 0.002));
        double x1, sigma, kappa;
        double r2 = cs_usl_fit(n, x, 10, false, &x1, &sigma, &kappa);
        assert_close(x1, x1s[k], 0.05);
        assert_close(sigma, sigmas[k], 0.05);
        assert_close(kappa, kappas[k], 0.05);
        assert_true(r2 > 0.99);
    }
}

static double usl_sse(const int *n, const double *x, int count, const double p[3])
{
    double e = 0;
    for (int i = 0; i < count; i++) {
        double d = x[i] - p[0] * n[i] / (1 + p[1] * (n[i] - 1) + p[2] * n[i] * (n[i] - 1));
        e += d * d;
    }
    return e;
}

/* The fit is least squares in X itself (sweep.h), not in the linearized
 * form N X1 / X - 1: no step of any one parameter, up or down (down to
 * its bound of 0 at most), gives a smaller squared error. On noisy
 * points the two optima differ by a few percent in sigma and kappa. */
static void the_usl_fit_is_least_squares_in_throughput(void **state)
{
    (void)state;
    int n[] = {1, 2, 3, 4, 6, 8, 12, 16};
    const double plateau[] = {991, 1974, 2973, 3807, 3870, 3811, 3783, 3790}; /* measured (see below) */
    for (int set = 0; set < 4; set++) {
        bool amdahl = set == 3;
        double x[8];
        for (int i = 0; i < 8; i++)
            x[i] = set == 0 ? 1000.0 * n[i] / (1 + 0.05 * (n[i] - 1) + 0.002 * n[i] * (n[i] - 1)) * (1 + noise(i, 0.04))
                   : set == 1 ? plateau[i]
                              : 400.0 * n[i] / (1 + 0.1 * (n[i] - 1)) * (1 + noise(i + 5, 0.05));
        double p[3];
        cs_usl_fit(n, x, 8, amdahl, &p[0], &p[1], &p[2]);
        double best = usl_sse(n, x, 8, p);
        for (int j = 0; j < (amdahl ? 2 : 3); j++)
            for (int sign = -1; sign <= 1; sign += 2)
                for (double rel = 1e-2; rel >= 1e-5; rel /= 10) {
                    double q[3] = {p[0], p[1], p[2]};
                    double at_zero[3] = {1, 1e-2, 1e-4}; /* a step's scale where the parameter is 0 */
                    double step = rel * (p[j] > 0 ? p[j] : at_zero[j]);
                    q[j] = p[j] + sign * step > 0 ? p[j] + sign * step : 0;
                    double e = usl_sse(n, x, 8, q);
                    if (e < best * (1 - 1e-9))
                        fail_msg("set %d: parameter %d %+g%% gives %.6g < %.6g (x1 %g sigma %g kappa %g)", set, j,
                                 sign * rel * 100, e, best, p[0], p[1], p[2]);
                }
    }
}

static void the_amdahl_fit_recovers_the_serial_fraction(void **state)
{
    (void)state;
    int n[] = {1, 2, 4, 8, 16, 32};
    double x[6];
    for (int i = 0; i < 6; i++)
        x[i] = 500.0 * n[i] / (1 + 0.1 * (n[i] - 1)) * (1 + noise(i, 0.003));
    double x1, serial, kappa;
    double r2 = cs_usl_fit(n, x, 6, true, &x1, &serial, &kappa);
    assert_close(serial, 0.1, 0.05);
    assert_true(kappa == 0);
    assert_true(r2 > 0.99);
}

/* Piecewise-linear curves: linear up to the knee, then flat, with up to
 * 3% noise: the knee detector finds the corner. */
static void the_knee_is_found_on_noisy_piecewise_linear_curves(void **state)
{
    (void)state;
    int n[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16};
    const int knees[] = {3, 5, 8, 12};
    for (int k = 0; k < 4; k++) {
        double x[11];
        for (int i = 0; i < 11; i++)
            x[i] = 1000.0 * (n[i] < knees[k] ? n[i] : knees[k]) * (1 + noise(i + k, 0.03));
        if (cs_knee(n, x, 11) != knees[k])
            fail_msg("knee at %d found at %d", knees[k], cs_knee(n, x, 11));
    }
    /* A straight line has no knee. */
    double line[11];
    for (int i = 0; i < 11; i++)
        line[i] = 1000.0 * n[i] * (1 + noise(i, 0.03));
    assert_int_equal(cs_knee(n, line, 11), 0);
    /* A bend to half the slope is not a knee; a bend to a quarter is. */
    int m[] = {1, 2, 4, 8, 16};
    double half[] = {100, 200, 400, 600, 1000}, quarter[] = {100, 200, 400, 500, 700};
    assert_int_equal(cs_knee(m, half, 5), 0);
    assert_int_equal(cs_knee(m, quarter, 5), 4);
}

static void a_default_sweep_doubles_up_to_every_node(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{}");
    struct cs_sweep_step st[CS_SWEEP_MAX];
    char err[CS_ERRBUF];
    int n = cs_sweep_plan(&sc, 12, st, err, sizeof(err));
    assert_int_equal(n, 5);
    int want[] = {1, 2, 4, 8, 12};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(st[i].nodes, want[i]);
        assert_true(st[i].closed);
        assert_int_equal(st[i].clients, 4 * want[i]);
    }
}

static void strong_and_weak_sweeps_set_the_offered_load(void **state)
{
    (void)state;
    struct cs_scenario sc;
    struct cs_sweep_step st[CS_SWEEP_MAX];
    char err[CS_ERRBUF];
    sim_scenario(&sc, "{\"load\":{\"utilization\":0.5},\"sweep\":{\"nodes\":[1,2,4],\"mode\":\"strong\"}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), 3);
    for (int i = 0; i < 3; i++)
        assert_close(st[i].rate_rps, 2000, 1e-12);
    sim_scenario(&sc, "{\"load\":{\"utilization\":0.5},\"sweep\":{\"nodes\":[1,2,4],\"mode\":\"weak\"}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), 3);
    assert_close(st[0].rate_rps, 500, 1e-12);
    assert_close(st[2].rate_rps, 2000, 1e-12);
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[3],\"rates_rps\":[100,200,300]}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), 3);
    assert_int_equal(st[1].nodes, 3);
    assert_close(st[2].rate_rps, 300, 1e-12);
    assert_false(st[2].closed);
}

static void impossible_sweeps_are_refused_with_the_key(void **state)
{
    (void)state;
    struct cs_scenario sc;
    struct cs_sweep_step st[CS_SWEEP_MAX];
    char err[CS_ERRBUF];
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,8]}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.nodes[2]': 8 nodes asked for but the run has 4"));
    /* The message names the ranks the whole list needs: 9 for 8 nodes,
     * not 5 for the first step that does not fit. */
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,4,8]}}");
    assert_int_equal(cs_sweep_plan(&sc, 3, st, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.nodes[2]': 4 nodes asked for but the run has 3"));
    assert_non_null(strstr(err, "at least 9 ranks"));
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[2,2]}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.nodes[1]'"));
    /* A saturated step's clients past a closed loop's most (they wrapped
     * round a 32-bit int: -2147483648 clients) */
    sim_scenario(&sc, "{\"service\":{\"servers\":1024},\"sweep\":{\"nodes\":[1,3000],\"clients_per_server\":1000}}");
    assert_int_equal(cs_sweep_plan(&sc, 3000, st, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.clients_per_server': 1000 a server makes 1024000 clients at 1 nodes"));
    /* A saturated step's clients are shared among the dispatchers: a
     * lever setting of 8 at 1 node of 4 clients left four idle. */
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,4],\"dispatchers\":[1,8]}}");
    assert_int_equal(cs_sweep_check(&sc, 12, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "4 a server makes 4 clients at 1 node, fewer than the 8 dispatchers"));
    /* A sweep of rates runs every step at one node count: relays and
     * sharded dispatchers each need one of those nodes there too. */
    sim_scenario(&sc, "{\"dispatch\":{\"relays\":2},\"sweep\":{\"nodes\":[1],\"rates_rps\":[300,600]}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "1 node for 2 relays"));
    sim_scenario(&sc, "{\"dispatch\":{\"dispatchers\":3,\"partition\":\"sharded\"},\"sweep\":{\"nodes\":[2],"
                      "\"rates_rps\":[300]}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "2 nodes for 3 dispatchers"));
    sim_scenario(&sc, "{\"dispatch\":{\"relays\":2},\"sweep\":{\"nodes\":[2],\"rates_rps\":[300,600]}}");
    assert_int_equal(cs_sweep_plan(&sc, 4, st, err, sizeof(err)), 2);
    assert_true(st[0].nodes == 2 && st[1].nodes == 2 && st[1].rate_rps == 600);
}

/* One sweep step in virtual time, for cs_sweep_run. */
static int sim_step(void *ctx, int index, int count, const struct cs_scenario *step, int nodes,
                    struct cs_sweep_row *row)
{
    int *ran = ctx;
    assert_int_equal(index, *ran);
    assert_true(count == 7);
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, nodes + 1), CS_OK);
    assert_int_equal(cs_virtual_run(step, nodes, NULL, &r, NULL), CS_OK);
    assert_int_equal(r.lost, 0);
    cs_sweep_row_from(&r, row);
    cs_results_free(&r);
    (*ran)++;
    return 0;
}

/* A step that asks to stop after the third (as a signal does). */
static int stop_after_three(void *ctx, int index, int count, const struct cs_scenario *step, int nodes,
                            struct cs_sweep_row *row)
{
    (void)ctx, (void)count;
    *row = (struct cs_sweep_row){.nodes = nodes, .offered_rps = step->load.rate_rps, .throughput_rps = 100.0 * nodes};
    return index == 2;
}

static char *sweep_report(const struct cs_sweep_row *rows, int count, const struct cs_scaling *a);

/* A signal that cut the fourth step short in its warm-up: nothing measured. */
static int cut_the_fourth(void *ctx, int index, int count, const struct cs_scenario *step, int nodes,
                          struct cs_sweep_row *row)
{
    (void)ctx, (void)count, (void)step;
    *row = (struct cs_sweep_row){.nodes = nodes, .throughput_rps = index == 3 ? 0 : 100.0 * nodes};
    return index == 3 ? 2 : 0;
}

/* The runner: a stop ends the sweep after its step, a sweep over offered
 * load has no scaling curve, a plan that does not fit runs nothing. */
static void the_runner_stops_analyzes_and_refuses(void **state)
{
    (void)state;
    struct cs_scenario sc;
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_scaling a;
    char err[CS_ERRBUF];
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,3,4,5]}}");
    assert_int_equal(cs_sweep_run(&sc, 5, stop_after_three, NULL, rows, &a, NULL, err, sizeof(err)), 3);
    assert_int_equal(a.n, 3);
    assert_int_equal(rows[2].nodes, 3);
    /* A step cut short stays, last, and the analysis leaves it out: no
     * decline to 0 req/s, no knee, and no efficiency in its row. */
    assert_int_equal(cs_sweep_run(&sc, 5, cut_the_fourth, NULL, rows, &a, NULL, err, sizeof(err)), 4);
    assert_int_equal(a.n, 3);
    assert_int_equal(a.knee_nodes, 0);
    assert_int_equal(a.curve, CS_CURVE_GROWS);
    assert_int_equal(rows[3].step, 4);
    char *text = sweep_report(rows, 4, &a);
    if (!strstr(text, "\n     4 "))
        fail_msg("%s", text);
    assert_non_null(strstr(text, "      -  none\n"));
    assert_null(strstr(text, "decline"));
    assert_null(strstr(text, "inf"));
    free(text);
    sim_scenario(&sc, "{\"sweep\":{\"rates_rps\":[100,200]}}");
    assert_int_equal(cs_sweep_run(&sc, 4, stop_after_three, NULL, rows, &a, NULL, err, sizeof(err)), 2);
    assert_int_equal(a.n, 0);
    assert_true(rows[1].offered_rps == 200 && rows[1].nodes == 4);
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,8]}}");
    assert_int_equal(cs_sweep_run(&sc, 4, stop_after_three, NULL, rows, &a, NULL, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "at least 9 ranks"));
}

/* A whole saturate sweep of 1 to 8 nodes in virtual time, through the
 * same runner as the MPI engine, against a coordinator that needs 250 us
 * per request; nodes as the scenario keys in `nodes_json` (JSON members
 * after the others, or "") make them. All 7 steps run. */
static void saturate_sweep(const char *nodes_json, struct cs_sweep_row *rows, struct cs_scaling *a)
{
    char json[512];
    snprintf(json, sizeof(json),
             "{\"load\":{\"duration_s\":5,\"warmup_s\":0.5},\"dispatch\":{\"cost_us\":250,"
             "\"policy\":\"least_outstanding\"},\"sweep\":{\"nodes\":[1,2,3,4,5,6,8]}%s}",
             nodes_json);
    struct cs_scenario base;
    sim_scenario(&base, json);
    char err[CS_ERRBUF];
    int ran = 0;
    assert_int_equal(cs_sweep_run(&base, 8, sim_step, &ran, rows, a, NULL, err, sizeof(err)), 7);
    assert_int_equal(ran, 7);
}

/* Nodes that serve 1000 req/s: linear to 4 nodes, flat after, and the
 * analysis says so. */
static void a_saturate_sweep_finds_the_coordinators_knee(void **state)
{
    (void)state;
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_scaling a;
    saturate_sweep("", rows, &a);
    assert_int_equal(rows[6].nodes, 8);
    assert_int_equal(a.n, 7);
    assert_true(a.efficiency[3] > 0.85);
    assert_int_equal(a.knee_nodes, 4);
    assert_int_equal(a.knee_bottleneck, CS_BOTTLENECK_COORDINATOR);
    assert_close(a.predicted_knee_nodes, 4, 0.05);
    assert_close(a.coordinator_ceiling_rps, 4000, 0.05);
    assert_non_null(
        strstr(a.explanation,
               "throughput stops scaling at 4 nodes (the step to 5 gained 17% of the ideal): the coordinator is busy"));
}

/* The predicted knee is the coordinator's ceiling over one node's model
 * capacity, speed and overhead included: nodes twice as fast (500 us of
 * a 1 ms service) that spend 250 us more on each request serve
 * 1 / 750 us = 1333 req/s, so a coordinator of 250 us (4000 req/s)
 * saturates at 3 of them, not at the 4 that S / c alone would say. */
static void the_predicted_knee_counts_node_speed_and_overhead(void **state)
{
    (void)state;
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_scaling a;
    saturate_sweep(",\"nodes\":{\"speed\":2},\"model\":{\"node_overhead_us\":250}", rows, &a);
    assert_close(a.coordinator_ceiling_rps, 4000, 0.05);
    assert_close(a.predicted_knee_nodes, 3, 0.05);
    assert_int_equal(a.knee_nodes, 3);
    assert_close(rows[1].throughput_rps, 2 * 1333.3, 0.05); /* two nodes: their capacity, below the ceiling */
}

/* A weak sweep offers each node the same rate, here half its capacity:
 * the coordinator's 4000 req/s come at 8 nodes, not at the 4 that
 * saturated nodes would reach them with. */
static void a_weak_sweeps_knee_is_predicted_from_the_rate_a_node_is_offered(void **state)
{
    (void)state;
    struct cs_scenario base;
    sim_scenario(&base, "{\"load\":{\"duration_s\":2,\"warmup_s\":0.5,\"utilization\":0.5},\"dispatch\":{"
                        "\"cost_us\":250},\"sweep\":{\"mode\":\"weak\",\"nodes\":[2,4,6,8,10,12,16]}}");
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_scaling a;
    char err[CS_ERRBUF];
    int ran = 0;
    assert_int_equal(cs_sweep_run(&base, 16, sim_step, &ran, rows, &a, NULL, err, sizeof(err)), 7);
    assert_close(rows[2].offered_rps, 3000, 1e-9); /* 500 a node */
    assert_close(a.coordinator_ceiling_rps, 4000, 0.05);
    assert_close(a.predicted_knee_nodes, 8, 0.05);
    assert_int_equal(a.knee_nodes, 8);
}

/* A coordinator that costs nothing (virtual time without modelled
 * costs) predicts no knee: the analysis says so in words, and no text
 * prints an infinite node count. */
static void a_coordinator_of_no_cost_predicts_no_knee(void **state)
{
    (void)state;
    struct cs_sweep_row rows[3];
    for (int i = 0; i < 3; i++)
        rows[i] = (struct cs_sweep_row){.nodes = 1 << i,
                                        .offered_rps = 700.0 * (1 << i),
                                        .throughput_rps = 700.0 * (1 << i),
                                        .node_utilization_mean = 0.7};
    struct cs_scaling a;
    cs_scaling_analyze(rows, 3, 1000, NULL, &a);
    assert_int_equal(a.knee_nodes, 0);
    assert_false(isfinite(a.predicted_knee_nodes));
    assert_non_null(strstr(a.explanation, "the coordinator measured no cost per request, so nothing predicts a knee"));
    assert_null(strstr(a.explanation, "inf"));
    char words[48];
    assert_string_equal(cs_knee_words(a.predicted_knee_nodes, words, sizeof(words)), "none (no cost per request)");
    assert_string_equal(cs_knee_words(3.94, words, sizeof(words)), "3.9 nodes");
}

/* A strong sweep's fixed load, met at 16 nodes: throughput stops growing
 * there because nothing more is offered, not because anything was short
 * (it said "throughput stops growing at 8 nodes; the step after it
 * reports bottleneck 'none'"). A real knee (the step after short of its
 * offer, or a bottleneck) stays one. */
/* A strong sweep of 1 to 16 nodes offered 11200 req/s, met at 16 (as
 * measured in virtual time). */
static void strong_sweep_rows(struct cs_sweep_row rows[5])
{
    const double x[] = {1020, 2073, 4060, 8140, 11027};
    for (int i = 0; i < 5; i++)
        rows[i] = (struct cs_sweep_row){.nodes = 1 << i,
                                        .offered_rps = 11200,
                                        .throughput_rps = x[i],
                                        .node_utilization_mean = i < 4 ? 1.0 : 0.68,
                                        .bottleneck = i < 4 ? CS_BOTTLENECK_SERVICE_NODES : CS_BOTTLENECK_NONE};
}

static void a_strong_sweep_met_load_is_no_knee(void **state)
{
    (void)state;
    struct cs_sweep_row rows[5];
    strong_sweep_rows(rows);
    struct cs_scaling a;
    cs_scaling_analyze(rows, 5, 1000, NULL, &a);
    assert_int_equal(a.knee_nodes, 0);
    assert_int_not_equal(a.curve, CS_CURVE_PLATEAU);
    if (!strstr(a.explanation, "throughput grows with the nodes until all 11200 req/s offered are served, at 16 "
                               "nodes (efficiency 68% there): the load is met"))
        fail_msg("%s", a.explanation);
    rows[4].throughput_rps = 9000; /* short of its offer: a knee */
    rows[4].bottleneck = CS_BOTTLENECK_SERVICE_NODES;
    cs_scaling_analyze(rows, 5, 1000, NULL, &a);
    assert_int_equal(a.knee_nodes, 8);
}

/* Any step count: a lever sweep's steps, in virtual time. */
static int lever_step(void *ctx, int index, int count, const struct cs_scenario *step, int nodes,
                      struct cs_sweep_row *row)
{
    int *ran = ctx;
    assert_int_equal(index, *ran);
    assert_int_equal(count, 10);
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, nodes + 1), CS_OK);
    assert_int_equal(cs_virtual_run(step, nodes, NULL, &r, NULL), CS_OK);
    sim_assert_conserved(&r);
    cs_sweep_row_from(&r, row);
    cs_results_free(&r);
    (*ran)++;
    return 0;
}

/* Linear rows, and a signal that cuts the sixth step (the second
 * setting's first) short. */
static int cut_the_sixth(void *ctx, int index, int count, const struct cs_scenario *step, int nodes,
                         struct cs_sweep_row *row)
{
    (void)ctx, (void)count, (void)step;
    *row = (struct cs_sweep_row){.nodes = nodes, .throughput_rps = index == 5 ? 0 : 100.0 * nodes};
    return index == 5 ? 2 : 0;
}

/* A lever sweep a signal cut in its second setting's first step: that
 * setting has no curve, and the report says so (no fit of nothing). */
static void a_lever_setting_cut_short_is_not_analysed(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,4,8,16],\"batch\":[1,8]}}");
    char err[CS_ERRBUF];
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_scaling a, each[CS_LEVER_MAX];
    struct cs_levers lv = {.scaling = each};
    assert_int_equal(cs_sweep_run(&sc, 16, cut_the_sixth, NULL, rows, &a, &lv, err, sizeof(err)), 6);
    assert_int_equal(lv.n, 2);
    assert_true(lv.rows[0] == 5 && lv.rows[1] == 1);
    assert_true(each[0].n == 5 && each[1].n == 0);
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 17), CS_OK);
    r.sweep = rows;
    r.sweep_n = 6;
    r.sweep_finished = 5;
    r.levers = &lv;
    r.scaling = &a;
    char *text = sim_render(cs_results_table, &r);
    if (!strstr(text, "; 8: not analysed (cut short)\n") || strstr(text, "nan") || strstr(text, "inf"))
        fail_msg("%s", text);
    free(text);
    r.sweep = NULL;
    r.levers = NULL;
    r.scaling = NULL;
    cs_results_free(&r);
}

/* A lever sweep (sweep.batch) runs the node sweep once per setting, in
 * one go, and analyzes each on its own: with 240 us a message and 10 a
 * request, batch 1 costs 250 us a request and its knee is at
 * S / c = 1000 / 250 = 4 nodes; batches of 8 cost 10 + 240 / 8 = 40 us,
 * a knee predicted at 25 nodes, past the sweep. A batch fills only when
 * its node gets 8 requests within batch_wait_us: at 1000 req/s a node,
 * 10 ms (with 2 ms the batches hold about 3 and cost 90 us a request). */
static void a_lever_sweep_has_a_knee_per_setting(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"load\":{\"duration_s\":2,\"warmup_s\":0.5},\"service\":{\"time\":{\"dist\":"
                      "\"constant\",\"mean_us\":1000}},\"dispatch\":{\"cost_us\":10,\"message_cost_us\":240,"
                      "\"batch_wait_us\":10000},\"sweep\":{\"nodes\":[1,2,4,8,16],\"batch\":[1,8],"
                      "\"clients_per_server\":32}}");
    char err[CS_ERRBUF];
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_scaling a, each[CS_LEVER_MAX];
    struct cs_levers lv = {.scaling = each};
    int ran = 0;
    assert_int_equal(cs_sweep_check(&sc, 16, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_sweep_run(&sc, 16, lever_step, &ran, rows, &a, &lv, err, sizeof(err)), 10);
    assert_string_equal(lv.key, "dispatch.batch");
    assert_int_equal(lv.n, 2);
    assert_true(lv.value[0] == 1 && lv.value[1] == 8);
    assert_true(lv.first_row[1] == 5 && lv.rows[1] == 5);
    assert_true(rows[4].batch == 1 && rows[5].batch == 8 && rows[5].nodes == 1);
    assert_int_equal(each[0].knee_nodes, 4);
    assert_close(each[0].predicted_knee_nodes, 4, 0.1);
    assert_int_equal(each[1].knee_nodes, 0);
    assert_close(each[1].predicted_knee_nodes, 25, 0.15);
    assert_int_equal(a.knee_nodes, each[0].knee_nodes); /* the first setting's, as "analysis" */
    assert_true(rows[9].throughput_rps > 3 * rows[4].throughput_rps);
}

/* A lever sweep that does not fit: one lever at a time, settings whose
 * plans do not fit the ranks, too many steps in all. */
static void impossible_lever_sweeps_are_refused_with_the_key(void **state)
{
    (void)state;
    struct cs_scenario sc;
    char err[CS_ERRBUF];
    const char *both = "{\"sweep\":{\"batch\":[1,2],\"dispatchers\":[1,2]}}";
    assert_int_equal(cs_scenario_parse(&sc, both, strlen(both), err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "one lever at a time"));
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,4],\"dispatchers\":[1,2,4]}}");
    assert_int_equal(cs_sweep_check(&sc, 6, err, sizeof(err)), CS_E_INVALID); /* 4 dispatchers leave 3 nodes */
    assert_non_null(strstr(err, "sweep.nodes"));
    assert_int_equal(cs_sweep_check(&sc, 7, err, sizeof(err)), CS_OK);
    sim_scenario(&sc, "{\"sweep\":{\"nodes\":[1,2,4],\"dispatchers\":[1,8]}}");
    assert_int_equal(cs_sweep_check(&sc, 7, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.dispatchers[1]': 8 dispatchers"));
    /* Relays a setting cannot give a node each: counted in MPI ranks on
     * ranks, in service nodes (--nodes) in virtual time. */
    sim_scenario(&sc, "{\"sweep\":{\"relays\":[0,8]}}");
    assert_int_equal(cs_sweep_check(&sc, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'sweep.relays[1]': 1 dispatcher, 8 relays and a service node for each (at least "
                                "one) need 17 MPI ranks or more, got 5"));
    sc.run.engine = CS_ENGINE_VIRTUAL;
    assert_int_equal(cs_sweep_check(&sc, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "need 8 service nodes (--nodes) or more, got 4"));
    sim_scenario(&sc, "{\"sweep\":{\"batch\":[1,2,3,4,5,6,7,8]}}");
    assert_int_equal(cs_sweep_check(&sc, 300, err, sizeof(err)), CS_E_INVALID); /* 8 x 10 steps */
    assert_non_null(strstr(err, "more than 64"));
    /* Each setting numbers its nodes from its own first rank: a fault on
     * rank 1, a node with one dispatcher, is a dispatcher with two. */
    sim_scenario(&sc, "{\"faults\":[{\"rank\":1,\"at_s\":0,\"kind\":\"stop\"}],\"sweep\":{\"nodes\":[2,3],"
                      "\"dispatchers\":[1,2]}}");
    sc.run.engine = CS_ENGINE_VIRTUAL;
    assert_int_equal(cs_sweep_check(&sc, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'faults[0].rank': there is no service node of rank 1 (ranks 2 to 5), in the setting "
                                "sweep.dispatchers[1] = 2"));
    sim_scenario(&sc, "{\"nodes\":{\"speed\":{\"default\":1,\"1\":2}},\"sweep\":{\"nodes\":[2,3],"
                      "\"dispatchers\":[1,2]}}");
    sc.run.engine = CS_ENGINE_VIRTUAL;
    assert_int_equal(cs_sweep_check(&sc, 4, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'nodes.speed.1'"));
}

static void rows_of(const int *n, const double *x, int count, struct cs_sweep_row *rows)
{
    for (int i = 0; i < count; i++)
        rows[i] = (struct cs_sweep_row){.nodes = n[i],
                                        .throughput_rps = x[i],
                                        .coordinator_per_request_us = 250,
                                        .coordinator_utilization = 0.5,
                                        .node_utilization_mean = 0.5,
                                        .bottleneck = CS_BOTTLENECK_COORDINATOR};
}

/* The report of a sweep's rows and analysis (caller frees): complete,
 * or ended as `ended` says. */
static char *sweep_report_ended(const struct cs_sweep_row *rows, int count, const struct cs_scaling *a,
                                const char *ended)
{
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, rows[count - 1].nodes + 1), CS_OK);
    r.sweep = rows;
    r.sweep_n = count;
    r.scaling = a;
    r.complete = !ended;
    snprintf(r.ended, sizeof(r.ended), "%s", ended ? ended : "");
    char *text = sim_render(cs_results_table, &r);
    cs_results_free(&r);
    return text;
}

static char *sweep_report(const struct cs_sweep_row *rows, int count, const struct cs_scaling *a)
{
    return sweep_report_ended(rows, count, a, NULL);
}

/* The report of a strong sweep whose last step served its load says that
 * the fixed load, not contention, bends the fits (a kappa of 0.0026 in
 * these points, measured in virtual time); not when the load was not
 * met, nor in another mode. */
static void a_strong_sweep_says_its_load_bends_the_fits(void **state)
{
    (void)state;
    struct cs_sweep_row rows[5];
    strong_sweep_rows(rows);
    const char *note = "note: every step was offered the same 11200 req/s and the last served it: the fixed load "
                       "caps the curve";
    struct {
        int mode;
        double last;
        bool said;
    } cases[] = {{CS_SWEEP_STRONG, 11027, true}, {CS_SWEEP_STRONG, 9000, false}, {CS_SWEEP_WEAK, 11027, false}};
    for (size_t k = 0; k < CS_ARRAY_LEN(cases); k++) {
        rows[4].throughput_rps = cases[k].last;
        struct cs_scaling a;
        cs_scaling_analyze(rows, 5, 1000, NULL, &a);
        struct cs_results r;
        assert_int_equal(cs_results_init(&r, 17), CS_OK);
        r.scenario.sweep.mode = cases[k].mode;
        r.sweep = rows;
        r.sweep_n = 5;
        r.scaling = &a;
        char *text = sim_render(cs_results_table, &r);
        cs_results_free(&r);
        if ((strstr(text, note) != NULL) != cases[k].said)
            fail_msg("case %zu: %s", k, text);
        free(text);
    }
}

/* sigma is a fraction in both fits: a curve that falls (a relay tier's
 * 2 and 4 nodes on ranks, 3628 and 3422 req/s: Amdahl's serial fraction
 * was 1.27) is kappa's to explain, and Amdahl's law cannot. */
static void the_fits_keep_sigma_a_fraction(void **state)
{
    (void)state;
    const struct {
        int count;
        int n[4];
        double x[4];
    } curves[] = {{2, {2, 4}, {3628, 3422.5}}, {4, {1, 2, 4, 8}, {1000, 600, 400, 300}}};
    for (size_t c = 0; c < CS_ARRAY_LEN(curves); c++) {
        double x1, sigma, kappa;
        for (int amdahl = 0; amdahl < 2; amdahl++) {
            double r2 = cs_usl_fit(curves[c].n, curves[c].x, curves[c].count, amdahl, &x1, &sigma, &kappa);
            if (!(sigma >= 0 && sigma <= 1 && kappa >= 0 && x1 > 0 && isfinite(r2)))
                fail_msg("curve %zu, amdahl %d: x1 %g sigma %g kappa %g r2 %g", c, amdahl, x1, sigma, kappa, r2);
            if (amdahl)
                assert_true(kappa == 0);
        }
    }
    /* The USL explains the fall with kappa and fits these exactly. */
    double x1, sigma, kappa;
    const int n[] = {1, 2, 4, 8};
    double x[4];
    for (int i = 0; i < 4; i++)
        x[i] = 1000.0 * n[i] / (1 + 0.9 * (n[i] - 1) + 0.2 * n[i] * (n[i] - 1));
    assert_true(cs_usl_fit(n, x, 4, false, &x1, &sigma, &kappa) > 0.9999);
    assert_close(sigma, 0.9, 1e-3);
    assert_close(kappa, 0.2, 1e-3);
}

/* A fit to a plateau has a peak (kappa > 0) that the data do not show;
 * the analysis says plateau, with kappa's uncertainty, and keeps
 * "declines" for points that do fall. */
static void the_curve_is_told_from_the_points_not_the_fit(void **state)
{
    (void)state;
    struct cs_sweep_row rows[8];
    struct cs_scaling a;
    /* Measured on the 2-core VM (an earlier scripts/scaling.sh run). */
    const int n[] = {1, 2, 3, 4, 5, 6, 8};
    const double plateau[] = {991, 1974, 2973, 3807, 3870, 3811, 3783};
    rows_of(n, plateau, 7, rows);
    cs_scaling_analyze(rows, 7, 1000, NULL, &a);
    assert_int_equal(a.curve, CS_CURVE_PLATEAU);
    assert_true(a.usl_kappa > 0 && a.usl_peak_nodes < 8); /* the fit alone would claim a decline */
    assert_true(isfinite(a.usl_kappa_se) && a.usl_kappa_se > 0);

    char *text = sweep_report(rows, 7, &a);
    assert_non_null(strstr(text, "the data show a plateau from 4 nodes, not a decline"));
    assert_non_null(strstr(text, " +- "));
    assert_null(strstr(text, "INCOMPLETE"));
    free(text);
    /* A sweep a signal stopped says so under its first line. */
    text = sweep_report_ended(rows, 7, &a,
                              "stopped by a signal after step 7 of 9 (that step whole): --resume runs the rest");
    if (!strstr(text,
                "\n# INCOMPLETE: stopped by a signal after step 7 of 9 (that step whole): --resume runs the rest\n"))
        fail_msg("%s", text);
    free(text);

    /* Exact USL points past the peak (sqrt(0.98 / 0.01) = 9.9 nodes). */
    const int m[] = {1, 2, 4, 8, 16, 24, 32};
    double x[7];
    for (int i = 0; i < 7; i++)
        x[i] = 1000.0 * m[i] / (1 + 0.02 * (m[i] - 1) + 0.01 * m[i] * (m[i] - 1));
    rows_of(m, x, 7, rows);
    cs_scaling_analyze(rows, 7, 1000, NULL, &a);
    assert_int_equal(a.curve, CS_CURVE_DECLINES);
    assert_close(a.usl_kappa, 0.01, 0.01);
    assert_true(a.usl_kappa_se < 1e-3 * a.usl_kappa); /* exact points: no doubt */
    text = sweep_report(rows, 7, &a);
    assert_non_null(strstr(text, "the data show a decline, to "));
    assert_null(strstr(text, "plateau"));
    free(text);

    /* Linear scale-out. */
    for (int i = 0; i < 7; i++)
        x[i] = 1000.0 * m[i];
    rows_of(m, x, 7, rows);
    cs_scaling_analyze(rows, 7, 1000, NULL, &a);
    assert_int_equal(a.curve, CS_CURVE_GROWS);
    assert_int_equal(a.knee_nodes, 0);
}

/* A knee at the coordinator: the explanation says whether batching would
 * lift its ceiling, as the lever line judges a run's (the part of its
 * cost paid per message), not "batching would" whatever the costs. */
static void a_knee_says_whether_batching_would_help(void **state)
{
    (void)state;
    struct cs_sweep_row rows[7];
    struct cs_scaling a;
    struct cs_scenario sc;
    cs_scenario_defaults(&sc);
    const int n[] = {1, 2, 3, 4, 5, 6, 8};
    const double x[] = {991, 1974, 2973, 3807, 3870, 3811, 3783};
    rows_of(n, x, 7, rows); /* 250 us a request, batch 1 */
    for (int i = 0; i < 7; i++)
        rows[i].batch = 1;
    cs_scaling_analyze(rows, 7, 1000, &sc, &a); /* no cost per message */
    if (!strstr(a.explanation,
                "a faster coordinator or more dispatchers would lift the ceiling (batching cannot help: 100% of "
                "the cost is per request)"))
        fail_msg("%s", a.explanation);
    sc.dispatch.message_cost_us = 240; /* most of the 250 us per message: batching would */
    cs_scaling_analyze(rows, 7, 1000, &sc, &a);
    if (!strstr(a.explanation, "a faster coordinator, batching, or more dispatchers would lift the ceiling") ||
        strstr(a.explanation, "batching cannot help"))
        fail_msg("%s", a.explanation);
    for (int i = 0; i < 7; i++)
        rows[i].batch = CS_BATCH_MAX; /* and it is as large as it goes */
    sc.dispatch.message_cost_us = 240 * CS_BATCH_MAX;
    cs_scaling_analyze(rows, 7, 1000, &sc, &a);
    if (!strstr(a.explanation, "(batching is at its limit: dispatch.batch 64)"))
        fail_msg("%s", a.explanation);
    /* Several dispatchers: the same words for them. */
    for (int i = 0; i < 7; i++) {
        rows[i].batch = 1;
        rows[i].dispatchers = 2;
        rows[i].bottleneck = CS_BOTTLENECK_DISPATCHERS;
    }
    sc.dispatch.message_cost_us = 0;
    cs_scaling_analyze(rows, 7, 1000, &sc, &a);
    if (!strstr(a.explanation, "more dispatchers would lift the ceiling (batching cannot help: 100% of the cost "
                               "is per request)"))
        fail_msg("%s", a.explanation);
    /* Batches of 8, full, of a cost mostly per request: said at what fill. */
    for (int i = 0; i < 7; i++)
        rows[i].batch = 8;
    cs_scaling_analyze(rows, 7, 1000, &sc, &a);
    if (!strstr(a.explanation, "(batching cannot help: at full batches of 8, 100% of the cost is per request)"))
        fail_msg("%s", a.explanation);
    /* No cost measured: nothing judged, batching named among the levers. */
    for (int i = 0; i < 7; i++)
        rows[i].coordinator_per_request_us = 0;
    cs_scaling_analyze(rows, 7, 1000, &sc, &a);
    if (strstr(a.explanation, "batching cannot help") || strstr(a.explanation, "nan"))
        fail_msg("%s", a.explanation);
}

/* Under relays, rank 0 and the relays each have a ceiling: the sweep's
 * knee, its prediction and its words are those of the tier that binds,
 * with that tier's own cost (the relays' once stood for rank 0's). */
static void a_relay_sweep_names_the_tier_that_binds(void **state)
{
    (void)state;
    struct cs_sweep_row rows[4];
    struct cs_scaling a;
    const int n[] = {4, 8, 16, 32};
    const double x[] = {3524, 3994, 3992, 3990};
    rows_of(n, x, 4, rows);
    /* Rank 0 pays 250 us a request (a ceiling of 4000 req/s), each of the
     * 2 relays 400 us (5000 together): rank 0 binds. */
    for (int i = 0; i < 4; i++) {
        rows[i].relays = 2;
        rows[i].coordinator_utilization = i == 0 ? 0.88 : 0.996;
        rows[i].relay_utilization = i == 0 ? 0.71 : 0.80;
        rows[i].relay_per_request_us = 400;
        rows[i].bottleneck = i == 0 ? CS_BOTTLENECK_NONE : CS_BOTTLENECK_COORDINATOR;
    }
    cs_scaling_analyze(rows, 4, 1000, NULL, &a);
    assert_int_equal(a.knee_nodes, 4);
    assert_int_equal(a.ceiling_tier, CS_TIER_DISPATCHER);
    assert_close(a.coordinator_ceiling_rps, 4000, 1e-9);
    assert_close(a.predicted_knee_nodes, 4, 1e-9);
    char *text = sweep_report(rows, 4, &a);
    if (!strstr(text, "the coordinator is busy 100% of the time at 250.00 us per request, a ceiling of 4000 req/s") ||
        !strstr(text, "a faster coordinator or batching would lift the ceiling") || strstr(text, "more dispatchers") ||
        !strstr(text, "predicted from the coordinator's cost: 4.0 nodes") || !strstr(text, "   relay%") ||
        !strstr(text, "   99.6%    80.0%"))
        fail_msg("%s", text);
    free(text);

    /* Each relay pays 500 us (4000 req/s together), rank 0 little: the
     * relays bind, though rank 0 is the busier in the first step. */
    for (int i = 0; i < 4; i++) {
        rows[i].coordinator_utilization = i == 0 ? 0.9 : 0.3;
        rows[i].coordinator_per_request_us = 75;
        rows[i].relay_utilization = i == 0 ? 0.85 : 0.95;
        rows[i].relay_per_request_us = 500;
        rows[i].bottleneck = i == 0 ? CS_BOTTLENECK_NONE : CS_BOTTLENECK_RELAYS;
    }
    cs_scaling_analyze(rows, 4, 1000, NULL, &a);
    assert_int_equal(a.ceiling_tier, CS_TIER_RELAYS);
    assert_close(a.coordinator_ceiling_rps, 4000, 1e-9);
    text = sweep_report(rows, 4, &a);
    if (!strstr(text, "the 2 relays are busy 95% of the time (the busiest) at 500.00 us per request, a ceiling of "
                      "4000 req/s") ||
        !strstr(text, "predicted from the relays' cost: 4.0 nodes"))
        fail_msg("%s", text);
    free(text);
    /* One relay: no count, no 'busiest'. */
    for (int i = 0; i < 4; i++)
        rows[i].relays = 1;
    cs_scaling_analyze(rows, 4, 1000, NULL, &a);
    if (!strstr(a.explanation, "the relay is busy 95% of the time at 500.00 us per request, a ceiling of 2000 req/s"))
        fail_msg("%s", a.explanation);
    for (int i = 0; i < 4; i++)
        rows[i].relays = 2;

    /* No step blames a tier: the busier one's ceiling, here rank 0's. */
    for (int i = 0; i < 4; i++) {
        rows[i].bottleneck = CS_BOTTLENECK_NONE;
        rows[i].coordinator_utilization = 0.97;
    }
    cs_scaling_analyze(rows, 4, 1000, NULL, &a);
    assert_int_equal(a.ceiling_tier, CS_TIER_DISPATCHER);
    assert_close(a.coordinator_ceiling_rps, 1e6 / 75, 1e-9);
    /* ... or the relays', 2 x 10^6 / 500, where they were the busier. */
    rows[2].relay_utilization = 0.99;
    cs_scaling_analyze(rows, 4, 1000, NULL, &a);
    assert_int_equal(a.ceiling_tier, CS_TIER_RELAYS);
    assert_close(a.coordinator_ceiling_rps, 4000, 1e-9);
    if (!strstr(a.explanation, "the relays' measured cost predicts their knee at 4.0 nodes"))
        fail_msg("%s", a.explanation);
}

/* A sweep's rows read back from its JSON: the relay fields where there
 * are relays, and a file from before they were written, whose coordinator
 * fields under relays were the relays'. */
static void sweep_rows_read_back_keep_both_tiers(void **state)
{
    (void)state;
    struct cs_sweep_row rows[2];
    char err[256] = "";
#define ROW(step)                                                                                   \
    "\"step\":" #step ",\"nodes\":4,\"dispatchers\":1,\"batch\":1,\"relays\":2,\"offered_rps\":1,"  \
    "\"throughput_rps\":1,\"mean_us\":1,\"p50_us\":1,\"p99_us\":1,\"coordinator_utilization\":0.5," \
    "\"coordinator_per_request_us\":200,\"node_utilization_mean\":0.5,\"service_inflation\":1,\"bottleneck\":\"none\""
    const char *text =
        "{\"sweep\":[{" ROW(1) ",\"relay_utilization\":0.75,\"relay_per_request_us\":300},{" ROW(2) "}]}";
#undef ROW
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    if (cs_sweep_rows_from_json(doc, rows, 2, err, sizeof(err)) != 2)
        fail_msg("%s", err);
    cJSON_Delete(doc);
    assert_close(rows[0].coordinator_utilization, 0.5, 1e-12);
    assert_close(rows[0].relay_utilization, 0.75, 1e-12);
    assert_close(rows[0].relay_per_request_us, 300, 1e-12);
    assert_close(rows[1].relay_utilization, 0.5, 1e-12); /* the old file's */
    assert_close(rows[1].relay_per_request_us, 200, 1e-12);
    assert_true(isnan(rows[1].coordinator_utilization) && isnan(rows[1].coordinator_per_request_us));

    /* Written and read back: a row with relays and one without. */
    struct cs_sweep_row wrote[2] = {
        {.step = 1,
         .nodes = 4,
         .dispatchers = 1,
         .batch = 1,
         .coordinator_utilization = 0.25,
         .coordinator_per_request_us = 20,
         .node_utilization_mean = 0.5,
         .service_inflation = 1.25,
         .relay_utilization = 0,
         .relay_per_request_us = NAN,
         .bottleneck = CS_BOTTLENECK_NONE},
        {.step = 2,
         .nodes = 8,
         .dispatchers = 1,
         .batch = 1,
         .relays = 2,
         .coordinator_utilization = 0.5,
         .coordinator_per_request_us = 40,
         .node_utilization_mean = 0.75,
         .service_inflation = 1.5,
         .relay_utilization = 0.875,
         .relay_per_request_us = 300,
         .bottleneck = CS_BOTTLENECK_RELAYS},
    };
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 9), CS_OK);
    r.sweep = wrote;
    r.sweep_n = 2;
    char *json = cs_results_json(&r), *csv = cs_sweep_csv(&r, wrote, 2);
    assert_non_null(json);
    assert_non_null(csv);
    /* The relay fields only where there are relays (the CSV's columns
     * empty), in the JSON and the CSV alike. */
    if (!strstr(csv, ",1,1,0,,,1,\n") || !strstr(csv, ",1,1,2,0.8750,300.000,2,\n"))
        fail_msg("%s", csv);
    free(csv);
    doc = cJSON_Parse(json);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "sweep"), 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(first, "relay_utilization"));
    assert_null(cJSON_GetObjectItemCaseSensitive(first, "relay_per_request_us"));
    if (cs_sweep_rows_from_json(doc, rows, 2, err, sizeof(err)) != 2)
        fail_msg("%s", err);
    cJSON_Delete(doc);
    free(json);
    cs_results_free(&r);
    for (int i = 0; i < 2; i++) {
        assert_close(rows[i].coordinator_utilization, wrote[i].coordinator_utilization, 1e-12);
        assert_close(rows[i].coordinator_per_request_us, wrote[i].coordinator_per_request_us, 1e-12);
        assert_close(rows[i].node_utilization_mean, wrote[i].node_utilization_mean, 1e-12);
        assert_close(rows[i].service_inflation, wrote[i].service_inflation, 1e-12);
        assert_close(rows[i].relay_utilization, wrote[i].relay_utilization, 1e-12);
        assert_int_equal(rows[i].relays, wrote[i].relays);
        assert_int_equal(rows[i].bottleneck, wrote[i].bottleneck);
    }
    assert_true(isnan(rows[0].relay_per_request_us));
    assert_close(rows[1].relay_per_request_us, 300, 1e-12);
}

static void spread_steps_are_taken_last_first_then_largest_first(void **state)
{
    (void)state;
    int order[8];
    /* A doubling sweep: the last (largest) first, then down. */
    const double doubling[] = {1, 2, 4, 8, 16};
    assert_int_equal(cs_sweep_order(doubling, 5, 0, order), 5);
    const int want_doubling[] = {4, 3, 2, 1, 0};
    assert_memory_equal(order, want_doubling, sizeof(want_doubling));
    /* The last step small: it still comes first (rank 0 reports it), and
     * the others come largest first, the earlier one on a tie. */
    const double small_last[] = {3, 9, 3, 7, 1};
    assert_int_equal(cs_sweep_order(small_last, 5, 0, order), 5);
    const int want_small[] = {4, 1, 3, 0, 2};
    assert_memory_equal(order, want_small, sizeof(want_small));
    /* Resumed after the first two: those are left out. */
    assert_int_equal(cs_sweep_order(small_last, 5, 0x3, order), 3);
    const int want_resumed[] = {4, 3, 2};
    assert_memory_equal(order, want_resumed, sizeof(want_resumed));
    /* Resumed from a shared sweep's checkpoint, steps 2 and 4 done: the
     * others, the last first. */
    assert_int_equal(cs_sweep_order(small_last, 5, 0xa, order), 3);
    const int want_holes[] = {4, 0, 2};
    assert_memory_equal(order, want_holes, sizeof(want_holes));
    /* The last one kept (a complete file's): the others largest first. */
    assert_int_equal(cs_sweep_order(small_last, 5, 0x10, order), 4);
    const int want_no_last[] = {1, 3, 0, 2};
    assert_memory_equal(order, want_no_last, sizeof(want_no_last));
    /* Only the last left, or a sweep of one step: that one. */
    assert_int_equal(cs_sweep_order(small_last, 5, 0xf, order), 1);
    assert_int_equal(order[0], 4);
    assert_int_equal(cs_sweep_order(doubling, 1, 0, order), 1);
    assert_int_equal(order[0], 0);
    /* Every step done: nothing to take. */
    assert_int_equal(cs_sweep_order(small_last, 5, 0x1f, order), 0);
}

static void a_shared_sweep_needs_its_largest_steps_at_once(void **state)
{
    (void)state;
    struct cs_scenario sc;
    struct cs_virtual_step big;
    /* A node sweep of 3 steps: one process needs its largest step; 2
     * ranks of a host the two largest together; 3 or more, all three. */
    sim_scenario(&sc, "{\"run\":{\"engine\":\"virtual\",\"nodes\":4000},\"sweep\":{\"nodes\":[1000,2000,4000]}}");
    double one = cs_virtual_sweep_bytes(&sc, true, 1, &big);
    assert_true(one == big.bytes && big.nodes == 4000 && big.rate_rps > 0);
    double two = cs_virtual_sweep_bytes(&sc, true, 2, &big), three = cs_virtual_sweep_bytes(&sc, true, 3, &big);
    assert_true(two > one && two < 2 * one && three > two && three < 3 * one);
    assert_true(cs_virtual_sweep_bytes(&sc, true, 8, &big) == three);
    /* Not a sweep: its one run (its own load), however many ranks. */
    assert_true(cs_virtual_sweep_bytes(&sc, false, 8, &big) == cs_virtual_bytes(&sc, 4000));
    /* The default sweep doubles up to run.nodes: 1, 2, 4, ..., 2048, 4000,
     * 13 steps. */
    sim_scenario(&sc, "{\"run\":{\"engine\":\"virtual\",\"nodes\":4000}}");
    double all = cs_virtual_sweep_bytes(&sc, true, 13, &big);
    assert_true(cs_virtual_sweep_bytes(&sc, true, 2, &big) > big.bytes && big.nodes == 4000);
    assert_true(cs_virtual_sweep_bytes(&sc, true, 12, &big) < all &&
                cs_virtual_sweep_bytes(&sc, true, 20, &big) == all);
    /* A lever sweep: each setting's steps, each with its own dispatchers
     * (4 add ranks: a larger step at the same nodes), 4 steps. */
    sim_scenario(&sc, "{\"run\":{\"engine\":\"virtual\",\"nodes\":4000},\"sweep\":{\"nodes\":[1000,4000]}}");
    double plain = cs_virtual_sweep_bytes(&sc, true, 1, &big);
    sim_scenario(
        &sc,
        "{\"run\":{\"engine\":\"virtual\",\"nodes\":4000},\"sweep\":{\"nodes\":[1000,4000],\"dispatchers\":[1,4]}}");
    assert_true(cs_virtual_sweep_bytes(&sc, true, 1, &big) > plain);
    assert_true(cs_virtual_sweep_bytes(&sc, true, 2, &big) > plain + big.bytes * 0.99);
    assert_true(cs_virtual_sweep_bytes(&sc, true, 3, &big) < cs_virtual_sweep_bytes(&sc, true, 4, &big));
    /* Rates at one node count: every rate a step of its own. */
    sim_scenario(&sc, "{\"run\":{\"engine\":\"virtual\",\"nodes\":2000},\"sweep\":{\"nodes\":[2000],\"rates_rps\":["
                      "1000,2000,3000]}}");
    assert_true(cs_virtual_sweep_bytes(&sc, true, 3, &big) == 3 * big.bytes);
    assert_true(cs_virtual_sweep_bytes(&sc, true, 4, &big) == 3 * big.bytes && big.nodes == 2000);
}

/* The knee's words say what the step after it did: gained a share of
 * the ideal, or lost throughput; and with several dispatchers name them,
 * not "the coordinator". */
static void the_knee_says_what_the_next_step_did(void **state)
{
    (void)state;
    struct cs_sweep_row rows[3];
    const int nodes[3] = {1, 2, 4};
    const double x[3] = {1000, 2000, 1300};
    for (int i = 0; i < 3; i++)
        rows[i] = (struct cs_sweep_row){.nodes = nodes[i],
                                        .offered_rps = x[i],
                                        .throughput_rps = x[i],
                                        .coordinator_utilization = i ? 1 : 0.5,
                                        .node_utilization_mean = 0.9,
                                        .service_inflation = 1,
                                        .bottleneck = i ? CS_BOTTLENECK_SERVICE_NODES : CS_BOTTLENECK_NONE};
    struct cs_scaling a;
    cs_scaling_analyze(rows, 3, 1000, NULL, &a);
    assert_int_equal(a.knee_nodes, 2);
    if (!strstr(a.explanation, "throughput stops scaling at 2 nodes (the step to 4 lost 35% of it); the step after it "
                               "reports bottleneck 'service_nodes' (coordinator busy 100%"))
        fail_msg("%s", a.explanation);
    for (int i = 0; i < 3; i++)
        rows[i].dispatchers = 2;
    cs_scaling_analyze(rows, 3, 1000, NULL, &a);
    if (!strstr(a.explanation, "(dispatchers busy 100%"))
        fail_msg("%s", a.explanation);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_usl_fit_recovers_known_parameters),
        cmocka_unit_test(the_usl_fit_is_least_squares_in_throughput),
        cmocka_unit_test(the_curve_is_told_from_the_points_not_the_fit),
        cmocka_unit_test(a_knee_says_whether_batching_would_help),
        cmocka_unit_test(a_relay_sweep_names_the_tier_that_binds),
        cmocka_unit_test(the_fits_keep_sigma_a_fraction),
        cmocka_unit_test(a_strong_sweep_says_its_load_bends_the_fits),
        cmocka_unit_test(sweep_rows_read_back_keep_both_tiers),
        cmocka_unit_test(the_amdahl_fit_recovers_the_serial_fraction),
        cmocka_unit_test(the_knee_is_found_on_noisy_piecewise_linear_curves),
        cmocka_unit_test(a_default_sweep_doubles_up_to_every_node),
        cmocka_unit_test(strong_and_weak_sweeps_set_the_offered_load),
        cmocka_unit_test(impossible_sweeps_are_refused_with_the_key),
        cmocka_unit_test(the_runner_stops_analyzes_and_refuses),
        cmocka_unit_test(a_saturate_sweep_finds_the_coordinators_knee),
        cmocka_unit_test(the_predicted_knee_counts_node_speed_and_overhead),
        cmocka_unit_test(a_weak_sweeps_knee_is_predicted_from_the_rate_a_node_is_offered),
        cmocka_unit_test(a_coordinator_of_no_cost_predicts_no_knee),
        cmocka_unit_test(a_strong_sweep_met_load_is_no_knee),
        cmocka_unit_test(a_lever_setting_cut_short_is_not_analysed),
        cmocka_unit_test(a_lever_sweep_has_a_knee_per_setting),
        cmocka_unit_test(impossible_lever_sweeps_are_refused_with_the_key),
        cmocka_unit_test(spread_steps_are_taken_last_first_then_largest_first),
        cmocka_unit_test(a_shared_sweep_needs_its_largest_steps_at_once),
        cmocka_unit_test(the_knee_says_what_the_next_step_did),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
