/*
 * Coordinator state machine: arrivals, admission, dispatch, timeouts,
 * retries, hedges and latency recording, against the transport and clock
 * interfaces. It does not wait, sleep or talk MPI; the driver does. Memory
 * is bounded by dispatch.max_pending, the nodes' limits and load.clients,
 * whatever the offered load.
 *
 * A request is sent as one or more attempts: the first, a retry after an
 * attempt timed out (dispatch.retries, on another node), a hedged duplicate
 * after dispatch.hedge_after_us unanswered. The first answer ends the
 * request; later answers are counted as duplicates or late and discarded.
 * An attempt keeps its node's window until its answer comes back, because
 * the node is still working on it.
 */
#include "cs/coordinator.h"
#include "cs/role.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/scenario.h"

const char *const cs_coord_counter_names[CS_C__COUNT] = {CS_COORD_COUNTERS(CS_COUNTER_NAME)};

/* A turn generates at most this many arrivals and stops generating and
 * dispatching once it has worked this long, so that replies keep being
 * taken even when the coordinator has fallen far behind its schedule or
 * spends dispatch.cost_us on every request. (Replies left waiting fill
 * the transport's buffers, and then the nodes block in their sends.) */
#define MAX_ARRIVALS_PER_TURN 256
#define TURN_BUDGET_NS (50 * CS_NS_PER_US)
#define TURN_CHECK 16
#define INITIAL_RING 1024
static const struct cs_slot free_slot = {.node = -1};
/* dispatch.hedge_percentile: answered requests per block of the estimate. */
#define HEDGE_BLOCK 250

static void count(struct cs_coord *c, uint32_t flags, enum cs_coord_counter measured, enum cs_coord_counter warmup)
{
    c->counters[(flags & CS_REQ_MEASURED) ? measured : warmup]++;
}

/* Count a measured request's event (retries, hedges). */
static void count_measured(struct cs_coord *c, uint32_t flags, enum cs_coord_counter k)
{
    if (flags & CS_REQ_MEASURED)
        c->counters[k]++;
}

static void budget_earn(struct cs_budget *b)
{
    b->tokens = fmin(b->tokens + b->rate, CS_BUDGET_BURST);
}

