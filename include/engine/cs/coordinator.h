/*
 * The coordinator's state machine (rank 0, and any other dispatcher), free
 * of MPI: it takes arrivals from its load generator (loadgen.h: open loop
 * on a rate or schedule, a trace, or a closed loop of clients), admits or
 * rejects them, dispatches them through a policy and a
 * transport, times them out after dispatch.timeout_ms and retries them on
 * another node (dispatch.retries), sends hedged duplicates
 * (dispatch.hedge_after_us or hedge_percentile), takes the first answer,
 * and records its latency from the request's intended arrival time. The
 * engine (or a test) calls cs_coord_turn() repeatedly and waits between
 * turns until cs_coord_next_event(): both engines drive it as a role
 * (cs_coord_role, role.h).
 */
#ifndef CS_COORDINATOR_H
#define CS_COORDINATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cs/arrival.h"
#include "cs/batcher.h"
#include "cs/book.h"
#include "cs/clock.h"
#include "cs/config.h"
#include "cs/heap.h"
#include "cs/histogram.h"
#include "cs/intervals.h"
#include "cs/loadgen.h"
#include "cs/policy.h"
#include "cs/pool.h"
#include "cs/ring.h"
#include "cs/trace.h"
#include "cs/transport.h"

/* Coordinator counters (CS_C_GENERATED, ...), indexed by enum, named by
 * cs_coord_counter_names: both made from the one list CS_COORD_COUNTERS
 * below (common.h: CS_COUNTER_NAME).
 * The request counters cover requests whose intended arrival lies in the
 * measured window; WARMUP_* cover the warm-up. Every request ends exactly
 * once: completed, rejected (by the coordinator's queue or by a node),
 * timed out (dispatch.timeout_ms with no retry, or the drain deadline) or
 * failed (it was retried, and no attempt was answered in time). */
#define CS_COORD_COUNTERS(X)                                                                                    \
    X(GENERATED, "generated")                                                                                   \
    X(COMPLETED, "completed")                                                                                   \
    X(REJECTED, "rejected")                                                                                     \
    X(TIMED_OUT, "timed_out")                                                                                   \
    X(FAILED, "failed")                                                                                         \
    X(WARMUP_GENERATED, "warmup_generated")                                                                     \
    X(WARMUP_COMPLETED, "warmup_completed")                                                                     \
    X(WARMUP_REJECTED, "warmup_rejected")                                                                       \
    X(WARMUP_TIMED_OUT, "warmup_timed_out")                                                                     \
    X(WARMUP_FAILED, "warmup_failed")                                                                           \
    X(REJECTED_AT_NODES, "rejected_at_nodes")   /* of CS_C_REJECTED: a node's queue was full */                 \
    X(RETRIES, "retries")                       /* retry attempts sent (measured requests) */                   \
    X(RETRIED_COMPLETED, "retried_completed")   /* of CS_C_COMPLETED: answered after a retry was decided */     \
    X(RETRIES_SKIPPED, "retries_skipped")       /* retries due over dispatch.retry_budget */                    \
    X(HEDGES, "hedges")                         /* hedged duplicates sent (measured requests) */                \
    X(HEDGE_WINS, "hedge_wins")                 /* of CS_C_COMPLETED: the hedge answered first */               \
    X(HEDGES_SKIPPED, "hedges_skipped")         /* hedges due when no other node had room, or over budget */    \
    X(DUPLICATE_REPLIES, "duplicate_replies")   /* answers to requests already completed, discarded */          \
    X(LATE_REPLIES, "late_replies")             /* answers to requests that ended unanswered, discarded */      \
    X(WINDOW_COMPLETIONS, "window_completions") /* replies received inside the window, any request */           \
    X(UNEXPECTED_REPLIES, "unexpected_replies") /* replies matching no attempt in flight */                     \
    X(BUSY_NS, "busy_ns")                       /* time spent working inside the window */                      \
    X(IN_SYSTEM_NS, "in_system_ns")             /* requests' time in the system inside the window, summed */    \
    X(PENDING_MAX, "pending_max")               /* deepest the coordinator's queue got */                       \
    X(WAKE_LATE_MAX_NS, "wake_late_max_ns")     /* longest the host let a timed wait overrun (cs_coord_woke) */ \
    X(PAUSES, "pauses")                         /* timed waits that overran by over CS_PAUSE_NS */              \
    X(MESSAGES_SENT, "messages_sent")           /* transport messages sent, whole run (a batch is one) */       \
    X(ITEMS_SENT, "items_sent")                 /* requests (and shutdowns) in them */                          \
    X(MESSAGES_RECEIVED, "messages_received")   /* transport messages taken, whole run */                       \
    X(ITEMS_RECEIVED, "items_received")         /* replies (and idle tokens) in them */                         \
    X(IDLE_TOKENS, "idle_tokens")               /* jiq: a node said a server of its is idle (whole run) */      \
    X(IDLE_REDUNDANT, "idle_redundant")         /* of those: the node was listed as often as it has servers */  \
    X(OUT_AT_WINDOW_END, "out_at_window_end")   /* measured requests not ended when the window closed \
                                                (generated late or still out): they end in the \
                                                drain, their latency past it */
