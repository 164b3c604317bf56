/*
 * Loopback transport and virtual-time driver for the unit tests. See
 * sim.h. It drives the same state machines as mpi_run.c does, with the
 * same message protocol, so what passes here is the logic MPI runs.
 */
#include "sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"

static int lb_send(void *ctx, int dest, const struct cs_msg *m)
{
    struct sim_endpoint *e = ctx;
    if (dest < 0 || dest >= e->sim->ranks)
        return CS_E_TRANSPORT;
    e->sim->sent++;
    struct sim_letter l = {*m, e->rank};
    return cs_ring_push(&e->sim->inbox[dest], &l);
}

static int lb_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct sim_endpoint *e = ctx;
    struct cs_ring *q = &e->sim->inbox[e->rank];
    if (q->count == 0)
        return 0;
    const struct sim_letter *l = cs_ring_front(q);
    *m = l->msg;
    *src = l->src;
    cs_ring_pop(q);
    return 1;
}

static int64_t v_now(void *ctx)
{
    return ((struct sim *)ctx)->now;
}

static void v_spin(void *ctx, int64_t ns)
{
    ((struct sim *)ctx)->now += ns;
}

int sim_open(struct sim *s, int ranks)
{
    memset(s, 0, sizeof(*s));
    s->ranks = ranks;
    s->clock = (struct cs_clock){v_now, v_spin, s};
    s->inbox = calloc((size_t)ranks, sizeof(*s->inbox));
    s->endpoints = calloc((size_t)ranks, sizeof(*s->endpoints));
    s->tps = calloc((size_t)ranks, sizeof(*s->tps));
    if (!s->inbox || !s->endpoints || !s->tps)
        return CS_E_NOMEM;
    for (int i = 0; i < ranks; i++) {
        cs_ring_init(&s->inbox[i], sizeof(struct sim_letter), 256, INT32_MAX);
        s->endpoints[i] = (struct sim_endpoint){s, i};
        s->tps[i] = (struct cs_transport){&s->endpoints[i], lb_send, lb_poll};
    }
    return CS_OK;
}

void sim_close(struct sim *s)
{
    for (int i = 0; s->inbox && i < s->ranks; i++)
        cs_ring_free(&s->inbox[i]);
    free(s->inbox);
    free(s->endpoints);
    free(s->tps);
}

void sim_scenario(struct cs_scenario *sc, const char *json)
{
    char err[CS_ERRBUF] = "";
    int rc = cs_scenario_parse(sc, json, strlen(json), err, sizeof(err));
    if (rc != CS_OK)
        fail_msg("scenario did not parse: %s", err);
}

/* Let every node take its messages and finish what is due, until no
 * node has anything left to do at this instant. */
static int settle_nodes(struct sim *s, struct cs_node *nodes, int n, struct sim_stats *st)
{
    bool again = true;
    while (again) {
        again = false;
        for (int i = 0; i < n; i++) {
            struct cs_msg m;
            int src, r;
            while ((r = s->tps[i + 1].poll(s->tps[i + 1].ctx, &m, &src)) > 0) {
                int rc = cs_node_on_message(&nodes[i], &m, s->now);
                if (rc)
                    return rc;
                int depth = nodes[i].queue.count + nodes[i].busy;
                if (depth > st->max_node_depth)
                    st->max_node_depth = depth;
            }
            while ((r = cs_node_advance(&nodes[i], s->now, 0)) > 0)
                again = true;
            if (r < 0)
                return r;
            if (s->inbox[i + 1].count > 0)
                again = true;
        }
    }
    return CS_OK;
}

int sim_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
            struct sim_stats *stats)
{
    struct sim_stats local = {0};
    struct sim_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof(*st));
    struct sim s;
    int rc = sim_open(&s, nodes + 1);
    struct cs_node *ns = calloc((size_t)nodes, sizeof(*ns));
    struct cs_coord c;
    memset(&c, 0, sizeof(c));
    struct cs_rank_report *reports = calloc((size_t)nodes + 1, sizeof(*reports));
    if (rc || !ns || !reports) {
        rc = CS_E_NOMEM;
        goto out;
    }
    for (int i = 0; i < nodes; i++) {
        rc = cs_node_start(&ns[i], sc, i + 1, &s.tps[i + 1], 0);
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
        rc = settle_nodes(&s, ns, nodes, st);
        if (rc)
            goto out;
        if (s.inbox[0].count > 0)
            continue; /* replies to take at this instant */
        int64_t next = cs_coord_next_event(&c);
        for (int i = 0; i < nodes; i++) {
            int64_t d = cs_node_next_deadline(&ns[i]);
            if (d < next)
                next = d;
        }
        if (next == INT64_MAX)
            continue;
        if (next > next_row)
            next = next_row;
        if (next > s.now)
            s.now = next;
    }
    cs_coord_interval(&c, s.now, &row);   /* the last, partial interval */
    rc = settle_nodes(&s, ns, nodes, st); /* the nodes take their shutdown */
    if (rc)
        goto out;

    snprintf(r->library, sizeof(r->library), "loopback");
    for (int i = 0; i <= nodes; i++) {
        snprintf(reports[i].info.host, sizeof(reports[i].info.host), "sim");
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
    cs_coord_free(&c);
    sim_close(&s);
    return rc;
}
