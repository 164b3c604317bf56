/*
 * The virtual-time engine: an in-process loopback transport and a
 * discrete-event driver that runs the real dispatcher, relay and
 * service-node state machines of a run's topology plan, with the same
 * message protocol as the MPI engine, in virtual time. See virtual.h.
 */
#include "cs/virtual.h"

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/coordinator.h"
#include "cs/heap.h"
#include "cs/pool.h"
#include "cs/relay.h"
#include "cs/role.h"
#include "cs/scenario.h"
#include "cs/service_node.h"
#include "cs/stop.h"
#include "cs/sweep.h"
#include "vnet.h"

/* A zeroed array of one entry per rank, on cache lines (a rank's
 * endpoint is then two lines, not three). At 1,000,000 nodes these are
 * hundreds of MB, touched at random by the events, so they ask for huge
 * pages where the kernel gives them on request (transparent huge pages
 * "madvise"), before the first touch: a fault per 2 MB instead of per
 * 4 KB at set-up, and fewer TLB misses in the run. */
static void *per_rank(size_t n, size_t size)
{
    void *p = NULL;
    n = n ? n : 1;
    if (size == 0 || n > SIZE_MAX / size || posix_memalign(&p, 64, n * size) != 0)
        return NULL;
    const uintptr_t huge = 2u << 20;
    if (n * size >= 2 * huge) {
        uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1), to = ((uintptr_t)p + n * size) & ~(huge - 1);
        if (to > from)
            (void)madvise((void *)from, to - from, MADV_HUGEPAGE); /* advice: without it, small pages */
    }
    memset(p, 0, n * size);
    return p;
}

/* ---- inboxes: a min-heap of letters by (arrival time, sending order) ---- */

static bool letter_before(const struct cs_vletter *a, const struct cs_vletter *b)
{
    return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->seq < b->seq);
}

/* Post a letter: its place found by its key (at_ns, seq) first, then the
 * letter written there once. */
