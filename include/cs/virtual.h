/*
 * The virtual-time engine (src/virtual/virtual.c): the real coordinator and
 * service-node state machines, driven in one process in virtual time
 * through an in-process loopback transport with the MPI engine's message
 * protocol. Messages arrive at the virtual instant they are sent; service
 * takes exactly its requested time; dispatch.cost_us advances the virtual
 * clock. A run is deterministic: the same scenario and seed give the same
 * results. No MPI, no sleeping.
 */
#ifndef CS_VIRTUAL_H
#define CS_VIRTUAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/clock.h"
#include "cs/config.h"
#include "cs/coordinator.h"
#include "cs/results.h"
#include "cs/ring.h"
#include "cs/service_node.h"
#include "cs/trace.h"
#include "cs/transport.h"

/* A message in a rank's inbox, and who sent it. */
struct cs_vletter {
    struct cs_msg msg;
    int src;
};

struct cs_vendpoint {
    struct cs_vnet *net;
    int rank;
};

/* The loopback network of `ranks` ranks and its virtual clock. */
struct cs_vnet {
    int ranks;
    int64_t now;
    struct cs_clock clock;
    struct cs_ring *inbox;          /* [ranks], of struct cs_vletter */
    struct cs_vendpoint *endpoints; /* [ranks] */
    struct cs_transport *tps;       /* [ranks] */
    uint64_t sent;                  /* messages sent, all ranks */
    int *touched;                   /* ranks > 0 with mail since they last looked */
    int touched_n;
    bool *flagged; /* [ranks]: in touched */
};

int cs_vnet_open(struct cs_vnet *s, int ranks);
void cs_vnet_close(struct cs_vnet *s);

/* What the engine saw that the results do not show. */
struct cs_virtual_stats {
    int max_node_depth; /* most requests queued or in service at one node */
    uint64_t messages;  /* messages sent, all ranks */
    int ring_cap;       /* the largest of the coordinator's deadline, retry and hedge rings */
};

/* Run a whole scenario with `nodes` service nodes and fill *r
 * (cs_results_init(r, nodes + 1) first). trace (for trace arrivals) and
 * stats may be NULL. Returns CS_OK or a negative CS_E code. */
int cs_virtual_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
                   struct cs_virtual_stats *stats);

#endif
