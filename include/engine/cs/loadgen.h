/*
 * The load generator (src/engine/loadgen.c): what arrives at one
 * dispatcher and when, as users arrive at a web service. Its share of an
 * open-loop rate (and of load.schedule, drawn by the arrival kind), its
 * lines of a trace (every count-th), or its closed-loop clients, each of
 * which asks again a think time after its last request ended. Each
 * arrival carries the service time it asks for. The dispatcher
 * (coordinator.c) asks when the next arrival is due, takes it, and says
 * when a client's request ended; the generator knows nothing of nodes.
 */
#ifndef CS_LOADGEN_H
#define CS_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

#include "cs/arrival.h"
#include "cs/config.h"
#include "cs/heap.h"
#include "cs/rng.h"
#include "cs/trace.h"

/* An arrival taken off the generator. */
struct cs_arrival {
    int64_t intended_ns; /* its place in the schedule, on the run's clock */
    int64_t service_ns;  /* the service it asks for */
    int32_t client;      /* closed loop: the client waiting for it; else -1 */
};

struct cs_loadgen {
    const struct cs_scenario *sc;
    enum cs_arrival_source source;
    int64_t t0;             /* the run's start */
    double share;           /* of the load: 1 / the dispatchers */
    double base_rps;        /* CS_SOURCE_RATE: this share of the rate, without a schedule */
    double next_arrival_ns; /* CS_SOURCE_RATE: absolute, on the run's clock */
    int segment;            /* current load.schedule point */
    const struct cs_trace *trace;
    size_t trace_next;      /* CS_SOURCE_TRACE: next line of this share */
    int trace_stride;       /* every trace_stride-th line is this share's */
    struct cs_due *clients; /* CS_SOURCE_CLOSED: heap of idle clients' next requests (id: client) */
    int clients_n, clients_idle;
    struct cs_rng arrival_rng, service_rng, think_rng;
};

/* The share `index` of `count` of sc's load, for a run that starts at t0
 * with all_nodes service nodes (the rate load.utilization asks for is a
 * share of theirs); trace is required for trace arrivals. Random streams
 * from streams + CS_STREAM_ARRIVAL, _SERVICE, _THINK. CS_OK,
 * CS_E_INVALID (no trace), or CS_E_NOMEM. */
int cs_loadgen_init(struct cs_loadgen *g, const struct cs_scenario *sc, int index, int count, int all_nodes,
                    const struct cs_trace *trace, int64_t t0, uint64_t streams);
void cs_loadgen_free(struct cs_loadgen *g);

/* When the next arrival is intended (INFINITY: none is coming now).
 * Inline for an open loop at a rate: the coordinator asks at every look. */
double cs_loadgen_next_other(const struct cs_loadgen *g);
static inline double cs_loadgen_next(const struct cs_loadgen *g)
{
    return g->source == CS_SOURCE_RATE ? g->next_arrival_ns : cs_loadgen_next_other(g);
}
/* Take the arrival cs_loadgen_next announced. */
struct cs_arrival cs_loadgen_take(struct cs_loadgen *g);
/* Client `client` (>= 0) had its request end at now: it thinks, then asks
 * again. */
void cs_loadgen_client_done(struct cs_loadgen *g, int client, int64_t now);
/* The rate this share offers, mean over the measured window. */
double cs_loadgen_offered_rps(const struct cs_loadgen *g, int all_nodes);

#endif