static int inbox_push(struct cs_vinbox *h, const struct cs_msg *msg, int src, int items, int64_t at_ns, uint64_t seq)
{
    if (h->n == h->cap) {
        struct cs_vletter *v = cs_grow(h->v, &h->cap, sizeof(*v), 1);
        if (!v)
            return CS_E_NOMEM;
        h->v = v;
    }
    struct cs_vletter key = {.at_ns = at_ns, .seq = seq};
    int i = h->n++;
    while (i > 0 && letter_before(&key, &h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = (struct cs_vletter){*msg, src, items, at_ns, seq};
    return CS_OK;
}

static void inbox_pop(struct cs_vinbox *h)
{
    if (--h->n == 0) /* most inboxes hold one letter at a time */
        return;
    struct cs_vletter last = h->v[h->n];
    int i = 0;
    for (;;) {
        int child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && letter_before(&h->v[child + 1], &h->v[child]))
            child++;
        if (!letter_before(&h->v[child], &last))
            break;
        h->v[i] = h->v[child];
        i = child;
    }
    h->v[i] = last;
}

/* When the next letter arrives, INT64_MAX when none is on its way. */
static int64_t inbox_next(const struct cs_vinbox *h)
{
    return h->n > 0 ? h->v[0].at_ns : INT64_MAX;
}

/* ---- wake-ups: the feeders' heap and the nodes' calendar (vnet.h) ---- */

static int heap_push(struct cs_vwakes *h, int64_t t, int32_t id)
{
    if (h->n == h->cap) {
        struct cs_due *v = cs_grow(h->v, &h->cap, sizeof(*v), 64);
        if (!v)
            return CS_E_NOMEM;
        h->v = v;
    }
    cs_heap_push(h->v, &h->n, t, id);
    return CS_OK;
}

/* The first wake-up of all, into *w, and whether it is a node's (from
 * the calendar) or a feeder's (from the heap); false when there is none. */
static bool wakes_first(struct cs_vnet *s, struct cs_due *w, bool *node)
{
    bool nodes = cs_calq_peek(&s->nodes, w);
    *node = nodes && (s->feeders.n == 0 || cs_due_before(*w, s->feeders.v[0]));
    if (!*node && s->feeders.n > 0)
        *w = s->feeders.v[0];
    return nodes || s->feeders.n > 0;
}

/* A rank is woken for its mail (the next letter to arrive), for its own
 * work (a service end, an arrival, a batch, a timeout), or at a fault's
 * edge. Each rank has one live wake-up of each of the first two kinds,
 * at its endpoint's due[kind]; one that a later look moved is dropped
 * when it comes (run_events), or is due again if a look puts it back
 * (wake). A wake-up at the instant being handled goes on the ready stack
 * instead of a heap.
 *
 * Wake-ups at one instant come in the order of their ids (heap.h): the
 * service nodes first, the last rank first, then the relays, then the
 * dispatchers, so that a dispatcher's look at an instant finds the
 * replies of the services that end at it, as the ready stack does. */
enum { WAKE_MAIL, WAKE_WORK, WAKE_EDGE };

static int32_t wake_id(const struct cs_vnet *s, int rank, int kind)
{
    return 4 * (s->ranks - 1 - rank) + kind;
}

static int wake_rank(const struct cs_vnet *s, int32_t id)
{
    return s->ranks - 1 - (int)((uint32_t)id / 4);
}

/* Into the queue of rank's kind: a dispatcher's or relay's, or a node's. */
static int wake_push(struct cs_vnet *s, int64_t t, int rank, int kind)
{
    if (rank < s->lanes)
        return heap_push(&s->feeders, t, wake_id(s, rank, kind));
    return cs_calq_push(&s->nodes, t, wake_id(s, rank, kind));
}

static inline __attribute__((always_inline)) int wake(struct cs_vnet *s, int64_t t, int rank, int kind)
{
    if (t <= s->now) {
        if (!s->endpoints[rank].flagged) {
            s->endpoints[rank].flagged = true;
            s->ready[s->ready_n++] = rank;
        }
        return CS_OK;
    }
    struct cs_vendpoint *e = &s->endpoints[rank];
    int64_t old = e->due[kind];
    if (t == old)
        return CS_OK;
    /* Work back at the time of the wake-up it left behind: that one is due
     * again. (A saturated dispatcher's work goes to the end of its busy
     * time and back to the window's end at every turn.) */
    bool back = kind == WAKE_WORK && t == e->left;
    if (t != INT64_MAX && !back && wake_push(s, t, rank, kind) != CS_OK)
        return CS_E_NOMEM;
    if (kind == WAKE_WORK)
        e->left = old;
    e->due[kind] = t;
    return CS_OK;
}

/* After a rank's look: its next letter (unless its mail waits) and its
 * next work. */
static int wake_next(struct cs_vnet *s, int rank, int64_t work)
{
    struct cs_vendpoint *e = &s->endpoints[rank];
    int rc = wake(s, e->holds ? INT64_MAX : inbox_next(&e->inbox), rank, WAKE_MAIL);
    return rc ? rc : wake(s, work, rank, WAKE_WORK);
}

/* At a fault's edge, whatever else is due. */
static int wake_edge(struct cs_vnet *s, int64_t t, int rank)
{
    return wake_push(s, t, rank, WAKE_EDGE);
}

static int deliver(struct cs_vnet *s, int rank, const struct cs_msg *m, int n, int src);

/* A message is sent at its sender's time. One that arrives at the
 * instant at hand may be handed to its receiver at once (deliver); else
 * it is a letter in the receiver's inbox, which wakes it when it arrives
 * (unless its mail waits: holds). */
static int lb_send(void *ctx, int dest, const struct cs_msg *m, int n)
{
    struct cs_vendpoint *e = ctx;
    struct cs_vnet *s = e->net;
    if ((unsigned)dest >= (unsigned)s->ranks ||
        (unsigned)(n - 1) >= CS_BATCH_MAX) /* 0 <= dest < ranks, 1 <= n <= max */
        return CS_E_TRANSPORT;
    if (e->charged)
        e->now += s->message_ns;
    int64_t at = e->now + s->latency_ns;
    int rc = CS_OK;
    s->messages++;
    const struct cs_vendpoint *d = &s->endpoints[dest];
    if (s->instant && at == s->now && d->inbox.n == 0 && !d->flagged &&
        (dest >= s->lanes ? d->due[WAKE_WORK] > at : d->holds && dest != s->turning && d->due[WAKE_WORK] != at))
        return deliver(s, dest, m, n, e->rank);
    for (int i = 0; i < n && rc == CS_OK; i++)
        rc = inbox_push(&s->endpoints[dest].inbox, &m[i], e->rank, i == 0 ? n : 0, at, s->sent++);
    if (rc != CS_OK || at >= s->endpoints[dest].due[WAKE_MAIL] || s->endpoints[dest].holds)
        return rc; /* it is woken for an earlier letter, and then looks again; or its mail waits */
    return wake(s, at, dest, WAKE_MAIL);
}

/* Take the message at the head of e's inbox: its letters. */
static __attribute__((noinline)) int take_message(struct cs_vendpoint *e, struct cs_msg *m, int *src)
{
    struct cs_vinbox *q = &e->inbox;
    int n = q->v[0].items;
    *src = q->v[0].src;
    for (int i = 0; i < n; i++) {
        m[i] = q->v[0].msg;
        inbox_pop(q);
    }
    if (e->charged)
        e->now += e->net->message_ns;
    return n;
}

/* The next message that has arrived by the receiver's time. Most looks
 * find none: that answer takes no call. */
static int lb_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct cs_vendpoint *e = ctx;
    return inbox_next(&e->inbox) > e->now ? 0 : take_message(e, m, src);
}

