/*
 * Coordinator state machine: arrivals, admission, dispatch, timeouts and
 * latency recording, against the transport and clock interfaces. It does
 * not wait, sleep or talk MPI; the driver does. Memory is bounded by
 * dispatch.max_pending, the nodes' limits and load.clients, whatever the
 * offered load.
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
    [CS_C_REJECTED_AT_NODES] = "rejected_at_nodes",
    [CS_C_LATE_REPLIES] = "late_replies",
    [CS_C_WINDOW_COMPLETIONS] = "window_completions",
    [CS_C_UNEXPECTED_REPLIES] = "unexpected_replies",
    [CS_C_BUSY_NS] = "busy_ns",
    [CS_C_PENDING_MAX] = "pending_max",
};

/* A turn generates at most this many arrivals and stops generating and
 * dispatching once it has worked this long, so that replies keep being
 * taken even when the coordinator has fallen far behind its schedule or
 * spends dispatch.cost_us on every request. (Replies left waiting fill
 * the transport's buffers, and then the nodes block in their sends.) */
#define MAX_ARRIVALS_PER_TURN 256
#define TURN_BUDGET_NS (50 * CS_NS_PER_US)
#define INITIAL_RING 1024

/* ---- counting: every request ends exactly once ---- */

static void count(struct cs_coord *c, uint32_t flags, enum cs_coord_counter measured,
                  enum cs_coord_counter warmup)
{
    c->counters[(flags & CS_REQ_MEASURED) ? measured : warmup]++;
}

/* ---- closed-loop clients: a min-heap of when each idle one asks next ---- */

static void client_push(struct cs_coord *c, int64_t at, int client)
{
    int i = c->clients_idle++;
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (c->clients[parent].at_ns <= at)
            break;
        c->clients[i] = c->clients[parent];
        i = parent;
    }
    c->clients[i] = (struct cs_client_due){at, client};
}

static struct cs_client_due client_pop(struct cs_coord *c)
{
    struct cs_client_due top = c->clients[0];
    struct cs_client_due last = c->clients[--c->clients_idle];
    int i = 0;
    for (;;) {
        int child = 2 * i + 1;
        if (child >= c->clients_idle)
            break;
        if (child + 1 < c->clients_idle && c->clients[child + 1].at_ns < c->clients[child].at_ns)
            child++;
        if (c->clients[child].at_ns >= last.at_ns)
            break;
        c->clients[i] = c->clients[child];
        i = child;
    }
    if (c->clients_idle > 0)
        c->clients[i] = last;
    return top;
}

/* A request of this client ended at now: it thinks, then asks again. */
static void client_done(struct cs_coord *c, int client, int64_t now)
{
    if (client < 0)
        return;
    int64_t think = cs_dist_sample_ns(&c->sc->load.think, &c->think_rng);
    client_push(c, now + think, client);
}

/* ---- the arrival schedule ---- */

static double rate_at(const struct cs_coord *c, int segment)
{
    return c->sc->load.schedule_n ? c->sc->load.schedule[segment].rate_rps : c->base_rps;
}

/* Absolute start of the schedule point after `segment`, or INFINITY. */
static double segment_end(const struct cs_coord *c, int segment)
{
    if (segment + 1 >= c->sc->load.schedule_n)
        return INFINITY;
    return (double)c->t0 + c->sc->load.schedule[segment + 1].at_s * 1e9;
}

/* Place the next arrival after time `from`: a gap at the current rate; a
 * gap that crosses into the next schedule point is drawn again from that
 * point at its rate (exact for Poisson arrivals, which are memoryless). */
static void schedule_next(struct cs_coord *c, double from)
{
    const struct cs_arrival_kind *ak = &cs_arrival_kinds[c->sc->load.arrival];
    for (;;) {
        double rate = rate_at(c, c->segment);
        double end = segment_end(c, c->segment);
        double at = rate > 0 ? from + ak->gap_ns(rate, &c->arrival_rng) : INFINITY;
        if (at < end || !isfinite(end)) {
            c->next_arrival_ns = at;
            return;
        }
        from = end;
        c->segment++;
    }
}