#define CS_C_ENUM(e, name) CS_C_##e,
enum cs_coord_counter { CS_COORD_COUNTERS(CS_C_ENUM) CS_C__COUNT };
extern const char *const cs_coord_counter_names[CS_C__COUNT];

enum cs_coord_state { CS_COORD_RUNNING, CS_COORD_DRAINING, CS_COORD_DONE };

/* How a request ended (0: it has not). */
enum cs_outcome { CS_OPEN, CS_COMPLETED, CS_REJECTED, CS_TIMED_OUT, CS_FAILED };

/* An arrival waiting in the coordinator's queue. */
struct cs_pending {
    int64_t intended_ns;
    int64_t service_ns;
    uint32_t flags;
    int32_t client; /* closed loop: the client waiting for it; else -1 */
};

/* A request sent at least once: what it takes to send it again (a retry
 * or a hedge) and to end it exactly once, whichever attempt answers. */
struct cs_request {
    int64_t intended_ns;
    int64_t service_ns;
    int64_t first_sent_ns;
    uint32_t flags;
    int32_t client;
    int32_t last_node; /* node of its latest attempt */
    int32_t refs;      /* slots of its attempts, plus a queued retry */
    int16_t live;      /* attempts sent and neither answered nor timed out */
    int16_t retries;   /* retries decided so far */
    uint8_t outcome;   /* enum cs_outcome */
    int32_t next_free; /* the pool's link */
};

/* One attempt in flight: a request sent to a node. Its message id is
 * gen << 32 | slot index, so a reply to a reused slot is recognised. */
struct cs_slot {
    int64_t sent_ns;
    int32_t node;      /* -1 when free */
    uint32_t gen;      /* bumped on every reuse */
    int32_t req;       /* index into reqs */
    bool expired;      /* timed out; a late reply may still answer its request */
    bool hedge;        /* the hedged duplicate */
    int32_t next_free; /* the pool's link */
};

/* An attempt's deadline (for dispatch.timeout_ms), or for the hedge ring
 * the first attempt's send time. */
struct cs_deadline {
    int64_t at_ns;
    int32_t slot;
    uint32_t gen;
};

/* A request waiting to be retried, and when it fails if no node takes it. */
struct cs_retry {
    int64_t at_ns;
    int32_t req;
};

/* A budget for second tries (retries or hedges): each new request earns
 * `rate` of one, each second try spends one, and at most CS_BUDGET_BURST
 * are saved up. It starts full. */
#define CS_BUDGET_BURST 200.0
struct cs_budget {
    double tokens, rate;
};

/* A node marked down (after dispatch.down_after timeouts in a row) or up
 * again (a probe came back). */
struct cs_health_event {
    int rank;
    double at_s; /* seconds after the start */
    bool up;
};
#define CS_HEALTH_EVENTS_MAX 256

/* A coordinator's part in a run with dispatch.dispatchers of them: it
 * generates its share of the load (its own seeded streams, 1/count of the
 * rate or schedule, every count-th trace line, its share of the closed
 * loop's clients) and dispatches to `nodes` service nodes from rank
 * first_rank on (all of them, or its block when sharded). The split is
 * even whatever the blocks' sizes, as DNS in front of several load
 * balancers splits it. */
struct cs_coord_part {
    int index;      /* 0-based */
    int count;      /* dispatchers */
    int first_rank; /* rank of its node 0 */
    int all_nodes;  /* the run's service nodes, all dispatchers' (the load derived from
                       load.utilization is a share of their capacity) */
};

/* Where a stop (cs_coord_stop) found the run: nothing measured yet, part
 * of the window measured, or the window whole and its requests draining. */
enum cs_stop_phase { CS_STOP_NONE, CS_STOP_WARMUP, CS_STOP_WINDOW, CS_STOP_DRAIN };

struct cs_coord {
    const struct cs_scenario *sc;
    struct cs_coord_part part;
    const struct cs_transport *tp;
    const struct cs_clock *clk;
    int nodes;
    enum cs_coord_state state;

