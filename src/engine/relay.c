/*
 * The relay's state machine (relay.h): requests down to its nodes through
 * the policy, replies back up to the dispatcher, each id translated on the
 * way. Like the coordinator it does not wait, sleep or talk MPI.
 */
#include "cs/relay.h"
#include "cs/role.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/scenario.h"

const char *const cs_relay_counter_names[CS_R__COUNT] = {CS_RELAY_COUNTERS(CS_COUNTER_NAME)};

#define INITIAL_REQS 1024
static const struct cs_relay_req waiting_req = {.node = -1};

int cs_relay_start(struct cs_relay *rl, const struct cs_scenario *sc, int rank, int service_nodes,
                   const struct cs_transport *tp, const struct cs_clock *clk, int64_t t0)
{
    memset(rl, 0, sizeof(*rl));
    rl->tp = tp;
    rl->clk = clk;
    rl->up = 0;
    struct cs_place p = cs_plan_place(sc, service_nodes, rank);
    int block = p.count;
    rl->first_rank = p.first_rank;
    rl->first_node = p.first_rank - cs_first_node(sc);
    rl->nodes = block;
    rl->cost_ns = (int64_t)llround(sc->dispatch.cost_us * 1e3);
    rl->message_cost_ns = (int64_t)llround(sc->dispatch.message_cost_us * 1e3);
    rl->cost_hold = sc->dispatch.cost_mode == CS_COST_SLEEP;
    cs_scenario_window(sc, t0, &rl->window_start, &rl->window_end);
    cs_ring_init(&rl->waiting, sizeof(int), INITIAL_REQS, INT32_MAX);
    cs_pool_init(&rl->reqs, sizeof(struct cs_relay_req), offsetof(struct cs_relay_req, next_free), INITIAL_REQS,
                 &waiting_req);
    int64_t wait_ns = (int64_t)llround(sc->dispatch.batch_wait_us * 1e3);
    if (cs_book_init(&rl->book, block, &cs_policies[sc->dispatch.policy], sc->dispatch.d,
                     cs_nodes_servers_max(sc, rl->first_rank, block)) != CS_OK ||
        cs_batcher_init(&rl->down, tp, block, rl->first_rank, sc->dispatch.batch, wait_ns) != CS_OK ||
        cs_batcher_init(&rl->back, tp, 1, rl->up, sc->dispatch.batch, wait_ns) != CS_OK) {
        cs_relay_free(rl);
        return CS_E_NOMEM;
    }
    cs_rng_seed(&rl->book.state.rng, sc->load.seed, CS_STREAM_RELAY + (uint64_t)rank);
    for (int i = 0; i < block; i++)
        cs_book_set_limit(&rl->book, i, cs_nodes_limit(sc, rl->first_rank + i, 1));
    return CS_OK;
}

void cs_relay_free(struct cs_relay *rl)
{
    cs_batcher_free(&rl->down);
    cs_batcher_free(&rl->back);
    cs_ring_free(&rl->waiting);
    cs_book_free(&rl->book);
    cs_pool_free(&rl->reqs);
    memset(rl, 0, sizeof(*rl));
}

/* Its emulated work, as dispatch.cost_mode says. */
static void charge(struct cs_relay *rl, int64_t ns)
{
    if (ns > 0)
        (rl->cost_hold ? rl->clk->hold : rl->clk->spin)(rl->clk->ctx, ns);
}

static struct cs_relay_req *req_at(const struct cs_relay *rl, int r)
{
    return cs_pool_at(&rl->reqs, r);
}

static void req_release(struct cs_relay *rl, int r)
{
    struct cs_relay_req *q = req_at(rl, r);
    if (q->node >= 0)
        cs_book_ended(&rl->book, q->node);
    q->node = -1;
    q->gen++;
    cs_pool_put(&rl->reqs, r);
}

/* Send request r to a node the policy picks: 1 sent, 0 no node has room,
 * <0 error. A request that waited here while its node answered another
 * is a handoff (CS_REQ_HANDOFF), as the coordinator marks its own. */
