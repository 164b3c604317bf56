/* The time series and overload judge of intervals.h. */
#include "cs/intervals.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/pool.h"

/* Overloaded: arrivals over the capacity by this factor, with at least
 * this many in the interval, or a queue of this many seconds of the
 * capacity's work (and at least this many requests). */
#define OVERLOAD_ARRIVALS 1.05
#define OVERLOAD_MIN_ARRIVALS 20
#define OVERLOAD_QUEUE_S 0.05
#define OVERLOAD_QUEUE_MIN 50

void cs_intervals_init(struct cs_intervals *v, int64_t t0, int64_t window_start, int64_t window_end,
                       double capacity_rps, int tier)
{
    memset(v, 0, sizeof(*v));
    v->t0 = t0;
    v->window_from_s = (double)(window_start - t0) / 1e9;
    v->window_to_s = (double)(window_end - t0) / 1e9;
    v->cur.start_ns = t0;
    cs_hist_init(&v->cur.latency);
    v->overload.capacity_rps = capacity_rps;
    v->overload.tier = tier;
}

void cs_intervals_free(struct cs_intervals *v)
{
    free(v->series);
    v->series = NULL;
    v->series_n = v->series_cap = 0;
}

/* Is the interval that ends with row overloaded? See struct cs_overload. */
static void judge(struct cs_intervals *v, const struct cs_interval_row *row, uint64_t rejected)
{
    struct cs_overload *o = &v->overload;
    double from = row->t_s - row->length_s;
    double cap = o->capacity_rps;
    bool measured = row->t_s > v->window_from_s && from < v->window_to_s;
    bool too_many = cap > 0 && isfinite(cap) && row->offered_rps > OVERLOAD_ARRIVALS * cap &&
                    row->offered_rps * row->length_s >= OVERLOAD_MIN_ARRIVALS;
    double backlog = isfinite(cap) && cap > 0 ? fmax(OVERLOAD_QUEUE_MIN, cap * OVERLOAD_QUEUE_S) : INFINITY;
    bool backed_up = row->pending > backlog;
    if (!measured || !(too_many || backed_up)) {
        o->open = false;
        return;
    }
    /* (the part of the interval inside the window) */
    from = fmax(from, v->window_from_s);
    double to = fmin(row->t_s, v->window_to_s);
    if (!o->open) {
        if (o->episodes++ == 0)
            o->from_s = from;
        o->open = true;
    }
    o->to_s = to;
    o->overloaded_s += to - from;
    o->peak_offered_rps = fmax(o->peak_offered_rps, row->offered_rps);
    o->p99_peak_us = fmax(o->p99_peak_us, row->p99_us);
    if (row->pending > o->pending_peak)
        o->pending_peak = row->pending;
    o->rejected += rejected;
}

void cs_intervals_close(struct cs_intervals *v, int64_t now, int in_flight, int pending, struct cs_interval_row *row)
{
    struct cs_interval *iv = &v->cur;
    double len = (double)(now - iv->start_ns) / 1e9;
    if (len <= 0)
        len = 1e-9;
    *row = (struct cs_interval_row){
        .t_s = (double)(now - v->t0) / 1e9,
        .length_s = len,
        .offered_rps = (double)iv->generated / len,
        .completed_rps = (double)iv->completed / len,
        .rejected_rps = (double)iv->rejected / len,
        .timed_out_rps = (double)iv->timed_out / len,
        .failed_rps = (double)iv->failed / len,
        .p50_us = (double)cs_hist_percentile(&iv->latency, 50) / 1e3,
        .p99_us = (double)cs_hist_percentile(&iv->latency, 99) / 1e3,
        .in_flight = in_flight,
        .pending = pending,
        .coordinator_utilization = (double)iv->busy_ns / 1e9 / len,
    };
    judge(v, row, iv->rejected_measured);
    if (v->series_n == v->series_cap) {
        struct cs_interval_row *grown = cs_grow(v->series, &v->series_cap, sizeof(*grown), 64);
        if (grown)
            v->series = grown;
    }
    if (v->series_n < v->series_cap)
        v->series[v->series_n++] = *row;
    else
        v->series_cut = true; /* out of memory */
    iv->generated = iv->completed = iv->rejected = iv->rejected_measured = iv->timed_out = iv->failed = 0;
    iv->busy_ns = 0;
    iv->start_ns = now;
    cs_hist_init(&iv->latency);
}
