/*
 * Seeded pseudo-random streams (xoshiro256**, seeded through splitmix64).
 * A stream is identified by (seed, stream id); the same pair always gives
 * the same sequence, so runs are reproducible by seed. Never seeded from the
 * clock.
 */
#ifndef CS_RNG_H
#define CS_RNG_H

#include <stdint.h>

struct cs_rng {
    uint64_t s[4];
};

/* Well-known stream ids: one per consumer, so adding a consumer never
 * shifts the numbers another one sees. Service node i uses CS_STREAM_NODE + i. */
enum cs_stream {
    CS_STREAM_ARRIVAL = 1,
    CS_STREAM_SERVICE = 2,
    CS_STREAM_POLICY = 3,
    CS_STREAM_THINK = 4,
    CS_STREAM_NODE = 1000,
    CS_STREAM_RELAY = 1 << 19,      /* relay rank r uses this + r for its policy */
    CS_STREAM_DISPATCHER = 1 << 20, /* dispatcher d > 0 adds d x this to its four streams */
};

void cs_rng_seed(struct cs_rng *r, uint64_t seed, uint64_t stream);
uint64_t cs_rng_next(struct cs_rng *r);
/* Uniform double in [0, 1). */
double cs_rng_uniform(struct cs_rng *r);
/* Uniform double in (0, 1]: safe for log(). */
double cs_rng_uniform_pos(struct cs_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t cs_rng_below(struct cs_rng *r, uint32_t n);
/* Standard normal variate. */
double cs_rng_normal(struct cs_rng *r);

#endif
