/*
 * Service-time and think-time distributions. Each one is a row
 * in a table: a name, a default shape and a sampler. A distribution is
 * described by its mean and, where it has a shape, its coefficient of
 * variation (cv = standard deviation / mean).
 */
#ifndef CS_DIST_H
#define CS_DIST_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/rng.h"

struct cs_dist {
    int kind;       /* index into the distribution table */
    double mean_us; /* mean, microseconds, >= 0 */
    double cv;      /* coefficient of variation, where the kind has one */
};

struct cs_dist_kind {
    const char *name;
    bool has_cv;       /* does "cv" mean anything for this kind? */
    double default_cv; /* used when the scenario gives none */
    double max_cv;     /* largest cv the kind can represent */
    double (*sample_us)(const struct cs_dist *d, struct cs_rng *r);
};

extern const struct cs_dist_kind cs_dist_kinds[];
extern const int cs_dist_kind_count;

/* Index of the kind called name, or -1. */
int cs_dist_find(const char *name);
/* One draw, in nanoseconds, rounded, never negative. */
int64_t cs_dist_sample_ns(const struct cs_dist *d, struct cs_rng *r);
/* The theoretical variance, us^2. */
double cs_dist_variance_us2(const struct cs_dist *d);

#endif
