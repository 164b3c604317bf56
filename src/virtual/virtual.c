/*
 * The virtual-time engine: an in-process loopback transport and a
 * discrete-event driver that runs the real coordinator and service-node
 * state machines, with the same message protocol as the MPI engine, in
 * virtual time. See virtual.h.
 */
#include "cs/virtual.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"

/* ---- inboxes: a min-heap of letters by (arrival time, sending order) ---- */

static bool letter_before(const struct cs_vletter *a, const struct cs_vletter *b)
{
    return a->at_ns < b->at_ns || (a->at_ns == b->at_ns && a->seq < b->seq);
}

static int inbox_push(struct cs_vinbox *h, const struct cs_vletter *l)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 16;
        struct cs_vletter *v = realloc(h->v, (size_t)cap * sizeof(*v));
        if (!v)
            return CS_E_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    int i = h->n++;
    while (i > 0 && letter_before(l, &h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = *l;
    return CS_OK;
}

static void inbox_pop(struct cs_vinbox *h)
{
    struct cs_vletter last = h->v[--h->n];
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
    if (h->n > 0)
        h->v[i] = last;
}

/* When the next letter arrives, INT64_MAX when none is on its way. */
static int64_t inbox_next(const struct cs_vinbox *h)
{
    return h->n > 0 ? h->v[0].at_ns : INT64_MAX;
}

static void flag(struct cs_vnet *s, int rank)
{
    if (!s->flagged[rank]) {
        s->flagged[rank] = true;
        s->touched[s->touched_n++] = rank;
    }
}

static int wake_push(struct cs_vnet *s, int64_t t, int node);

/* A letter is posted at its sender's time: the coordinator's, after its
 * work for the message, or the node event's. A node is woken when it
 * arrives. */
static int lb_send(void *ctx, int dest, const struct cs_msg *m, int n)
{
    struct cs_vendpoint *e = ctx;
    struct cs_vnet *s = e->net;
    if (dest < 0 || dest >= s->ranks || n < 1 || n > CS_BATCH_MAX)
        return CS_E_TRANSPORT;
    if (e->rank == 0)
        s->now += s->message_ns;
    int64_t at = (e->rank == 0 ? s->now : s->node_now) + s->latency_ns;
    int rc = CS_OK;
    s->messages++;
    for (int i = 0; i < n && rc == CS_OK; i++)
        rc = inbox_push(&s->inbox[dest], &(struct cs_vletter){m[i], e->rank, i == 0 ? n : 0, at, s->sent++});
    if (rc == CS_OK && dest > 0)
        rc = at <= s->now ? (flag(s, dest), CS_OK) : wake_push(s, at, dest - 1);
    return rc;
}

/* The next message that has arrived by the receiver's time: its letters. */
static int lb_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct cs_vendpoint *e = ctx;
    struct cs_vnet *s = e->net;
    struct cs_vinbox *q = &s->inbox[e->rank];
    if (inbox_next(q) > (e->rank == 0 ? s->now : s->node_now))
        return 0;
    int n = q->v[0].items;
    *src = q->v[0].src;
    for (int i = 0; i < n; i++) {
        m[i] = q->v[0].msg;
        inbox_pop(q);
    }
    if (e->rank == 0)
        s->now += s->message_ns;
    return n;
}

static int64_t v_now(void *ctx)
{
    return ((struct cs_vnet *)ctx)->now;
}

static void v_spin(void *ctx, int64_t ns)
{
    ((struct cs_vnet *)ctx)->now += ns;
}

int cs_vnet_open(struct cs_vnet *s, int ranks)
{
    memset(s, 0, sizeof(*s));
    s->ranks = ranks;
    s->clock = (struct cs_clock){v_now, v_spin, v_spin, s};
    s->inbox = calloc((size_t)ranks, sizeof(*s->inbox));
    s->endpoints = calloc((size_t)ranks, sizeof(*s->endpoints));
    s->tps = calloc((size_t)ranks, sizeof(*s->tps));
    s->touched = calloc((size_t)ranks, sizeof(*s->touched));
    s->flagged = calloc((size_t)ranks, sizeof(*s->flagged));
    if (!s->inbox || !s->endpoints || !s->tps || !s->touched || !s->flagged)
        return CS_E_NOMEM;
    for (int i = 0; i < ranks; i++) {
        s->endpoints[i] = (struct cs_vendpoint){s, i};
        s->tps[i] = (struct cs_transport){&s->endpoints[i], lb_send, lb_poll};
    }
    return CS_OK;
}