static int64_t v_now(void *ctx)
{
    return ((struct cs_vendpoint *)ctx)->now;
}

static void v_spin(void *ctx, int64_t ns)
{
    ((struct cs_vendpoint *)ctx)->now += ns;
}

int cs_vnet_open(struct cs_vnet *s, int ranks, int charged)
{
    memset(s, 0, sizeof(*s));
    s->turning = -1;
    s->ranks = ranks;
    s->lanes = charged;
    s->endpoints = per_rank((size_t)ranks, sizeof(*s->endpoints));
    s->ready = per_rank((size_t)ranks, sizeof(*s->ready));
    if (!s->endpoints || !s->ready || cs_calq_init(&s->nodes) != CS_OK)
        return CS_E_NOMEM;
    for (int i = 0; i < ranks; i++) {
        struct cs_vendpoint *e = &s->endpoints[i];
        *e = (struct cs_vendpoint){.due = {INT64_MAX, INT64_MAX},
                                   .left = INT64_MAX,
                                   .charged = i < charged,
                                   .rank = i,
                                   .net = s,
                                   .clock = {v_now, v_spin, v_spin, e, &e->now},
                                   .tp = {e, lb_send, lb_poll}};
    }
    return CS_OK;
}

void cs_vnet_close(struct cs_vnet *s)
{
    for (int i = 0; s->endpoints && i < s->ranks; i++)
        free(s->endpoints[i].inbox.v);
    free(s->endpoints);
    free(s->ready);
    free(s->feeders.v);
    cs_calq_free(&s->nodes);
}

/* ---- the roles, each woken at its own times ---- */

struct vrun {
    const struct cs_scenario *sc;
    struct cs_vnet net;
    int dispatchers, relays, nodes, first;
    struct cs_coord *coords;     /* [dispatchers] */
    int64_t *next_row;           /* [dispatchers]: when each rolls its next interval */
    struct cs_relay *rls;        /* [relays] */
    struct cs_node *ns;          /* [nodes] */
    struct cs_histogram service; /* every node's delivered service: one, shared */
    int64_t interval_ns;
    /* Turns and their work (arrivals, replies, messages) at one instant
     * beyond which virtual time stands still: a closed loop whose clients
     * ask again at once when turned away (or served in no time, with no
     * latency) goes round at one instant for ever, 256 arrivals a
     * dispatcher's turn. Far above what any instant holds (each rank,
     * client, server (jiq's idle tokens at 0) and trace line a few turns
     * and items of work). */
    uint64_t still_max;
    struct cs_virtual_stats *st;
    int64_t drawn_ns; /* when the progress line was last drawn (wall, monotonic); 0: never */
};

