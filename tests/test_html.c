/*
 * The HTML report: well-formed (checked by a small XML walker here, and by
 * xmllint on a real run in tests/mpi/cli.sh), every plot present with its
 * lines, user text escaped, and the verdict the analysis gave.
 */
#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/html.h"
#include "cs/sweep.h"
#include "sim.h"

static char *page(const struct cs_results *r)
{
    return sim_render(cs_results_html, r);
}

/* Well-formed XML: every element closed in order, every '&' an entity,
 * no '<' inside text or attributes. Fails with the offending place. */
static void assert_well_formed(const char *s)
{
    const char *stack[256];
    size_t lens[256];
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '&') {
            static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
            bool ok = false;
            for (size_t i = 0; i < CS_ARRAY_LEN(entities); i++)
                ok |= strncmp(p, entities[i], strlen(entities[i])) == 0;
            if (!ok)
                fail_msg("a bare '&' at: %.40s", p);
            continue;
        }
        if (*p == '>')
            fail_msg("a bare '>' at: %.40s", p);
        if (*p != '<')
            continue;
        const char *end = strchr(p, '>');
        assert_non_null(end);
        if (memchr(p + 1, '<', (size_t)(end - p - 1)))
            fail_msg("'<' inside a tag at: %.40s", p);
        if (p[1] == '!') { /* <!DOCTYPE html> */
            p = end;
            continue;
        }
        if (p[1] == '/') {
            size_t n = strcspn(p + 2, " >");
            if (depth == 0 || lens[depth - 1] != n || strncmp(stack[depth - 1], p + 2, n) != 0)
                fail_msg("</%.*s> closes %.*s", (int)n, p + 2, depth ? (int)lens[depth - 1] : 4,
                         depth ? stack[depth - 1] : "none");
            depth--;
        } else if (end[-1] != '/') {
            assert_true(depth < 256);
            stack[depth] = p + 1;
            lens[depth++] = strcspn(p + 1, " >");
        }
        p = end;
    }
    if (depth != 0)
        fail_msg("<%.*s> is never closed", (int)lens[depth - 1], stack[depth - 1]);
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void a_run_gives_a_well_formed_page_with_its_plots(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"name\":\"a<b & \\\"c\\\"\",\"description\":\"x > y\\u0001\",\"load\":{\"utilization\":0.7,"
                      "\"duration_s\":3,\"warmup_s\":0.5},\"run\":{\"interval_ms\":250}}");
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 4), CS_OK);
    assert_int_equal(cs_virtual_run(&sc, 3, NULL, &r, NULL), CS_OK);
    snprintf(r.command, sizeof(r.command), "clustersim --set 'name=a<b'");
    assert_true(r.series_n >= 12); /* 3.5 s of 250 ms intervals */
    char *html = page(&r);
    assert_well_formed(html);
    assert_true(strncmp(html, "<!DOCTYPE html>\n<html", 21) == 0);
    /* Four plots: throughput, latency and queues over time, the spectrum. */
    assert_int_equal(count(html, "<svg "), 4);
    assert_non_null(strstr(html, "Throughput over time"));
    assert_non_null(strstr(html, "Queue depth over time"));
    assert_non_null(strstr(html, "Latency percentile spectrum"));
    assert_non_null(strstr(html, ">warm-up<"));
    assert_true(count(html, "<polyline ") >= 7); /* offered, completed, p50, p99, 2 queues, spectrum */
    /* User text is escaped, the verdict and the table are there. */
    assert_non_null(strstr(html, "<title>clustersim: a&lt;b &amp; &quot;c&quot;</title>"));
    assert_non_null(strstr(html, "x &gt; y\xEF\xBF\xBD")); /* a control character, replaced */
    assert_non_null(strstr(html, "--set &#39;name=a&lt;b&#39;"));
    assert_non_null(strstr(html, "<strong>bottleneck: none</strong>"));
    /* Virtual time: one process, not one rank a node. */
    assert_non_null(strstr(html, " in one process; virtual time"));
    assert_null(strstr(html, " ranks; virtual time"));
    /* Each plot says in text what its lines show, and keeps its key below
     * its frame (y > 292), where it hides no point. */
    assert_int_equal(count(html, "<desc>"), 4);
    assert_non_null(strstr(html, "<desc>offered (arrivals): from ("));
    int keys = 0;
    for (const char *p = strstr(html, "<line x1="); p; p = strstr(p + 1, "<line x1=")) {
        double x1, y1;
        if (sscanf(p, "<line x1=\"%lf\" y1=\"%lf\"", &x1, &y1) == 2 &&
            strncmp(strstr(p, "class="), "class=\"line\"", 12) == 0) {
            if (y1 <= 292)
                fail_msg("a key entry inside the frame, at y %.1f", y1);
            keys++;
        }
    }
    assert_int_equal(keys, 7); /* offered, completed, p50, p99, 2 queues, the spectrum's */
    assert_non_null(strstr(html, "latency (us)"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "INCOMPLETE"));
    free(html);
    /* Stopped: the verdict says where, escaped, and so does the report. */
    r.complete = false;
    snprintf(r.ended, sizeof(r.ended), "stopped by a signal <here>");
    html = page(&r);
    assert_well_formed(html);
    assert_non_null(strstr(html, "</strong> (INCOMPLETE: stopped by a signal &lt;here&gt;)</p>"));
    assert_non_null(strstr(html, "# INCOMPLETE: stopped by a signal &lt;here&gt;\n"));
    free(html);
    /* The spectrum of 90 requests at 1 ms and 10 at 10 ms: 1 ms to p90,
     * then 10 ms up to p99, the highest percentile below the maximum (it
     * held 1 ms to p99, and never showed the 10 ms); one latency every
     * request shared is a flat line, not a point. */
    cs_hist_init(&r.latency);
    for (int i = 0; i < 100; i++)
        cs_hist_record(&r.latency, (uint64_t)(i < 90 ? 1 : 10) * CS_NS_PER_MS);
    html = page(&r);
    const char *desc = strstr(html, "<desc>measured requests: from (1.111, 1");
    assert_non_null(desc);
    assert_true(strncmp(strchr(desc, ')') + 1, " to (100, 10)", 13) == 0);
    free(html);
    cs_hist_init(&r.latency);
    for (int i = 0; i < 100; i++)
        cs_hist_record(&r.latency, 2 * CS_NS_PER_MS);
    html = page(&r);
    assert_non_null(strstr(html, "<desc>measured requests: from (1.111, 2) to (100, 2)"));
    free(html);
    cs_results_free(&r);
}

