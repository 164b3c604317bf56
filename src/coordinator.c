/*
 * Coordinator state machine: open-loop arrivals, admission, dispatch and
 * latency recording, against the transport and clock interfaces. It does
 * not wait, sleep or talk MPI; the driver does. Memory is bounded by
 * dispatch.max_pending and nodes * dispatch.window, whatever the load.
 */
#include "cs/coordinator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arrival.h"
#include "cs/common.h"

const char *const cs_coord_counter_names[CS_C__COUNT] = {
    [CS_C_GENERATED] = "generated",
    [CS_C_COMPLETED] = "completed",
    [CS_C_REJECTED] = "rejected",
    [CS_C_TIMED_OUT] = "timed_out",
    [CS_C_WARMUP_GENERATED] = "warmup_generated",
    [CS_C_WARMUP_COMPLETED] = "warmup_completed",
    [CS_C_WARMUP_REJECTED] = "warmup_rejected",
    [CS_C_WARMUP_TIMED_OUT] = "warmup_timed_out",
    [CS_C_WINDOW_COMPLETIONS] = "window_completions",
    [CS_C_UNEXPECTED_REPLIES] = "unexpected_replies",
    [CS_C_BUSY_NS] = "busy_ns",
    [CS_C_PENDING_MAX] = "pending_max",
};

/* Arrivals generated in one turn at most, so replies keep being taken
 * even when the coordinator has fallen far behind its schedule. */
#define MAX_ARRIVALS_PER_TURN 256
#define INITIAL_RING 1024

static void count(struct cs_coord *c, uint32_t flags, enum cs_coord_counter measured,
                  enum cs_coord_counter warmup)
{
    c->counters[(flags & CS_REQ_MEASURED) ? measured : warmup]++;
}

int cs_coord_init(struct cs_coord *c, const struct cs_scenario *sc, int nodes, double rate_rps,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0)
{
    memset(c, 0, sizeof(*c));
    c->sc = sc;
    c->tp = tp;
    c->clk = clk;
    c->nodes = nodes;
    c->state = CS_COORD_RUNNING;
    c->t0 = t0;
    c->window_start = t0 + (int64_t)llround(sc->load.warmup_s * 1e9);
    c->window_end = c->window_start + (int64_t)llround(sc->load.duration_s * 1e9);
    c->rate_rps = rate_rps;
    c->cost_ns = (int64_t)llround(sc->dispatch.cost_us * 1e3);
    c->policy = &cs_policies[sc->dispatch.policy];
    cs_rng_seed(&c->arrival_rng, sc->load.seed, CS_STREAM_ARRIVAL);
    cs_rng_seed(&c->service_rng, sc->load.seed, CS_STREAM_SERVICE);
    cs_rng_seed(&c->policy_state.rng, sc->load.seed, CS_STREAM_POLICY);
    cs_hist_init(&c->latency);
    cs_hist_init(&c->dispatch_wait);
    cs_hist_init(&c->node_wait);

    /* The first arrival comes one gap after the start, like every other. */
    c->next_arrival_ns = rate_rps > 0
                             ? (double)t0 + cs_arrival_kinds[sc->load.arrival].gap_ns(rate_rps, &c->arrival_rng)
                             : INFINITY;

    c->node_in_flight = calloc((size_t)nodes, sizeof(int));
    c->node_completed = calloc((size_t)nodes, sizeof(uint64_t));
    c->node_wait_ns = calloc((size_t)nodes, sizeof(uint64_t));
    if (!c->node_in_flight || !c->node_completed || !c->node_wait_ns) {
        cs_coord_free(c);
        return CS_E_NOMEM;
    }
    c->free_head = -1;
    c->open_nodes = nodes;
    return CS_OK;
}

void cs_coord_free(struct cs_coord *c)
{
    free(c->pending);
    free(c->slots);
    free(c->node_in_flight);
    free(c->node_completed);
    free(c->node_wait_ns);
    c->node_wait_ns = NULL;
    c->pending = NULL;
    c->slots = NULL;
    c->node_in_flight = NULL;
    c->node_completed = NULL;
}

/* ---- the coordinator's queue ---- */

static int pending_push(struct cs_coord *c, const struct cs_pending *p)
{
    if (c->pending_count >= c->sc->dispatch.max_pending)
        return CS_E_FULL;
    if (c->pending_count == c->pending_cap) {
        int cap = c->pending_cap ? c->pending_cap * 2 : INITIAL_RING;
        if (cap > c->sc->dispatch.max_pending)
            cap = c->sc->dispatch.max_pending;
        struct cs_pending *n = malloc((size_t)cap * sizeof(*n));
        if (!n)
            return CS_E_NOMEM;
        for (int i = 0; i < c->pending_count; i++)
            n[i] = c->pending[(c->pending_head + i) % c->pending_cap];
        free(c->pending);
        c->pending = n;
        c->pending_cap = cap;
        c->pending_head = 0;
    }
    c->pending[(c->pending_head + c->pending_count) % c->pending_cap] = *p;
    c->pending_count++;
    if ((uint64_t)c->pending_count > c->counters[CS_C_PENDING_MAX])
        c->counters[CS_C_PENDING_MAX] = (uint64_t)c->pending_count;
    return CS_OK;
}