void cs_vnet_close(struct cs_vnet *s)
{
    for (int i = 0; s->inbox && i < s->ranks; i++)
        free(s->inbox[i].v);
    free(s->inbox);
    free(s->endpoints);
    free(s->tps);
    free(s->touched);
    free(s->flagged);
    free(s->wakes);
}

/* ---- node wake-ups: a growable min-heap of (time, node) ---- */

static int wake_push(struct cs_vnet *s, int64_t t, int node)
{
    if (s->wakes_n == s->wakes_cap) {
        int cap = s->wakes_cap ? 2 * s->wakes_cap : 1024;
        struct cs_due *v = realloc(s->wakes, (size_t)cap * sizeof(*v));
        if (!v)
            return CS_E_NOMEM;
        s->wakes = v;
        s->wakes_cap = cap;
    }
    cs_heap_push(s->wakes, &s->wakes_n, t, node);
    return CS_OK;
}

/* One node's events up to the coordinator's time, each at its own time:
 * service ends and letters, in time order. */
static int node_catch_up(struct cs_vnet *s, struct cs_node *n, int r, struct cs_virtual_stats *st)
{
    struct cs_vinbox *q = &s->inbox[r];
    int rc;
    for (;;) {
        int64_t letter = inbox_next(q), end = cs_node_next_deadline(n);
        int64_t t = letter < end ? letter : end;
        if (t > s->now)
            break;
        s->node_now = t;
        if (end <= t && (rc = cs_node_advance(n, t, 0)) < 0)
            return rc;
        struct cs_msg m[CS_BATCH_MAX];
        int src;
        while ((rc = lb_poll(&s->endpoints[r], m, &src)) > 0) {
            if ((rc = cs_node_on_message(n, m, rc, src, t)) != CS_OK)
                return rc;
            int depth = n->queue.count + n->busy;
            if (depth > st->max_node_depth)
                st->max_node_depth = depth;
        }
        if ((rc = cs_node_advance(n, t, 0)) < 0)
            return rc;
        if (n->shutdown)
            break;
    }
    /* A fault's edge with nothing else due: the node looks at itself. */
    if (n->faults_n > 0) {
        s->node_now = s->now;
        if ((rc = cs_node_advance(n, s->now, 0)) < 0)
            return rc;
    }
    return CS_OK;
}

/* Let the nodes with something to do by now do it: those with mail, and
 * those whose wake-up time has come (a letter arrives, a service ends, a
 * fault starts or ends). A node that is not woken is not looked at, so an
 * event costs what it touches, not the number of nodes. due[i] is node
 * i's next service end as last pushed; a wake-up that is no longer due
 * only costs a look. */
static int settle_nodes(struct cs_vnet *s, struct cs_node *nodes, int64_t *due, struct cs_virtual_stats *st)
{
    for (;;) {
        while (s->wakes_n > 0 && s->wakes[0].at_ns <= s->now)
            flag(s, cs_heap_pop(s->wakes, &s->wakes_n).id + 1);
        if (s->touched_n == 0)
            return CS_OK;
        int r = s->touched[--s->touched_n];
        s->flagged[r] = false;
        struct cs_node *n = &nodes[r - 1];
        int rc = node_catch_up(s, n, r, st);
        if (rc)
            return rc;
        int64_t d = cs_node_next_deadline(n);
        if (d != due[r - 1]) {
            due[r - 1] = d;
            if (d != INT64_MAX && wake_push(s, d, r - 1) != CS_OK)
                return CS_E_NOMEM;
        }
    }
}

