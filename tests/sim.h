/*
 * Test helpers around the virtual-time engine (cs/virtual.h), which the
 * unit tests use to run the real state machines without MPI.
 */
#ifndef CS_TEST_SIM_H
#define CS_TEST_SIM_H

#include <stdio.h>

#include "cs/config.h"
#include "cs/coordinator.h"
#include "cs/service_node.h"
#include "cs/virtual.h"
#include "vnet.h" /* src/virtual/: the tests drive state machines on its network */

/* A whole virtual run of a scenario on `nodes` service nodes. */
struct sim_run {
    struct cs_scenario sc;
    struct cs_results r;
    struct cs_virtual_stats st;
};
struct sim_run *sim_run(const char *json, int nodes);
void sim_done(struct sim_run *x);

/* Every request ended exactly once, warm-up and window alike, and the
 * nodes served what the coordinator saw completed (more when it gave up
 * on some that were then served late, or sent some twice). */
void sim_assert_conserved(const struct cs_results *r);

/* A scenario from JSON text; fails the test on a parse error. */
void sim_scenario(struct cs_scenario *sc, const char *json);

/* What a renderer (cs_results_table, cs_results_html) writes for r, as a
 * string the caller frees. */
char *sim_render(void (*render)(const struct cs_results *, FILE *), const struct cs_results *r);

#endif
