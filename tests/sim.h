/*
 * Test helpers around the virtual-time engine (cs/virtual.h), which the
 * unit tests use to run the real state machines without MPI.
 */
#ifndef CS_TEST_SIM_H
#define CS_TEST_SIM_H

#include "cs/config.h"
#include "cs/virtual.h"

/* A scenario from JSON text; fails the test on a parse error. */
void sim_scenario(struct cs_scenario *sc, const char *json);

#endif
