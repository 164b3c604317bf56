/*
 * Test harness: an in-process loopback transport and a discrete-event
 * driver that runs the real coordinator and service-node state machines
 * in virtual time, with no MPI and no sleeping. Messages are delivered at
 * the virtual instant they are sent; service takes exactly its requested
 * time; dispatch.cost_us advances the virtual clock.
 */
#ifndef CS_TEST_SIM_H
#define CS_TEST_SIM_H

#include "cs/config.h"
#include "cs/coordinator.h"
#include "cs/results.h"
#include "cs/ring.h"
#include "cs/service_node.h"
#include "cs/transport.h"

/* A message in a rank's inbox, and who sent it. */
struct sim_letter {
    struct cs_msg msg;
    int src;
};

struct sim_endpoint {
    struct sim *sim;
    int rank;
};

struct sim {
    int ranks;
    int64_t now;
    struct cs_clock clock;
    struct cs_ring *inbox;          /* [ranks], of struct sim_letter */
    struct sim_endpoint *endpoints; /* [ranks] */
    struct cs_transport *tps;       /* [ranks] */
    uint64_t sent;                  /* messages sent, all ranks */
};

int sim_open(struct sim *s, int ranks);
void sim_close(struct sim *s);

/* What the harness saw that the results do not show. */
struct sim_stats {
    int max_node_depth; /* most requests queued or in service at one node */
    uint64_t messages;  /* messages sent, all ranks */
    int ring_cap;       /* the largest of the coordinator's deadline, retry and hedge rings */
};

/* Run a whole scenario with `nodes` service nodes and fill *r
 * (cs_results_init(r, nodes + 1) first). trace (for trace arrivals) and
 * stats may be NULL. */
int sim_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
            struct sim_stats *stats);

/* A scenario from JSON text; fails the test on a parse error. */
void sim_scenario(struct cs_scenario *sc, const char *json);

#endif