/* When the next arrival is intended, whatever the source (INFINITY: none). */
static double next_intended(const struct cs_coord *c)
{
    switch (c->source) {
    case CS_SOURCE_RATE:
        return c->next_arrival_ns;
    case CS_SOURCE_TRACE:
        return c->trace_next < c->trace->n ? (double)(c->t0 + c->trace->offset_ns[c->trace_next]) : INFINITY;
    case CS_SOURCE_CLOSED:
        return c->clients_idle > 0 ? (double)c->clients[0].at_ns : INFINITY;
    }
    return INFINITY;
}

/* Take the next arrival (which next_intended() announced) off its source. */
static struct cs_pending take_arrival(struct cs_coord *c)
{
    struct cs_pending p = {.client = -1};
    int64_t trace_service = -1;
    switch (c->source) {
    case CS_SOURCE_RATE:
        p.intended_ns = (int64_t)c->next_arrival_ns;
        schedule_next(c, c->next_arrival_ns);
        break;
    case CS_SOURCE_TRACE:
        p.intended_ns = c->t0 + c->trace->offset_ns[c->trace_next];
        if (c->trace->service_ns)
            trace_service = c->trace->service_ns[c->trace_next];
        c->trace_next++;
        break;
    case CS_SOURCE_CLOSED: {
        struct cs_client_due due = client_pop(c);
        p.intended_ns = due.at_ns;
        p.client = due.client;
        break;
    }
    }
    p.service_ns = trace_service >= 0 ? trace_service : cs_dist_sample_ns(&c->sc->service.time, &c->service_rng);
    p.flags = p.intended_ns >= c->window_start ? CS_REQ_MEASURED : 0;
    return p;
}

/* ---- set-up ---- */

int cs_coord_init(struct cs_coord *c, const struct cs_scenario *sc, int nodes, const struct cs_trace *trace,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0)
{
    memset(c, 0, sizeof(*c));
    c->sc = sc;
    c->tp = tp;
    c->clk = clk;
    c->trace = trace;
    c->nodes = nodes;
    c->state = CS_COORD_RUNNING;
    c->t0 = t0;
    c->window_start = t0 + (int64_t)llround(sc->load.warmup_s * 1e9);
    c->window_end = c->window_start + (int64_t)llround(sc->load.duration_s * 1e9);
    c->cost_ns = (int64_t)llround(sc->dispatch.cost_us * 1e3);
    c->timeout_ns = (int64_t)llround(sc->dispatch.timeout_ms * 1e6);
    c->policy = &cs_policies[sc->dispatch.policy];
    c->source = cs_arrival_kinds[sc->load.arrival].source;
    if (c->source == CS_SOURCE_TRACE && !trace)
        return CS_E_INVALID;
    cs_rng_seed(&c->arrival_rng, sc->load.seed, CS_STREAM_ARRIVAL);
    cs_rng_seed(&c->service_rng, sc->load.seed, CS_STREAM_SERVICE);
    cs_rng_seed(&c->policy_state.rng, sc->load.seed, CS_STREAM_POLICY);
    cs_rng_seed(&c->think_rng, sc->load.seed, CS_STREAM_THINK);
    c->policy_state.d = sc->dispatch.d;
    cs_hist_init(&c->latency);
    cs_hist_init(&c->dispatch_wait);
    cs_hist_init(&c->node_wait);
    cs_hist_init(&c->interval.latency);
    c->interval.start_ns = t0;

    c->node_in_flight = calloc((size_t)nodes, sizeof(int));
    c->node_limit = calloc((size_t)nodes, sizeof(int));
    c->node_full_limit = calloc((size_t)nodes, sizeof(int));
    c->node_timeouts = calloc((size_t)nodes, sizeof(int));
    c->node_down = calloc((size_t)nodes, sizeof(bool));
    c->node_next_probe = calloc((size_t)nodes, sizeof(int64_t));
    c->node_completed = calloc((size_t)nodes, sizeof(uint64_t));
    c->node_wait_ns = calloc((size_t)nodes, sizeof(uint64_t));
    if (c->source == CS_SOURCE_CLOSED)
        c->clients = calloc((size_t)sc->load.clients, sizeof(*c->clients));
    if (!c->node_in_flight || !c->node_limit || !c->node_full_limit || !c->node_timeouts || !c->node_down ||
        !c->node_next_probe || !c->node_completed || !c->node_wait_ns ||
        (c->source == CS_SOURCE_CLOSED && !c->clients)) {
        cs_coord_free(c);
        return CS_E_NOMEM;
    }
    for (int i = 0; i < nodes; i++) {
        double servers = cs_per_node_value(&sc->nodes.servers, i + 1);
        c->node_limit[i] = c->policy->pull ? (isnan(servers) ? sc->service.servers : (int)servers)
                                           : sc->dispatch.window;
        c->node_full_limit[i] = c->node_limit[i];
    }
    c->open_nodes = nodes;
    c->free_head = -1;

    if (c->source == CS_SOURCE_RATE) {
        c->base_rps = isnan(sc->load.rate_rps) ? cs_scenario_rate(sc, nodes) : sc->load.rate_rps;
        schedule_next(c, (double)t0); /* the first arrival comes one gap after the start */
    } else if (c->source == CS_SOURCE_CLOSED) {
        for (int k = 0; k < sc->load.clients; k++)
            client_done(c, k, t0); /* each client thinks first */
    }
    return CS_OK;
}

