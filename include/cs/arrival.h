/*
 * Open-loop arrival processes: each is a row with a name and a function
 * that draws the gap to the next intended arrival. The coordinator keeps
 * the schedule; this module only draws gaps.
 */
#ifndef CS_ARRIVAL_H
#define CS_ARRIVAL_H

#include "cs/rng.h"

struct cs_arrival_kind {
    const char *name;
    /* Gap to the next arrival in nanoseconds, for rate_rps > 0. */
    double (*gap_ns)(double rate_rps, struct cs_rng *r);
};

extern const struct cs_arrival_kind cs_arrival_kinds[];
extern const int cs_arrival_kind_count;

int cs_arrival_find(const char *name);

#endif
