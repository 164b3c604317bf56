/*
 * Sweeps: a sequence of steps run in one MPI job, each with its own node
 * count and offered load, and the analysis of the scaling curve they
 * make. The plan and the analysis are pure; src/cli/job.c runs the steps (each
 * through mpi_run.c).
 *
 * Modes (sweep.mode), for each node count n in sweep.nodes:
 *   saturate  a closed loop of clients_per_server x (servers of the active
 *             nodes) clients with no think time: there is always work
 *             waiting, so throughput is what the system can sustain at n;
 *   strong    the same offered load at every step (the scenario's rate for
 *             the largest n);
 *   weak      offered load proportional to n (the scenario's rate per node).
 * With sweep.rates_rps the node count is fixed (the largest) and each step
 * offers one of the rates: the latency "hockey stick".
 */
#ifndef CS_SWEEP_H
#define CS_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/config.h"
#include "cs/scenario.h"

struct cs_sweep_step {
    int nodes;       /* active service nodes: ranks 1..nodes */
    double rate_rps; /* open loop rate; unused when closed */
    bool closed;
    int clients;
};

/* The steps of a sweep for a job with max_nodes service nodes. Returns
 * the number of steps, or CS_E_INVALID with a message naming the key. */
int cs_sweep_plan(const struct cs_scenario *sc, int max_nodes, struct cs_sweep_step *steps, char *err, size_t errlen);

/* The scenario one step runs. */
void cs_sweep_step_scenario(const struct cs_scenario *base, const struct cs_sweep_step *st, struct cs_scenario *out);

/* One row of a sweep: what a step measured. */
struct cs_sweep_row {
    int step; /* its place in the sweep's plan, from 1 (cs_sweep_run sets it) */
    int nodes;
    int dispatchers; /* dispatch.dispatchers (0 reads as 1) */
    int batch;       /* dispatch.batch */
    int relays;      /* dispatch.relays */
    double offered_rps, throughput_rps;
    double mean_us, p50_us, p99_us;
    /* Rank 0's (or the dispatchers' mean), and under relays the busiest
     * relay's utilization and the relays' cost per request (0 and NAN
     * without relays). */
    double coordinator_utilization, coordinator_per_request_us;
    double relay_utilization, relay_per_request_us;
    double node_utilization_mean, service_inflation;
    int bottleneck; /* enum cs_bottleneck */
};

struct cs_results;
/* The row of a step, from its analyzed results. */
void cs_sweep_row_from(const struct cs_results *r, struct cs_sweep_row *row);

/* One step of a sweep, run by the caller's engine (MPI ranks, or the
 * virtual-time harness) on the step's scenario with `nodes` service nodes:
 * fill *row where the caller keeps results, and return 0 to go on, 1 to
 * stop after this step (a signal after its window: the step is whole), 2
 * to stop with this step cut short (its row stays, last, and the
 * analysis leaves it out), or a negative CS_E code. */
typedef int (*cs_sweep_step_fn)(void *ctx, int index, int count, const struct cs_scenario *step, int nodes,
                                struct cs_sweep_row *row);

/* A lever sweep (sweep.dispatchers, sweep.batch or sweep.relays): the node sweep once
 * for each setting, in the order given, in one job; each setting's rows
 * and their own scaling analysis, so each has its knee. */
struct cs_scaling;
struct cs_levers {
    const char *key; /* "dispatch.dispatchers", "dispatch.batch" or "dispatch.relays" */
    int n;           /* settings */
    int value[CS_LEVER_MAX];
    int first_row[CS_LEVER_MAX], rows[CS_LEVER_MAX];
    struct cs_scaling *scaling; /* [n], the caller's */
};

/* Settings of sc's lever (0: it has none), and the scenario of setting g
 * (sc itself with the lever's key set). */
int cs_lever_count(const struct cs_scenario *sc);
void cs_lever_scenario(const struct cs_scenario *sc, int g, struct cs_scenario *out);

/* Whether sc's sweep fits a job whose base scenario has max_nodes service
 * nodes (with a lever, every setting's plan, and all rows together). 0, or
 * CS_E_INVALID with a message naming the key. */
int cs_sweep_check(const struct cs_scenario *sc, int max_nodes, char *err, size_t errlen);

/* Run sc's sweep for a job with max_nodes service nodes (under sc's own
 * dispatchers; a setting with fewer dispatchers has the ranks they leave
 * as nodes too): plan it, run each step through fn, and, when scaling is
 * not NULL, analyze the rows of a sweep over node counts (a sweep over
 * offered load has no scaling curve: scaling->n is then 0). With a lever,
 * levers (with room for CS_LEVER_MAX analyses in levers->scaling) gets
 * each setting's rows and analysis, and scaling the first setting's.
 * Returns the number of rows, or a negative CS_E code (with a message in
 * err when the plan does not fit). */
