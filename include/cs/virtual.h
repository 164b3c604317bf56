/*
 * The virtual-time engine (src/virtual/virtual.c): the real dispatcher,
 * relay and service-node state machines of every rank the topology plan
 * names (cs_plan_place), driven in one process in virtual time through an
 * in-process loopback transport with the MPI engine's message protocol.
 * Each rank keeps its own clock and is woken, in time order, when a
 * letter reaches it or it has work due: a discrete-event simulation. A
 * message arrives network.latency_us after it is sent (at once by
 * default); a node serves for exactly its requested time plus
 * model.node_overhead_us; a dispatcher's or relay's work advances its
 * own clock (dispatch.cost_us and dispatch.message_cost_us at whichever
 * of them dispatches, model.coordinator_request_us at a dispatcher,
 * model.coordinator_message_us at both per message sent or taken), during
 * which the other ranks go on at their own times.
 * A run is deterministic: the same scenario and seed give the same
 * results. No MPI, no sleeping.
 */
#ifndef CS_VIRTUAL_H
#define CS_VIRTUAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/clock.h"
#include "cs/config.h"
#include "cs/coordinator.h"
#include "cs/heap.h"
#include "cs/results.h"
#include "cs/service_node.h"
#include "cs/trace.h"
#include "cs/transport.h"

/* An item in a rank's inbox, who sent it, and when it arrives. The items
 * of one message are letters with one arrival time and consecutive seq,
 * so they come out of the heap together; the first says how many. */
struct cs_vletter {
    struct cs_msg msg;
    int src;
    int items; /* on a message's first letter: its item count; else 0 */
    int64_t at_ns;
    uint64_t seq; /* sending order: letters due at one instant come in it */
};

/* A rank's inbox: a min-heap of letters by (at_ns, seq). */
struct cs_vinbox {
    struct cs_vletter *v;
    int n, cap;
};

/* A rank's end of the network, with its own virtual clock: a dispatcher
 * or a relay advances it by its work, a node's is the time of the event
 * it handles. */
struct cs_vendpoint {
    struct cs_vnet *net;
    int rank;
    int64_t now;
    bool charged; /* pays message_ns per message sent or taken (a dispatcher or a relay) */
    struct cs_clock clock;
};

/* The loopback network of `ranks` ranks. Every letter posted wakes its
 * receiver when it arrives (a wake-up, below). */
struct cs_vnet {
    int ranks;
    int64_t latency_ns;             /* one way, per message */
    int64_t message_ns;             /* a dispatcher's or relay's work per message sent or taken */
    struct cs_vinbox *inbox;        /* [ranks] */
    struct cs_vendpoint *endpoints; /* [ranks] */
    struct cs_transport *tps;       /* [ranks] */
    uint64_t sent;                  /* items sent, all ranks (their seq) */
    uint64_t messages;              /* messages sent, all ranks */
    struct cs_due *wakes;           /* a min-heap of wake-ups (id: the rank and the kind, virtual.c) */
    int wakes_n, wakes_cap;
    int64_t *due; /* [2 * ranks]: each rank's live wake-up of each kind (its mail, its own
                     work) in the heap, INT64_MAX: none */
    int64_t now;  /* the time of the wake-up being handled */
    int *ready;   /* ranks to wake at `now`, not through the heap (a stack) */
    int ready_n;
    bool *flagged; /* [ranks]: in ready */
};

/* Open a network with free, instant messages (set latency_ns and
 * message_ns after to model them); ranks below `charged` pay message_ns. */
int cs_vnet_open(struct cs_vnet *s, int ranks, int charged);
void cs_vnet_close(struct cs_vnet *s);

/* What the engine saw that the results do not show. */
struct cs_virtual_stats {
    int max_node_depth; /* most requests queued or in service at one node */
    uint64_t messages;  /* messages sent, all ranks */
    int ring_cap;       /* the largest of the coordinator's deadline, retry and hedge rings */
};

/* Run a whole scenario with `nodes` service nodes, and the dispatchers
 * and relays it asks for, and fill *r (cs_results_init(r,
 * cs_plan_ranks(sc, nodes)) first). trace (for trace arrivals) and
 * stats may be NULL. Returns CS_OK or a negative CS_E code. */
int cs_virtual_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
                   struct cs_virtual_stats *stats);

#endif
