/*
 * Log-linear histogram. See histogram.h for the layout and the error
 * bound. This module only counts; it knows nothing of MPI or of units.
 */
#include "cs/histogram.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void cs_hist_init(struct cs_histogram *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

uint64_t cs_hist_bucket_low(int index)
{
    if (index < (int)CS_HIST_EXACT)
        return (uint64_t)index;
    int rel = index - (int)CS_HIST_EXACT;
    int msb = rel / CS_HIST_SUB_COUNT + CS_HIST_SUB_BITS + 1;
    uint64_t sub = (uint64_t)(rel % CS_HIST_SUB_COUNT) + CS_HIST_SUB_COUNT;
    return sub << (msb - CS_HIST_SUB_BITS);
}

uint64_t cs_hist_bucket_width(int index)
{
    if (index < (int)CS_HIST_EXACT)
        return 1;
    int msb = (index - (int)CS_HIST_EXACT) / CS_HIST_SUB_COUNT + CS_HIST_SUB_BITS + 1;
    return UINT64_C(1) << (msb - CS_HIST_SUB_BITS);
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

/* The percentile iterator of HdrHistogram's percentile distribution: from
 * 0%, each step halves the distance to 100% in ticks_per_half steps, so
 * the tail is sampled as finely as the body. */
static double next_level(double level, int ticks_per_half)
{
    double ticks = ticks_per_half * pow(2.0, floor(log2(100.0 / (100.0 - level))) + 1.0);
    return level + 100.0 / ticks;
}

int cs_hist_levels(const struct cs_histogram *h, int ticks_per_half, struct cs_hist_level *out, int max)
{
    uint64_t seen = 0;
    double level = 0.0;
    int bucket = -1, n = 0;
    while (h->total > 0 && n < max) {
        uint64_t rank = (uint64_t)ceil(level / 100.0 * (double)h->total);
        if (rank < 1)
            rank = 1;
        while (seen < rank && bucket + 1 < CS_HIST_BUCKETS)
            seen += h->counts[++bucket];
        uint64_t v = cs_hist_bucket_low(bucket) + cs_hist_bucket_width(bucket) / 2;
        v = v < h->min ? h->min : v > h->max ? h->max : v;
        /* The last level: every value seen, the maximum. */
        bool last = seen >= h->total || n + 1 == max;
        out[n++] = (struct cs_hist_level){last ? h->max : v, last ? 1.0 : level / 100.0, last ? h->total : seen};
        if (last)
            break;
        /* Levels this bucket already covers give the same line: skip them. */
        do
            level = next_level(level, ticks_per_half);
        while ((uint64_t)ceil(level / 100.0 * (double)h->total) <= seen && level < 100.0);
    }
    return n;
}

void cs_hist_write_percentiles(FILE *out, const struct cs_histogram *h, double unit_ns, int ticks_per_half)
{
    static struct cs_hist_level levels[CS_HIST_LEVELS_MAX];
    int n = cs_hist_levels(h, ticks_per_half, levels, CS_HIST_LEVELS_MAX);
    fprintf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    for (int i = 0; i < n; i++) {
        const struct cs_hist_level *l = &levels[i];
        fprintf(out, "%12.3f %14.12f %10" PRIu64, (double)l->value / unit_ns, l->fraction, l->count);
        if (l->fraction < 1.0)
            fprintf(out, " %14.2f", 1.0 / (1.0 - l->fraction));
        fputc('\n', out);
    }
    double sq = 0.0, mean = cs_hist_mean(h);
    for (int i = 0; i < CS_HIST_BUCKETS; i++)
        if (h->counts[i]) {
            double d = (double)(cs_hist_bucket_low(i) + cs_hist_bucket_width(i) / 2) - mean;
            sq += d * d * (double)h->counts[i];
        }
    double sd = h->total ? sqrt(sq / (double)h->total) : 0.0;
    fprintf(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean / unit_ns, sd / unit_ns);
    fprintf(out, "#[Max     = %12.3f, Total count    = %12" PRIu64 "]\n", (double)(h->total ? h->max : 0) / unit_ns,
            h->total);
    fprintf(out, "#[Buckets = %12d, SubBuckets     = %12d]\n", CS_HIST_BUCKETS / CS_HIST_SUB_COUNT, CS_HIST_SUB_COUNT);
}
