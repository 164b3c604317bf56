/* Test helpers; see sim.h. */
#include "sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/scenario.h"

void sim_scenario(struct cs_scenario *sc, const char *json)
{
    char err[CS_ERRBUF] = "";
    int rc = cs_scenario_parse(sc, json, strlen(json), err, sizeof(err));
    if (rc != CS_OK)
        fail_msg("scenario did not parse: %s", err);
}

char *sim_render(void (*render)(const struct cs_results *, FILE *), const struct cs_results *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    render(r, out);
    assert_int_equal(fclose(out), 0);
    return text;
}

struct sim_run *sim_run(const char *json, int nodes)
{
    struct sim_run *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    sim_scenario(&x->sc, json);
    assert_int_equal(cs_results_init(&x->r, cs_plan_ranks(&x->sc, nodes)), CS_OK);
    assert_int_equal(cs_virtual_run(&x->sc, nodes, NULL, &x->r, &x->st), CS_OK);
    return x;
}

void sim_done(struct sim_run *x)
{
    cs_results_free(&x->r);
    free(x);
}

void sim_assert_conserved(const struct cs_results *r)
{
    const uint64_t *c = r->coord;
    assert_int_equal(c[CS_C_GENERATED], c[CS_C_COMPLETED] + c[CS_C_REJECTED] + c[CS_C_TIMED_OUT] + c[CS_C_FAILED]);
    assert_int_equal(c[CS_C_WARMUP_GENERATED], c[CS_C_WARMUP_COMPLETED] + c[CS_C_WARMUP_REJECTED] +
                                                   c[CS_C_WARMUP_TIMED_OUT] + c[CS_C_WARMUP_FAILED]);
    assert_int_equal(r->lost, 0);
    assert_true(c[CS_C_RETRIED_COMPLETED] <= c[CS_C_COMPLETED]);
    assert_true(c[CS_C_HEDGE_WINS] <= c[CS_C_HEDGES]);
    bool second_tries = c[CS_C_TIMED_OUT] || c[CS_C_FAILED] || c[CS_C_RETRIES] || c[CS_C_HEDGES];
    if (!second_tries)
        assert_int_equal(c[CS_C_UNEXPECTED_REPLIES], 0);
    uint64_t measured = 0;
    for (int i = 0; i < r->service_nodes; i++) {
        measured += r->nodes[i].counters[CS_N_MEASURED];
        if (!second_tries)
            assert_int_equal(r->nodes[i].counters[CS_N_MEASURED], r->nodes[i].coordinator_completed);
    }
    if (!second_tries)
        assert_int_equal(measured, c[CS_C_COMPLETED]);
    else
        assert_true(measured >= c[CS_C_COMPLETED]);
}
