/*
 * Service node state machine: FIFO queue, servers, replies and the node's
 * own measurements (queue wait, delivered service time, busy time). It
 * emulates service by deadlines; it does not sleep or spin itself.
 */
#include "cs/service_node.h"
#include "cs/role.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/policy.h"
#include "cs/scenario.h"

const char *const cs_node_counter_names[CS_N__COUNT] = {CS_NODE_COUNTERS(CS_COUNTER_NAME)};

int cs_node_init(struct cs_node *n, int servers, double speed, int queue_capacity, const struct cs_transport *tp,
                 int64_t window_start, int64_t window_end, struct cs_histogram *service)
{
    memset(n, 0, sizeof(*n));
    n->tp = tp;
    n->servers_n = servers;
    n->speed = speed;
    n->queue_capacity = queue_capacity;
    n->window_start = window_start;
    n->window_end = window_end;
    n->idle_since = -1;
    n->soonest_ns = INT64_MAX;
    n->shutdowns_left = 1;
    n->servers = servers == 1 ? &n->one : calloc((size_t)servers, sizeof(*n->servers));
    n->owns_service = service == NULL;
    n->service = service ? service : malloc(sizeof(*n->service));
    if (!n->servers || !n->service)
        return CS_E_NOMEM;
    n->counters[CS_N_WINDOW_NS] = (uint64_t)(window_end - window_start);
    n->counters[CS_N_SERVERS] = (uint64_t)servers;
    if (n->owns_service)
        cs_hist_init(n->service);
    cs_ring_init(&n->queue, sizeof(struct cs_queued), 2, INT32_MAX);
    return cs_batcher_init(&n->out, tp, 1, 0, 1, 0);
}

int cs_node_start(struct cs_node *n, const struct cs_scenario *sc, int rank, int service_nodes,
                  const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0, struct cs_histogram *service)
{
    int64_t ws, we;
    cs_scenario_window(sc, t0, &ws, &we);
    int rc = cs_node_init(n, (int)cs_node_servers(sc, rank), cs_node_speed(sc, rank), sc->nodes.queue_capacity, tp, ws,
                          we, service);
    n->clk = clk;
    n->t0 = t0;
    n->rank = rank;
    n->overhead_ns = (int64_t)llround(sc->model.node_overhead_us * 1e3);
    n->catch_up = sc->service.mode != CS_MODE_SPIN;
    /* Replies go back to whichever feeder sent (a dispatcher, or its
     * relay): with several, one batch per feeder, and a shutdown from
     * each that may send. */
    int k = cs_feeders(sc), f0 = cs_feeder_first(sc);
    bool owned = sc->dispatch.partition == CS_PARTITION_SHARDED || sc->dispatch.relays > 0;
    n->shutdowns_left = owned ? 1 : k;
    n->tell_idle = strcmp(cs_policies[sc->dispatch.policy].name, "jiq") == 0;
    n->tell_first = f0;
    n->tell_n = k;
    if (owned && k > 1) { /* its owner alone: the feeder whose block holds it */
        for (int d = f0; d < f0 + k; d++) {
            struct cs_place p = cs_plan_place(sc, service_nodes, d);
            if (rank >= p.first_rank && rank < p.first_rank + p.count)
                n->tell_first = d;
        }
        n->tell_n = 1;
    }
    cs_rng_seed(&n->tell_rng, sc->load.seed, CS_STREAM_NODE + (uint64_t)rank);
    if (rc == CS_OK && (sc->dispatch.batch > 1 || f0 + k > 1)) {
        cs_batcher_free(&n->out);
        rc = cs_batcher_init(&n->out, tp, f0 + k, 0, sc->dispatch.batch,
                             (int64_t)llround(sc->dispatch.batch_wait_us * 1e3));
        n->batching = n->out.batch > 1;
    }
    int mine = 0;
    for (int i = 0; i < sc->faults_n; i++)
        mine += sc->faults[i].rank == rank;
    if (rc == CS_OK && mine > 0 && !(n->faults = malloc((size_t)mine * sizeof(*n->faults))))
        rc = CS_E_NOMEM;
    /* In time order, whatever the list's (a recover listed before the
     * stop it ends undid nothing), the list's at one time. */
    for (int i = 0; rc == CS_OK && i < sc->faults_n; i++) {
        if (sc->faults[i].rank != rank)
            continue;
        int j = n->faults_n++;
        for (; j > 0 && n->faults[j - 1].at_s > sc->faults[i].at_s; j--)
            n->faults[j] = n->faults[j - 1];
        n->faults[j] = sc->faults[i];
    }
    return rc;
}

