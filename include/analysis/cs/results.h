/*
 * One results struct, filled on rank 0 at the end of a run from the
 * coordinator's counters and histograms, the gathered node counters, the
 * merged node histograms and the MPI placement. Analysis (analysis.c)
 * derives rates, utilizations, the capacity model and the bottleneck
 * verdict; renderers (report.c) turn it into JSON and a table.
 */
#ifndef CS_RESULTS_H
#define CS_RESULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cs/config.h"
#include "cs/coordinator.h"
#include "cs/histogram.h"
#include "cs/relay.h"
#include "cs/service_node.h"

#define CS_HOST_MAX 64

struct cs_sweep_row;
struct cs_scaling;
struct cs_levers;

enum cs_bottleneck {
    CS_BOTTLENECK_NONE,
    CS_BOTTLENECK_COORDINATOR,
    CS_BOTTLENECK_SERVICE_NODES,
    CS_BOTTLENECK_HOST_CPU,
    CS_BOTTLENECK_DISPATCHERS, /* several dispatchers, saturated together: the coordinator tier */
    CS_BOTTLENECK_RELAYS,      /* the relay tier under rank 0 */
};
#define CS_BOTTLENECK_COUNT (CS_BOTTLENECK_RELAYS + 1)
extern const char *const cs_bottleneck_names[];

struct cs_rank_info {
    char host[CS_HOST_MAX];
    int host_ranks; /* ranks sharing this rank's host */
    int host_cores; /* cores this rank's host offers */
    int64_t cpu_ns; /* CPU time the rank used in its run step, all threads (-1: unknown) */
};

/* What queueing theory predicts for the run, where it has an answer. */
struct cs_theory {
    const char *model; /* e.g. "M/M/1 per node (random split)"; NULL: no closed form */
    char why[160];     /* with model NULL: why not */
    double mean_us;    /* predicted mean latency */
    double p99_us;     /* predicted p99, NAN where no formula gives it */
    /* The same model with the service the nodes occupied (occupied_us)
     * instead of the one asked for, when the two differ by more than
     * 0.5% (a run on ranks: inflation, a pulling node's handoff); NAN
     * otherwise or when that has no steady state. */
    double occupied_mean_us;
};

/* One dispatcher (rank < dispatch.dispatchers) of the run. */
struct cs_dispatcher_result {
    int rank;
    uint64_t generated, completed; /* measured requests it generated, replies it took in the window */
    uint64_t busy_ns;              /* inside the window */
    double utilization;            /* busy / window */
};

/* What a dispatcher other than rank 0 hands rank 0 at the end of a run,
 * beside its nodes' completions and waits (cs_results_add_dispatcher). */
struct cs_dispatch_report {
    int rank, first_node, nodes;
    int stopped; /* enum cs_stop_phase: CS_STOP_NONE, or where a stop cut this dispatcher's part */
    double offered_rps;
    uint64_t counters[CS_C__COUNT];
    struct cs_histogram latency, dispatch_wait, node_wait;
    int health_n;
    struct cs_health_event health[CS_HEALTH_EVENTS_MAX];
};

/* A relay (ranks 1..dispatch.relays), as it reports to rank 0. */
struct cs_relay_report {
    int rank, first_node, nodes;
    uint64_t counters[CS_R__COUNT];
};

struct cs_relay_result {
    int rank, first_node, nodes;
    uint64_t counters[CS_R__COUNT];
    double utilization;    /* busy / window */
    double per_request_us; /* busy time per request received in the window (NAN: none) */
};

struct cs_node_result {
    int rank;
    uint64_t counters[CS_N__COUNT];
    uint64_t coordinator_completed; /* measured replies the coordinator took from it */
    uint64_t queue_wait_ns;         /* their round trip less service, summed */
    double utilization;             /* busy / (servers x window), 0..1 */
};

struct cs_results {
    /* inputs */
    struct cs_scenario scenario;
    bool complete;
    bool all_nodes; /* --all-nodes: list every node even beyond CS_NODES_LISTED */
    int ranks;
    int service_nodes;
    char library[128];
    struct cs_rank_info *rank_info; /* [ranks] */
    double offered_rps;
    double window_s;             /* the measured window: load.duration_s unless stopped early */
    long max_rss_kb;             /* rank 0's peak resident memory, KiB (0: unknown) */
    uint64_t coord[CS_C__COUNT]; /* every dispatcher's, summed (the largest of a maximum) */
    int dispatchers;             /* dispatch.dispatchers */
    struct cs_dispatcher_result dispatcher[CS_DISPATCHERS_MAX];
    int relays; /* dispatch.relays */
    struct cs_relay_result relay[CS_DISPATCHERS_MAX];
    struct cs_histogram latency;       /* ns, coordinator: intended arrival to reply */
    struct cs_histogram dispatch_wait; /* ns, coordinator: intended arrival to send */
    struct cs_histogram queue_wait;    /* ns, coordinator: round trip less service */
    struct cs_histogram service;       /* ns, merged over nodes: delivered service */
    struct cs_node_result *nodes;      /* [service_nodes] */
    int health_n;
    struct cs_health_event health[CS_HEALTH_EVENTS_MAX];
    struct cs_overload overload;    /* overloaded intervals in the window */
    char started_utc[32];           /* when the run started, ISO 8601 UTC ("" unknown) */
    char command[1024];             /* the command line, as given */
    char ended[320];                /* "" when the file holds the whole run; else why it does not (a
                                     * sweep's checkpoint: "running: 3 of 7 steps done") */
    bool partial;                   /* rank 0's measures only, the other ranks' reports missing (cs_results_partial) */
    struct cs_interval_row *series; /* the intervals of the run (owned; NULL when out of memory) */
    int series_n;
    bool series_cut; /* rows are missing from it (out of memory): a time series of it is not written */

