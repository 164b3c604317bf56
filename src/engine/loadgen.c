/* The load generator of loadgen.h. */
#include "cs/loadgen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/dist.h"
#include "cs/scenario.h"

/* ---- the arrival schedule ---- */

static double rate_at(const struct cs_loadgen *g, int segment)
{
    return g->sc->load.schedule_n ? g->share * g->sc->load.schedule[segment].rate_rps : g->base_rps;
}

/* Absolute start of the schedule point after `segment`, or INFINITY. */
static double segment_end(const struct cs_loadgen *g, int segment)
{
    if (segment + 1 >= g->sc->load.schedule_n)
        return INFINITY;
    return (double)g->t0 + g->sc->load.schedule[segment + 1].at_s * 1e9;
}

/* Place the next arrival after time `from`: a gap at the current rate; a
 * gap that crosses into the next schedule point is drawn again from that
 * point at its rate (exact for Poisson arrivals, which are memoryless). */
static void schedule_next(struct cs_loadgen *g, double from)
{
    const struct cs_arrival_kind *ak = &cs_arrival_kinds[g->sc->load.arrival];
    for (;;) {
        double rate = rate_at(g, g->segment);
        double end = segment_end(g, g->segment);
        double at = rate > 0 ? from + ak->gap_ns(rate, &g->arrival_rng) : INFINITY;
        if (at < end || !isfinite(end)) {
            g->next_arrival_ns = at;
            return;
        }
        from = end;
        g->segment++;
    }
}

/* ---- the generator ---- */

int cs_loadgen_init(struct cs_loadgen *g, const struct cs_scenario *sc, int index, int count, int all_nodes,
                    const struct cs_trace *trace, int64_t t0, uint64_t streams)
{
    memset(g, 0, sizeof(*g));
    g->sc = sc;
    g->source = cs_arrival_kinds[sc->load.arrival].source;
    g->t0 = t0;
    g->share = 1.0 / count;
    g->trace = trace;
    g->trace_next = (size_t)index;
    g->trace_stride = count;
    g->clients_n = sc->load.clients / count + (index < sc->load.clients % count);
    if (g->source == CS_SOURCE_TRACE && !trace)
        return CS_E_INVALID;
    cs_rng_seed(&g->arrival_rng, sc->load.seed, streams + CS_STREAM_ARRIVAL);
    cs_rng_seed(&g->service_rng, sc->load.seed, streams + CS_STREAM_SERVICE);
    cs_rng_seed(&g->think_rng, sc->load.seed, streams + CS_STREAM_THINK);
    if (g->source == CS_SOURCE_RATE) {
        g->base_rps = g->share * (isnan(sc->load.rate_rps) ? cs_scenario_rate(sc, all_nodes) : sc->load.rate_rps);
        schedule_next(g, (double)t0); /* the first arrival comes one gap after the start */
    } else if (g->source == CS_SOURCE_CLOSED) {
        g->clients = calloc((size_t)(g->clients_n > 0 ? g->clients_n : 1), sizeof(*g->clients));
        if (!g->clients)
            return CS_E_NOMEM;
        for (int k = 0; k < g->clients_n; k++)
            cs_loadgen_client_done(g, k, t0); /* each client thinks first */
    }
    return CS_OK;
}

void cs_loadgen_free(struct cs_loadgen *g)
{
    free(g->clients);
    g->clients = NULL;
    g->clients_idle = 0;
}

double cs_loadgen_next_other(const struct cs_loadgen *g)
{
    switch (g->source) {
    case CS_SOURCE_RATE:
        return g->next_arrival_ns;
    case CS_SOURCE_TRACE:
        return g->trace_next < g->trace->n ? (double)(g->t0 + g->trace->offset_ns[g->trace_next]) : INFINITY;
    case CS_SOURCE_CLOSED:
        return g->clients_idle > 0 ? (double)g->clients[0].at_ns : INFINITY;
    }
    return INFINITY;
}

struct cs_arrival cs_loadgen_take(struct cs_loadgen *g)
{
    struct cs_arrival a = {.client = -1};
    int64_t trace_service = -1;
    switch (g->source) {
    case CS_SOURCE_RATE:
        a.intended_ns = (int64_t)g->next_arrival_ns;
        schedule_next(g, g->next_arrival_ns);
        break;
    case CS_SOURCE_TRACE:
        a.intended_ns = g->t0 + g->trace->offset_ns[g->trace_next];
        if (g->trace->service_ns)
            trace_service = g->trace->service_ns[g->trace_next];
        g->trace_next += (size_t)g->trace_stride;
        break;
    case CS_SOURCE_CLOSED: {
        struct cs_due due = cs_heap_pop(g->clients, &g->clients_idle);
        a.intended_ns = due.at_ns;
        a.client = due.id;
        break;
    }
    }
    a.service_ns = trace_service >= 0 ? trace_service : cs_dist_sample_ns(&g->sc->service.time, &g->service_rng);
    return a;
}

void cs_loadgen_client_done(struct cs_loadgen *g, int client, int64_t now)
{
    int64_t think = cs_dist_sample_ns(&g->sc->load.think, &g->think_rng);
    cs_heap_push(g->clients, &g->clients_idle, now + think, client);
}

double cs_loadgen_offered_rps(const struct cs_loadgen *g, int all_nodes)
{
    if (g->source == CS_SOURCE_RATE)
        return g->sc->load.schedule_n ? g->share * cs_scenario_rate(g->sc, all_nodes) : g->base_rps;
    return NAN;
}
