/*
 * Soundness checks on results documents for the labs. See labcheck.h.
 *
 * The tolerances are for a loaded 2-core laptop, where a run shares its
 * cores with its own ranks and the desktop: they let through the noise
 * such a machine adds, and catch the mistakes the labs warn about (a
 * stopped run, no warm-up, too short a window, a starved CPU, a scenario
 * changed by accident).
 */
#include "cs/labcheck.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs/common.h"
#include "cs/config.h"
#include "cs/jsonpath.h"

/* Throughput may exceed the offered load by this share, and by what a
 * Poisson count can add by chance (3 standard deviations). */
#define OFFERED_SLACK 0.05
/* ... and the model's capacity by this share (service on a shared host is
 * within 1-2% of what was asked; 5% is a real excess), and again by three
 * Poisson deviations: a saturated server with exponential service
 * completes a Poisson count in the window (a 1 s window at 8000 req/s
 * has measured 8410). */
#define CAPACITY_SLACK 0.05
/* Little's law: L against X R within this share in a steady run. */
#define LITTLE_SLACK 0.10
/* Delivered service above requested by more than this: the CPU was short.
 * The verdict's own threshold (analysis.c): a laptop whose coordinator
 * spins on one of two cores delays the nodes' timers by up to about 5%
 * in a step where that changes nothing (measured in lab 2's sweep). */
#define INFLATION_MAX 1.10
/* A run is overloaded (no steady state to check) when it answered less
 * than this share of what was offered, or ended more than this share of
 * its requests other than completed. */
#define KEPT_UP 0.95
#define UNANSWERED_MAX 0.01
/* A node this busy is saturated: its queue has no steady state either. */
#define SATURATED 0.98
/* Requests a p99 needs: at least 10 above it. */
#define P99_MIN_COUNT 1000
/* The window should span this many settling times. */
#define WINDOW_SETTLE_TIMES 10.0

/* Each lab's scenarios, comma-separated. */
static const char *const lab_scenarios[CS_LAB_COUNT + 1] = {
    [1] = "coffee-shop-fast-machine,coffee-shop-many-machines",
    [2] = "coordinator-knee",
    [3] = "policy-shootout",
    [4] = "ticket-rush,ticket-rush-admission",
};

const char *cs_labcheck_scenarios(int lab)
{
    return lab >= 1 && lab <= CS_LAB_COUNT ? lab_scenarios[lab] : "";
}

struct check {
    const cJSON *doc;
    cs_labcheck_say say;
    void *ctx;
    int problems;
};

static void problem(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct check *k, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    k->say(k->ctx, line);
    k->problems++;
}

static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* ---- the general checks ---- */

/* An incomplete file is a checkpoint (written while the run went on,
 * which then never finished it: "ended" says "running: ...", or the file
 * holds rank 0's measures alone, requests.in_flight) or the results of a
 * run a signal stopped ("ended" says where). */
static void check_complete(struct check *k)
{
    if (!cJSON_IsFalse(cs_json_at(k->doc, "complete")))
        return;
    const char *ended = cs_json_str(k->doc, "ended");
    if (ended && (strncmp(ended, "running", 7) == 0 || cs_json_at(k->doc, "requests.in_flight")))
        problem(k,
                "incomplete: the file was written while the run was going (%s) and the run never finished it: "
                "run it again to the end",
                ended);
    else
        problem(k, "the run was stopped before its end (%s): run it again to the end",
                ended ? ended : "complete: false");
}

