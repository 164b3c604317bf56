/*
 * A service node's state machine (the ranks from cs_first_node() on, after
 * the dispatchers and the relays), free of MPI: a FIFO queue in front of
 * `servers` identical servers. It serves the requests of its feeders (the
 * dispatchers that may use it, or its relay: transport.h) and answers each
 * to the rank that sent it. A request starts on a free server with
 * deadline = start + requested service time x speed; its reply goes out
 * when the deadline is reached. Both engines drive it as a role
 * (cs_node_role, role.h); the engine decides how to wait until the next
 * deadline or message (sleep or spin).
 */
#ifndef CS_SERVICE_NODE_H
#define CS_SERVICE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/batcher.h"
#include "cs/clock.h"
#include "cs/config.h"
#include "cs/histogram.h"
#include "cs/rng.h"
#include "cs/transport.h"
#include "cs/ring.h"

/* Node counters, gathered to rank 0 as one array per node. Sums and
 * histograms cover measured requests only. */
/* The counters a look at a node updates come first, then messages_sent
 * (set at the shutdown): one cache line. */
#define CS_NODE_COUNTERS(X)                                                                                        \
    X(RECEIVED, "received")                                                                                        \
    X(MESSAGES_RECEIVED, "messages_received") /* transport messages, whole run (a batch is one) */                 \
    X(COMPLETED, "completed")                                                                                      \
    X(MEASURED, "measured")           /* completed requests that were in the window */                             \
    X(BUSY_NS, "busy_ns")             /* server-busy time inside the window, all servers */                        \
    X(SERVICE_NS, "service_ns")       /* delivered service time, sum */                                            \
    X(REQUESTED_NS, "requested_ns")   /* requested service time (/ speed), sum */                                  \
    X(MESSAGES_SENT, "messages_sent") /* replies' messages (and idle tokens), whole run */                         \
    X(ABANDONED, "abandoned")         /* queued or in service at shutdown */                                       \
    X(WINDOW_NS, "window_ns")         /* length of the window on this node's clock */                              \
    X(REJECTED, "rejected")           /* turned away: the queue was at queue_capacity */                           \
    X(DROPPED, "dropped")             /* lost to a "stop" fault: never answered */                                 \
    X(SERVERS, "servers")                                                                                          \
    X(HANDOFF_NS, "handoff_ns") /* idle time before measured requests that were waiting for it (CS_REQ_HANDOFF) */ \
    X(HANDOFFS, "handoffs")     /* such requests that found the node idle */                                       \
    X(WAKE_LATE_MAX_NS, "wake_late_max_ns") /* longest the host let a timed wait overrun (cs_node_woke) */         \
    X(PAUSES, "pauses")                     /* timed waits overrun by over CS_PAUSE_NS */                          \
    X(IDLE_SENT, "idle_tokens_sent")        /* jiq: idle tokens sent, whole run */
#define CS_N_ENUM(e, name) CS_N_##e,
enum cs_node_counter { CS_NODE_COUNTERS(CS_N_ENUM) CS_N__COUNT };
extern const char *const cs_node_counter_names[CS_N__COUNT];

struct cs_queued {
    uint64_t id;
    int64_t service_ns;
    int64_t arrived_ns;
    uint32_t flags;
    int32_t src; /* the rank to answer */
};

struct cs_server {
    bool busy;
    uint64_t id;
    uint32_t flags;
    int32_t src;
    int64_t start_ns, deadline_ns, requested_ns; /* deadline_ns stays set once the server is free */
};

/* What a look at a node reads comes first, in lines of 64 bytes (the
 * virtual engine's nodes start on one): at 100,000 nodes and more each
 * cache line a request touches is a miss (cachegrind: the node's fields
 * were spread over eight lines, its one server over a ninth). */