/* The node's condition at now from its faults, in time order:
 * stopped or not, and the factor service times are multiplied by. */
static bool fault_state(const struct cs_node *n, int64_t now, double *slow)
{
    bool stopped = false;
    *slow = 1.0;
    double t = (double)(now - n->t0) / 1e9;
    for (int i = 0; i < n->faults_n; i++) {
        const struct cs_fault *f = &n->faults[i];
        /* not yet, or over: it changes nothing (an expired fault does not
         * end an earlier one that still lasts) */
        if (f->at_s > t || (f->for_s > 0 && t >= f->at_s + f->for_s))
            continue;
        switch (f->kind) {
        case CS_FAULT_SLOW:
            *slow = f->factor;
            break;
        case CS_FAULT_STOP:
            stopped = true;
            break;
        case CS_FAULT_RECOVER:
            stopped = false;
            *slow = 1.0;
            break;
        }
    }
    return stopped;
}

/* A stopped node loses what it holds, as a crashed process would. */
static void drop_everything(struct cs_node *n)
{
    n->counters[CS_N_DROPPED] += (uint64_t)(n->queue.count + n->busy);
    n->queue.count = 0;
    for (int i = 0; i < n->servers_n; i++)
        n->servers[i].busy = false;
    n->busy = 0;
    n->soonest_ns = INT64_MAX;
}

void cs_node_free(struct cs_node *n)
{
    cs_batcher_free(&n->out);
    cs_ring_free(&n->queue);
    if (n->servers != &n->one)
        free(n->servers);
    n->servers = NULL;
    if (n->owns_service)
        free(n->service);
    n->service = NULL;
    free(n->faults);
    n->faults = NULL;
    n->faults_n = 0;
}

/* The service a request asks of this node: scaled by its speed and a
 * slow fault's factor. */
static int64_t asked_ns(const struct cs_node *n, int64_t service_ns, double slow)
{
    if (slow == 1.0 && n->speed == 1.0)
        return service_ns; /* (the same, without libm) */
    double scaled = (double)service_ns * slow / n->speed;
    return scaled < (double)CS_NS_LONGEST ? (int64_t)llround(scaled) : CS_NS_LONGEST;
}

/* Server s, idle, starts request q at now. */
static void start_server(struct cs_node *n, struct cs_server *s, const struct cs_queued *q, int64_t now, double slow)
{
    int64_t requested = asked_ns(n, q->service_ns, slow);
    /* Sleep-emulated: when the request came, or when the server's last
     * one was due to end, if later (before now after a late wake-up,
     * after it after an early one). Spin-emulated service needs the
     * CPU: it starts when the node gets to it. */
    int64_t start = now;
    if (n->catch_up)
        start = q->arrived_ns > s->deadline_ns ? q->arrived_ns : s->deadline_ns;
    /* (saturated: services of CS_NS_LONGEST queued behind each other
     * would overflow; a deadline of INT64_MAX - 1 is never reached) */
    int64_t rest = INT64_MAX - 1 - requested - n->overhead_ns;
    if (start > rest)
        start = rest;
    *s = (struct cs_server){
        .busy = true,
        .id = q->id,
        .flags = q->flags,
        .src = q->src,
        .start_ns = start,
        .deadline_ns = start + requested + n->overhead_ns,
        .requested_ns = requested,
    };
    n->busy++;
}

