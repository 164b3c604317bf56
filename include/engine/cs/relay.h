/*
 * A relay's state machine (ranks 1..dispatch.relays), free of MPI. Rank 0
 * generates every request and sends it to a relay, as if the relay were
 * one large node; the relay chooses one of its own block of service nodes
 * with dispatch.policy, pays the per-request dispatch work
 * (dispatch.cost_us) that rank 0 no longer does, and forwards the node's
 * reply back to rank 0 unchanged. It keeps a request it has no room for
 * in a FIFO until one of its nodes has. It times nothing out: rank 0
 * does, and a late reply is forwarded all the same. Both directions are
 * batched as dispatch.batch says, so rank 0 talks to r relays instead of
 * N nodes and its batches fill N / r times faster. Both engines drive it
 * as a role (cs_relay_role, role.h).
 */
#ifndef CS_RELAY_H
#define CS_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/batcher.h"
#include "cs/book.h"
#include "cs/clock.h"
#include "cs/config.h"
#include "cs/policy.h"
#include "cs/pool.h"
#include "cs/ring.h"
#include "cs/transport.h"

/* Relay counters, whole run unless said. */
#define CS_RELAY_COUNTERS(X)                                                                                 \
    X(RECEIVED, "received")                   /* requests from the dispatcher */                             \
    X(WINDOW_RECEIVED, "window_received")     /* of them, received inside the measured window (its clock) */ \
    X(FORWARDED, "forwarded")                 /* replies sent back */                                        \
    X(QUEUED, "queued")                       /* requests that found every node of its full and waited */    \
    X(QUEUE_MAX, "queue_max")                 /* the most taken and not yet sent at once */                  \
    X(ABANDONED, "abandoned")                 /* waiting or in flight at the shutdown */                     \
    X(UNEXPECTED, "unexpected_replies")       /* replies matching no request in flight */                    \
    X(IDLE_TOKENS, "idle_tokens")             /* jiq: idle tokens its nodes sent it */                       \
    X(BUSY_NS, "busy_ns")                     /* time spent working inside the window */                     \
    X(MESSAGES_SENT, "messages_sent")         /* to the nodes and to the dispatcher (a batch is one) */      \
    X(ITEMS_SENT, "items_sent")               /* requests, replies and shutdowns in them */                  \
    X(MESSAGES_RECEIVED, "messages_received") /* from the dispatcher and from the nodes */                   \
    X(ITEMS_RECEIVED, "items_received")       /* requests, replies, tokens and the shutdown in them */
#define CS_R_ENUM(e, name) CS_R_##e,
enum cs_relay_counter { CS_RELAY_COUNTERS(CS_R_ENUM) CS_R__COUNT };
extern const char *const cs_relay_counter_names[CS_R__COUNT];

/* A request the relay holds: waiting for a node, or in flight to one. */
struct cs_relay_req {
    uint64_t up_id; /* the dispatcher's id, carried back in the reply */
    int64_t service_ns, arrived_ns;
    uint32_t flags;
    uint32_t gen;      /* bumped at every reuse: the id to the node is gen << 32 | index */
    int32_t node;      /* -1 while it waits */
    int32_t next_free; /* the pool's link */
};

struct cs_relay {
    const struct cs_transport *tp;
    const struct cs_clock *clk;
    int up;                 /* the dispatcher's rank */
    int first_rank, nodes;  /* its block: ranks first_rank .. first_rank + nodes - 1 */
    int first_node;         /* its node 0, 0-based among the run's nodes */
    struct cs_book book;    /* its nodes: in flight, limits, when each last answered */
    struct cs_batcher down; /* requests, per node */
    struct cs_batcher back; /* replies, to the dispatcher */
    struct cs_ring waiting; /* ints: requests taken and not yet sent, oldest first */
    int queued_seen;        /* of them, the first ones already counted as queued */
    struct cs_pool reqs;    /* struct cs_relay_req */
    int64_t cost_ns, message_cost_ns;
    bool cost_hold;
    int64_t window_start, window_end;
    bool shutdown;
    uint64_t counters[CS_R__COUNT];
};

/* Relay `rank` of a scenario whose run starts at t0 with service_nodes. */
int cs_relay_start(struct cs_relay *rl, const struct cs_scenario *sc, int rank, int service_nodes,
                   const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0);
void cs_relay_free(struct cs_relay *rl);

/* One turn: take every message that has come, send what its nodes have
 * room for, and the batches due. Returns the events handled (0: idle),
 * or a negative CS_E code. After the dispatcher's shutdown (passed on to
 * every node) rl->shutdown is set. */
int cs_relay_turn(struct cs_relay *rl);

/* When a batch next falls due, or INT64_MAX. */
int64_t cs_relay_next_event(const struct cs_relay *rl);

#endif