static bool budget_spend(struct cs_budget *b)
{
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

/* The next arrival off the load generator, as a request to dispatch. */
static struct cs_pending take_arrival(struct cs_coord *c)
{
    struct cs_arrival a = cs_loadgen_take(&c->load);
    return (struct cs_pending){a.intended_ns, a.service_ns, a.intended_ns >= c->window_start ? CS_REQ_MEASURED : 0,
                               a.client};
}

/* ---- set-up ---- */

int cs_coord_init(struct cs_coord *c, const struct cs_scenario *sc, int nodes, const struct cs_trace *trace,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0)
{
    struct cs_coord_part whole = {0, 1, cs_first_node(sc), nodes};
    return cs_coord_init_part(c, sc, &whole, nodes, trace, tp, clk, t0);
}

int cs_coord_init_part(struct cs_coord *c, const struct cs_scenario *sc, const struct cs_coord_part *part, int nodes,
                       const struct cs_trace *trace, const struct cs_transport *tp, const struct cs_clock *clk,
                       int64_t t0)
{
    memset(c, 0, sizeof(*c));
    c->sc = sc;
    c->part = *part;
    c->tp = tp;
    c->clk = clk;
    c->nodes = nodes;
    c->state = CS_COORD_RUNNING;
    c->t0 = t0;
    cs_scenario_window(sc, t0, &c->window_start, &c->window_end);
    /* The modelled per-request cost is zero on ranks (they pay their own);
     * the virtual engine charges its per-message cost in its transport. */
    /* Under relays, rank 0 sends to them as if each were one large node
     * (the fewest outstanding first, up to all its nodes' limits) and the
     * per-request dispatch work (dispatch.cost_us) is theirs. */
    bool relays = sc->dispatch.relays > 0;
    c->cost_ns = (int64_t)llround(((relays ? 0 : sc->dispatch.cost_us) + sc->model.coordinator_request_us) * 1e3);
    c->timeout_ns = (int64_t)llround(sc->dispatch.timeout_ms * 1e6);
    c->message_cost_ns = (int64_t)llround(sc->dispatch.message_cost_us * 1e3);
    c->cost_hold = sc->dispatch.cost_mode == CS_COST_SLEEP;
    c->hedge_after_ns =
        sc->dispatch.hedge_after_us > 0 ? (int64_t)llround(sc->dispatch.hedge_after_us * 1e3) : INT64_MAX;
    c->retry_budget = (struct cs_budget){CS_BUDGET_BURST, sc->dispatch.retry_budget};
    c->hedge_budget = (struct cs_budget){CS_BUDGET_BURST, sc->dispatch.hedge_budget};
    uint64_t streams = (uint64_t)part->index * CS_STREAM_DISPATCHER;
    int rc = cs_loadgen_init(&c->load, sc, part->index, part->count, part->all_nodes, trace, t0, streams);
    if (rc != CS_OK) {
        cs_loadgen_free(&c->load);
        return rc;
    }
    cs_hist_init(&c->latency);
    cs_hist_init(&c->dispatch_wait);
    cs_hist_init(&c->node_wait);
    cs_hist_init(&c->round_trips);
    cs_hist_init(&c->round_trips_before);
    /* Its share of the capacity: its nodes (or its share of them all),
     * or its own ceiling (or its relays'), whichever is less: what its
     * intervals are judged against. */
    double capacity = cs_scenario_served_rps(sc, relays ? part->all_nodes : nodes) *
                      (sc->dispatch.partition == CS_PARTITION_SHARED ? c->load.share : 1.0);
    enum cs_tier tier, sends = CS_TIER_NODES;
    double ceiling = cs_scenario_dispatch_rps(sc, &tier);
    if (ceiling < capacity) {
        capacity = ceiling;
        sends = tier;
    }
    cs_intervals_init(&c->intervals, t0, c->window_start, c->window_end, capacity, (int)sends);
    cs_ring_init(&c->pending, sizeof(struct cs_pending), INITIAL_RING, sc->dispatch.max_pending);
    cs_ring_init(&c->deadlines, sizeof(struct cs_deadline), INITIAL_RING, INT32_MAX);
    cs_ring_init(&c->resend_deadlines, sizeof(struct cs_deadline), INITIAL_RING, INT32_MAX);
    cs_ring_init(&c->retries, sizeof(struct cs_retry), INITIAL_RING, INT32_MAX);
    cs_ring_init(&c->hedges, sizeof(struct cs_deadline), INITIAL_RING, INT32_MAX);
    cs_pool_init(&c->reqs, sizeof(struct cs_request), offsetof(struct cs_request, next_free), INITIAL_RING, NULL);
    cs_pool_init(&c->slots, sizeof(struct cs_slot), offsetof(struct cs_slot, next_free), INITIAL_RING, &free_slot);

    if (cs_batcher_init(&c->out, tp, nodes, part->first_rank, sc->dispatch.batch,
                        (int64_t)llround(sc->dispatch.batch_wait_us * 1e3))) {
        cs_coord_free(c);
        return CS_E_NOMEM;
    }
    c->replies_may_wait = c->timeout_ns == 0 && c->hedge_after_ns == INT64_MAX && sc->dispatch.hedge_percentile <= 0 &&
                          c->load.source != CS_SOURCE_CLOSED && c->cost_ns == 0 && c->message_cost_ns == 0 &&
                          c->out.batch == 1;
    c->node_full_limit = calloc((size_t)nodes, sizeof(int));
    c->node_timeouts = calloc((size_t)nodes, sizeof(int));
    c->node_down = calloc((size_t)nodes, sizeof(bool));
    c->node_next_probe = calloc((size_t)nodes, sizeof(int64_t));
    c->served.first_rank = relays ? cs_first_node(sc) : part->first_rank;
    c->served.n = relays ? part->all_nodes : nodes;
    c->served.completed = calloc((size_t)(c->served.n > 0 ? c->served.n : 1), sizeof(uint64_t));
    c->served.wait_ns = calloc((size_t)(c->served.n > 0 ? c->served.n : 1), sizeof(uint64_t));
    const struct cs_policy *policy = &cs_policies[relays ? cs_policy_find("least_outstanding") : sc->dispatch.policy];
    if (cs_book_init(&c->book, nodes, policy, sc->dispatch.d, cs_nodes_servers_max(sc, part->first_rank, nodes)) !=
            CS_OK ||
        !c->served.completed || !c->served.wait_ns || !c->node_full_limit || !c->node_timeouts || !c->node_down ||
        !c->node_next_probe) {
        cs_coord_free(c);
        return CS_E_NOMEM;
    }
    for (int i = 0; i < nodes; i++) {
        if (relays) { /* "node" i is relay i: the limits of its block together */
            struct cs_place p = cs_plan_place(sc, part->all_nodes, cs_feeder_first(sc) + i);
            cs_book_set_limit(&c->book, i, cs_nodes_limit(sc, p.first_rank, p.count));
        } else {
            cs_book_set_limit(&c->book, i, cs_nodes_limit(sc, part->first_rank + i, 1));
        }
        c->node_full_limit[i] = c->book.limit[i];
    }
    cs_rng_seed(&c->book.state.rng, sc->load.seed, streams + CS_STREAM_POLICY);
    c->next_probe_ns = INT64_MAX;
    return CS_OK;
}

void cs_coord_free(struct cs_coord *c)
{
    cs_batcher_free(&c->out);
    cs_ring_free(&c->pending);
    cs_ring_free(&c->deadlines);
    cs_ring_free(&c->resend_deadlines);
    cs_ring_free(&c->retries);
    cs_ring_free(&c->hedges);
    cs_pool_free(&c->reqs);
    cs_pool_free(&c->slots);
    cs_loadgen_free(&c->load);
    cs_book_free(&c->book);
    free(c->served.completed);
    free(c->served.wait_ns);
    free(c->node_full_limit);
    free(c->node_timeouts);
    free(c->node_down);
    free(c->node_next_probe);
    cs_intervals_free(&c->intervals);
    /* Freed twice is freed once: an init that fails frees what it made,
     * and its caller frees every coordinator it set out to make. */
    memset(c, 0, sizeof(*c));
}

/* ---- ending requests: each exactly once ---- */

/* Little's law, measured: the time a request spent in the system, from
 * its intended arrival to its end, that lies inside the measured window.
 * Summed over all requests and divided by the window, it is the mean
 * number of requests in the system, which a steady run must match with
 * throughput x mean latency. */
static void count_in_system(struct cs_coord *c, int64_t intended_ns, int64_t now)
{
    int64_t from = intended_ns > c->window_start ? intended_ns : c->window_start;
    int64_t to = now < c->window_end ? now : c->window_end;
    if (to > from)
        c->counters[CS_C_IN_SYSTEM_NS] += (uint64_t)(to - from);
}

static void count_outcome(struct cs_coord *c, uint32_t flags, int64_t intended_ns, enum cs_outcome how, int client,
                          int64_t now)
{
    count_in_system(c, intended_ns, now);
    switch (how) {
    case CS_COMPLETED:
        count(c, flags, CS_C_COMPLETED, CS_C_WARMUP_COMPLETED);
        c->intervals.cur.completed++;
        break;
    case CS_REJECTED:
        count(c, flags, CS_C_REJECTED, CS_C_WARMUP_REJECTED);
        c->intervals.cur.rejected++;
        c->intervals.cur.rejected_measured += (flags & CS_REQ_MEASURED) != 0;
        break;
    case CS_TIMED_OUT:
        count(c, flags, CS_C_TIMED_OUT, CS_C_WARMUP_TIMED_OUT);
        c->intervals.cur.timed_out++;
        break;
    case CS_FAILED:
        count(c, flags, CS_C_FAILED, CS_C_WARMUP_FAILED);
        c->intervals.cur.failed++;
        break;
    case CS_OPEN:
        return;
    }
    if (client >= 0)
        cs_loadgen_client_done(&c->load, client, now);
}

static void end_request(struct cs_coord *c, struct cs_request *rq, enum cs_outcome how, int64_t now)
{
    rq->outcome = (uint8_t)how;
    count_outcome(c, rq->flags, rq->intended_ns, how, rq->client, now);
}

/* A request unanswered when its last hope is gone: failed when a retry
 * was tried, else timed out. */
static void give_up(struct cs_coord *c, struct cs_request *rq, int64_t now)
{
    end_request(c, rq, rq->retries > 0 ? CS_FAILED : CS_TIMED_OUT, now);
}

/* ---- the queue ---- */

static int pending_push(struct cs_coord *c, const struct cs_pending *p)
{
    int rc = cs_ring_push(&c->pending, p);
    if (rc == CS_OK && (uint64_t)c->pending.count > c->counters[CS_C_PENDING_MAX])
        c->counters[CS_C_PENDING_MAX] = (uint64_t)c->pending.count;
    return rc;
}

static struct cs_pending pending_pop(struct cs_coord *c)
{
    struct cs_pending p = *(struct cs_pending *)cs_ring_front(&c->pending);
    cs_ring_pop(&c->pending);
    return p;
}

/* ---- requests and their attempts ---- */

static struct cs_request *req_at(const struct cs_coord *c, int r)
{
    return cs_pool_at(&c->reqs, r);
}

static struct cs_slot *slot_at(const struct cs_coord *c, int s)
{
    return cs_pool_at(&c->slots, s);
}

/* Drop one reference; the record is free once nothing refers to it (by
 * then the request has ended). */
static void req_put(struct cs_coord *c, int r)
{
    if (--req_at(c, r)->refs == 0)
        cs_pool_put(&c->reqs, r);
}

static void slot_release(struct cs_coord *c, int s)
{
    struct cs_slot *slot = slot_at(c, s);
    cs_book_ended(&c->book, slot->node);
    c->in_flight--;
    c->expired_in_flight -= slot->expired;
    req_put(c, slot->req);
    slot->node = -1;
    slot->expired = false;
    slot->gen++;
    cs_pool_put(&c->slots, s);
}

/* Still an attempt in flight that has not timed out. */
static bool attempt_live(const void *ctx, const void *e)
{
    const struct cs_coord *c = ctx;
    const struct cs_deadline *d = e;
    const struct cs_slot *slot = slot_at(c, d->slot);
    return slot->node >= 0 && slot->gen == d->gen && !slot->expired;
}

/* A first attempt still alone and unanswered: a hedge candidate. */
static bool hedge_wanted(const void *ctx, const void *e)
{
    const struct cs_coord *c = ctx;
    if (!attempt_live(c, e))
        return false;
    const struct cs_request *rq = req_at(c, slot_at(c, ((const struct cs_deadline *)e)->slot)->req);
    return rq->outcome == CS_OPEN && rq->live == 1;
}

/* Note an attempt on a ring of deadlines or hedge candidates. Entries for
 * attempts answered early stay until they reach the head; when the ring
 * would grow, they are swept out first, so it stays near the number of
 * attempts in flight, however long the timeout or the hedge delay. */
static int note_attempt(struct cs_coord *c, struct cs_ring *r, int64_t at, int s,
                        bool (*keep)(const void *, const void *))
{
    if (r->count == r->cap && r->count > 2 * c->in_flight)
        cs_ring_compact(r, c, keep);
    return cs_ring_push(r, &(struct cs_deadline){at, s, slot_at(c, s)->gen});
}

static void health_event(struct cs_coord *c, int node, int64_t now, bool up)
{
    c->node_down[node] = !up;
    c->nodes_down += up ? -1 : 1;
    if (c->health_n < CS_HEALTH_EVENTS_MAX)
        c->health[c->health_n++] = (struct cs_health_event){c->part.first_rank + node, (double)(now - c->t0) / 1e9, up};
}

/* A request to node timed out in flight. */
static void node_timed_out(struct cs_coord *c, int node, int64_t now)
{
    int k = c->sc->dispatch.down_after;
    if (k <= 0)
        return;
    c->node_timeouts[node]++;
    if (c->node_down[node] || c->node_timeouts[node] >= k) {
        /* Give up on its timed-out attempts for good: a node that stopped
         * answering will not answer them, and their slots would hold its
         * window shut after it recovers. A late answer then counts as
         * unexpected. */
        for (int s = 0; s < c->slots.cap; s++) {
            const struct cs_slot *slot = slot_at(c, s);
            if (slot->node == node && slot->expired)
                slot_release(c, s);
        }
    }
    if (c->node_down[node]) {
        cs_book_set_limit(&c->book, node, 0); /* a failed probe: wait for the next one */
        c->node_next_probe[node] = now + (int64_t)(c->sc->dispatch.probe_ms * 1e6);
    } else if (c->node_timeouts[node] >= k) {
        health_event(c, node, now, false);
        cs_book_set_limit(&c->book, node, 0);
        c->node_next_probe[node] = now + (int64_t)(c->sc->dispatch.probe_ms * 1e6);
    }
}

/* Time for nodes marked down to get a probe: room for one request. The
 * next probe still to come is kept for cs_coord_next_event. */
static void probe_down_nodes(struct cs_coord *c, int64_t now)
{
    c->next_probe_ns = INT64_MAX;
    for (int i = 0; i < c->nodes; i++) {
        if (!c->node_down[i] || c->book.limit[i] != 0)
            continue;
        if (now >= c->node_next_probe[i])
            cs_book_set_limit(&c->book, i, c->book.in_flight[i] + 1);
        else if (c->node_next_probe[i] < c->next_probe_ns)
            c->next_probe_ns = c->node_next_probe[i];
    }
}

/* The node the policy picks among those with room, never `exclude`
 * (-1: any); -1 when none can take a request now. */
static int pick_node(struct cs_coord *c, int exclude)
{
    return cs_book_pick(&c->book, exclude + 1);
}

/* The coordinator's emulated work (dispatch.cost_us, message_cost_us),
 * paid as dispatch.cost_mode says. */
static void charge(struct cs_coord *c, int64_t ns)
{
    if (ns > 0)
        (c->cost_hold ? c->clk->hold : c->clk->spin)(c->clk->ctx, ns);
}

/* Send request r to node as a new attempt: the first (deadline at its
 * intended arrival + timeout), or a retry or hedge (at its send +
 * timeout). Returns the attempt's slot, or <0. */
static int send_attempt(struct cs_coord *c, int r, int node, bool first, bool hedge)
{
    int s = cs_pool_take(&c->slots);
    if (s < 0)
        return s;
    struct cs_slot *slot = slot_at(c, s);
    struct cs_request *rq = req_at(c, r);
    int64_t now = cs_clock_now(c->clk);
    slot->sent_ns = now;
    slot->node = node;
    slot->req = r;
    slot->expired = false;
    slot->hedge = hedge;
    rq->refs++;
    rq->live++;
    rq->last_node = node;
    struct cs_msg m = {
        .kind = CS_MSG_REQUEST,
        .flags = rq->flags | (rq->intended_ns <= c->book.replied_ns[node] ? CS_REQ_HANDOFF : 0u),
        .id = ((uint64_t)slot->gen << 32) | (uint32_t)s,
        .service_ns = rq->service_ns,
    };
    int rc = cs_batcher_put(&c->out, c->part.first_rank + node, &m, now);
    if (rc < 0)
        return rc;
    charge(c, c->cost_ns + rc * c->message_cost_ns);
    cs_book_sent(&c->book, node);
    c->in_flight++;
    if (c->timeout_ns > 0) {
        rc = first ? note_attempt(c, &c->deadlines, rq->intended_ns + c->timeout_ns, s, attempt_live)
                   : note_attempt(c, &c->resend_deadlines, now + c->timeout_ns, s, attempt_live);
        if (rc < 0)
            return rc;
    }
    return s;
}

/* Send a new arrival to a node the policy picks. 1 sent, 0 no node has
 * room, <0 error. */
static int dispatch_one(struct cs_coord *c, const struct cs_pending *p)
{
    int node = pick_node(c, -1);
    if (node < 0)
        return 0;
    int r = cs_pool_take(&c->reqs);
    if (r < 0)
        return r;
    *req_at(c, r) = (struct cs_request){
        .intended_ns = p->intended_ns,
        .service_ns = p->service_ns,
        .flags = p->flags,
        .client = p->client,
    };
    int s = send_attempt(c, r, node, true, false);
    if (s < 0)
        return s;
    req_at(c, r)->first_sent_ns = slot_at(c, s)->sent_ns;
    if (c->sc->dispatch.retries > 0)
        budget_earn(&c->retry_budget);
    if (c->hedge_after_ns != INT64_MAX && c->nodes > 1) {
        budget_earn(&c->hedge_budget);
        int rc = note_attempt(c, &c->hedges, slot_at(c, s)->sent_ns, s, hedge_wanted);
        if (rc < 0)
            return rc;
    }
    return 1;
}

static bool turn_over(struct cs_coord *c, int64_t start)
{
    /* The clock is read at every TURN_CHECK-th look only: at a million
     * arrivals a second, reading it at every one was a third of rank 0's
     * time (perf, an open loop past saturation at 2 ranks). */
    if (++c->turn_looks % TURN_CHECK != 0)
        return false;
    return cs_clock_now(c->clk) - start >= TURN_BUDGET_NS;
}

/* Retries first (their requests are older), each to a node other than the
 * one that timed out; one that cannot be placed yet waits at the head
 * without holding up the arrivals. */
static int dispatch_retries(struct cs_coord *c, int64_t start, int *work)
{
    while (c->retries.count > 0 && !turn_over(c, start)) {
        int r = ((struct cs_retry *)cs_ring_front(&c->retries))->req;
        struct cs_request *rq = req_at(c, r);
        if (rq->outcome == CS_OPEN) {
            int node = pick_node(c, c->nodes > 1 ? rq->last_node : -1);
            if (node < 0)
                return CS_OK;
            int s = send_attempt(c, r, node, false, false);
            if (s < 0)
                return s;
            count_measured(c, rq->flags, CS_C_RETRIES);
            (*work)++;
        } /* else a late answer to an earlier attempt came first */
        cs_ring_pop(&c->retries);
        req_put(c, r);
    }
    return CS_OK;
}

/* The retry at the head of the queue will not be sent: its request, unless
 * a late answer ended it meanwhile, fails. */
static void drop_retry(struct cs_coord *c, int64_t now)
{
    int r = ((struct cs_retry *)cs_ring_front(&c->retries))->req;
    cs_ring_pop(&c->retries);
    if (req_at(c, r)->outcome == CS_OPEN)
        end_request(c, req_at(c, r), CS_FAILED, now);
    req_put(c, r);
}

/* Dispatch queued retries, then from the head of the queue, while nodes
 * have room and the turn has time left. */
static int dispatch_queued(struct cs_coord *c, int64_t start, int *work)
{
    int rc = dispatch_retries(c, start, work);
    if (rc < 0)
        return rc;
    while (c->pending.count > 0 && !turn_over(c, start)) {
        rc = dispatch_one(c, cs_ring_front(&c->pending));
        if (rc <= 0)
            return rc;
        pending_pop(c);
        (*work)++;
    }
    return CS_OK;
}

/* dispatch_queued, asked at every look, and most find nothing queued. */
static inline int dispatch_pending(struct cs_coord *c, int64_t start, int *work)
{
    return c->retries.count > 0 || c->pending.count > 0 ? dispatch_queued(c, start, work) : CS_OK;
}

/* Hedges: a first attempt unanswered for hedge_after_ns gets a duplicate
 * on another node, if one has room now (else none: hedging must not queue
 * extra work behind real work). */
static int send_hedges(struct cs_coord *c, int64_t start, int *work)
{
    while (c->hedges.count > 0 && !turn_over(c, start)) {
        struct cs_deadline h = *(struct cs_deadline *)cs_ring_front(&c->hedges);
        if (hedge_wanted(c, &h) && start - h.at_ns < c->hedge_after_ns)
            break;
        cs_ring_pop(&c->hedges);
        if (!hedge_wanted(c, &h))
            continue;
        int r = slot_at(c, h.slot)->req;
        struct cs_request *rq = req_at(c, r);
        int node = pick_node(c, slot_at(c, h.slot)->node);
        if (node < 0 || !budget_spend(&c->hedge_budget)) {
            count_measured(c, rq->flags, CS_C_HEDGES_SKIPPED);
            continue;
        }
        int s = send_attempt(c, r, node, false, true);
        if (s < 0)
            return s;
        count_measured(c, rq->flags, CS_C_HEDGES);
        (*work)++;
    }
    return CS_OK;
}

/* dispatch.hedge_percentile: the delay is that percentile of the time from
 * a request's first send to its answer, over the last two blocks of
 * HEDGE_BLOCK answered requests, so it follows the load (the Tail at
 * Scale's "recent" latency). A hedged request counts with the hedge delay
 * included: counting only the winning attempt's own round trip would make
 * every hedge pull the delay down, and the next hedges come sooner. */
static void learn_round_trip(struct cs_coord *c, int64_t rtt)
{
    double p = c->sc->dispatch.hedge_percentile;
    if (p <= 0)
        return;
    cs_hist_record(&c->round_trips, rtt > 0 ? (uint64_t)rtt : 0);
    if (c->round_trips.total < HEDGE_BLOCK)
        return;
    cs_hist_add(&c->round_trips_before, &c->round_trips);
    c->hedge_after_ns = (int64_t)cs_hist_percentile(&c->round_trips_before, p);
    c->round_trips_before = c->round_trips;
    cs_hist_init(&c->round_trips);
}

static void complete(struct cs_coord *c, const struct cs_slot *slot, struct cs_request *rq, const struct cs_msg *m,
                     int64_t now)
{
    int64_t latency = now - rq->intended_ns;
    if (rq->flags & CS_REQ_MEASURED) {
        int64_t at_node = now - slot->sent_ns - m->service_ns;
        at_node = at_node > 0 ? at_node : 0;
        cs_hist_record(&c->latency, latency > 0 ? (uint64_t)latency : 0);
        cs_hist_record(&c->dispatch_wait, (uint64_t)(rq->first_sent_ns - rq->intended_ns));
        cs_hist_record(&c->node_wait, (uint64_t)at_node);
        int served = m->node - c->served.first_rank;
        if (served >= 0 && served < c->served.n) {
            c->served.completed[served]++;
            c->served.wait_ns[served] += (uint64_t)at_node;
        }
        if (rq->retries > 0)
            c->counters[CS_C_RETRIED_COMPLETED]++;
        if (slot->hedge)
            c->counters[CS_C_HEDGE_WINS]++;
    }
    if (now >= c->window_start && now < c->window_end)
        c->counters[CS_C_WINDOW_COMPLETIONS]++;
    cs_hist_record(&c->intervals.cur.latency, latency > 0 ? (uint64_t)latency : 0);
    learn_round_trip(c, now - rq->first_sent_ns);
    end_request(c, rq, CS_COMPLETED, now);
}

/* An idle token (jiq): node src has a server with nothing to do. */
static void on_idle(struct cs_coord *c, int src)
{
    int node = src - c->part.first_rank;
    if (node < 0 || node >= c->nodes) {
        c->counters[CS_C_UNEXPECTED_REPLIES]++;
        return;
    }
    c->counters[CS_C_IDLE_TOKENS]++;
    if (!cs_policy_idle(&c->book.state, node))
        c->counters[CS_C_IDLE_REDUNDANT]++;
}

static void on_reply(struct cs_coord *c, const struct cs_msg *m, int64_t now)
{
    uint32_t s = (uint32_t)(m->id & 0xffffffffu);
    uint32_t gen = (uint32_t)(m->id >> 32);
    struct cs_slot *slot = s < (uint32_t)c->slots.cap ? slot_at(c, (int)s) : NULL;
    if (m->kind != CS_MSG_REPLY || !slot || slot->node < 0 || slot->gen != gen) {
        c->counters[CS_C_UNEXPECTED_REPLIES]++;
        return;
    }
    struct cs_request *rq = req_at(c, slot->req);
    int node = slot->node;
    bool rejected = m->flags & CS_REPLY_REJECTED;
    cs_book_replied(&c->book, node, now);
    if (!slot->expired) {
        rq->live--;
        if (!rejected) { /* an answer in time: the node is alive */
            c->node_timeouts[node] = 0;
            if (c->node_down[node]) { /* the probe came back */
                health_event(c, node, now, true);
                cs_book_set_limit(&c->book, node, c->node_full_limit[node]);
            }
        }
    }
    if (rq->outcome != CS_OPEN) {
        c->counters[rq->outcome == CS_COMPLETED ? CS_C_DUPLICATE_REPLIES : CS_C_LATE_REPLIES]++;
    } else if (!rejected) {
        complete(c, slot, rq, m, now); /* the first answer, even one past its attempt's deadline */
    } else if (!slot->expired && rq->live == 0) {
        /* Its last attempt was turned away: a full queue is the node's
         * answer, and retrying it elsewhere would defeat the bound. */
        end_request(c, rq, CS_REJECTED, now);
        if (rq->flags & CS_REQ_MEASURED)
            c->counters[CS_C_REJECTED_AT_NODES]++;
    }
    slot_release(c, (int)s);
}

/* An attempt's deadline passed: retry the request if it may be, else end
 * it unless another attempt can still answer. */
static int attempt_timed_out(struct cs_coord *c, struct cs_slot *slot, int64_t now)
{
    int r = slot->req;
    struct cs_request *rq = req_at(c, r);
    slot->expired = true;
    c->expired_in_flight++;
    rq->live--;
    if (rq->outcome != CS_OPEN || rq->live > 0)
        return CS_OK;
    if (rq->retries < c->sc->dispatch.retries && !budget_spend(&c->retry_budget)) {
        count_measured(c, rq->flags, CS_C_RETRIES_SKIPPED);
        give_up(c, rq, now);
    } else if (rq->retries < c->sc->dispatch.retries) {
        int rc = cs_ring_push(&c->retries, &(struct cs_retry){now + c->timeout_ns, r});
        if (rc < 0)
            return rc;
        rq->retries++;
        rq->refs++;
    } else {
        give_up(c, rq, now);
    }
    return CS_OK;
}

static int expire_attempts(struct cs_coord *c, struct cs_ring *ring, int64_t now, int *work)
{
    while (ring->count > 0) {
        struct cs_deadline d = *(struct cs_deadline *)cs_ring_front(ring);
        if (d.at_ns > now)
            break;
        cs_ring_pop(ring);
        if (!attempt_live(c, &d))
            continue; /* answered in time */
        struct cs_slot *slot = slot_at(c, d.slot);
        int node = slot->node;
        int rc = attempt_timed_out(c, slot, now);
        if (rc < 0)
            return rc;
        node_timed_out(c, node, now);
        (*work)++;
    }
    return CS_OK;
}

/* dispatch.timeout_ms: give up on what waited too long, queued or sent,
 * and on retries no node took in time. Each list is in deadline order, so
 * expiry is at the heads. */
static int expire_timeouts(struct cs_coord *c, int64_t now, int *work)
{
    while (c->pending.count > 0 &&
           ((struct cs_pending *)cs_ring_front(&c->pending))->intended_ns + c->timeout_ns <= now) {
        struct cs_pending p = pending_pop(c);
        count_outcome(c, p.flags, p.intended_ns, CS_TIMED_OUT, p.client, now);
        (*work)++;
    }
    int rc = expire_attempts(c, &c->deadlines, now, work);
    if (rc == CS_OK)
        rc = expire_attempts(c, &c->resend_deadlines, now, work);
    if (rc < 0)
        return rc;
    while (c->retries.count > 0 && ((struct cs_retry *)cs_ring_front(&c->retries))->at_ns <= now) {
        drop_retry(c, now);
        (*work)++;
    }
    return CS_OK;
}

static int generate(struct cs_coord *c, int64_t now, int *work)
{
    for (int n = 0; n < MAX_ARRIVALS_PER_TURN && !turn_over(c, now); n++) {
        double next = cs_loadgen_next(&c->load);
        if (next > (double)now || next >= (double)c->window_end)
            break;
        struct cs_pending p = take_arrival(c);
        count(c, p.flags, CS_C_GENERATED, CS_C_WARMUP_GENERATED);
        c->intervals.cur.generated++;
        (*work)++;
        /* Keep FIFO order: the queue goes first, then the new arrival is
         * sent directly if a node has room, else queued, else rejected. */
        int rc = dispatch_pending(c, now, work);
        if (rc < 0)
            return rc;
        rc = c->pending.count == 0 ? dispatch_one(c, &p) : 0;
        if (rc < 0)
            return rc;
        if (rc == 0) {
            rc = pending_push(c, &p);
            if (rc == CS_E_FULL)
                count_outcome(c, p.flags, p.intended_ns, CS_REJECTED, p.client, now);
            else if (rc < 0)
                return rc;
        }
    }
    return CS_OK;
}

/* The drain ran out of time: everything still outstanding ends now. */
static void expire_outstanding(struct cs_coord *c, int64_t now)
{
    while (c->pending.count > 0) {
        struct cs_pending p = pending_pop(c);
        count_outcome(c, p.flags, p.intended_ns, CS_TIMED_OUT, p.client, now);
    }
    while (c->retries.count > 0)
        drop_retry(c, now);
    for (int s = 0; s < c->slots.cap; s++) {
        if (slot_at(c, s)->node >= 0) {
            struct cs_request *rq = req_at(c, slot_at(c, s)->req);
            if (rq->outcome == CS_OPEN)
                give_up(c, rq, now);
            slot_release(c, s);
        }
    }
    c->deadlines.count = c->resend_deadlines.count = c->hedges.count = 0;
}

static int shut_down_nodes(struct cs_coord *c)
{
    struct cs_msg m = {.kind = CS_MSG_SHUTDOWN, .flags = c->cut != CS_STOP_NONE ? CS_SHUTDOWN_EARLY : 0};
    for (int i = 0; i < c->nodes; i++) {
        int rc = cs_batcher_send_now(&c->out, c->part.first_rank + i, &m, 1);
        if (rc < 0)
            return rc;
    }
    c->state = CS_COORD_DONE;
    return CS_OK;
}

void cs_coord_deliver(struct cs_coord *c, const struct cs_msg *m, int n, int src)
{
    int64_t now = cs_clock_now(c->clk);
    c->counters[CS_C_MESSAGES_RECEIVED]++;
    c->counters[CS_C_ITEMS_RECEIVED] += (uint64_t)n;
    for (int i = 0; i < n; i++) {
        if (m[i].kind == CS_MSG_IDLE)
            on_idle(c, src);
        else
            on_reply(c, &m[i], now);
    }
}

int cs_coord_take(struct cs_coord *c)
{
    struct cs_msg m[CS_BATCH_MAX];
    int src, rc, items = 0;
    while ((rc = c->tp->poll(c->tp->ctx, m, &src)) > 0) {
        cs_coord_deliver(c, m, rc, src);
        items += rc;
    }
    return rc < 0 ? rc : items;
}

bool cs_coord_replies_wait(const struct cs_coord *c)
{
    return c->replies_may_wait && c->state == CS_COORD_RUNNING && c->pending.count == 0 && !c->stop_asked;
}

int cs_coord_turn(struct cs_coord *c)
{
    if (c->state == CS_COORD_DONE)
        return 0;
    int64_t start = cs_clock_now(c->clk);
    int work = 0, rc;
    /* The window's requests that had not ended when it closed: all it
     * generates but those ended by then (one that comes late, from a
     * coordinator behind its arrivals, has not). */
    if (start >= c->window_end) {
        const uint64_t *k = c->counters;
        if (!c->window_noted) {
            c->window_noted = true;
            c->ended_in_window = k[CS_C_COMPLETED] + k[CS_C_REJECTED] + k[CS_C_TIMED_OUT] + k[CS_C_FAILED];
        }
        c->counters[CS_C_OUT_AT_WINDOW_END] = k[CS_C_GENERATED] - c->ended_in_window;
    }
    /* Deadlines first: a coordinator that comes late to its replies must
     * not count as completed a request whose deadline passed before it
     * looked (the reply is then late). After a pause of the host, replies
     * first (cs_coord_woke). */
    bool paused = c->paused;
    c->paused = false;
    if (c->timeout_ns > 0 && !paused) {
        rc = expire_timeouts(c, start, &work);
        if (rc < 0)
            return rc;
    }
    if ((rc = cs_coord_take(c)) < 0)
        return rc;
    work += rc;
    if (c->timeout_ns > 0 && paused) {
        rc = expire_timeouts(c, start, &work);
        if (rc < 0)
            return rc;
    }
    if (c->timeout_ns > 0 && c->nodes_down > 0)
        probe_down_nodes(c, start);
    rc = send_hedges(c, start, &work);
    if (rc < 0)
        return rc;
    if (c->state == CS_COORD_RUNNING) {
        rc = generate(c, start, &work);
        if (rc < 0)
            return rc;
        /* Every arrival intended inside the window is generated, however
         * late, before the drain begins: a coordinator too busy to keep up
         * with its arrivals still offers them all (and rejects what its
         * queue cannot hold), so a saturated run reports the load it was
         * offered, not an empty window. Closed-loop clients stop asking
         * when the window ends (those that asked inside it are served);
         * while all of them wait for answers, none is next. */
        if (cs_loadgen_next(&c->load) >= (double)c->window_end &&
            (c->load.source != CS_SOURCE_CLOSED || start >= c->window_end)) {
            c->state = CS_COORD_DRAINING;
            c->drain_deadline = start + (int64_t)llround(c->sc->run.drain_timeout_s * 1e9);
        }
    }
    rc = dispatch_pending(c, start, &work);
    if (rc < 0)
        return rc;
    /* Batches due go now (with batch_wait_us 0, whatever this turn
     * gathered), before the drain may end the run. */
    rc = cs_batcher_flush(&c->out, cs_clock_now(c->clk));
    if (rc < 0)
        return rc;
    charge(c, rc * c->message_cost_ns);
    work += rc;
    if (c->state == CS_COORD_DRAINING) {
        /* Every request has ended and only attempts that timed out are
         * still out (a stopped node's, say): their answers can no longer
         * end anything, so they get one more timeout to come back late,
         * not the whole drain. */
        if (c->in_flight > 0 && c->in_flight == c->expired_in_flight && c->pending.count == 0 &&
            c->retries.count == 0 && start + c->timeout_ns < c->drain_deadline)
            c->drain_deadline = start + c->timeout_ns;
        if (cs_coord_outstanding(c) > 0 && start >= c->drain_deadline) {
            /* A stop's grace ended the drain with requests still open (an
             * attempt live, queued or waiting to retry): they end
             * unanswered, and the run is cut. Attempts that only timed out
             * already are given up on as without a stop. */
            if (c->drain_cut && cs_coord_outstanding(c) > c->expired_in_flight)
                c->cut = CS_STOP_DRAIN;
            expire_outstanding(c, start);
        }
        if (cs_coord_outstanding(c) == 0) {
            rc = shut_down_nodes(c);
            if (rc < 0)
                return rc;
            work++;
        }
    }
    c->counters[CS_C_MESSAGES_SENT] = c->out.messages;
    c->counters[CS_C_ITEMS_SENT] = c->out.items_sent;
    if (work > 0) {
        int64_t end = cs_clock_now(c->clk);
        c->intervals.cur.busy_ns += end - start;
        if (start >= c->window_start && start < c->window_end)
            c->counters[CS_C_BUSY_NS] += (uint64_t)((end < c->window_end ? end : c->window_end) - start);
    }
    return work;
}

void cs_coord_woke(struct cs_coord *c, int64_t due_ns, int64_t woke_ns)
{
    if (cs_pause_note(&c->counters[CS_C_WAKE_LATE_MAX_NS], &c->counters[CS_C_PAUSES], due_ns, woke_ns))
        c->paused = true;
}

/* fmin for times (never NaN), inline: this runs at every look. */
static inline double sooner(double a, double b)
{
    return b < a ? b : a;
}

int64_t cs_coord_next_event(const struct cs_coord *c)
{
    if (c->state == CS_COORD_DONE)
        return INT64_MAX;
    double next = c->state == CS_COORD_DRAINING ? (double)c->drain_deadline
                                                : sooner(cs_loadgen_next(&c->load), (double)c->window_end);
    if (c->timeout_ns > 0) {
        if (c->pending.count > 0)
            next =
                sooner(next, (double)(((struct cs_pending *)cs_ring_front(&c->pending))->intended_ns + c->timeout_ns));
        if (c->deadlines.count > 0)
            next = sooner(next, (double)((struct cs_deadline *)cs_ring_front(&c->deadlines))->at_ns);
        if (c->resend_deadlines.count > 0)
            next = sooner(next, (double)((struct cs_deadline *)cs_ring_front(&c->resend_deadlines))->at_ns);
        if (c->retries.count > 0)
            next = sooner(next, (double)((struct cs_retry *)cs_ring_front(&c->retries))->at_ns);
    }
    if (c->hedges.count > 0)
        next =
            sooner(next, (double)((struct cs_deadline *)cs_ring_front(&c->hedges))->at_ns + (double)c->hedge_after_ns);
    next = sooner(next, (double)cs_batcher_due(&c->out));
    if (c->timeout_ns > 0 && c->nodes_down > 0) /* a node marked down gets its next probe */
        next = sooner(next, (double)c->next_probe_ns);
    if (next >= 9.2e18)
        return INT64_MAX;
    int64_t at = (int64_t)next; /* ceil(next), without a call to libm */
    return (double)at < next ? at + 1 : at;
}

enum cs_stop_phase cs_coord_stop_phase(const struct cs_coord *c, int64_t now)
{
    if (c->state != CS_COORD_RUNNING)
        return CS_STOP_DRAIN;
    return now < c->window_start ? CS_STOP_WARMUP : CS_STOP_WINDOW;
}

void cs_coord_stop(struct cs_coord *c, int64_t now, int64_t grace_ns)
{
    if (c->state == CS_COORD_DONE || c->stop_asked)
        return;
    c->stop_asked = true;
    int64_t deadline = now + grace_ns;
    if (c->state == CS_COORD_RUNNING) {
        c->cut = cs_coord_stop_phase(c, now);
        if (now < c->window_end) {
            c->window_end = now > c->window_start ? now : c->window_start;
            c->intervals.window_to_s = (double)(c->window_end - c->intervals.t0) / 1e9; /* (the overload's too) */
        }
        c->drain_deadline = deadline;
    } else if (deadline < c->drain_deadline) {
        /* Draining: the window is whole, and the run stays whole unless
         * the grace ends before the drain (cs_coord_turn). */
        c->drain_deadline = deadline;
        c->drain_cut = true;
    }
    c->state = CS_COORD_DRAINING;
}

void cs_coord_measures(const struct cs_coord *c, struct cs_coord_measures *m)
{
    *m = (struct cs_coord_measures){
        .first_node = c->served.first_rank - cs_first_node(c->sc),
        .nodes = c->served.n,
        .counters = c->counters,
        .node_completed = c->served.completed,
        .node_wait_ns = c->served.wait_ns,
        .latency = &c->latency,
        .dispatch_wait = &c->dispatch_wait,
        .node_wait = &c->node_wait,
        .overload = &c->intervals.overload,
        .health = c->health,
        .health_n = c->health_n,
        .series = c->intervals.series,
        .series_n = c->intervals.series_n,
        .series_cut = c->intervals.series_cut,
        .offered_rps = cs_coord_offered_rps(c),
        .window_s = cs_coord_window_s(c),
        .stopped = c->cut,
    };
}

void cs_coord_progress(const struct cs_coord *c, int64_t now, struct cs_progress *p)
{
    double t = (double)(now - c->t0) / 1e9;
    *p = (struct cs_progress){
        .t_s = t,
        .total_s = (double)(c->window_end - c->t0) / 1e9,
        .phase = c->state == CS_COORD_RUNNING ? (t < c->sc->load.warmup_s ? "warm-up" : "running") : "draining",
        .generated = c->counters[CS_C_GENERATED] + c->counters[CS_C_WARMUP_GENERATED],
        .completed = c->counters[CS_C_COMPLETED] + c->counters[CS_C_WARMUP_COMPLETED],
        .outstanding = cs_coord_outstanding(c),
    };
}

void cs_coord_progress_draw(FILE *out, const struct cs_coord *c, int64_t now, bool final)
{
    struct cs_progress p;
    cs_coord_progress(c, now, &p);
    fprintf(out, "\r  %5.1f / %.1f s  %s  generated %llu  completed %llu  outstanding %d      ", p.t_s, p.total_s,
            p.phase, (unsigned long long)p.generated, (unsigned long long)p.completed, p.outstanding);
    if (final)
        fprintf(out, "\r%*s\r", 100, "");
    fflush(out);
}

double cs_coord_window_s(const struct cs_coord *c)
{
    return (double)(c->window_end - c->window_start) / 1e9;
}

double cs_coord_covered_s(const struct cs_coord *c, int64_t now)
{
    int64_t end = now < c->window_end ? now : c->window_end;
    return end > c->window_start ? (double)(end - c->window_start) / 1e9 : 0;
}

double cs_coord_offered_rps(const struct cs_coord *c)
{
    if (c->load.source == CS_SOURCE_RATE)
        return cs_loadgen_offered_rps(&c->load, c->part.all_nodes);
    double window = cs_coord_window_s(c);
    return window > 0 ? (double)c->counters[CS_C_GENERATED] / window : 0;
}

void cs_coord_interval(struct cs_coord *c, int64_t now, struct cs_interval_row *row)
{
    cs_intervals_close(&c->intervals, now, c->in_flight, c->pending.count, row);
}

/* ---- the coordinator as a role (role.h) ---- */

static int coord_turn(void *self, int64_t early_ns)
{
    (void)early_ns; /* its work is due at its own times: arrivals, deadlines, batches */
    return cs_coord_turn(self);
}
static int64_t coord_next_event(const void *self)
{
    return cs_coord_next_event(self);
}
static bool coord_done(const void *self)
{
    return cs_coord_done(self);
}
static void coord_woke(void *self, int64_t due_ns, int64_t woke_ns)
{
    cs_coord_woke(self, due_ns, woke_ns);
}
const struct cs_role_ops cs_coord_role = {coord_turn, coord_next_event, coord_done, coord_woke};