int cs_sweep_run(const struct cs_scenario *sc, int max_nodes, cs_sweep_step_fn fn, void *ctx, struct cs_sweep_row *rows,
                 struct cs_scaling *scaling, struct cs_levers *levers, char *err, size_t errlen);

/* The load a sweep's steps are offered (sweep.mode, sweep.rates_rps), in
 * words for a report's header: a saturating sweep replaces the
 * scenario's arrivals, which its description may still speak of. */
const char *cs_sweep_load_words(const struct cs_scenario *sc, char *buf, size_t n);

/* Whether rows ran with several dispatchers: their busy share is the
 * dispatchers' mean, their ceiling the dispatchers', not "the
 * coordinator's" (the report, the HTML). */
bool cs_sweep_several(const struct cs_sweep_row *rows, int n);

/* The knee the binding tier's cost predicts (rank 0's or the relays',
 * cs_scaling.ceiling_tier), in words: "12.3 nodes", or, where it is
 * infinite (that tier measured no cost per request, as in virtual time
 * without modelled costs), "none (no cost per request)".
 * Returns buf. */
const char *cs_knee_words(double predicted_knee_nodes, char *buf, size_t n);

/* The order in which ranks that run a sweep's steps side by side (a
 * virtual sweep under a launcher) take them, each as it comes free: of
 * the steps 0..n-1 but those in skip (bit i: step i, kept by --resume),
 * the last one first (rank 0 runs it: it reports it in full), then the
 * others largest first (cost[i], e.g. the requests a step simulates; the
 * earlier step on a tie). Writes them to order and returns how many. */
int cs_sweep_order(const double *cost, int n, uint64_t skip, int *order);

/* The shape of a measured scaling curve, told from the points and not
 * from a fit: a USL fitted to a plateau has a peak too (kappa > 0), but
 * the data show a decline only when throughput really falls past its
 * peak (more than 5%) and kappa is clear of its uncertainty (> 2 se). */
enum cs_curve { CS_CURVE_GROWS, CS_CURVE_PLATEAU, CS_CURVE_DECLINES };
extern const char *const cs_curve_names[];

/* The standard error of kappa in a USL fit (x1, sigma, kappa) to the
 * points, from the fit's residuals and its Jacobian (parameters held at
 * a bound, 0 or sigma's 1, do not count as free). NAN when the points
 * leave no degree of freedom. */
double cs_usl_kappa_se(const int *n, const double *x, int count, double x1, double sigma, double kappa);

/* The scaling analysis of rows sorted by node count (sweep.nodes). */
struct cs_scaling {
    int n;
    double speedup[CS_SWEEP_MAX];    /* X(n) / X(first) */
    double efficiency[CS_SWEEP_MAX]; /* speedup / (n / first n) */
    int knee_nodes;                  /* 0: no knee in the range */
    int knee_bottleneck;             /* enum cs_bottleneck at the knee */
    double usl_x1, usl_sigma, usl_kappa, usl_peak_nodes, usl_r2;
    double usl_kappa_se; /* kappa's standard error (NAN: too few points to tell) */
    int curve;           /* enum cs_curve: what the measured points show */
    double amdahl_x1, amdahl_serial, amdahl_r2;
    double predicted_knee_nodes; /* coordinator_ceiling_rps / one node's capacity (INFINITY: none) */
    double coordinator_ceiling_rps;
    /* Whose ceiling that is: CS_TIER_DISPATCHER (rank 0, or the
     * dispatchers together) or CS_TIER_RELAYS (the relays together). */
    enum cs_tier ceiling_tier;
    char explanation[512];
};

/*
 * Fit X(N) = X1 N / (1 + sigma (N - 1) + kappa N (N - 1)) to points
 * (n[i], x[i]), least squares in X, 0 <= sigma <= 1 and kappa >= 0. With
 * amdahl, kappa is held at 0 and sigma is the serial fraction. Returns R^2.
 */
double cs_usl_fit(const int *n, const double *x, int count, bool amdahl, double *x1, double *sigma, double *kappa);

/* The smallest node count from which adding nodes gains less than half of
 * the ideal increase (the first step's throughput per node, times the
 * nodes added), or 0. */
int cs_knee(const int *n, const double *x, int count);

/* Everything above, for rows of a node sweep; node_rps is one node's
 * capacity in requests a second (cs_scenario_node_rps). With the sweep's
 * scenario sc, the explanation says whether batching would lift a
 * dispatching tier's ceiling (its cost per message against its measured
 * cost, as the lever line judges a run's, at full batches of the step's
 * dispatch.batch); with NULL it names batching among the levers
 * unjudged. */
void cs_scaling_analyze(const struct cs_sweep_row *rows, int count, double node_rps, const struct cs_scenario *sc,
                        struct cs_scaling *out);

#endif