static void check_conservation(struct check *k)
{
    const cJSON *d = k->doc;
    double gen = cs_json_num(d, "requests.generated");
    double ended = cs_json_num(d, "requests.completed") + cs_json_num(d, "requests.rejected") +
                   cs_json_num(d, "requests.timed_out") + cs_json_num(d, "requests.failed");
    double lost = cs_json_num(d, "requests.lost"), in_flight = cs_json_num(d, "requests.in_flight");
    if (!isnan(in_flight)) /* partial results: a checkpoint, or a run cut short */
        ended += in_flight;
    if (isnan(ended)) /* results from before the 'failed' outcome */
        ended = cs_json_num(d, "requests.completed") + cs_json_num(d, "requests.rejected") +
                cs_json_num(d, "requests.timed_out");
    if (isnan(gen) || isnan(ended))
        return;
    if (gen != ended + (isnan(lost) ? 0 : lost))
        problem(k,
                "requests do not add up: %.0f generated, but completed + rejected + timed out + failed + lost = %.0f",
                gen, ended + (isnan(lost) ? 0 : lost));
    if (lost > 0)
        problem(k, "%.0f requests were lost (never answered nor counted as ending): the run is not trustworthy", lost);
}

/* Throughput under the offered load (what arrived) and the model's
 * capacity, for a run or a sweep step labelled where. */
static void check_rates(struct check *k, const char *where, double offered, double throughput, double duration,
                        double capacity)
{
    if (offered > 0 && duration > 0) {
        double slack = OFFERED_SLACK * offered + 3 * sqrt(offered / duration);
        if (throughput > offered + slack)
            problem(k,
                    "%sthroughput %.0f req/s is above the offered %.0f req/s: a backlog from before the window was "
                    "still draining into it; lengthen load.warmup_s",
                    where, throughput, offered);
    }
    if (capacity > 0 && duration > 0 && throughput > capacity * (1 + CAPACITY_SLACK) + 3 * sqrt(capacity / duration))
        problem(k,
                "%sthroughput %.0f req/s is above the model's capacity %.0f req/s: the nodes served faster than "
                "their scenario says; check the results were not edited or mixed up",
                where, throughput, capacity);
}

static void check_cpu(struct check *k, const char *where, double inflation, const char *bottleneck)
{
    const cJSON *d = k->doc;
    double ranks = cs_json_num(d, "mpi.max_ranks_per_host"), cores = cs_json_num(d, "mpi.cores_on_that_host");
    char host[96] = "";
    if (!isnan(ranks) && !isnan(cores))
        snprintf(host, sizeof(host), " (%.0f ranks on %.0f cores)", ranks, cores);
    const char *engine = cs_json_str(d, "scenario.run.engine");
    if (engine && strcmp(engine, "virtual") == 0)
        return; /* no CPU shapes virtual time: service beyond what was asked is model.node_overhead_us */
    if (inflation > INFLATION_MAX)
        problem(k,
                "%sdelivered service was %.2fx what was requested: the ranks were short of CPU%s; use fewer ranks, "
                "close other programs, or a machine with more cores",
                where, inflation, host);
    if (bottleneck && strcmp(bottleneck, "host_cpu") == 0)
        problem(k, "%sthe verdict is host_cpu: these numbers measure this machine's CPU, not the design%s", where,
                host);
}

/* Time for a queue at utilization rho with mean response time r to
 * settle from empty: r (1 + sqrt rho) / (1 - sqrt rho), the M/M/1
 * relaxation time 1 / (mu (1 - sqrt rho)^2) written with r = 1 / (mu (1 -
 * rho)). An estimate, for other queues too: within a small factor. */
static double settle_s(double rho, double r_s)
{
    double s = sqrt(rho > 0 ? rho : 0);
    return r_s * (1 + s) / (1 - s);
}

/* The nodes' utilization, the busiest and the mean. */
static void utilization(const cJSON *d, double *rho_max, double *rho)
{
    *rho_max = cs_json_num(d, "node_summary.utilization.max");
    *rho = cs_json_num(d, "node_summary.utilization.mean");
    if (isnan(*rho_max) || isnan(*rho)) { /* a file from before the summary: its nodes, one by one */
        double rho_sum = 0;
        int count = 0;
        const cJSON *n;
        *rho_max = 0;
        cJSON_ArrayForEach (n, cs_json_at(d, "nodes")) {
            double u = cs_json_num(n, "utilization");
            if (isnan(u))
                continue;
            *rho_max = u > *rho_max ? u : *rho_max;
            rho_sum += u;
            count++;
        }
        *rho = count ? rho_sum / count : 0;
    }
}

