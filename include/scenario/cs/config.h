/*
 * The scenario: what to simulate. Parsed from JSON text in one place
 * (config.c), validated, and copied into a plain struct with no cJSON in
 * it. Every key is optional and has a documented default; the keys are
 * rows of one table, from which parsing, defaults, --set overrides and the
 * printed effective scenario all come.
 */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/dist.h"

/* The most clients a closed loop may have (load.clients, and a saturated
 * sweep's step). */
#define CS_CLIENTS_MAX 1000000
#define CS_CLIENTS_DEFAULT 10 /* load.clients left out */
#define CS_NAME_MAX 64
#define CS_TEXT_MAX 1024
#define CS_SCENARIO_FILE_MAX (16 * 1024 * 1024) /* bytes */
#define CS_PATH_MAX 512
#define CS_SCHEDULE_MAX 256  /* points in load.schedule */
#define CS_PER_NODE_MAX 1024 /* per-node values in a list or overrides */
#define CS_SWEEP_MAX 64      /* steps in sweep.nodes or sweep.rates_rps, and in a whole lever sweep */
#define CS_LEVER_MAX 8       /* settings in sweep.dispatchers, sweep.batch or sweep.relays */
#define CS_FAULTS_MAX 64     /* entries in faults */

enum cs_fault_kind { CS_FAULT_SLOW = 0, CS_FAULT_STOP = 1, CS_FAULT_RECOVER = 2 };

/* A fault of one service node, on its own clock from the start of the run:
 * "slow" multiplies its service times by factor, "stop" makes it answer
 * nothing (what it holds is lost, as in a crash-stop, but the process
 * lives), "recover" ends both. for_s > 0 ends a slow or stop by itself. */
struct cs_fault {
    int rank;
    double at_s;
    int kind; /* enum cs_fault_kind */
    double factor;
    double for_s;
};

enum cs_service_mode { CS_MODE_SLEEP = 0, CS_MODE_SPIN = 1 };

/* How the coordinator's emulated costs (dispatch.cost_us and
 * message_cost_us) are paid: burning the CPU, or busy without it (a
 * sleep to the end of the cost, finished with a short spin), so that
 * several dispatchers on a small host measure the design, not the host. */
enum cs_cost_mode { CS_COST_SPIN = 0, CS_COST_SLEEP = 1 };

/* Which service nodes a dispatcher may use when there are several:
 * every one, or its own block of them. */
enum cs_partition { CS_PARTITION_SHARED = 0, CS_PARTITION_SHARDED = 1 };

#define CS_DISPATCHERS_MAX 64
#define CS_VIRTUAL_NODES_MAX 1000000 /* run.nodes and sweep.nodes: service nodes of a virtual run */

/* How a sweep sets the offered load of each step (see sweep.h). */
enum cs_sweep_mode { CS_SWEEP_SATURATE = 0, CS_SWEEP_STRONG = 1, CS_SWEEP_WEAK = 2 };

/* Who runs the state machines: MPI ranks, or the virtual-time engine in
 * one process (cs/virtual.h). */
enum cs_engine { CS_ENGINE_MPI = 0, CS_ENGINE_VIRTUAL = 1 };

/* A piecewise-constant offered rate: from at_s (seconds after the start of
 * the run, warm-up included) until the next point, rate_rps. */
struct cs_rate_point {
    double at_s;
    double rate_rps;
};

/*
 * A value per service node, given in the scenario as one number (every
 * node), a list (one entry per node, in rank order: exactly as many as the
 * run has service nodes) or an object of overrides by rank
 * ({"default": 1, "3": 0.25}).
 */
struct cs_per_node {
    double all;   /* the value of nodes not listed */
    bool is_list; /* a list: must match the node count */
    int n;        /* entries below */
    struct {
        int rank;
        double value;
    } at[CS_PER_NODE_MAX];
};

