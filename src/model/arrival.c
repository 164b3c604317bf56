/*
 * Arrival process table: Poisson (exponential gaps), constant rate, a
 * closed loop of clients, and trace replay.
 */
#include "cs/arrival.h"

#include <math.h>
#include <string.h>

static double gap_poisson(double rate_rps, struct cs_rng *r)
{
    return -log(cs_rng_uniform_pos(r)) * 1e9 / rate_rps;
}

static double gap_constant(double rate_rps, struct cs_rng *r)
{
    (void)r;
    return 1e9 / rate_rps;
}

const struct cs_arrival_kind cs_arrival_kinds[] = {
    {"poisson", CS_SOURCE_RATE, gap_poisson},
    {"constant", CS_SOURCE_RATE, gap_constant},
    {"closed", CS_SOURCE_CLOSED, NULL},
    {"trace", CS_SOURCE_TRACE, NULL},
};
const int cs_arrival_kind_count = (int)(sizeof(cs_arrival_kinds) / sizeof(cs_arrival_kinds[0]));

int cs_arrival_find(const char *name)
{
    for (int i = 0; i < cs_arrival_kind_count; i++)
        if (strcmp(cs_arrival_kinds[i].name, name) == 0)
            return i;
    return -1;
}
