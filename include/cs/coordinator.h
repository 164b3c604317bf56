/*
 * The coordinator's state machine (rank 0), free of MPI: it generates
 * open-loop arrivals on a schedule, admits or rejects them, dispatches them
 * through a policy and a transport, and records each reply's latency from
 * the request's intended arrival time. The driver (mpi_run.c, or a test)
 * calls cs_coord_turn() repeatedly and waits between turns.
 */
#ifndef CS_COORDINATOR_H
#define CS_COORDINATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/clock.h"
#include "cs/config.h"
#include "cs/histogram.h"
#include "cs/policy.h"
#include "cs/transport.h"

/* Coordinator counters, indexed by enum, named by cs_coord_counter_names.
 * The request counters cover requests whose intended arrival lies in the
 * measured window; WARMUP_* cover the warm-up. */
enum cs_coord_counter {
    CS_C_GENERATED,
    CS_C_COMPLETED,
    CS_C_REJECTED,
    CS_C_TIMED_OUT,     /* still unanswered when the drain time ran out */
    CS_C_WARMUP_GENERATED,
    CS_C_WARMUP_COMPLETED,
    CS_C_WARMUP_REJECTED,
    CS_C_WARMUP_TIMED_OUT,
    CS_C_WINDOW_COMPLETIONS, /* replies received inside the window, any request */
    CS_C_UNEXPECTED_REPLIES, /* replies matching no request in flight */
    CS_C_BUSY_NS,            /* time spent working inside the window */
    CS_C_PENDING_MAX,        /* deepest the coordinator's queue got */
    CS_C__COUNT
};
extern const char *const cs_coord_counter_names[CS_C__COUNT];

enum cs_coord_state { CS_COORD_RUNNING, CS_COORD_DRAINING, CS_COORD_DONE };

struct cs_pending {
    int64_t intended_ns;
    int64_t service_ns;
    uint32_t flags;
};

struct cs_slot {
    int64_t intended_ns;
    int64_t sent_ns;
    int32_t node;     /* -1 when free */
    uint32_t gen;     /* bumped on every reuse, part of the request id */
    uint32_t flags;
    int32_t next_free;
};

struct cs_coord {
    const struct cs_scenario *sc;
    const struct cs_transport *tp;
    const struct cs_clock *clk;
    int nodes;
    enum cs_coord_state state;

    int64_t t0, window_start, window_end, drain_deadline;
    double next_arrival_ns; /* absolute, on clk */
    double rate_rps;
    int64_t cost_ns;

    struct cs_rng arrival_rng, service_rng;
    struct cs_policy_state policy_state;
    const struct cs_policy *policy;

    /* The coordinator's own queue: a ring that grows up to max_pending. */
    struct cs_pending *pending;
    int pending_cap, pending_head, pending_count;

    /* Requests in flight; grows up to nodes * window. */
    struct cs_slot *slots;
    int slot_cap, free_head, in_flight;
    int *node_in_flight;
    int open_nodes; /* nodes whose window has room */

    uint64_t counters[CS_C__COUNT];
    uint64_t *node_completed; /* measured completions per node */
    uint64_t *node_wait_ns;   /* their round trip less service, summed per node */
    /* Measured requests, ns: latency from intended arrival to reply, and
     * its parts: waiting in the coordinator's queue (to the send), and at
     * the node (round trip less the node's service time). */
    struct cs_histogram latency, dispatch_wait, node_wait;
};

/* Prepare a run that starts at t0 (clk's scale). rate_rps is the offered
 * load already resolved for this many nodes. */
int cs_coord_init(struct cs_coord *c, const struct cs_scenario *sc, int nodes, double rate_rps,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0);
void cs_coord_free(struct cs_coord *c);

/* One turn: take replies, generate due arrivals, dispatch what the policy
 * and windows allow, and move to draining and done as time passes. Returns
 * the number of events handled (0: idle turn), or a negative CS_E code. */
int cs_coord_turn(struct cs_coord *c);

/* When the coordinator next has scheduled work (an arrival, the end of the
 * window, or the drain deadline), or INT64_MAX once done. */
int64_t cs_coord_next_event(const struct cs_coord *c);

static inline bool cs_coord_done(const struct cs_coord *c)
{
    return c->state == CS_COORD_DONE;
}

/* Requests generated and not yet ended (in flight plus queued). */
static inline int cs_coord_outstanding(const struct cs_coord *c)
{
    return c->in_flight + c->pending_count;
}

#endif