static void a_run_too_short_for_intervals_says_so(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"load\":{\"utilization\":0.5,\"duration_s\":0.2,\"warmup_s\":0},\"run\":{\"interval_ms\":"
                      "1000}}");
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 3), CS_OK);
    assert_int_equal(cs_virtual_run(&sc, 2, NULL, &r, NULL), CS_OK);
    char *html = page(&r);
    assert_well_formed(html);
    assert_non_null(strstr(html, "No time series"));
    assert_int_equal(count(html, "<svg "), 1); /* the spectrum still */
    free(html);
    cs_results_free(&r);
}

static void a_sweep_gives_its_curves_and_each_steps_spectrum(void **state)
{
    (void)state;
    struct cs_scenario sc;
    sim_scenario(&sc, "{\"name\":\"knee\",\"load\":{\"utilization\":0.5,\"duration_s\":1}}");
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 3), CS_OK);
    assert_int_equal(cs_virtual_run(&sc, 2, NULL, &r, NULL), CS_OK);
    /* A knee at 4 nodes: the coordinator's ceiling of 4000 req/s. */
    struct cs_sweep_row rows[6];
    struct cs_histogram *lat = malloc(6 * sizeof(*lat));
    assert_non_null(lat);
    const int nodes[6] = {1, 2, 3, 4, 6, 8};
    for (int i = 0; i < 6; i++) {
        double x = nodes[i] < 4 ? 1000.0 * nodes[i] : 3900;
        rows[i] =
            (struct cs_sweep_row){.nodes = nodes[i],
                                  .offered_rps = x,
                                  .throughput_rps = x,
                                  .p50_us = 900 + 100 * i,
                                  .p99_us = 5000 + 1000 * i,
                                  .coordinator_utilization = x / 4000 > 1 ? 1 : x / 4000,
                                  .coordinator_per_request_us = 250,
                                  .node_utilization_mean = 1,
                                  .service_inflation = 1,
                                  .bottleneck = nodes[i] < 4 ? CS_BOTTLENECK_SERVICE_NODES : CS_BOTTLENECK_COORDINATOR};
        /* Each step's own distribution: i + 1 to 2 (i + 1) ms; the 3rd step
         * none (a resumed sweep's kept step), so not drawn. */
        cs_hist_init(&lat[i]);
        for (int k = 0; i != 2 && k < 100; k++)
            cs_hist_record(&lat[i], (uint64_t)(i + 1) * (100 + k) * CS_NS_PER_MS / 100);
    }
    struct cs_scaling scaling;
    cs_scaling_analyze(rows, 6, 1000, NULL, &scaling);
    r.sweep = rows;
    r.sweep_n = r.sweep_finished = 6;
    r.scaling = &scaling;
    r.sweep_latency = lat;
    char *html = page(&r);
    assert_well_formed(html);
    assert_non_null(strstr(html, "sweep of scenario &quot;knee&quot;"));
    assert_non_null(strstr(html, "<strong>knee found</strong>"));
    assert_non_null(strstr(html, "Throughput against service nodes"));
    assert_non_null(strstr(html, ">USL fit<"));
    assert_non_null(strstr(html, ">coordinator&#39;s ceiling<"));
    /* The load the steps were offered, which the description does not say. */
    assert_non_null(strstr(html, "load: saturate: a closed loop of 4 clients a server"));
    /* Throughput grew by 1000 req/s a node to 4 nodes, then stopped: the
     * verdict says how little the next step gained. */
    assert_non_null(strstr(html, "throughput stops scaling at 4 nodes (the step to 6 gained 0% of the ideal)"));
    /* The spectrum: a line for each step with a distribution, named by its
     * nodes, at its own latency. */
    const char *spectrum = strstr(html, "Latency percentile spectrum");
    assert_non_null(spectrum);
    const char *named[] = {">1 node<", ">2 nodes<", ">4 nodes<", ">6 nodes<", ">8 nodes<"};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (!strstr(spectrum, named[i]))
            fail_msg("the spectrum has no line %s", named[i]);
    assert_null(strstr(spectrum, ">3 nodes<")); /* no distribution */
    double y[8];
    int lines = 0;
    const char *end = strstr(spectrum, "</svg>");
    for (const char *p = strstr(spectrum, "points=\""); p && p < end && lines < 8; p = strstr(p + 1, "points=\"")) {
        double x0;
        assert_int_equal(sscanf(p, "points=\"%lf,%lf", &x0, &y[lines]), 2);
        for (int k = 0; k < lines; k++)
            if (fabs(y[k] - y[lines]) < 1)
                fail_msg("two steps' lines of the spectrum start at one height (%.1f)", y[k]);
        lines++;
    }
    assert_int_equal(lines, 5);
    assert_int_equal(count(html, "<svg "), 4); /* throughput, latency, utilization, spectrum */
    free(html);

    /* Two settings of a lever (1 to 3 nodes, then 4 to 8): the verdict is
     * each setting's knee, not the first's analysis; a curve per setting
     * of throughput, p99 and the dispatchers' busy share; the spectra
     * named by setting; and on a lever with several dispatchers, no
     * "coordinator" curve. */
    struct cs_scaling each[2];
    cs_scaling_analyze(rows, 3, 1000, NULL, &each[0]);
    cs_scaling_analyze(rows + 3, 3, 1000, NULL, &each[1]);
    struct cs_levers lv = {
        .key = "dispatch.dispatchers", .n = 2, .value = {1, 2}, .first_row = {0, 3}, .rows = {3, 3}, .scaling = each};
    for (int i = 3; i < 6; i++)
        rows[i].dispatchers = 2;
    r.levers = &lv;
    html = page(&r);
    assert_well_formed(html);
    assert_non_null(strstr(html, "<strong>knee found at some settings</strong></p><p>the knee, setting by setting "
                                 "(dispatch.dispatchers): 1: none up to 3 nodes (predicted 4.0); 2: 4 nodes"));
    assert_non_null(strstr(html, "p99 latency against service nodes, one curve per setting"));
    assert_non_null(strstr(html, "The dispatchers&#39; mean busy share, one curve per setting"));
    assert_non_null(strstr(html, ">dispatch.dispatchers 1, 1 node<"));
    assert_non_null(strstr(html, ">dispatch.dispatchers 2, 8 nodes<"));
    assert_non_null(strstr(html, "   disp%"));
    assert_int_equal(count(html, "<svg "), 4); /* throughput, p99, busy, spectrum */
    free(html);
    r.levers = NULL;
    for (int i = 3; i < 6; i++)
        rows[i].dispatchers = 0;

    /* Over offered load instead: the hockey stick, no scaling curve. */
    sc.sweep.rates_n = 6;
    r.scenario = sc;
    r.scenario.sweep.rates_n = 6;
    r.scaling = NULL;
    html = page(&r);
    assert_well_formed(html);
    assert_non_null(strstr(html, "Latency against offered load"));
    assert_null(strstr(html, "USL fit"));
    assert_non_null(strstr(html, ">3900 req/s offered<"));
    free(html);
    free(lat);

    /* A sweep whose ranks shared its steps, stopped before any finished:
     * still a sweep's page, saying so, with nothing to plot. */
    r.sweep = NULL;
    r.sweep_n = r.sweep_finished = 0;
    r.sweep_latency = NULL;
    r.sweep_scenario = &sc;
    r.complete = false;
    snprintf(r.ended, sizeof(r.ended), "stopped by a signal before any of its 6 steps finished");
    html = page(&r);
    assert_well_formed(html);
    assert_non_null(strstr(html, "sweep of scenario &quot;knee&quot;"));
    assert_non_null(strstr(html, "<strong>stopped</strong> (INCOMPLETE: stopped by a signal before any"));
    assert_non_null(strstr(html, "No step finished: nothing to plot."));
    assert_int_equal(count(html, "<svg "), 0);
    free(html);
    cs_results_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_run_gives_a_well_formed_page_with_its_plots),
        cmocka_unit_test(a_run_too_short_for_intervals_says_so),
        cmocka_unit_test(a_sweep_gives_its_curves_and_each_steps_spectrum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