int cs_virtual_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
                   struct cs_virtual_stats *stats)
{
    struct cs_virtual_stats local = {0};
    struct cs_virtual_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof(*st));
    struct cs_vnet s;
    int rc = cs_vnet_open(&s, nodes + 1);
    struct cs_node *ns = calloc((size_t)nodes, sizeof(*ns));
    struct cs_coord c;
    memset(&c, 0, sizeof(c));
    struct cs_rank_report *reports = calloc((size_t)nodes + 1, sizeof(*reports));
    int64_t *due = calloc((size_t)nodes + 1, sizeof(*due));
    if (rc || !ns || !reports || !due) {
        rc = CS_E_NOMEM;
        goto out;
    }
    s.latency_ns = (int64_t)llround(sc->network.latency_us * 1e3);
    s.message_ns = (int64_t)llround(sc->model.coordinator_message_us * 1e3);
    for (int i = 0; i < nodes; i++) {
        rc = cs_node_start(&ns[i], sc, i + 1, nodes, &s.tps[i + 1], 0);
        if (rc == CS_OK && ns[i].tell_idle) { /* jiq: its servers say they are idle */
            int told = cs_node_advance(&ns[i], 0, 0);
            rc = told < 0 ? told : CS_OK;
        }
        if (rc)
            goto out;
        due[i] = INT64_MAX;
        /* A node looks at its faults when it is woken: at their edges. */
        for (int f = 0; f < ns[i].faults_n && rc == CS_OK; f++) {
            const struct cs_fault *fl = &ns[i].faults[f];
            rc = wake_push(&s, (int64_t)llround(fl->at_s * 1e9), i);
            if (rc == CS_OK && fl->for_s > 0)
                rc = wake_push(&s, (int64_t)llround((fl->at_s + fl->for_s) * 1e9), i);
        }
        if (rc)
            goto out;
    }
    rc = cs_coord_init(&c, sc, nodes, trace, &s.tps[0], &s.clock, 0);
    if (rc)
        goto out;

    /* Intervals every run.interval_ms, as mpi_run.c rolls them. */
    int64_t interval_ns = (int64_t)(sc->run.interval_ms * 1e6), next_row = interval_ns;
    struct cs_interval_row row;
    bool turn = true;
    while (!cs_coord_done(&c)) {
        if (turn && (rc = cs_coord_turn(&c)) < 0)
            goto out;
        if (s.now >= next_row) {
            cs_coord_interval(&c, s.now, &row);
            next_row += interval_ns;
        }
        rc = settle_nodes(&s, ns, due, st);
        if (rc)
            goto out;
        int64_t next = cs_coord_next_event(&c), mail = inbox_next(&s.inbox[0]);
        turn = true;
        if (mail <= s.now || next <= s.now)
            continue; /* replies to take, or work due, at this instant */
        if (mail < next)
            next = mail;
        if (s.wakes_n > 0 && s.wakes[0].at_ns < next)
            next = s.wakes[0].at_ns;
        if (next == INT64_MAX)
            continue;
        if (next > next_row)
            next = next_row;
        if (next > s.now)
            s.now = next;
        /* The nodes due now act first; the coordinator turns only when
         * that gave it mail or it has something of its own due (a node
         * marked down is probed on its turns, so those keep coming). */
        rc = settle_nodes(&s, ns, due, st);
        if (rc)
            goto out;
        turn = inbox_next(&s.inbox[0]) <= s.now || cs_coord_next_event(&c) <= s.now || c.nodes_down > 0;
    }
    cs_coord_interval(&c, s.now, &row); /* the last, partial interval */
    s.now += s.latency_ns;              /* the nodes take their shutdown */
    rc = settle_nodes(&s, ns, due, st);
    if (rc)
        goto out;

    snprintf(r->library, sizeof(r->library), "virtual time (no MPI)");
    for (int i = 0; i <= nodes; i++) {
        snprintf(reports[i].info.host, sizeof(reports[i].info.host), "virtual");
        reports[i].info.host_ranks = nodes + 1;
        reports[i].info.host_cores = nodes + 1;
        reports[i].info.cpu_ns = -1; /* no ranks, no CPU time of theirs */
        cs_hist_init(&reports[i].service);
        if (i > 0) {
            memcpy(reports[i].counters, ns[i - 1].counters, sizeof(reports[i].counters));
            reports[i].service = ns[i - 1].service;
        }
    }
    struct cs_coord_measures m;
    cs_coord_measures(&c, &m);
    cs_results_collect(r, sc, &m, reports);
    cs_results_analyze(r);
    st->messages = s.messages;
    const struct cs_ring *rings[] = {&c.deadlines, &c.resend_deadlines, &c.retries, &c.hedges};
    for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++)
        if (rings[i]->cap > st->ring_cap)
            st->ring_cap = rings[i]->cap;
out:
    for (int i = 0; ns && i < nodes; i++)
        cs_node_free(&ns[i]);
    free(ns);
    free(reports);
    free(due);
    cs_coord_free(&c);
    cs_vnet_close(&s);
    return rc;
}
