/*
 * A run's time series and its overload judge (src/model/intervals.c), a
 * unit of its own beside the histogram: a dispatcher counts what happens
 * into the interval under way (cur) and closes one every run.interval_ms;
 * each closed interval becomes a row, is judged for overload against the
 * capacity the run was planned for, and is kept for the report's plots.
 */
#ifndef CS_INTERVALS_H
#define CS_INTERVALS_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/histogram.h"

/* What happened in one time-series interval (all requests, warm-up too). */
struct cs_interval {
    int64_t start_ns;
    uint64_t generated, completed, rejected, timed_out, failed;
    uint64_t rejected_measured; /* of rejected: requests of the measured window */
    int64_t busy_ns;
    struct cs_histogram latency;
};

/* One time-series row, as cs_intervals_close() makes it. */
struct cs_interval_row {
    double t_s; /* end of the interval, seconds after the start */
    double length_s;
    double offered_rps, completed_rps, rejected_rps, timed_out_rps, failed_rps;
    double p50_us, p99_us; /* of replies received in the interval; 0 if none */
    int in_flight, pending;
    double coordinator_utilization;
};

/* Overload during the measured window, from the intervals closed: an
 * interval is overloaded when more arrived than the model's capacity
 * serves (by 5%), or when the dispatcher's queue held more than 50 ms of
 * that capacity's work (at least 50 requests). It catches what the
 * window's averages hide: a flash crowd, a backlog that outlives it, a
 * node slowed for a while. */
struct cs_overload {
    int episodes;            /* runs of consecutive overloaded intervals */
    double from_s, to_s;     /* the first one's start, the last one's end */
    double overloaded_s;     /* their total length */
    double capacity_rps;     /* the capacity they were judged against: */
    int tier;                /* whose (enum cs_tier, scenario.h): the nodes (the dispatcher's share of
                                them), the dispatcher, or its relays */
    double peak_offered_rps; /* in any overloaded interval */
    double p99_peak_us;      /* of replies in any overloaded interval */
    int pending_peak;        /* the dispatcher's queue at an interval's end */
    uint64_t rejected;       /* requests of the measured window turned away in overloaded intervals */
    bool open;               /* the last interval was overloaded */
};

struct cs_intervals {
    int64_t t0;                        /* the run's start */
    double window_from_s, window_to_s; /* the measured window, seconds after t0 */
    struct cs_interval cur;            /* the interval under way */
    struct cs_overload overload;
    struct cs_interval_row *series; /* every interval closed so far */
    int series_n, series_cap;
    bool series_cut; /* a row that memory could not keep: the series has a hole */
};

/* A run that starts at t0, measured from window_start to window_end,
 * planned for capacity_rps (0 or infinite: judged by its queue alone),
 * the capacity of tier (struct cs_overload). */
void cs_intervals_init(struct cs_intervals *v, int64_t t0, int64_t window_start, int64_t window_end,
                       double capacity_rps, int tier);
void cs_intervals_free(struct cs_intervals *v);

/* Close the interval under way at now, with the dispatcher's requests in
 * flight and queued then: fill *row, judge it, keep it (a series cut short
 * when out of memory), and start the next. */
void cs_intervals_close(struct cs_intervals *v, int64_t now, int in_flight, int pending, struct cs_interval_row *row);

#endif