    /* derived by cs_results_analyze */
    int host_count;
    bool oversubscribed; /* some host runs more ranks than it has cores */
    int worst_host_ranks, worst_host_cores;
    uint64_t lost;
    uint64_t in_flight; /* partial results: measured requests not ended yet */
    double duration_s;
    double throughput_rps;
    double in_system_mean;             /* requests in the system, time-averaged over the window (Little's L) */
    double coordinator_utilization;    /* the dispatchers' mean */
    double dispatcher_utilization_max; /* the busiest dispatcher's */
    double coordinator_per_request_us; /* a dispatcher's busy time per request; NAN when nothing completed */
    double relay_utilization_max;      /* the busiest relay's (0: no relays) */
    double relay_per_request_us;       /* the relays' busy time per request, all together (NAN: none) */
    double relay_capacity_rps;         /* what the relays could forward at that cost (INFINITY: no relays) */
    double node_utilization_mean;
    double service_inflation;    /* delivered / requested service time */
    uint64_t handoffs;           /* measured requests that found their node idle waiting for them */
    double handoff_mean_us;      /* that idle time, mean over them (NAN: none) */
    double occupied_us;          /* what a node was taken per request: delivered service + handoff */
    double asked_us;             /* what those requests asked for (their requested service) */
    uint64_t pauses;             /* timed waits the host overran by over CS_PAUSE_NS, all ranks */
    double pause_max_ms;         /* the longest overrun of a timed wait, any rank */
    int pause_rank;              /* the rank it was on */
    double discarded_share;      /* of the nodes' answers, those discarded as late or duplicate */
    double requests_per_message; /* items in the coordinator's messages, mean (NAN: none sent) */
    double replies_per_message;  /* replies in the messages it took, mean (NAN: none taken) */
    double message_share;        /* of the coordinator's time per request, the part paid per message (NAN: unknown) */
    char lever[640]; /* with the coordinator the bottleneck: what more dispatchers, batching or relays would do */
    double node_capacity_rps, coordinator_capacity_rps, capacity_rps;
    enum cs_bottleneck bottleneck;
    char reason[448];
    struct cs_theory theory;

    /* A sweep's rows and their analysis, when the run was a sweep (the
     * fields above then describe its last step). */
    const struct cs_sweep_row *sweep;
    int sweep_n;
    const struct cs_scaling *scaling;
    const struct cs_levers *levers;           /* a lever sweep's settings, or NULL */
    const struct cs_histogram *sweep_latency; /* [sweep_n]: each step's latency, or NULL */
    const struct cs_scenario *sweep_scenario; /* the sweep as asked (its steps differ), or NULL */
    int sweep_finished;                       /* its first rows that ran whole (not one a signal cut short) */
    int sweep_steps;                          /* the steps of its plan (a stopped sweep has fewer rows) */
    const char *resumed_from;                 /* --resume: the partial results file some steps came from */
    uint64_t resumed;                         /* which (bit i: the plan's step i + 1) */
};

/* Allocate the per-rank and per-node arrays; zero everything else. */
int cs_results_init(struct cs_results *r, int ranks);
void cs_results_free(struct cs_results *r);

/* What each rank hands rank 0 at the end of a run (one gather). */
struct cs_rank_report {
    struct cs_rank_info info;
    uint64_t counters[CS_N__COUNT]; /* a service node's; zeros from rank 0 */
};

/* Fill r's inputs from what the coordinator measured (cs_coord_measures),
 * every rank's report (reports[0..ranks-1]) and the service nodes'
 * delivered service, merged. */
void cs_results_collect(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m,
                        const struct cs_rank_report *reports, const struct cs_histogram *service);
/* The same for a caller that put every rank's report in r itself
 * (r->rank_info[rank], r->nodes[node].counters): no array of reports. */
void cs_results_collect_placed(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m,
                               const struct cs_histogram *service);

/* Partial results, for a checkpoint or a run cut short: rank 0's
 * coordinator measures (m) and every rank's placement (info[ranks]),
 * without the other ranks' reports, over the first covered_s of the
 * measured window, marked incomplete with why (ended). Analysed
 * (cs_results_analyze), they have no verdict, and requests not ended yet
 * are in flight, not lost. r comes from cs_results_init for the run's
 * ranks. */