static int on_item(struct cs_node *n, const struct cs_msg *m, int src, int64_t now, bool start)
{
    if (m->kind == CS_MSG_SHUTDOWN) {
        n->stopped_early |= (m->flags & CS_SHUTDOWN_EARLY) != 0;
        if (--n->shutdowns_left > 0)
            return CS_OK; /* another dispatcher may still send */
        n->shutdown = true;
        n->counters[CS_N_MESSAGES_SENT] = n->out.messages; /* it sends no more */
        if (n->stopped_early && now < n->window_end)
            n->counters[CS_N_WINDOW_NS] = now > n->window_start ? (uint64_t)(now - n->window_start) : 0;
        n->counters[CS_N_ABANDONED] += (uint64_t)(n->queue.count + n->busy);
        return CS_OK;
    }
    if (m->kind != CS_MSG_REQUEST)
        return CS_E_INVALID;
    n->counters[CS_N_RECEIVED]++;
    double slow;
    if (n->faults_n > 0 && fault_state(n, now, &slow)) {
        n->counters[CS_N_DROPPED]++; /* stopped: no answer, ever */
        return CS_OK;
    }
    /* Full: as many wait for a server as the queue holds. Those taken in
     * this look that the idle servers will start do not wait (a batch of
     * requests, or several at one instant, to an idle node). */
    if (n->queue_capacity > 0 && n->queue.count >= n->queue_capacity + (n->servers_n - n->busy)) {
        n->counters[CS_N_REJECTED]++;
        struct cs_msg r = {.kind = CS_MSG_REPLY, .flags = m->flags | CS_REPLY_REJECTED, .id = m->id, .node = n->rank};
        int rc = cs_batcher_put(&n->out, src, &r, now);
        return rc < 0 ? rc : CS_OK;
    }
    /* The handoff: a request that was waiting for this node finds it idle
     * since its last reply (its transit both ways, the coordinator's
     * turn, and the node's own wake-up). */
    if ((m->flags & CS_REQ_HANDOFF) && (m->flags & CS_REQ_MEASURED) && n->busy == 0 && n->queue.count == 0 &&
        n->idle_since >= 0 && now > n->idle_since) {
        n->counters[CS_N_HANDOFF_NS] += (uint64_t)(now - n->idle_since);
        n->counters[CS_N_HANDOFFS]++;
    }
    struct cs_queued q = {.id = m->id, .service_ns = m->service_ns, .arrived_ns = now, .flags = m->flags, .src = src};
    /* What the next look would do first: the first idle server takes it
     * (but a service that ends as it starts, which that look would leave
     * to the node's own wake-up at this instant). */
    if (start && n->queue.count == 0 && n->busy < n->servers_n && asked_ns(n, q.service_ns, 1.0) + n->overhead_ns > 0) {
        struct cs_server *s = n->servers;
        while (s->busy)
            s++;
        start_server(n, s, &q, now, 1.0);
        if (s->deadline_ns < n->soonest_ns)
            n->soonest_ns = s->deadline_ns;
        return CS_OK;
    }
    return cs_ring_push_sized(&n->queue, &q, sizeof(q));
}

/* A message's items; with start, a request that finds a server idle and
 * nothing waiting starts at once (the node has no other work due). */
static int on_message(struct cs_node *n, const struct cs_msg *m, int count, int src, int64_t now, bool start)
{
    n->counters[CS_N_MESSAGES_RECEIVED]++;
    for (int i = 0; i < count; i++) {
        int rc = on_item(n, &m[i], src, now, start);
        if (rc != CS_OK)
            return rc;
    }
    if (n->queue.count + n->busy > n->depth_max)
        n->depth_max = n->queue.count + n->busy;
    return CS_OK;
}