/* The role of rank r (role.h): its table and its state machine. */
static const struct cs_role_ops *role_of(const struct vrun *v, int r, void **self)
{
    if (r < v->dispatchers) {
        *self = &v->coords[r];
        return &cs_coord_role;
    }
    if (r < v->first) {
        *self = &v->rls[r - v->dispatchers];
        return &cs_relay_role;
    }
    *self = &v->ns[r - v->first];
    return &cs_node_role;
}

/* A rank takes one turn at its own time (a dispatcher's or a relay's work
 * moves that time on) and is woken again when it next has mail or work:
 * at once, or when its work is over, if it has some due already. One turn
 * at a time, so that what the other ranks do meanwhile (a reply, a token)
 * reaches it when it would on ranks. A dispatcher also rolls its
 * intervals, as mpi_run.c's clockwork does. The turn's work (role.h), or
 * <0. */
static int role_wake(struct vrun *v, int r)
{
    void *self;
    const struct cs_role_ops *ops = role_of(v, r, &self);
    struct cs_vendpoint *e = &v->net.endpoints[r];
    if (ops->done(self))
        return 0;
    int work = ops->turn(self, 0), rc;
    if (work < 0)
        return work;
    int64_t next = INT64_MAX;
    bool done = ops->done(self);
    if (r < v->dispatchers) {
        /* A stop signal (once the caller catches them, cs_stop_signal):
         * each dispatcher stops after its turn, at its own virtual time,
         * as on ranks, and drains for run.stop_grace_s of virtual time. */
        if (atomic_load_explicit(&cs_stop_signal, memory_order_relaxed) && !done && !cs_coord_stop_asked(&v->coords[r]))
            cs_coord_stop(&v->coords[r], e->now, (int64_t)llround(v->sc->run.stop_grace_s * 1e9));
        struct cs_interval_row row;
        if (e->now >= v->next_row[r]) {
            cs_coord_interval(&v->coords[r], e->now, &row);
            v->next_row[r] += v->interval_ns;
        }
        if (done)
            cs_coord_interval(&v->coords[r], e->now, &row); /* the last, partial interval */
        next = v->next_row[r];
        /* Its replies may wait for its next turn while nothing reads what
         * they change before it (free messages; cs_coord_replies_wait). */
        e->holds = !done && v->net.instant && v->net.message_ns == 0 && cs_coord_replies_wait(&v->coords[r]);
    }
    if (done)
        return work;
    int64_t due = ops->next_event(self);
    if (due < next)
        next = due;
    rc = wake_next(&v->net, r, next > e->now ? next : e->now);
    return rc < 0 ? rc : work;
}

/* A message that arrives at this instant for a rank that has nothing
 * else due then, handed to it at once: one turn and one letter less.
 * A request for a node with no letter waiting, no service ending and no
 * turn to come: it does what its turn would, and is woken when its work
 * is next due. A reply for a dispatcher whose mail waits (holds) and
 * none has: taken as it would be at its next turn, at its own time. */
static int deliver(struct cs_vnet *s, int rank, const struct cs_msg *m, int n, int src)
{
    struct vrun *v = (struct vrun *)(void *)((char *)s - offsetof(struct vrun, net));
    struct cs_vendpoint *e = &s->endpoints[rank];
    e->now = s->now;
    if (rank < v->dispatchers) {
        cs_coord_deliver(&v->coords[rank], m, n, src);
        return CS_OK;
    }
    struct cs_node *nd = &v->ns[rank - v->first];
    if (nd->shutdown)
        return CS_OK; /* (a letter to it would stay unread) */
    int rc = cs_node_deliver(nd, m, n, src);
    if (rc != CS_OK || nd->shutdown)
        return rc;
    int64_t next = cs_node_next_deadline(nd);
    return wake(s, next > e->now ? next : e->now, rank, WAKE_WORK);
}