struct cs_scenario {
    char name[CS_NAME_MAX];
    char description[CS_TEXT_MAX];
    struct {
        int arrival;        /* index into cs_arrival_kinds */
        double rate_rps;    /* requests per second; NAN: derive from utilization */
        double utilization; /* target per-server load when rate_rps is unset */
        double duration_s;  /* measured window */
        double warmup_s;    /* before the window, excluded from statistics */
        uint64_t seed;
        int clients;          /* closed loop: concurrent users */
        struct cs_dist think; /* closed loop: think time between requests */
        int schedule_n;       /* points in schedule; 0: constant rate */
        struct cs_rate_point schedule[CS_SCHEDULE_MAX];
        char trace[CS_PATH_MAX]; /* trace arrivals: CSV file */
    } load;
    struct {
        struct cs_dist time;
        int mode;    /* enum cs_service_mode */
        int servers; /* concurrency per service node */
    } service;
    struct {
        int policy;              /* index into cs_policies */
        double cost_us;          /* emulated coordinator CPU work per request */
        double message_cost_us;  /* and per message it sends */
        int cost_mode;           /* enum cs_cost_mode */
        int batch;               /* most requests (replies) per message, 1..CS_BATCH_MAX */
        double batch_wait_us;    /* longest a request (reply) waits for its batch to fill */
        int dispatchers;         /* ranks 0..dispatchers-1 generate and dispatch, each its share */
        int relays;              /* ranks 1..relays forward rank 0's requests, each to its block of nodes */
        int partition;           /* enum cs_partition */
        int window;              /* max requests in flight per service node */
        int max_pending;         /* max requests queued at the coordinator */
        int d;                   /* power_of_d: nodes sampled per request */
        int prefetch;            /* pull: requests a node may hold per server (1: only the one it serves) */
        double timeout_ms;       /* an attempt times out this long after its intended arrival (a retry or
                              hedge: after its send); 0: never */
        int retries;             /* after a timeout, send again to another node up to this many times */
        double retry_budget;     /* retries may add at most this fraction of the requests */
        double hedge_after_us;   /* send a duplicate to another node after this long unanswered; 0: no */
        double hedge_percentile; /* or after this percentile of recent answer times; 0: no */
        double hedge_budget;     /* hedges may add at most this fraction of the requests */
        int down_after;          /* mark a node down after this many timeouts in a row; 0: never */
        double probe_ms;         /* how often a node marked down is sent a probe request */
    } dispatch;
    struct {
        struct cs_per_node speed;   /* service speed: 2 serves in half the time */
        struct cs_per_node servers; /* overrides service.servers per node */
        int queue_capacity;         /* requests a node queues beyond its servers; 0: unbounded */
    } nodes;
    struct {
        double drain_timeout_s; /* max time to wait for replies after the window */
        double idle_poll_us;    /* how often an idle rank looks for messages */
        double interval_ms;     /* time series row length */
        double checkpoint_s;    /* rank 0 rewrites the results files this often while a run goes (0: never) */
        double stop_grace_s;    /* after SIGTERM/SIGINT: time to drain before the results are written */
        int engine;             /* enum cs_engine */
        int nodes;              /* service nodes of a virtual run (an MPI run has its ranks' count) */
    } run;
    /* What a virtual run models and a run on ranks pays for real (zero:
     * free). Only the virtual engine takes nonzero values; a calibration
     * file (--calibration) sets them to this machine's measured ones. */
    struct {
        double latency_us; /* one way, per message */
    } network;
    struct {
        double coordinator_request_us; /* the coordinator's own work per request */
        double coordinator_message_us; /* and per message it sends or receives */
        double node_overhead_us;       /* a node's work per request beyond its service */
    } model;
    int faults_n;
    struct cs_fault faults[CS_FAULTS_MAX];
    struct {
        bool enabled; /* run the sweep without --sweep */
        int nodes_n;  /* 0: powers of two up to all nodes */
        int nodes[CS_SWEEP_MAX];
        int mode;    /* enum cs_sweep_mode */
        int rates_n; /* > 0: sweep the offered load at a fixed node count */
        double rates_rps[CS_SWEEP_MAX];
        int clients_per_server; /* saturate: closed-loop clients per server */
        /* A lever (at most one list): the node sweep again for each
         * setting of dispatch.dispatchers, dispatch.batch or dispatch.relays. */
        int dispatchers_n;
        int dispatchers[CS_LEVER_MAX];
        int batch_n;
        int batch[CS_LEVER_MAX];
        int relays_n;
        int relays[CS_LEVER_MAX];
    } sweep;
};

/* The embedded default scenario, as JSON text. */
extern const char cs_default_scenario_json[];

void cs_scenario_defaults(struct cs_scenario *s);

/*
 * Parse and validate JSON text into *s (defaults first, then the text).
 * On error returns CS_E_INVALID with one message in err naming the key and
 * the value (or the line and column of a syntax error).
 */
int cs_scenario_parse(struct cs_scenario *s, const char *text, size_t len, char *err, size_t errlen);

/*
 * Build the scenario text a run uses: the file (NULL: the embedded default)
 * with each "key.path=value" assignment applied in order. The value is
 * taken as JSON when it parses as JSON, else as a string. The result is
 * validated, and returned as compact JSON in *out (caller frees).
 */
int cs_scenario_compose(const char *path, const char *const *sets, int nsets, char **out, char *err, size_t errlen);

/* The effective scenario as pretty JSON, every key present (caller frees).
 * It parses back to the same values: cs_scenario_diff finds none. */
char *cs_scenario_to_json(const struct cs_scenario *s);

/*
 * The first key (in key table order, e.g. "load.seed") whose values differ
 * between a and b, or NULL when they are equal. Values compare as the
 * printed scenario carries them: numbers exactly (NAN, unset, equals NAN),
 * lists entry by entry up to their length, and not what no run reads and
 * cs_scenario_to_json leaves out (the cv of a distribution without one, the
 * factor of a fault that is not "slow", the value for nodes not listed in a
 * per-node list).
 */
const char *cs_scenario_diff(const struct cs_scenario *a, const struct cs_scenario *b);

#endif