struct cs_node {
    /* line 0 */
    const struct cs_transport *tp;
    const struct cs_clock *clk; /* its time as a role (cs_node_role: set by cs_node_start, not
                                   cs_node_init); the calls below take now */
    struct cs_server *servers;  /* [servers_n]: &one, with one server */
    int64_t soonest_ns;         /* the earliest deadline of a busy server (INT64_MAX: none), kept by
                                   cs_node_advance: a node is asked at every look */
    int servers_n;
    int busy;
    int faults_n;
    int queue_capacity; /* most requests waiting for a server; 0: unbounded */
    int rank;           /* named in its replies */
    int depth_max;      /* most requests queued or in service at once, taking a message */
    bool shutdown;
    bool catch_up; /* sleep-emulated service: see cs_node_advance */
    /* jiq: a server left idle tells one of its feeders (ranks
     * tell_first .. tell_first + tell_n - 1) chosen at random. */
    bool tell_idle, told_start;
    bool batching; /* its replies wait for a batch (out.batch > 1) */
    /* line 1 */
    struct cs_ring queue; /* of struct cs_queued, waiting for a server */
    int64_t idle_since;   /* when it last ran out of work; -1: never yet */
    int64_t overhead_ns;  /* model.node_overhead_us: work per request beyond its service */
    double speed;         /* 2.0 serves in half the requested time */
    /* line 2 */
    struct cs_server one;
    int64_t window_start, window_end;
    /* line 3: and the first 56 bytes of out */
    struct cs_histogram *service; /* delivered, ns: its own, or one that every node of a
                                     virtual run shares (their merge is all the results use) */
    struct cs_batcher out;        /* replies, batched per feeder (dispatch.batch) */
    int shutdowns_left;           /* each feeder that may send it requests ends with a shutdown */
    bool stopped_early;           /* one of them was stopped before its window ended */
    bool owns_service;
    int tell_first, tell_n;
    /* line 5: the first 8 counters */
    uint64_t counters[CS_N__COUNT];
    struct cs_rng tell_rng;
    /* This node's faults (scenario "faults"), on its own clock. */
    int64_t t0;
    struct cs_fault *faults; /* [faults_n], allocated only for a node that has some */
};
/* The lines above stay lines: an edit that moves them fails to compile. */
_Static_assert(offsetof(struct cs_node, one) == 128 && offsetof(struct cs_node, counters) % 64 == 0 &&
                   sizeof(struct cs_node) % 64 == 0,
               "struct cs_node: its hot fields no longer fall on the cache lines its comments give");

/* service: the histogram its delivered service goes into, or NULL for
 * one of its own. */
int cs_node_init(struct cs_node *n, int servers, double speed, int queue_capacity, const struct cs_transport *tp,
                 int64_t window_start, int64_t window_end, struct cs_histogram *service);
void cs_node_free(struct cs_node *n);

/* cs_node_init for the service node of rank `rank` of a scenario whose
 * run starts at t0 with service_nodes of them: its servers, speed and
 * queue capacity, the measured window, and its feeders (the ranks that
 * may send to it: how many shutdowns end it, whom its idle tokens go to). */
int cs_node_start(struct cs_node *n, const struct cs_scenario *sc, int rank, int service_nodes,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0, struct cs_histogram *service);

/* Handle one message of `count` items from rank src, received at time
 * now. A request that finds the queue full is answered at once with
 * CS_REPLY_REJECTED (in the batch of replies to src). */
int cs_node_on_message(struct cs_node *n, const struct cs_msg *m, int count, int src, int64_t now);

/* A message handed to the node by a driver that knows nothing else is
 * due to it at its clock's now (no service ends then, no other message
 * has come): taken, and the servers advanced, as its turn would. The
 * virtual engine delivers a request this way, not through an inbox and a
 * turn. CS_OK or a CS_E code. */
int cs_node_deliver(struct cs_node *n, const struct cs_msg *m, int count, int src);

/* A wait of the driver's that was to end at due_ns ended at woke_ns:
 * counts the host's pauses (CS_PAUSE_NS) as the coordinator does. */
void cs_node_woke(struct cs_node *n, int64_t due_ns, int64_t woke_ns);

/* Complete every server whose deadline is within early_ns of now (its
 * reply goes into the batch for the rank that sent the request), start
 * queued requests on free servers, and send the batches that are due
 * (and, with jiq, the idle tokens). Returns the number of requests
 * completed, or a negative CS_E code.
 * With catch_up (service emulated by sleeping, which needs no CPU), a
 * request that was queued when its server's previous request was due to
 * end starts at that due time, not when the node woke up to see it: a
 * host that wakes the node late delays replies (the delivered service
 * shows it) but does not take capacity from the modelled server, so
 * lateness does not pile up into queueing. Spin-emulated service needs
 * the CPU, so a late wake-up is lost time and a request starts at now. */
int cs_node_advance(struct cs_node *n, int64_t now, int64_t early_ns);

/* The earliest deadline of a busy server or a batch of replies, or
 * INT64_MAX. */
int64_t cs_node_next_deadline(const struct cs_node *n);

/* Ask for the cache lines a look at n reads (its hot fields, its one
 * server, its counters), ahead of the look. */
static inline void cs_node_prefetch(const struct cs_node *n)
{
    const char *p = (const char *)n;
    for (size_t at = 0; at <= offsetof(struct cs_node, counters); at += 64)
        __builtin_prefetch(p + at);
}

/* With n's own lines at hand: ask for its queue's next request. */
static inline void cs_node_prefetch_queue(const struct cs_node *n)
{
    if (n->queue.count > 0)
        __builtin_prefetch(cs_ring_front(&n->queue));
}

/* The server of a node that has one, when busy; else NULL. */
static inline const struct cs_server *cs_node_sole_server(const struct cs_node *n)
{
    return n->servers_n == 1 && n->one.busy ? &n->one : NULL;
}

static inline bool cs_node_has_free_server(const struct cs_node *n)
{
    return n->busy < n->servers_n;
}

#endif