    int64_t t0, window_start, window_end, drain_deadline;
    uint32_t turn_looks;      /* turn_over's looks, to read the clock at every few only */
    bool stop_asked;          /* cs_coord_stop() was called */
    enum cs_stop_phase cut;   /* where a stop cut the run short (its warm-up or window, or the drain at its
                                 grace); CS_STOP_NONE: it did not */
    bool drain_cut;           /* called while draining, it moved the drain's deadline sooner */
    bool window_noted;        /* a turn has come at or after the window's end */
    uint64_t ended_in_window; /* the window's requests that had ended by then */
    bool paused;              /* the host held the last wait past its end (cs_coord_woke) */
    int64_t cost_ns, timeout_ns;
    int64_t message_cost_ns; /* dispatch.message_cost_us: per message sent */
    bool cost_hold;          /* dispatch.cost_mode "sleep": costs hold the clock rather than spin */
    bool replies_may_wait;   /* no timeout, hedge, closed loop, cost or batch (cs_coord_replies_wait) */
    struct cs_batcher out;   /* requests, batched per node (dispatch.batch) */
    struct cs_loadgen load;  /* its share of the arrivals (loadgen.h) */

    /* The coordinator's own queue (struct cs_pending), up to max_pending. */
    struct cs_ring pending;

    /* Requests sent and not yet ended or still awaited by an attempt, and
     * the attempts in flight; both grow with the sum of the nodes' limits. */
    struct cs_pool reqs;  /* struct cs_request */
    struct cs_pool slots; /* struct cs_slot */
    int in_flight;
    int expired_in_flight; /* of in_flight: attempts that timed out and are still awaited */
    struct cs_book book;   /* its nodes: in flight, limits (dispatch.window, or the node's servers
                             for a pull policy; 0 while a node is down), replies */
    /* The measured completions and waits (round trip less service) of the
     * nodes that serve it, ranks first_rank.. (its own, or under relays all
     * of them), by the node each reply names. */
    struct {
        int first_rank, n;
        uint64_t *completed, *wait_ns;
    } served;
    int *node_full_limit; /* the limit of a healthy node */

    /* Health: timeouts in a row per node; a node down gets nothing but a
     * probe every dispatch.probe_ms. */
    int *node_timeouts;
    bool *node_down;
    int nodes_down;
    int64_t *node_next_probe;
    int64_t next_probe_ns; /* the earliest of them still to come, as of the last turn */
    int health_n;
    struct cs_health_event health[CS_HEALTH_EVENTS_MAX];

    /* With dispatch.timeout_ms: first attempts' deadlines (intended
     * arrival + timeout) and those of retries and hedges (send + timeout),
     * each in order; requests waiting for a retry (struct cs_retry). */
    struct cs_ring deadlines, resend_deadlines, retries;
    /* Hedging: first attempts by send time, and how long one waits
     * unanswered before its duplicate goes out (INT64_MAX: not yet known,
     * with dispatch.hedge_percentile, or no hedging). */
    struct cs_ring hedges;
    int64_t hedge_after_ns;
    struct cs_budget retry_budget, hedge_budget;
    /* dispatch.hedge_percentile: first send to answer, this block and the last */
    struct cs_histogram round_trips, round_trips_before;

    uint64_t counters[CS_C__COUNT];
    /* Measured requests, ns: latency from intended arrival to reply, and
     * its parts: waiting in the coordinator's queue (to the send), and at
     * the node (round trip less the node's service time). */
    struct cs_histogram latency, dispatch_wait, node_wait;
    struct cs_intervals intervals; /* the time series and its overload judge (intervals.h) */
};

/* Prepare a run that starts at t0 (clk's scale) with `nodes` service
 * nodes. trace is required for trace arrivals (and ignored otherwise). */
int cs_coord_init(struct cs_coord *c, const struct cs_scenario *sc, int nodes, const struct cs_trace *trace,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0);
/* The same for one dispatcher of several (part), with its `nodes`. */
int cs_coord_init_part(struct cs_coord *c, const struct cs_scenario *sc, const struct cs_coord_part *part, int nodes,
                       const struct cs_trace *trace, const struct cs_transport *tp, const struct cs_clock *clk,
                       int64_t t0);
void cs_coord_free(struct cs_coord *c);

/* One turn: take replies, give up on expired requests, generate due
 * arrivals, dispatch what the policy and limits allow, and move to
 * draining and done as time passes. Returns the number of events handled
 * (0: idle turn), or a negative CS_E code. */
int cs_coord_turn(struct cs_coord *c);

/* Replies (and idle tokens) that arrive may wait for its next turn, to be
 * taken first then, each at its own time (cs_coord_take): in the mean
 * time nothing would have read what they change. True while it is free
 * (no emulated cost, no batching), running an open loop with nothing
 * queued, no timeouts and no hedges; false when any of these would act
 * on a reply at once. A driver in virtual time uses it to wake the
 * coordinator for its arrivals only. */
bool cs_coord_replies_wait(const struct cs_coord *c);

/* Ask for the cache line of the attempt a reply with message id `id`
 * will name, ahead of the reply. */
