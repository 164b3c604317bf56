/*
 * Arrival processes: each is a row with a name, where its arrivals come
 * from, and for rate-driven ones a function that draws the gap to the next
 * intended arrival. The coordinator keeps the schedule; this module only
 * draws gaps.
 */
#ifndef CS_ARRIVAL_H
#define CS_ARRIVAL_H

#include "cs/rng.h"

/* Where arrivals come from. */
enum cs_arrival_source {
    CS_SOURCE_RATE,   /* open loop at load.rate_rps (or load.schedule): gap_ns */
    CS_SOURCE_CLOSED, /* load.clients users, each waiting for its reply, then thinking */
    CS_SOURCE_TRACE,  /* open loop, replayed from load.trace */
};

struct cs_arrival_kind {
    const char *name;
    enum cs_arrival_source source;
    /* CS_SOURCE_RATE: gap to the next arrival in nanoseconds, rate_rps > 0. */
    double (*gap_ns)(double rate_rps, struct cs_rng *r);
};

extern const struct cs_arrival_kind cs_arrival_kinds[];
extern const int cs_arrival_kind_count;

int cs_arrival_find(const char *name);

#endif