static struct cs_pending pending_pop(struct cs_coord *c)
{
    struct cs_pending p = c->pending[c->pending_head];
    c->pending_head = (c->pending_head + 1) % c->pending_cap;
    c->pending_count--;
    return p;
}

/* ---- requests in flight ---- */

static int slot_take(struct cs_coord *c)
{
    if (c->free_head < 0) {
        int cap = c->slot_cap ? c->slot_cap * 2 : INITIAL_RING;
        struct cs_slot *n = realloc(c->slots, (size_t)cap * sizeof(*n));
        if (!n)
            return CS_E_NOMEM;
        for (int i = c->slot_cap; i < cap; i++) {
            n[i] = (struct cs_slot){.node = -1, .next_free = i + 1 < cap ? i + 1 : -1};
        }
        c->slots = n;
        c->free_head = c->slot_cap;
        c->slot_cap = cap;
    }
    int s = c->free_head;
    c->free_head = c->slots[s].next_free;
    return s;
}

static void slot_release(struct cs_coord *c, int s)
{
    c->slots[s].node = -1;
    c->slots[s].gen++;
    c->slots[s].next_free = c->free_head;
    c->free_head = s;
}

static void node_took(struct cs_coord *c, int node)
{
    if (++c->node_in_flight[node] == c->sc->dispatch.window)
        c->open_nodes--;
    c->in_flight++;
}

static void node_gave_back(struct cs_coord *c, int node)
{
    if (c->node_in_flight[node]-- == c->sc->dispatch.window)
        c->open_nodes++;
    c->in_flight--;
}

/* Send p to a node the policy picks. 1 sent, 0 no node has room, <0 error. */
static int dispatch_one(struct cs_coord *c, const struct cs_pending *p)
{
    if (c->open_nodes == 0)
        return 0; /* overload: answer in O(1), not by asking the policy */
    struct cs_policy_view v = {c->nodes, c->node_in_flight, c->sc->dispatch.window};
    int node = c->policy->pick(&c->policy_state, &v);
    if (node < 0)
        return 0;
    int s = slot_take(c);
    if (s < 0)
        return s;
    struct cs_slot *slot = &c->slots[s];
    slot->intended_ns = p->intended_ns;
    slot->node = node;
    slot->flags = p->flags;
    struct cs_msg m = {
        .kind = CS_MSG_REQUEST,
        .flags = p->flags,
        .id = ((uint64_t)slot->gen << 32) | (uint32_t)s,
        .service_ns = p->service_ns,
    };
    slot->sent_ns = cs_clock_now(c->clk);
    int rc = c->tp->send(c->tp->ctx, node + 1, &m);
    if (rc < 0)
        return rc;
    node_took(c, node);
    if (c->cost_ns > 0)
        c->clk->spin(c->clk->ctx, c->cost_ns);
    return 1;
}

/* Dispatch from the head of the queue while nodes have room. */
static int dispatch_pending(struct cs_coord *c, int *work)
{
    while (c->pending_count > 0) {
        int rc = dispatch_one(c, &c->pending[c->pending_head]);
        if (rc <= 0)
            return rc;
        pending_pop(c);
        (*work)++;
    }
    return CS_OK;
}

static void on_reply(struct cs_coord *c, const struct cs_msg *m, int64_t now)
{
    uint32_t s = (uint32_t)(m->id & 0xffffffffu);
    uint32_t gen = (uint32_t)(m->id >> 32);
    if (m->kind != CS_MSG_REPLY || s >= (uint32_t)c->slot_cap || c->slots[s].node < 0 || c->slots[s].gen != gen) {
        c->counters[CS_C_UNEXPECTED_REPLIES]++;
        return;
    }
    struct cs_slot *slot = &c->slots[s];
    int64_t latency = now - slot->intended_ns;
    if (slot->flags & CS_REQ_MEASURED) {
        int64_t at_node = now - slot->sent_ns - m->service_ns;
        at_node = at_node > 0 ? at_node : 0;
        cs_hist_record(&c->latency, latency > 0 ? (uint64_t)latency : 0);
        cs_hist_record(&c->dispatch_wait, (uint64_t)(slot->sent_ns - slot->intended_ns));
        cs_hist_record(&c->node_wait, (uint64_t)at_node);
        c->node_completed[slot->node]++;
        c->node_wait_ns[slot->node] += (uint64_t)at_node;
    }
    count(c, slot->flags, CS_C_COMPLETED, CS_C_WARMUP_COMPLETED);
    if (now >= c->window_start && now < c->window_end)
        c->counters[CS_C_WINDOW_COMPLETIONS]++;
    node_gave_back(c, slot->node);
    slot_release(c, (int)s);
}