const char *cs_labcheck_unsteady(const cJSON *d)
{
    static char why[96];
    double offered = cs_json_num(d, "offered_rps"), x = cs_json_num(d, "throughput_rps");
    double gen = cs_json_num(d, "requests.generated"), done = cs_json_num(d, "requests.completed");
    const cJSON *schedule = cs_json_at(d, "scenario.load.schedule");
    const char *arrival = cs_json_str(d, "scenario.load.arrival");
    if (cJSON_IsArray(cs_json_at(d, "sweep")))
        return NULL; /* a sweep's steps are checked one by one, without these */
    if (isnan(offered) || isnan(x) || isnan(gen) || isnan(done) || gen <= 0)
        return "nothing was measured";
    if (x < KEPT_UP * offered || gen - done > UNANSWERED_MAX * gen)
        return "throughput fell short of the offered load"; /* overloaded, and the verdict says why */
    if ((schedule && !cJSON_IsNull(schedule)) || (arrival && strcmp(arrival, "trace") == 0))
        return "the load changes during the run by design";
    if (cJSON_IsObject(cs_json_at(d, "overload")))
        return "it was overloaded for a while"; /* the averages mix two states */
    double rho_max, rho;
    utilization(d, &rho_max, &rho);
    if (rho_max >= SATURATED) { /* one node's queue grows though the whole kept up */
        snprintf(why, sizeof(why), "a node was busy %.0f%% of the time, so its queue grew all along", 100 * rho_max);
        return why;
    }
    return NULL;
}

/* Little's law, the warm-up and the window: only a steady run has them to
 * check. */
static void check_steady(struct check *k)
{
    const cJSON *d = k->doc;
    if (cs_labcheck_unsteady(d))
        return;
    /* The busiest node tells whether a queue grew all along; the mean
     * utilization, with the mean latency, how long the whole took to
     * settle (a load-aware policy keeps a busy node's queue short). */
    double x = cs_json_num(d, "throughput_rps"), rho_max, rho;
    utilization(d, &rho_max, &rho);

    double r_us = cs_json_num(d, "latency_us.mean"), l = cs_json_num(d, "in_system_mean");
    if (!isnan(l) && !isnan(r_us) && l > 0) {
        double xr = x * r_us / 1e6;
        if (fabs(l / xr - 1) > LITTLE_SLACK)
            problem(k,
                    "Little's law does not hold: %.2f requests in the system on average, but throughput x mean "
                    "latency = %.2f (%+.0f%%): the run was not in a steady state; lengthen the warm-up and the run",
                    l, xr, 100 * (l / xr - 1));
    }

    double warm = cs_json_num(d, "scenario.load.warmup_s"), window = cs_json_num(d, "duration_s");
    if (isnan(r_us) || isnan(warm) || isnan(window))
        return;
    double settle = settle_s(rho, r_us / 1e6);
    if (warm < settle)
        problem(k,
                "the warm-up (%.2g s) is shorter than this load takes to settle from empty (about %.2g s at %.0f%% "
                "busy and %.3g ms mean latency): set load.warmup_s to at least %.2g",
                warm, settle, 100 * rho, r_us / 1e3, settle);
    if (window < WINDOW_SETTLE_TIMES * settle)
        problem(k,
                "the measured window (%.2g s) is short for this load, which settles in about %.2g s: set "
                "load.duration_s to at least %.2g",
                window, settle, WINDOW_SETTLE_TIMES * settle);
}

static void check_sample(struct check *k)
{
    double count = cs_json_num(k->doc, "latency_us.count");
    if (count > 0 && count < P99_MIN_COUNT)
        problem(k,
                "only %.0f requests were measured: the p99 rests on fewer than 10 of them; run longer or at a "
                "higher rate before quoting it",
                count);
}

