/*
 * Log-linear histogram. See histogram.h for the layout and the error
 * bound. This module only counts; it knows nothing of MPI or of units.
 */
#include "cs/histogram.h"

#include <math.h>
#include <string.h>

#define EXACT_LIMIT (UINT64_C(2) << CS_HIST_SUB_BITS) /* 256: exact below */

void cs_hist_init(struct cs_histogram *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

int cs_hist_index(uint64_t v)
{
    if (v < EXACT_LIMIT)
        return (int)v;
    int msb = 63 - __builtin_clzll(v); /* >= SUB_BITS + 1 */
    int shift = msb - CS_HIST_SUB_BITS;
    uint64_t sub = (v >> shift) - CS_HIST_SUB_COUNT; /* 0 .. SUB_COUNT-1 */
    return (int)(EXACT_LIMIT + (uint64_t)(msb - CS_HIST_SUB_BITS - 1) * CS_HIST_SUB_COUNT + sub);
}

uint64_t cs_hist_bucket_low(int index)
{
    if (index < (int)EXACT_LIMIT)
        return (uint64_t)index;
    int rel = index - (int)EXACT_LIMIT;
    int msb = rel / CS_HIST_SUB_COUNT + CS_HIST_SUB_BITS + 1;
    uint64_t sub = (uint64_t)(rel % CS_HIST_SUB_COUNT) + CS_HIST_SUB_COUNT;
    return sub << (msb - CS_HIST_SUB_BITS);
}

uint64_t cs_hist_bucket_width(int index)
{
    if (index < (int)EXACT_LIMIT)
        return 1;
    int msb = (index - (int)EXACT_LIMIT) / CS_HIST_SUB_COUNT + CS_HIST_SUB_BITS + 1;
    return UINT64_C(1) << (msb - CS_HIST_SUB_BITS);
}

bool cs_hist_record(struct cs_histogram *h, uint64_t v)
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

void cs_hist_add(struct cs_histogram *dst, const struct cs_histogram *src)
{
    for (int i = 0; i < CS_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->clamped += src->clamped;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t cs_hist_percentile(const struct cs_histogram *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p > 100.0)
        p = 100.0;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < CS_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = cs_hist_bucket_low(i) + cs_hist_bucket_width(i) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

double cs_hist_mean(const struct cs_histogram *h)
{
    return h->total ? h->sum / (double)h->total : 0.0;
}