/* Set up every role of the plan at time 0: the nodes first (with jiq,
 * their servers say they are idle), their faults' edges as wake-ups,
 * then the relays and the dispatchers, each due at once. */
static int start_roles(struct vrun *v, const struct cs_trace *trace)
{
    const struct cs_scenario *sc = v->sc;
    struct cs_vnet *s = &v->net;
    int rc;
    for (int i = 0; i < v->nodes; i++) {
        struct cs_node *n = &v->ns[i];
        int rank = v->first + i;
        if ((rc = cs_node_start(n, sc, rank, v->nodes, &s->endpoints[rank].tp, &s->endpoints[rank].clock, 0,
                                &v->service)) != CS_OK)
            return rc;
        if (n->tell_idle && (rc = cs_node_advance(n, 0, 0)) < 0)
            return rc;
        /* A node looks at its faults when it is woken: at their edges. */
        for (int f = 0; f < n->faults_n; f++) {
            const struct cs_fault *fl = &n->faults[f];
            if ((rc = wake_edge(s, (int64_t)llround(fl->at_s * 1e9), rank)) ||
                (fl->for_s > 0 && (rc = wake_edge(s, (int64_t)llround((fl->at_s + fl->for_s) * 1e9), rank))))
                return rc;
        }
    }
    for (int i = 0; i < v->relays; i++) {
        int rank = v->dispatchers + i;
        if ((rc = cs_relay_start(&v->rls[i], sc, rank, v->nodes, &s->endpoints[rank].tp, &s->endpoints[rank].clock,
                                 0)) ||
            (rc = wake(s, 0, rank, WAKE_WORK)))
            return rc;
    }
    for (int d = 0; d < v->dispatchers; d++) {
        struct cs_place p = cs_plan_place(sc, v->nodes, d);
        struct cs_coord_part part = {d, v->dispatchers, p.first_rank, v->nodes};
        if ((rc = cs_coord_init_part(&v->coords[d], sc, &part, p.count, d == 0 ? trace : NULL, &s->endpoints[d].tp,
                                     &s->endpoints[d].clock, 0)) ||
            (rc = wake(s, 0, d, WAKE_WORK)))
            return rc;
        v->next_row[d] = v->interval_ns;
    }
    return CS_OK;
}

/* A dispatcher whose mail waited (cs_vendpoint.holds) takes it before
 * its turn at s->now: each message that arrived before then, at its own
 * time, as it would have when it came. */
static int take_held(struct vrun *v, int r)
{
    struct cs_vendpoint *e = &v->net.endpoints[r];
    int64_t at;
    while ((at = inbox_next(&e->inbox)) < v->net.now) {
        if (e->now < at)
            e->now = at;
        int rc = cs_coord_take(&v->coords[r]);
        if (rc < 0)
            return rc;
    }
    return CS_OK;
}

/* The live progress line, at most 4 times a wall second (final: cleared
 * once drawn). Looked at every PROGRESS_EVENTS wake-ups: a few
 * milliseconds of them, and no clock read on the others. */