/* The cost per request of whoever pays dispatch.cost_us: the coordinator,
 * or under relays (relays > 0) the relays. */
static void check_dispatch_cost(struct check *k, const char *where, int relays, double per)
{
    double cost = cs_json_num(k->doc, "scenario.dispatch.cost_us");
    /* Besides its emulated cost the coordinator pays its own few us per
     * request; a starved one pays far more. */
    if (cost > 0 && per > 1.2 * cost + 25)
        problem(k,
                "%sthe %s took %.0f us per request for an emulated cost of %.0f us: %s short of CPU; "
                "close other programs, run on fewer ranks, or run the job on a cluster",
                where, relays > 0 ? "relays" : "coordinator", per, cost, relays > 0 ? "they were" : "it was");
}

static void check_spin(struct check *k)
{
    const char *mode = cs_json_str(k->doc, "scenario.service.mode");
    if (cJSON_IsTrue(cs_json_at(k->doc, "mpi.oversubscribed")) && mode && strcmp(mode, "spin") == 0)
        problem(k, "service.mode is spin on a host with more ranks than cores: spinning ranks take turns on the "
                   "cores, so service times measure the host; use service.mode sleep or fewer ranks");
}

static void check_sweep(struct check *k, const cJSON *steps)
{
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach (s, steps) {
        char where[48];
        double nodes = cs_json_num(s, "nodes"), step = cs_json_num(s, "step");
        int at = step >= 1 && step <= CS_SWEEP_MAX ? (int)step : i + 1; /* (a checkpoint's rows have gaps) */
        if (!isnan(nodes))
            snprintf(where, sizeof(where), "sweep step %d (%.0f nodes): ", at, nodes);
        else
            snprintf(where, sizeof(where), "sweep step %d: ", at);
        check_rates(k, where, cs_json_num(s, "offered_rps"), cs_json_num(s, "throughput_rps"),
                    cs_json_num(k->doc, "duration_s"), NAN);
        check_cpu(k, where, cs_json_num(s, "service_inflation"), cs_json_str(s, "bottleneck"));
        /* Under relays, the relays' cost per request all together (a file
         * from before the rows had it: their coordinator's field was it). */
        int relays = cs_json_num(s, "relays") > 0;
        double per = cs_json_num(s, relays ? "relay_per_request_us" : "coordinator_per_request_us");
        if (relays && !cs_json_at(s, "relay_per_request_us"))
            per = cs_json_num(s, "coordinator_per_request_us");
        check_dispatch_cost(k, where, relays, per);
        i++;
    }
}

/* ---- the labs' setups ---- */

/* nodes.speed as given: a number for every node, or a list. True when
 * not every node has the same speed. */
static bool heterogeneous(const cJSON *d)
{
    const cJSON *speed = cs_json_at(d, "scenario.nodes.speed"), *v;
    double first = NAN;
    if (!cJSON_IsArray(speed))
        return false;
    cJSON_ArrayForEach (v, speed) {
        if (!cJSON_IsNumber(v))
            continue;
        if (isnan(first))
            first = v->valuedouble;
        else if (v->valuedouble != first)
            return true;
    }
    return false;
}