void cs_results_partial(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m,
                        const struct cs_rank_info *info, double covered_s, const char *ended);

/* A dispatcher's report (cs_dispatch_report_fill on its rank) and its
 * nodes' completions and waits, [d->nodes] each: merged into r after
 * cs_results_collect took rank 0's. */
void cs_dispatch_report_fill(struct cs_dispatch_report *d, int rank, const struct cs_coord_measures *m);
void cs_results_add_dispatcher(struct cs_results *r, const struct cs_dispatch_report *d, const uint64_t *node_completed,
                               const uint64_t *node_wait_ns);
/* A relay's report (its counters; its nodes' completions are rank 0's,
 * by the node each reply names), after cs_results_collect. */
void cs_results_add_relay(struct cs_results *r, const struct cs_relay_report *d);

/* Is rank the first rank of its host (rank_info by host name)? */
bool cs_results_first_on_host(const struct cs_results *r, int rank);

/* The verdict that names the tier whose capacity r->overload was judged
 * against: service_nodes, coordinator (dispatchers, with several) or
 * relays. */
enum cs_bottleneck cs_results_overload_tier(const struct cs_results *r);

/* Beyond this many service nodes the report, the JSON and the HTML give
 * a summary of the nodes (cs_node_summary) instead of one line each,
 * unless the run asked for all of them (cs_results.all_nodes). */
#define CS_NODES_LISTED 32
/* How many of the hottest and of the coldest nodes a summary names. */
#define CS_NODES_EXTREMES 5

/* A spread of one per-node measure: the least, its 10th, 50th and 90th
 * percentiles, the most, and the mean. */
struct cs_spread {
    double min, p10, p50, p90, max, mean;
};

/* The service nodes at a glance: how busy they were and how many replies
 * each gave, as spreads, and the hottest and coldest few (indexes into
 * cs_results.nodes, by utilization: hottest[0] the busiest, coldest[0]
 * the idlest; extremes_n = min(nodes, CS_NODES_EXTREMES) of each). */
struct cs_node_summary {
    int nodes;
    struct cs_spread utilization, completed;
    int hottest[CS_NODES_EXTREMES], coldest[CS_NODES_EXTREMES];
    int extremes_n;
};

/* Fills s from r's analysed per-node results, or returns CS_E_NOMEM
 * (s then has only the node count). */
int cs_results_node_summary(const struct cs_results *r, struct cs_node_summary *s);
/* Whether r lists every node: it has few, or the run asked for all. */
bool cs_results_lists_nodes(const struct cs_results *r);

/* Results of a sweep (the fields of its rows), not of one run: also a
 * sweep stopped before any step finished, which has no row. */
static inline bool cs_results_is_sweep(const struct cs_results *r)
{
    return r->sweep_n > 0 || r->sweep_scenario != NULL;
}

/* Why results are incomplete, in words ("ended", or a general phrase
 * where none was given); NULL when they are complete. */
const char *cs_results_incomplete_why(const struct cs_results *r);

/* Derive every field below "derived" from the inputs. */
void cs_results_analyze(struct cs_results *r);

/* The results as pretty JSON (caller frees), NULL when out of memory. */
char *cs_results_json(const struct cs_results *r);
/* The report for people. */
void cs_results_table(const struct cs_results *r, FILE *out);

/* A lever sweep's (r->levers) knee setting by setting, on one line
 * without its newline: the report's last line, the HTML's verdict. */
void cs_levers_knees(const struct cs_results *r, FILE *out);

/* --calibrate's report: the raw MPI round trips per second, what the
 * coordinator costs per request flat out (flat_out, a run with no service
 * time and no dispatch.cost_us), a node's overhead (k), and where sc's
 * knee and others will be. */
struct cs_calibration;
void cs_calibration_table(const struct cs_scenario *sc, const struct cs_calibration *k,
                          const struct cs_results *flat_out, FILE *out);

/* Rows as CSV, one line per step, each with the speedup and efficiency
 * of r's analysis (of its setting, with a lever), where r has one (caller
 * frees). A single run is one row. */
char *cs_sweep_csv(const struct cs_results *r, const struct cs_sweep_row *rows, int count);

/* The rows of a results file's sweep (doc: its parsed JSON), as
 * cs_results_json wrote them: their count, or CS_E_INVALID with the
 * field at fault in err. */
struct cJSON;
int cs_sweep_rows_from_json(const struct cJSON *doc, struct cs_sweep_row *rows, int max, char *err, size_t errlen);

/* The time series (--timeseries): a header (CSV only), then one row per
 * interval, flushed at once so a killed run still leaves its rows. */
void cs_timeseries_header(FILE *out, bool json);
void cs_timeseries_row(FILE *out, bool json, const struct cs_interval_row *row);

#endif