#define PROGRESS_EVENTS 16384
static void progress(struct vrun *v, bool final)
{
    FILE *out = v->st->progress;
    struct timespec ts;
    if (!out || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return;
    int64_t wall = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (final ? v->drawn_ns == 0 : v->drawn_ns != 0 && wall - v->drawn_ns < 250000000)
        return;
    v->drawn_ns = wall;
    cs_coord_progress_draw(out, &v->coords[0], v->net.now, final);
}

/* Node r's service end comes up: ask for the cache lines its look will
 * read, to be on their way while the driver gets there: beyond its own,
 * asked for when it came up next (below), its queue's next request and,
 * at its dispatcher, the attempt its reply will name; and the next
 * service end's node's own. At 1,000 nodes these are in the second-level
 * cache, at 100,000 in memory: runs 4% and 36% faster (docs/reference.md,
 * the virtual engine). */
static void look_ahead(struct vrun *v, int r)
{
    struct cs_vnet *s = &v->net;
    const struct cs_node *n = &v->ns[r - v->first];
    const struct cs_server *sv = cs_node_sole_server(n);
    if (sv && (unsigned)sv->src < (unsigned)v->dispatchers)
        cs_coord_prefetch_reply(&v->coords[sv->src], sv->id);
    cs_node_prefetch_queue(n);
    struct cs_due next;
    if (cs_calq_peek(&s->nodes, &next)) {
        int nr = wake_rank(s, next.id);
        __builtin_prefetch(&s->endpoints[nr]);
        cs_node_prefetch(&v->ns[nr - v->first]);
    }
}

/* The wake-ups in time order until none is left: every dispatcher done,
 * every relay and node shut down. */
static int run_events(struct vrun *v)
{
    struct cs_vnet *s = &v->net;
    uint64_t still = 0, still_max = v->still_max; /* turns taken and work done at s->now */
    unsigned tick = PROGRESS_EVENTS;
    for (;;) {
        if (__builtin_expect(--tick == 0, 0)) {
            tick = PROGRESS_EVENTS;
            progress(v, false);
        }
        struct cs_due w = {0, 0};
        bool node, any = wakes_first(s, &w, &node);
        if (!any && s->ready_n == 0)
            break;
        int r, rc;
        /* Those woken at this instant once the queues have none left at
         * it: a dispatcher then takes at one turn all the replies (posted
         * as letters) of the nodes whose services end at this instant, as
         * on ranks. */
        if (s->ready_n > 0 && (!any || w.at_ns > s->now)) {
            r = s->ready[--s->ready_n];
            s->endpoints[r].flagged = false;
        } else {
            int kind = (int)((uint32_t)w.id % 4);
            r = wake_rank(s, w.id);
            if (node) {
                cs_calq_pop(&s->nodes);
                look_ahead(v, r);
            } else {
                cs_heap_pop(s->feeders.v, &s->feeders.n);
            }
            if (kind != WAKE_EDGE) {
                if (w.at_ns != s->endpoints[r].due[kind]) { /* a later look moved it */
                    if (kind == WAKE_WORK && w.at_ns == s->endpoints[r].left)
                        s->endpoints[r].left = INT64_MAX;
                    continue;
                }
                s->endpoints[r].due[kind] = INT64_MAX;
            }
            still = w.at_ns == s->now ? still : 0;
            s->now = w.at_ns;
        }
        if (__builtin_expect(++still > still_max, 0))
            return CS_E_STUCK;
        struct cs_vendpoint *e = &s->endpoints[r];
        if (e->holds && (rc = take_held(v, r)) != CS_OK)
            return rc;
        if (e->now < s->now)
            e->now = s->now;
        if (r < v->first && e->now > s->now) { /* busy until then: everything before comes first */
            if ((rc = wake(s, e->now, r, WAKE_WORK)) != CS_OK)
                return rc;
            continue;
        }
        s->turning = r;
        rc = role_wake(v, r);
        s->turning = -1;
        if (rc < 0)
            return rc;
        still += (uint64_t)rc; /* what it did: a turn of 256 arrivals turned away counts 256 */
    }
    return CS_OK;
}

void cs_virtual_label(struct cs_results *r)
{
    snprintf(r->library, sizeof(r->library), "virtual time (no MPI)");
    for (int i = 0; i < r->ranks; i++) {
        struct cs_rank_info *info = &r->rank_info[i];
        snprintf(info->host, sizeof(info->host), "virtual");
        info->host_ranks = info->host_cores = r->ranks;
        info->cpu_ns = -1; /* no ranks, no CPU time of theirs */
    }
}

/* What each rank reports, gathered as mpi_run.c gathers it: the nodes'
 * counters, put in place (their histogram is one already), the first
 * dispatcher's measures, the other dispatchers' and the relays' added to
 * them. */
static int collect(struct vrun *v, struct cs_results *r)
{
    struct cs_dispatch_report *d = malloc(sizeof(*d));
    if (!d)
        return CS_E_NOMEM;
    cs_virtual_label(r);
    for (int i = 0; i < v->nodes; i++)
        memcpy(r->nodes[i].counters, v->ns[i].counters, sizeof(r->nodes[0].counters));
    struct cs_coord_measures m;
    cs_coord_measures(&v->coords[0], &m);
    cs_results_collect_placed(r, v->sc, &m, &v->service);
    r->scenario.run.engine = CS_ENGINE_VIRTUAL; /* (a test's scenario may not say so) */
    for (int k = 1; k < v->dispatchers; k++) {
        cs_coord_measures(&v->coords[k], &m);
        cs_dispatch_report_fill(d, k, &m);
        cs_results_add_dispatcher(r, d, m.node_completed, m.node_wait_ns);
    }
    for (int i = 0; i < v->relays; i++) {
        const struct cs_relay *rl = &v->rls[i];
        struct cs_relay_report rr = {.rank = v->dispatchers + i, .first_node = rl->first_node, .nodes = rl->nodes};
        memcpy(rr.counters, rl->counters, sizeof(rr.counters));
        cs_results_add_relay(r, &rr);
    }
    cs_results_analyze(r);
    free(d);
    return CS_OK;
}

int cs_virtual_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
                   struct cs_virtual_stats *stats)
{
    struct cs_virtual_stats local = {0};
    struct vrun v = {.sc = sc, .st = stats ? stats : &local};
    *v.st = (struct cs_virtual_stats){.letters_only = v.st->letters_only, .progress = v.st->progress}; /* (its ins) */
    v.dispatchers = sc->dispatch.dispatchers;
    v.relays = sc->dispatch.relays;
    v.first = cs_first_node(sc);
    v.nodes = nodes;
    v.interval_ns = (int64_t)(sc->run.interval_ms * 1e6);
    v.still_max = 1000000 + 64 * ((uint64_t)cs_plan_ranks(sc, nodes) + (uint64_t)sc->load.clients +
                                  (uint64_t)nodes * (uint64_t)cs_nodes_servers_max(sc, v.first, nodes) +
                                  (trace ? (uint64_t)trace->n : 0));
    cs_hist_init(&v.service);
    int rc = cs_vnet_open(&v.net, cs_plan_ranks(sc, nodes), v.first);
    v.coords = calloc((size_t)v.dispatchers, sizeof(*v.coords));
    v.next_row = calloc((size_t)v.dispatchers, sizeof(*v.next_row));
    v.rls = calloc((size_t)(v.relays > 0 ? v.relays : 1), sizeof(*v.rls));
    v.ns = per_rank((size_t)nodes, sizeof(*v.ns));
    if (rc || !v.coords || !v.next_row || !v.rls || !v.ns) {
        rc = CS_E_NOMEM;
        goto out;
    }
    v.net.latency_ns = (int64_t)llround(sc->network.latency_us * 1e3);
    v.net.message_ns = (int64_t)llround(sc->model.coordinator_message_us * 1e3);
    v.net.instant = !v.st->letters_only;
    rc = start_roles(&v, trace);
    if (rc == CS_OK) {
        rc = run_events(&v);
        progress(&v, true);
    }
    if (rc || (rc = collect(&v, r)))
        goto out;
    v.st->messages = v.net.messages;
    for (int i = 0; i < nodes; i++)
        if (v.ns[i].depth_max > v.st->max_node_depth)
            v.st->max_node_depth = v.ns[i].depth_max;
    for (int d = 0; d < v.dispatchers; d++) {
        const struct cs_coord *c = &v.coords[d];
        const struct cs_ring *rings[] = {&c->deadlines, &c->resend_deadlines, &c->retries, &c->hedges};
        for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
            if (rings[i]->cap > v.st->ring_cap)
                v.st->ring_cap = rings[i]->cap;
    }
out:
    for (int i = 0; v.ns && i < nodes; i++)
        cs_node_free(&v.ns[i]);
    for (int i = 0; v.rls && i < v.relays; i++)
        cs_relay_free(&v.rls[i]);
    for (int d = 0; v.coords && d < v.dispatchers; d++)
        cs_coord_free(&v.coords[d]);
    free(v.ns);
    free(v.rls);
    free(v.coords);
    free(v.next_row);
    cs_vnet_close(&v.net);
    return rc;
}