static int send_down(struct cs_relay *rl, int r, int64_t now)
{
    int node = cs_book_pick(&rl->book, 0);
    if (node < 0)
        return 0;
    struct cs_relay_req *q = req_at(rl, r);
    q->node = node;
    if (q->arrived_ns <= rl->book.replied_ns[node])
        q->flags |= CS_REQ_HANDOFF;
    struct cs_msg m = {
        .kind = CS_MSG_REQUEST,
        .flags = q->flags,
        .id = ((uint64_t)q->gen << 32) | (uint32_t)r,
        .service_ns = q->service_ns,
    };
    int rc = cs_batcher_put(&rl->down, rl->first_rank + node, &m, now);
    if (rc < 0)
        return rc;
    charge(rl, rl->cost_ns + rc * rl->message_cost_ns);
    cs_book_sent(&rl->book, node);
    return 1;
}

static int on_request(struct cs_relay *rl, const struct cs_msg *m, int64_t now)
{
    int r = cs_pool_take(&rl->reqs);
    if (r < 0)
        return r;
    struct cs_relay_req *q = req_at(rl, r);
    q->up_id = m->id;
    q->service_ns = m->service_ns;
    q->flags = m->flags;
    q->arrived_ns = now;
    rl->counters[CS_R_RECEIVED]++;
    if (now >= rl->window_start && now < rl->window_end)
        rl->counters[CS_R_WINDOW_RECEIVED]++;
    /* Taken off the transport first, sent after the poll (drain_waiting):
     * a relay that paid its dispatch work between two looks at its
     * mailbox left rank 0's messages in MPI's buffers, and rank 0 then
     * blocked in its sends (perf: opal_progress under MPI_Send) and
     * looked busy, not the relay. */
    int rc = cs_ring_push(&rl->waiting, &r);
    if (rc < 0)
        return rc;
    if ((uint64_t)rl->waiting.count > rl->counters[CS_R_QUEUE_MAX])
        rl->counters[CS_R_QUEUE_MAX] = (uint64_t)rl->waiting.count;
    return CS_OK;
}

static int on_reply(struct cs_relay *rl, const struct cs_msg *m, int src, int64_t now)
{
    uint32_t r = (uint32_t)(m->id & 0xffffffffu), gen = (uint32_t)(m->id >> 32);
    int node = src - rl->first_rank;
    struct cs_relay_req *q = r < (uint32_t)rl->reqs.cap ? req_at(rl, (int)r) : NULL;
    if (!q || q->node != node || q->gen != gen) {
        rl->counters[CS_R_UNEXPECTED]++;
        return CS_OK;
    }
    cs_book_replied(&rl->book, node, now);
    /* Whether the reply completes its request is rank 0's to say (it may
     * come after the request timed out, or after another attempt's): the
     * node it names counts it there. */
    struct cs_msg up = *m;
    up.id = q->up_id;
    req_release(rl, (int)r);
    int rc = cs_batcher_put(&rl->back, rl->up, &up, now);
    if (rc < 0)
        return rc;
    charge(rl, rc * rl->message_cost_ns);
    rl->counters[CS_R_FORWARDED]++;
    return CS_OK;
}

static void on_idle(struct cs_relay *rl, int src)
{
    int node = src - rl->first_rank;
    if (node < 0 || node >= rl->nodes) {
        rl->counters[CS_R_UNEXPECTED]++;
        return;
    }
    rl->counters[CS_R_IDLE_TOKENS]++;
    cs_policy_idle(&rl->book.state, node);
}

/* The dispatcher is done: what is still here is abandoned, every node is
 * told, and so is the relay. */
static int on_shutdown(struct cs_relay *rl, const struct cs_msg *m)
{
    int rc = cs_batcher_flush(&rl->down, INT64_MAX);
    if (rc >= 0)
        rc = cs_batcher_flush(&rl->back, INT64_MAX);
    if (rc < 0)
        return rc;
    for (int r = 0; r < rl->reqs.cap; r++)
        if (req_at(rl, r)->node >= 0)
            rl->counters[CS_R_ABANDONED]++;
    rl->counters[CS_R_ABANDONED] += (uint64_t)rl->waiting.count;
    struct cs_msg down = {.kind = CS_MSG_SHUTDOWN, .flags = m->flags};
    for (int i = 0; i < rl->nodes; i++)
        if ((rc = cs_batcher_send_now(&rl->down, rl->first_rank + i, &down, 1)) < 0)
            return rc;
    rl->shutdown = true;
    return CS_OK;
}