static void check_setup(struct check *k, int lab, const char *name)
{
    const cJSON *d = k->doc;
    switch (lab) {
    case 2:
        if (!(cs_json_num(d, "scenario.dispatch.cost_us") > 0))
            problem(k, "dispatch.cost_us is 0: lab 2's knee comes from the coordinator's cost; keep the "
                       "scenario's 250 us");
        break;
    case 3:
        if (!heterogeneous(d))
            problem(k, "the nodes all have the same speed: lab 3 compares policies on nodes of different speeds; "
                       "keep the scenario's nodes.speed");
        if (cs_json_num(d, "mpi.service_nodes") != 3)
            problem(k, "%.0f service nodes: lab 3 runs on 3 (4 ranks, CS_NP=4)", cs_json_num(d, "mpi.service_nodes"));
        break;
    case 4: {
        const cJSON *schedule = cs_json_at(d, "scenario.load.schedule"), *step;
        double peak = 0, capacity = cs_json_num(d, "model.capacity_rps");
        cJSON_ArrayForEach (step, schedule)
            if (cs_json_num(step, "rate_rps") > peak)
                peak = cs_json_num(step, "rate_rps");
        if (!cJSON_IsArray(schedule) || cJSON_GetArraySize(schedule) < 2)
            problem(k, "load.schedule is gone: lab 4's crowd is the schedule's jump from 1000 to 6000 req/s");
        else if (!(peak > capacity)) /* (a capacity unknown: NaN, and no crowd can be told) */
            problem(k,
                    "load.schedule peaks at %.0f req/s, not above the nodes' capacity of %.0f req/s: no crowd; "
                    "lab 4's is the schedule's jump from 1000 to 6000 req/s",
                    peak, capacity);
        if (strcmp(name, "ticket-rush-admission") == 0 && !(cs_json_num(d, "scenario.dispatch.max_pending") <= 1000))
            problem(k, "dispatch.max_pending is %.0f: the admission-control run keeps the scenario's 30",
                    cs_json_num(d, "scenario.dispatch.max_pending"));
        break;
    }
    default:
        break;
    }
}

int cs_labcheck(const cJSON *doc, int lab, cs_labcheck_say say, void *ctx, char *err, size_t errlen)
{
    if (lab < 0 || lab > CS_LAB_COUNT) {
        snprintf(err, errlen, "no lab %d: the labs with checks are 1 to %d", lab, CS_LAB_COUNT);
        return CS_E_INVALID;
    }
    if (!cs_json_is_results(doc)) {
        snprintf(err, errlen, "not a clustersim results file (no requests, scenario or throughput_rps)");
        return CS_E_INVALID;
    }
    const char *name = cs_json_str(doc, "scenario.name");
    if (lab > 0 && (!name || !in_list(lab_scenarios[lab], name))) {
        snprintf(err, errlen, "scenario '%s' is not one of lab %d's (%s): wrong file or wrong lab?",
                 name ? name : "(none)", lab, lab_scenarios[lab]);
        return CS_E_INVALID;
    }

    struct check k = {doc, say, ctx, 0};
    /* A lab measures the ranks the student has: a virtual-time run is a
     * prediction, and passes every check of a measurement by design. */
    const char *engine = cs_json_str(doc, "scenario.run.engine");
    if (lab > 0 && engine && strcmp(engine, "virtual") == 0)
        problem(&k,
                "a virtual-time prediction (--virtual), not a measurement: lab %d measures MPI ranks; run the "
                "page's scripts/run.sh command",
                lab);
    check_complete(&k);
    check_conservation(&k);
    const cJSON *steps = cs_json_at(doc, "sweep");
    if (cJSON_IsArray(steps)) {
        check_sweep(&k, steps);
    } else {
        check_rates(&k, "", cs_json_num(doc, "offered_rps"), cs_json_num(doc, "throughput_rps"),
                    cs_json_num(doc, "duration_s"), cs_json_num(doc, "model.capacity_rps"));
        check_cpu(&k, "", cs_json_num(doc, "service_us.inflation"), cs_json_str(doc, "bottleneck"));
        const cJSON *relays = cs_json_at(doc, "relays"), *x;
        double per = cs_json_num(doc, "coordinator.per_request_us");
        if (cJSON_GetArraySize(relays) > 0) { /* the relays pay dispatch.cost_us: the busiest's */
            per = NAN;
            cJSON_ArrayForEach (x, relays)
                if (isnan(per) || cs_json_num(x, "per_request_us") > per)
                    per = cs_json_num(x, "per_request_us");
        }
        check_dispatch_cost(&k, "", cJSON_GetArraySize(relays), per);
        check_steady(&k);
        check_sample(&k);
    }
    check_spin(&k);
    if (lab > 0)
        check_setup(&k, lab, name);
    return k.problems;
}
