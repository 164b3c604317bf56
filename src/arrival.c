/*
 * Arrival process table: Poisson (exponential gaps) and constant rate.
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
    {"poisson", gap_poisson},
    {"constant", gap_constant},
};
const int cs_arrival_kind_count = (int)(sizeof(cs_arrival_kinds) / sizeof(cs_arrival_kinds[0]));

int cs_arrival_find(const char *name)
{
    for (int i = 0; i < cs_arrival_kind_count; i++)
        if (strcmp(cs_arrival_kinds[i].name, name) == 0)
            return i;
    return -1;
}