double cs_virtual_bytes(const struct cs_scenario *sc, int nodes)
{
    /* Measured peaks (/usr/bin/time) with room to spare: about 940 bytes a
     * node with one dispatcher and one server; each further server 46
     * bytes a node; each further dispatcher 280 KB and 16 bytes for each
     * node it may send to. */
    const double per_node = 1400, per_request = 160, fixed = 16e6, per_server = 64, per_dispatcher = 400e3,
                 per_dispatcher_node = 24;
    int ranks = cs_plan_ranks(sc, nodes);
    int servers = nodes > 0 ? cs_nodes_servers_max(sc, cs_first_node(sc), nodes) : 1;
    int dispatchers = sc->dispatch.dispatchers;
    double reach = sc->dispatch.partition == CS_PARTITION_SHARDED ? (double)nodes / dispatchers : nodes;
    double rate = cs_scenario_handled_rps(sc, nodes);
    for (int i = 0; i < sc->sweep.rates_n; i++)
        rate = fmax(rate, sc->sweep.rates_rps[i]);
    /* Requests out at once: two mean service times' worth at the offered
     * rate, but never more than the run holds (each dispatcher's queue
     * and its windows to the nodes), nor than it offers in all (a short
     * run of long services), nor than its clients. */
    double out = rate * sc->service.time.mean_us * 1e-6 * 2;
    double held = dispatchers * ((double)sc->dispatch.max_pending +
                                 (double)nodes * fmax(sc->dispatch.window, (double)servers * sc->dispatch.prefetch));
    double offered = cs_arrival_kinds[sc->load.arrival].source == CS_SOURCE_CLOSED
                         ? (double)sc->load.clients
                         : rate * (sc->load.warmup_s + sc->load.duration_s) + 1;
    out = fmin(out, fmin(held, offered));
    return fixed + per_node * ranks + per_request * (isfinite(out) ? out : 0) +
           per_server * (double)nodes * (servers - 1) +
           (dispatchers - 1) * (per_dispatcher + per_dispatcher_node * reach);
}