int cs_node_on_message(struct cs_node *n, const struct cs_msg *m, int count, int src, int64_t now)
{
    return on_message(n, m, count, src, now, false);
}

/* Busy time of [a, b) that falls inside the window. */
static uint64_t in_window(const struct cs_node *n, int64_t a, int64_t b)
{
    if (a < n->window_start)
        a = n->window_start;
    if (b > n->window_end)
        b = n->window_end;
    return b > a ? (uint64_t)(b - a) : 0;
}

int cs_node_advance(struct cs_node *n, int64_t now, int64_t early_ns)
{
    if (n->shutdown)
        return 0;
    double slow = 1.0;
    if (n->faults_n > 0 && fault_state(n, now, &slow)) {
        drop_everything(n);
        return 0;
    }
    int sent = 0;
    int64_t soonest = INT64_MAX; /* of the servers busy after this look */
    for (int i = 0; i < n->servers_n; i++) {
        struct cs_server *s = &n->servers[i];
        if (!s->busy)
            continue;
        if (s->deadline_ns > now + early_ns) {
            soonest = s->deadline_ns < soonest ? s->deadline_ns : soonest;
            continue;
        }
        /* Sleep-emulated service keeps the modelled server's schedule
         * both ways: one finished early (the sleeper's early window) is
         * done at its deadline, so that early wake-ups add no capacity;
         * one finished late took the time it took (the host's). */
        int64_t end = n->catch_up && s->deadline_ns > now ? s->deadline_ns : now;
        int64_t delivered = end - s->start_ns;
        struct cs_msg r = {
            .kind = CS_MSG_REPLY,
            .flags = s->flags,
            .id = s->id,
            .service_ns = delivered,
            .node = n->rank,
        };
        int rc = cs_batcher_put(&n->out, s->src, &r, now);
        if (rc < 0)
            return rc;
        s->busy = false;
        n->busy--;
        sent++;
        n->counters[CS_N_COMPLETED]++;
        n->counters[CS_N_BUSY_NS] += in_window(n, s->start_ns, n->catch_up ? s->deadline_ns : now);
        if (s->flags & CS_REQ_MEASURED) {
            n->counters[CS_N_MEASURED]++;
            n->counters[CS_N_SERVICE_NS] += (uint64_t)delivered;
            n->counters[CS_N_REQUESTED_NS] += (uint64_t)s->requested_ns;
            cs_hist_record(n->service, (uint64_t)delivered);
        }
    }
    for (int i = 0; i < n->servers_n && n->queue.count > 0; i++) {
        struct cs_server *s = &n->servers[i];
        if (s->busy)
            continue;
        struct cs_queued q = *(const struct cs_queued *)cs_ring_front(&n->queue);
        cs_ring_pop(&n->queue);
        start_server(n, s, &q, now, slow);
        soonest = s->deadline_ns < soonest ? s->deadline_ns : soonest;
    }
    n->soonest_ns = soonest;
    if (sent > 0 && n->busy == 0 && n->queue.count == 0)
        n->idle_since = now;
    int rc = CS_OK;
    if (n->tell_idle && n->queue.count == 0) {
        /* every server at the start; since, each that finished and stays idle */
        int idle = n->servers_n - n->busy, tell = n->told_start ? (sent < idle ? sent : idle) : idle;
        n->told_start = true;
        for (int i = 0; i < tell && rc >= 0; i++) {
            struct cs_msg t = {.kind = CS_MSG_IDLE};
            int d = n->tell_first + (int)cs_rng_below(&n->tell_rng, (uint32_t)n->tell_n);
            rc = cs_batcher_send_now(&n->out, d, &t, 1);
            n->counters[CS_N_IDLE_SENT]++;
        }
    }
    if (rc >= 0 && n->batching)
        rc = cs_batcher_flush(&n->out, now + early_ns);
    return rc < 0 ? rc : sent;
}

