/*
 * Log-linear histogram of non-negative integer values (nanoseconds here),
 * in the manner of HdrHistogram: values below 2^CS_HIST_SUB_BITS+1 are
 * exact, above that every power of two is split into 2^CS_HIST_SUB_BITS
 * linear sub-buckets, so a reported percentile is within 0.4% of a value
 * that was recorded (the bucket midpoint is reported; half a bucket is at
 * most 2^-8 of the value). Recording is O(1); the layout is fixed, so two
 * histograms merge by adding their count arrays, which is also how ranks
 * merge them after rank 0 gathers every node's histogram (mpi_run.c).
 */
#ifndef CS_HISTOGRAM_H
#define CS_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CS_HIST_SUB_BITS 7
#define CS_HIST_SUB_COUNT (1 << CS_HIST_SUB_BITS) /* 128 */
#define CS_HIST_MAX_BITS 42                       /* values < 2^42 ns, ~73 min */
#define CS_HIST_BUCKETS (2 * CS_HIST_SUB_COUNT + (CS_HIST_MAX_BITS - CS_HIST_SUB_BITS - 1) * CS_HIST_SUB_COUNT)
#define CS_HIST_MAX_VALUE ((UINT64_C(1) << CS_HIST_MAX_BITS) - 1)
#define CS_HIST_EXACT (UINT64_C(2) << CS_HIST_SUB_BITS) /* 256: values below are their own bucket */

struct cs_histogram {
    uint64_t total;   /* values recorded */
    uint64_t clamped; /* values above CS_HIST_MAX_VALUE, recorded as the max */
    uint64_t min;
    uint64_t max;
    double sum; /* exact sum, for the mean */
    uint64_t counts[CS_HIST_BUCKETS];
};

void cs_hist_init(struct cs_histogram *h);

/* The bucket of a value (the layout above; exposed for tests). */
static inline int cs_hist_index(uint64_t v)
{
    if (v < CS_HIST_EXACT)
        return (int)v;
    int msb = 63 - __builtin_clzll(v); /* >= SUB_BITS + 1 */
    int shift = msb - CS_HIST_SUB_BITS;
    uint64_t sub = (v >> shift) - CS_HIST_SUB_COUNT; /* 0 .. SUB_COUNT-1 */
    return (int)(CS_HIST_EXACT + (uint64_t)(msb - CS_HIST_SUB_BITS - 1) * CS_HIST_SUB_COUNT + sub);
}

/* Record one value; returns false when it was above the range and was
 * clamped to CS_HIST_MAX_VALUE (it is still counted). Inline: a virtual
 * run records six a request. */
static inline bool cs_hist_record(struct cs_histogram *h, uint64_t v)
{
    bool in_range = true;
    if (v > CS_HIST_MAX_VALUE) {
        v = CS_HIST_MAX_VALUE;
        h->clamped++;
        in_range = false;
    }
    h->counts[cs_hist_index(v)]++;
    h->total++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    return in_range;
}
/* dst += src. */
void cs_hist_add(struct cs_histogram *dst, const struct cs_histogram *src);
/* The value at percentile p (0..100]: the smallest recorded bucket whose
 * cumulative count reaches p% of the total, reported as its midpoint and
 * clamped to [min, max]. 0 for an empty histogram. */
uint64_t cs_hist_percentile(const struct cs_histogram *h, double p);
double cs_hist_mean(const struct cs_histogram *h);

/* Percentile levels as HdrHistogram's percentile iterator visits them:
 * from 0%, ticks_per_half levels for each halving of the distance to 100%
 * (so the tail is sampled as finely as the body), one per bucket at most,
 * the last one the maximum at 100%. Returns how many were written to out
 * (at most max; 0 for an empty histogram). */
#define CS_HIST_LEVELS_MAX 512
struct cs_hist_level {
    uint64_t value;  /* the value at this level (a bucket's midpoint; the max last) */
    double fraction; /* the level, 0..1 */
    uint64_t count;  /* values up to and including value's bucket */
};
int cs_hist_levels(const struct cs_histogram *h, int ticks_per_half, struct cs_hist_level *out, int max);

/* The percentile distribution in HdrHistogram's text form
 * (outputPercentileDistribution): a header, one line per percentile level
 * (value in units of unit_ns, percentile as a fraction, count of values up
 * to it, 1/(1-percentile)), levels that halve the distance to 100% in
 * ticks_per_half steps, the maximum last, then the mean, the standard
 * deviation (from bucket midpoints), the max and the count. */
void cs_hist_write_percentiles(FILE *out, const struct cs_histogram *h, double unit_ns, int ticks_per_half);

/* Bucket layout, exposed for tests (and cs_hist_index, above). */
uint64_t cs_hist_bucket_low(int index);
uint64_t cs_hist_bucket_width(int index);

#endif