static int larger_first(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The sizes of a sweep's steps, as its plan makes them (cs_sweep_run). */
struct step_sizes {
    double bytes[CS_SWEEP_MAX];
    int n;
    struct cs_virtual_step largest;
};

static int size_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    (void)i;
    (void)n;
    struct step_sizes *z = arg;
    memset(row, 0, sizeof(*row));
    double b = cs_virtual_bytes(step, nodes);
    if (z->n == 0 || b > z->largest.bytes)
        z->largest = (struct cs_virtual_step){b, nodes, cs_scenario_rate(step, nodes)};
    z->bytes[z->n++] = b;
    return 0;
}

double cs_virtual_sweep_bytes(const struct cs_scenario *sc, bool sweep, int local, struct cs_virtual_step *largest)
{
    static struct step_sizes z;
    static struct cs_sweep_row rows[CS_SWEEP_MAX];
    char err[CS_ERRBUF];
    z.n = 0;
    if (!sweep || cs_sweep_run(sc, sc->run.nodes, size_step, &z, rows, NULL, NULL, err, sizeof(err)) <= 0) {
        z.n = 0; /* one run (or a plan that is wrong: the sweep itself says so) */
        size_step(&z, 0, 1, sc, sc->run.nodes, rows);
    }
    *largest = z.largest;
    qsort(z.bytes, (size_t)z.n, sizeof(z.bytes[0]), larger_first);
    double together = 0;
    for (int i = 0; i < local && i < z.n; i++)
        together += z.bytes[i];
    return together;
}