void cs_node_woke(struct cs_node *n, int64_t due_ns, int64_t woke_ns)
{
    cs_pause_note(&n->counters[CS_N_WAKE_LATE_MAX_NS], &n->counters[CS_N_PAUSES], due_ns, woke_ns);
}

int64_t cs_node_next_deadline(const struct cs_node *n)
{
    if (!n->batching)
        return n->soonest_ns; /* without reading out's line */
    int64_t batch = cs_batcher_due(&n->out);
    return batch < n->soonest_ns ? batch : n->soonest_ns;
}

/* After a look that took `took` messages: advance again while that
 * finishes something: to start what came, a service started already due
 * (none long, or one begun at a past deadline), a fault's edge, jiq's
 * first idle tokens. Nothing came and nothing is due: the look did it
 * all. Requests completed, or <0. */
static inline bool unsettled(const struct cs_node *n, int took, int64_t early_ns)
{
    return took > 0 || n->faults_n > 0 || (n->tell_idle && !n->told_start) ||
           cs_node_next_deadline(n) <= cs_clock_now(n->clk) + early_ns;
}
static int settle_more(struct cs_node *n, int took, int64_t early_ns)
{
    int r, done = 0;
    while (unsettled(n, took, early_ns)) {
        if ((r = cs_node_advance(n, cs_clock_now(n->clk), early_ns)) <= 0)
            return r < 0 ? r : done;
        done += r;
        took = 0;
    }
    return done;
}
/* (Most looks leave nothing to settle: that answer takes no call.) */
static inline int settle(struct cs_node *n, int took, int64_t early_ns)
{
    return unsettled(n, took, early_ns) ? settle_more(n, took, early_ns) : 0;
}

int cs_node_deliver(struct cs_node *n, const struct cs_msg *m, int count, int src)
{
    int64_t now = cs_clock_now(n->clk);
    /* With no fault to look at and nothing due at now, what comes to an
     * idle server starts as it arrives (the look settle would take). */
    bool start = n->faults_n == 0 && cs_node_next_deadline(n) > now;
    int rc = on_message(n, m, count, src, now, start);
    if (rc != CS_OK || n->shutdown)
        return rc;
    /* (one look to start what waits for a server that is idle) */
    rc = settle(n, !start || (n->queue.count > 0 && n->busy < n->servers_n), 0);
    return rc < 0 ? rc : CS_OK;
}

/* ---- the node as a role (role.h) ---- */

/* A turn at its clock's now: the service ends and batches due first, then
 * every message that has arrived, then the servers' next requests. A
 * node serving in spin mode burns the CPU to its deadlines, so it takes
 * nothing early. */
static int node_turn(void *self, int64_t early_ns)
{
    struct cs_node *n = self;
    const struct cs_clock *clk = n->clk;
    if (!n->catch_up)
        early_ns = 0;
    int r, work = 0, took = 0;
    if (cs_node_next_deadline(n) <= cs_clock_now(clk) + early_ns) {
        if ((r = cs_node_advance(n, cs_clock_now(clk), early_ns)) < 0)
            return r;
        work += r;
    }
    struct cs_msg m[CS_BATCH_MAX];
    int src;
    while ((r = n->tp->poll(n->tp->ctx, m, &src)) > 0) {
        int rc = cs_node_on_message(n, m, r, src, cs_clock_now(clk));
        if (rc)
            return rc;
        took++;
    }
    work += took;
    if (r < 0 || n->shutdown)
        return r < 0 ? r : work;
    if ((r = settle(n, took, early_ns)) < 0)
        return r;
    return work + r;
}
static int64_t node_next_event(const void *self)
{
    return cs_node_next_deadline(self);
}
static bool node_done(const void *self)
{
    return ((const struct cs_node *)self)->shutdown;
}
static void node_woke(void *self, int64_t due_ns, int64_t woke_ns)
{
    cs_node_woke(self, due_ns, woke_ns);
}
const struct cs_role_ops cs_node_role = {node_turn, node_next_event, node_done, node_woke};