static inline void cs_coord_prefetch_reply(const struct cs_coord *c, uint64_t id)
{
    uint32_t s = (uint32_t)id;
    if (s < (uint32_t)c->slots.cap)
        __builtin_prefetch(cs_pool_at(&c->slots, (int)s));
}

/* Take every message that has arrived by its clock's now, and nothing
 * else (a turn begins with it; a driver takes replies that waited with
 * it): items taken, or <0. */
int cs_coord_take(struct cs_coord *c);
/* Take one message of n items from src at its clock's now, as
 * cs_coord_take takes each: a driver hands one over this way when its
 * replies may wait and none is waiting. */
void cs_coord_deliver(struct cs_coord *c, const struct cs_msg *m, int n, int src);

/* A wait that was to end at due_ns ended at woke_ns. An overrun past
 * CS_PAUSE_NS (clock.h) is a pause of the host: it is counted, and the
 * next turn takes the replies that came in meanwhile before it expires
 * the deadlines that passed during the pause, so that a pause alone does
 * not time out requests whose answers were waiting. */
void cs_coord_woke(struct cs_coord *c, int64_t due_ns, int64_t woke_ns);

/* When the coordinator next has timed work (an arrival, a timeout, the end
 * of the window, the drain deadline, a batch, the probe of a node marked
 * down), or INT64_MAX once done. */
int64_t cs_coord_next_event(const struct cs_coord *c);

/* The offered load of the measured window, requests per second: the
 * scheduled rate, or what arrived for closed loops and traces. */
double cs_coord_offered_rps(const struct cs_coord *c);

/* Stop early (a signal): generate no more, end the measured window at now,
 * and give outstanding requests until now + grace_ns before they time out.
 * Once the window is over (draining), the run is whole unless that grace
 * ends before the drain does. */
void cs_coord_stop(struct cs_coord *c, int64_t now, int64_t grace_ns);

/* Where a stop at now would find the run. */
enum cs_stop_phase cs_coord_stop_phase(const struct cs_coord *c, int64_t now);

/* Length of the measured window, seconds: load.duration_s, or less when
 * the run was stopped early. */
double cs_coord_window_s(const struct cs_coord *c);

/* How much of the measured window lies behind now, seconds (0 in the
 * warm-up, the window's length once it has ended). */
double cs_coord_covered_s(const struct cs_coord *c, int64_t now);

/* Close the current time-series interval at now: fill *row, start the
 * next, and judge it for overload (c->intervals). A driver calls it every
 * run.interval_ms, whether or not a time series is written. */
void cs_coord_interval(struct cs_coord *c, int64_t now, struct cs_interval_row *row);

/* What the coordinator measured, read-only, for the results. */
struct cs_coord_measures {
    int first_node, nodes;                         /* its nodes, 0-based among the run's (a sharded block) */
    const uint64_t *counters;                      /* [CS_C__COUNT] */
    const uint64_t *node_completed, *node_wait_ns; /* [nodes]: measured replies, round trip less service */
    const struct cs_histogram *latency, *dispatch_wait, *node_wait;
    const struct cs_overload *overload;
    const struct cs_health_event *health;
    int health_n;
    const struct cs_interval_row *series; /* every interval of the run */
    int series_n;
    bool series_cut; /* some intervals are missing from it (out of memory) */
    double offered_rps, window_s;
    enum cs_stop_phase stopped; /* CS_STOP_NONE, or where the stop that cut the run came */
};
void cs_coord_measures(const struct cs_coord *c, struct cs_coord_measures *m);

/* Where a run stands at now, for a progress line. */
struct cs_progress {
    double t_s, total_s;           /* since the start; the start to the window's end */
    const char *phase;             /* "warm-up", "running" or "draining" */
    uint64_t generated, completed; /* warm-up included */
    int outstanding;
};
void cs_coord_progress(const struct cs_coord *c, int64_t now, struct cs_progress *p);

/* Draw c's progress at now as the live line on out (a terminal: it is
 * redrawn in place); final clears it. Both engines draw theirs so. */
void cs_coord_progress_draw(FILE *out, const struct cs_coord *c, int64_t now, bool final);

/* Has a stop been asked (cs_coord_stop)? Whether it cut the run short
 * is the results' `complete` (cs_coord_measures: stopped). */
static inline bool cs_coord_stop_asked(const struct cs_coord *c)
{
    return c->stop_asked;
}

static inline bool cs_coord_done(const struct cs_coord *c)
{
    return c->state == CS_COORD_DONE;
}

/* Work not yet finished: attempts in flight (a late or duplicate answer
 * still expected), queued arrivals and queued retries. */
static inline int cs_coord_outstanding(const struct cs_coord *c)
{
    return c->in_flight + c->pending.count + c->retries.count;
}

#endif
