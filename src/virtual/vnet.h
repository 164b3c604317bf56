/*
 * The virtual engine's network (src/virtual/virtual.c), private to it and
 * to the tests that drive a state machine on it (tests/test_sim.c,
 * tests/test_levers.c): letters in each rank's inbox, each rank's own
 * clock, and the wake-ups (a heap and a calendar, one order).
 */
#ifndef CS_VNET_H
#define CS_VNET_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/calq.h"
#include "cs/clock.h"
#include "cs/heap.h"
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

/* A rank's end of the network, with its own virtual clock (a dispatcher
 * or a relay advances it by its work, a node's is the time of the event
 * it handles), its inbox and its wake-ups: all a request touches of a
 * rank in two cache lines, where five arrays took five (at 100,000 nodes
 * and more, each a cache miss). What a sender touches comes first. */
struct cs_vendpoint {
    _Alignas(64) struct cs_vinbox inbox;
    int64_t due[2]; /* its live wake-up of each kind (its mail, its own work) in its queue;
                       INT64_MAX: none */
    int64_t left;   /* a wake-up for its work that a look moved, still in its queue; INT64_MAX: none */
    int64_t now;
    bool flagged; /* in the network's ready stack */
    bool charged; /* pays message_ns per message sent or taken (a dispatcher or a relay) */
    bool holds;   /* a dispatcher's mail waits for its next turn: a letter does not wake it
                     (cs_coord_replies_wait) */
    int rank;
    struct cs_vnet *net;
    struct cs_clock clock;
    struct cs_transport tp; /* its transport: ctx is this endpoint */
};

/* A min-heap of wake-ups (heap.h), growable. */
struct cs_vwakes {
    struct cs_due *v;
    int n, cap;
};

/* The loopback network of `ranks` ranks. Every letter posted wakes its
 * receiver when it arrives (a wake-up, below). */
struct cs_vnet {
    int ranks;
    int64_t latency_ns;             /* one way, per message */
    int64_t message_ns;             /* a dispatcher's or relay's work per message sent or taken */
    struct cs_vendpoint *endpoints; /* [ranks] */
    uint64_t sent;                  /* items sent, all ranks (their seq) */
    uint64_t messages;              /* messages sent, all ranks */
    /* The wake-ups (id: the rank and the kind, virtual.c), in two
     * queues: the dispatchers' and relays' (ranks below lanes: a few,
     * among them the next arrival, most often the first of all) in a
     * binary heap, and the service nodes' (their service ends, one a busy
     * node) in a calendar queue (calq.h: a bucket or two a pop, where a
     * heap of every busy node walks down its levels). An arrival then
     * goes in and out of a heap of a few, not of every busy node. */
    int lanes;
    struct cs_vwakes feeders;
    struct cs_calq nodes;
    int64_t now; /* the time of the wake-up being handled */
    int *ready;  /* ranks to wake at `now`, not through the queues (a stack; their endpoints
                    are flagged) */
    int ready_n;
    /* Hands a message that arrives at `now` to its receiver at once: a
     * service node with nothing else due then, or a dispatcher whose mail
     * waits (holds) with none waiting, not in its own turn and with no
     * turn due at `now` (virtual.c). false: every message is a letter. */
    bool instant;
    int turning; /* the rank whose turn is under way; -1: none */
};

/* Open a network with free, instant messages (set latency_ns and
 * message_ns after to model them); ranks below `charged` pay message_ns. */
int cs_vnet_open(struct cs_vnet *s, int ranks, int charged);
void cs_vnet_close(struct cs_vnet *s);

#endif