static int generate(struct cs_coord *c, int64_t now, int *work)
{
    const struct cs_arrival_kind *ak = &cs_arrival_kinds[c->sc->load.arrival];
    for (int n = 0; n < MAX_ARRIVALS_PER_TURN && c->next_arrival_ns <= (double)now &&
                    c->next_arrival_ns < (double)c->window_end;
         n++) {
        int64_t intended = (int64_t)c->next_arrival_ns;
        struct cs_pending p = {
            .intended_ns = intended,
            .service_ns = cs_dist_sample_ns(&c->sc->service.time, &c->service_rng),
            .flags = intended >= c->window_start ? CS_REQ_MEASURED : 0,
        };
        c->next_arrival_ns += ak->gap_ns(c->rate_rps, &c->arrival_rng);
        count(c, p.flags, CS_C_GENERATED, CS_C_WARMUP_GENERATED);
        (*work)++;
        /* Keep FIFO order: the queue goes first, then the new arrival is
         * sent directly if a node has room, else queued, else rejected. */
        int rc = dispatch_pending(c, work);
        if (rc < 0)
            return rc;
        rc = c->pending_count == 0 ? dispatch_one(c, &p) : 0;
        if (rc < 0)
            return rc;
        if (rc == 0) {
            rc = pending_push(c, &p);
            if (rc == CS_E_FULL)
                count(c, p.flags, CS_C_REJECTED, CS_C_WARMUP_REJECTED);
            else if (rc < 0)
                return rc;
        }
    }
    return CS_OK;
}

/* The drain ran out of time: everything still outstanding times out. */
static void expire_outstanding(struct cs_coord *c)
{
    while (c->pending_count > 0) {
        struct cs_pending p = pending_pop(c);
        count(c, p.flags, CS_C_TIMED_OUT, CS_C_WARMUP_TIMED_OUT);
    }
    for (int s = 0; s < c->slot_cap; s++) {
        if (c->slots[s].node >= 0) {
            count(c, c->slots[s].flags, CS_C_TIMED_OUT, CS_C_WARMUP_TIMED_OUT);
            node_gave_back(c, c->slots[s].node);
            slot_release(c, s);
        }
    }
}

static int shut_down_nodes(struct cs_coord *c)
{
    struct cs_msg m = {.kind = CS_MSG_SHUTDOWN};
    for (int i = 0; i < c->nodes; i++) {
        int rc = c->tp->send(c->tp->ctx, i + 1, &m);
        if (rc < 0)
            return rc;
    }
    c->state = CS_COORD_DONE;
    return CS_OK;
}

int cs_coord_turn(struct cs_coord *c)
{
    if (c->state == CS_COORD_DONE)
        return 0;
    int64_t start = cs_clock_now(c->clk);
    int work = 0, rc;
    struct cs_msg m;
    int src;
    while ((rc = c->tp->poll(c->tp->ctx, &m, &src)) > 0) {
        on_reply(c, &m, cs_clock_now(c->clk));
        work++;
    }
    if (rc < 0)
        return rc;
    if (c->state == CS_COORD_RUNNING) {
        rc = generate(c, start, &work);
        if (rc < 0)
            return rc;
        /* Every arrival intended inside the window is generated, however
         * late, before the drain begins. */
        if (c->next_arrival_ns >= (double)c->window_end) {
            c->state = CS_COORD_DRAINING;
            c->drain_deadline = start + (int64_t)llround(c->sc->run.drain_timeout_s * 1e9);
        }
    }
    rc = dispatch_pending(c, &work);
    if (rc < 0)
        return rc;
    if (c->state == CS_COORD_DRAINING) {
        if (cs_coord_outstanding(c) > 0 && start >= c->drain_deadline)
            expire_outstanding(c);
        if (cs_coord_outstanding(c) == 0) {
            rc = shut_down_nodes(c);
            if (rc < 0)
                return rc;
            work++;
        }
    }
    if (work > 0 && start >= c->window_start && start < c->window_end) {
        int64_t end = cs_clock_now(c->clk);
        c->counters[CS_C_BUSY_NS] += (uint64_t)((end < c->window_end ? end : c->window_end) - start);
    }
    return work;
}

int64_t cs_coord_next_event(const struct cs_coord *c)
{
    if (c->state == CS_COORD_DRAINING)
        return c->drain_deadline;
    if (c->state != CS_COORD_RUNNING)
        return INT64_MAX;
    double next = c->next_arrival_ns < (double)c->window_end ? c->next_arrival_ns : (double)c->window_end;
    return (int64_t)ceil(next);
}
