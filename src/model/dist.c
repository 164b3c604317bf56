/*
 * Distribution table. Adding a distribution is one row and one sampler.
 * This module draws numbers; it does not parse them (see config.c).
 */
#include "cs/dist.h"

#include <math.h>
#include <string.h>

#include "cs/common.h"

static double sample_constant(const struct cs_dist *d, struct cs_rng *r)
{
    (void)r;
    return d->mean_us;
}

static double sample_exponential(const struct cs_dist *d, struct cs_rng *r)
{
    return -d->mean_us * log(cs_rng_uniform_pos(r));
}

/* Uniform with mean m and cv c: [m - h, m + h] with h = m c sqrt(3). */
static double sample_uniform(const struct cs_dist *d, struct cs_rng *r)
{
    double h = d->mean_us * d->cv * sqrt(3.0);
    return d->mean_us - h + 2.0 * h * cs_rng_uniform(r);
}

/* Lognormal with mean m and cv c: sigma^2 = ln(1 + c^2), mu = ln m - sigma^2/2. */
static double sample_lognormal(const struct cs_dist *d, struct cs_rng *r)
{
    if (d->mean_us <= 0.0)
        return 0.0;
    double s2 = log1p(d->cv * d->cv);
    double mu = log(d->mean_us) - s2 / 2.0;
    return exp(mu + sqrt(s2) * cs_rng_normal(r));
}

const struct cs_dist_kind cs_dist_kinds[] = {
    {"constant", false, 0.0, 0.0, sample_constant},
    {"exponential", false, 1.0, 1.0, sample_exponential},
    {"uniform", true, 0.5, 0.5773502691896258, sample_uniform},
    {"lognormal", true, 1.0, 100.0, sample_lognormal},
};
const int cs_dist_kind_count = (int)(sizeof(cs_dist_kinds) / sizeof(cs_dist_kinds[0]));

int cs_dist_find(const char *name)
{
    for (int i = 0; i < cs_dist_kind_count; i++)
        if (strcmp(cs_dist_kinds[i].name, name) == 0)
            return i;
    return -1;
}

int64_t cs_dist_sample_ns(const struct cs_dist *d, struct cs_rng *r)
{
    double us = cs_dist_kinds[d->kind].sample_us(d, r);
    if (!(us > 0.0))
        return 0;
    /* llround(ns) without the call (a virtual run samples one a
     * request): halves away from zero, as llround, since ns - trunc(ns)
     * is exact for a positive double; past CS_NS_LONGEST, that. */
    double ns = us * 1000.0;
    if (ns >= (double)CS_NS_LONGEST)
        return CS_NS_LONGEST;
    int64_t whole = (int64_t)ns;
    return ns - (double)whole >= 0.5 ? whole + 1 : whole;
}

double cs_dist_variance_us2(const struct cs_dist *d)
{
    double sd = d->mean_us * d->cv;
    return sd * sd;
}