void cs_coord_free(struct cs_coord *c)
{
    free(c->pending);
    free(c->slots);
    free(c->deadlines);
    free(c->clients);
    free(c->node_in_flight);
    free(c->node_limit);
    free(c->node_full_limit);
    free(c->node_timeouts);
    free(c->node_down);
    free(c->node_next_probe);
    c->node_full_limit = c->node_timeouts = NULL;
    c->node_down = NULL;
    c->node_next_probe = NULL;
    free(c->node_completed);
    free(c->node_wait_ns);
    c->pending = NULL;
    c->slots = NULL;
    c->deadlines = NULL;
    c->clients = NULL;
    c->node_in_flight = c->node_limit = NULL;
    c->node_completed = c->node_wait_ns = NULL;
}

/* ---- rings: the coordinator's queue and the deadlines ---- */

/* Make room for one more element in a ring of `size`-byte elements,
 * doubling up to `max` and straightening it out. */
static int ring_grow(void **buf, int *cap, int *head, int count, int max, size_t size)
{
    if (count < *cap)
        return CS_OK;
    if (count >= max)
        return CS_E_FULL;
    int ncap = *cap ? *cap * 2 : INITIAL_RING;
    if (ncap > max)
        ncap = max;
    char *n = malloc((size_t)ncap * size);
    if (!n)
        return CS_E_NOMEM;
    for (int i = 0; i < count; i++)
        memcpy(n + (size_t)i * size, (char *)*buf + (size_t)((*head + i) % *cap) * size, size);
    free(*buf);
    *buf = n;
    *cap = ncap;
    *head = 0;
    return CS_OK;
}

