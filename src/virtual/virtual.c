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
#include "cs/heap.h"

static int lb_send(void *ctx, int dest, const struct cs_msg *m)
{
    struct cs_vendpoint *e = ctx;
    if (dest < 0 || dest >= e->net->ranks)
        return CS_E_TRANSPORT;
    struct cs_vnet *s = e->net;
    s->sent++;
    if (dest > 0 && !s->flagged[dest]) {
        s->flagged[dest] = true;
        s->touched[s->touched_n++] = dest;
    }
    struct cs_vletter l = {*m, e->rank};
    return cs_ring_push(&s->inbox[dest], &l);
}

static int lb_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct cs_vendpoint *e = ctx;
    struct cs_ring *q = &e->net->inbox[e->rank];
    if (q->count == 0)
        return 0;
    const struct cs_vletter *l = cs_ring_front(q);
    *m = l->msg;
    *src = l->src;
    cs_ring_pop(q);
    return 1;
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
    s->clock = (struct cs_clock){v_now, v_spin, s};
    s->inbox = calloc((size_t)ranks, sizeof(*s->inbox));
    s->endpoints = calloc((size_t)ranks, sizeof(*s->endpoints));
    s->tps = calloc((size_t)ranks, sizeof(*s->tps));
    s->touched = calloc((size_t)ranks, sizeof(*s->touched));
    s->flagged = calloc((size_t)ranks, sizeof(*s->flagged));
    if (!s->inbox || !s->endpoints || !s->tps || !s->touched || !s->flagged)
        return CS_E_NOMEM;
    for (int i = 0; i < ranks; i++) {
        cs_ring_init(&s->inbox[i], sizeof(struct cs_vletter), 256, INT32_MAX);
        s->endpoints[i] = (struct cs_vendpoint){s, i};
        s->tps[i] = (struct cs_transport){&s->endpoints[i], lb_send, lb_poll};
    }
    return CS_OK;
}

void cs_vnet_close(struct cs_vnet *s)
{
    for (int i = 0; s->inbox && i < s->ranks; i++)
        cs_ring_free(&s->inbox[i]);
    free(s->inbox);
    free(s->endpoints);
    free(s->tps);
    free(s->touched);
    free(s->flagged);
}

/* ---- node wake-ups: a growable min-heap of (time, node) ---- */

struct wakes {
    struct cs_due *v;
    int n, cap;
};

static int wake_push(struct wakes *h, int64_t t, int node)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 1024;
        struct cs_due *v = realloc(h->v, (size_t)cap * sizeof(*v));
        if (!v)
            return CS_E_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    cs_heap_push(h->v, &h->n, t, node);
    return CS_OK;
}

/* Let the nodes with something to do at this instant do it: those with
 * mail, and those whose wake-up time has come (a service ends, a fault
 * starts or ends). A node that is not woken is not looked at, so an event
 * costs what it touches, not the number of nodes. due[i] is node i's next
 * service end as last pushed; a wake-up that is no longer due only costs
 * a look. */
static int settle_nodes(struct cs_vnet *s, struct cs_node *nodes, struct wakes *w, int64_t *due,
                        struct cs_virtual_stats *st)
{
    for (;;) {
        while (w->n > 0 && w->v[0].at_ns <= s->now) {
            int r = cs_heap_pop(w->v, &w->n).id + 1;
            if (!s->flagged[r]) {
                s->flagged[r] = true;
                s->touched[s->touched_n++] = r;
            }
        }
        if (s->touched_n == 0)
            return CS_OK;
        int r = s->touched[--s->touched_n];
        s->flagged[r] = false;
        struct cs_node *n = &nodes[r - 1];
        struct cs_msg m;
        int src, rc;
        while ((rc = s->tps[r].poll(s->tps[r].ctx, &m, &src)) > 0) {
            rc = cs_node_on_message(n, &m, s->now);
            if (rc)
                return rc;
            int depth = n->queue.count + n->busy;
            if (depth > st->max_node_depth)
                st->max_node_depth = depth;
        }
        while ((rc = cs_node_advance(n, s->now, 0)) > 0)
            ;
        if (rc < 0)
            return rc;
        int64_t d = cs_node_next_deadline(n);
        if (d != due[r - 1]) {
            due[r - 1] = d;
            if (d != INT64_MAX && wake_push(w, d, r - 1) != CS_OK)
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
    struct wakes w = {0};
    if (rc || !ns || !reports || !due) {
        rc = CS_E_NOMEM;
        goto out;
    }
    for (int i = 0; i < nodes; i++) {
        rc = cs_node_start(&ns[i], sc, i + 1, &s.tps[i + 1], 0);
        if (rc)
            goto out;
        due[i] = INT64_MAX;
        /* A node looks at its faults when it is woken: at their edges. */
        for (int f = 0; f < ns[i].faults_n && rc == CS_OK; f++) {
            const struct cs_fault *fl = &ns[i].faults[f];
            rc = wake_push(&w, (int64_t)llround(fl->at_s * 1e9), i);
            if (rc == CS_OK && fl->for_s > 0)
                rc = wake_push(&w, (int64_t)llround((fl->at_s + fl->for_s) * 1e9), i);
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
    while (!cs_coord_done(&c)) {
        rc = cs_coord_turn(&c);
        if (rc < 0)
            goto out;
        if (s.now >= next_row) {
            cs_coord_interval(&c, s.now, &row);
            next_row += interval_ns;
        }
        rc = settle_nodes(&s, ns, &w, due, st);
        if (rc)
            goto out;
        if (s.inbox[0].count > 0)
            continue; /* replies to take at this instant */
        int64_t next = cs_coord_next_event(&c);
        if (w.n > 0 && w.v[0].at_ns < next)
            next = w.v[0].at_ns;
        if (next == INT64_MAX)
            continue;
        if (next > next_row)
            next = next_row;
        if (next > s.now)
            s.now = next;
    }
    cs_coord_interval(&c, s.now, &row);     /* the last, partial interval */
    rc = settle_nodes(&s, ns, &w, due, st); /* the nodes take their shutdown */
    if (rc)
        goto out;

    snprintf(r->library, sizeof(r->library), "virtual time (no MPI)");
    for (int i = 0; i <= nodes; i++) {
        snprintf(reports[i].info.host, sizeof(reports[i].info.host), "virtual");
        reports[i].info.host_ranks = nodes + 1;
        reports[i].info.host_cores = nodes + 1;
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
    st->messages = s.sent;
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
    free(w.v);
    cs_coord_free(&c);
    cs_vnet_close(&s);
    return rc;
}
