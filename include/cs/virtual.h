/*
 * The virtual-time engine (src/virtual/virtual.c): the real coordinator and
 * service-node state machines, driven in one process in virtual time
 * through an in-process loopback transport with the MPI engine's message
 * protocol. A message arrives network.latency_us after it is sent (at once
 * by default); a node serves for exactly its requested time plus
 * model.node_overhead_us; the coordinator's work (dispatch.cost_us and
 * model.coordinator_request_us per request, model.coordinator_message_us
 * per message sent or taken) advances the virtual clock, during which the
 * nodes go on at their own times. A run is deterministic: the same
 * scenario and seed give the same results. No MPI, no sleeping.
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

struct cs_vendpoint {
    struct cs_vnet *net;
    int rank;
};

/* The loopback network of `ranks` ranks and its virtual clock. */
struct cs_vnet {
    int ranks;
    int64_t now;        /* the coordinator's time, which its work advances */
    int64_t node_now;   /* the time of the node event being handled (<= now) */
    int64_t latency_ns; /* one way, per message */
    int64_t message_ns; /* the coordinator's work per message sent or taken */
    struct cs_clock clock;
    struct cs_vinbox *inbox;        /* [ranks] */
    struct cs_vendpoint *endpoints; /* [ranks] */
    struct cs_transport *tps;       /* [ranks] */
    uint64_t sent;                  /* items sent, all ranks (their seq) */
    uint64_t messages;              /* messages sent, all ranks */
    int *touched;                   /* ranks > 0 with mail since they last looked */
    int touched_n;
    bool *flagged;        /* [ranks]: in touched */
    struct cs_due *wakes; /* a min-heap of node wake-ups (id: the node, 0-based) */
    int wakes_n, wakes_cap;
};

/* Open a network with free, instant messages (set latency_ns and
 * message_ns after to model them). */
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