/* The oldest waiting requests first, while a node has room, for at most
 * TURN_BUDGET_NS after the first: then the mailbox again. A request that
 * finds every node full counts as queued, once. */
#define TURN_BUDGET_NS (100 * CS_NS_PER_US)
static int drain_waiting(struct cs_relay *rl, int *work)
{
    int64_t start = cs_clock_now(rl->clk);
    for (bool first = true; rl->waiting.count > 0; first = false) {
        int64_t now = cs_clock_now(rl->clk);
        if (!first && now - start >= TURN_BUDGET_NS)
            return CS_OK;
        int r = *(int *)cs_ring_front(&rl->waiting);
        int rc = send_down(rl, r, now);
        if (rc < 0)
            return rc;
        if (rc == 0) { /* every node full: those not yet counted wait */
            rl->counters[CS_R_QUEUED] += (uint64_t)(rl->waiting.count - rl->queued_seen);
            rl->queued_seen = rl->waiting.count;
            return CS_OK;
        }
        cs_ring_pop(&rl->waiting);
        if (rl->queued_seen > 0)
            rl->queued_seen--;
        (*work)++;
    }
    return CS_OK;
}

int cs_relay_turn(struct cs_relay *rl)
{
    if (rl->shutdown)
        return 0;
    int64_t start = cs_clock_now(rl->clk);
    int work = 0, got, src, rc = CS_OK;
    struct cs_msg m[CS_BATCH_MAX];
    while (!rl->shutdown && (got = rl->tp->poll(rl->tp->ctx, m, &src)) != 0) {
        if (got < 0)
            return got;
        int64_t now = cs_clock_now(rl->clk);
        rl->counters[CS_R_MESSAGES_RECEIVED]++;
        rl->counters[CS_R_ITEMS_RECEIVED] += (uint64_t)got;
        for (int i = 0; i < got && rc == CS_OK; i++) {
            switch (m[i].kind) {
            case CS_MSG_REQUEST:
                rc = src == rl->up ? on_request(rl, &m[i], now) : CS_E_INVALID;
                break;
            case CS_MSG_REPLY:
                rc = on_reply(rl, &m[i], src, now);
                break;
            case CS_MSG_IDLE:
                on_idle(rl, src);
                break;
            case CS_MSG_SHUTDOWN:
                rc = src == rl->up ? on_shutdown(rl, &m[i]) : CS_E_INVALID;
                break;
            default:
                rc = CS_E_INVALID;
            }
        }
        if (rc < 0)
            return rc;
        work += got;
    }
    if (!rl->shutdown) {
        rc = drain_waiting(rl, &work);
        if (rc < 0)
            return rc;
        int64_t now = cs_clock_now(rl->clk);
        int sent = cs_batcher_flush(&rl->down, now);
        if (sent >= 0) {
            int more = cs_batcher_flush(&rl->back, now);
            sent = more < 0 ? more : sent + more;
        }
        if (sent < 0)
            return sent;
        charge(rl, sent * rl->message_cost_ns);
        work += sent;
    } else {
        work++;
    }
    rl->counters[CS_R_MESSAGES_SENT] = rl->down.messages + rl->back.messages;
    rl->counters[CS_R_ITEMS_SENT] = rl->down.items_sent + rl->back.items_sent;
    if (work > 0 && start >= rl->window_start && start < rl->window_end) {
        int64_t end = cs_clock_now(rl->clk);
        rl->counters[CS_R_BUSY_NS] += (uint64_t)((end < rl->window_end ? end : rl->window_end) - start);
    }
    return work;
}

int64_t cs_relay_next_event(const struct cs_relay *rl)
{
    int64_t a = cs_batcher_due(&rl->down), b = cs_batcher_due(&rl->back);
    return a < b ? a : b;
}

/* ---- the relay as a role (role.h) ---- */

static int relay_turn(void *self, int64_t early_ns)
{
    (void)early_ns;
    return cs_relay_turn(self);
}
static int64_t relay_next_event(const void *self)
{
    return cs_relay_next_event(self);
}
static bool relay_done(const void *self)
{
    return ((const struct cs_relay *)self)->shutdown;
}
const struct cs_role_ops cs_relay_role = {relay_turn, relay_next_event, relay_done, NULL};