static int pending_push(struct cs_coord *c, const struct cs_pending *p)
{
    int rc = ring_grow((void **)&c->pending, &c->pending_cap, &c->pending_head, c->pending_count,
                       c->sc->dispatch.max_pending, sizeof(*p));
    if (rc)
        return rc;
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

static int deadline_push(struct cs_coord *c, struct cs_deadline d)
{
    int rc = ring_grow((void **)&c->deadlines, &c->deadline_cap, &c->deadline_head, c->deadline_count, INT32_MAX,
                       sizeof(d));
    if (rc)
        return rc;
    c->deadlines[(c->deadline_head + c->deadline_count) % c->deadline_cap] = d;
    c->deadline_count++;
    return CS_OK;
}

/* ---- requests in flight ---- */

static int slot_take(struct cs_coord *c)
{
    if (c->free_head < 0) {
        int cap = c->slot_cap ? c->slot_cap * 2 : INITIAL_RING;
        struct cs_slot *n = realloc(c->slots, (size_t)cap * sizeof(*n));
        if (!n)
            return CS_E_NOMEM;
        for (int i = c->slot_cap; i < cap; i++)
            n[i] = (struct cs_slot){.node = -1, .next_free = i + 1 < cap ? i + 1 : -1};
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
    struct cs_slot *slot = &c->slots[s];
    if (c->node_in_flight[slot->node]-- == c->node_limit[slot->node])
        c->open_nodes++;
    c->in_flight--;
    slot->node = -1;
    slot->expired = false;
    slot->gen++;
    slot->next_free = c->free_head;
    c->free_head = s;
}

/* Change a node's limit, keeping open_nodes right. */
static void set_limit(struct cs_coord *c, int node, int limit)
{
    bool was_open = c->node_in_flight[node] < c->node_limit[node];
    c->node_limit[node] = limit;
    bool is_open = c->node_in_flight[node] < limit;
    c->open_nodes += (int)is_open - (int)was_open;
}

static void health_event(struct cs_coord *c, int node, int64_t now, bool up)
{
    c->node_down[node] = !up;
    c->nodes_down += up ? -1 : 1;
    if (c->health_n < CS_HEALTH_EVENTS_MAX)
        c->health[c->health_n++] = (struct cs_health_event){node + 1, (double)(now - c->t0) / 1e9, up};
}

/* A request to node timed out in flight. */
static void node_timed_out(struct cs_coord *c, int node, int64_t now)
{
    int k = c->sc->dispatch.down_after;
    if (k <= 0)
        return;
    c->node_timeouts[node]++;
    if (c->node_down[node] || c->node_timeouts[node] >= k) {
        /* Give up on its timed-out requests for good: a node that stopped
         * answering will not answer them, and their slots would hold its
         * window shut after it recovers. A late reply then counts as
         * unexpected. */
        for (int s = 0; s < c->slot_cap; s++)
            if (c->slots[s].node == node && c->slots[s].expired)
                slot_release(c, s);
    }
    if (c->node_down[node]) {
        set_limit(c, node, 0); /* a failed probe: wait for the next one */
        c->node_next_probe[node] = now + (int64_t)(c->sc->dispatch.probe_ms * 1e6);
    } else if (c->node_timeouts[node] >= k) {
        health_event(c, node, now, false);
        set_limit(c, node, 0);
        c->node_next_probe[node] = now + (int64_t)(c->sc->dispatch.probe_ms * 1e6);
    }
}

/* Time for nodes marked down to get a probe: room for one request. */
static void probe_down_nodes(struct cs_coord *c, int64_t now)
{
    for (int i = 0; i < c->nodes; i++) {
        if (c->node_down[i] && c->node_limit[i] == 0 && now >= c->node_next_probe[i])
            set_limit(c, i, c->node_in_flight[i] + 1);
    }
}

/* Send p to a node the policy picks. 1 sent, 0 no node has room, <0 error. */
static int dispatch_one(struct cs_coord *c, const struct cs_pending *p)
{
    if (c->open_nodes == 0)
        return 0; /* overload: answer in O(1), not by asking the policy */
    struct cs_policy_view v = {c->nodes, c->node_in_flight, c->node_limit};
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
    slot->client = p->client;
    slot->expired = false;
    slot->sent_ns = cs_clock_now(c->clk);
    struct cs_msg m = {
        .kind = CS_MSG_REQUEST,
        .flags = p->flags,
        .id = ((uint64_t)slot->gen << 32) | (uint32_t)s,
        .service_ns = p->service_ns,
    };
    int rc = c->tp->send(c->tp->ctx, node + 1, &m);
    if (rc < 0)
        return rc;
    if (++c->node_in_flight[node] == c->node_limit[node])
        c->open_nodes--;
    c->in_flight++;
    if (c->timeout_ns > 0) {
        rc = deadline_push(c, (struct cs_deadline){p->intended_ns + c->timeout_ns, s, slot->gen});
        if (rc < 0)
            return rc;
    }
    if (c->cost_ns > 0)
        c->clk->spin(c->clk->ctx, c->cost_ns);
    return 1;
}

static bool turn_over(const struct cs_coord *c, int64_t start)
{
    return cs_clock_now(c->clk) - start >= TURN_BUDGET_NS;
}

/* Dispatch from the head of the queue while nodes have room and the turn
 * has time left. */
static int dispatch_pending(struct cs_coord *c, int64_t start, int *work)
{
    while (c->pending_count > 0 && !turn_over(c, start)) {
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
    int node = slot->node, client = slot->client;
    if (slot->expired) {
        c->counters[CS_C_LATE_REPLIES]++; /* already counted as timed out */
    } else if (m->flags & CS_REPLY_REJECTED) {
        count(c, slot->flags, CS_C_REJECTED, CS_C_WARMUP_REJECTED);
        if (slot->flags & CS_REQ_MEASURED)
            c->counters[CS_C_REJECTED_AT_NODES]++;
        c->interval.rejected++;
        client_done(c, client, now);
    } else {
        int64_t latency = now - slot->intended_ns;
        if (slot->flags & CS_REQ_MEASURED) {
            int64_t at_node = now - slot->sent_ns - m->service_ns;
            at_node = at_node > 0 ? at_node : 0;
            cs_hist_record(&c->latency, latency > 0 ? (uint64_t)latency : 0);
            cs_hist_record(&c->dispatch_wait, (uint64_t)(slot->sent_ns - slot->intended_ns));
            cs_hist_record(&c->node_wait, (uint64_t)at_node);
            c->node_completed[node]++;
            c->node_wait_ns[node] += (uint64_t)at_node;
        }
        count(c, slot->flags, CS_C_COMPLETED, CS_C_WARMUP_COMPLETED);
        c->node_timeouts[node] = 0;
        if (c->node_down[node]) { /* the probe came back */
            health_event(c, node, now, true);
            set_limit(c, node, c->node_full_limit[node]);
        }
        if (now >= c->window_start && now < c->window_end)
            c->counters[CS_C_WINDOW_COMPLETIONS]++;
        c->interval.completed++;
        cs_hist_record(&c->interval.latency, latency > 0 ? (uint64_t)latency : 0);
        client_done(c, client, now);
    }
    slot_release(c, (int)s);
}

static void time_out(struct cs_coord *c, uint32_t flags, int client, int64_t now)
{
    count(c, flags, CS_C_TIMED_OUT, CS_C_WARMUP_TIMED_OUT);
    c->interval.timed_out++;
    client_done(c, client, now);
}

/* dispatch.timeout_ms: give up on what waited too long, queued or sent.
 * Both lists are in order of intended arrival, so expiry is at the heads.
 * A request given up in flight keeps its node's window until the late
 * reply comes back: the node is still working on it. */
static void expire_timeouts(struct cs_coord *c, int64_t now, int *work)
{
    while (c->pending_count > 0 && c->pending[c->pending_head].intended_ns + c->timeout_ns <= now) {
        struct cs_pending p = pending_pop(c);
        time_out(c, p.flags, p.client, now);
        (*work)++;
    }
    while (c->deadline_count > 0 && c->deadlines[c->deadline_head].at_ns <= now) {
        struct cs_deadline d = c->deadlines[c->deadline_head];
        c->deadline_head = (c->deadline_head + 1) % c->deadline_cap;
        c->deadline_count--;
        struct cs_slot *slot = &c->slots[d.slot];
        if (slot->node < 0 || slot->gen != d.gen || slot->expired)
            continue; /* answered in time */
        slot->expired = true;
        time_out(c, slot->flags, slot->client, now);
        node_timed_out(c, slot->node, now);
        (*work)++;
    }
}

static int generate(struct cs_coord *c, int64_t now, int *work)
{
    for (int n = 0; n < MAX_ARRIVALS_PER_TURN && !turn_over(c, now); n++) {
        double next = next_intended(c);
        if (next > (double)now || next >= (double)c->window_end)
            break;
        struct cs_pending p = take_arrival(c);
        count(c, p.flags, CS_C_GENERATED, CS_C_WARMUP_GENERATED);
        c->interval.generated++;
        (*work)++;
        /* Keep FIFO order: the queue goes first, then the new arrival is
         * sent directly if a node has room, else queued, else rejected. */
        int rc = dispatch_pending(c, now, work);
        if (rc < 0)
            return rc;
        rc = c->pending_count == 0 ? dispatch_one(c, &p) : 0;
        if (rc < 0)
            return rc;
        if (rc == 0) {
            rc = pending_push(c, &p);
            if (rc == CS_E_FULL) {
                count(c, p.flags, CS_C_REJECTED, CS_C_WARMUP_REJECTED);
                c->interval.rejected++;
                client_done(c, p.client, now);
            } else if (rc < 0) {
                return rc;
            }
        }
    }
    return CS_OK;
}

/* The drain ran out of time: everything still outstanding times out. */
static void expire_outstanding(struct cs_coord *c, int64_t now)
{
    while (c->pending_count > 0) {
        struct cs_pending p = pending_pop(c);
        time_out(c, p.flags, -1, now);
    }
    for (int s = 0; s < c->slot_cap; s++) {
        if (c->slots[s].node >= 0) {
            if (!c->slots[s].expired)
                time_out(c, c->slots[s].flags, -1, now);
            slot_release(c, s);
        }
    }
    c->deadline_count = 0;
}

static int shut_down_nodes(struct cs_coord *c)
{
    struct cs_msg m = {.kind = CS_MSG_SHUTDOWN, .flags = c->stopped ? CS_SHUTDOWN_EARLY : 0};
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
    if (c->timeout_ns > 0) {
        expire_timeouts(c, start, &work);
        if (c->nodes_down > 0)
            probe_down_nodes(c, start);
    }
    if (c->state == CS_COORD_RUNNING) {
        rc = generate(c, start, &work);
        if (rc < 0)
            return rc;
        /* Every arrival intended inside the window is generated, however
         * late, before the drain begins; closed-loop clients stop asking
         * when the window ends. */
        if (start >= c->window_end || (c->source != CS_SOURCE_CLOSED && next_intended(c) >= (double)c->window_end)) {
            c->state = CS_COORD_DRAINING;
            c->drain_deadline = start + (int64_t)llround(c->sc->run.drain_timeout_s * 1e9);
        }
    }
    rc = dispatch_pending(c, start, &work);
    if (rc < 0)
        return rc;
    if (c->state == CS_COORD_DRAINING) {
        if (cs_coord_outstanding(c) > 0 && start >= c->drain_deadline)
            expire_outstanding(c, start);
        if (cs_coord_outstanding(c) == 0) {
            rc = shut_down_nodes(c);
            if (rc < 0)
                return rc;
            work++;
        }
    }
    if (work > 0) {
        int64_t end = cs_clock_now(c->clk);
        c->interval.busy_ns += end - start;
        if (start >= c->window_start && start < c->window_end)
            c->counters[CS_C_BUSY_NS] += (uint64_t)((end < c->window_end ? end : c->window_end) - start);
    }
    return work;
}

int64_t cs_coord_next_event(const struct cs_coord *c)
{
    if (c->state == CS_COORD_DONE)
        return INT64_MAX;
    double next = c->state == CS_COORD_DRAINING ? (double)c->drain_deadline : fmin(next_intended(c), (double)c->window_end);
    if (c->timeout_ns > 0) {
        if (c->pending_count > 0)
            next = fmin(next, (double)(c->pending[c->pending_head].intended_ns + c->timeout_ns));
        if (c->deadline_count > 0)
            next = fmin(next, (double)c->deadlines[c->deadline_head].at_ns);
    }
    return next >= 9.2e18 ? INT64_MAX : (int64_t)ceil(next);
}

void cs_coord_stop(struct cs_coord *c, int64_t now, int64_t grace_ns)
{
    if (c->state == CS_COORD_DONE || c->stopped)
        return;
    c->stopped = true;
    if (now < c->window_end)
        c->window_end = now > c->window_start ? now : c->window_start;
    int64_t deadline = now + grace_ns;
    if (c->state == CS_COORD_RUNNING || deadline < c->drain_deadline)
        c->drain_deadline = deadline;
    c->state = CS_COORD_DRAINING;
}

double cs_coord_window_s(const struct cs_coord *c)
{
    return (double)(c->window_end - c->window_start) / 1e9;
}

double cs_coord_offered_rps(const struct cs_coord *c)
{
    if (c->source == CS_SOURCE_RATE)
        return c->sc->load.schedule_n ? cs_scenario_rate(c->sc, c->nodes) : c->base_rps;
    double window = cs_coord_window_s(c);
    return window > 0 ? (double)c->counters[CS_C_GENERATED] / window : 0;
}

void cs_coord_interval(struct cs_coord *c, int64_t now, struct cs_interval_row *row)
{
    struct cs_interval *iv = &c->interval;
    double len = (double)(now - iv->start_ns) / 1e9;
    if (len <= 0)
        len = 1e-9;
    *row = (struct cs_interval_row){
        .t_s = (double)(now - c->t0) / 1e9,
        .length_s = len,
        .offered_rps = (double)iv->generated / len,
        .completed_rps = (double)iv->completed / len,
        .rejected_rps = (double)iv->rejected / len,
        .timed_out_rps = (double)iv->timed_out / len,
        .p50_us = (double)cs_hist_percentile(&iv->latency, 50) / 1e3,
        .p99_us = (double)cs_hist_percentile(&iv->latency, 99) / 1e3,
        .in_flight = c->in_flight,
        .pending = c->pending_count,
        .coordinator_utilization = (double)iv->busy_ns / 1e9 / len,
    };
    iv->generated = iv->completed = iv->rejected = iv->timed_out = 0;
    iv->busy_ns = 0;
    iv->start_ns = now;
    cs_hist_init(&iv->latency);
}
